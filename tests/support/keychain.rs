//! A real Secret Service keychain (GNOME Keyring) on a private session bus, for journeys where
//! the app keeps its sign-in between starts.
//!
//! `gnome-keyring-daemon` runs with only its secrets component, its files in the bus's temporary
//! directory, and its login keyring created and unlocked with a test password at start, as a
//! desktop session's login would. The app reaches it through `DBUS_SESSION_BUS_ADDRESS`, exactly
//! as on a desktop; the developer's own keychain is never touched.

use std::io::Write;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::bus::PrivateBus;

#[derive(Debug)]
pub struct KeychainBus {
    daemon: Child,
    bus: PrivateBus,
}

impl KeychainBus {
    pub async fn start() -> Self {
        let bus = PrivateBus::start();
        let data = bus.dir().join("keyring-data");
        let runtime = bus.dir().join("keyring-run");
        std::fs::create_dir_all(&data).expect("keyring data dir");
        std::fs::create_dir_all(&runtime).expect("keyring runtime dir");
        let mut daemon = Command::new("gnome-keyring-daemon")
            .args(["--foreground", "--components=secrets", "--unlock"])
            .env("DBUS_SESSION_BUS_ADDRESS", bus.address())
            .env("XDG_DATA_HOME", &data)
            .env("XDG_RUNTIME_DIR", &runtime)
            .env("HOME", bus.dir())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("gnome-keyring-daemon starts (apt package `gnome-keyring`; scripts/setup.sh)");
        // The login password on stdin, then end of input, as a session login hands it over.
        let mut stdin = daemon.stdin.take().expect("daemon stdin");
        stdin
            .write_all(b"hale-test-login")
            .expect("unlock password");
        drop(stdin);
        let this = Self { daemon, bus };
        this.wait_for_service().await;
        this
    }

    /// The value for `DBUS_SESSION_BUS_ADDRESS`.
    pub fn address(&self) -> &str {
        self.bus.address()
    }

    /// Waits until `org.freedesktop.secrets` is owned on the bus.
    async fn wait_for_service(&self) {
        let connection = zbus::connection::Builder::address(self.address())
            .expect("bus address")
            .build()
            .await
            .expect("connect to the private bus");
        let dbus = zbus::fdo::DBusProxy::new(&connection)
            .await
            .expect("bus proxy");
        let name = zbus::names::BusName::try_from("org.freedesktop.secrets").expect("name");
        let started = Instant::now();
        while !dbus.name_has_owner(name.clone()).await.unwrap_or(false) {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "GNOME Keyring did not appear on the private bus"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for KeychainBus {
    fn drop(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}
