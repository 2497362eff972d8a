//! Live views for the screens: the waiting-times board, followed queue places and the care
//! team's changes, emitted as shell events, and the followers' handles so each encounter is
//! followed once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use hale_core::arrival::{follow_board, follow_queue, LiveHandle, LiveSink};
use hale_core::watch::Notifier;
use hale_core::Patient;
use hale_domain::queue::{QueueStatus, WaitingTimes};
use tauri::{AppHandle, Emitter, Runtime};

use crate::convert;

#[derive(Debug)]
pub struct EventSink<R: Runtime>(pub AppHandle<R>);

impl<R: Runtime> LiveSink for EventSink<R> {
    fn waiting_times(&self, board: &WaitingTimes) {
        let view = convert::waiting_times(board);
        if let Err(error) = self.0.emit(hale_api::WAITING_TIMES_EVENT, view) {
            tracing::warn!(%error, "could not send waiting times to the screen");
        }
    }

    fn queue(&self, status: &QueueStatus) {
        if let Err(error) = self.0.emit(hale_api::QUEUE_EVENT, convert::queue(status)) {
            tracing::warn!(%error, "could not send the queue place to the screen");
        }
    }

    fn care_team_changed(&self) {
        if let Err(error) = self.0.emit(hale_api::CARE_TEAM_EVENT, ()) {
            tracing::warn!(%error, "could not tell the screen the care team changed");
        }
    }

    fn helper_alerts_changed(&self) {
        if let Err(error) = self.0.emit(hale_api::HELPER_ALERTS_EVENT, ()) {
            tracing::warn!(%error, "could not tell the screen a helper's alerts changed");
        }
    }
}

/// Tells the screens whenever the app starts showing someone else's records, or the person's
/// own again, however it happened (a switch, or a consent that ended during any request). Ends
/// with the app.
pub fn announce_whose_changes<R: Runtime>(patient: Arc<Patient>, app: AppHandle<R>) {
    let mut changes = patient.whose_changes();
    tauri::async_runtime::spawn(async move {
        while changes.changed().await.is_ok() {
            let now = patient.looking_after().await.ok().flatten();
            let view = now.map(convert::looking_after);
            if let Err(error) = app.emit(hale_api::LOOKING_AFTER_EVENT, view) {
                tracing::warn!(%error, "could not tell the screens whose records they show");
            }
        }
    });
}

/// The live followers of one app.
pub struct Live {
    patient: Arc<Patient>,
    notifier: Arc<dyn Notifier>,
    sink: Arc<dyn LiveSink>,
    _board: LiveHandle,
    _care_team: LiveHandle,
    _helper_alerts: LiveHandle,
    queues: Mutex<HashMap<String, LiveHandle>>,
}

impl std::fmt::Debug for Live {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Live").finish_non_exhaustive()
    }
}

impl Live {
    /// Starts following the board, the care team and the person's alerts as a helper. Must run
    /// inside the async runtime.
    pub fn start(
        patient: Arc<Patient>,
        notifier: Arc<dyn Notifier>,
        sink: Arc<dyn LiveSink>,
    ) -> Self {
        let board = follow_board(patient.clone(), sink.clone());
        let care_team =
            hale_core::care_team::follow_care_team(patient.clone(), notifier.clone(), sink.clone());
        let helper_alerts = hale_core::helper_alerts::follow_helper_alerts(
            patient.clone(),
            notifier.clone(),
            sink.clone(),
            chrono::Local,
        );
        Self {
            patient,
            notifier,
            sink,
            _board: board,
            _care_team: care_team,
            _helper_alerts: helper_alerts,
            queues: Mutex::new(HashMap::new()),
        }
    }

    /// Follows encounter `id` unless it is followed already.
    pub fn follow(&self, id: &str) {
        let mut queues = self.queues.lock().unwrap_or_else(|e| e.into_inner());
        queues.retain(|_, handle| !handle.is_finished());
        queues.entry(id.to_owned()).or_insert_with(|| {
            follow_queue(
                self.patient.clone(),
                id.to_owned(),
                self.notifier.clone(),
                self.sink.clone(),
            )
        });
    }
}
