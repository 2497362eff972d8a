//! The real app at a hospital that is not Hale's: an independent FHIR R4 server (Medplum's
//! fhir-router) with the demo patient's record. The patient signs in on that hospital's page,
//! sees their appointments and medicines, and logs a dose, which reaches it once. What the
//! hospital's CapabilityStatement does not offer (moving, cancelling, check-in, parking,
//! waiting times, the waitlist) is not shown to fail: each place says so in a sentence.

use std::time::{Duration, Instant};

use hale_e2e::{launch_signed_in, Place};
use hale_other_hospital::{copy_demo_patient, OtherHospital};

const BOOT: Duration = Duration::from_secs(60);
const HOSPITAL: &str = "Riverside Community Hospital";

#[tokio::test]
#[ignore = "end-to-end: needs the release app, Xvfb and tauri-driver (scripts/test.sh)"]
async fn at_a_hospital_that_is_not_hales_the_record_works_and_what_it_lacks_is_said_not_broken() {
    let other = OtherHospital::with_demo_sign_in();
    copy_demo_patient(&other.base).await;
    let data = tempfile::tempdir().unwrap();
    let app = launch_signed_in(data.path(), &[("HALE_HOSPITAL_URL", other.base.as_str())]).await;
    assert_eq!(
        app.text_of("[data-testid=greeting]").await,
        "Hello, Alex Morgan"
    );
    app.screenshot("other-hospital-today").await;

    // The appointments are there; none can be moved, cancelled or checked in here, and the
    // card says whom to ask instead.
    app.go(Place::Appointments).await;
    app.wait_for_all("[data-testid=appointment]", 3, BOOT).await;
    app.wait_until_text(
        "[data-testid=change-hint]",
        &format!("{HOSPITAL} does not offer changing appointments in the app."),
        BOOT,
    )
    .await;
    let menus = app.wait_for_all("[data-testid=change]", 1, BOOT).await;
    app.click_element(&menus[0], "an appointment's More").await;
    app.wait_for_all("[data-testid=change-menu]", 1, BOOT).await;
    assert!(app.has("[data-testid=add-to-calendar]").await);
    for hidden in ["move", "cancel", "check-in", "join-waitlist"] {
        assert!(
            !app.has(&format!("[data-testid={hidden}]")).await,
            "{hidden} is offered"
        );
    }
    app.screenshot("other-hospital-appointments").await;

    // Places it does not offer say so.
    for (place, words) in [
        (Place::Parking, "does not offer parking payment in the app."),
        (
            Place::WaitingTimes,
            "does not offer waiting times in the app.",
        ),
    ] {
        app.go(place).await;
        app.wait_until_text(
            "[data-testid=not-offered]",
            &format!("{HOSPITAL} {words}"),
            BOOT,
        )
        .await;
        assert!(!app.has("[data-testid=error]").await, "{place:?} failed");
    }
    app.screenshot("other-hospital-not-offered").await;
    // Booking is offered (a Slot search and a conditional Appointment create); this hospital
    // publishes no schedules, so there is nothing to book, which is said, not an error.
    app.go(Place::Book).await;
    app.wait_for_all("[data-testid=no-services]", 1, BOOT).await;
    app.screenshot("other-hospital-book").await;
    assert!(!app.has("[data-testid=error]").await, "booking failed");

    // The prescriptions are read there, and a dose logged reaches it once.
    app.go(Place::Medicines).await;
    app.wait_for_all("[data-testid=medicine]", 1, BOOT).await;
    assert_eq!(other.held("MedicationAdministration").await, 0);
    let take = app.wait_for_all("[data-testid=take]", 1, BOOT).await;
    app.click_element(&take[0], "a dose's Taken button").await;
    let started = Instant::now();
    while other.held("MedicationAdministration").await == 0 {
        assert!(
            started.elapsed() < BOOT,
            "the dose never reached the hospital"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Back on the screen, it says so (the screen reads the outbox when opened, and the app
    // marks the dose sent just after the hospital stored it), and syncing again sent nothing
    // twice.
    let started = Instant::now();
    loop {
        app.go(Place::Today).await;
        app.go(Place::Medicines).await;
        let said = app.text_of("[data-testid=sync-status]").await;
        if said == "Your care team can see every dose you have logged." {
            break;
        }
        assert!(started.elapsed() < BOOT, "{said}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert_eq!(other.held("MedicationAdministration").await, 1);
    app.screenshot("other-hospital-medicines").await;
    app.close().await;
}
