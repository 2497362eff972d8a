//! Hale's icon in the system tray (a StatusNotifierItem on Linux): while the window is closed it
//! says when the next dose and appointment are, and offers Open and Quit. The kiosk has none.

use std::sync::Arc;
use std::time::Duration;

use chrono::{Local, Utc};
use hale_core::Patient;
use hale_domain::glance::{appointment_line, dose_line};
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Runtime};

use crate::window;

/// The tray icon's id.
const TRAY: &str = "hale";
const OPEN: &str = "open";
const QUIT: &str = "quit";

/// How often the lines are read again from the device. Polled, since the core's change signal
/// wakes one listener (the watch task) and must stay its own.
const RENEW_EVERY: Duration = Duration::from_secs(20);

/// Puts Hale's icon in the tray and keeps its lines current until the app ends.
pub fn start<R: Runtime>(app: &AppHandle<R>, patient: Arc<Patient>) -> tauri::Result<()> {
    // The two lines are information, not commands: shown, but not clickable ("…" until the
    // device has been read, a moment after start).
    let dose = MenuItem::with_id(app, "next-dose", "…", false, None::<&str>)?;
    let appointment = MenuItem::with_id(app, "next-appointment", "…", false, None::<&str>)?;
    let menu = Menu::with_items(
        app,
        &[
            &dose,
            &appointment,
            &PredefinedMenuItem::separator(app)?,
            &MenuItem::with_id(app, OPEN, "Open Hale", true, None::<&str>)?,
            &MenuItem::with_id(app, QUIT, "Quit Hale", true, None::<&str>)?,
        ],
    )?;
    let mut tray = TrayIconBuilder::with_id(TRAY)
        .tooltip("Hale")
        .menu(&menu)
        .on_menu_event(|app, event| match event.id().as_ref() {
            OPEN => window::open(app, None),
            QUIT => {
                tracing::info!("quit from the tray");
                app.exit(0);
            }
            _ => {}
        });
    if let Some(icon) = app.default_window_icon() {
        tray = tray.icon(icon.clone());
    }
    tray.build(app)?;
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        loop {
            let now = Utc::now();
            match patient.glance(&Local, now).await {
                Ok(glance) => {
                    let lines = (
                        dose_line(glance.next_dose, now, &Local),
                        appointment_line(glance.next_appointment, now, &Local),
                    );
                    let (dose, appointment) = (dose.clone(), appointment.clone());
                    // Set on the main thread without waiting for it: a task blocked on the main
                    // thread could hold up Quit, which runs there.
                    let _ = app.run_on_main_thread(move || {
                        let _ = dose.set_text(lines.0);
                        let _ = appointment.set_text(lines.1);
                    });
                }
                Err(error) => tracing::info!(%error, "the tray's lines were not renewed"),
            }
            tokio::time::sleep(RENEW_EVERY).await;
        }
    });
    Ok(())
}

/// Whether a tray shows Hale's icon: a StatusNotifierWatcher on the session bus with a host
/// registered (a panel). Without one (stock GNOME), the icon exists but nobody sees it.
#[cfg(target_os = "linux")]
pub fn shown() -> bool {
    let ask = || -> zbus::Result<bool> {
        let bus = zbus::blocking::Connection::session()?;
        let reply = bus.call_method(
            Some("org.kde.StatusNotifierWatcher"),
            "/StatusNotifierWatcher",
            Some("org.freedesktop.DBus.Properties"),
            "Get",
            &(
                "org.kde.StatusNotifierWatcher",
                "IsStatusNotifierHostRegistered",
            ),
        )?;
        let value: zbus::zvariant::OwnedValue = reply.body().deserialize()?;
        Ok(bool::try_from(value).unwrap_or(false))
    };
    // On a thread of its own: zbus's blocking client runs an executor of its own.
    std::thread::spawn(ask)
        .join()
        .ok()
        .and_then(Result::ok)
        .unwrap_or(false)
}

/// Elsewhere the system tray is always there.
#[cfg(not(target_os = "linux"))]
pub fn shown() -> bool {
    true
}
