//! Devices in the real app, over btleplug against a BlueZ-compatible peripheral simulator on a
//! private D-Bus bus: the patient finds a heart rate strap and a glucose meter, pairs them, sees
//! each reading and an alert (through a real notification service), the strap's link drops and
//! comes back by itself, the meter's stored records arrive, and every reading reaches the
//! hospital exactly once.

use std::time::{Duration, Instant};

use hale_bluez_sim::{glucose_meter, heart_rate_monitor, GlucoseRecord, Simulator};
use hale_e2e::notifications::NotificationBus;
use hale_e2e::{launch_signed_in, RunningApp};
use hale_server::ServerOptions;

const BOOT: Duration = Duration::from_secs(60);
const HRM: &str = "C4:7C:8D:6A:11:01";
const METER: &str = "00:1B:DC:0F:22:02";

/// Clicks the Pair button of the found device whose text mentions `name`.
async fn pair(app: &RunningApp, name: &str) {
    let started = Instant::now();
    loop {
        for card in app
            .wait_for_all("[data-testid=found-device]", 1, BOOT)
            .await
        {
            if card.text().await.unwrap_or_default().contains(name) {
                let button = card
                    .find(fantoccini::Locator::Css("[data-testid=pair]"))
                    .await
                    .expect("a pair button");
                button.click().await.expect("click pair");
                return;
            }
        }
        assert!(started.elapsed() < BOOT, "{name} never found");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Readings the hospital holds whose identifier starts with `device`, and the largest number of
/// copies of any one of them.
async fn held(db_url: &str, device: &str) -> (i64, i64) {
    let db = hale_server::open_database(db_url).await.unwrap();
    let (total, copies): (i64, Option<i64>) = sqlx::query_as(
        "SELECT COUNT(*), MAX(n) FROM (SELECT COUNT(*) AS n FROM observation \
         WHERE identifier_value LIKE ? || '/%' GROUP BY identifier_value)",
    )
    .bind(device)
    .fetch_one(&db)
    .await
    .unwrap();
    (total, copies.unwrap_or(0))
}

async fn wait_held(db_url: &str, device: &str, count: i64) {
    let started = Instant::now();
    loop {
        let (total, copies) = held(db_url, device).await;
        assert!(copies <= 1, "a reading of {device} stored {copies} times");
        if total >= count {
            assert_eq!(total, count, "more readings of {device} than were taken");
            return;
        }
        assert!(
            started.elapsed() < BOOT,
            "{total} of {count} readings of {device} reached the hospital"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::test]
#[ignore = "end-to-end: needs the release app, Xvfb and tauri-driver (scripts/test.sh)"]
async fn devices_are_paired_stream_readings_alert_reconnect_and_relay_each_reading_once() {
    let data = tempfile::tempdir().unwrap();
    let db_url = format!("sqlite://{}", data.path().join("hospital.sqlite").display());
    let mut options = ServerOptions::embedded_demo(db_url.clone());
    options.simulate_demo_day = false;
    let server = hale_server::start(&options).await.unwrap();
    let url = server.fhir_base();
    let bus = NotificationBus::start().await;
    let sim = Simulator::start().await;
    sim.add_device(heart_rate_monitor(HRM, "Polar H10")).await;
    let records = (1..=3)
        .map(|s| GlucoseRecord::mg_dl(s, (2026, 11, 28, 8, s as u8, 0), 95 + s))
        .collect();
    sim.add_device(glucose_meter(METER, "Contour Next", records))
        .await;
    let env = [
        ("HALE_HOSPITAL_URL", url.as_str()),
        ("DBUS_SESSION_BUS_ADDRESS", bus.address()),
        ("DBUS_SYSTEM_BUS_ADDRESS", sim.bus_address()),
    ];
    let app = launch_signed_in(data.path(), &env).await;
    // The home screen signs the patient in before devices can be paired.
    app.wait_for_all("[data-testid=appointment]", 1, BOOT).await;
    app.click("[data-testid=nav-devices]").await;
    app.wait_for_all("[data-testid=no-devices]", 1, BOOT).await;

    // Look for devices: both are listed with their kind; pair the strap.
    app.click("[data-testid=scan]").await;
    app.wait_for_all("[data-testid=found-device]", 2, BOOT)
        .await;
    pair(&app, "Polar H10").await;
    app.wait_until_text("[data-testid=paired-devices]", "Polar H10", BOOT)
        .await;
    app.wait_until_text("[data-testid=device-link]", "Connected", BOOT)
        .await;
    assert!(sim.is_subscribed(HRM, 0x2A37).await);

    // A reading shows; a dangerous one alerts on screen and as a notification.
    assert!(sim.notify(HRM, 0x2A37, &[0x00, 72]).await);
    app.wait_until_text("[data-testid=latest-readings]", "72 bpm", BOOT)
        .await;
    assert!(sim.notify(HRM, 0x2A37, &[0x00, 131]).await);
    app.wait_until_text(
        "[data-testid=reading-alerts]",
        "Heart rate 131 bpm is high.",
        BOOT,
    )
    .await;
    let alert = bus.wait_for_summary("Check this reading", 1, BOOT).await;
    assert_eq!(alert[0].body, "Heart rate 131 bpm is high.");
    app.wait_until_text("[data-testid=reading-flag]", "High", BOOT)
        .await;

    // The strap goes out of range mid-session: the screen says it is not connected for as long
    // as it is away (a bare link drop reconnects too fast to be seen reliably), and it
    // reconnects by itself when it is back; readings continue.
    sim.set_in_range(HRM, false).await;
    app.wait_until_any_text(
        "[data-testid=device-link]",
        &["Not connected", "Could not connect"],
        BOOT,
    )
    .await;
    sim.set_in_range(HRM, true).await;
    app.wait_until_text("[data-testid=device-link]", "Connected", BOOT)
        .await;
    assert!(sim.notify(HRM, 0x2A37, &[0x00, 75]).await);
    app.wait_until_text("[data-testid=latest-readings]", "75 bpm", BOOT)
        .await;

    // The meter's three stored records arrive on pairing.
    pair(&app, "Contour Next").await;
    app.wait_until_text("[data-testid=latest-readings]", "Blood glucose", BOOT)
        .await;
    assert!(app.has("[data-testid=readings-chart]").await);

    // Every reading reaches the hospital once; the screen says so.
    wait_held(&db_url, HRM, 3).await;
    wait_held(&db_url, METER, 3).await;
    app.wait_until_text(
        "[data-testid=relay-status]",
        "Every reading has reached the hospital.",
        BOOT,
    )
    .await;
    app.screenshot("devices").await;
    app.close().await;
    server.stop().await.unwrap();
}
