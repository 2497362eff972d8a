//! Hale's Bluetooth LE service: finds medical devices advertising the Bluetooth SIG health
//! services, connects, subscribes to their measurements, downloads a glucose meter's stored
//! records, and hands decoded measurements on, through btleplug (BlueZ on Linux, CoreBluetooth,
//! WinRT, Android).
//!
//! The service is one tokio task behind a [`BleHandle`]. It owns the adapter and one session task
//! per connected device. Measurements leave through a bounded channel that applies back-pressure
//! rather than dropping anything (a lost reading is a lost clinical fact); progress, scan results
//! and errors go out on a broadcast channel for the screen, where a slow reader may miss some.
//!
//! Paired devices are *watched*: whenever one is seen advertising and is not connected, the
//! service connects again, so a cuff that went out of range resumes by itself.

mod session;
mod uuid16;

use std::collections::HashMap;
use std::time::Duration;

use btleplug::api::{Central, CentralEvent, Manager as _, Peripheral as _, ScanFilter};
use btleplug::platform::{Adapter, Manager, Peripheral};
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use hale_domain::device::thermometer::TemperatureUnit;
use hale_domain::device::{DeviceType, Measurement, RecordProgress};
use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, mpsc, oneshot};
use tokio::task::JoinSet;

pub use uuid16::{full_uuid, short_uuid};

/// A device seen advertising a health service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Discovered {
    /// The Bluetooth address, Hale's stable id for the device.
    pub id: String,
    pub name: String,
    pub device_type: DeviceType,
    /// Signal strength in dBm, when the adapter reported it.
    pub rssi: Option<i16>,
}

/// A paired device the service keeps connected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Watched {
    pub id: String,
    pub device_type: DeviceType,
    /// The newest stored record received (a glucose meter's sequence number, a CGM's time
    /// offset): only newer ones are downloaded.
    pub last_sequence: Option<u16>,
    /// The CGM session `last_sequence` belongs to; a sensor in another session is downloaded
    /// from its start.
    pub record_session: Option<String>,
}

/// Where a device's link stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state", content = "detail")]
pub enum Link {
    Connecting,
    /// Connected and subscribed to its measurements.
    Connected,
    /// Downloading a glucose meter's stored records.
    Downloading,
    Disconnected,
    /// The last attempt failed; the service tries again when the device is next seen.
    Failed(String),
}

/// What the screen hears about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "event")]
pub enum BleEvent {
    Discovered(Discovered),
    Link {
        device: String,
        link: Link,
    },
    /// A blood pressure monitor's cuff pressure while it inflates (shown live, never stored).
    CuffPressure {
        device: String,
        mmhg: f64,
    },
    /// A thermometer's value while it measures (shown live, never stored).
    IntermediateTemperature {
        device: String,
        value: f64,
        unit: TemperatureUnit,
    },
    /// A value that could not be decoded; the device stays connected.
    Malformed {
        device: String,
        characteristic: u16,
        error: String,
    },
    /// Bluetooth is unavailable (no adapter, powered off, no permission).
    Unavailable(NoBluetooth),
}

/// Why Bluetooth cannot be used, decided here from what the platform said, so that the screen
/// words it plainly and never shows the platform's own message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum NoBluetooth {
    /// The system's Bluetooth service is not there (on Linux, BlueZ on the system bus).
    #[error("no Bluetooth service")]
    NoService,
    /// The service runs, but the computer has no Bluetooth adapter.
    #[error("no Bluetooth adapter")]
    NoAdapter,
    /// The adapter is switched off.
    #[error("Bluetooth is switched off")]
    Off,
    /// The app is not allowed to use Bluetooth.
    #[error("Bluetooth permission refused")]
    NotAllowed,
    /// Anything else the platform refused.
    #[error("Bluetooth failed")]
    Failed,
}

impl NoBluetooth {
    /// The reason for a platform error met while opening the adapter or scanning.
    fn of(error: &btleplug::Error) -> Self {
        match error {
            btleplug::Error::PermissionDenied => Self::NotAllowed,
            other => Self::of_text(&other.to_string()),
        }
    }

    /// The reason in a platform message: BlueZ's error names and D-Bus's failures to connect,
    /// stable across their versions.
    fn of_text(text: &str) -> Self {
        let has = |needle: &str| text.contains(needle);
        if has("org.bluez.Error.NotReady") || has("Powered") {
            Self::Off
        } else if has("NotPermitted") || has("AccessDenied") {
            Self::NotAllowed
        } else if has("ServiceUnknown")
            || has("D-Bus")
            || has("DBus")
            || has("dbus")
            || has("socket")
            || has("No such file")
        {
            Self::NoService
        } else {
            Self::Failed
        }
    }
}

#[cfg(test)]
mod no_bluetooth_tests {
    use super::NoBluetooth;

    #[test]
    fn platform_messages_are_sorted_into_reasons_the_screen_can_word() {
        let cases = [
            ("Failed to connect to socket /run/dbus/system_bus_socket: No such file or directory", NoBluetooth::NoService),
            ("org.freedesktop.DBus.Error.ServiceUnknown: The name org.bluez was not provided", NoBluetooth::NoService),
            ("org.bluez.Error.NotReady: Resource Not Ready", NoBluetooth::Off),
            ("org.freedesktop.DBus.Error.AccessDenied: Rejected send message", NoBluetooth::NotAllowed),
            ("org.bluez.Error.NotPermitted", NoBluetooth::NotAllowed),
            ("something else entirely", NoBluetooth::Failed),
        ];
        for (text, reason) in cases {
            assert_eq!(NoBluetooth::of_text(text), reason, "{text}");
        }
    }
}

/// Measurements from one device, in the order they arrived, each with the time it was
/// received. Within a session these times strictly increase (by at least a millisecond), so a
/// reading keyed by its receipt time is never taken for another one received with it.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    pub device: String,
    pub measurements: Vec<(Measurement, DateTime<Utc>)>,
    /// The stored records received in full with this batch, to be stored in the same
    /// transaction as its readings. `None` while a download is still under way (a live record
    /// arriving meanwhile must not move it past records not yet received) or when it failed.
    pub progress: Option<RecordProgress>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BleError {
    #[error("Bluetooth is not available: {0}")]
    Unavailable(NoBluetooth),
    #[error("that device is not in range; scan again and keep it close")]
    NotFound,
    #[error("the device did not answer: {0}")]
    Connect(String),
    #[error("the Bluetooth service has stopped")]
    Stopped,
}

impl BleError {
    /// A stable name for logs, which never carry device addresses.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Unavailable(_) => "unavailable",
            Self::NotFound => "not-found",
            Self::Connect(_) => "connect",
            Self::Stopped => "stopped",
        }
    }
}

#[derive(Debug)]
enum Command {
    Scan(bool),
    Pair {
        id: String,
        device_type: DeviceType,
        reply: oneshot::Sender<Result<(), BleError>>,
    },
    Watch(Vec<Watched>),
    Forget(String),
    Links(oneshot::Sender<HashMap<String, Link>>),
    Check(oneshot::Sender<Option<NoBluetooth>>),
}

/// Talks to the running service. Cheap to clone.
#[derive(Debug, Clone)]
pub struct BleHandle {
    commands: mpsc::Sender<Command>,
    events: broadcast::Sender<BleEvent>,
}

/// How long a connection attempt (connect, discover, subscribe) may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(20);
/// How often watched devices that are known to the adapter but not connected are retried.
const RETRY_EVERY: Duration = Duration::from_secs(3);

impl BleHandle {
    pub fn events(&self) -> broadcast::Receiver<BleEvent> {
        self.events.subscribe()
    }

    /// Starts or stops showing devices as they advertise.
    pub async fn scan(&self, on: bool) -> Result<(), BleError> {
        self.commands
            .send(Command::Scan(on))
            .await
            .map_err(|_| BleError::Stopped)
    }

    /// Connects to a device seen while scanning and subscribes to its measurements; from then on
    /// it is watched. Answers once it is connected, or why not.
    pub async fn pair(&self, id: &str, device_type: DeviceType) -> Result<(), BleError> {
        let (reply, answer) = oneshot::channel();
        self.commands
            .send(Command::Pair {
                id: id.to_owned(),
                device_type,
                reply,
            })
            .await
            .map_err(|_| BleError::Stopped)?;
        answer.await.map_err(|_| BleError::Stopped)?
    }

    /// The paired devices to keep connected (replaces the list).
    pub async fn watch(&self, devices: Vec<Watched>) -> Result<(), BleError> {
        self.commands
            .send(Command::Watch(devices))
            .await
            .map_err(|_| BleError::Stopped)
    }

    /// Disconnects a device and stops watching it.
    pub async fn forget(&self, id: &str) -> Result<(), BleError> {
        self.commands
            .send(Command::Forget(id.to_owned()))
            .await
            .map_err(|_| BleError::Stopped)
    }

    /// Each watched device's link.
    /// Whether Bluetooth can be used now, looking afresh (for a screen that just opened).
    pub async fn check(&self) -> Result<Option<NoBluetooth>, BleError> {
        let (reply, answer) = oneshot::channel();
        self.commands
            .send(Command::Check(reply))
            .await
            .map_err(|_| BleError::Stopped)?;
        answer.await.map_err(|_| BleError::Stopped)
    }

    pub async fn links(&self) -> Result<HashMap<String, Link>, BleError> {
        let (reply, answer) = oneshot::channel();
        self.commands
            .send(Command::Links(reply))
            .await
            .map_err(|_| BleError::Stopped)?;
        answer.await.map_err(|_| BleError::Stopped)
    }
}

/// Starts the service on the current tokio runtime. Measurements arrive on the returned
/// receiver; the service stops when every handle is dropped.
pub fn start() -> (BleHandle, mpsc::Receiver<Batch>) {
    let (commands, command_rx) = mpsc::channel(32);
    let (events, _) = broadcast::channel(256);
    let (batches, batch_rx) = mpsc::channel(256);
    let service = Service {
        events: events.clone(),
        batches,
        adapter: None,
        no_bluetooth: None,
        scanning: false,
        user_scan: false,
        watched: HashMap::new(),
        links: HashMap::new(),
        sessions: HashMap::new(),
        pending_pairs: HashMap::new(),
    };
    tokio::spawn(service.run(command_rx));
    (BleHandle { commands, events }, batch_rx)
}

struct Service {
    events: broadcast::Sender<BleEvent>,
    batches: mpsc::Sender<Batch>,
    adapter: Option<Adapter>,
    /// Why the adapter could not be opened, the last time it was tried.
    no_bluetooth: Option<NoBluetooth>,
    /// The adapter is discovering (for the user, or to find watched devices).
    scanning: bool,
    user_scan: bool,
    watched: HashMap<String, Watched>,
    links: HashMap<String, Link>,
    /// A running session per connected (or connecting) device.
    sessions: HashMap<String, tokio::task::AbortHandle>,
    pending_pairs: HashMap<String, oneshot::Sender<Result<(), BleError>>>,
}

/// What a session task reports when it ends or reaches a milestone.
#[derive(Debug)]
pub(crate) enum SessionNews {
    Connected {
        device: String,
    },
    /// Stored records were received up to `last_sequence` (in `record_session`); `downloaded`
    /// when the download the session asked for at connection is complete.
    Progress {
        device: String,
        last_sequence: Option<u16>,
        record_session: Option<String>,
        downloaded: bool,
    },
}

impl Service {
    async fn run(mut self, mut commands: mpsc::Receiver<Command>) {
        let mut central_events = None;
        let mut tasks: JoinSet<(String, Result<(), BleError>)> = JoinSet::new();
        let (news_tx, mut news) = mpsc::channel::<SessionNews>(64);
        let mut retry = tokio::time::interval(RETRY_EVERY);
        loop {
            tokio::select! {
                command = commands.recv() => {
                    let Some(command) = command else { break };
                    if central_events.is_none() && self.needs_adapter(&command) {
                        central_events = self.open_adapter().await;
                    }
                    self.command(command, &mut tasks, &news_tx).await;
                }
                event = next_event(&mut central_events) => match event {
                    Some(event) => self.central(event, &mut tasks, &news_tx).await,
                    None => central_events = None,
                },
                Some(done) = tasks.join_next() => {
                    if let Ok((device, result)) = done {
                        self.session_ended(&device, result);
                    }
                }
                Some(n) = news.recv() => self.news(n),
                _ = retry.tick() => self.retry_watched(&mut tasks, &news_tx).await,
            }
        }
        tasks.abort_all();
    }

    fn needs_adapter(&self, command: &Command) -> bool {
        matches!(
            command,
            Command::Scan(true) | Command::Pair { .. } | Command::Check(_)
        ) || matches!(command, Command::Watch(w) if !w.is_empty())
    }

    fn emit(&self, event: BleEvent) {
        // No screen listening is fine: links are also kept for `links()`.
        let _ = self.events.send(event);
    }

    fn set_link(&mut self, device: &str, link: Link) {
        self.links.insert(device.to_owned(), link.clone());
        self.emit(BleEvent::Link {
            device: device.to_owned(),
            link,
        });
    }

    async fn open_adapter(
        &mut self,
    ) -> Option<futures_util::stream::BoxStream<'static, CentralEvent>> {
        let opened = async {
            let manager = Manager::new().await.map_err(|e| NoBluetooth::of(&e))?;
            let adapter = manager
                .adapters()
                .await
                .map_err(|e| NoBluetooth::of(&e))?
                .into_iter()
                .next()
                .ok_or(NoBluetooth::NoAdapter)?;
            let events = adapter.events().await.map_err(|e| NoBluetooth::of(&e))?;
            Ok::<_, NoBluetooth>((adapter, events))
        };
        match opened.await {
            Ok((adapter, events)) => {
                self.adapter = Some(adapter);
                self.no_bluetooth = None;
                Some(events)
            }
            Err(why) => {
                // Said once per reason: a screen reloads on it, and may ask again.
                if self.no_bluetooth.replace(why) != Some(why) {
                    tracing::warn!(%why, "Bluetooth unavailable");
                    self.emit(BleEvent::Unavailable(why));
                }
                None
            }
        }
    }

    /// Why Bluetooth cannot be used now, if it cannot: no adapter, or one switched off.
    async fn availability(&self) -> Option<NoBluetooth> {
        let Some(adapter) = &self.adapter else {
            return Some(self.no_bluetooth.unwrap_or(NoBluetooth::NoAdapter));
        };
        match adapter.adapter_state().await {
            Ok(btleplug::api::CentralState::PoweredOff) => Some(NoBluetooth::Off),
            // Unknown, or a platform that cannot say: scanning will tell.
            _ => None,
        }
    }

    /// Discovery runs while the user scans or any device is watched.
    async fn update_scan(&mut self) {
        let want = self.user_scan || !self.watched.is_empty();
        let Some(adapter) = &self.adapter else { return };
        if want && !self.scanning {
            let filter = ScanFilter {
                services: DeviceType::ALL
                    .iter()
                    .map(|t| full_uuid(t.service()))
                    .collect(),
            };
            match adapter.start_scan(filter).await {
                Ok(()) => self.scanning = true,
                Err(e) => self.emit(BleEvent::Unavailable(NoBluetooth::of(&e))),
            }
        } else if !want && self.scanning {
            let _ = adapter.stop_scan().await;
            self.scanning = false;
        }
    }

    async fn command(
        &mut self,
        command: Command,
        tasks: &mut JoinSet<(String, Result<(), BleError>)>,
        news: &mpsc::Sender<SessionNews>,
    ) {
        match command {
            Command::Scan(on) => {
                self.user_scan = on;
                self.update_scan().await;
                if on {
                    // Devices the adapter already knows are shown at once.
                    for d in self.known_health_devices().await {
                        self.emit(BleEvent::Discovered(d));
                    }
                }
            }
            Command::Pair {
                id,
                device_type,
                reply,
            } => {
                if self.adapter.is_none() {
                    let _ = reply.send(Err(BleError::Unavailable(NoBluetooth::NoAdapter)));
                    return;
                }
                let (last_sequence, record_session) = self
                    .watched
                    .get(&id)
                    .map(|w| (w.last_sequence, w.record_session.clone()))
                    .unwrap_or_default();
                self.watched.insert(
                    id.clone(),
                    Watched {
                        id: id.clone(),
                        device_type,
                        last_sequence,
                        record_session,
                    },
                );
                match self.peripheral(&id).await {
                    Some(p) => {
                        self.pending_pairs.insert(id.clone(), reply);
                        self.spawn_session(p, tasks, news);
                    }
                    None => {
                        self.watched.remove(&id);
                        let _ = reply.send(Err(BleError::NotFound));
                    }
                }
            }
            Command::Watch(devices) => {
                let keep: HashMap<String, Watched> =
                    devices.into_iter().map(|w| (w.id.clone(), w)).collect();
                for gone in self
                    .watched
                    .keys()
                    .filter(|id| !keep.contains_key(*id))
                    .cloned()
                    .collect::<Vec<_>>()
                {
                    self.stop_session(&gone).await;
                }
                // Keep progress learnt this run if it is ahead of the caller's copy.
                let mut merged = keep;
                for (id, w) in merged.iter_mut() {
                    if let Some(old) = self.watched.get(id) {
                        if old.record_session == w.record_session {
                            w.last_sequence = w.last_sequence.max(old.last_sequence);
                        } else if old.last_sequence.is_some() {
                            // Learnt from the device this run: a newer session than stored.
                            w.last_sequence = old.last_sequence;
                            w.record_session = old.record_session.clone();
                        }
                    }
                }
                self.watched = merged;
                self.update_scan().await;
                self.retry_watched(tasks, news).await;
            }
            Command::Forget(id) => {
                self.watched.remove(&id);
                self.stop_session(&id).await;
                self.links.remove(&id);
                self.update_scan().await;
            }
            Command::Links(reply) => {
                let _ = reply.send(self.links.clone());
            }
            Command::Check(reply) => {
                let _ = reply.send(self.availability().await);
            }
        }
    }

    async fn stop_session(&mut self, id: &str) {
        if let Some(task) = self.sessions.remove(id) {
            task.abort();
        }
        if let Some(p) = self.peripheral(id).await {
            let _ = p.disconnect().await;
        }
        self.set_link(id, Link::Disconnected);
    }

    async fn peripheral(&self, id: &str) -> Option<Peripheral> {
        let adapter = self.adapter.as_ref()?;
        adapter
            .peripherals()
            .await
            .ok()?
            .into_iter()
            .find(|p| p.address().to_string() == id)
    }

    async fn known_health_devices(&self) -> Vec<Discovered> {
        let Some(adapter) = &self.adapter else {
            return Vec::new();
        };
        let mut found = Vec::new();
        for p in adapter.peripherals().await.unwrap_or_default() {
            if let Some(d) = describe(&p).await {
                found.push(d);
            }
        }
        found
    }

    fn spawn_session(
        &mut self,
        peripheral: Peripheral,
        tasks: &mut JoinSet<(String, Result<(), BleError>)>,
        news: &mpsc::Sender<SessionNews>,
    ) {
        let id = peripheral.address().to_string();
        let Some(watched) = self.watched.get(&id).cloned() else {
            return;
        };
        if self.sessions.contains_key(&id) {
            return;
        }
        self.set_link(&id, Link::Connecting);
        let session = session::Session {
            peripheral,
            watched,
            events: self.events.clone(),
            batches: self.batches.clone(),
            news: news.clone(),
        };
        let device = id.clone();
        let handle = tasks.spawn(async move { (device, session.run().await) });
        self.sessions.insert(id, handle);
    }

    async fn central(
        &mut self,
        event: CentralEvent,
        tasks: &mut JoinSet<(String, Result<(), BleError>)>,
        news: &mpsc::Sender<SessionNews>,
    ) {
        let Some(adapter) = self.adapter.clone() else {
            return;
        };
        match event {
            CentralEvent::DeviceDiscovered(id) | CentralEvent::DeviceUpdated(id) => {
                let Ok(p) = adapter.peripheral(&id).await else {
                    return;
                };
                let address = p.address().to_string();
                if self.user_scan {
                    if let Some(d) = describe(&p).await {
                        self.emit(BleEvent::Discovered(d));
                    }
                }
                if self.watched.contains_key(&address) && !self.sessions.contains_key(&address) {
                    self.spawn_session(p, tasks, news);
                }
            }
            CentralEvent::DeviceDisconnected(id) => {
                let Ok(p) = adapter.peripheral(&id).await else {
                    return;
                };
                let address = p.address().to_string();
                // The session is not aborted: it notices within a second, hands on what it
                // holds (a glucose record waiting for its context among them) and ends.
                if self.sessions.contains_key(&address) {
                    self.set_link(&address, Link::Disconnected);
                }
            }
            _ => {}
        }
    }

    fn session_ended(&mut self, device: &str, result: Result<(), BleError>) {
        self.sessions.remove(device);
        if let Some(reply) = self.pending_pairs.remove(device) {
            let why = match &result {
                Ok(()) => BleError::Connect("the device disconnected".into()),
                Err(e) => e.clone(),
            };
            let _ = reply.send(Err(why));
        }
        match result {
            Ok(()) => self.set_link(device, Link::Disconnected),
            Err(e) => {
                // The error's text can carry the device's address (in BlueZ object paths).
                tracing::info!(kind = e.kind(), "device session ended");
                self.set_link(device, Link::Failed(e.to_string()));
            }
        }
    }

    fn news(&mut self, news: SessionNews) {
        // News from a session stopped since (a device forgotten meanwhile) changes nothing.
        let device = match &news {
            SessionNews::Connected { device } | SessionNews::Progress { device, .. } => device,
        };
        if !self.sessions.contains_key(device) {
            return;
        }
        match news {
            SessionNews::Connected { device } => {
                if let Some(reply) = self.pending_pairs.remove(&device) {
                    let _ = reply.send(Ok(()));
                }
                self.set_link(&device, Link::Connected);
            }
            SessionNews::Progress {
                device,
                last_sequence,
                record_session,
                downloaded,
            } => {
                if let Some(w) = self.watched.get_mut(&device) {
                    if w.record_session == record_session {
                        w.last_sequence = w.last_sequence.max(last_sequence);
                    } else if last_sequence.is_some() {
                        w.last_sequence = last_sequence;
                        w.record_session = record_session;
                    }
                }
                if downloaded {
                    self.set_link(&device, Link::Connected);
                }
            }
        }
    }

    /// Connects watched devices the adapter knows but that have no session. A device out of
    /// range fails to connect and is tried again on the next tick or when it advertises.
    async fn retry_watched(
        &mut self,
        tasks: &mut JoinSet<(String, Result<(), BleError>)>,
        news: &mpsc::Sender<SessionNews>,
    ) {
        let Some(adapter) = self.adapter.clone() else {
            return;
        };
        let idle: Vec<String> = self
            .watched
            .keys()
            .filter(|id| !self.sessions.contains_key(*id))
            .cloned()
            .collect();
        if idle.is_empty() {
            return;
        }
        for p in adapter.peripherals().await.unwrap_or_default() {
            let address = p.address().to_string();
            // Only devices currently advertising (an RSSI) are worth a connection attempt.
            let in_range = matches!(p.properties().await, Ok(Some(props)) if props.rssi.is_some());
            if idle.contains(&address) && in_range {
                self.spawn_session(p, tasks, news);
            }
        }
    }
}

async fn next_event(
    events: &mut Option<futures_util::stream::BoxStream<'static, CentralEvent>>,
) -> Option<CentralEvent> {
    match events {
        Some(stream) => stream.next().await,
        None => std::future::pending().await,
    }
}

/// A peripheral as the scan list shows it, if it advertises a health service Hale reads.
async fn describe(p: &Peripheral) -> Option<Discovered> {
    let props = p.properties().await.ok()??;
    let device_type = props
        .services
        .iter()
        .find_map(|u| short_uuid(u).and_then(DeviceType::from_service))?;
    let name = props
        .local_name
        .or(props.advertisement_name)
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| device_type.label().to_owned());
    Some(Discovered {
        id: p.address().to_string(),
        name,
        device_type,
        rssi: props.rssi,
    })
}
