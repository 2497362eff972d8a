//! Start-up and idle memory of the release app, in its real webview under Xvfb, beside the
//! floor: a minimal Tauri 2 app (`crates/hale-floor`: one line of text through the same custom
//! protocol, the same Tauri, wry and WebKitGTK) measured in the same run. The machine is shared
//! and noisy, so the goals are ratios to that floor as well as absolute figures.
//!
//! A returning patient: the first start signs in (GNOME Keyring on a private bus keeps the
//! sign-in, as a desktop's keychain does). Then Hale and the floor are started `N` times each
//! (default 10), alternately, each a new process (Hale with its embedded demo hospital inside),
//! and timed from the process's start (its start time in `/proc`) to:
//! - **first paint**: the page's `first-contentful-paint`;
//! - **home**: Hale's `hale:home` mark, set when the home screen shows the next appointment, or
//!   the first paint if that comes later, since nothing is seen before it (the floor's home is its
//!   first paint);
//! - Hale's steps on the way (`ui/src/marks.rs`): the UI's code runs, the sign-in check is
//!   answered, the home screen's data is in the page; and after home, when every other part of
//!   the home screen (doses, parking, readings, the start-at-login offer) is drawn with its first
//!   answer. They show where the time goes, and that nothing is only moved later.
//!
//! The page's marks are read every 50 ms, and their times come from the page's own clock, so the
//! reading does not slow what it measures. `N / 2` more starts of Hale poll the page for the
//! appointment card every 5 ms through WebDriver, as this bench did before the marks, to show
//! what such polling costs.
//!
//! After the last start of each, the app idles 10 s and the memory of its whole process tree
//! (the app, WebKit's web and network processes) is summed: PSS (shared pages split between the
//! processes sharing them), USS (pages no other process has) and RSS. Then Hale's window is
//! closed as a patient closes it (Hale stays in the tray) and, 10 s later, the same is measured
//! again, naming the processes left, each with its PSS split by what backs it (anonymous
//! memory, mapped files) and the mapped files holding the most: what is left to cut.
//!
//! "Cold" is a new process, not a cold disk cache: the binaries and libraries are in the page
//! cache after the first start, as on a machine where the app has run before.
//!
//! Run: `xvfb-run -a -s "-screen 0 1280x800x24" cargo bench --features hale-app/custom-protocol
//! --workspace --exclude hale-ui --bench startup [-- N]` after `./scripts/build.sh`. For the
//! shipped build, `HALE_APP_BIN="$PWD/target/dist/hale-app"` with `hale-floor` (built with
//! `--profile dist`) and `hale-test-browser` beside it.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant, SystemTime};

use fantoccini::Locator;
use hale_e2e::keychain::KeychainBus;
use hale_e2e::{app_binary, launch_binary, launch_signed_in, RunningApp};

/// The home screen is interactive when the patient's next appointment is on it.
const HOME: &str = "[data-testid=today-appointment]";
// Hale's User Timing marks (`ui/src/marks.rs`); the last is the same moment as `HOME`.
const UI_MARK: &str = "hale:ui";
const SESSION_MARK: &str = "hale:session";
const HOME_DATA_MARK: &str = "hale:home-data";
const HOME_MARK: &str = "hale:home";
const TODAY_MARK: &str = "hale:today";

/// The goals of the performance issue.
const HOME_GOAL_MS: f64 = 400.0;
const HOME_OVER_FLOOR_GOAL_MS: f64 = 150.0;
const IDLE_OVER_FLOOR_GOAL_MIB: f64 = 60.0;
const CLOSED_GOAL_MB: f64 = 40.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum App {
    Hale,
    Floor,
}

/// How a start's end is found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Watch {
    /// Read the page's marks every 50 ms.
    Marks,
    /// Look for the appointment card every 5 ms through WebDriver.
    PollPage,
}

/// One start, in milliseconds from the process's start.
#[derive(Debug, Clone, Copy)]
struct Start {
    /// The page's navigation began (the web process runs and asks for the page).
    page: f64,
    /// The UI's code began (Hale's `hale:ui` mark: the page, its script and wasm are loaded).
    ui: Option<f64>,
    /// The shell answered the sign-in check (`hale:session`).
    session: Option<f64>,
    /// The home screen's data arrived in the page, decoded (`hale:home-data`).
    home_data: Option<f64>,
    first_paint: f64,
    home: f64,
    /// Every part of the home screen was drawn with its first answer (`hale:today`).
    today: Option<f64>,
    /// With [`Watch::PollPage`], when the poll saw the card.
    polled: Option<f64>,
}

/// The memory of a process tree, in KiB.
#[derive(Debug, Clone, Copy, Default)]
struct Memory {
    processes: usize,
    pss: u64,
    uss: u64,
    rss: u64,
}

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
    let hale = std::fs::canonicalize(app_binary()).expect("the release app");
    let floor = std::fs::canonicalize(hale.with_file_name("hale-floor"))
        .expect("the floor app, built beside Hale (scripts/build.sh)");

    let first = launch_signed_in(data.path(), &env).await;
    first.wait_for_all(HOME, 1, Duration::from_secs(60)).await;
    first.close().await;

    let mut starts = (Vec::new(), Vec::new(), Vec::new());
    let (mut hale_idle, mut floor_idle, mut closed) = (None, None, None);
    for run in 0..runs {
        let last = run + 1 == runs;
        for app in [App::Floor, App::Hale] {
            let binary = if app == App::Hale { &hale } else { &floor };
            let (running, pid, start) =
                one_start(binary, app, Watch::Marks, data.path(), &env).await;
            eprintln!(
                "{app:?} start {}: first paint {:.0} ms, home {:.0} ms",
                run + 1,
                start.first_paint,
                start.home
            );
            if last {
                tokio::time::sleep(Duration::from_secs(10)).await;
                let idle = tree_memory(pid);
                if app == App::Hale {
                    hale_idle = Some(idle);
                    hale_e2e::window::close_like_the_patient("Hale", Duration::from_secs(10));
                    tokio::time::sleep(Duration::from_secs(10)).await;
                    closed = Some((tree_memory(pid), tree_parts(pid)));
                } else {
                    floor_idle = Some(idle);
                }
            }
            running.close().await;
            if app == App::Hale {
                starts.0.push(start);
            } else {
                starts.1.push(start);
            }
        }
    }
    for run in 0..runs.div_ceil(2) {
        let (running, _, start) =
            one_start(&hale, App::Hale, Watch::PollPage, data.path(), &env).await;
        eprintln!(
            "Hale start {} polling the page every 5 ms: home {:.0} ms (the poll saw it at {:.0} ms)",
            run + 1,
            start.home,
            start.polled.unwrap_or(f64::NAN)
        );
        running.close().await;
        starts.2.push(start);
    }

    report(
        &starts.0, &starts.1, &starts.2, hale_idle, floor_idle, closed,
    );
}

/// Starts `binary` and waits for its home; the app, its process id and the start's times.
async fn one_start(
    binary: &Path,
    app: App,
    watch: Watch,
    data: &Path,
    env: &[(&str, &str)],
) -> (RunningApp, u32, Start) {
    let stderr = match std::env::var_os("HALE_BENCH_LOG") {
        Some(_) => Stdio::inherit(),
        None => Stdio::null(),
    };
    let running = launch_binary(binary, data, env, stderr).await;
    let pid = newest_process_of(binary).expect("the app's process");
    let started = process_start_epoch_ms(pid);
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut polled = None;
    let mut home_seen = None;
    let marks = loop {
        assert!(
            Instant::now() < deadline || home_seen.is_some(),
            "{app:?} showed no home in 60 s"
        );
        if watch == Watch::PollPage && polled.is_none() {
            let found = running
                .client
                .find_all(Locator::Css(HOME))
                .await
                .unwrap_or_default();
            if found.is_empty() {
                tokio::time::sleep(Duration::from_millis(5)).await;
                continue;
            }
            polled = Some(epoch_ms() - started);
        }
        if let Some(marks) = page_marks(&running, app).await {
            // Hale's whole home screen comes after its first part: wait for it a while too (a
            // build without the mark has none).
            let whole = app == App::Floor || marks.today.is_some();
            let seen = *home_seen.get_or_insert_with(Instant::now);
            if whole || seen.elapsed() > Duration::from_secs(5) {
                break marks;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    if app == App::Hale {
        // The mark says what the page shows: check it once.
        running.wait_for_all(HOME, 1, Duration::from_secs(5)).await;
    }
    let start = Start {
        page: marks.page - started,
        ui: marks.ui.map(|t| t - started),
        session: marks.session.map(|t| t - started),
        home_data: marks.home_data.map(|t| t - started),
        first_paint: marks.first_paint - started,
        // Nothing is seen before the first paint, even if the page is ready sooner.
        home: marks.home.max(marks.first_paint) - started,
        today: marks.today.map(|t| t - started),
        polled,
    };
    (running, pid, start)
}

/// A page's moments, in ms since the epoch.
#[derive(Debug, Clone, Copy)]
struct Marks {
    page: f64,
    ui: Option<f64>,
    session: Option<f64>,
    home_data: Option<f64>,
    first_paint: f64,
    home: f64,
    today: Option<f64>,
}

/// The page's moments, once its first paint and its home are both there.
async fn page_marks(app: &RunningApp, which: App) -> Option<Marks> {
    let script = "const at = (name) => { const e = performance.getEntriesByName(name)[0]; \
                  return e ? performance.timeOrigin + e.startTime : null; }; \
                  return [performance.timeOrigin, at('first-contentful-paint'), \
                          ...Array.from(arguments).map(at)];";
    let home_mark = if which == App::Hale {
        HOME_MARK
    } else {
        "first-contentful-paint"
    };
    let value = app
        .client
        .execute(
            script,
            // Read back in this order, after the page's origin and first paint.
            vec![
                home_mark.into(),
                UI_MARK.into(),
                SESSION_MARK.into(),
                HOME_DATA_MARK.into(),
                TODAY_MARK.into(),
            ],
        )
        .await
        .ok()?;
    Some(Marks {
        page: value.get(0)?.as_f64()?,
        first_paint: value.get(1)?.as_f64()?,
        home: value.get(2)?.as_f64()?,
        ui: value.get(3)?.as_f64(),
        session: value.get(4)?.as_f64(),
        home_data: value.get(5)?.as_f64(),
        today: value.get(6)?.as_f64(),
    })
}

fn report(
    hale: &[Start],
    floor: &[Start],
    polled: &[Start],
    hale_idle: Option<Memory>,
    floor_idle: Option<Memory>,
    closed: Option<(Memory, Vec<Part>)>,
) {
    let summary = |name: &str, values: Vec<f64>| {
        let s = Stats::of(values);
        eprintln!(
            "  {name}: median {:.0} ms (min {:.0}, max {:.0}, {} starts)",
            s.median, s.min, s.max, s.count
        );
        s
    };
    eprintln!("\nstart, from the process's start:");
    summary(
        "floor, page requested",
        floor.iter().map(|s| s.page).collect(),
    );
    summary(
        "floor, first paint",
        floor.iter().map(|s| s.first_paint).collect(),
    );
    let floor_home = summary(
        "floor, home (its first paint)",
        floor.iter().map(|s| s.home).collect(),
    );
    summary(
        "Hale, page requested",
        hale.iter().map(|s| s.page).collect(),
    );
    summary(
        "Hale, UI code running (page, script and wasm loaded)",
        hale.iter().filter_map(|s| s.ui).collect(),
    );
    summary(
        "Hale, the sign-in check answered",
        hale.iter().filter_map(|s| s.session).collect(),
    );
    summary(
        "Hale, the home screen's data in the page",
        hale.iter().filter_map(|s| s.home_data).collect(),
    );
    summary(
        "Hale, first paint",
        hale.iter().map(|s| s.first_paint).collect(),
    );
    let hale_home = summary(
        "Hale, home screen with the next appointment",
        hale.iter().map(|s| s.home).collect(),
    );
    summary(
        "Hale, every part of the home screen drawn",
        hale.iter().filter_map(|s| s.today).collect(),
    );
    summary(
        "Hale, every part of the home screen drawn, after home",
        hale.iter()
            .filter_map(|s| Some(s.today? - s.home))
            .collect(),
    );
    let polled_home = summary(
        "Hale, home, while polling the page every 5 ms",
        polled.iter().map(|s| s.home).collect(),
    );
    summary(
        "Hale, home as that polling saw it",
        polled.iter().filter_map(|s| s.polled).collect(),
    );
    eprintln!(
        "  polling the page every 5 ms moves Hale's home by {:+.0} ms (median against median)",
        polled_home.median - hale_home.median
    );

    eprintln!("\ngoals:");
    let verdict = |met: bool| if met { "met" } else { "NOT MET" };
    eprintln!(
        "  home median {:.0} ms <= {HOME_GOAL_MS:.0} ms: {}",
        hale_home.median,
        verdict(hale_home.median <= HOME_GOAL_MS)
    );
    eprintln!(
        "  home median over the floor's {:+.0} ms <= {HOME_OVER_FLOOR_GOAL_MS:.0} ms: {}",
        hale_home.median - floor_home.median,
        verdict(hale_home.median - floor_home.median <= HOME_OVER_FLOOR_GOAL_MS)
    );
    let mib = |kib: u64| kib as f64 / 1024.0;
    if let (Some(h), Some(f)) = (hale_idle, floor_idle) {
        eprintln!(
            "  idle after 10 s: Hale PSS {:.1} MiB, USS {:.1} MiB, RSS {:.1} MiB ({} processes); \
             floor PSS {:.1} MiB, USS {:.1} MiB, RSS {:.1} MiB ({} processes)",
            mib(h.pss),
            mib(h.uss),
            mib(h.rss),
            h.processes,
            mib(f.pss),
            mib(f.uss),
            mib(f.rss),
            f.processes
        );
        let over = mib(h.pss) - mib(f.pss);
        eprintln!(
            "  idle PSS over the floor's {over:+.1} MiB <= {IDLE_OVER_FLOOR_GOAL_MIB:.0} MiB: {}",
            verdict(over <= IDLE_OVER_FLOOR_GOAL_MIB)
        );
    }
    if let Some((m, parts)) = closed {
        let mb = m.pss as f64 * 1024.0 / 1e6;
        let names: Vec<&str> = parts.iter().map(|p| p.name.as_str()).collect();
        let web = names.iter().any(|n| n.starts_with("WebKitWebProces"));
        eprintln!(
            "  window closed 10 s: {} processes ({}), PSS {mb:.1} MB ({:.1} MiB), USS {:.1} MiB, \
             RSS {:.1} MiB; <= {CLOSED_GOAL_MB:.0} MB with no web process: {}",
            m.processes,
            names.join(", "),
            mib(m.pss),
            mib(m.uss),
            mib(m.rss),
            verdict(mb <= CLOSED_GOAL_MB && !web)
        );
        for part in parts {
            eprintln!(
                "    {}: PSS {:.1} MiB (anonymous {:.1}, files {:.1}, shared memory {:.1})",
                part.name,
                mib(part.pss),
                mib(part.anon),
                mib(part.file),
                mib(part.shmem)
            );
            for (file, pss) in &part.largest_files {
                eprintln!("      {file}: PSS {:.1} MiB", mib(*pss));
            }
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Stats {
    median: f64,
    min: f64,
    max: f64,
    count: usize,
}

impl Stats {
    fn of(mut values: Vec<f64>) -> Self {
        values.sort_by(f64::total_cmp);
        let count = values.len();
        let median = match count {
            0 => f64::NAN,
            n if n % 2 == 1 => values[n / 2],
            n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
        };
        Stats {
            median,
            min: values.first().copied().unwrap_or(f64::NAN),
            max: values.last().copied().unwrap_or(f64::NAN),
            count,
        }
    }
}

/// One process's share of memory, in KiB, by what backs it: what to cut differs (the heap and
/// caches are anonymous, libraries are files).
#[derive(Debug)]
struct Part {
    name: String,
    pss: u64,
    anon: u64,
    file: u64,
    shmem: u64,
    /// The mapped files holding the most of it, largest first.
    largest_files: Vec<(String, u64)>,
}

/// The `count` mapped files of `pid` with the largest PSS, in KiB (all their mappings summed).
fn largest_files(pid: u32, count: usize) -> Vec<(String, u64)> {
    let smaps = std::fs::read_to_string(format!("/proc/{pid}/smaps")).unwrap_or_default();
    let mut by_file: std::collections::HashMap<String, u64> = std::collections::HashMap::new();
    let mut current: Option<String> = None;
    for line in smaps.lines() {
        let mut words = line.split_whitespace();
        let first = words.next().unwrap_or_default();
        if !first.ends_with(':') {
            // A mapping's header: address range, permissions, offset, device, inode, path (which
            // may hold spaces). Shared memory (memfd, SysV, /dev) is not a file here: smaps_rollup
            // counts it apart.
            let path = words.skip(4).collect::<Vec<_>>().join(" ");
            let shared = ["/memfd:", "/SYSV", "/dev/"]
                .iter()
                .any(|prefix| path.starts_with(prefix));
            current = (path.starts_with('/') && !shared)
                .then(|| path.rsplit('/').next().unwrap_or(&path).to_owned());
        } else if first == "Pss:" {
            if let Some(file) = &current {
                let kib: u64 = words.next().and_then(|v| v.parse().ok()).unwrap_or(0);
                *by_file.entry(file.clone()).or_default() += kib;
            }
        }
    }
    let mut files: Vec<_> = by_file.into_iter().collect();
    files.sort_by_key(|(_, pss)| std::cmp::Reverse(*pss));
    files.truncate(count);
    files
}

/// `root` and its descendants, each named, with its share of memory.
fn tree_parts(root: u32) -> Vec<Part> {
    tree(root)
        .into_iter()
        .map(|pid| {
            let name = std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .map(|c| c.trim().to_owned())
                .unwrap_or_default();
            let rollup = rollup(pid);
            let field = |name: &str| rollup.get(name).copied().unwrap_or(0);
            Part {
                name,
                pss: field("Pss"),
                anon: field("Pss_Anon"),
                file: field("Pss_File"),
                shmem: field("Pss_Shmem"),
                largest_files: largest_files(pid, 6),
            }
        })
        .collect()
}

/// The newest process running `binary`.
fn newest_process_of(binary: &Path) -> Option<u32> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let newest = processes()
            .filter(|pid| {
                std::fs::read_link(format!("/proc/{pid}/exe")).is_ok_and(|exe| exe == binary)
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

/// When the process started, in ms since the epoch: the clock the page's marks are on.
fn process_start_epoch_ms(pid: u32) -> f64 {
    let ago = uptime().saturating_sub(process_start(pid));
    epoch_ms() - ago.as_secs_f64() * 1e3
}

fn epoch_ms() -> f64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs_f64()
        * 1e3
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

/// The memory of `root` and every process descended from it.
fn tree_memory(root: u32) -> Memory {
    let tree = tree(root);
    let mut memory = Memory {
        processes: tree.len(),
        ..Memory::default()
    };
    for pid in &tree {
        let rollup = rollup(*pid);
        let field = |name: &str| rollup.get(name).copied().unwrap_or(0);
        memory.pss += field("Pss");
        memory.rss += field("Rss");
        memory.uss += field("Private_Clean") + field("Private_Dirty");
    }
    memory
}

/// The fields of `/proc/PID/smaps_rollup`, in KiB: the process's memory summed over its mappings.
fn rollup(pid: u32) -> std::collections::HashMap<String, u64> {
    std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))
        .unwrap_or_default()
        .lines()
        .filter_map(|line| {
            let (name, rest) = line.split_once(':')?;
            let kib = rest.split_whitespace().next()?.parse().ok()?;
            Some((name.to_owned(), kib))
        })
        .collect()
}
