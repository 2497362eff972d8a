//! The app's notifier: reminders, offers and alerts reach the patient through
//! tauri-plugin-notification (on Linux, `org.freedesktop.Notifications` on the session bus), with
//! buttons where the notification server shows them.
//!
//! Each notification carries what it is about ([`About`]) in its payload, which the plugin hands
//! back with the button the patient pressed; [`answer`] then does what the same button on the
//! screen does, through the same core call, and opens the window on the right place.

use std::sync::Arc;

use chrono::{Local, Utc};
use hale_core::notices::Answered;
use hale_core::watch::Notifier;
use hale_domain::notice::{About, ActionKind, NoticeAction};
use hale_domain::reminder::ReminderText;
use tauri::{AppHandle, Emitter, Manager, Runtime};
use tauri_plugin_notification::{Action, ActionPerformed, ActionType, NotificationExt};

use crate::ready::Ready;
use crate::state::AppState;
use crate::window;

/// The payload key under which a notification carries what it is about.
const ABOUT: &str = "about";

#[derive(Debug)]
pub struct PluginNotifier<R: Runtime>(pub AppHandle<R>);

impl<R: Runtime> PluginNotifier<R> {
    /// Registers the buttons of each kind and starts listening for them. Must run before the
    /// first notification is shown: the plugin reports only notifications shown after.
    pub fn start(app: &AppHandle<R>) -> Result<Self, tauri_plugin_notification::Error> {
        let notifications = app.notification();
        let types = ActionKind::ALL
            .iter()
            .map(|kind| {
                ActionType::builder(kind.id())
                    .actions(
                        kind.actions()
                            .iter()
                            .map(|a| Action::builder(a.id(), a.title()).build())
                            .collect(),
                    )
                    .build()
            })
            .collect();
        notifications.register_action_types(types)?;
        let handle = app.clone();
        notifications.on_action(move |performed| on_action(&handle, performed))?;
        Ok(Self(app.clone()))
    }
}

impl<R: Runtime> Notifier for PluginNotifier<R> {
    fn show(&self, text: &ReminderText) -> Result<(), String> {
        let kind = text.about.action_kind();
        // Asked each time: the patient's desktop can change its notification server at any time.
        let buttons = kind.is_some() && server_shows_buttons();
        let mut builder = self
            .0
            .notification()
            .builder()
            .title(&text.title)
            .body(text.body_for(buttons))
            .extra(ABOUT, &text.about);
        if let Some(kind) = kind.filter(|_| buttons) {
            builder = builder.action_type_id(kind.id());
        }
        builder.show().map_err(|e| e.to_string())
    }

    fn waitlist_changed(&self) {
        if let Err(error) = self.0.emit(hale_api::WAITLIST_CHANGED_EVENT, ()) {
            tracing::warn!(%error, "could not tell the screens about the waitlist");
        }
    }
}

/// How long an answer about the server's buttons is trusted.
#[cfg(all(unix, not(target_os = "macos")))]
const CAPABILITIES_FOR: std::time::Duration = std::time::Duration::from_secs(60);

/// Whether the session's notification server shows action buttons (`GetCapabilities` lists
/// `actions`), asked at most once a minute (the desktop can change its server). Asked on a
/// thread of its own, since notify-rust runs its own executor to block on the answer.
fn server_shows_buttons() -> bool {
    #[cfg(all(unix, not(target_os = "macos")))]
    {
        use std::sync::Mutex;
        use std::time::Instant;
        static LAST: Mutex<Option<(Instant, bool)>> = Mutex::new(None);
        let mut last = LAST.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((asked, buttons)) = *last {
            if asked.elapsed() < CAPABILITIES_FOR {
                return buttons;
            }
        }
        let buttons = std::thread::spawn(notify_rust::get_capabilities)
            .join()
            .ok()
            .and_then(Result::ok)
            .is_some_and(|caps| caps.iter().any(|c| c == "actions"));
        *last = Some((Instant::now(), buttons));
        buttons
    }
    #[cfg(not(all(unix, not(target_os = "macos"))))]
    {
        true
    }
}

/// A click on a notification or one of its buttons, as the plugin reports it (on a thread of its
/// own, so the work goes to the async runtime).
fn on_action<R: Runtime>(app: &AppHandle<R>, performed: &ActionPerformed) {
    let about = performed
        .notification()
        .and_then(|n| n.extra().get(ABOUT).cloned())
        .and_then(|value| serde_json::from_value::<About>(value).ok());
    let Some(about) = about else {
        // Not one of Hale's (or unreadable): the patient still wanted the app.
        let handle = app.clone();
        let _ = app.run_on_main_thread(move || window::open(&handle, None));
        return;
    };
    let action = NoticeAction::from_id(performed.action_id());
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let done = match action {
            Some(action) => answer(&app, &about, action).await,
            None => false,
        };
        // "Snooze" means not now: the window stays closed. Anything else shows its result.
        if !(done && action == Some(NoticeAction::Snooze)) {
            let place = about.place();
            let handle = app.clone();
            // Built on the main thread, so no task waits on it (Quit runs there).
            let _ = app.run_on_main_thread(move || window::open(&handle, Some(place)));
        }
    });
}

/// Carries out a button pressed on a notification; whether it was done. A failure is told as a
/// notification of its own, since the patient may have no window open to read it in.
async fn answer<R: Runtime>(app: &AppHandle<R>, about: &About, action: NoticeAction) -> bool {
    let Some(state) = app.try_state::<Ready<AppState>>() else {
        return false;
    };
    let Some(state) = state.get() else {
        return false;
    };
    let patient = Arc::clone(&state.patient);
    match patient
        .answer_notice(about, action, &Local, Utc::now())
        .await
    {
        Ok(Answered::Done | Answered::AlreadyDone) => true,
        Ok(Answered::NotInView | Answered::NotOffered) => {
            tracing::info!(action = action.id(), "a notification's button did nothing");
            false
        }
        Err(error) => {
            tracing::warn!(%error, action = action.id(), "a notification's button failed");
            let text = ReminderText {
                title: "That did not work".to_owned(),
                body: "Hale could not do what you asked from the notification. Open Hale to try again."
                    .to_owned(),
                about: About::Shown(about.place()),
            };
            if let Err(error) = PluginNotifier(app.clone()).show(&text) {
                tracing::warn!(%error, "could not say that a notification's button failed");
            }
            false
        }
    }
}
