//! Proof that unmodified btleplug (Linux back end, BlueZ over D-Bus) works against the simulator:
//! scan, connect, discover, subscribe, notifications, a glucose record transfer, link loss and
//! reconnection, leaving and re-entering range.
//!
//! One test function on purpose: `DBUS_SYSTEM_BUS_ADDRESS` is process-wide.

use std::collections::HashMap;
use std::pin::Pin;
use std::time::{Duration, Instant};

use btleplug::api::bleuuid::uuid_from_u16;
use btleplug::api::{
    Central, CentralEvent, Characteristic, Manager as _, Peripheral as _, ScanFilter,
    ValueNotification, WriteType,
};
use btleplug::platform::{Adapter, Manager, Peripheral, PeripheralId};
use futures_util::{Stream, StreamExt};
use hale_bluez_sim::{
    blood_pressure_monitor, glucose_meter, heart_rate_monitor, GlucoseRecord, Simulator,
};

const HRM: &str = "C4:7C:8D:6A:11:01"; // static random
const METER: &str = "00:1B:DC:0F:22:02"; // public
const BPM: &str = "00:1B:DC:0F:33:03";
const WAIT: Duration = Duration::from_secs(5);

type Events = Pin<Box<dyn Stream<Item = CentralEvent> + Send>>;
type Notifications = Pin<Box<dyn Stream<Item = ValueNotification> + Send>>;

async fn next_event(events: &mut Events, wanted: impl Fn(&CentralEvent) -> bool) -> CentralEvent {
    tokio::time::timeout(WAIT, async {
        loop {
            let event = events.next().await.expect("event stream open");
            if wanted(&event) {
                return event;
            }
        }
    })
    .await
    .expect("expected central event in time")
}

async fn next_value(notifications: &mut Notifications) -> (u16, Vec<u8>) {
    let n = tokio::time::timeout(WAIT, notifications.next())
        .await
        .expect("notification in time")
        .expect("notification stream open");
    let short = u16::try_from(n.uuid.as_u128() >> 96).expect("SIG UUID");
    (short, n.value)
}

fn characteristic(peripheral: &Peripheral, uuid16: u16) -> Characteristic {
    peripheral
        .characteristics()
        .into_iter()
        .find(|c| c.uuid == uuid_from_u16(uuid16))
        .unwrap_or_else(|| panic!("characteristic {uuid16:#06x} discovered"))
}

async fn connect_and_discover(peripheral: &Peripheral) {
    peripheral.connect().await.expect("connect");
    assert!(peripheral.is_connected().await.expect("is_connected"));
    peripheral
        .discover_services()
        .await
        .expect("discover services");
}

/// Scans until every address in `addresses` was reported; returns their peripherals.
async fn discover(
    central: &Adapter,
    events: &mut Events,
    addresses: &[&str],
) -> HashMap<String, (PeripheralId, Peripheral)> {
    let mut found = HashMap::new();
    while found.len() < addresses.len() {
        let CentralEvent::DeviceDiscovered(id) =
            next_event(events, |e| matches!(e, CentralEvent::DeviceDiscovered(_))).await
        else {
            unreachable!()
        };
        let peripheral = central.peripheral(&id).await.expect("peripheral");
        let address = peripheral.address().to_string().to_ascii_uppercase();
        assert!(
            addresses.contains(&address.as_str()),
            "unexpected {address}"
        );
        found.insert(address, (id, peripheral));
    }
    found
}

fn record(sequence: u16, mg_dl: u16) -> GlucoseRecord {
    GlucoseRecord::mg_dl(
        sequence,
        (2025, 3, 14, 7, 30, u8::try_from(sequence).unwrap()),
        mg_dl,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn btleplug_talks_to_simulated_devices() {
    let started = Instant::now();
    let sim = Simulator::start().await;
    std::env::set_var("DBUS_SYSTEM_BUS_ADDRESS", sim.bus_address());
    sim.add_device(heart_rate_monitor(HRM, "Pulse Strap")).await;
    let records = vec![record(1, 98), record(2, 112), record(3, 131)];
    sim.add_device(glucose_meter(METER, "Gluco Meter", records.clone()))
        .await;
    // Not in the scan filter below: must not be reported.
    sim.add_device(blood_pressure_monitor(BPM, "Cuff")).await;

    // --- Scan -----------------------------------------------------------------------------
    let manager = Manager::new()
        .await
        .expect("btleplug manager on the private bus");
    let central = manager
        .adapters()
        .await
        .expect("adapters")
        .into_iter()
        .next()
        .expect("hci0");
    let mut events = central.events().await.expect("central events");
    let filter = ScanFilter {
        services: vec![uuid_from_u16(0x180D), uuid_from_u16(0x1808)],
    };
    central
        .start_scan(filter.clone())
        .await
        .expect("start scan");
    let found = discover(&central, &mut events, &[HRM, METER]).await;
    central.stop_scan().await.expect("stop scan");
    assert!(
        !sim.is_known(BPM).await,
        "filtered-out device stayed hidden"
    );

    let (hrm_id, hrm) = found[HRM].clone();
    let (_, meter) = found[METER].clone();
    let props = hrm.properties().await.expect("props").expect("some props");
    assert_eq!(props.local_name.as_deref(), Some("Pulse Strap"));
    assert_eq!(props.rssi, Some(-58));
    assert_eq!(props.services, vec![uuid_from_u16(0x180D)]);
    let props = meter
        .properties()
        .await
        .expect("props")
        .expect("some props");
    assert_eq!(props.local_name.as_deref(), Some("Gluco Meter"));
    assert_eq!(props.rssi, Some(-71));

    // --- Heart rate: connect, read, subscribe, two notifications ----------------------------
    connect_and_discover(&hrm).await;
    assert!(sim.is_connected(HRM).await);
    let location = characteristic(&hrm, 0x2A38);
    assert_eq!(hrm.read(&location).await.expect("read"), [0x01]);
    let measurement = characteristic(&hrm, 0x2A37);
    let mut hr_values = hrm.notifications().await.expect("notifications");
    hrm.subscribe(&measurement).await.expect("subscribe 2A37");
    assert!(sim.is_subscribed(HRM, 0x2A37).await);
    assert!(sim.notify(HRM, 0x2A37, &[0x00, 72]).await);
    assert!(sim.notify(HRM, 0x2A37, &[0x00, 75]).await);
    assert_eq!(next_value(&mut hr_values).await, (0x2A37, vec![0x00, 72]));
    assert_eq!(next_value(&mut hr_values).await, (0x2A37, vec![0x00, 75]));

    // --- Glucose: records >= 2 through the RACP ----------------------------------------------
    connect_and_discover(&meter).await;
    let mut glucose = meter.notifications().await.expect("notifications");
    meter
        .subscribe(&characteristic(&meter, 0x2A18))
        .await
        .expect("subscribe 2A18");
    let racp = characteristic(&meter, 0x2A52);
    meter.subscribe(&racp).await.expect("subscribe 2A52");
    let request = [0x01, 0x03, 0x01, 0x02, 0x00];
    meter
        .write(&racp, &request, WriteType::WithResponse)
        .await
        .expect("write RACP");
    assert_eq!(
        next_value(&mut glucose).await,
        (0x2A18, records[1].measurement.clone())
    );
    assert_eq!(
        next_value(&mut glucose).await,
        (0x2A18, records[2].measurement.clone())
    );
    assert_eq!(
        next_value(&mut glucose).await,
        (0x2A52, vec![0x06, 0x00, 0x01, 0x01])
    );
    assert_eq!(sim.written(METER, 0x2A52).await, vec![request.to_vec()]);
    // A record taken later, then "number of records" and "records >= 4".
    sim.add_glucose_record(METER, record(4, 140)).await;
    meter
        .write(&racp, &[0x04, 0x01], WriteType::WithResponse)
        .await
        .expect("write RACP");
    assert_eq!(
        next_value(&mut glucose).await,
        (0x2A52, vec![0x05, 0x00, 0x04, 0x00])
    );
    meter
        .write(
            &racp,
            &[0x01, 0x03, 0x01, 0x04, 0x00],
            WriteType::WithResponse,
        )
        .await
        .expect("write RACP");
    assert_eq!(
        next_value(&mut glucose).await,
        (0x2A18, record(4, 140).measurement)
    );
    assert_eq!(
        next_value(&mut glucose).await,
        (0x2A52, vec![0x06, 0x00, 0x01, 0x01])
    );

    // --- The link drops; btleplug reports it; reconnect and receive again --------------------
    sim.disconnect(HRM).await;
    next_event(
        &mut events,
        |e| matches!(e, CentralEvent::DeviceDisconnected(id) if *id == hrm_id),
    )
    .await;
    assert!(!hrm.is_connected().await.expect("is_connected"));
    assert!(
        !sim.notify(HRM, 0x2A37, &[0x00, 1]).await,
        "subscriptions end with the link"
    );
    connect_and_discover(&hrm).await;
    next_event(
        &mut events,
        |e| matches!(e, CentralEvent::DeviceConnected(id) if *id == hrm_id),
    )
    .await;
    let mut hr_values = hrm.notifications().await.expect("notifications");
    hrm.subscribe(&measurement).await.expect("subscribe again");
    assert!(sim.notify(HRM, 0x2A37, &[0x00, 80]).await);
    assert_eq!(next_value(&mut hr_values).await, (0x2A37, vec![0x00, 80]));

    // --- Out of range and back --------------------------------------------------------------
    sim.set_in_range(HRM, false).await;
    next_event(
        &mut events,
        |e| matches!(e, CentralEvent::DeviceDisconnected(id) if *id == hrm_id),
    )
    .await;
    assert!(!sim.is_known(HRM).await);
    let known = central.peripherals().await.expect("peripherals");
    assert!(known.iter().all(|p| p.id() != hrm_id), "gone from BlueZ");
    assert!(hrm.connect().await.is_err(), "cannot connect out of range");

    central.start_scan(filter).await.expect("scan again");
    sim.set_in_range(HRM, true).await;
    let found = discover(&central, &mut events, &[HRM]).await;
    central.stop_scan().await.expect("stop scan");
    let (_, hrm) = found[HRM].clone();
    connect_and_discover(&hrm).await;
    let mut hr_values = hrm.notifications().await.expect("notifications");
    hrm.subscribe(&characteristic(&hrm, 0x2A37))
        .await
        .expect("subscribe after coming back");
    assert!(sim.notify(HRM, 0x2A37, &[0x00, 66]).await);
    assert_eq!(next_value(&mut hr_values).await, (0x2A37, vec![0x00, 66]));

    hrm.disconnect().await.expect("client disconnect");
    assert!(!sim.is_connected(HRM).await);
    eprintln!("btleplug against the simulator: {:?}", started.elapsed());
}
