//! Test support for end-to-end journeys: launches the real release app through tauri-driver
//! (which drives WebKitWebDriver, which drives the app's own webview) and hands the test a
//! WebDriver client.
//!
//! Needs a display (Xvfb), `tauri-driver` and `WebKitWebDriver` on PATH, and the release app
//! built with the `custom-protocol` feature; `scripts/test.sh` provides all of them.

pub mod browser;
pub mod bus;
pub mod devices;
pub mod keychain;
pub mod layout;
pub mod notifications;
pub mod tray;
pub mod window;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hale_server::demo::seed::DEMO_PATIENT;
use hyper_util::client::legacy::connect::HttpConnector;

/// The release binary under test: `HALE_APP_BIN`, else `target/release/hale-app`.
pub fn app_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("HALE_APP_BIN") {
        return PathBuf::from(path);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    target.join("release/hale-app")
}

/// The test browser (`hale-test-browser`, built beside the app): the app's `$BROWSER` in every
/// journey, signing in on the hospital's page as `HALE_TEST_BROWSER_LOGIN` (the demo patient
/// unless a journey says otherwise).
pub fn test_browser() -> PathBuf {
    app_binary().with_file_name("hale-test-browser")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// One running app: its tauri-driver process and the WebDriver session in its webview.
#[derive(Debug)]
pub struct RunningApp {
    pub client: Client,
    driver: Driver,
}

/// Stops tauri-driver when dropped, also when a test panics before its session exists: a
/// leaked driver keeps WebKitWebDriver alive holding the test's output pipe.
#[derive(Debug)]
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        // Found before the driver goes: the app is its grandchild until then.
        let apps = app_processes_below(self.0.id());
        stop_driver(&mut self.0);
        end_processes(&apps);
    }
}

/// The app's processes started below `root` (tauri-driver → WebKitWebDriver → the app).
fn app_processes_below(root: u32) -> Vec<u32> {
    let parents: Vec<(u32, u32, String)> = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            // "pid (comm) state ppid …": the name may hold spaces, so split after its ')'.
            let (name, rest) = stat.split_once(" (")?.1.rsplit_once(") ")?;
            let parent = rest.split_whitespace().nth(1)?.parse().ok()?;
            Some((pid, parent, name.to_owned()))
        })
        .collect();
    let mut tree = vec![root];
    let mut i = 0;
    while i < tree.len() {
        let parent = tree[i];
        tree.extend(parents.iter().filter(|p| p.1 == parent).map(|p| p.0));
        i += 1;
    }
    parents
        .iter()
        .filter(|(pid, _, name)| tree.contains(pid) && name == "hale-app")
        .map(|(pid, _, _)| *pid)
        .collect()
}

/// Whether `pid` has ended (gone, or a zombie nobody reaped yet).
fn ended(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| s.rsplit_once(") ").map(|(_, rest)| rest.starts_with('Z')))
        .unwrap_or(true)
}

/// Ends what the WebDriver session left running. The patient app stays in the tray when its
/// window goes (as a WebDriver session's end makes it), so a journey ends it as a logout would:
/// SIGTERM, then SIGKILL. The next start on the same data then finds no Hale running.
fn end_processes(pids: &[u32]) {
    for (signal, wait) in [("-TERM", 5), ("-KILL", 5)] {
        let alive: Vec<u32> = pids.iter().copied().filter(|p| !ended(*p)).collect();
        if alive.is_empty() {
            return;
        }
        for pid in &alive {
            let _ = Command::new("kill")
                .args([signal, &pid.to_string()])
                .status();
        }
        let deadline = Instant::now() + Duration::from_secs(wait);
        while Instant::now() < deadline && !alive.iter().all(|p| ended(*p)) {
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// Launches the app with `data_home` as its XDG data directory and `env` added.
///
/// `HALE_HOSPITAL_URL` is removed from the inherited environment unless `env` sets it, so a
/// developer's own setting never changes which hospital a journey talks to. The session bus is
/// pointed at a socket that does not exist unless `env` names one (see [`notifications`]), so a
/// journey never shows notifications on the developer's desktop; the system bus (Bluetooth) too.
pub async fn launch(data_home: &Path, env: &[(&str, &str)]) -> RunningApp {
    launch_with(data_home, env, Stdio::inherit()).await
}

/// Launches the app as [`launch`] does, with everything it logs (its standard error) written to
/// `log` instead of the test's output, for tests that read the logs.
pub async fn launch_logged(data_home: &Path, env: &[(&str, &str)], log: &Path) -> RunningApp {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .expect("open the log file");
    launch_with(data_home, env, Stdio::from(file)).await
}

async fn launch_with(data_home: &Path, env: &[(&str, &str)], stderr: Stdio) -> RunningApp {
    launch_binary(&app_binary(), data_home, env, stderr).await
}

/// Launches `app`, Hale or another Tauri app built beside it (the start-up bench's floor), as
/// [`launch`] launches Hale.
pub async fn launch_binary(
    app: &Path,
    data_home: &Path,
    env: &[(&str, &str)],
    stderr: Stdio,
) -> RunningApp {
    assert!(
        app.exists(),
        "{} is missing: build it with scripts/test.sh (release, custom-protocol)",
        app.display()
    );
    let port = free_port();
    let mut command = Command::new("tauri-driver");
    command
        .args(["--port", &port.to_string()])
        .args(["--native-port", &free_port().to_string()])
        .stdout(Stdio::null())
        .stderr(stderr);
    app_environment(&mut command, data_home, env);
    let driver = Driver(
        command
            .spawn()
            .expect("tauri-driver starts (is it installed? scripts/setup.sh installs it)"),
    );

    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "tauri:options".into(),
        serde_json::json!({ "application": app }),
    );
    capabilities.insert("browserName".into(), "wry".into());
    let url = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    let client = loop {
        // Plain HTTP to loopback: no TLS stack (and no crypto provider choice) needed.
        match ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities.clone())
            .connect(&url)
            .await
        {
            Ok(client) => break client,
            Err(e) if started.elapsed() < Duration::from_secs(30) => {
                let _ = e;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("no WebDriver session after 30 s: {e}"),
        }
    };
    // `HALE_E2E_WINDOW=390x844` runs a journey at a phone's size, for its screenshots.
    if let Some((w, h)) = std::env::var("HALE_E2E_WINDOW")
        .ok()
        .and_then(|s| s.split_once('x').map(|(w, h)| (w.parse(), h.parse())))
        .and_then(|(w, h)| Some((w.ok()?, h.ok()?)))
    {
        if let Err(e) = client.set_window_size(w, h).await {
            eprintln!("the window could not be set to {w}x{h}: {e}");
        }
    }
    RunningApp { client, driver }
}

/// The environment every journey gives the app (see [`launch`]), then `env`.
fn app_environment(command: &mut Command, data_home: &Path, env: &[(&str, &str)]) {
    command
        .env("HOME", data_home)
        .env("XDG_DATA_HOME", data_home)
        .env("XDG_CONFIG_HOME", data_home.join("config"))
        .env("XDG_CACHE_HOME", data_home.join("cache"))
        .env_remove("HALE_HOSPITAL_URL")
        .env("BROWSER", test_browser())
        .env(
            "HALE_TEST_BROWSER_LOGIN",
            format!("{}:{}", DEMO_PATIENT.username, DEMO_PATIENT.password),
        )
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            format!("unix:path={}", data_home.join("no-bus").display()),
        )
        // Likewise Bluetooth (BlueZ on the system bus): only a journey's simulator, never the
        // machine's own adapter.
        .env(
            "DBUS_SYSTEM_BUS_ADDRESS",
            format!("unix:path={}", data_home.join("no-system-bus").display()),
        );
    for (key, value) in env {
        command.env(key, value);
    }
}

/// The app started on its own, without WebDriver (nobody drives its screens), in a process
/// group of its own so that it can be killed together with its WebKit processes.
#[derive(Debug)]
pub struct BareApp(Child);

impl BareApp {
    /// Starts the app with the environment [`launch`] gives it; its output is discarded.
    pub fn start(data_home: &Path, env: &[(&str, &str)]) -> Self {
        use std::os::unix::process::CommandExt as _;
        let mut command = Command::new(app_binary());
        command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0);
        app_environment(&mut command, data_home, env);
        Self(command.spawn().expect("the app starts"))
    }

    /// Waits up to `timeout` for the app to end on its own; its exit status, or `None`.
    pub fn wait_for_exit(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        let started = Instant::now();
        while started.elapsed() < timeout {
            if let Ok(Some(status)) = self.0.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        None
    }

    /// SIGKILL to the app and everything in its process group, as a crash or a pulled battery
    /// would end it: no destructor, no flush, no goodbye to the hospital.
    pub fn kill(mut self) {
        let group = format!("-{}", self.0.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.0.wait();
    }
}

impl Drop for BareApp {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{}", self.0.id())])
                .status();
            let _ = self.0.wait();
        }
    }
}

/// A reference hospital in the test process on a SQLite file in `dir`, seeded with the demo
/// hospital and its simulated clinic day off: the server, the options that start it again at
/// the same address on the same data (as after a crash), and its database, for counting.
pub async fn hospital_on_file(
    dir: &Path,
) -> (
    hale_server::RunningServer,
    hale_server::ServerOptions,
    sqlx::AnyPool,
) {
    let db_url = format!("sqlite://{}", dir.join("hospital.sqlite").display());
    let mut options = hale_server::ServerOptions::embedded_demo(db_url.clone());
    options.simulate_demo_day = false;
    // The monitoring timer (missed doses, missing data) would add alerts of its own mid-journey;
    // journeys that need it run a pass themselves.
    options.monitoring.every = Duration::from_secs(24 * 3600);
    let server = hale_server::start(&options)
        .await
        .expect("the hospital starts");
    // A restart reuses the address (the app's link points at it); seeding again is idempotent.
    options.bind = server.addr;
    let db = hale_server::open_database(&db_url)
        .await
        .expect("the hospital's database");
    (server, options, db)
}

/// Another patient (the demo's second) books the first ophthalmology slot from `days` ahead and
/// cancels it at once, freeing it for the waitlist; the freed slot.
pub async fn another_patient_frees_an_ophthalmology_slot(
    url: &str,
    days: i64,
) -> hale_domain::OfferedSlot {
    use hale_client::{HospitalClient, SlotQuery};
    use hale_server::demo::seed::OTHER_PATIENT;
    let client = HospitalClient::new(url).expect("the hospital's address");
    let born = chrono::NaiveDate::parse_from_str(OTHER_PATIENT.birth_date, "%Y-%m-%d")
        .expect("the seed's birth date");
    let sam = client
        .dev_sign_in(OTHER_PATIENT.mrn, born)
        .await
        .expect("the other patient signs in");
    let query = SlotQuery {
        service_code: Some("394594003".into()),
        from: Some(chrono::Utc::now() + chrono::Duration::days(days)),
        count: 1,
        ..SlotQuery::default()
    };
    let freed = client
        .free_slots(&sam, &query)
        .await
        .expect("free slots")
        .slots
        .remove(0);
    let booked = client
        .book(&sam, &freed.id, "e2e-sam-1")
        .await
        .expect("the other patient books");
    client
        .cancel(&sam, &booked.id)
        .await
        .expect("the other patient cancels");
    freed
}

/// Launches the app as [`launch`] does and signs in as the patient does: "Sign in" opens the
/// hospital's page in the browser (the test browser), and the app's screens appear.
pub async fn launch_signed_in(data_home: &Path, env: &[(&str, &str)]) -> RunningApp {
    let app = launch(data_home, env).await;
    app.sign_in().await;
    app
}

/// A place in the patient app, as the patient reaches it: a tab, or a tab and then a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Today,
    Appointments,
    /// Appointments, then "Book an appointment".
    Book,
    Medicines,
    Parking,
    More,
    /// The rest are under More.
    Devices,
    CareTeam,
    CareCircle,
    WaitingTimes,
    Settings,
    /// Your record, to export.
    Record,
}

impl Place {
    /// The test ids clicked, in order, to get there.
    pub fn path(self) -> &'static [&'static str] {
        match self {
            Place::Today => &["nav-today"],
            Place::Appointments => &["nav-appointments"],
            Place::Book => &["nav-appointments", "book-new"],
            Place::Medicines => &["nav-medicines"],
            Place::Parking => &["nav-parking"],
            Place::More => &["nav-more"],
            Place::Devices => &["nav-more", "more-devices"],
            Place::CareTeam => &["nav-more", "more-care-team"],
            Place::CareCircle => &["nav-more", "more-care-circle"],
            Place::WaitingTimes => &["nav-more", "more-waiting"],
            Place::Settings => &["nav-more", "more-settings"],
            Place::Record => &["nav-more", "more-record"],
        }
    }

    /// Every screen of the patient app.
    pub const ALL: [Place; 12] = [
        Place::Today,
        Place::Appointments,
        Place::Book,
        Place::Medicines,
        Place::Parking,
        Place::More,
        Place::Devices,
        Place::CareTeam,
        Place::CareCircle,
        Place::WaitingTimes,
        Place::Settings,
        Place::Record,
    ];
}

impl RunningApp {
    /// Signs in from the sign-in screen and waits for the app's screens (Today first).
    pub async fn sign_in(&self) {
        self.click("[data-testid=sign-in]").await;
        self.wait_for_all("[data-testid=nav-today]", 1, Duration::from_secs(60))
            .await;
    }

    /// Follows the app's window after it was closed and opened again (a new webview): waits up
    /// to `timeout` for WebDriver to list a window, and drives that one from now on.
    pub async fn follow_reopened_window(&self, timeout: Duration) {
        let started = Instant::now();
        loop {
            if let Ok(handles) = self.client.windows().await {
                if let Some(handle) = handles.into_iter().next() {
                    if self.client.switch_to_window(handle).await.is_ok()
                        && self.client.find(Locator::Css("body")).await.is_ok()
                    {
                        return;
                    }
                }
            }
            assert!(
                started.elapsed() < timeout,
                "no window to drive {timeout:?} after it was to open again"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Goes to `place` as the patient does, through the navigation.
    pub async fn go(&self, place: Place) {
        for testid in place.path() {
            self.click(&format!("[data-testid={testid}]")).await;
        }
    }

    /// Waits up to `timeout` for at least `count` elements matching `css`.
    pub async fn wait_for_all(&self, css: &str, count: usize, timeout: Duration) -> Vec<Element> {
        let started = Instant::now();
        loop {
            let found = self
                .client
                .find_all(Locator::Css(css))
                .await
                .unwrap_or_default();
            if found.len() >= count {
                return found;
            }
            if started.elapsed() > timeout {
                let source = self.client.source().await.unwrap_or_default();
                panic!(
                    "found {} of {count} '{css}' after {timeout:?}; page:\n{source}",
                    found.len()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The text of the first element matching `css`, waiting up to 30 s for it.
    pub async fn text_of(&self, css: &str) -> String {
        let element = self.wait_for_all(css, 1, Duration::from_secs(30)).await;
        element[0].text().await.expect("element text")
    }

    /// Clicks the first element matching `css`, waiting up to 30 s for it.
    pub async fn click(&self, css: &str) {
        let found = self.wait_for_all(css, 1, Duration::from_secs(30)).await;
        self.click_element(&found[0], css).await;
    }

    /// On Devices after a scan: clicks Pair on the found device whose text mentions `name`,
    /// waiting up to a minute for it to be found.
    pub async fn pair(&self, name: &str) {
        let started = Instant::now();
        loop {
            for card in self
                .wait_for_all("[data-testid=found-device]", 1, Duration::from_secs(60))
                .await
            {
                if card.text().await.unwrap_or_default().contains(name) {
                    let button = card
                        .find(Locator::Css("[data-testid=pair]"))
                        .await
                        .expect("a pair button");
                    self.click_element(&button, "pair").await;
                    return;
                }
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "{name} never found"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Clicks `element` (`what` names it in a failure), scrolled to the middle of the window
    /// first, as a person scrolls until they see it: on a phone, the tab bar covers the bottom.
    pub async fn click_element(&self, element: &Element, what: &str) {
        let _ = self
            .client
            .execute(
                "arguments[0].scrollIntoView({block: 'center'});",
                vec![serde_json::to_value(element).expect("an element reference")],
            )
            .await;
        element
            .click()
            .await
            .unwrap_or_else(|e| panic!("click {what}: {e}"));
    }

    /// The appointment card whose text contains `needle`, waiting up to 30 s for it.
    pub async fn card_with(&self, needle: &str) -> Element {
        let started = Instant::now();
        loop {
            for card in self
                .client
                .find_all(Locator::Css("[data-testid=appointment]"))
                .await
                .unwrap_or_default()
            {
                if card.text().await.unwrap_or_default().contains(needle) {
                    return card;
                }
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "no appointment card mentions {needle}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until the first element matching `css` contains `needle`.
    pub async fn wait_until_text(&self, css: &str, needle: &str, timeout: Duration) {
        let started = Instant::now();
        loop {
            // What it said last, for the failure message (None: not on the page).
            let mut last = None;
            if let Ok(e) = self.client.find(Locator::Css(css)).await {
                let text = e.text().await.unwrap_or_default();
                if text.contains(needle) {
                    return;
                }
                last = Some(text);
            }
            assert!(
                started.elapsed() < timeout,
                "'{css}' never showed {needle}; last it said {last:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until the first element matching `css` contains one of `needles`.
    pub async fn wait_until_any_text(&self, css: &str, needles: &[&str], timeout: Duration) {
        let started = Instant::now();
        loop {
            if let Ok(e) = self.client.find(Locator::Css(css)).await {
                let text = e.text().await.unwrap_or_default();
                if needles.iter().any(|n| text.contains(n)) {
                    return;
                }
            }
            assert!(
                started.elapsed() < timeout,
                "'{css}' never showed any of {needles:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Picks the day `days_ahead` days from today in the booking screen's day strip, moving
    /// the strip on with "Later dates" as a person would; picking it searches from it.
    pub async fn choose_day(&self, days_ahead: u32) {
        const STRIP_DAYS: u32 = 14;
        for _ in 0..days_ahead / STRIP_DAYS {
            self.click("[data-testid=later-dates]").await;
        }
        let day = chrono::Local::now().date_naive() + chrono::Days::new(u64::from(days_ahead));
        self.click(&format!("[data-testid=day-{day}]")).await;
    }

    /// Calls shell command `command` from the page's own script, as a compromised page could,
    /// and returns `"allowed"` or the refusal's text.
    pub async fn invoke_from_page(&self, command: &str) -> String {
        let script = "return window.__TAURI__.core.invoke(arguments[0], { args: {} })
            .then(() => 'allowed', (e) => String((e && e.message) || JSON.stringify(e)));";
        self.client
            .execute(script, vec![command.into()])
            .await
            .expect("run the script")
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Whether any element matches `css` right now.
    pub async fn has(&self, css: &str) -> bool {
        !self
            .client
            .find_all(Locator::Css(css))
            .await
            .unwrap_or_default()
            .is_empty()
    }

    /// Saves a PNG of the screen to `target/e2e/NAME.png`, for people to look at.
    ///
    /// WebKitWebDriver's own screenshots come out blank under Xvfb, so this asks the X server
    /// (ImageMagick's `import`, installed by scripts/setup.sh) for what is really on screen.
    pub async fn screenshot(&self, name: &str) {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/e2e");
        let _ = std::fs::create_dir_all(&dir);
        // WebKit paints after the DOM settles; give it a moment.
        tokio::time::sleep(Duration::from_millis(1500)).await;
        // The screen is larger than the window: keep the window's part.
        let size = self
            .client
            .execute("return [window.innerWidth, window.innerHeight];", vec![])
            .await
            .ok()
            .and_then(|v| Some((v[0].as_u64()?, v[1].as_u64()?)));
        let mut command = Command::new("import");
        command.args(["-window", "root"]);
        if let Some((w, h)) = size {
            command.args(["-crop", &format!("{w}x{h}+0+0")]);
        }
        let status = command
            .arg(dir.join(format!("{name}.png")))
            .stderr(Stdio::null())
            .status();
        if !matches!(status, Ok(s) if s.success()) {
            eprintln!("screenshot {name}: `import` failed (no DISPLAY or no ImageMagick)");
        }
    }

    /// Reads every QR code on the X screen, as a scanner would: ImageMagick's `import` captures
    /// the screen as greyscale PGM and rqrr finds and decodes the codes in it.
    pub async fn read_qr_codes(&self) -> Vec<String> {
        tokio::time::sleep(Duration::from_millis(1000)).await;
        let out = Command::new("import")
            .args([
                "-window",
                "root",
                "-colorspace",
                "Gray",
                "-depth",
                "8",
                "pgm:-",
            ])
            .stderr(Stdio::null())
            .output()
            .expect("ImageMagick `import` runs (scripts/setup.sh installs it)");
        assert!(out.status.success(), "`import` failed: is DISPLAY set?");
        let (width, height, pixels) = parse_pgm(&out.stdout).expect("a binary PGM image");
        let mut image = rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| {
            pixels[y * width + x]
        });
        image
            .detect_grids()
            .iter()
            .filter_map(|grid| grid.decode().ok().map(|(_, text)| text))
            .collect()
    }

    /// Whether the app's process still runs (it may have quit on its own).
    pub fn app_running(&self) -> bool {
        app_processes_below(self.driver.0.id())
            .into_iter()
            .any(|pid| !ended(pid))
    }

    /// Ends the session and the app (which would otherwise stay in the tray), and stops
    /// tauri-driver.
    pub async fn close(self) {
        // Found first: once the session ends, the app may no longer hang below the driver.
        let apps = app_processes_below(self.driver.0.id());
        let _ = self.client.clone().close().await;
        drop(self.driver);
        end_processes(&apps);
    }
}

/// Splits a binary (P5) PGM with 8-bit samples into width, height and pixels.
fn parse_pgm(data: &[u8]) -> Option<(usize, usize, &[u8])> {
    // Header: "P5", width, height, maxval, each separated by whitespace, then one whitespace byte.
    let mut fields = Vec::with_capacity(4);
    let mut i = 0;
    while fields.len() < 4 {
        while data.get(i)?.is_ascii_whitespace() {
            i += 1;
        }
        if data[i] == b'#' {
            while *data.get(i)? != b'\n' {
                i += 1;
            }
            continue;
        }
        let start = i;
        while !data.get(i)?.is_ascii_whitespace() {
            i += 1;
        }
        fields.push(std::str::from_utf8(&data[start..i]).ok()?);
    }
    let (width, height): (usize, usize) = (fields[1].parse().ok()?, fields[2].parse().ok()?);
    let pixels = data.get(i + 1..i + 1 + width * height)?;
    (fields[0] == "P5" && fields[3] == "255").then_some((width, height, pixels))
}

/// SIGTERM, not SIGKILL: a killed tauri-driver leaves WebKitWebDriver holding the output pipe.
fn stop_driver(driver: &mut Child) {
    if let Ok(Some(_)) = driver.try_wait() {
        return;
    }
    let _ = Command::new("kill")
        .args(["-TERM", &driver.id().to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = driver.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = driver.kill();
    let _ = driver.wait();
}
