//! Medicines in the real app: the demo prescriptions' doses for today, a medicine the patient
//! adds whose dose falls due now and is reminded through a real notification service, marking
//! it taken, adherence moving with it, the record reaching the hospital once, and nothing
//! reminded twice after a restart.

use std::time::{Duration, Instant};

use chrono::{Local, Timelike};
use hale_e2e::notifications::NotificationBus;
use hale_e2e::{launch_signed_in, Place, RunningApp};
use hale_server::ServerOptions;

const BOOT: Duration = Duration::from_secs(60);

async fn type_into(app: &RunningApp, css: &str, text: &str) {
    let field = app.wait_for_all(css, 1, BOOT).await;
    field[0].clear().await.expect("clearing");
    field[0].send_keys(text).await.expect("typing");
}

/// (taken, settled) from "In the last 7 days: 85% of doses taken (12 of 14)."
fn counts(text: &str) -> (u32, u32) {
    let inner = text
        .split('(')
        .nth(1)
        .and_then(|t| t.split(')').next())
        .unwrap_or_else(|| panic!("no counts in {text:?}"));
    let mut parts = inner.split(" of ");
    let number = |p: Option<&str>| p.unwrap().trim().parse::<u32>().unwrap();
    (number(parts.next()), number(parts.next()))
}

/// The dose card of the medicine named `name`, waiting for it.
async fn dose_of(app: &RunningApp, name: &str) -> fantoccini::elements::Element {
    let started = Instant::now();
    loop {
        for card in app.wait_for_all("[data-testid=dose]", 1, BOOT).await {
            if card.text().await.unwrap_or_default().contains(name) {
                return card;
            }
        }
        assert!(started.elapsed() < BOOT, "no dose of {name}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until a dose card of the medicine named `name` says `needle`. Any of its cards: near
/// midnight, or early in the day, tomorrow's dose of the same medicine is listed too, and may
/// come first.
async fn wait_for_dose_saying(app: &RunningApp, name: &str, needle: &str) {
    let started = Instant::now();
    loop {
        let mut seen = Vec::new();
        for card in app.wait_for_all("[data-testid=dose]", 1, BOOT).await {
            let text = card.text().await.unwrap_or_default();
            if text.contains(name) && text.contains(needle) {
                return;
            }
            if text.contains(name) {
                seen.push(text);
            }
        }
        assert!(
            started.elapsed() < BOOT,
            "no {name} dose says {needle:?}: {seen:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
#[ignore = "end-to-end: needs the release app, Xvfb and tauri-driver (scripts/test.sh)"]
async fn a_dose_is_reminded_taken_and_counted_and_reaches_the_hospital_once() {
    // A dose two minutes ago must fall today: keep clear of midnight.
    while Local::now().hour() == 0 && Local::now().minute() < 5 {
        tokio::time::sleep(Duration::from_secs(10)).await;
    }
    let data = tempfile::tempdir().unwrap();
    let db_url = format!("sqlite://{}", data.path().join("hospital.sqlite").display());
    let mut options = ServerOptions::embedded_demo(db_url.clone());
    options.simulate_demo_day = false;
    let server = hale_server::start(&options).await.unwrap();
    let url = server.fhir_base();
    let bus = NotificationBus::start().await;
    let env = [
        ("HALE_HOSPITAL_URL", url.as_str()),
        ("DBUS_SESSION_BUS_ADDRESS", bus.address()),
    ];
    let app = launch_signed_in(data.path(), &env).await;
    app.go(Place::Medicines).await;

    // The demo prescriptions are listed, with today's doses and a month of history.
    app.wait_for_all("[data-testid=medicine]", 6, BOOT).await;
    assert!(app
        .text_of("[data-testid=medicines]")
        .await
        .contains("Metformin 500 mg tablets"));
    app.wait_for_all("[data-testid=dose]", 1, BOOT).await;
    let (taken_before, settled_before) = counts(&app.text_of("[data-testid=adherence-week]").await);
    assert!(settled_before > 10, "{settled_before}");
    assert!(app.has("[data-testid=adherence-chart]").await);

    // The patient adds a medicine whose dose was due two minutes ago.
    let due = Local::now() - chrono::Duration::minutes(2);
    let hhmm = due.format("%H:%M").to_string();
    type_into(
        &app,
        "[data-testid=new-medicine-name]",
        "Vitamin D 1000 units",
    )
    .await;
    type_into(&app, "[data-testid=new-medicine-unit]", "capsule").await;
    type_into(&app, "[data-testid=new-medicine-times]", &hhmm).await;
    app.click("[data-testid=new-medicine-add]").await;
    let card = dose_of(&app, "Vitamin D").await;
    assert!(
        card.text().await.unwrap().contains("Due now"),
        "{}",
        card.text().await.unwrap()
    );

    // The watch task reminds of it through the notification service, without naming it.
    let started = Instant::now();
    let reminder = loop {
        if let Some(r) = bus
            .received()
            .into_iter()
            .find(|r| r.body.contains(&format!("due at {hhmm}")))
        {
            break r;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{:?}",
            bus.received()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(reminder.summary, "Time for your medicine");
    assert!(!reminder.body.contains("Vitamin"), "{reminder:?}");
    app.screenshot("medicines-due").await;

    // Taken: the dose says so, and the week's adherence counts it.
    card.find(fantoccini::Locator::Css("[data-testid=take]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_dose_saying(&app, "Vitamin D", "Taken at").await;
    // Only the patient logs doses, so the week's taken count moves by exactly one; a demo dose
    // may turn missed meanwhile, so the settled count moves by at least one.
    let (taken_after, settled_after) = counts(&app.text_of("[data-testid=adherence-week]").await);
    assert_eq!(taken_after, taken_before + 1);
    assert!(
        settled_after > settled_before,
        "{settled_before} → {settled_after}"
    );
    let mut own = String::new();
    for card in app.wait_for_all("[data-testid=medicine]", 7, BOOT).await {
        let text = card.text().await.unwrap_or_default();
        if text.contains("Vitamin D") {
            own = text;
        }
    }
    assert!(
        own.contains("Last 7 days: 100% of doses taken (1 of 1)."),
        "{own}"
    );
    app.screenshot("medicines-taken").await;

    // The record reaches the hospital, once.
    let db = hale_server::open_database(&db_url).await.unwrap();
    let started = Instant::now();
    let stored: i64 = loop {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM medication_administration WHERE identifier_value LIKE 'own:%' AND status = 'completed'",
        )
        .fetch_one(&db)
        .await
        .unwrap();
        if n > 0 || started.elapsed() > Duration::from_secs(30) {
            break n;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(stored, 1);
    app.go(Place::Appointments).await;
    app.go(Place::Medicines).await;
    app.wait_until_text(
        "[data-testid=sync-status]",
        "Your care team can see every dose you have logged.",
        BOOT,
    )
    .await;
    let ours = |bus: &NotificationBus| {
        bus.received()
            .into_iter()
            .filter(|r| r.body.contains(&format!("due at {hhmm}")))
            .count()
    };
    assert_eq!(ours(&bus), 1, "reminded once: {:?}", bus.received());
    app.close().await;

    // After a restart: still taken, still one record, no reminder repeated.
    let app = launch_signed_in(data.path(), &env).await;
    app.go(Place::Medicines).await;
    wait_for_dose_saying(&app, "Vitamin D", "Taken at").await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        ours(&bus),
        1,
        "not again after a restart: {:?}",
        bus.received()
    );
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM medication_administration WHERE identifier_value LIKE 'own:%'",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(n, 1);
    app.close().await;
    server.stop().await.unwrap();
}
