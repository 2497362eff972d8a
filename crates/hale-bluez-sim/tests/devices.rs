//! The less travelled paths through btleplug: indications, unsubscribing, a RACP write without
//! indications enabled, and the adapter being switched off. Its own binary (own process), as the
//! bus address is process-wide.

use std::time::Duration;

use btleplug::api::bleuuid::uuid_from_u16;
use btleplug::api::{
    Central, CentralEvent, CentralState, Manager as _, Peripheral as _, ScanFilter, WriteType,
};
use btleplug::platform::Manager;
use futures_util::StreamExt;
use hale_bluez_sim::{blood_pressure_monitor, glucose_meter, Simulator};

const BPM: &str = "00:1B:DC:0F:33:03";
const METER: &str = "00:1B:DC:0F:22:02";
const WAIT: Duration = Duration::from_secs(5);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn indications_unsubscribe_racp_errors_and_power_off() {
    let sim = Simulator::start().await;
    std::env::set_var("DBUS_SYSTEM_BUS_ADDRESS", sim.bus_address());
    sim.add_device(blood_pressure_monitor(BPM, "Cuff")).await;
    sim.add_device(glucose_meter(METER, "Meter", Vec::new()))
        .await;

    let manager = Manager::new().await.expect("manager");
    let central = manager.adapters().await.expect("adapters").remove(0);
    let mut events = central.events().await.expect("events");
    // No filter: every device in range is reported.
    central
        .start_scan(ScanFilter::default())
        .await
        .expect("scan");
    let mut peripherals = Vec::new();
    while peripherals.len() < 2 {
        let event = tokio::time::timeout(WAIT, events.next())
            .await
            .expect("event in time")
            .expect("stream open");
        if let CentralEvent::DeviceDiscovered(id) = event {
            peripherals.push(central.peripheral(&id).await.expect("peripheral"));
        }
    }
    central.stop_scan().await.expect("stop scan");
    assert!(
        central.stop_scan().await.is_err(),
        "BlueZ refuses to stop a scan that is not running"
    );
    let by_address = |address: &str| {
        peripherals
            .iter()
            .find(|p| p.address().to_string().eq_ignore_ascii_case(address))
            .expect("discovered")
            .clone()
    };
    let bpm = by_address(BPM);
    let meter = by_address(METER);

    // Blood pressure: indication on 0x2A35, feature read, unsubscribe (twice is fine).
    bpm.connect().await.expect("connect");
    bpm.discover_services().await.expect("discover");
    let chars = bpm.characteristics();
    let measurement = chars
        .iter()
        .find(|c| c.uuid == uuid_from_u16(0x2A35))
        .expect("2A35");
    assert_eq!(measurement.descriptors.len(), 1, "one CCCD");
    let feature = chars
        .iter()
        .find(|c| c.uuid == uuid_from_u16(0x2A49))
        .expect("2A49");
    assert_eq!(bpm.read(feature).await.expect("read"), [0x00, 0x00]);
    assert!(
        bpm.write(feature, &[1], WriteType::WithResponse)
            .await
            .is_err(),
        "a read-only characteristic refuses writes"
    );
    let mut values = bpm.notifications().await.expect("notifications");
    assert!(
        !sim.notify(BPM, 0x2A35, &[0x00]).await,
        "nothing sent before subscribing"
    );
    bpm.subscribe(measurement).await.expect("subscribe");
    let reading = [0x00, 0x79, 0x00, 0x51, 0x00, 0x5D, 0x00];
    assert!(sim.notify(BPM, 0x2A35, &reading).await);
    let got = tokio::time::timeout(WAIT, values.next())
        .await
        .expect("indication in time")
        .expect("stream open");
    assert_eq!(
        (got.uuid, got.value),
        (uuid_from_u16(0x2A35), reading.to_vec())
    );
    bpm.unsubscribe(measurement).await.expect("unsubscribe");
    assert!(!sim.is_subscribed(BPM, 0x2A35).await);
    bpm.unsubscribe(measurement)
        .await
        .expect("a second unsubscribe is not an error for btleplug");

    // Glucose: RACP refused without indications; with them, an empty meter answers "no records".
    meter.connect().await.expect("connect");
    meter.discover_services().await.expect("discover");
    let racp = meter
        .characteristics()
        .into_iter()
        .find(|c| c.uuid == uuid_from_u16(0x2A52))
        .expect("2A52");
    assert!(meter
        .write(&racp, &[0x01, 0x01], WriteType::WithResponse)
        .await
        .is_err());
    let mut responses = meter.notifications().await.expect("notifications");
    meter.subscribe(&racp).await.expect("subscribe");
    meter
        .write(&racp, &[0x01, 0x01], WriteType::WithResponse)
        .await
        .expect("write");
    let got = tokio::time::timeout(WAIT, responses.next())
        .await
        .expect("response in time")
        .expect("stream open");
    assert_eq!(got.value, [0x06, 0x00, 0x01, 0x06]);
    assert_eq!(sim.written(METER, 0x2A52).await, vec![vec![0x01, 0x01]]);

    // The adapter is switched off: links drop, btleplug sees the state change.
    sim.set_powered(false).await;
    let mut powered_off = false;
    let mut disconnected = 0;
    while !(powered_off && disconnected == 2) {
        match tokio::time::timeout(WAIT, events.next())
            .await
            .expect("event in time")
            .expect("stream open")
        {
            CentralEvent::StateUpdate(CentralState::PoweredOff) => powered_off = true,
            CentralEvent::DeviceDisconnected(_) => disconnected += 1,
            _ => {}
        }
    }
    assert_eq!(
        central.adapter_state().await.expect("state"),
        CentralState::PoweredOff
    );
    assert!(bpm.connect().await.is_err(), "no connection while off");
    // start_scan powers the adapter on again, as BlueZ's clients do.
    central
        .start_scan(ScanFilter::default())
        .await
        .expect("scan");
    assert_eq!(
        central.adapter_state().await.expect("state"),
        CentralState::PoweredOn
    );
    bpm.connect().await.expect("connect after power on");
    assert!(sim.is_connected(BPM).await);
}
