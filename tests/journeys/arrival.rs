//! Arriving: the waiting-times board, checking in from the app, the live place in the queue,
//! and the call to a room as a notification, against a hospital outside the app.

use std::time::Duration;

use hale_e2e::notifications::NotificationBus;
use hale_e2e::{launch_signed_in, Place};
use hale_server::demo::seed::{DEMO_PATIENT, DEMO_STAFF};
use hale_server::ServerOptions;

const BOOT: Duration = Duration::from_secs(60);

#[tokio::test]
#[ignore = "end-to-end: needs the release app, Xvfb and tauri-driver (scripts/test.sh)"]
async fn check_in_follow_the_queue_and_be_called() {
    let data = tempfile::tempdir().unwrap();
    let db_url = format!("sqlite://{}", data.path().join("hospital.sqlite").display());
    let mut options = ServerOptions::embedded_demo(db_url.clone());
    // The test calls the patient itself; the demo day would do it at random.
    options.simulate_demo_day = false;
    let server = hale_server::start(&options).await.unwrap();
    let db = hale_server::open_database(&db_url).await.unwrap();
    let start = chrono::Utc::now() + chrono::Duration::minutes(10);
    hale_server::demo::seed::appointment_at(&db, DEMO_PATIENT.id, "cl-cardiology", start)
        .await
        .unwrap();
    let url = server.fhir_base();
    let bus = NotificationBus::start().await;
    let env = [
        ("HALE_HOSPITAL_URL", url.as_str()),
        ("DBUS_SESSION_BUS_ADDRESS", bus.address()),
    ];
    let app = launch_signed_in(data.path(), &env).await;

    app.go(Place::Appointments).await;
    app.wait_for_all("[data-testid=appointment]", 4, BOOT).await;
    app.go(Place::WaitingTimes).await;
    app.wait_for_all("[data-testid=department]", 4, BOOT).await;
    let cardiology = "[data-testid=department]:nth-child(1) [data-testid=department-wait]";
    app.wait_until_text(cardiology, "No one waiting", BOOT)
        .await;

    // Only the appointment ten minutes away offers check-in.
    app.go(Place::Appointments).await;
    let buttons = app.wait_for_all("[data-testid=check-in]", 1, BOOT).await;
    assert_eq!(buttons.len(), 1);
    buttons[0].click().await.unwrap();
    app.wait_until_text("[data-testid=queue-status]", "number 1 in the queue", BOOT)
        .await;
    app.screenshot("checked-in").await;

    // The board moved, live.
    app.go(Place::WaitingTimes).await;
    app.wait_until_text(cardiology, "1 waiting", BOOT).await;

    // Staff call the patient: the open screen and a notification say where to go.
    app.go(Place::Appointments).await;
    app.wait_for_all("[data-testid=queue-status]", 1, BOOT)
        .await;
    let http = reqwest::Client::new();
    let token: serde_json::Value = http
        .post(format!("http://{}/auth/token", server.addr))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", DEMO_STAFF.id),
            ("client_secret", DEMO_STAFF.secret),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let called = http
        .post(format!(
            "http://{}/api/clinics/cl-cardiology/call-next",
            server.addr
        ))
        .bearer_auth(token["access_token"].as_str().unwrap())
        .json(&serde_json::json!({"room": "Room 3"}))
        .send()
        .await
        .unwrap();
    assert_eq!(called.status().as_u16(), 200);
    app.wait_until_text("[data-testid=queue-status]", "please go to Room 3", BOOT)
        .await;
    let received = bus
        .wait_for_summary("It's your turn", 1, Duration::from_secs(20))
        .await;
    assert!(
        received
            .iter()
            .any(|r| r.body == "Please go to Room 3 now."),
        "{received:?}"
    );
    app.close().await;
    server.stop().await.unwrap();
}
