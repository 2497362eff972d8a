//! Devices in the real app, over btleplug against a BlueZ-compatible peripheral simulator on a
//! private D-Bus bus: the patient finds a heart rate strap and a glucose meter, pairs them, sees
//! each reading and an alert (through a real notification service), the strap's link drops and
//! comes back by itself, the meter's stored records arrive, and every reading reaches the
//! hospital exactly once. A continuous glucose monitor's session, stored and live records and a
//! link loss reach the hospital once each, charted against the target range; a pulse oximeter's
//! fully qualified value is recorded, while its questionable and demonstration values are shown
//! for what they are and never recorded.

use std::time::{Duration, Instant};

use hale_bluez_sim::{
    cgm_session_start, continuous_glucose_monitor, glucose_meter, heart_rate_monitor,
    pulse_oximeter, GlucoseRecord, Simulator,
};
use hale_e2e::notifications::NotificationBus;
use hale_e2e::{hospital_on_file, launch_signed_in, Place, RunningApp};

const BOOT: Duration = Duration::from_secs(60);
const HRM: &str = "C4:7C:8D:6A:11:01";
const METER: &str = "00:1B:DC:0F:22:02";
const CGM: &str = "00:1B:DC:0F:44:04";
const OXIMETER: &str = "00:1C:05:0F:55:05";

/// The app, signed in to the hospital at `url` (the home screen signs the patient in before
/// devices can be paired), with notifications on `bus` and Bluetooth from `sim`, on Devices.
async fn on_devices(
    data: &std::path::Path,
    url: &str,
    bus: &NotificationBus,
    sim: &Simulator,
) -> RunningApp {
    let env = [
        ("HALE_HOSPITAL_URL", url),
        ("DBUS_SESSION_BUS_ADDRESS", bus.address()),
        ("DBUS_SYSTEM_BUS_ADDRESS", sim.bus_address()),
    ];
    let app = launch_signed_in(data, &env).await;
    app.go(Place::Appointments).await;
    app.wait_for_all("[data-testid=appointment]", 1, BOOT).await;
    app.go(Place::Devices).await;
    app
}

/// Clicks the first element matching `css` whose text is `text`.
async fn click_text(app: &RunningApp, css: &str, text: &str) {
    let started = Instant::now();
    loop {
        for element in app.wait_for_all(css, 1, BOOT).await {
            if element.text().await.unwrap_or_default().trim() == text {
                element.click().await.expect("click");
                return;
            }
        }
        assert!(started.elapsed() < BOOT, "no '{css}' reads {text}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The oximeter sends a spot check of `spo2` % at 72 bpm with Measurement Status `status`
/// (flags 0x02: the status field present).
async fn spot_check(sim: &Simulator, spo2: u8, status: u16) {
    let [lo, hi] = status.to_le_bytes();
    assert!(
        sim.notify(OXIMETER, 0x2A5E, &[0x02, spo2, 0x00, 0x48, 0x00, lo, hi])
            .await,
        "the oximeter is not subscribed to"
    );
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

/// The FHIR resource the hospital stored for the reading keyed `key`.
async fn resource_of(db_url: &str, key: &str) -> String {
    let db = hale_server::open_database(db_url).await.unwrap();
    sqlx::query_scalar("SELECT resource FROM observation WHERE identifier_value = ?")
        .bind(key)
        .fetch_one(&db)
        .await
        .unwrap()
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
    let (server, options, _) = hospital_on_file(data.path()).await;
    let db_url = options.database_url;
    let url = server.fhir_base();
    let bus = NotificationBus::start().await;
    let sim = Simulator::start().await;
    sim.add_device(heart_rate_monitor(HRM, "Polar H10")).await;
    // The newest record carries its meal context (0x2A34: meal present, sequence 3, after a meal).
    let records = (1..=3)
        .map(|s| GlucoseRecord::mg_dl(s, (2026, 11, 28, 8, s as u8, 0), 95 + s))
        .map(|r| match r.sequence {
            3 => r.with_context(vec![0x02, 0x03, 0x00, 0x02]),
            _ => r,
        })
        .collect();
    sim.add_device(glucose_meter(METER, "Contour Next", records))
        .await;
    let app = on_devices(data.path(), &url, &bus, &sim).await;
    app.wait_for_all("[data-testid=no-devices]", 1, BOOT).await;

    // Look for devices: both are listed with their kind; pair the strap.
    app.click("[data-testid=scan]").await;
    app.wait_for_all("[data-testid=found-device]", 2, BOOT)
        .await;
    app.pair("Polar H10").await;
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

    // The meter's three stored records arrive on pairing, the newest with its meal context.
    app.pair("Contour Next").await;
    app.wait_until_text("[data-testid=latest-readings]", "Blood glucose", BOOT)
        .await;
    app.wait_until_text("[data-testid=reading-meal]", "After a meal", BOOT)
        .await;
    assert!(app.has("[data-testid=readings-chart]").await);

    // Every reading reaches the hospital once; the screen says so.
    wait_held(&db_url, HRM, 3).await;
    wait_held(&db_url, METER, 3).await;
    // The hospital can tell an after-meal value: the meal travels as a component (11073
    // MDC_CTXT_GLU_MEAL_POSTPRANDIAL, HL7 TimingEvent PC).
    let resource = resource_of(&db_url, &format!("{METER}/glucose/s3")).await;
    assert!(
        resource.contains("8417872") && resource.contains("\"PC\""),
        "{resource}"
    );
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

#[tokio::test]
#[ignore = "end-to-end: needs the release app, Xvfb and tauri-driver (scripts/test.sh)"]
async fn a_cgm_and_a_pulse_oximeter_reach_the_hospital_with_only_what_the_devices_call_patient_data(
) {
    let data = tempfile::tempdir().unwrap();
    let (server, options, _) = hospital_on_file(data.path()).await;
    let db_url = options.database_url;
    let url = server.fhir_base();
    let bus = NotificationBus::start().await;
    let sim = Simulator::start().await;
    // A sensor an hour into its session (its clock at UTC), three records stored with CRCs.
    let started = chrono::Utc::now() - chrono::Duration::hours(1);
    let records = (1..=3)
        .map(|i| GlucoseRecord::cgm(i * 5, 100 + i, true))
        .collect();
    sim.add_device(continuous_glucose_monitor(CGM, "Dexcom G7", records))
        .await;
    use chrono::{Datelike, Timelike};
    let start_time = (
        u16::try_from(started.year()).unwrap(),
        started.month() as u8,
        started.day() as u8,
        started.hour() as u8,
        started.minute() as u8,
        started.second() as u8,
    );
    sim.set_value(CGM, 0x2AAA, &cgm_session_start(start_time, 0, 0, true))
        .await;
    sim.add_device(pulse_oximeter(OXIMETER, "Nonin 3230")).await;
    let app = on_devices(data.path(), &url, &bus, &sim).await;
    app.click("[data-testid=scan]").await;
    app.wait_for_all("[data-testid=found-device]", 2, BOOT)
        .await;

    // The CGM: its stored records arrive on pairing, placed by its session start.
    app.pair("Dexcom G7").await;
    app.wait_until_text("[data-testid=latest-readings]", "Sensor glucose", BOOT)
        .await;
    wait_held(&db_url, CGM, 3).await;
    // A live record, then the sensor goes out of range and keeps measuring; back in range,
    // the records it took meanwhile are fetched.
    assert!(
        sim.notify(CGM, 0x2AA7, &GlucoseRecord::cgm(20, 110, true).measurement)
            .await
    );
    wait_held(&db_url, CGM, 4).await;
    sim.set_in_range(CGM, false).await;
    app.wait_until_any_text(
        "[data-testid=device-link]",
        &["Not connected", "Could not connect"],
        BOOT,
    )
    .await;
    sim.add_glucose_record(CGM, GlucoseRecord::cgm(25, 112, true))
        .await;
    sim.add_glucose_record(CGM, GlucoseRecord::cgm(30, 60, true))
        .await;
    sim.set_in_range(CGM, true).await;
    wait_held(&db_url, CGM, 6).await;
    // Charted against the target range, with the time in it (60 mg/dL is 3.3 mmol/L: low).
    click_text(&app, "[data-testid=chart-kind]", "Sensor glucose").await;
    app.wait_for_all("[data-testid=target-range]", 1, BOOT)
        .await;
    app.wait_until_text("[data-testid=time-in-range]", "Time in range 83 %", BOOT)
        .await;
    app.client
        .execute(
            "document.querySelector('[data-testid=readings-chart]').scrollIntoView()",
            vec![],
        )
        .await
        .expect("scroll to the chart");
    app.screenshot("devices-cgm-chart").await;

    // The oximeter: a fully qualified spot check (Measurement Status bit 8) is recorded.
    app.pair("Nonin 3230").await;
    let started = Instant::now();
    while !sim.is_subscribed(OXIMETER, 0x2A5E).await {
        assert!(
            started.elapsed() < BOOT,
            "the oximeter was never subscribed to"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    spot_check(&sim, 97, 0x0100).await;
    app.wait_until_text("[data-testid=latest-readings]", "97 %", BOOT)
        .await;
    // Questionable (bit 14) and demonstration (bit 10) values are shown, never recorded.
    spot_check(&sim, 91, 0x4000).await;
    app.wait_until_text(
        "[data-testid=device-live]",
        "Not recorded: Oxygen saturation 91 % and heart rate 72 bpm, because the device marked \
         the measurement as questionable",
        BOOT,
    )
    .await;
    spot_check(&sim, 88, 0x0400).await;
    app.wait_until_text("[data-testid=device-live]", "demonstration data", BOOT)
        .await;
    // SpO2 and pulse of the fully qualified check: two readings, and no more after the relay
    // has had time to send anything else.
    wait_held(&db_url, OXIMETER, 2).await;
    app.wait_until_text(
        "[data-testid=relay-status]",
        "Every reading has reached the hospital.",
        BOOT,
    )
    .await;
    assert_eq!(held(&db_url, OXIMETER).await, (2, 1));
    assert_eq!(held(&db_url, CGM).await, (6, 1));
    app.screenshot("devices-cgm-oximeter").await;
    app.close().await;
    server.stop().await.unwrap();
}
