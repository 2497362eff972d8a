//! A private D-Bus session bus on a socket in a temporary directory, for the services a journey
//! provides (notifications, a keychain).
//!
//! Its configuration has no service directories, so nothing is started on demand: a journey gets
//! exactly the services it started itself, whatever is installed on the machine (with GNOME
//! Keyring installed, a stock session bus would start one for any app that asks).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

#[derive(Debug)]
pub struct PrivateBus {
    address: String,
    daemon: Child,
    dir: tempfile::TempDir,
}

impl PrivateBus {
    pub fn start() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let socket = dir.path().join("bus");
        let config = dir.path().join("bus.conf");
        std::fs::write(
            &config,
            format!(
                r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#,
                socket.display()
            ),
        )
        .expect("write the bus configuration");
        let mut daemon = Command::new("dbus-daemon")
            .arg(format!("--config-file={}", config.display()))
            .args(["--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            // It complains it may not raise its fd limit as an unprivileged user; harmless.
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-daemon starts (apt package `dbus`; scripts/setup.sh installs it)");
        let mut line = String::new();
        BufReader::new(daemon.stdout.take().expect("daemon stdout"))
            .read_line(&mut line)
            .expect("dbus-daemon prints its address");
        Self {
            address: line.trim().to_owned(),
            daemon,
            dir,
        }
    }

    /// The value for `DBUS_SESSION_BUS_ADDRESS`.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// A directory that lives as long as the bus, for its services' files.
    pub fn dir(&self) -> &std::path::Path {
        self.dir.path()
    }
}

impl Drop for PrivateBus {
    fn drop(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}
