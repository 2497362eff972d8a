//! **Test support only.** A simulated BlueZ (`org.bluez`) with Bluetooth LE medical peripherals,
//! served over D-Bus on a private bus, so that unmodified `btleplug` (Linux back end) can scan,
//! connect, discover services, subscribe and receive notifications without any Bluetooth hardware.
//!
//! [`Simulator::start`] launches a private `dbus-daemon` on a socket in a temporary directory and
//! serves on it, under the well-known name `org.bluez`, what btleplug (through bluez-async) talks
//! to on a real system bus: an ObjectManager at `/`, the adapter `/org/bluez/hci0`
//! (`org.bluez.Adapter1`), devices (`org.bluez.Device1`) and their GATT tables
//! (`GattService1`, `GattCharacteristic1`, `GattDescriptor1`). Pointing the process's
//! `DBUS_SYSTEM_BUS_ADDRESS` at [`Simulator::bus_address`] makes btleplug use it; the developer's
//! own system bus is never touched.
//!
//! What is simulated, BlueZ-fashion:
//! - devices in range appear (InterfacesAdded) when a scan starts, or at once while one runs, if
//!   they advertise a service of the scan filter; they stay known after the scan stops;
//! - Connect sets `Connected`, exports the GATT table and sets `ServicesResolved`;
//! - StartNotify/StopNotify, notifications and indications as `PropertiesChanged(Value)`;
//! - reads and writes, checked against the characteristic's flags, with BlueZ's error names;
//! - the link dropping ([`Simulator::disconnect`]) and devices leaving range;
//! - a glucose meter's Record Access Control Point (Glucose Service 1.0): stored records are sent
//!   as notifications, followed by the RACP response indication; a continuous glucose monitor's
//!   the same way (CGM Service 1.0.1, records filtered by time offset, sent as CGM Measurements
//!   with their E2E-CRC);
//! - a pulse oximeter (Pulse Oximeter Service 1.0.1) whose values carry any status bits.
//!
//! The bus address is a process-wide environment variable: tests in one binary that use a
//! simulator must run one at a time (or share one simulator). Call [`Simulator::start`] inside a
//! tokio runtime: glucose transfers are paced on it.
//!
//! ```ignore
//! let sim = hale_bluez_sim::Simulator::start().await;
//! // Before btleplug's Manager::new(): libdbus reads it when btleplug connects.
//! std::env::set_var("DBUS_SYSTEM_BUS_ADDRESS", sim.bus_address());
//! sim.add_device(hale_bluez_sim::heart_rate_monitor("C4:7C:8D:6A:11:01", "Strap")).await;
//! // ... btleplug: adapters(), events(), start_scan(), connect(), subscribe() ...
//! assert!(sim.notify("C4:7C:8D:6A:11:01", 0x2A37, &[0x00, 72]).await);
//! ```
//!
//! bluez-async (under btleplug) may print a panic from a spawned task when a notification stream
//! is dropped ("No match with that id found"); it is harmless here and does not fail the test.

mod bluez;
mod glucose;
mod state;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

use state::{DeviceState, Shared, ADAPTER_PATH};

/// A simulated peripheral, as [`Simulator::add_device`] takes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceSpec {
    /// `AA:BB:CC:DD:EE:FF`. A first octet of `C0` or above makes it a static random address,
    /// anything else a public one.
    pub address: String,
    /// The advertised local name.
    pub name: String,
    /// Signal strength reported while scanning, in dBm.
    pub rssi: i16,
    /// The GATT table; the services' UUIDs are also what the device advertises.
    pub services: Vec<ServiceSpec>,
    /// What a glucose meter has stored (used when the device has a RACP, 0x2A52).
    pub glucose_records: Vec<GlucoseRecord>,
}

/// A primary service with 16-bit SIG UUID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceSpec {
    pub uuid16: u16,
    pub characteristics: Vec<CharacteristicSpec>,
}

/// A characteristic; `flags` are BlueZ's: "read", "write", "write-without-response", "notify",
/// "indicate". Notify/indicate characteristics get a CCCD (0x2902).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CharacteristicSpec {
    pub uuid16: u16,
    pub flags: Vec<&'static str>,
}

/// One stored glucose record: raw Glucose Measurement (0x2A18) and, optionally, Glucose
/// Measurement Context (0x2A34) values, exactly as the meter would send them; or a CGM
/// Measurement (0x2AA7) of a continuous glucose monitor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlucoseRecord {
    /// What the RACP filters by: a meter's sequence number, a CGM's time offset.
    pub sequence: u16,
    pub measurement: Vec<u8>,
    pub context: Option<Vec<u8>>,
}

impl GlucoseRecord {
    /// A well-formed record: capillary whole blood from a finger, `mg_dl` (at most 2047) encoded
    /// as the SFLOAT kg/L the specification uses (mantissa `mg_dl`, exponent -5), at the given
    /// base time `(year, month, day, hours, minutes, seconds)`, no time offset, no context.
    pub fn mg_dl(sequence: u16, time: (u16, u8, u8, u8, u8, u8), mg_dl: u16) -> Self {
        assert!(mg_dl <= 0x07FF, "an SFLOAT mantissa holds at most 2047");
        let (year, month, day, hours, minutes, seconds) = time;
        // Flags: concentration and type/sample location present, units kg/L.
        let mut measurement = vec![0x02];
        measurement.extend_from_slice(&sequence.to_le_bytes());
        measurement.extend_from_slice(&year.to_le_bytes());
        measurement.extend_from_slice(&[month, day, hours, minutes, seconds]);
        let sfloat: u16 = (0xB << 12) | mg_dl; // exponent -5 in 4-bit two's complement
        measurement.extend_from_slice(&sfloat.to_le_bytes());
        measurement.push(0x11); // type 1 (capillary whole blood), sample location 1 (finger)
        Self {
            sequence,
            measurement,
            context: None,
        }
    }

    /// A CGM record `time_offset` minutes into the session: `mg_dl` (at most 2047) as an
    /// SFLOAT, no annunciation, trend or quality, and an E2E-CRC when `crc` (the sensor's
    /// features say whether it sends one).
    pub fn cgm(time_offset: u16, mg_dl: u16, crc: bool) -> Self {
        assert!(mg_dl <= 0x07FF, "an SFLOAT mantissa holds at most 2047");
        let size: u8 = if crc { 8 } else { 6 };
        let mut measurement = vec![size, 0x00];
        measurement.extend_from_slice(&mg_dl.to_le_bytes());
        measurement.extend_from_slice(&time_offset.to_le_bytes());
        if crc {
            let crc = e2e_crc(&measurement);
            measurement.extend_from_slice(&crc.to_le_bytes());
        }
        Self {
            sequence: time_offset,
            measurement,
            context: None,
        }
    }

    /// Attaches a raw context (0x2A34) value and sets the measurement's "context information
    /// follows" flag, which is how a client knows to wait for it.
    pub fn with_context(mut self, context: Vec<u8>) -> Self {
        if let Some(flags) = self.measurement.first_mut() {
            *flags |= 0x10;
        }
        self.context = Some(context);
        self
    }
}

/// The CGM Service's E2E-CRC (CGMS 1.0.1 §2.6): CRC-CCITT with seed 0xFFFF, processed least
/// significant bit first (a table-free form of CRC-16/MCRF4XX).
pub fn e2e_crc(data: &[u8]) -> u16 {
    data.iter().fold(0xFFFF_u16, |crc, byte| {
        (0..8).fold(crc ^ u16::from(*byte), |crc, _| {
            let carry = crc & 1;
            (crc >> 1) ^ (0x8408 * carry)
        })
    })
}

/// A CGM Feature (0x2AA8) value: no features but the E2E-CRC (when `crc`), interstitial fluid
/// from subcutaneous tissue, and the CRC field (0xFFFF without the feature).
pub fn cgm_features(crc: bool) -> Vec<u8> {
    let mut value = vec![0x00, if crc { 0x10 } else { 0x00 }, 0x00, 0x59];
    let field = if crc { e2e_crc(&value) } else { 0xFFFF };
    value.extend_from_slice(&field.to_le_bytes());
    value
}

/// A CGM Session Start Time (0x2AAA) value: `(year, month, day, hours, minutes, seconds)` on
/// the sensor's clock, its time zone in 15-minute steps, DST offset code, and the E2E-CRC when
/// `crc`.
pub fn cgm_session_start(time: (u16, u8, u8, u8, u8, u8), zone: i8, dst: u8, crc: bool) -> Vec<u8> {
    let (year, month, day, hours, minutes, seconds) = time;
    let mut value = year.to_le_bytes().to_vec();
    value.extend_from_slice(&[month, day, hours, minutes, seconds, zone as u8, dst]);
    if crc {
        let crc = e2e_crc(&value);
        value.extend_from_slice(&crc.to_le_bytes());
    }
    value
}

fn characteristic(uuid16: u16, flags: &[&'static str]) -> CharacteristicSpec {
    CharacteristicSpec {
        uuid16,
        flags: flags.to_vec(),
    }
}

/// A heart rate monitor: Heart Rate service 0x180D with Heart Rate Measurement 0x2A37 (notify)
/// and Body Sensor Location 0x2A38 (read; "chest" until [`Simulator::set_value`]).
pub fn heart_rate_monitor(address: &str, name: &str) -> DeviceSpec {
    DeviceSpec {
        address: address.to_owned(),
        name: name.to_owned(),
        rssi: -58,
        services: vec![ServiceSpec {
            uuid16: 0x180D,
            characteristics: vec![
                characteristic(0x2A37, &["notify"]),
                characteristic(0x2A38, &["read"]),
            ],
        }],
        glucose_records: Vec::new(),
    }
}

/// A blood pressure monitor: Blood Pressure service 0x1810 with Blood Pressure Measurement
/// 0x2A35 (indicate), Intermediate Cuff Pressure 0x2A36 (notify) and Blood Pressure Feature
/// 0x2A49 (read).
pub fn blood_pressure_monitor(address: &str, name: &str) -> DeviceSpec {
    DeviceSpec {
        address: address.to_owned(),
        name: name.to_owned(),
        rssi: -64,
        services: vec![ServiceSpec {
            uuid16: 0x1810,
            characteristics: vec![
                characteristic(0x2A35, &["indicate"]),
                characteristic(0x2A36, &["notify"]),
                characteristic(0x2A49, &["read"]),
            ],
        }],
        glucose_records: Vec::new(),
    }
}

/// A glucose meter: Glucose service 0x1808 with Glucose Measurement 0x2A18 (notify), Glucose
/// Measurement Context 0x2A34 (notify), Glucose Feature 0x2A51 (read) and the Record Access
/// Control Point 0x2A52 (write, indicate), holding `records`.
pub fn glucose_meter(address: &str, name: &str, records: Vec<GlucoseRecord>) -> DeviceSpec {
    DeviceSpec {
        address: address.to_owned(),
        name: name.to_owned(),
        rssi: -71,
        services: vec![ServiceSpec {
            uuid16: 0x1808,
            characteristics: vec![
                characteristic(0x2A18, &["notify"]),
                characteristic(0x2A34, &["notify"]),
                characteristic(0x2A51, &["read"]),
                characteristic(0x2A52, &["write", "indicate"]),
            ],
        }],
        glucose_records: records,
    }
}

/// A continuous glucose monitor: CGM service 0x181F with CGM Measurement 0x2AA7 (notify), CGM
/// Feature 0x2AA8 (read; E2E-CRC supported), CGM Status 0x2AA9 (read), CGM Session Start Time
/// 0x2AAA (read, write; unknown until [`Simulator::set_value`]), CGM Session Run Time 0x2AAB
/// (read), the Record Access Control Point 0x2A52 (write, indicate) holding `records`, and the
/// CGM Specific Ops Control Point 0x2AAC (write, indicate).
pub fn continuous_glucose_monitor(
    address: &str,
    name: &str,
    records: Vec<GlucoseRecord>,
) -> DeviceSpec {
    DeviceSpec {
        address: address.to_owned(),
        name: name.to_owned(),
        rssi: -62,
        services: vec![ServiceSpec {
            uuid16: 0x181F,
            characteristics: vec![
                characteristic(0x2AA7, &["notify"]),
                characteristic(0x2AA8, &["read"]),
                characteristic(0x2AA9, &["read"]),
                characteristic(0x2AAA, &["read", "write"]),
                characteristic(0x2AAB, &["read"]),
                characteristic(0x2A52, &["write", "indicate"]),
                characteristic(0x2AAC, &["write", "indicate"]),
            ],
        }],
        glucose_records: records,
    }
}

/// A thermometer: Health Thermometer service 0x1809 with Temperature Measurement 0x2A1C
/// (indicate), Temperature Type 0x2A1D (read) and Intermediate Temperature 0x2A1E (notify).
pub fn thermometer(address: &str, name: &str) -> DeviceSpec {
    DeviceSpec {
        address: address.to_owned(),
        name: name.to_owned(),
        rssi: -66,
        services: vec![ServiceSpec {
            uuid16: 0x1809,
            characteristics: vec![
                characteristic(0x2A1C, &["indicate"]),
                characteristic(0x2A1D, &["read"]),
                characteristic(0x2A1E, &["notify"]),
            ],
        }],
        glucose_records: Vec::new(),
    }
}

/// A pulse oximeter: Pulse Oximeter service 0x1822 with PLX Spot-Check Measurement 0x2A5E
/// (indicate), PLX Continuous Measurement 0x2A5F (notify) and PLX Features 0x2A60 (read).
pub fn pulse_oximeter(address: &str, name: &str) -> DeviceSpec {
    DeviceSpec {
        address: address.to_owned(),
        name: name.to_owned(),
        rssi: -60,
        services: vec![ServiceSpec {
            uuid16: 0x1822,
            characteristics: vec![
                characteristic(0x2A5E, &["indicate"]),
                characteristic(0x2A5F, &["notify"]),
                characteristic(0x2A60, &["read"]),
            ],
        }],
        glucose_records: Vec::new(),
    }
}

/// The D-Bus object path BlueZ gives a device: `/org/bluez/hci0/dev_AA_BB_CC_DD_EE_FF`.
pub fn device_path(address: &str) -> String {
    format!(
        "{ADAPTER_PATH}/dev_{}",
        address.to_ascii_uppercase().replace(':', "_")
    )
}

/// The private `dbus-daemon`, killed on drop (also when start-up fails half way).
#[derive(Debug)]
struct Daemon {
    child: Child,
    _dir: tempfile::TempDir,
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A private bus with a simulated BlueZ on it. Dropping it stops the bus.
#[derive(Debug)]
pub struct Simulator {
    address: String,
    // Declared before the daemon so that it is dropped first.
    connection: zbus::Connection,
    shared: Arc<Shared>,
    _daemon: Daemon,
}

impl Simulator {
    /// Starts the bus and serves `org.bluez` with adapter `hci0` (powered, not discovering) and no
    /// devices. Must be called inside a tokio runtime.
    pub async fn start() -> Simulator {
        let dir = tempfile::tempdir().expect("temp dir for the bus socket");
        let socket = dir.path().join("bus");
        let mut child = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address=1"])
            .arg(format!("--address=unix:path={}", socket.display()))
            .stdout(Stdio::piped())
            // It complains it may not raise its fd limit as an unprivileged user; harmless.
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-daemon starts (Debian package `dbus`)");
        let stdout = child.stdout.take().expect("daemon stdout");
        let daemon = Daemon { child, _dir: dir };
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("dbus-daemon prints its address");
        let address = line.trim().to_owned();
        assert!(!address.is_empty(), "dbus-daemon printed no address");

        let shared = Shared::new(tokio::runtime::Handle::current());
        let connection = zbus::connection::Builder::address(address.as_str())
            .expect("bus address")
            // The ObjectManager at `/` emits InterfacesAdded/Removed as objects come and go.
            .serve_at("/", zbus::fdo::ObjectManager)
            .expect("object manager")
            .serve_at(
                ADAPTER_PATH,
                bluez::Adapter1 {
                    shared: shared.clone(),
                },
            )
            .expect("adapter")
            .name("org.bluez")
            .expect("well-known name")
            .build()
            .await
            .expect("serve org.bluez on the private bus");
        let _ = shared.connection.set(connection.clone());
        Simulator {
            address,
            connection,
            shared,
            _daemon: daemon,
        }
    }

    /// `unix:path=...`: the value for `DBUS_SYSTEM_BUS_ADDRESS`.
    pub fn bus_address(&self) -> &str {
        &self.address
    }

    /// Adds a device in range. It appears to clients when a scan starts, or at once if one is
    /// running and its filter lets the device through. Panics if the address is taken.
    pub async fn add_device(&self, spec: DeviceSpec) {
        let address = spec.address.to_ascii_uppercase();
        {
            let mut state = self.shared.lock();
            assert!(
                state.device(&address).is_none(),
                "a simulated device {address} exists already"
            );
            state.devices.push(DeviceState::new(spec));
        }
        bluez::came_into_range(&self.connection, &self.shared, &address)
            .await
            .expect("device appears on the bus");
    }

    fn expect_device<T>(&self, address: &str, read: impl FnOnce(&DeviceState) -> T) -> T {
        self.shared
            .device(address, read)
            .unwrap_or_else(|| panic!("no simulated device {address}"))
    }

    /// Sends `value` on `characteristic` (notification or indication: both reach the client as
    /// a Value change) if the device is connected and the client subscribed. Returns whether it
    /// was sent.
    pub async fn notify(&self, address: &str, characteristic: u16, value: &[u8]) -> bool {
        self.expect_device(address, |_| ());
        bluez::send_value(
            &self.connection,
            &self.shared,
            address,
            characteristic,
            value,
        )
        .await
        .expect("emit the notification")
    }

    /// Out of range: the link drops (ServicesResolved and Connected go false) and the device
    /// disappears (InterfacesRemoved). Back in range: it appears again as when added.
    pub async fn set_in_range(&self, address: &str, in_range: bool) {
        self.expect_device(address, |_| ());
        if in_range {
            bluez::came_into_range(&self.connection, &self.shared, address).await
        } else {
            bluez::went_out_of_range(&self.connection, &self.shared, address).await
        }
        .expect("change of range on the bus");
    }

    /// The link drops from the device's side (ServicesResolved and Connected go false, every
    /// subscription ends); the device stays known. Does nothing if it was not connected.
    pub async fn disconnect(&self, address: &str) {
        self.expect_device(address, |_| ());
        let _ops = self.shared.ops.lock().await;
        bluez::drop_link(&self.connection, &self.shared, address)
            .await
            .expect("disconnection on the bus");
    }

    /// Whether a client is connected to the device.
    pub async fn is_connected(&self, address: &str) -> bool {
        self.expect_device(address, |d| d.connected)
    }

    /// Whether the client has notifications or indications enabled on `characteristic`.
    pub async fn is_subscribed(&self, address: &str, characteristic: u16) -> bool {
        self.expect_device(address, |d| {
            d.connected
                && d.characteristic(characteristic)
                    .is_some_and(|c| c.notifying)
        })
    }

    /// Every value the client wrote to `characteristic` and the device accepted, in order.
    pub async fn written(&self, address: &str, characteristic: u16) -> Vec<Vec<u8>> {
        self.expect_device(address, |d| {
            d.characteristic(characteristic)
                .map(|c| c.written.clone())
                .unwrap_or_default()
        })
    }

    /// Stores one more record in a glucose meter (as if a new measurement was taken).
    pub async fn add_glucose_record(&self, address: &str, record: GlucoseRecord) {
        let mut state = self.shared.lock();
        let device = state
            .device_mut(address)
            .unwrap_or_else(|| panic!("no simulated device {address}"));
        device.records.push(record);
    }

    /// Sets the value a client reads from `characteristic`, without notifying.
    pub async fn set_value(&self, address: &str, characteristic: u16, value: &[u8]) {
        let mut state = self.shared.lock();
        let device = state
            .device_mut(address)
            .unwrap_or_else(|| panic!("no simulated device {address}"));
        let characteristic = device
            .characteristic_mut(characteristic)
            .unwrap_or_else(|| panic!("{address} has no characteristic {characteristic:#06x}"));
        characteristic.value = value.to_vec();
    }

    /// Changes the signal strength; a known device reports it (PropertiesChanged RSSI).
    pub async fn set_rssi(&self, address: &str, rssi: i16) {
        let (exported, path) = {
            let mut state = self.shared.lock();
            let device = state
                .device_mut(address)
                .unwrap_or_else(|| panic!("no simulated device {address}"));
            device.rssi = rssi;
            (device.exported, device.path.clone())
        };
        if exported {
            bluez::properties_changed(
                &self.connection,
                &path,
                "org.bluez.Device1",
                vec![("RSSI", rssi.into())],
            )
            .await
            .expect("emit RSSI");
        }
    }

    /// Switches the adapter on or off (what a user does in the desktop's Bluetooth settings).
    /// Off drops every link and ends discovery; clients see `Powered` change.
    pub async fn set_powered(&self, powered: bool) {
        bluez::set_powered(&self.connection, &self.shared, powered, true)
            .await
            .expect("power change on the bus");
    }

    /// Whether a client is scanning.
    pub async fn is_discovering(&self) -> bool {
        self.shared.lock().discovering
    }

    /// Whether the device is on the bus (found by a scan and not removed since).
    pub async fn is_known(&self, address: &str) -> bool {
        self.expect_device(address, |d| d.exported)
    }
}
