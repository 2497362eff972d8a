//! Device readings from the app's use cases against a real reference hospital and a real SQLite
//! store: readings stored locally first and relayed exactly once (offline, after a lost answer,
//! and with the relay killed at random points mid-upload), alerts for dangerous readings once
//! per window, and a glucose meter's download progress kept with its readings.

use std::collections::HashMap;

use crate::common::{demo, Recorder};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Timelike, Utc};
use chrono_tz::Europe::London;
use hale_client::HospitalClient;
use hale_domain::device::{decode, Characteristic, DeviceType, Measurement, RecordProgress};
use hale_fhir::observation::READING_SYSTEM;
use hale_server::demo::seed::DEMO_PATIENT;
use hale_store::PairedDevice;

fn device(id: &str, device_type: DeviceType, now: DateTime<Utc>) -> PairedDevice {
    PairedDevice {
        id: id.into(),
        name: format!("{} {id}", device_type.label()),
        device_type,
        paired_at: now,
        last_seen_at: None,
        last_sequence: None,
        record_session: None,
    }
}

fn heart_rate(bpm: u8) -> Measurement {
    decode(Characteristic::HeartRateMeasurement, &[0x00, bpm]).unwrap()
}

/// The hospital's copy of the demo patient's readings, counted by identifier.
async fn held(base: &str, since: DateTime<Utc>) -> HashMap<String, usize> {
    let client = HospitalClient::new(base).unwrap();
    let birth = NaiveDate::parse_from_str(DEMO_PATIENT.birth_date, "%Y-%m-%d").unwrap();
    let session = client.dev_sign_in(DEMO_PATIENT.mrn, birth).await.unwrap();
    let mut counts = HashMap::new();
    for o in client.observations(&session, since, 5000).await.unwrap() {
        *counts
            .entry(o.identifier_value(READING_SYSTEM).unwrap().to_owned())
            .or_default() += 1;
    }
    counts
}

#[tokio::test]
async fn readings_taken_offline_are_relayed_exactly_once_with_their_alerts() {
    let dir = tempfile::tempdir().unwrap();
    let d = demo(dir.path()).await;
    let now = Utc::now();
    d.patient.home(now).await.unwrap(); // signs in and remembers the patient
    d.patient
        .pair_device(&device("AA:00:00:00:00:01", DeviceType::BloodPressure, now))
        .await
        .unwrap();
    let addr = d.server.addr;
    d.server.stop().await.unwrap();

    // A cuff measures 185/95 with pulse 88 on its own clock, while the hospital is away.
    let local = now.with_timezone(&London).naive_local() - Duration::minutes(2);
    let year = u16::try_from(local.year()).unwrap().to_le_bytes();
    let t = |f: u32| u8::try_from(f).unwrap();
    let bp = decode(
        Characteristic::BloodPressureMeasurement,
        &[
            0x06,
            0xB9,
            0x00,
            0x5F,
            0x00,
            0x7A,
            0x00,
            year[0],
            year[1],
            t(local.month()),
            t(local.day()),
            t(local.hour()),
            t(local.minute()),
            t(local.second()),
            0x58,
            0x00,
        ],
    )
    .unwrap();
    let alerts = Recorder::default();
    let recorded = d
        .patient
        .record_measurements(
            "AA:00:00:00:00:01",
            &[(bp.clone(), now)],
            None,
            &London,
            &alerts,
            now,
        )
        .await
        .unwrap();
    assert_eq!(recorded.stored.len(), 2, "a panel and a pulse");
    assert_eq!(recorded.alerts.len(), 1);
    assert_eq!(
        alerts.bodies(),
        vec!["Blood pressure 185/95 mmHg is very high."]
    );
    // The cuff sends its memory again on reconnecting: nothing new, no second alert.
    let again = d
        .patient
        .record_measurements(
            "AA:00:00:00:00:01",
            &[(bp, now)],
            None,
            &London,
            &alerts,
            now,
        )
        .await
        .unwrap();
    assert!(again.stored.is_empty());
    assert_eq!(alerts.bodies().len(), 1);
    assert!(
        d.patient.relay_pending(now).await.is_err(),
        "the hospital is away"
    );
    assert_eq!(d.patient.latest_readings().await.unwrap().1, 2);

    let mut options = hale_server::ServerOptions::embedded_demo(d.db_url.clone());
    options.bind = addr;
    options.simulate_demo_day = false;
    let server = hale_server::start(&options).await.unwrap();
    let report = d.patient.relay_pending(now).await.unwrap();
    assert_eq!((report.created, report.already_there), (2, 0));
    assert_eq!(
        d.patient.relay_pending(now).await.unwrap().created,
        0,
        "nothing left to send"
    );
    let counts = held(&server.fhir_base(), now - Duration::hours(1)).await;
    assert_eq!(counts.len(), 2);
    assert!(counts.values().all(|n| *n == 1), "{counts:?}");

    // On the server the panel carries the interpretation and the device.
    let client = HospitalClient::new(&server.fhir_base()).unwrap();
    let birth = NaiveDate::parse_from_str(DEMO_PATIENT.birth_date, "%Y-%m-%d").unwrap();
    let session = client.dev_sign_in(DEMO_PATIENT.mrn, birth).await.unwrap();
    let obs = client
        .observations(&session, now - Duration::hours(1), 10)
        .await
        .unwrap();
    let panel = obs
        .iter()
        .find(|o| o.component.len() == 3)
        .expect("the panel");
    assert_eq!(panel.interpretation().map(|i| i.code()), Some("H"));
    assert_eq!(
        panel.device.as_ref().unwrap().display.as_deref(),
        Some("Blood pressure monitor AA:00:00:00:00:01")
    );
    assert!(
        panel.effective_date_time.unwrap() < now - Duration::seconds(90),
        "the cuff's clock, not receipt"
    );
    server.stop().await.unwrap();
}

#[tokio::test]
async fn a_relay_killed_at_random_points_mid_upload_loses_and_doubles_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = demo(dir.path()).await;
    let start = Utc::now() - Duration::hours(2);
    d.patient.home(Utc::now()).await.unwrap();
    d.patient
        .pair_device(&device("HR:00:00:00:00:01", DeviceType::HeartRate, start))
        .await
        .unwrap();
    let notifier = Recorder::default();
    // An hour of 1 Hz heart rate, stored in batches as a stream would be.
    let total = 3600;
    for chunk in 0..(total / 100) {
        let at = start + Duration::seconds(chunk * 100);
        for i in 0..100 {
            let m = heart_rate(60 + u8::try_from((chunk + i) % 30).unwrap());
            d.patient
                .record_measurements(
                    "HR:00:00:00:00:01",
                    &[(m, at + Duration::seconds(i))],
                    None,
                    &London,
                    &notifier,
                    at + Duration::seconds(i),
                )
                .await
                .unwrap();
        }
    }
    assert_eq!(d.patient.latest_readings().await.unwrap().1, total as u32);

    // Kill the relay over and over at different moments: before, during and after its upload.
    let mut kills = 0;
    for i in 0..25u64 {
        let patient = d.patient.clone();
        let relay = tokio::spawn(async move { patient.relay_readings(Utc::now()).await });
        tokio::time::sleep(std::time::Duration::from_millis(3 + (i * 7) % 40)).await;
        if !relay.is_finished() {
            relay.abort();
            kills += 1;
        }
        let _ = relay.await;
    }
    // The hospital finishes a transaction whose client was killed, so the next relay works.
    let report = d.patient.relay_readings(Utc::now()).await.unwrap();
    let left = d.patient.latest_readings().await.unwrap().1;
    assert_eq!(left, 0, "the outbox is empty");
    let counts = held(&d.base, start - Duration::minutes(1)).await;
    assert_eq!(
        counts.len(),
        total as usize,
        "every reading on the server (kills: {kills}, last relay: {report:?})"
    );
    assert!(counts.values().all(|n| *n == 1), "none twice");
    assert!(kills > 0, "at least one relay was killed mid-way");
}

#[tokio::test]
async fn a_glucose_meter_remembers_its_newest_record_and_old_records_do_not_alarm() {
    let dir = tempfile::tempdir().unwrap();
    let d = demo(dir.path()).await;
    let now = Utc::now();
    d.patient.home(now).await.unwrap();
    d.patient
        .pair_device(&device("GL:00:00:00:00:01", DeviceType::Glucose, now))
        .await
        .unwrap();
    let record = |seq: u16, day: u8, mmol_tenths: u8| {
        let [lo, hi] = seq.to_le_bytes();
        // mol/L with exponent -4: tenths of mmol/L × 10⁻⁴ mol/L; capillary whole blood, finger.
        decode(
            Characteristic::GlucoseMeasurement,
            &[
                0x06,
                lo,
                hi,
                0xEA,
                0x07,
                11,
                day,
                8,
                0,
                0,
                mmol_tenths,
                0xC0,
                0x11,
            ],
        )
        .unwrap()
    };
    let alerts = Recorder::default();
    // Three stored records from November, one of them low (3.2 mmol/L).
    let recorded = d
        .patient
        .record_measurements(
            "GL:00:00:00:00:01",
            &[
                (record(7, 20, 55), now),
                (record(8, 21, 32), now),
                (record(9, 22, 61), now),
            ],
            Some(&RecordProgress {
                last: 9,
                session: None,
            }),
            &London,
            &alerts,
            now,
        )
        .await
        .unwrap();
    assert_eq!(recorded.stored.len(), 3);
    assert_eq!(recorded.alerts.len(), 1, "the low one is interpreted");
    assert!(
        alerts.bodies().is_empty(),
        "but a week-old reading does not alarm now"
    );
    let meter = &d.patient.paired_devices().await.unwrap()[0];
    assert_eq!(meter.last_sequence, Some(9));
    assert!(meter.last_seen_at.is_some());
    let report = d.patient.relay_pending(now).await.unwrap();
    assert_eq!(report.created, 3);
}

#[tokio::test]
async fn a_cgms_sensor_glucose_is_stored_alerted_and_relayed_once_and_a_new_session_restarts_its_progress(
) {
    use hale_domain::device::cgm::{CgmMeasurement, CgmRecord, SessionStart};
    use hale_domain::device::{Numeric, ReadingKind};
    let dir = tempfile::tempdir().unwrap();
    let d = demo(dir.path()).await;
    let now = Utc::now();
    d.patient.home(now).await.unwrap();
    let cgm = "CG:00:00:00:00:01";
    d.patient
        .pair_device(&device(cgm, DeviceType::ContinuousGlucose, now))
        .await
        .unwrap();
    // A session that started two hours ago on the sensor's clock, at UTC.
    let start = (now - Duration::hours(2)).with_nanosecond(0).unwrap();
    let session = SessionStart {
        local: Some(start.naive_utc()),
        utc_offset_min: Some(0),
    };
    let record = |offset: u16, mg_dl: f64, status: u32| CgmRecord {
        glucose: Numeric::Value(mg_dl),
        time_offset: offset,
        status,
        trend: None,
        quality: None,
    };
    // Five minutes apart; the last one low (54 mg/dL = 3.0 mmol/L) and recent; one the sensor
    // says it could not measure while calibrating.
    let measurement = Measurement::Cgm(CgmMeasurement {
        records: vec![
            record(100, 110.0, 0),
            record(105, 112.0, 1 << 14),
            record(110, 54.0, 0),
        ],
        session: Some(session),
    });
    let alerts = Recorder::default();
    let recorded = d
        .patient
        .record_measurements(
            cgm,
            &[(measurement.clone(), now)],
            Some(&RecordProgress {
                last: 110,
                session: session.id(),
            }),
            &London,
            &alerts,
            now,
        )
        .await
        .unwrap();
    assert_eq!(recorded.stored.len(), 2);
    assert_eq!(
        recorded.withheld.concat().len(),
        1,
        "the calibrating value is shown, not stored"
    );
    assert_eq!(alerts.bodies().len(), 1, "the recent low alarms");
    assert_eq!(alerts.bodies()[0], "Sensor glucose 3.0 mmol/L is low.");
    let stored = d
        .patient
        .readings(ReadingKind::InterstitialGlucose, now - Duration::days(1))
        .await
        .unwrap();
    assert_eq!(stored.len(), 2);
    assert_eq!(
        stored[1].reading.effective,
        start + Duration::minutes(110),
        "placed by the session start and its offset"
    );
    let sensor = &d.patient.paired_devices().await.unwrap()[0];
    assert_eq!(sensor.last_sequence, Some(110));
    assert_eq!(sensor.record_session, session.id());

    // The same records again (a re-download): nothing new, nothing relayed twice.
    let again = d
        .patient
        .record_measurements(cgm, &[(measurement, now)], None, &London, &alerts, now)
        .await
        .unwrap();
    assert!(again.stored.is_empty());
    let report = d.patient.relay_pending(now).await.unwrap();
    assert_eq!(report.created, 2);
    let held = held(&d.base, now - Duration::days(1)).await;
    let cgm_held: Vec<_> = held.iter().filter(|(k, _)| k.starts_with(cgm)).collect();
    assert_eq!(cgm_held.len(), 2);
    assert!(cgm_held.iter().all(|(_, n)| **n == 1));

    // A new sensor: its session's first record, at offset 5, becomes the progress.
    let new_session = SessionStart {
        local: Some((now - Duration::minutes(10)).naive_utc()),
        utc_offset_min: Some(0),
    };
    d.patient
        .record_measurements(
            cgm,
            &[(
                Measurement::Cgm(CgmMeasurement {
                    records: vec![record(5, 120.0, 0)],
                    session: Some(new_session),
                }),
                now,
            )],
            Some(&RecordProgress {
                last: 5,
                session: new_session.id(),
            }),
            &London,
            &alerts,
            now,
        )
        .await
        .unwrap();
    let sensor = &d.patient.paired_devices().await.unwrap()[0];
    assert_eq!(sensor.last_sequence, Some(5));
    assert_eq!(sensor.record_session, new_session.id());
}

#[tokio::test]
async fn thresholds_are_the_patients_and_checked() {
    let dir = tempfile::tempdir().unwrap();
    let d = demo(dir.path()).await;
    // Early in a half-hour alert window, so the readings below share one.
    let now = {
        let n = Utc::now();
        n - Duration::seconds(n.timestamp() % 1800) + Duration::seconds(10)
    };
    d.patient.home(now).await.unwrap();
    let mut t = d.patient.thresholds().await.unwrap();
    assert_eq!(t.spo2_low, 92.0);
    t.heart_rate_high = 100.0;
    d.patient.set_thresholds(&t).await.unwrap();
    d.patient
        .pair_device(&device("HR:1", DeviceType::HeartRate, now))
        .await
        .unwrap();
    let alerts = Recorder::default();
    d.patient
        .record_measurements(
            "HR:1",
            &[(heart_rate(105), now)],
            None,
            &London,
            &alerts,
            now,
        )
        .await
        .unwrap();
    assert_eq!(alerts.bodies(), vec!["Heart rate 105 bpm is high."]);
    // Within the same half hour, another high reading is stored and interpreted, not re-alerted.
    let r = d
        .patient
        .record_measurements(
            "HR:1",
            &[
                (heart_rate(110), now + Duration::milliseconds(1000)),
                (heart_rate(111), now + Duration::milliseconds(1001)),
            ],
            None,
            &London,
            &alerts,
            now + Duration::seconds(1),
        )
        .await
        .unwrap();
    // Two notifications received a millisecond apart in one batch are two readings.
    assert_eq!(r.stored.len(), 2);
    assert_eq!((r.alerts.len(), r.notified), (2, 0));
    t.heart_rate_high = 400.0;
    assert!(d.patient.set_thresholds(&t).await.is_err());
    assert_eq!(d.patient.thresholds().await.unwrap().heart_rate_high, 100.0);
}
