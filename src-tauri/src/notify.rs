//! The app's notifier: reminders and offers reach the patient through tauri-plugin-notification
//! (on Linux, `org.freedesktop.Notifications` on the session bus).

use hale_core::watch::Notifier;
use hale_domain::reminder::ReminderText;
use tauri::{AppHandle, Emitter, Runtime};
use tauri_plugin_notification::NotificationExt;

#[derive(Debug)]
pub struct PluginNotifier<R: Runtime>(pub AppHandle<R>);

impl<R: Runtime> Notifier for PluginNotifier<R> {
    fn show(&self, text: &ReminderText) -> Result<(), String> {
        self.0
            .notification()
            .builder()
            .title(&text.title)
            .body(&text.body)
            .show()
            .map_err(|e| e.to_string())
    }

    fn waitlist_changed(&self) {
        if let Err(error) = self.0.emit(hale_api::WAITLIST_CHANGED_EVENT, ()) {
            tracing::warn!(%error, "could not tell the screens about the waitlist");
        }
    }
}
