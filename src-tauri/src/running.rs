//! The patient app's life beside its window: it keeps running when the window closes (while a
//! tray icon can bring it back), says so once, and at Quit stops in order.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use hale_core::watch::{Notifier as _, WatchHandle};
use hale_core::Patient;
use hale_domain::notice::{About, Place};
use hale_domain::reminder::ReminderText;
use tauri::{AppHandle, Manager, RunEvent, Runtime};

use crate::notify::PluginNotifier;
use crate::ready::Ready;
use crate::state::AppState;

/// How long Quit lets the watch task finish what it is sending.
const QUIT_WAIT: Duration = Duration::from_secs(5);
/// How long Quit waits for the whole stop (the task, then the store) before leaving anyway.
const QUIT_LIMIT: Duration = Duration::from_secs(8);

/// What runs while the patient app does, stopped in order at quit.
pub struct Running {
    watch: Mutex<Option<WatchHandle>>,
    /// Whether the tray icon exists: without it, closing the window quits, since nothing would
    /// be left to open it again or to quit.
    tray: bool,
    /// Set once the patient chose Quit: the window that closes then is not "still running".
    quitting: AtomicBool,
}

impl Running {
    pub fn new(watch: WatchHandle, tray: bool) -> Self {
        Self {
            watch: Mutex::new(Some(watch)),
            tray,
            quitting: AtomicBool::new(false),
        }
    }
}

/// Whether the tray icon exists and a tray shows it (asked now: a panel may start or stop at
/// any time, and stock GNOME has none), so the patient can come back to Hale and quit it.
fn with_tray<R: Runtime>(app: &AppHandle<R>) -> bool {
    app.try_state::<Running>().is_some_and(|r| r.tray) && crate::tray::shown()
}

/// Whether the patient chose Quit: Hale is ending, and opens nothing any more.
pub fn is_quitting<R: Runtime>(app: &AppHandle<R>) -> bool {
    app.try_state::<Running>()
        .is_some_and(|r| r.quitting.load(Ordering::SeqCst))
}

fn patient<R: Runtime>(app: &AppHandle<R>) -> Option<Arc<Patient>> {
    let state = app.try_state::<Ready<AppState>>()?;
    state.get().map(|s| Arc::clone(&s.patient))
}

/// Keeps the patient app running with no window (unless there is no tray to come back from),
/// and stops it cleanly at quit. The kiosk has no `Running`: it ends with its window.
pub fn on_run_event<R: Runtime>(app: &AppHandle<R>, event: RunEvent) {
    match event {
        // The last window closed (no exit code): the patient app stays.
        RunEvent::ExitRequested {
            code: None, api, ..
        } if with_tray(app) => api.prevent_exit(),
        // Quit (an exit code): the windows close next, and are not to be explained.
        RunEvent::ExitRequested { code: Some(_), .. } => {
            if let Some(running) = app.try_state::<Running>() {
                running.quitting.store(true, Ordering::SeqCst);
            }
        }
        RunEvent::Exit => quit(app),
        _ => {}
    }
}

/// Quit means quit: the watch task finishes what it is sending (ended after a few seconds
/// otherwise; conditional creates make a repeat at the next start harmless), and the store is
/// closed whole. The outboxes keep anything not yet sent. Done on a thread of its own and waited
/// for with a limit of the standard library's, since this runs on the main thread, which tasks
/// may be waiting on.
fn quit<R: Runtime>(app: &AppHandle<R>) {
    let Some(running) = app.try_state::<Running>() else {
        return;
    };
    let watch = running
        .watch
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take();
    let patient = patient(app);
    let (done, stopped) = mpsc::channel();
    std::thread::spawn(move || {
        tauri::async_runtime::block_on(async move {
            if let Some(watch) = watch {
                if !watch.stop_within(QUIT_WAIT).await {
                    tracing::warn!("the watch task was busy at quit; its outbox resumes next time");
                }
            }
            if let Some(patient) = patient {
                patient.close().await;
            }
        });
        let _ = done.send(());
    });
    match stopped.recv_timeout(QUIT_LIMIT) {
        Ok(()) => tracing::info!("Hale quit"),
        Err(_) => tracing::warn!("Hale stopped without waiting any longer for its tasks"),
    }
}

/// The first time the window closes, Hale says once that it keeps running to remind the patient,
/// and how to quit. Said as a notification: there is no window left to say it in.
pub fn explain_the_tray_once<R: Runtime>(app: &AppHandle<R>) {
    if is_quitting(app) || !with_tray(app) {
        return;
    }
    let Some(patient) = patient(app) else {
        return;
    };
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        match patient
            .reach(hale_core::notices::Milestone::TrayExplained)
            .await
        {
            Ok(true) => {
                let text = ReminderText {
                    title: "Hale is still running".to_owned(),
                    body: "Hale keeps running to remind you of doses and appointments. To quit, choose Quit Hale in the menu of Hale's icon."
                        .to_owned(),
                    about: About::Shown(Place::Today),
                };
                if let Err(error) = PluginNotifier(app).show(&text) {
                    tracing::warn!(%error, "could not say that Hale keeps running");
                }
            }
            Ok(false) => {}
            Err(error) => {
                tracing::warn!(%error, "could not tell whether Hale said it keeps running")
            }
        }
    });
}
