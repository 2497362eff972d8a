//! Hale with its window closed: reminders still arrive, with buttons where the notification
//! server shows them, and a button on a notification does what the same button on the screen
//! does (issue 26).

use std::time::{Duration, Instant};

use chrono::{Local, Timelike};
use hale_e2e::notifications::{NotificationBus, Received};
use hale_e2e::tray::TrayBus;
use hale_e2e::window::{close_like_the_patient, window_exists};
use hale_e2e::{launch_signed_in, Place, RunningApp};
use hale_server::ServerOptions;

const BOOT: Duration = Duration::from_secs(60);

async fn type_into(app: &RunningApp, css: &str, text: &str) {
    let field = app.wait_for_all(css, 1, BOOT).await;
    field[0].clear().await.expect("clearing");
    field[0].send_keys(text).await.expect("typing");
}

/// Adds a medicine of the patient's own with one daily dose at `hhmm`.
async fn add_medicine(app: &RunningApp, name: &str, hhmm: &str) {
    app.go(Place::Medicines).await;
    type_into(app, "[data-testid=new-medicine-name]", name).await;
    type_into(app, "[data-testid=new-medicine-unit]", "capsule").await;
    type_into(app, "[data-testid=new-medicine-times]", hhmm).await;
    app.click("[data-testid=new-medicine-add]").await;
}

/// Waits for the dose reminder of the dose due at `hhmm`.
async fn dose_reminder(bus: &NotificationBus, hhmm: &str, timeout: Duration) -> Received {
    let started = Instant::now();
    loop {
        if let Some(r) = bus
            .received()
            .into_iter()
            .find(|r| r.body.contains(&format!("due at {hhmm}")))
        {
            return r;
        }
        assert!(
            started.elapsed() < timeout,
            "no reminder of the {hhmm} dose: {:?}",
            bus.received()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The demo hospital on a file in `dir` (its clinic day not simulated), and the file's URL for
/// counting what reached it.
async fn demo_hospital(dir: &std::path::Path) -> (hale_server::RunningServer, String) {
    let db_url = format!("sqlite://{}", dir.join("hospital.sqlite").display());
    let mut options = ServerOptions::embedded_demo(db_url.clone());
    options.simulate_demo_day = false;
    (hale_server::start(&options).await.unwrap(), db_url)
}

/// Keeps a journey whose dose is minutes away clear of midnight, so the dose is today's.
async fn clear_of_midnight() {
    while (Local::now().hour() == 23 && Local::now().minute() >= 55)
        || (Local::now().hour() == 0 && Local::now().minute() < 5)
    {
        tokio::time::sleep(Duration::from_secs(10)).await;
    }
}

#[tokio::test]
#[ignore = "end-to-end: needs the release app, Xvfb and tauri-driver (scripts/test.sh)"]
async fn with_the_window_closed_a_dose_is_reminded_and_taken_from_its_notification_once() {
    clear_of_midnight().await;
    let data = tempfile::tempdir().unwrap();
    let (server, db_url) = demo_hospital(data.path()).await;
    let url = server.fhir_base();
    let bus = NotificationBus::start().await;
    // A panel on the same bus shows the tray icon, so closing the window keeps Hale running.
    let _tray = TrayBus::start_on(bus.address()).await;
    let env = [
        ("HALE_HOSPITAL_URL", url.as_str()),
        ("DBUS_SESSION_BUS_ADDRESS", bus.address()),
    ];
    let app = launch_signed_in(data.path(), &env).await;

    // A dose of the patient's own falls due in a minute or two; the patient closes the window.
    let due =
        Local::now() + chrono::Duration::minutes(if Local::now().second() < 45 { 1 } else { 2 });
    let hhmm = due.format("%H:%M").to_string();
    add_medicine(&app, "Vitamin D 1000 units", &hhmm).await;
    app.wait_until_text("[data-testid=medicines]", "Vitamin D", BOOT)
        .await;
    close_like_the_patient("Hale", Duration::from_secs(10));
    assert!(
        !bus.received()
            .iter()
            .any(|r| r.body.contains(&format!("due at {hhmm}"))),
        "reminded before the window closed; the journey is for a closed window"
    );

    // Hale said once that it keeps running, and how to quit.
    let told = bus
        .wait_for_summary("Hale is still running", 1, Duration::from_secs(10))
        .await;
    assert!(told[0].body.contains("Quit Hale"), "{:?}", told[0]);

    // With no window, the reminder still comes, with its three buttons and without the
    // medicine's name.
    let reminder = dose_reminder(&bus, &hhmm, Duration::from_secs(150)).await;
    assert!(!window_exists("Hale"), "the window stayed closed");
    assert_eq!(reminder.summary, "Time for your medicine");
    assert_eq!(reminder.body, format!("A dose is due at {hhmm}."));
    assert_eq!(reminder.buttons(), ["Taken", "Snooze 10 min", "Skip"]);
    assert!(!reminder.body.contains("Vitamin"), "{reminder:?}");

    // "Taken" on the notification: the dose is logged, and the window opens on Medicines
    // showing it taken. Pressed twice before the notification closes (a double click), it is
    // answered twice, and logged once.
    bus.invoke_keeping(reminder.id, "taken").await;
    bus.invoke(reminder.id, "taken").await;
    app.follow_reopened_window(BOOT).await;
    app.wait_for_all("[data-testid=medicines]", 1, BOOT).await;
    let started = Instant::now();
    loop {
        let mut texts = Vec::new();
        for card in app.wait_for_all("[data-testid=dose]", 1, BOOT).await {
            texts.push(card.text().await.unwrap_or_default());
        }
        if texts
            .iter()
            .any(|t| t.contains("Vitamin D") && t.contains("Taken at"))
        {
            break;
        }
        assert!(started.elapsed() < BOOT, "not shown taken: {texts:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    app.screenshot("background-taken-from-notification").await;

    // The record reaches the hospital once.
    let db = hale_server::open_database(&db_url).await.unwrap();
    let count = || async {
        sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM medication_administration WHERE identifier_value LIKE 'own:%' AND status = 'completed'",
        )
        .fetch_one(&db)
        .await
        .unwrap()
    };
    let started = Instant::now();
    while count().await == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "never reached the hospital"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(8)).await;
    assert_eq!(count().await, 1, "logged once, sent once");
    let reminders = bus
        .received()
        .into_iter()
        .filter(|r| r.body.contains(&format!("due at {hhmm}")))
        .count();
    assert_eq!(reminders, 1, "reminded once: {:?}", bus.received());
    app.close().await;
    server.stop().await.unwrap();
}

#[tokio::test]
#[ignore = "end-to-end: needs the release app, Xvfb and tauri-driver (scripts/test.sh)"]
async fn a_notification_server_without_buttons_gets_words_that_say_to_open_hale() {
    clear_of_midnight().await;
    let bus = NotificationBus::start_without_actions().await;
    let data = tempfile::tempdir().unwrap();
    let env = [("DBUS_SESSION_BUS_ADDRESS", bus.address())];
    let app = launch_signed_in(data.path(), &env).await;
    let hhmm = (Local::now() - chrono::Duration::minutes(2))
        .format("%H:%M")
        .to_string();
    add_medicine(&app, "Vitamin D 1000 units", &hhmm).await;
    let reminder = dose_reminder(&bus, &hhmm, Duration::from_secs(30)).await;
    assert_eq!(
        reminder.body,
        format!("A dose is due at {hhmm}. Open Hale to log it.")
    );
    assert!(reminder.buttons().is_empty(), "{reminder:?}");
    app.close().await;
}

#[tokio::test]
#[ignore = "end-to-end: needs the release app, Xvfb and tauri-driver (scripts/test.sh)"]
async fn an_earlier_slot_accepted_from_its_notification_is_booked_once() {
    use chrono::{NaiveDate, Utc};
    use fantoccini::Locator;
    use hale_client::HospitalClient;
    use hale_domain::AppointmentStatus;
    use hale_server::demo::seed::DEMO_PATIENT;

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
    let _tray = TrayBus::start_on(bus.address()).await;
    let env = [
        ("HALE_HOSPITAL_URL", url.as_str()),
        ("DBUS_SESSION_BUS_ADDRESS", bus.address()),
        ("HALE_OFFER_POLL_SECONDS", "1"),
    ];
    let app = launch_signed_in(data.path(), &env).await;

    // The patient asks for an earlier ophthalmology time, then closes the window.
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
    close_like_the_patient("Hale", Duration::from_secs(10));

    // Another patient's cancellation frees a slot five days ahead.
    let freed = hale_e2e::another_patient_frees_an_ophthalmology_slot(&url, 5).await;

    // The offer arrives with Accept and Decline; "Accept" moves the appointment there, once.
    let offer = bus
        .wait_for_summary(
            "An earlier appointment is available",
            1,
            Duration::from_secs(30),
        )
        .await
        .remove(0);
    assert_eq!(offer.buttons(), ["Accept", "Decline"]);
    assert!(!offer.body.contains("Open Hale"), "{offer:?}");
    bus.invoke(offer.id, "accept").await;
    app.follow_reopened_window(BOOT).await;
    app.wait_for_all("[data-testid=appointment]", 3, BOOT).await;
    let client = HospitalClient::new(&url).unwrap();
    let born = NaiveDate::parse_from_str(DEMO_PATIENT.birth_date, "%Y-%m-%d").unwrap();
    let alex = client.dev_sign_in(DEMO_PATIENT.mrn, born).await.unwrap();
    let started = Instant::now();
    loop {
        let all = client
            .appointments_from(&alex, Utc::now().date_naive())
            .await
            .unwrap();
        let at_freed: Vec<_> = all
            .iter()
            .filter(|a| a.start == freed.start && a.status == AppointmentStatus::Booked)
            .collect();
        if at_freed.len() == 1 {
            break;
        }
        assert!(at_freed.len() < 2, "booked twice: {at_freed:?}");
        assert!(started.elapsed() < BOOT, "not moved: {all:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    app.screenshot("background-offer-accepted").await;
    app.close().await;
    server.stop().await.unwrap();
}

#[tokio::test]
#[ignore = "end-to-end: needs the release app, Xvfb and tauri-driver (scripts/test.sh)"]
async fn the_tray_says_when_the_next_dose_and_appointment_are_and_quit_quits() {
    let tray = TrayBus::start().await;
    let data = tempfile::tempdir().unwrap();
    let log = data.path().join("app.log");
    let env = [("DBUS_SESSION_BUS_ADDRESS", tray.address())];
    let app = hale_e2e::launch_logged(data.path(), &env, &log).await;
    app.sign_in().await;

    // Today offers, once, to start Hale at login; accepted, an XDG autostart entry starts it in
    // the tray. Settings turns it off again.
    let entry = data
        .path()
        .join("config/autostart/org.hale.patient.desktop");
    assert!(!entry.exists(), "never on without asking");
    app.click("[data-testid=start-at-login-yes]").await;
    let started = Instant::now();
    while !entry.exists() {
        assert!(started.elapsed() < BOOT, "no autostart entry");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let text = std::fs::read_to_string(&entry).unwrap();
    assert!(text.contains("hale-app\" --background\n"), "{text}");
    app.go(Place::Settings).await;
    let switch = app
        .wait_for_all("[data-testid=start-at-login]", 1, BOOT)
        .await;
    assert_eq!(
        switch[0].prop("checked").await.unwrap().as_deref(),
        Some("true")
    );
    app.click("[data-testid=start-at-login]").await;
    let started = Instant::now();
    while entry.exists() {
        assert!(started.elapsed() < BOOT, "the entry stayed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    app.go(Place::Today).await;
    app.wait_for_all("[data-testid=today-doses]", 1, BOOT).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(
        !app.has("[data-testid=start-at-login-offer]").await,
        "asked once"
    );

    // Once signed in, the menu says when, never what or where: it can be opened by whoever is
    // at the screen.
    let started = Instant::now();
    let labels = loop {
        let labels = tray.menu_labels(BOOT).await;
        // Read from the device (not the "…" shown until then), with a time in it.
        if labels
            .get(1)
            .is_some_and(|l| l.starts_with("Next appointment: ") && l.contains(" at "))
        {
            break labels;
        }
        assert!(started.elapsed() < BOOT, "the tray menu says {labels:?}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    assert_eq!(labels.len(), 4, "{labels:?}");
    assert!(
        labels[0].starts_with("Next dose: ")
            || labels[0] == "A dose is due now"
            || labels[0] == "No more doses today",
        "{labels:?}"
    );
    assert_eq!(labels[2..], ["Open Hale", "Quit Hale"]);
    for secret in [
        "Metformin",
        "Ramipril",
        "Cardiology",
        "Ophthalmology",
        "Room",
    ] {
        assert!(!labels.concat().contains(secret), "{labels:?}");
    }

    // Closed, then opened again from the tray.
    close_like_the_patient("Hale", Duration::from_secs(10));
    tray.click("Open Hale", BOOT).await;
    let started = Instant::now();
    while !window_exists("Hale") {
        assert!(started.elapsed() < BOOT, "Open Hale opened no window");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    app.follow_reopened_window(BOOT).await;
    app.wait_for_all("[data-testid=nav-today]", 1, BOOT).await;

    // Closed again, then Hale started again from the menu: the running Hale opens its window,
    // and the second start ends instead of becoming a second Hale.
    close_like_the_patient("Hale", Duration::from_secs(10));
    let mut second = hale_e2e::BareApp::start(data.path(), &env);
    let ended = second.wait_for_exit(BOOT);
    // The status itself in the message: an exit code and a signal are different failures.
    assert!(
        ended.is_some_and(|s| s.success()),
        "the second start ended: {ended:?}"
    );
    let started = Instant::now();
    while !window_exists("Hale") {
        assert!(
            started.elapsed() < BOOT,
            "the running Hale did not show itself"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    app.follow_reopened_window(BOOT).await;
    app.wait_for_all("[data-testid=nav-today]", 1, BOOT).await;

    // Quit means quit: the window goes, and the app stops in order.
    tray.click("Quit Hale", BOOT).await;
    let started = Instant::now();
    loop {
        let logged = std::fs::read_to_string(&log).unwrap_or_default();
        if logged.contains("Hale quit") && !window_exists("Hale") && !app.app_running() {
            break;
        }
        assert!(started.elapsed() < BOOT, "Hale did not quit:\n{logged}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    app.close().await;
}

#[tokio::test]
#[ignore = "end-to-end: needs the release app, Xvfb and tauri-driver (scripts/test.sh)"]
async fn quit_with_a_dose_record_waiting_loses_nothing_and_sends_it_once_after_a_restart() {
    clear_of_midnight().await;
    let data = tempfile::tempdir().unwrap();
    let (server, db_url) = demo_hospital(data.path()).await;
    let url = server.fhir_base();
    let bus = NotificationBus::start().await;
    let tray = TrayBus::start_on(bus.address()).await;
    let log = data.path().join("app.log");
    let env = [
        ("HALE_HOSPITAL_URL", url.as_str()),
        ("DBUS_SESSION_BUS_ADDRESS", bus.address()),
    ];
    let app = hale_e2e::launch_logged(data.path(), &env, &log).await;
    app.sign_in().await;
    let hhmm = (Local::now() - chrono::Duration::minutes(2))
        .format("%H:%M")
        .to_string();
    add_medicine(&app, "Vitamin D 1000 units", &hhmm).await;
    let reminder = dose_reminder(&bus, &hhmm, Duration::from_secs(30)).await;

    // Taken from the notification, then Quit at once: the record is still in its few seconds
    // for Undo, so it is on the device only.
    bus.invoke(reminder.id, "taken").await;
    let started = Instant::now();
    while !std::fs::read_to_string(&log)
        .unwrap_or_default()
        .contains("dose answered from its notification")
    {
        assert!(started.elapsed() < BOOT, "the button was not answered");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tray.click("Quit Hale", BOOT).await;
    let started = Instant::now();
    while !std::fs::read_to_string(&log)
        .unwrap_or_default()
        .contains("Hale quit")
    {
        assert!(started.elapsed() < BOOT, "Hale did not quit");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let started = Instant::now();
    while app.app_running() {
        assert!(started.elapsed() < BOOT, "Hale's process stayed after Quit");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    app.close().await;
    let db = hale_server::open_database(&db_url).await.unwrap();
    let count = || async {
        sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM medication_administration WHERE identifier_value LIKE 'own:%'",
        )
        .fetch_one(&db)
        .await
        .unwrap()
    };
    assert_eq!(count().await, 0, "quit before it could be sent");

    // Started again, Hale sends it, once.
    let app = launch_signed_in(data.path(), &env).await;
    let started = Instant::now();
    while count().await == 0 {
        assert!(started.elapsed() < BOOT, "the record was lost at quit");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(8)).await;
    assert_eq!(count().await, 1, "sent once");
    app.go(Place::Medicines).await;
    app.wait_until_text("[data-testid=medicines]", "Vitamin D", BOOT)
        .await;
    app.close().await;
    server.stop().await.unwrap();
}
