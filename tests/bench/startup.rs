//! Cold start and idle memory of the release app, in its real webview under Xvfb.
//!
//! A returning patient: the first start signs in (GNOME Keyring on a private bus keeps the
//! sign-in, as a desktop's keychain does); then the app is started `N` times (default 10), each
//! a new process with the embedded demo hospital starting inside it, and timed from the app
//! process's start (its start time in `/proc`) to the home screen showing the patient's
//! appointments, polled through WebDriver every 5 ms. After the last start the app idles 10 s
//! and the memory of its whole process tree (the app, WebKit's web and network processes) is
//! summed: PSS (shared pages split between the processes sharing them) and RSS. Then the window
//! is closed as a patient closes it (Hale stays in the tray) and, 10 s later, the same is
//! measured again, naming the processes left.
//!
//! "Cold" is a new process, not a cold disk cache: the binary and libraries are in the page
//! cache after the first start, as on a machine where the app has run before.
//!
//! Run: `xvfb-run -a -s "-screen 0 1280x800x24" cargo bench --features hale-app/custom-protocol
//! --workspace --exclude hale-ui --bench startup [-- N]` after `./scripts/build.sh`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use fantoccini::Locator;
use hale_e2e::keychain::KeychainBus;
use hale_e2e::{app_binary, launch, launch_signed_in};

/// The home screen is interactive when the patient's appointments are on it.
const HOME: &str = "[data-testid=today-appointment]";

#[tokio::main]
async fn main() {
    let runs: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(10);
    let data = tempfile::tempdir().expect("temp dir");
    let keychain = KeychainBus::start().await;
    // A panel showing the tray icon, so that closing the window leaves Hale running.
    let _tray = hale_e2e::tray::TrayBus::start_on(keychain.address()).await;
    let env = [("DBUS_SESSION_BUS_ADDRESS", keychain.address())];
    let app_path = std::fs::canonicalize(app_binary()).expect("the release app");

    let first = launch_signed_in(data.path(), &env).await;
    first.wait_for_all(HOME, 1, Duration::from_secs(60)).await;
    first.close().await;

    let mut starts = Vec::with_capacity(runs);
    let mut memory = None;
    let mut closed = None;
    for run in 0..runs {
        let app = launch(data.path(), &env).await;
        let pid = app_pid(&app_path).expect("the app's process");
        loop {
            let found = app
                .client
                .find_all(Locator::Css(HOME))
                .await
                .unwrap_or_default();
            if !found.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let shown = uptime();
        let started = process_start(pid);
        starts.push(shown - started);
        eprintln!(
            "start {}: {:.0} ms",
            run + 1,
            (shown - started).as_secs_f64() * 1e3
        );
        if run + 1 == runs {
            tokio::time::sleep(Duration::from_secs(10)).await;
            memory = Some(tree_memory(pid));
            hale_e2e::window::close_like_the_patient("Hale", Duration::from_secs(10));
            tokio::time::sleep(Duration::from_secs(10)).await;
            closed = Some((tree_memory(pid), tree_names(pid)));
        }
        app.close().await;
    }

    starts.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    eprintln!(
        "cold start to the home screen with appointments, {runs} starts: median {:.0} ms, \
         min {:.0} ms, max {:.0} ms",
        ms(starts[starts.len() / 2]),
        ms(starts[0]),
        ms(starts[starts.len() - 1])
    );
    if let Some((processes, pss, rss)) = memory {
        eprintln!(
            "idle memory after 10 s on the home screen, {processes} processes: PSS {:.1} MiB, \
             RSS {:.1} MiB",
            pss as f64 / 1024.0,
            rss as f64 / 1024.0
        );
    }
    if let Some(((processes, pss, rss), names)) = closed {
        eprintln!(
            "with the window closed for 10 s, {processes} processes ({}): PSS {:.1} MiB, \
             RSS {:.1} MiB",
            names.join(", "),
            pss as f64 / 1024.0,
            rss as f64 / 1024.0
        );
    }
}

/// The names of `root` and its descendants.
fn tree_names(root: u32) -> Vec<String> {
    tree(root)
        .into_iter()
        .map(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .map(|c| c.trim().to_owned())
                .unwrap_or_default()
        })
        .collect()
}

/// The newest process running the app's binary.
fn app_pid(app: &Path) -> Option<u32> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let newest = processes()
            .filter(|pid| {
                std::fs::read_link(format!("/proc/{pid}/exe")).is_ok_and(|exe| exe == app)
            })
            .max_by_key(|pid| process_start(*pid));
        if newest.is_some() || Instant::now() > deadline {
            return newest;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn processes() -> impl Iterator<Item = u32> {
    std::fs::read_dir("/proc")
        .expect("/proc")
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
}

/// `/proc/PID/stat` fields after the command name (which may hold spaces).
fn stat_fields(pid: u32) -> Vec<String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    stat.rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default()
}

/// When the process started, as time since boot (clock ticks: 10 ms).
fn process_start(pid: u32) -> Duration {
    // Field 22 of stat is `starttime`; after the command name it is the 20th.
    let ticks: u64 = stat_fields(pid)
        .get(19)
        .and_then(|t| t.parse().ok())
        .unwrap_or(0);
    Duration::from_millis(ticks * 1000 / clock_ticks())
}

fn clock_ticks() -> u64 {
    // USER_HZ is 100 on every Linux this runs on; `getconf CLK_TCK` says so.
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok()?.trim().parse().ok())
        .unwrap_or(100)
}

/// Time since boot, on the clock process start times use.
fn uptime() -> Duration {
    let text = std::fs::read_to_string("/proc/uptime").expect("/proc/uptime");
    let secs: f64 = text
        .split_whitespace()
        .next()
        .and_then(|s| s.parse().ok())
        .expect("uptime");
    Duration::from_secs_f64(secs)
}

/// `root` and every process descended from it.
fn tree(root: u32) -> Vec<u32> {
    let parents: Vec<(u32, u32)> = processes()
        .filter_map(|pid| Some((pid, stat_fields(pid).get(1)?.parse().ok()?)))
        .collect();
    let mut tree = vec![root];
    let mut i = 0;
    while i < tree.len() {
        let parent = tree[i];
        tree.extend(
            parents
                .iter()
                .filter(|(_, p)| *p == parent)
                .map(|(c, _)| *c),
        );
        i += 1;
    }
    tree
}

/// (processes, PSS KiB, RSS KiB) of `root` and every process descended from it.
fn tree_memory(root: u32) -> (usize, u64, u64) {
    let tree = tree(root);
    let (mut pss, mut rss) = (0, 0);
    for pid in &tree {
        let rollup = std::fs::read_to_string(PathBuf::from(format!("/proc/{pid}/smaps_rollup")))
            .unwrap_or_default();
        for line in rollup.lines() {
            let kib = |l: &str| -> u64 {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0)
            };
            if line.starts_with("Pss:") {
                pss += kib(line);
            } else if line.starts_with("Rss:") {
                rss += kib(line);
            }
        }
    }
    (tree.len(), pss, rss)
}
