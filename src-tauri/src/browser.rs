//! Opens the hospital's sign-in page in the patient's own web browser (RFC 8252: never in an
//! embedded view, where the app could read the password).
//!
//! `$BROWSER`, the long-standing Unix convention, wins when set (its first entry, `%s` replaced
//! by the URL or the URL appended); otherwise the platform's opener (`xdg-open`, `open`,
//! `start`) through the `open` crate.

use std::process::{Command, Stdio};

use hale_core::sign_in::Browser;

#[derive(Debug, Clone, Copy)]
pub struct SystemBrowser;

impl Browser for SystemBrowser {
    fn open(&self, url: &str) -> Result<(), String> {
        // Only web pages: a hospital's configuration naming another scheme is not followed.
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err("the sign-in address is not a web page".into());
        }
        match std::env::var("BROWSER")
            .ok()
            .filter(|b| !b.trim().is_empty())
        {
            Some(browser) => run(&browser, url),
            None => open::that_detached(url).map_err(|e| e.to_string()),
        }
    }
}

/// Starts `$BROWSER` on `url` without waiting for it.
fn run(browser: &str, url: &str) -> Result<(), String> {
    let first = browser.split(':').next().unwrap_or_default();
    let mut words = first.split_whitespace();
    let program = words.next().ok_or("BROWSER names no program")?;
    let mut args: Vec<String> = words.map(str::to_owned).collect();
    if args.iter().any(|a| a.contains("%s")) {
        for a in &mut args {
            *a = a.replace("%s", url);
        }
    } else {
        args.push(url.to_owned());
    }
    let mut child = Command::new(program)
        .args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .map_err(|e| format!("{program}: {e}"))?;
    // Reaped in the background so it leaves no zombie.
    std::thread::spawn(move || child.wait());
    Ok(())
}
