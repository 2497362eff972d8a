//! A real web browser for the care team console's journeys: Chromium through Debian's
//! chromedriver (headless), or WebKit's MiniBrowser through WebKitWebDriver (on Xvfb). Each
//! journey gets a fresh profile, so no cookie outlives it.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;

use super::{free_port, Driver};

/// Which browser engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Chromium,
    WebKit,
}

/// A browser under WebDriver, and its driver process (stopped when this is dropped).
#[derive(Debug)]
pub struct Browser {
    pub client: Client,
    pub engine: Engine,
    _driver: Driver,
    _profile: tempfile::TempDir,
}

const MINIBROWSER: &str = "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser";

impl Browser {
    /// Starts `engine` with a window of `width` × `height`.
    pub async fn start(engine: Engine, width: u32, height: u32) -> Self {
        let port = free_port();
        let profile = tempfile::tempdir().expect("a browser profile directory");
        let (program, args, capabilities) = match engine {
            Engine::Chromium => (
                "chromedriver",
                vec![format!("--port={port}")],
                serde_json::json!({
                    "browserName": "chrome",
                    "goog:chromeOptions": {
                        "binary": "/usr/bin/chromium",
                        "args": [
                            "--headless=new", "--no-sandbox", "--disable-gpu",
                            "--disable-dev-shm-usage", "--lang=en-GB",
                            format!("--window-size={width},{height}"),
                            format!("--user-data-dir={}", profile.path().display()),
                        ],
                    }
                }),
            ),
            Engine::WebKit => (
                "WebKitWebDriver",
                vec![format!("--port={port}")],
                serde_json::json!({
                    "browserName": "MiniBrowser",
                    "webkitgtk:browserOptions": {
                        "binary": MINIBROWSER,
                        "args": ["--automation", "--private"],
                    }
                }),
            ),
        };
        let driver = Driver(
            Command::new(program)
                .args(&args)
                .env("HOME", profile.path())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("{program} starts (scripts/setup.sh installs it): {e}")),
        );
        let serde_json::Value::Object(capabilities) = capabilities else {
            unreachable!("capabilities are an object")
        };
        let url = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        let client = loop {
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
                Err(e) => panic!("no {engine:?} session after 30 s: {e}"),
            }
        };
        if engine == Engine::WebKit {
            let _ = client.set_window_size(width, height).await;
        }
        Browser {
            client,
            engine,
            _driver: driver,
            _profile: profile,
        }
    }

    pub async fn open(&self, url: &str) {
        self.client.goto(url).await.expect("the page opens");
    }

    pub async fn fill(&self, css: &str, text: &str) {
        let field = self
            .client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"));
        field.clear().await.expect("the field clears");
        field.send_keys(text).await.expect("typing works");
    }

    pub async fn click(&self, css: &str) {
        self.client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
            .click()
            .await
            .unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    /// The page's visible text; empty while a new page is loading.
    pub async fn text(&self) -> String {
        match self.client.find(Locator::Css("body")).await {
            Ok(body) => body.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    /// Waits until the page's text contains `needle`; returns how long it took.
    pub async fn wait_for_text(&self, needle: &str, timeout: Duration) -> Duration {
        let started = Instant::now();
        loop {
            if self.text().await.contains(needle) {
                return started.elapsed();
            }
            assert!(
                started.elapsed() < timeout,
                "'{needle}' did not appear within {timeout:?}; the page says:\n{}",
                self.text().await
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn path(&self) -> String {
        self.client
            .current_url()
            .await
            .map(|u| u.path().to_owned())
            .unwrap_or_default()
    }

    /// Saves what the browser shows as `target/e2e/{name}.png`.
    pub async fn screenshot(&self, name: &str) {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/e2e");
        let _ = std::fs::create_dir_all(&dir);
        match self.client.screenshot().await {
            Ok(png) => {
                let _ = std::fs::write(dir.join(format!("{name}.png")), png);
            }
            Err(e) => eprintln!("screenshot {name}: {e}"),
        }
    }

    /// Runs axe-core (`node_modules/axe-core`) on the page; returns the serious or critical
    /// violations, and prints the counts by impact.
    pub async fn axe(&self, page: &str) -> Vec<String> {
        let source = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../node_modules/axe-core/axe.min.js"),
        )
        .expect("axe-core is installed (npm ci)");
        // The console's policy refuses inline scripts; WebDriver's own script runs regardless.
        self.client
            .execute(&source, vec![])
            .await
            .expect("axe-core loads");
        let result = self
            .client
            .execute_async(
                r#"const done = arguments[arguments.length - 1];
                   axe.run(document, { resultTypes: ["violations"] })
                     .then(r => done(JSON.stringify(r.violations.map(v => ({ id: v.id, impact: v.impact })))))
                     .catch(e => done(JSON.stringify([{ id: "axe failed: " + e, impact: "critical" }])));"#,
                vec![],
            )
            .await
            .expect("axe-core runs");
        let list: Vec<serde_json::Value> =
            serde_json::from_str(result.as_str().unwrap_or("[]")).unwrap_or_default();
        let mut counts = std::collections::BTreeMap::<String, usize>::new();
        for v in &list {
            *counts
                .entry(v["impact"].as_str().unwrap_or("none").to_owned())
                .or_default() += 1;
        }
        eprintln!("axe-core, console {page} ({:?}): {counts:?}", self.engine);
        list.iter()
            .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
            .map(|v| format!("{page}: {}", v["id"]))
            .collect()
    }
}
