//! A system tray on a private session bus, for journeys that read the app's tray menu as a
//! desktop's panel does.
//!
//! On Linux the app's tray icon is a StatusNotifierItem (libayatana-appindicator): it registers
//! with the `org.kde.StatusNotifierWatcher` it finds on the session bus, and exports its menu
//! with the `com.canonical.dbusmenu` interface. This serves the watcher, records who registered,
//! and reads the menu's labels through dbusmenu's `GetLayout`, exactly what a panel shows.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use zbus::message::Header;
use zbus::zvariant::{OwnedObjectPath, OwnedValue, Value};

use crate::bus::PrivateBus;

/// One registered item: the bus name of its connection and its object path.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Item {
    sender: String,
    path: String,
}

#[derive(Debug, Default, Clone)]
struct Watcher {
    items: Arc<Mutex<Vec<Item>>>,
}

#[zbus::interface(name = "org.kde.StatusNotifierWatcher")]
impl Watcher {
    fn register_status_notifier_item(&self, service: String, #[zbus(header)] header: Header<'_>) {
        let sender = header.sender().map(|s| s.to_string()).unwrap_or_default();
        // The argument is an object path (appindicator) or a bus name (others, at the
        // conventional path).
        let (sender, path) = if service.starts_with('/') {
            (sender, service)
        } else {
            (service, "/StatusNotifierItem".to_owned())
        };
        self.items.lock().expect("lock").push(Item { sender, path });
    }

    fn register_status_notifier_host(&self, _service: String) {}

    #[zbus(property)]
    fn registered_status_notifier_items(&self) -> Vec<String> {
        self.items
            .lock()
            .expect("lock")
            .iter()
            .map(|i| format!("{}{}", i.sender, i.path))
            .collect()
    }

    #[zbus(property)]
    fn is_status_notifier_host_registered(&self) -> bool {
        true
    }

    #[zbus(property)]
    fn protocol_version(&self) -> i32 {
        0
    }
}

/// A session bus with a StatusNotifierWatcher on it. Dropping it stops the bus.
#[derive(Debug)]
pub struct TrayBus {
    watcher: Watcher,
    connection: zbus::Connection,
    /// The bus, when this started its own.
    bus: Option<PrivateBus>,
    address: String,
}

impl TrayBus {
    /// A tray on a bus of its own.
    pub async fn start() -> Self {
        let bus = PrivateBus::start();
        let address = bus.address().to_owned();
        let mut tray = Self::start_on(&address).await;
        tray.bus = Some(bus);
        tray
    }

    /// A tray on a bus another service started (e.g. the notification service's).
    pub async fn start_on(address: &str) -> Self {
        let watcher = Watcher::default();
        let connection = zbus::connection::Builder::address(address)
            .expect("bus address")
            .serve_at("/StatusNotifierWatcher", watcher.clone())
            .expect("serve the watcher")
            .name("org.kde.StatusNotifierWatcher")
            .expect("well-known name")
            .build()
            .await
            .expect("connect to the private bus");
        Self {
            watcher,
            connection,
            bus: None,
            address: address.to_owned(),
        }
    }

    /// The value for `DBUS_SESSION_BUS_ADDRESS`.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// The labels of the registered item's menu, top level, in order (separators left out),
    /// waiting up to `timeout` for an item to register.
    pub async fn menu_labels(&self, timeout: Duration) -> Vec<String> {
        self.menu(timeout)
            .await
            .into_iter()
            .map(|(_, l)| l)
            .collect()
    }

    /// Clicks the menu entry labelled `label`, as a panel does (dbusmenu `Event` "clicked").
    pub async fn click(&self, label: &str, timeout: Duration) {
        let entries = self.menu(timeout).await;
        let (id, _) = entries
            .iter()
            .find(|(_, l)| l == label)
            .unwrap_or_else(|| panic!("no {label:?} in the tray menu: {entries:?}"));
        let (item, menu) = self.item_and_menu(timeout).await;
        let data = Value::from(0i32);
        self.connection
            .call_method(
                Some(item.sender.as_str()),
                menu.as_str(),
                Some("com.canonical.dbusmenu"),
                "Event",
                &(*id, "clicked", data, 0u32),
            )
            .await
            .expect("click the menu entry");
    }

    async fn item_and_menu(&self, timeout: Duration) -> (Item, OwnedObjectPath) {
        let started = Instant::now();
        let item = loop {
            if let Some(item) = self.watcher.items.lock().expect("lock").first().cloned() {
                break item;
            }
            assert!(
                started.elapsed() < timeout,
                "no tray icon registered within {timeout:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        let properties = zbus::fdo::PropertiesProxy::builder(&self.connection)
            .destination(item.sender.as_str())
            .expect("the item's bus name")
            .path(item.path.as_str())
            .expect("the item's path")
            .build()
            .await
            .expect("a properties proxy");
        let menu: OwnedObjectPath = properties
            .get(
                zbus::names::InterfaceName::from_static_str_unchecked("org.kde.StatusNotifierItem"),
                "Menu",
            )
            .await
            .expect("the item's Menu property")
            .try_into()
            .expect("an object path");
        (item, menu)
    }

    /// (id, label) of each top-level entry but separators.
    async fn menu(&self, timeout: Duration) -> Vec<(i32, String)> {
        let (item, menu) = self.item_and_menu(timeout).await;
        let reply = self
            .connection
            .call_method(
                Some(item.sender.as_str()),
                menu.as_str(),
                Some("com.canonical.dbusmenu"),
                "GetLayout",
                &(0i32, -1i32, Vec::<String>::new()),
            )
            .await
            .expect("the menu's layout");
        type Layout = (i32, HashMap<String, OwnedValue>, Vec<OwnedValue>);
        let (_revision, (_, _, children)): (u32, Layout) =
            reply.body().deserialize().expect("(u(ia{sv}av))");
        children.iter().filter_map(|c| label_of(c)).collect()
    }
}

/// The id and label of one dbusmenu item `(ia{sv}av)`, wrapped in a variant; `None` for a
/// separator.
fn label_of(child: &Value<'_>) -> Option<(i32, String)> {
    let item = match child {
        Value::Structure(item) => item,
        Value::Value(inner) => match inner.as_ref() {
            Value::Structure(item) => item,
            _ => return None,
        },
        _ => return None,
    };
    let id = match item.fields().first()? {
        Value::I32(id) => *id,
        _ => return None,
    };
    let props: HashMap<String, OwnedValue> =
        item.fields().get(1)?.try_clone().ok()?.try_into().ok()?;
    if props
        .get("type")
        .and_then(|t| String::try_from(t.try_clone().ok()?).ok())
        .as_deref()
        == Some("separator")
    {
        return None;
    }
    // Labels may carry a mnemonic underscore, which a panel does not show.
    props
        .get("label")
        .and_then(|l| String::try_from(l.try_clone().ok()?).ok())
        .map(|l| (id, l.replace('_', "")))
}
