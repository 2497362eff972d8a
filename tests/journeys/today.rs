//! Today, the first screen, on a phone: a dose taken with one tap, undone within its few
//! seconds, and taken again, and the hospital holds one record of it.

use std::time::{Duration, Instant};

use chrono::{Local, Timelike};
use fantoccini::elements::Element;
use hale_e2e::layout::PHONE;
use hale_e2e::{hospital_on_file, launch_signed_in, Place, RunningApp};
use sqlx::AnyPool;

const BOOT: Duration = Duration::from_secs(60);

/// Today's row for the medicine named `name`, if it is listed now.
async fn today_dose(app: &RunningApp, name: &str) -> Option<Element> {
    for row in app
        .client
        .find_all(fantoccini::Locator::Css("[data-testid=today-dose]"))
        .await
        .unwrap_or_default()
    {
        if row.text().await.unwrap_or_default().contains(name) {
            return Some(row);
        }
    }
    None
}

async fn wait_for_dose(app: &RunningApp, name: &str) -> Element {
    let started = Instant::now();
    loop {
        if let Some(row) = today_dose(app, name).await {
            return row;
        }
        assert!(started.elapsed() < BOOT, "Today lists no dose of {name}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The hospital's records of the patient's own medicine, by status.
async fn records(db: &AnyPool) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT status FROM medication_administration WHERE identifier_value LIKE 'own:%'",
    )
    .fetch_all(db)
    .await
    .unwrap()
}

async fn take(app: &RunningApp, row: &Element) {
    let button = row
        .find(fantoccini::Locator::Css("[data-testid=today-take]"))
        .await
        .unwrap();
    app.click_element(&button, "Taken").await;
}

#[tokio::test]
#[ignore = "end-to-end: needs the release app, Xvfb and tauri-driver (scripts/test.sh)"]
async fn a_dose_taken_from_today_can_be_undone_and_taken_again_and_the_hospital_holds_one_record() {
    // A dose two minutes ago must fall today: keep clear of midnight.
    while Local::now().hour() == 0 && Local::now().minute() < 5 {
        tokio::time::sleep(Duration::from_secs(10)).await;
    }
    let hospital = tempfile::tempdir().unwrap();
    let (server, _, db) = hospital_on_file(hospital.path()).await;
    let url = server.fhir_base();
    let data = tempfile::tempdir().unwrap();
    let app = launch_signed_in(data.path(), &[("HALE_HOSPITAL_URL", url.as_str())]).await;
    app.set_size(PHONE).await;

    // A medicine of the patient's own, due two minutes ago.
    app.go(Place::Medicines).await;
    let hhmm = (Local::now() - chrono::Duration::minutes(2))
        .format("%H:%M")
        .to_string();
    for (field, text) in [
        ("new-medicine-name", "Vitamin D 1000 units"),
        ("new-medicine-unit", "capsule"),
        ("new-medicine-times", hhmm.as_str()),
    ] {
        let found = app
            .wait_for_all(&format!("[data-testid={field}]"), 1, BOOT)
            .await;
        found[0].clear().await.unwrap();
        found[0].send_keys(text).await.unwrap();
    }
    app.click("[data-testid=new-medicine-add]").await;
    app.wait_until_text("[data-testid=medicines]", "Vitamin D", BOOT)
        .await;

    // Today lists it as due now, with one large Taken.
    app.go(Place::Today).await;
    let row = wait_for_dose(&app, "Vitamin D").await;
    let class = row.attr("class").await.unwrap().unwrap_or_default();
    assert!(
        class.split_whitespace().any(|c| c == "due"),
        "due now, not overdue: {class}"
    );
    app.screenshot("today-390x844-due").await;
    take(&app, &row).await;
    app.wait_until_text(
        "[data-testid=just-taken]",
        "Vitamin D 1000 units taken.",
        BOOT,
    )
    .await;
    assert!(today_dose(&app, "Vitamin D").await.is_none());

    // Undo: the dose is open again, and nothing reaches the hospital.
    app.click("[data-testid=undo]").await;
    let row = wait_for_dose(&app, "Vitamin D").await;
    assert!(!app.has("[data-testid=just-taken]").await);
    tokio::time::sleep(Duration::from_secs(7)).await;
    assert_eq!(
        records(&db).await,
        Vec::<String>::new(),
        "the slip stayed on the device"
    );

    // Taken again, and left: the record becomes final and reaches the hospital once.
    take(&app, &row).await;
    app.wait_for_all("[data-testid=just-taken]", 1, BOOT).await;
    app.screenshot("today-390x844-taken").await;
    let problems = app.layout_problems().await;
    assert!(problems.is_empty(), "{problems:#?}");
    let started = Instant::now();
    while records(&db).await.is_empty() {
        assert!(started.elapsed() < Duration::from_secs(30), "never sent");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // The Undo has gone by then: the record is final.
    let started = Instant::now();
    while app.has("[data-testid=undo]").await {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "Undo outlived its window"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(records(&db).await, ["completed"]);
    app.close().await;
    server.stop().await.unwrap();
}
