//! The earlier-slot waitlist in the real app: the patient asks for an earlier time, another
//! patient's cancellation frees one, the offer arrives as a notification and on screen, and
//! taking it moves the appointment.

use std::time::Duration;

use chrono::{DateTime, Utc};
use fantoccini::Locator;
use hale_e2e::notifications::NotificationBus;
use hale_e2e::{launch_signed_in, Place};
use hale_server::ServerOptions;

const BOOT: Duration = Duration::from_secs(60);

#[tokio::test]
#[ignore = "end-to-end: needs the release app, Xvfb and tauri-driver (scripts/test.sh)"]
async fn an_earlier_slot_is_offered_notified_and_taken() {
    let data = tempfile::tempdir().unwrap();
    let db = data.path().join("hospital.sqlite");
    let server = hale_server::start(&ServerOptions::embedded_demo(format!(
        "sqlite://{}",
        db.display()
    )))
    .await
    .unwrap();
    let url = server.fhir_base();
    let bus = NotificationBus::start().await;
    let env = [
        ("HALE_HOSPITAL_URL", url.as_str()),
        ("DBUS_SESSION_BUS_ADDRESS", bus.address()),
        ("HALE_OFFER_POLL_SECONDS", "1"),
    ];
    let app = launch_signed_in(data.path(), &env).await;

    // The demo patient's ophthalmology appointment is about two weeks away: ask for sooner.
    app.go(Place::Appointments).await;
    app.wait_for_all("[data-testid=appointment]", 3, BOOT).await;
    let card = app.card_with("Ophthalmology").await;
    for action in ["change", "join-waitlist"] {
        card.find(Locator::Css(&format!("[data-testid={action}]")))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }
    app.wait_until_text(
        "[data-testid=appointment-status]",
        "On the waiting list",
        BOOT,
    )
    .await;

    // Another patient books and cancels an ophthalmology slot five days ahead.
    let freed = hale_e2e::another_patient_frees_an_ophthalmology_slot(&url, 5).await;

    // The offer reaches the notification service and the open screen, without a reload.
    let received = bus
        .wait_for_summary(
            "An earlier appointment is available",
            1,
            Duration::from_secs(30),
        )
        .await;
    let offer_note = received
        .iter()
        .find(|r| r.summary == "An earlier appointment is available")
        .unwrap_or_else(|| panic!("an offer notification: {received:?}"));
    assert!(
        offer_note.body.contains("held for you until"),
        "{offer_note:?}"
    );
    app.wait_for_all("[data-testid=offer]", 1, BOOT).await;
    app.screenshot("waitlist-offer").await;

    app.click("[data-testid=accept-offer]").await;
    // The appointment now starts at the freed slot's time, and nothing is offered any more.
    let started = std::time::Instant::now();
    loop {
        let card = app.card_with("Ophthalmology").await;
        let when = card
            .find(Locator::Css(".when time"))
            .await
            .unwrap()
            .attr("datetime")
            .await
            .unwrap()
            .unwrap_or_default();
        let start = DateTime::parse_from_rfc3339(&when).map(|t| t.with_timezone(&Utc));
        if start == Ok(freed.start) {
            break;
        }
        assert!(
            started.elapsed() < BOOT,
            "the card still says {when}, not {}",
            freed.start
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(!app.has("[data-testid=offer]").await);
    assert!(!app.has("[data-testid=waiting]").await);
    app.close().await;
    server.stop().await.unwrap();
}
