//! The patient app's start. The window comes first: its webview (a process of its own, the page,
//! the UI's wasm) takes longest, so it loads while the store opens, the embedded hospital
//! starts and the background tasks spawn. Commands that arrive before then wait for the state
//! they need (`ready`).

use std::path::PathBuf;
use std::sync::Arc;

use tauri::{App, AppHandle, Manager};

use crate::ready::Ready;
use crate::state::AppState;
use crate::{devices, live, notify, running, tray, window, AppConfig};

type StartError = Box<dyn std::error::Error + Send + Sync>;

/// Opens the window (unless Hale was started at login, to wait in the tray) and starts the rest
/// beside it. A failure to start ends Hale, as it did before the window came first.
pub fn patient_app(
    app: &mut App,
    config: AppConfig,
    data_dir: PathBuf,
    start_hidden: bool,
) -> Result<(), Box<dyn std::error::Error>> {
    app.manage(hale_api::AppMode::Patient);
    app.manage(Ready::<AppState>::default());
    app.manage(Ready::<live::Live>::default());
    app.manage(Ready::<devices::Devices>::default());
    app.manage(window::PendingPlace::default());
    // The patient window (created here, not at start, so a kiosk never has one).
    if !start_hidden {
        window::create(app.handle())?;
    }
    let handle = app.handle().clone();
    tauri::async_runtime::spawn(async move {
        match the_rest(&handle, config, data_dir).await {
            // Started at login, Hale waits in the tray, if there is one to come back from.
            Ok(tray) if start_hidden && !tray => {
                let h = handle.clone();
                let _ = handle.run_on_main_thread(move || window::open(&h, None));
            }
            Ok(_) => {}
            Err(error) => {
                tracing::error!(%error, "Hale could not start");
                std::process::exit(1);
            }
        }
    });
    Ok(())
}

/// The store, the hospital, the notifier, the background tasks and the tray; whether the tray
/// icon exists.
async fn the_rest(
    app: &AppHandle,
    config: AppConfig,
    data_dir: PathBuf,
) -> Result<bool, StartError> {
    let options = hale_core::watch::WatchOptions {
        offer_poll: config.offer_poll,
    };
    let state = AppState::start(config, &data_dir).await?;
    let patient = Arc::clone(&state.patient);
    // Before anything can notify: buttons are reported only for later notifications.
    let notifier = Arc::new(notify::PluginNotifier::start(app)?);
    let sink = Arc::new(live::EventSink(app.clone()));
    live::announce_whose_changes(Arc::clone(&patient), app.clone());
    let live = live::Live::start(Arc::clone(&patient), notifier.clone(), sink);
    let devices = devices::Devices::start(Arc::clone(&patient), notifier.clone(), app.clone());
    let watch = hale_core::watch::spawn(
        Arc::clone(&patient),
        notifier,
        chrono::Local,
        Arc::new(chrono::Utc::now),
        options,
    );
    // The commands go on now: the tray below waits for the main thread, which is busy
    // building the window.
    let _ = app.state::<Ready<live::Live>>().set(live);
    let _ = app.state::<Ready<devices::Devices>>().set(devices);
    let _ = app.state::<Ready<AppState>>().set(state);
    // The tray's menu is GTK's: built on the main thread.
    let (built, tray) = tokio::sync::oneshot::channel();
    let h = app.clone();
    app.run_on_main_thread(move || {
        let tray = match tray::start(&h, patient) {
            Ok(()) => true,
            Err(error) => {
                tracing::warn!(%error, "no tray icon: closing the window will quit");
                false
            }
        };
        let _ = built.send(tray);
    })?;
    let tray = tray.await.unwrap_or(false);
    app.manage(running::Running::new(watch, tray));
    Ok(tray)
}
