//! The BlueZ D-Bus objects (Adapter1, Device1, GattService1, GattCharacteristic1,
//! GattDescriptor1) and the operations that change them. Error names and messages follow BlueZ's
//! own (`org.bluez.Error.*`), so that a client's error handling sees what it would see for real.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use zbus::names::InterfaceName;
use zbus::object_server::SignalEmitter;
use zbus::zvariant::{ObjectPath, OwnedObjectPath, OwnedValue, Value};
use zbus::Connection;

use crate::glucose;
use crate::state::{full_uuid, Shared, ADAPTER_PATH};

const ADAPTER1: &str = "org.bluez.Adapter1";
const DEVICE1: &str = "org.bluez.Device1";
const CHARACTERISTIC1: &str = "org.bluez.GattCharacteristic1";
const DESCRIPTOR1: &str = "org.bluez.GattDescriptor1";

/// Record Access Control Point, Glucose Measurement, Glucose Measurement Context.
const RACP: u16 = 0x2A52;
const GLUCOSE_MEASUREMENT: u16 = 0x2A18;
const GLUCOSE_CONTEXT: u16 = 0x2A34;
const CGM_MEASUREMENT: u16 = 0x2AA7;
/// Pause between the notifications of one transfer, as a meter paces them over the air.
const RECORD_GAP: Duration = Duration::from_millis(5);

#[derive(Debug, zbus::DBusError)]
#[zbus(prefix = "org.bluez.Error")]
pub(crate) enum BluezError {
    #[zbus(error)]
    ZBus(zbus::Error),
    Failed(String),
    NotReady(String),
    NotConnected(String),
    NotPermitted(String),
    NotSupported(String),
    InProgress(String),
    AlreadyExists(String),
    DoesNotExist(String),
    InvalidArguments(String),
}

fn object_path(path: &str) -> OwnedObjectPath {
    // Every path here is built by `DeviceState::new` from hex digits and underscores; "/" stands
    // in for an object whose device is already gone.
    let path = if path.is_empty() { "/" } else { path };
    ObjectPath::from_string_unchecked(path.to_owned()).into()
}

/// Emits PropertiesChanged for `interface` at `path`.
pub(crate) async fn properties_changed(
    conn: &Connection,
    path: &str,
    interface: &'static str,
    changed: Vec<(&'static str, Value<'_>)>,
) -> zbus::Result<()> {
    let emitter = SignalEmitter::new(conn, path.to_owned())?;
    zbus::fdo::Properties::properties_changed(
        &emitter,
        InterfaceName::from_static_str_unchecked(interface),
        changed.into_iter().collect(),
        Cow::Borrowed(&[]),
    )
    .await
}

// ---------------------------------------------------------------------------------------------
// Operations shared by the D-Bus methods and the `Simulator`.
// ---------------------------------------------------------------------------------------------

/// Puts a device's Device1 object on the bus (InterfacesAdded on `/`), once.
async fn export_device(conn: &Connection, shared: &Arc<Shared>, address: &str) -> zbus::Result<()> {
    let path = {
        let mut state = shared.lock();
        let Some(device) = state.device_mut(address) else {
            return Ok(());
        };
        if device.exported {
            return Ok(());
        }
        device.exported = true;
        device.path.clone()
    };
    let device = Device1 {
        shared: shared.clone(),
        address: address.to_owned(),
    };
    conn.object_server().at(path, device).await?;
    Ok(())
}

/// Puts a device's GATT table on the bus, parents before children.
async fn export_gatt(conn: &Connection, shared: &Arc<Shared>, address: &str) -> zbus::Result<()> {
    let (services, characteristics) = {
        let mut state = shared.lock();
        let Some(device) = state.device_mut(address) else {
            return Ok(());
        };
        if device.gatt_exported {
            return Ok(());
        }
        device.gatt_exported = true;
        let services: Vec<String> = device.services.iter().map(|s| s.path.clone()).collect();
        let characteristics: Vec<(usize, String, Option<String>)> = device
            .characteristics
            .iter()
            .map(|c| (c.service, c.path.clone(), c.cccd_path.clone()))
            .collect();
        (services, characteristics)
    };
    let server = conn.object_server();
    for (index, path) in services.iter().enumerate() {
        let service = GattService1 {
            shared: shared.clone(),
            address: address.to_owned(),
            index,
        };
        server.at(path.as_str(), service).await?;
        for (char_index, (_, char_path, cccd_path)) in characteristics
            .iter()
            .enumerate()
            .filter(|(_, (service, _, _))| *service == index)
        {
            let characteristic = GattCharacteristic1 {
                shared: shared.clone(),
                address: address.to_owned(),
                index: char_index,
            };
            server.at(char_path.as_str(), characteristic).await?;
            if let Some(cccd_path) = cccd_path {
                let descriptor = GattDescriptor1 {
                    shared: shared.clone(),
                    address: address.to_owned(),
                    index: char_index,
                };
                server.at(cccd_path.as_str(), descriptor).await?;
            }
        }
    }
    Ok(())
}

/// Takes a device and its GATT table off the bus, children first so that every object gets its
/// InterfacesRemoved.
async fn unexport_device(
    conn: &Connection,
    shared: &Arc<Shared>,
    address: &str,
) -> zbus::Result<()> {
    let (gatt, device_path) = {
        let mut state = shared.lock();
        let Some(device) = state.device_mut(address) else {
            return Ok(());
        };
        let mut gatt = Vec::new();
        if device.gatt_exported {
            for c in &device.characteristics {
                if let Some(cccd) = &c.cccd_path {
                    gatt.push((cccd.clone(), DESCRIPTOR1));
                }
                gatt.push((c.path.clone(), CHARACTERISTIC1));
            }
            for s in &device.services {
                gatt.push((s.path.clone(), "org.bluez.GattService1"));
            }
        }
        let device_path = device.exported.then(|| device.path.clone());
        device.gatt_exported = false;
        device.exported = false;
        (gatt, device_path)
    };
    let server = conn.object_server();
    for (path, interface) in gatt {
        server
            .remove_named(
                path.as_str(),
                InterfaceName::from_static_str_unchecked(interface),
            )
            .await?;
    }
    if let Some(path) = device_path {
        server.remove::<Device1, _>(path.as_str()).await?;
    }
    Ok(())
}

/// StartDiscovery: devices in range that pass the filter appear.
pub(crate) async fn start_discovery(
    conn: &Connection,
    shared: &Arc<Shared>,
) -> Result<(), BluezError> {
    let _ops = shared.ops.lock().await;
    let (was_discovering, visible) = {
        let mut state = shared.lock();
        if !state.powered {
            return Err(BluezError::NotReady("Resource Not Ready".into()));
        }
        let visible: Vec<String> = state
            .devices
            .iter()
            .filter(|d| state.visible(d))
            .map(|d| d.address.clone())
            .collect();
        (std::mem::replace(&mut state.discovering, true), visible)
    };
    if !was_discovering {
        properties_changed(
            conn,
            ADAPTER_PATH,
            ADAPTER1,
            vec![("Discovering", true.into())],
        )
        .await?;
    }
    for address in visible {
        export_device(conn, shared, &address).await?;
    }
    Ok(())
}

/// StopDiscovery: known devices stay known, as in BlueZ.
pub(crate) async fn stop_discovery(
    conn: &Connection,
    shared: &Arc<Shared>,
) -> Result<(), BluezError> {
    let _ops = shared.ops.lock().await;
    if !std::mem::replace(&mut shared.lock().discovering, false) {
        return Err(BluezError::Failed("No discovery started".into()));
    }
    properties_changed(
        conn,
        ADAPTER_PATH,
        ADAPTER1,
        vec![("Discovering", false.into())],
    )
    .await?;
    Ok(())
}

/// A device comes into range (or is added): it appears at once if a scan would report it.
pub(crate) async fn came_into_range(
    conn: &Connection,
    shared: &Arc<Shared>,
    address: &str,
) -> zbus::Result<()> {
    let _ops = shared.ops.lock().await;
    let show = {
        let mut state = shared.lock();
        let Some(device) = state.device_mut(address) else {
            return Ok(());
        };
        device.in_range = true;
        let device = state.device(address).expect("just found");
        state.discovering && state.visible(device)
    };
    if show {
        export_device(conn, shared, address).await?;
    }
    Ok(())
}

/// A device leaves range: the link drops and BlueZ forgets it.
pub(crate) async fn went_out_of_range(
    conn: &Connection,
    shared: &Arc<Shared>,
    address: &str,
) -> zbus::Result<()> {
    let _ops = shared.ops.lock().await;
    if let Some(device) = shared.lock().device_mut(address) {
        device.in_range = false;
    }
    drop_link(conn, shared, address).await?;
    unexport_device(conn, shared, address).await
}

/// Connect: Connected, then the GATT table, then ServicesResolved (bluez-async waits for that).
pub(crate) async fn connect(
    conn: &Connection,
    shared: &Arc<Shared>,
    address: &str,
) -> Result<(), BluezError> {
    let _ops = shared.ops.lock().await;
    let path = {
        let mut state = shared.lock();
        let powered = state.powered;
        let Some(device) = state.device_mut(address) else {
            return Err(BluezError::DoesNotExist("Does Not Exist".into()));
        };
        if !powered {
            return Err(BluezError::NotReady("Resource Not Ready".into()));
        }
        if !device.in_range {
            // What BlueZ answers when the LE connection attempt times out.
            return Err(BluezError::Failed("le-connection-abort-by-local".into()));
        }
        if device.connected {
            return Ok(());
        }
        device.connected = true;
        device.path.clone()
    };
    properties_changed(conn, &path, DEVICE1, vec![("Connected", true.into())]).await?;
    export_gatt(conn, shared, address).await?;
    if let Some(device) = shared.lock().device_mut(address) {
        device.services_resolved = true;
    }
    properties_changed(
        conn,
        &path,
        DEVICE1,
        vec![("ServicesResolved", true.into())],
    )
    .await?;
    Ok(())
}

/// The link drops (either side): subscriptions end, ServicesResolved then Connected go false.
/// Returns whether there was a link.
pub(crate) async fn drop_link(
    conn: &Connection,
    shared: &Arc<Shared>,
    address: &str,
) -> zbus::Result<bool> {
    let (path, stopped) = {
        let mut state = shared.lock();
        let Some(device) = state.device_mut(address) else {
            return Ok(false);
        };
        if !device.connected {
            return Ok(false);
        }
        device.connected = false;
        device.services_resolved = false;
        device.racp_abort = device.racp_busy;
        let stopped: Vec<String> = device
            .characteristics
            .iter_mut()
            .filter_map(|c| std::mem::replace(&mut c.notifying, false).then(|| c.path.clone()))
            .collect();
        (device.path.clone(), stopped)
    };
    for char_path in stopped {
        properties_changed(
            conn,
            &char_path,
            CHARACTERISTIC1,
            vec![("Notifying", false.into())],
        )
        .await?;
    }
    properties_changed(
        conn,
        &path,
        DEVICE1,
        vec![("ServicesResolved", false.into())],
    )
    .await?;
    properties_changed(conn, &path, DEVICE1, vec![("Connected", false.into())]).await?;
    Ok(true)
}

/// Powers the adapter on or off; off ends discovery and every link, as in BlueZ.
pub(crate) async fn set_powered(
    conn: &Connection,
    shared: &Arc<Shared>,
    powered: bool,
    emit_powered: bool,
) -> zbus::Result<()> {
    let _ops = shared.ops.lock().await;
    let (connected, stop_discovery) = {
        let mut state = shared.lock();
        state.powered = powered;
        let connected: Vec<String> = if powered {
            Vec::new()
        } else {
            state
                .devices
                .iter()
                .filter(|d| d.connected)
                .map(|d| d.address.clone())
                .collect()
        };
        let stop = !powered && std::mem::replace(&mut state.discovering, false);
        (connected, stop)
    };
    for address in connected {
        drop_link(conn, shared, &address).await?;
    }
    if stop_discovery {
        properties_changed(
            conn,
            ADAPTER_PATH,
            ADAPTER1,
            vec![("Discovering", false.into())],
        )
        .await?;
    }
    if emit_powered {
        properties_changed(
            conn,
            ADAPTER_PATH,
            ADAPTER1,
            vec![("Powered", powered.into())],
        )
        .await?;
    }
    Ok(())
}

/// Sends a value on a characteristic the client subscribed to (notification or indication look
/// the same through BlueZ: PropertiesChanged on Value). Returns whether it was sent.
pub(crate) async fn send_value(
    conn: &Connection,
    shared: &Arc<Shared>,
    address: &str,
    uuid16: u16,
    value: &[u8],
) -> zbus::Result<bool> {
    let path = {
        let mut state = shared.lock();
        let Some(device) = state.device_mut(address) else {
            return Ok(false);
        };
        let connected = device.connected;
        let Some(characteristic) = device.characteristic_mut(uuid16) else {
            return Ok(false);
        };
        if !connected || !characteristic.notifying {
            return Ok(false);
        }
        characteristic.value = value.to_vec();
        characteristic.path.clone()
    };
    properties_changed(
        conn,
        &path,
        CHARACTERISTIC1,
        vec![("Value", value.to_vec().into())],
    )
    .await?;
    Ok(true)
}

/// Runs one RACP procedure after the write returned, as a meter does.
fn spawn_racp(conn: &Connection, shared: &Arc<Shared>, address: &str, plan: glucose::Plan) {
    let conn = conn.clone();
    let task_shared = shared.clone();
    let address = address.to_owned();
    shared.runtime.spawn(async move {
        let shared = task_shared;
        tokio::time::sleep(RECORD_GAP).await;
        // A CGM sends its stored records as CGM Measurements; a meter as Glucose Measurements.
        let is_cgm = shared
            .device(&address, |d| d.characteristic(CGM_MEASUREMENT).is_some())
            .unwrap_or(false);
        let record_characteristic = if is_cgm {
            CGM_MEASUREMENT
        } else {
            GLUCOSE_MEASUREMENT
        };
        for record in &plan.records {
            let stop = shared
                .device(&address, |d| d.racp_abort || !d.connected)
                .unwrap_or(true);
            if stop {
                break;
            }
            let _ = send_value(
                &conn,
                &shared,
                &address,
                record_characteristic,
                &record.measurement,
            )
            .await;
            if let Some(context) = &record.context {
                let _ = send_value(&conn, &shared, &address, GLUCOSE_CONTEXT, context).await;
            }
            tokio::time::sleep(RECORD_GAP).await;
        }
        let aborted = {
            let mut state = shared.lock();
            match state.device_mut(&address) {
                Some(device) => {
                    let aborted = device.racp_abort;
                    device.racp_busy = false;
                    device.racp_abort = false;
                    aborted
                }
                None => true,
            }
        };
        // An aborted procedure ends with the abort's own response, not this one.
        if !aborted {
            let _ = send_value(&conn, &shared, &address, RACP, &plan.response).await;
        }
    });
}

/// Sends a lone RACP response (abort) a moment after the write returned.
fn spawn_response(conn: &Connection, shared: &Arc<Shared>, address: &str, response: Vec<u8>) {
    let conn = conn.clone();
    let task_shared = shared.clone();
    let address = address.to_owned();
    shared.runtime.spawn(async move {
        tokio::time::sleep(RECORD_GAP).await;
        let _ = send_value(&conn, &task_shared, &address, RACP, &response).await;
    });
}

// ---------------------------------------------------------------------------------------------
// The D-Bus objects.
// ---------------------------------------------------------------------------------------------

/// `/org/bluez/hci0`.
#[derive(Debug)]
pub(crate) struct Adapter1 {
    pub(crate) shared: Arc<Shared>,
}

#[zbus::interface(name = "org.bluez.Adapter1", introspection_docs = false)]
impl Adapter1 {
    async fn start_discovery(
        &self,
        #[zbus(connection)] conn: &Connection,
    ) -> Result<(), BluezError> {
        start_discovery(conn, &self.shared).await
    }

    async fn stop_discovery(
        &self,
        #[zbus(connection)] conn: &Connection,
    ) -> Result<(), BluezError> {
        stop_discovery(conn, &self.shared).await
    }

    fn set_discovery_filter(&self, filter: HashMap<String, OwnedValue>) -> Result<(), BluezError> {
        let uuids = match filter.get("UUIDs") {
            None => Vec::new(),
            Some(value) => value
                .try_clone()
                .ok()
                .and_then(|v| Vec::<String>::try_from(v).ok())
                .ok_or_else(|| {
                    BluezError::InvalidArguments("Invalid arguments in method call".into())
                })?,
        };
        // BlueZ compares UUIDs in their 128-bit lower-case form.
        self.shared.lock().filter = uuids.iter().map(|u| u.to_ascii_lowercase()).collect();
        Ok(())
    }

    fn get_discovery_filters(&self) -> Vec<String> {
        [
            "UUIDs",
            "RSSI",
            "Pathloss",
            "Transport",
            "DuplicateData",
            "Discoverable",
            "Pattern",
        ]
        .into_iter()
        .map(String::from)
        .collect()
    }

    async fn remove_device(
        &self,
        device: OwnedObjectPath,
        #[zbus(connection)] conn: &Connection,
    ) -> Result<(), BluezError> {
        let address = {
            let state = self.shared.lock();
            state
                .devices
                .iter()
                .find(|d| d.exported && d.path == device.as_str())
                .map(|d| d.address.clone())
        };
        let Some(address) = address else {
            return Err(BluezError::DoesNotExist("Does Not Exist".into()));
        };
        let _ops = self.shared.ops.lock().await;
        drop_link(conn, &self.shared, &address).await?;
        // The device stays in range: the next StartDiscovery finds it again.
        unexport_device(conn, &self.shared, &address).await?;
        Ok(())
    }

    #[zbus(property)]
    fn address(&self) -> String {
        "00:1A:7D:DA:71:13".into()
    }

    #[zbus(property)]
    fn address_type(&self) -> String {
        "public".into()
    }

    #[zbus(property)]
    fn name(&self) -> String {
        "hale-sim".into()
    }

    #[zbus(property)]
    fn alias(&self) -> String {
        "hale-sim".into()
    }

    #[zbus(property)]
    fn class(&self) -> u32 {
        0
    }

    // bluez-async refuses an adapter whose modalias does not parse.
    #[zbus(property)]
    fn modalias(&self) -> String {
        "usb:v1D6Bp0245d050A".into()
    }

    #[zbus(property)]
    fn powered(&self) -> bool {
        self.shared.lock().powered
    }

    #[zbus(property)]
    fn set_powered(&self, powered: bool) {
        // zbus emits PropertiesChanged(Powered) itself after a setter, reading the getter; what
        // powering off entails (links dropped, discovery ended) follows from a task.
        let was = std::mem::replace(&mut self.shared.lock().powered, powered);
        if was && !powered {
            if let Some(conn) = self.shared.connection.get().cloned() {
                let shared = self.shared.clone();
                self.shared.runtime.spawn(async move {
                    let _ = set_powered(&conn, &shared, false, false).await;
                });
            }
        }
    }

    #[zbus(property)]
    fn discoverable(&self) -> bool {
        false
    }

    #[zbus(property)]
    fn pairable(&self) -> bool {
        true
    }

    #[zbus(property)]
    fn discovering(&self) -> bool {
        self.shared.lock().discovering
    }

    #[zbus(property, name = "UUIDs")]
    fn uuids(&self) -> Vec<String> {
        Vec::new()
    }
}

/// `/org/bluez/hci0/dev_XX_XX_XX_XX_XX_XX`.
#[derive(Debug)]
pub(crate) struct Device1 {
    shared: Arc<Shared>,
    address: String,
}

impl Device1 {
    fn read<T: Default>(&self, read: impl FnOnce(&crate::state::DeviceState) -> T) -> T {
        self.shared.device(&self.address, read).unwrap_or_default()
    }
}

#[zbus::interface(name = "org.bluez.Device1", introspection_docs = false)]
impl Device1 {
    async fn connect(&self, #[zbus(connection)] conn: &Connection) -> Result<(), BluezError> {
        connect(conn, &self.shared, &self.address).await
    }

    async fn disconnect(&self, #[zbus(connection)] conn: &Connection) -> Result<(), BluezError> {
        let _ops = self.shared.ops.lock().await;
        if drop_link(conn, &self.shared, &self.address).await? {
            Ok(())
        } else {
            Err(BluezError::NotConnected("Not Connected".into()))
        }
    }

    // Pairing connects first (bluez-async then waits for ServicesResolved, as after Connect).
    async fn pair(&self, #[zbus(connection)] conn: &Connection) -> Result<(), BluezError> {
        if self.read(|d| d.paired) {
            return Err(BluezError::AlreadyExists("Already Exists".into()));
        }
        connect(conn, &self.shared, &self.address).await?;
        let path = self.read(|d| d.path.clone());
        if let Some(device) = self.shared.lock().device_mut(&self.address) {
            device.paired = true;
        }
        properties_changed(
            conn,
            &path,
            DEVICE1,
            vec![("Paired", true.into()), ("Bonded", true.into())],
        )
        .await?;
        Ok(())
    }

    fn cancel_pairing(&self) -> Result<(), BluezError> {
        // Pairing completes at once, so there is never one to cancel.
        Err(BluezError::DoesNotExist("Does Not Exist".into()))
    }

    #[zbus(property)]
    fn address(&self) -> String {
        self.read(|d| d.address.clone())
    }

    #[zbus(property)]
    fn address_type(&self) -> String {
        self.read(|d| d.address_type().to_owned())
    }

    #[zbus(property)]
    fn name(&self) -> String {
        self.read(|d| d.name.clone())
    }

    #[zbus(property)]
    fn alias(&self) -> String {
        self.read(|d| d.alias.clone().unwrap_or_else(|| d.name.clone()))
    }

    // As in BlueZ, an empty alias resets it to the name.
    #[zbus(property)]
    fn set_alias(&self, alias: String) {
        if let Some(device) = self.shared.lock().device_mut(&self.address) {
            device.alias = (!alias.is_empty()).then_some(alias);
        }
    }

    #[zbus(property)]
    fn paired(&self) -> bool {
        self.read(|d| d.paired)
    }

    #[zbus(property)]
    fn bonded(&self) -> bool {
        self.read(|d| d.paired)
    }

    #[zbus(property)]
    fn trusted(&self) -> bool {
        self.read(|d| d.trusted)
    }

    #[zbus(property)]
    fn set_trusted(&self, trusted: bool) {
        if let Some(device) = self.shared.lock().device_mut(&self.address) {
            device.trusted = trusted;
        }
    }

    #[zbus(property)]
    fn blocked(&self) -> bool {
        false
    }

    #[zbus(property)]
    fn legacy_pairing(&self) -> bool {
        false
    }

    #[zbus(property)]
    fn connected(&self) -> bool {
        self.read(|d| d.connected)
    }

    #[zbus(property)]
    fn services_resolved(&self) -> bool {
        self.read(|d| d.services_resolved)
    }

    #[zbus(property, name = "RSSI")]
    fn rssi(&self) -> i16 {
        self.read(|d| d.rssi)
    }

    #[zbus(property, name = "UUIDs")]
    fn uuids(&self) -> Vec<String> {
        self.read(|d| d.services.iter().map(|s| full_uuid(s.uuid16)).collect())
    }

    #[zbus(property)]
    fn service_data(&self) -> HashMap<String, OwnedValue> {
        HashMap::new()
    }

    #[zbus(property)]
    fn manufacturer_data(&self) -> HashMap<u16, OwnedValue> {
        HashMap::new()
    }

    #[zbus(property)]
    fn adapter(&self) -> OwnedObjectPath {
        object_path(ADAPTER_PATH)
    }
}

/// `.../serviceXXXX`.
#[derive(Debug)]
pub(crate) struct GattService1 {
    shared: Arc<Shared>,
    address: String,
    index: usize,
}

#[zbus::interface(name = "org.bluez.GattService1", introspection_docs = false)]
impl GattService1 {
    #[zbus(property, name = "UUID")]
    fn uuid(&self) -> String {
        self.shared
            .device(&self.address, |d| full_uuid(d.services[self.index].uuid16))
            .unwrap_or_default()
    }

    #[zbus(property)]
    fn primary(&self) -> bool {
        true
    }

    #[zbus(property)]
    fn device(&self) -> OwnedObjectPath {
        object_path(
            &self
                .shared
                .device(&self.address, |d| d.path.clone())
                .unwrap_or_default(),
        )
    }
}

/// `.../serviceXXXX/charYYYY`.
#[derive(Debug)]
pub(crate) struct GattCharacteristic1 {
    shared: Arc<Shared>,
    address: String,
    index: usize,
}

impl GattCharacteristic1 {
    fn read<T: Default>(&self, read: impl FnOnce(&crate::state::CharacteristicState) -> T) -> T {
        self.shared
            .device(&self.address, |d| read(&d.characteristics[self.index]))
            .unwrap_or_default()
    }

    fn require_connected(&self) -> Result<(), BluezError> {
        if self.shared.device(&self.address, |d| d.connected) == Some(true) {
            Ok(())
        } else {
            Err(BluezError::NotConnected("Not Connected".into()))
        }
    }
}

#[zbus::interface(name = "org.bluez.GattCharacteristic1", introspection_docs = false)]
impl GattCharacteristic1 {
    fn read_value(&self, _options: HashMap<String, OwnedValue>) -> Result<Vec<u8>, BluezError> {
        self.require_connected()?;
        if !self.read(|c| c.has("read")) {
            return Err(BluezError::NotPermitted("Read not permitted".into()));
        }
        Ok(self.read(|c| c.value.clone()))
    }

    fn write_value(
        &self,
        value: Vec<u8>,
        options: HashMap<String, OwnedValue>,
        #[zbus(connection)] conn: &Connection,
    ) -> Result<(), BluezError> {
        self.require_connected()?;
        let write_type = options
            .get("type")
            .and_then(|v| String::try_from(v.try_clone().ok()?).ok());
        let (request, command) = self.read(|c| (c.has("write"), c.has("write-without-response")));
        let allowed = match write_type.as_deref() {
            Some("command") => command,
            Some("request") => request,
            _ => request || command,
        };
        if !allowed {
            return Err(BluezError::NotPermitted("Write not permitted".into()));
        }
        let mut state = self.shared.lock();
        let device = state
            .device_mut(&self.address)
            .ok_or_else(|| BluezError::DoesNotExist("Does Not Exist".into()))?;
        let uuid16 = device.characteristics[self.index].uuid16;
        if uuid16 == RACP {
            // The Glucose Service answers through indications on the RACP: without them enabled a
            // meter rejects the write (ATT 0xFD), and it takes one procedure at a time (ATT 0x80).
            if !device.characteristics[self.index].notifying {
                return Err(BluezError::Failed(
                    "Operation failed with ATT error: 0xfd".into(),
                ));
            }
            let plan = glucose::plan(&value, &device.records);
            if plan.abort {
                device.racp_abort = device.racp_busy;
                device.characteristics[self.index].written.push(value);
                drop(state);
                spawn_response(conn, &self.shared, &self.address, plan.response);
                return Ok(());
            }
            if device.racp_busy {
                return Err(BluezError::Failed(
                    "Operation failed with ATT error: 0x80".into(),
                ));
            }
            device.racp_busy = true;
            device.characteristics[self.index].written.push(value);
            drop(state);
            spawn_racp(conn, &self.shared, &self.address, plan);
            return Ok(());
        }
        // A write is not echoed as a Value change: btleplug would take it for a notification.
        device.characteristics[self.index].written.push(value);
        Ok(())
    }

    async fn start_notify(&self, #[zbus(connection)] conn: &Connection) -> Result<(), BluezError> {
        self.require_connected()?;
        let path = {
            let mut state = self.shared.lock();
            let device = state
                .device_mut(&self.address)
                .ok_or_else(|| BluezError::DoesNotExist("Does Not Exist".into()))?;
            let characteristic = &mut device.characteristics[self.index];
            if !characteristic.has("notify") && !characteristic.has("indicate") {
                return Err(BluezError::NotSupported(
                    "Operation is not supported".into(),
                ));
            }
            // BlueZ refuses a second StartNotify from the same client.
            if characteristic.notifying {
                return Err(BluezError::InProgress("In Progress".into()));
            }
            characteristic.notifying = true;
            characteristic.path.clone()
        };
        properties_changed(
            conn,
            &path,
            CHARACTERISTIC1,
            vec![("Notifying", true.into())],
        )
        .await?;
        Ok(())
    }

    async fn stop_notify(&self, #[zbus(connection)] conn: &Connection) -> Result<(), BluezError> {
        let path = {
            let mut state = self.shared.lock();
            let device = state
                .device_mut(&self.address)
                .ok_or_else(|| BluezError::DoesNotExist("Does Not Exist".into()))?;
            let characteristic = &mut device.characteristics[self.index];
            // btleplug recognises exactly this error and treats it as success.
            if !characteristic.notifying {
                return Err(BluezError::Failed("No notify session started".into()));
            }
            characteristic.notifying = false;
            characteristic.path.clone()
        };
        properties_changed(
            conn,
            &path,
            CHARACTERISTIC1,
            vec![("Notifying", false.into())],
        )
        .await?;
        Ok(())
    }

    #[zbus(property, name = "UUID")]
    fn uuid(&self) -> String {
        full_uuid(self.read(|c| c.uuid16))
    }

    #[zbus(property)]
    fn service(&self) -> OwnedObjectPath {
        let path = self
            .shared
            .device(&self.address, |d| {
                d.services[d.characteristics[self.index].service]
                    .path
                    .clone()
            })
            .unwrap_or_default();
        object_path(&path)
    }

    #[zbus(property)]
    fn value(&self) -> Vec<u8> {
        self.read(|c| c.value.clone())
    }

    #[zbus(property)]
    fn notifying(&self) -> bool {
        self.read(|c| c.notifying)
    }

    #[zbus(property)]
    fn flags(&self) -> Vec<String> {
        self.read(|c| c.flags.iter().map(|f| (*f).to_owned()).collect())
    }

    // The ATT MTU BlueZ negotiates with most current peripherals.
    #[zbus(property, name = "MTU")]
    fn mtu(&self) -> u16 {
        247
    }
}

/// `.../charYYYY/descZZZZ`: the Client Characteristic Configuration descriptor (0x2902).
#[derive(Debug)]
pub(crate) struct GattDescriptor1 {
    shared: Arc<Shared>,
    address: String,
    index: usize,
}

#[zbus::interface(name = "org.bluez.GattDescriptor1", introspection_docs = false)]
impl GattDescriptor1 {
    fn read_value(&self, _options: HashMap<String, OwnedValue>) -> Result<Vec<u8>, BluezError> {
        self.shared
            .device(&self.address, |d| {
                if d.connected {
                    Ok(d.characteristics[self.index].cccd_value())
                } else {
                    Err(BluezError::NotConnected("Not Connected".into()))
                }
            })
            .unwrap_or_else(|| Err(BluezError::DoesNotExist("Does Not Exist".into())))
    }

    // BlueZ does not let clients write a CCCD: StartNotify/StopNotify are the way.
    fn write_value(
        &self,
        _value: Vec<u8>,
        _options: HashMap<String, OwnedValue>,
    ) -> Result<(), BluezError> {
        Err(BluezError::NotPermitted("Write not permitted".into()))
    }

    #[zbus(property, name = "UUID")]
    fn uuid(&self) -> String {
        full_uuid(0x2902)
    }

    #[zbus(property)]
    fn characteristic(&self) -> OwnedObjectPath {
        let path = self
            .shared
            .device(&self.address, |d| {
                d.characteristics[self.index].path.clone()
            })
            .unwrap_or_default();
        object_path(&path)
    }

    #[zbus(property)]
    fn value(&self) -> Vec<u8> {
        self.shared
            .device(&self.address, |d| {
                d.characteristics[self.index].cccd_value()
            })
            .unwrap_or_default()
    }

    #[zbus(property)]
    fn flags(&self) -> Vec<String> {
        vec!["read".into(), "write".into()]
    }
}
