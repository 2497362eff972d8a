//! The BLE service over btleplug itself, against a BlueZ-compatible peripheral simulator on a
//! private D-Bus bus: scanning shows each health device with its name, type and signal; pairing
//! connects and subscribes; notifications become decoded measurement batches; a malformed value
//! is reported without dropping the link; a glucose meter's stored records are downloaded, and
//! after a reconnect only the newer ones; a dropped link and a device leaving range reconnect by
//! themselves.
//!
//! One test function on purpose: `DBUS_SYSTEM_BUS_ADDRESS` is process-wide.

use std::time::Duration;

use hale_ble::{Batch, BleEvent, Link, Watched};
use hale_bluez_sim::{
    blood_pressure_monitor, glucose_meter, heart_rate_monitor, GlucoseRecord, Simulator,
};
use hale_domain::device::{DeviceType, Measurement};
use tokio::sync::{broadcast, mpsc};

const HRM: &str = "C4:7C:8D:6A:11:01";
const METER: &str = "00:1B:DC:0F:22:02";
const CUFF: &str = "00:1B:DC:0F:33:03";
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
        },
        Watched {
            id: METER.into(),
            device_type: DeviceType::Glucose,
            last_sequence: Some(4),
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

    let links = ble.links().await.unwrap();
    assert_eq!(links[HRM], Link::Connected);
    assert_eq!(links[CUFF], Link::Connected);
}
