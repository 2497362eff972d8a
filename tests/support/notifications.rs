//! A real `org.freedesktop.Notifications` service on a private session bus, for journeys that
//! check what the app notifies.
//!
//! A private `dbus-daemon` ([`PrivateBus`]) is started on a socket in a temporary directory; this process serves
//! the notification interface on it (zbus) and records every `Notify` call. The app under test is
//! given the bus through `DBUS_SESSION_BUS_ADDRESS` and sends through tauri-plugin-notification
//! exactly as on a desktop. Nothing of the developer's own session is touched.
//!
//! Like a desktop's server it can show buttons (`actions` in `GetCapabilities`) and report a
//! press with the `ActionInvoked` signal ([`NotificationBus::invoke`]), or, started
//! [`NotificationBus::start_without_actions`], offer neither, as some servers do.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use zbus::zvariant::OwnedValue;

use crate::bus::PrivateBus;

/// One notification as the service received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// The id the server gave it.
    pub id: u32,
    pub app_name: String,
    pub summary: String,
    pub body: String,
    /// Its buttons, as (key, label) pairs; `default` is a click on the notification itself.
    pub actions: Vec<(String, String)>,
}

impl Received {
    /// The labels of its buttons, without the click on the notification itself.
    pub fn buttons(&self) -> Vec<&str> {
        self.actions
            .iter()
            .filter(|(key, _)| key != "default")
            .map(|(_, label)| label.as_str())
            .collect()
    }
}

#[derive(Debug, Default, Clone)]
struct Service {
    received: Arc<Mutex<Vec<Received>>>,
    without_actions: bool,
}

#[zbus::interface(name = "org.freedesktop.Notifications")]
impl Service {
    #[allow(clippy::too_many_arguments)]
    fn notify(
        &self,
        app_name: String,
        _replaces_id: u32,
        _app_icon: String,
        summary: String,
        body: String,
        actions: Vec<String>,
        _hints: HashMap<String, OwnedValue>,
        _expire_timeout: i32,
    ) -> u32 {
        let mut received = self.received.lock().expect("lock");
        let id = u32::try_from(received.len() + 1).unwrap_or(u32::MAX);
        received.push(Received {
            id,
            app_name,
            summary,
            body,
            actions: actions
                .chunks(2)
                .map(|pair| (pair[0].clone(), pair.get(1).cloned().unwrap_or_default()))
                .collect(),
        });
        id
    }

    fn get_capabilities(&self) -> Vec<String> {
        if self.without_actions {
            vec!["body".into()]
        } else {
            vec!["body".into(), "actions".into()]
        }
    }

    fn get_server_information(&self) -> (String, String, String, String) {
        ("hale-test".into(), "Hale".into(), "1".into(), "1.2".into())
    }

    fn close_notification(&self, _id: u32) {}
}

/// A private session bus with the notification service on it. Dropping it stops the bus.
#[derive(Debug)]
pub struct NotificationBus {
    service: Service,
    connection: zbus::Connection,
    bus: PrivateBus,
}

impl NotificationBus {
    /// A server that shows buttons.
    pub async fn start() -> Self {
        Self::start_with(false).await
    }

    /// A server without the `actions` capability.
    pub async fn start_without_actions() -> Self {
        Self::start_with(true).await
    }

    async fn start_with(without_actions: bool) -> Self {
        let bus = PrivateBus::start();
        let service = Service {
            without_actions,
            ..Service::default()
        };
        let connection = zbus::connection::Builder::address(bus.address())
            .expect("bus address")
            .serve_at("/org/freedesktop/Notifications", service.clone())
            .expect("serve the interface")
            .name("org.freedesktop.Notifications")
            .expect("well-known name")
            .build()
            .await
            .expect("connect to the private bus");
        Self {
            service,
            connection,
            bus,
        }
    }

    /// Presses the button `key` of notification `id` and leaves it shown, as a server that
    /// keeps notifications (or a second click before it closes) does.
    pub async fn invoke_keeping(&self, id: u32, key: &str) {
        self.connection
            .emit_signal(
                None::<()>,
                "/org/freedesktop/Notifications",
                "org.freedesktop.Notifications",
                "ActionInvoked",
                &(id, key),
            )
            .await
            .expect("emit ActionInvoked");
    }

    /// Presses the button `key` of notification `id` (`default`: a click on the notification),
    /// as the patient would, then closes it, as servers do after an action.
    pub async fn invoke(&self, id: u32, key: &str) {
        let (path, interface) = (
            "/org/freedesktop/Notifications",
            "org.freedesktop.Notifications",
        );
        self.connection
            .emit_signal(None::<()>, path, interface, "ActionInvoked", &(id, key))
            .await
            .expect("emit ActionInvoked");
        // Reason 2: dismissed by the user.
        self.connection
            .emit_signal(
                None::<()>,
                path,
                interface,
                "NotificationClosed",
                &(id, 2u32),
            )
            .await
            .expect("emit NotificationClosed");
    }

    /// The value for `DBUS_SESSION_BUS_ADDRESS`.
    pub fn address(&self) -> &str {
        self.bus.address()
    }

    /// Everything received so far.
    pub fn received(&self) -> Vec<Received> {
        self.service.received.lock().expect("lock").clone()
    }

    /// What has arrived with this summary (a journey follows its own kind: the demo patient's
    /// medicines remind of doses at any time of day).
    pub fn received_as(&self, summary: &str) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|r| r.summary == summary)
            .collect()
    }

    /// Waits up to `timeout` until at least `count` notifications with `summary` have arrived.
    pub async fn wait_for_summary(
        &self,
        summary: &str,
        count: usize,
        timeout: Duration,
    ) -> Vec<Received> {
        let started = Instant::now();
        loop {
            let received = self.received_as(summary);
            if received.len() >= count {
                return received;
            }
            assert!(
                started.elapsed() < timeout,
                "{} of {count} '{summary}' notifications after {timeout:?}: {:?}",
                received.len(),
                self.received()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits up to `timeout` until at least `count` notifications have arrived.
    pub async fn wait_for(&self, count: usize, timeout: Duration) -> Vec<Received> {
        let started = Instant::now();
        loop {
            let received = self.received();
            if received.len() >= count {
                return received;
            }
            assert!(
                started.elapsed() < timeout,
                "{} of {count} notifications after {timeout:?}: {received:?}",
                received.len()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}
