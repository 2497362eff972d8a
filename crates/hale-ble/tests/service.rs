//! The BLE service over btleplug itself, against a BlueZ-compatible peripheral simulator on a
//! private D-Bus bus: scanning shows each health device with its name, type and signal; pairing
//! connects and subscribes; notifications become decoded measurement batches; a malformed value
//! is reported without dropping the link; a glucose meter's stored records are downloaded, and
//! after a reconnect only the newer ones; a dropped link and a device leaving range reconnect by
//! themselves; a continuous glucose monitor's features and session start are read at connection,
//! its stored records (CRC-checked) download and then its live ones, and after a link loss only
//! the newer ones; a thermometer's value while it measures is a live event, its final one a
//! measurement.
//!
//! One test function on purpose: `DBUS_SYSTEM_BUS_ADDRESS` is process-wide.

use std::time::Duration;

use hale_ble::{Batch, BleEvent, Link, Watched};
use hale_bluez_sim::{
    blood_pressure_monitor, cgm_session_start, continuous_glucose_monitor, glucose_meter,
    heart_rate_monitor, thermometer, GlucoseRecord, Simulator,
};
use hale_domain::device::{DeviceType, Measurement};
use tokio::sync::{broadcast, mpsc};

const HRM: &str = "C4:7C:8D:6A:11:01";
const METER: &str = "00:1B:DC:0F:22:02";
const CUFF: &str = "00:1B:DC:0F:33:03";
const CGM: &str = "00:1B:DC:0F:44:04";
const THERMOMETER: &str = "00:1B:DC:0F:66:06";
const WAIT: Duration = Duration::from_secs(15);

async fn event(
    events: &mut broadcast::Receiver<BleEvent>,
    what: &str,
    wanted: impl Fn(&BleEvent) -> bool,
) -> BleEvent {
    let mut seen = Vec::new();
    tokio::time::timeout(WAIT, async {
        loop {
            match events.recv().await {
                Ok(e) if wanted(&e) => return e,
                Ok(e) => seen.push(e),
                Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => panic!("service stopped"),
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no {what} in time; saw {seen:?}"))
}

fn linked(device: &'static str, want: Link) -> impl Fn(&BleEvent) -> bool {
    move |e| matches!(e, BleEvent::Link { device: d, link } if d == device && *link == want)
}

/// Measurements from `device` until `count` have arrived.
async fn measurements(
    batches: &mut mpsc::Receiver<Batch>,
    device: &str,
    count: usize,
) -> Vec<Measurement> {
    let mut got = Vec::new();
    tokio::time::timeout(WAIT, async {
        while got.len() < count {
            let batch = batches.recv().await.expect("batches open");
            // A download's progress may travel alone, after its records.
            if batch.measurements.is_empty() {
                assert!(batch.progress.is_some(), "an empty batch: {batch:?}");
                continue;
            }
            assert_eq!(
                batch.device, device,
                "a batch from another device: {batch:?}"
            );
            got.extend(batch.measurements.into_iter().map(|(m, _)| m));
        }
    })
    .await
    .unwrap_or_else(|_| panic!("{count} measurements from {device}; got {got:?}"));
    got
}

/// The time offsets of CGM records, and the session each came with.
fn cgm_offsets(ms: &[Measurement]) -> Vec<u16> {
    ms.iter()
        .flat_map(|m| match m {
            Measurement::Cgm(c) => {
                assert!(
                    c.session.is_some(),
                    "a CGM record without its session: {c:?}"
                );
                c.records.iter().map(|r| r.time_offset).collect::<Vec<_>>()
            }
            other => panic!("not a CGM measurement: {other:?}"),
        })
        .collect()
}

fn glucose_sequences(ms: &[Measurement]) -> Vec<u16> {
    ms.iter()
        .map(|m| match m {
            Measurement::Glucose(g) => g.sequence,
            other => panic!("not a glucose record: {other:?}"),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devices_pair_stream_download_and_reconnect_through_btleplug() {
    let sim = Simulator::start().await;
    std::env::set_var("DBUS_SYSTEM_BUS_ADDRESS", sim.bus_address());
    sim.add_device(heart_rate_monitor(HRM, "Polar H10")).await;
    sim.add_device(blood_pressure_monitor(CUFF, "Omron X7"))
        .await;
    let records = (1..=3)
        .map(|s| GlucoseRecord::mg_dl(s, (2026, 11, 28, 8, s as u8, 0), 90 + s))
        .collect();
    sim.add_device(glucose_meter(METER, "Contour Next", records))
        .await;

    let (ble, mut batches) = hale_ble::start();
    let mut events = ble.events();

    // Scanning lists each health device with its name, type and signal.
    ble.scan(true).await.unwrap();
    let mut seen = std::collections::HashMap::new();
    tokio::time::timeout(WAIT, async {
        while seen.len() < 3 {
            if let Ok(BleEvent::Discovered(d)) = events.recv().await {
                seen.insert(d.id.clone(), d);
            }
        }
    })
    .await
    .expect("three devices found");
    assert_eq!(seen[HRM].name, "Polar H10");
    assert_eq!(seen[HRM].device_type, DeviceType::HeartRate);
    assert!(seen[HRM].rssi.is_some());
    assert_eq!(seen[CUFF].device_type, DeviceType::BloodPressure);
    assert_eq!(seen[METER].device_type, DeviceType::Glucose);
    assert_eq!(
        ble.pair("AA:AA:AA:AA:AA:AA", DeviceType::HeartRate).await,
        Err(hale_ble::BleError::NotFound)
    );

    // Pairing connects and subscribes; notifications arrive decoded, a malformed one is
    // reported and the link stays up.
    ble.pair(HRM, DeviceType::HeartRate).await.unwrap();
    assert!(sim.is_subscribed(HRM, 0x2A37).await);
    assert!(sim.notify(HRM, 0x2A37, &[0x00, 72]).await);
    assert!(sim.notify(HRM, 0x2A37, &[0x01, 0x48]).await); // uint16 flag, one byte: malformed
    assert!(sim.notify(HRM, 0x2A37, &[0x10, 75, 0x00, 0x04]).await);
    let bad = event(&mut events, "malformed report", |e| {
        matches!(e, BleEvent::Malformed { .. })
    })
    .await;
    assert!(
        matches!(
            bad,
            BleEvent::Malformed {
                characteristic: 0x2A37,
                ..
            }
        ),
        "{bad:?}"
    );
    let hr = measurements(&mut batches, HRM, 2).await;
    match (&hr[0], &hr[1]) {
        (Measurement::HeartRate(a), Measurement::HeartRate(b)) => {
            assert_eq!((a.bpm, b.bpm), (72, 75));
            assert_eq!(b.rr_intervals_s, vec![1.0]);
        }
        other => panic!("{other:?}"),
    }

    // A glucose meter sends every stored record on first pairing.
    ble.pair(METER, DeviceType::Glucose).await.unwrap();
    let stored = measurements(&mut batches, METER, 3).await;
    assert_eq!(glucose_sequences(&stored), vec![1, 2, 3]);
    event(
        &mut events,
        "METER Connected",
        linked(METER, Link::Connected),
    )
    .await;

    // The heart rate strap's link drops: it reconnects by itself and streams again.
    sim.disconnect(HRM).await;
    event(
        &mut events,
        "HRM Disconnected",
        linked(HRM, Link::Disconnected),
    )
    .await;
    event(&mut events, "HRM Connected", linked(HRM, Link::Connected)).await;
    assert!(sim.notify(HRM, 0x2A37, &[0x00, 80]).await);
    let after = measurements(&mut batches, HRM, 1).await;
    assert!(matches!(&after[0], Measurement::HeartRate(m) if m.bpm == 80));

    // The meter takes a new reading out of range; back in range, only that one is fetched.
    sim.set_in_range(METER, false).await;
    event(
        &mut events,
        "METER Disconnected",
        linked(METER, Link::Disconnected),
    )
    .await;
    sim.add_glucose_record(
        METER,
        GlucoseRecord::mg_dl(4, (2026, 11, 29, 7, 30, 0), 101),
    )
    .await;
    sim.set_in_range(METER, true).await;
    let newer = measurements(&mut batches, METER, 1).await;
    assert_eq!(glucose_sequences(&newer), vec![4]);
    let requests = sim.written(METER, 0x2A52).await;
    assert_eq!(
        requests.last().unwrap(),
        &vec![0x01, 0x03, 0x01, 0x04, 0x00],
        "records ≥ 4 only: {requests:?}"
    );

    // After a restart the app hands over what it stored: the download starts after it.
    ble.forget(METER).await.unwrap();
    event(
        &mut events,
        "METER forgotten",
        linked(METER, Link::Disconnected),
    )
    .await;
    ble.watch(vec![
        Watched {
            id: HRM.into(),
            device_type: DeviceType::HeartRate,
            last_sequence: None,
            record_session: None,
        },
        Watched {
            id: METER.into(),
            device_type: DeviceType::Glucose,
            last_sequence: Some(4),
            record_session: None,
        },
    ])
    .await
    .unwrap();
    event(
        &mut events,
        "METER Connected",
        linked(METER, Link::Connected),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let requests = sim.written(METER, 0x2A52).await;
    assert_eq!(
        requests.last().unwrap(),
        &vec![0x01, 0x03, 0x01, 0x05, 0x00],
        "{requests:?} {:?}",
        ble.links().await
    );

    // A blood pressure monitor: the cuff pressure shows live, the result is a measurement.
    ble.pair(CUFF, DeviceType::BloodPressure).await.unwrap();
    assert!(
        sim.notify(CUFF, 0x2A36, &[0x00, 0x96, 0x00, 0xFF, 0x07, 0xFF, 0x07])
            .await
    );
    let cuff = event(&mut events, "cuff pressure", |e| {
        matches!(e, BleEvent::CuffPressure { .. })
    })
    .await;
    assert!(matches!(cuff, BleEvent::CuffPressure { mmhg, .. } if mmhg == 150.0));
    assert!(
        sim.notify(CUFF, 0x2A35, &[0x00, 0x79, 0x00, 0x51, 0x00, 0x5F, 0x00])
            .await
    );
    let bp = measurements(&mut batches, CUFF, 1).await;
    assert!(matches!(&bp[0], Measurement::BloodPressure(m) if m.systolic.value() == Some(121.0)));

    // A continuous glucose monitor with an E2E-CRC: the session start is read at connection
    // and every stored record arrives with it, then live ones.
    let records = (1..=3)
        .map(|i| GlucoseRecord::cgm(i * 5, 100 + i, true))
        .collect();
    sim.add_device(continuous_glucose_monitor(CGM, "Dexcom G7", records))
        .await;
    sim.set_value(
        CGM,
        0x2AAA,
        &cgm_session_start((2026, 12, 4, 8, 0, 0), 4, 0, true),
    )
    .await;
    ble.pair(CGM, DeviceType::ContinuousGlucose).await.unwrap();
    let stored = measurements(&mut batches, CGM, 3).await;
    assert_eq!(cgm_offsets(&stored), vec![5, 10, 15]);
    let Measurement::Cgm(first) = &stored[0] else {
        unreachable!()
    };
    assert_eq!(first.session.unwrap().utc_offset_min, Some(60));
    assert_eq!(
        sim.written(CGM, 0x2A52).await,
        vec![vec![0x01, 0x01]],
        "every stored record on first pairing"
    );
    assert!(
        sim.notify(CGM, 0x2AA7, &GlucoseRecord::cgm(20, 110, true).measurement)
            .await
    );
    assert_eq!(
        cgm_offsets(&measurements(&mut batches, CGM, 1).await),
        vec![20]
    );
    // A live value whose CRC does not match is reported, not taken for a reading.
    let mut corrupted = GlucoseRecord::cgm(25, 111, true).measurement;
    corrupted[2] ^= 0x40;
    assert!(sim.notify(CGM, 0x2AA7, &corrupted).await);
    let bad = event(&mut events, "CRC error", |e| {
        matches!(
            e,
            BleEvent::Malformed {
                characteristic: 0x2AA7,
                ..
            }
        )
    })
    .await;
    assert!(
        matches!(&bad, BleEvent::Malformed { error, .. } if error.contains("E2E-CRC")),
        "{bad:?}"
    );
    // Out of range for a while: the sensor keeps measuring; back in range, only the records
    // after the newest one received are asked for.
    sim.set_in_range(CGM, false).await;
    event(
        &mut events,
        "CGM Disconnected",
        linked(CGM, Link::Disconnected),
    )
    .await;
    sim.add_glucose_record(CGM, GlucoseRecord::cgm(25, 112, true))
        .await;
    sim.add_glucose_record(CGM, GlucoseRecord::cgm(30, 113, true))
        .await;
    sim.set_in_range(CGM, true).await;
    assert_eq!(
        cgm_offsets(&measurements(&mut batches, CGM, 2).await),
        vec![25, 30]
    );
    assert_eq!(
        sim.written(CGM, 0x2A52).await.last().unwrap(),
        &vec![0x01, 0x03, 0x01, 21, 0x00],
        "records from time offset 21 on"
    );

    // A thermometer: its value while it measures shows live, the final one is a measurement.
    sim.add_device(thermometer(THERMOMETER, "Braun ThermoScan"))
        .await;
    ble.pair(THERMOMETER, DeviceType::Thermometer)
        .await
        .unwrap();
    // 36.4 °C as FLOAT 0xFF00016C.
    assert!(
        sim.notify(THERMOMETER, 0x2A1E, &[0x00, 0x6C, 0x01, 0x00, 0xFF])
            .await
    );
    let live = event(&mut events, "intermediate temperature", |e| {
        matches!(e, BleEvent::IntermediateTemperature { .. })
    })
    .await;
    assert!(
        matches!(live, BleEvent::IntermediateTemperature { value, .. } if value == 36.4),
        "{live:?}"
    );
    assert!(
        sim.notify(THERMOMETER, 0x2A1C, &[0x00, 0x6E, 0x01, 0x00, 0xFF])
            .await
    );
    let final_value = measurements(&mut batches, THERMOMETER, 1).await;
    assert!(
        matches!(&final_value[0], Measurement::Temperature(m) if m.value.value() == Some(36.6)),
        "only the final value is a measurement: {final_value:?}"
    );

    let links = ble.links().await.unwrap();
    assert_eq!(links[HRM], Link::Connected);
    assert_eq!(links[CUFF], Link::Connected);
    assert_eq!(links[CGM], Link::Connected);
}
