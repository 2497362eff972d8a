//! The patient window's life. Closing it destroys it, webview and all, while Hale keeps running
//! in the tray to remind the patient; opening it (from the tray or a notification) builds it
//! again from `tauri.conf.json`. A closed Hale therefore keeps no web page in memory.

use std::sync::Mutex;

use hale_domain::notice::Place;
use tauri::{AppHandle, Emitter, Manager, Runtime, WebviewWindow};

use crate::{convert, PATIENT_WINDOW};

/// The place a window being built should show first (the screens ask once they start).
#[derive(Debug, Default)]
pub struct PendingPlace(Mutex<Option<hale_api::PlaceView>>);

impl PendingPlace {
    /// The place to show, once.
    pub fn take(&self) -> Option<hale_api::PlaceView> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).take()
    }

    fn set(&self, place: Option<hale_api::PlaceView>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = place;
    }
}

/// Builds the patient window as `tauri.conf.json` describes it.
pub fn create<R: Runtime>(
    app: &AppHandle<R>,
) -> Result<WebviewWindow<R>, Box<dyn std::error::Error>> {
    let config = app
        .config()
        .app
        .windows
        .iter()
        .find(|w| w.label == PATIENT_WINDOW)
        .ok_or("tauri.conf.json has no patient window")?
        .clone();
    Ok(tauri::WebviewWindowBuilder::from_config(app, &config)?.build()?)
}

/// Shows the patient window on `place` (or where it was), building it again if it was closed.
pub fn open<R: Runtime>(app: &AppHandle<R>, place: Option<Place>) {
    let place = place.map(convert::place);
    if let Some(window) = app.get_webview_window(PATIENT_WINDOW) {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
        if let Some(place) = place {
            if let Err(error) = window.emit(hale_api::OPEN_PLACE_EVENT, place) {
                tracing::warn!(%error, "could not ask the window to show a place");
            }
        }
        return;
    }
    if let Some(pending) = app.try_state::<PendingPlace>() {
        pending.set(place);
    }
    match create(app) {
        Ok(_) => tracing::info!("window opened again"),
        Err(error) => tracing::warn!(%error, "the window could not be opened again"),
    }
}
