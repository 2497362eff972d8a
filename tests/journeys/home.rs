//! The home screen: the demo patient's appointments from the embedded hospital, and the saved
//! copy with an offline notice when the hospital is gone.

use std::time::Duration;

use hale_e2e::keychain::KeychainBus;
use hale_e2e::{launch, launch_signed_in, Place};
use hale_server::ServerOptions;

const BOOT: Duration = Duration::from_secs(60);

#[tokio::test]
#[ignore = "end-to-end: needs the release app, Xvfb and tauri-driver (scripts/test.sh)"]
async fn the_demo_patient_sees_upcoming_appointments_from_the_embedded_hospital() {
    let data = tempfile::tempdir().unwrap();
    let app = launch_signed_in(data.path(), &[]).await;

    // Today greets the patient, at their hospital, with the next appointment.
    assert_eq!(
        app.text_of("[data-testid=greeting]").await,
        "Hello, Alex Morgan"
    );
    assert_eq!(
        app.text_of("[data-testid=hospital-name]").await,
        hale_server::demo::seed::HOSPITAL_NAME
    );
    let next = app.text_of("[data-testid=today-appointment]").await;
    assert!(next.contains("Cardiology"), "{next}");
    app.go(Place::Appointments).await;
    let cards = app.wait_for_all("[data-testid=appointment]", 3, BOOT).await;
    assert!(cards.len() >= 3);
    let first = cards[0].text().await.unwrap();
    assert!(first.contains("Cardiology"), "soonest first: {first}");
    assert!(first.contains("Booking reference"), "{first}");
    assert!(!app.has("[data-testid=offline-notice]").await);
    assert!(app
        .text_of("[data-testid=updated]")
        .await
        .starts_with("Updated "));
    app.screenshot("home").await;

    // The check-in code opens full screen: the reference in large type, and a QR code that reads
    // back as the card's booking reference, as a kiosk scanner reads it.
    let reference = cards[0]
        .find(fantoccini::Locator::Css("[data-testid=booking-reference]"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    cards[0]
        .find(fantoccini::Locator::Css("[data-testid=show-code]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    app.wait_for_all("[data-testid=code-screen] [data-testid=qr] svg", 1, BOOT)
        .await;
    assert_eq!(app.text_of("[data-testid=code-reference]").await, reference);
    app.screenshot("check-in-code").await;
    assert_eq!(app.read_qr_codes().await, [reference]);
    app.click("[data-testid=close-code]").await;
    assert!(!app.has("[data-testid=code-screen]").await);
    app.close().await;

    // The embedded hospital and the app's own store live in the app's data directory.
    let app_dir = data.path().join("org.hale.patient");
    assert!(app_dir.join("hale.sqlite").exists());
    // The embedded hospital holds the relayed readings: its file is encrypted, not plain SQLite.
    let hospital = std::fs::read(app_dir.join("demo-hospital.sqlite")).unwrap();
    assert_ne!(&hospital[..16], b"SQLite format 3\0");
}

#[tokio::test]
#[ignore = "end-to-end: needs the release app, Xvfb and tauri-driver (scripts/test.sh)"]
async fn a_hospital_that_goes_away_leaves_the_saved_copy_and_a_notice() {
    let data = tempfile::tempdir().unwrap();
    let hospital_db = data.path().join("remote-hospital.sqlite");
    let server = hale_server::start(&ServerOptions::embedded_demo(format!(
        "sqlite://{}",
        hospital_db.display()
    )))
    .await
    .unwrap();
    let url = server.fhir_base();

    // The desktop's keychain (GNOME Keyring on a private bus) keeps the sign-in between starts.
    let keychain = KeychainBus::start().await;
    let env = [
        ("HALE_HOSPITAL_URL", url.as_str()),
        ("DBUS_SESSION_BUS_ADDRESS", keychain.address()),
    ];

    // First start: online, over real HTTP to a hospital outside the app; the patient signs in.
    let app = launch_signed_in(data.path(), &env).await;
    let expected = details(&app, 3).await;
    app.close().await;

    server.stop().await.unwrap();

    // Second start: no sign-in asked for (the keychain has it), the hospital is gone, and the
    // same appointments show, with a notice.
    let app = launch(data.path(), &env).await;
    let notice = app.text_of("[data-testid=offline-notice]").await;
    assert!(notice.contains("can't reach the hospital"), "{notice}");
    assert!(notice.contains("Showing what was saved"), "{notice}");
    assert_eq!(details(&app, expected.len()).await, expected);
    // Changing a booking needs the hospital, and the cards say so instead of offering it.
    assert!(!app.has("[data-testid=cancel]").await);
    app.screenshot("home-offline").await;
    app.go(Place::Today).await;
    assert_eq!(
        app.text_of("[data-testid=greeting]").await,
        "Hello, Alex Morgan"
    );
    assert!(
        app.has("[data-testid=offline-notice]").await,
        "Today says so too"
    );
    // Booking needs the hospital, and the Book screen says so rather than failing vaguely.
    app.go(Place::Book).await;
    let offline = app.text_of("[data-testid=book-offline]").await;
    assert!(
        offline.contains("Booking needs a connection to the hospital"),
        "{offline}"
    );
    app.close().await;
}

/// What each appointment card says about the appointment (not its buttons), in order.
async fn details(app: &hale_e2e::RunningApp, at_least: usize) -> Vec<String> {
    app.go(Place::Appointments).await;
    let cards = app
        .wait_for_all("[data-testid=appointment]", at_least, BOOT)
        .await;
    let mut out = Vec::new();
    for card in cards {
        let mut parts = Vec::new();
        for css in [".service", ".when", ".clinician", ".location", ".reference"] {
            if let Ok(e) = card.find(fantoccini::Locator::Css(css)).await {
                parts.push(e.text().await.unwrap_or_default());
            }
        }
        out.push(parts.join(" | "));
    }
    out
}
