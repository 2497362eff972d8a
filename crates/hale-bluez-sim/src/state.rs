//! The simulated world: adapter, devices and their GATT tables. The D-Bus objects are thin views
//! onto this state, so that what a client reads and what a test inspects can never disagree.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::{DeviceSpec, GlucoseRecord};

pub(crate) const ADAPTER_PATH: &str = "/org/bluez/hci0";

/// The full 128-bit form of a 16-bit SIG UUID, lower case as BlueZ writes it.
pub(crate) fn full_uuid(uuid16: u16) -> String {
    format!("0000{uuid16:04x}-0000-1000-8000-00805f9b34fb")
}

/// Everything the D-Bus objects and the `Simulator` share.
#[derive(Debug)]
pub(crate) struct Shared {
    state: Mutex<State>,
    /// Serialises compound changes (connect, drop out of range...) so that their signals come
    /// out in a consistent order. Never held by property getters.
    pub(crate) ops: tokio::sync::Mutex<()>,
    /// zbus dispatches on its own executor thread; timed work (glucose transfers) goes to the
    /// test's tokio runtime.
    pub(crate) runtime: tokio::runtime::Handle,
    /// The simulator's bus connection, for work that starts where zbus hands none over.
    pub(crate) connection: std::sync::OnceLock<zbus::Connection>,
}

impl Shared {
    pub(crate) fn new(runtime: tokio::runtime::Handle) -> Arc<Self> {
        Arc::new(Self {
            state: Mutex::new(State {
                powered: true,
                discovering: false,
                filter: Vec::new(),
                devices: Vec::new(),
            }),
            ops: tokio::sync::Mutex::new(()),
            runtime,
            connection: std::sync::OnceLock::new(),
        })
    }

    /// The state; a panic elsewhere must not turn every later call into a second panic.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Reads something of one device; `None` once it is gone.
    pub(crate) fn device<T>(
        &self,
        address: &str,
        read: impl FnOnce(&DeviceState) -> T,
    ) -> Option<T> {
        self.lock().device(address).map(read)
    }
}

#[derive(Debug)]
pub(crate) struct State {
    pub(crate) powered: bool,
    pub(crate) discovering: bool,
    /// Service UUIDs of the client's discovery filter (empty: no filter).
    pub(crate) filter: Vec<String>,
    pub(crate) devices: Vec<DeviceState>,
}

impl State {
    pub(crate) fn device(&self, address: &str) -> Option<&DeviceState> {
        self.devices
            .iter()
            .find(|d| d.address.eq_ignore_ascii_case(address))
    }

    pub(crate) fn device_mut(&mut self, address: &str) -> Option<&mut DeviceState> {
        self.devices
            .iter_mut()
            .find(|d| d.address.eq_ignore_ascii_case(address))
    }

    /// Whether a scan with the current filter would report this device, as BlueZ filters on the
    /// advertised service UUIDs.
    pub(crate) fn visible(&self, device: &DeviceState) -> bool {
        device.in_range
            && (self.filter.is_empty()
                || device
                    .services
                    .iter()
                    .any(|s| self.filter.contains(&full_uuid(s.uuid16))))
    }
}

#[derive(Debug)]
pub(crate) struct DeviceState {
    /// Upper case, colon separated, as BlueZ reports it.
    pub(crate) address: String,
    pub(crate) path: String,
    pub(crate) name: String,
    pub(crate) alias: Option<String>,
    pub(crate) rssi: i16,
    pub(crate) services: Vec<ServiceState>,
    pub(crate) characteristics: Vec<CharacteristicState>,
    pub(crate) records: Vec<GlucoseRecord>,
    pub(crate) in_range: bool,
    /// The Device1 object is on the bus.
    pub(crate) exported: bool,
    /// The GATT objects are on the bus (after the first connection, like BlueZ's cache).
    pub(crate) gatt_exported: bool,
    pub(crate) connected: bool,
    pub(crate) services_resolved: bool,
    pub(crate) paired: bool,
    pub(crate) trusted: bool,
    /// A RACP procedure is running; a second request gets ATT error 0x80.
    pub(crate) racp_busy: bool,
    /// The client asked to abort the running RACP procedure.
    pub(crate) racp_abort: bool,
}

#[derive(Debug)]
pub(crate) struct ServiceState {
    pub(crate) uuid16: u16,
    pub(crate) path: String,
}

#[derive(Debug)]
pub(crate) struct CharacteristicState {
    pub(crate) uuid16: u16,
    pub(crate) service: usize,
    pub(crate) flags: Vec<&'static str>,
    pub(crate) path: String,
    /// The Client Characteristic Configuration descriptor, for notify/indicate characteristics.
    pub(crate) cccd_path: Option<String>,
    pub(crate) value: Vec<u8>,
    pub(crate) notifying: bool,
    pub(crate) written: Vec<Vec<u8>>,
}

impl CharacteristicState {
    pub(crate) fn has(&self, flag: &str) -> bool {
        self.flags.contains(&flag)
    }

    /// The CCCD value a client would read: notifications (0x0001) win over indications (0x0002),
    /// as BlueZ enables notifications when both are offered.
    pub(crate) fn cccd_value(&self) -> Vec<u8> {
        match (self.notifying, self.has("notify")) {
            (false, _) => vec![0x00, 0x00],
            (true, true) => vec![0x01, 0x00],
            (true, false) => vec![0x02, 0x00],
        }
    }
}

/// A value the client reads before anything was set: plausible contents for the standard
/// characteristics, so that reading them decodes.
fn initial_value(uuid16: u16) -> Vec<u8> {
    match uuid16 {
        0x2A38 => vec![0x01],       // body sensor location: chest
        0x2A49 => vec![0x00, 0x00], // blood pressure feature: none
        0x2A51 => vec![0x00, 0x00], // glucose feature: none
        0x2A60 => vec![0x00, 0x00], // PLX features: no status support fields
        0x2AA8 => crate::cgm_features(true),
        // CGM session start time: not known (year 0, zone and DST unknown).
        0x2AAA => crate::cgm_session_start((0, 0, 0, 0, 0, 0), -128, 255, true),
        _ => Vec::new(),
    }
}

impl DeviceState {
    /// Lays out the GATT table the way BlueZ names it: one attribute handle per service, two per
    /// characteristic (declaration, value), one per CCCD; paths use the declaration handles.
    pub(crate) fn new(spec: DeviceSpec) -> Self {
        let address = spec.address.to_ascii_uppercase();
        let path = format!("{ADAPTER_PATH}/dev_{}", address.replace(':', "_"));
        let mut handle: u16 = 1;
        let mut services = Vec::new();
        let mut characteristics = Vec::new();
        for (index, service) in spec.services.into_iter().enumerate() {
            let service_path = format!("{path}/service{handle:04x}");
            handle += 1;
            for characteristic in service.characteristics {
                let char_path = format!("{service_path}/char{handle:04x}");
                handle += 2;
                let notifiable = characteristic
                    .flags
                    .iter()
                    .any(|f| *f == "notify" || *f == "indicate");
                let cccd_path = notifiable.then(|| {
                    let desc = format!("{char_path}/desc{handle:04x}");
                    handle += 1;
                    desc
                });
                characteristics.push(CharacteristicState {
                    uuid16: characteristic.uuid16,
                    service: index,
                    flags: characteristic.flags,
                    path: char_path,
                    cccd_path,
                    value: initial_value(characteristic.uuid16),
                    notifying: false,
                    written: Vec::new(),
                });
            }
            services.push(ServiceState {
                uuid16: service.uuid16,
                path: service_path,
            });
        }
        Self {
            address,
            path,
            name: spec.name,
            alias: None,
            rssi: spec.rssi,
            services,
            characteristics,
            records: spec.glucose_records,
            in_range: true,
            exported: false,
            gatt_exported: false,
            connected: false,
            services_resolved: false,
            paired: false,
            trusted: false,
            racp_busy: false,
            racp_abort: false,
        }
    }

    /// A static random address has its two top bits set; anything else is taken as public.
    pub(crate) fn address_type(&self) -> &'static str {
        let first = u8::from_str_radix(self.address.get(..2).unwrap_or("00"), 16).unwrap_or(0);
        if first & 0xC0 == 0xC0 {
            "random"
        } else {
            "public"
        }
    }

    pub(crate) fn characteristic(&self, uuid16: u16) -> Option<&CharacteristicState> {
        self.characteristics.iter().find(|c| c.uuid16 == uuid16)
    }

    pub(crate) fn characteristic_mut(&mut self, uuid16: u16) -> Option<&mut CharacteristicState> {
        self.characteristics.iter_mut().find(|c| c.uuid16 == uuid16)
    }
}
