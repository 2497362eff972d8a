//! The User Timing marks of the start, which `tests/bench/startup.rs` reads from the page's own
//! clock instead of polling the page (polling would itself slow the start it measures). A mark
//! set again later (a refresh) is ignored there: the bench reads the first of each.

/// The UI's code runs: the page, its script and the wasm are loaded and compiled.
pub const UI: &str = "hale:ui";
/// The shell has answered the sign-in check.
pub const SESSION: &str = "hale:session";
/// The home screen's data has arrived from the shell, decoded.
pub const HOME_DATA: &str = "hale:home-data";
/// The home screen shows the next appointment (or that there is none).
pub const HOME: &str = "hale:home";
/// Every part of the home screen is drawn with its first answer (`pages/today/parts.rs`).
pub const TODAY: &str = "hale:today";

/// Sets mark `name` now; outside a browser, or without the Performance API, nothing happens.
pub fn set(name: &str) {
    if let Some(performance) = web_sys::window().and_then(|w| w.performance()) {
        let _ = performance.mark(name);
    }
}
