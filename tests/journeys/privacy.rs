//! No patient data in the logs: a whole visit in the real app (sign in, appointments, booking,
//! waiting times, parking, medicines, devices, settings) with the app's own crates logging at
//! debug level, then the log is searched for everything that would identify the patient or say
//! something about their health.

use std::time::Duration;

use hale_e2e::{launch_logged, Place, RunningApp};
use hale_server::demo::seed::DEMO_PATIENT;

const WAIT: Duration = Duration::from_secs(60);

/// The app's crates at debug level (the most they ever say), the rest at their default.
const LOG_FILTER: &str = "info,hale_app_lib=debug,hale_core=debug,hale_client=debug,\
                          hale_store=debug,hale_server=debug,hale_ble=debug";

async fn texts(app: &RunningApp, css: &str, at_least: usize) -> Vec<String> {
    let mut out = Vec::new();
    for element in app.wait_for_all(css, at_least, WAIT).await {
        out.push(element.text().await.unwrap_or_default());
    }
    out
}

async fn type_into(app: &RunningApp, css: &str, text: &str) {
    let field = app.wait_for_all(css, 1, WAIT).await.remove(0);
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

#[tokio::test]
#[ignore = "end-to-end: needs the release app, Xvfb and tauri-driver (scripts/test.sh)"]
async fn a_whole_visit_logs_nothing_about_the_patient() {
    let data = tempfile::tempdir().unwrap();
    let log = data.path().join("app.log");
    let app = launch_logged(
        data.path(),
        &[("HALE_LOG", LOG_FILTER), ("HALE_DEMO_SIMULATION", "off")],
        &log,
    )
    .await;
    app.sign_in().await;

    // What the patient sees, and what must therefore never reach a log.
    let mut secrets: Vec<String> = vec![
        DEMO_PATIENT.given.into(),
        DEMO_PATIENT.family.into(),
        DEMO_PATIENT.mrn.into(),
        DEMO_PATIENT.birth_date.into(),
        DEMO_PATIENT.password.into(),
        "AB12CDE".into(),
        "AB12 CDE".into(),
    ];
    app.go(Place::Appointments).await;
    secrets.extend(texts(&app, "[data-testid=booking-reference]", 3).await);

    // Book a cardiology time a week ahead.
    app.go(Place::Book).await;
    app.wait_for_all("[data-testid=service] option", 4, WAIT)
        .await;
    app.choose_day(7).await;
    app.click("[data-testid=search]").await;
    app.wait_for_all("[data-testid=slot]", 1, WAIT).await[0]
        .click()
        .await
        .unwrap();
    app.click("[data-testid=confirm-booking]").await;
    secrets.push(app.text_of("[data-testid=booked-reference]").await);

    app.go(Place::WaitingTimes).await;
    app.wait_for_all("[data-testid=department]", 1, WAIT).await;

    app.go(Place::Parking).await;
    type_into(&app, "[data-testid=new-registration]", "ab12cde").await;
    app.click("[data-testid=add-vehicle]").await;
    app.wait_until_text("[data-testid=vehicles]", "AB12 CDE", WAIT)
        .await;

    app.go(Place::Medicines).await;
    for medicine in texts(&app, "[data-testid=medicine] h3", 2).await {
        // The medicine's name, e.g. "Metformin 500 mg tablets": its first word is enough.
        if let Some(word) = medicine.split_whitespace().next() {
            secrets.push(word.to_owned());
        }
    }

    app.go(Place::Devices).await;
    app.go(Place::Settings).await;
    app.wait_for_all("[data-testid=reminders]", 1, WAIT).await;
    app.close().await;

    let text = std::fs::read_to_string(&log).expect("the app's log");
    // The test can fail: the log is there and says what happened.
    assert!(text.contains("signed in"), "the log was captured:\n{text}");
    assert!(text.lines().count() > 10, "{text}");
    let mut found = Vec::new();
    for secret in secrets.iter().filter(|s| s.len() >= 4) {
        for variant in [secret.clone(), secret.replace('-', "")] {
            if text.contains(&variant) {
                found.push(variant);
            }
        }
    }
    eprintln!(
        "privacy: {} lines of log searched for {} patient details",
        text.lines().count(),
        secrets.len()
    );
    if std::env::var_os("HALE_E2E_SHOW_LOG").is_some() {
        eprintln!("{text}");
    }
    assert!(found.is_empty(), "patient data in the log: {found:?}");
}
