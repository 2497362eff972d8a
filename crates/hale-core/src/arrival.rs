//! Arrival from the patient's side: check in, see where one stands, and the live board.
//!
//! Live views are tokio tasks behind [`LiveHandle`]s: [`follow_board`] keeps the waiting-times
//! board current, [`follow_queue`] a checked-in patient's place, announcing once (through the
//! [`Notifier`]) when they are called to a room. Both reconnect after a lost connection, so a
//! hospital restart or a flaky network only pauses them.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Utc};
use hale_domain::queue::{QueueState, QueueStatus, WaitingTimes};
use hale_domain::Feature;
use tokio::task::JoinHandle;

use crate::watch::Notifier;
use crate::{CoreError, Patient};

/// Where live views go (the app emits them to the screen).
pub trait LiveSink: Send + Sync + 'static {
    fn waiting_times(&self, board: &WaitingTimes);
    fn queue(&self, status: &QueueStatus);
    /// The care team's side changed (read it again from the local copy).
    fn care_team_changed(&self) {}
    /// The alerts the hospital raised for the signed-in person as a helper changed.
    fn helper_alerts_changed(&self) {}
}

/// Stops its task when dropped.
#[derive(Debug)]
pub struct LiveHandle(JoinHandle<()>);

impl LiveHandle {
    pub(crate) fn spawn(task: impl std::future::Future<Output = ()> + Send + 'static) -> Self {
        Self(tokio::spawn(task))
    }

    /// Whether the task has ended (e.g. the visit is over).
    pub fn is_finished(&self) -> bool {
        self.0.is_finished()
    }
}

impl Drop for LiveHandle {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// How long to wait before reconnecting a lost stream.
const RECONNECT: StdDuration = StdDuration::from_secs(3);
/// How often a board the hospital does not offer is looked at again.
const NOT_OFFERED_WAIT: StdDuration = StdDuration::from_secs(60);

impl Patient {
    /// Checks in for appointment `id` and answers with where the patient now stands. Checking
    /// in again is harmless and answers the same way, so it also finds the encounter again
    /// after a restart.
    pub async fn check_in(&self, id: &str, now: DateTime<Utc>) -> Result<QueueStatus, CoreError> {
        self.require(Feature::CheckIn).await?;
        let encounter = self
            .with_session(|s| async move { self.client.check_in(&s, id).await })
            .await?;
        let encounter = encounter.id.ok_or_else(|| {
            hale_client::ClientError::InvalidResponse("an Encounter without an id".into())
        })?;
        // The appointment is now `arrived`; the copy should say so.
        self.refresh_quietly(now).await;
        self.queue_status(&encounter).await
    }

    /// Where encounter `id` stands now.
    pub async fn queue_status(&self, id: &str) -> Result<QueueStatus, CoreError> {
        self.require(Feature::CheckIn).await?;
        self.with_session(|s| async move { self.client.queue_status(&s, id).await })
            .await
    }

    /// Every department's waiting time now. Needs the hospital, not a sign-in.
    pub async fn waiting_times(&self) -> Result<WaitingTimes, CoreError> {
        self.offers().await?.require(Feature::WaitingTimes)?;
        Ok(self.client.waiting_times().await?)
    }
}

/// Keeps `sink` supplied with the live waiting-times board, where the hospital offers one.
pub fn follow_board(patient: Arc<Patient>, sink: Arc<dyn LiveSink>) -> LiveHandle {
    LiveHandle(tokio::spawn(async move {
        loop {
            // Asked each time: a sign-in may read the hospital's statement meanwhile.
            if let Ok(offers) = patient.offers().await {
                if !offers.contains(Feature::WaitingTimes) {
                    tokio::time::sleep(NOT_OFFERED_WAIT).await;
                    continue;
                }
            }
            match patient.client.waiting_times_events().await {
                Ok(mut boards) => {
                    while let Ok(Some(board)) = boards.next().await {
                        sink.waiting_times(&board);
                    }
                }
                Err(error) => tracing::info!(%error, "waiting times not available"),
            }
            tokio::time::sleep(RECONNECT).await;
        }
    }))
}

/// Follows encounter `id` until the visit is over, telling `sink` each change and announcing
/// the call to a room once (recorded in the local store, so not again after a restart).
pub fn follow_queue(
    patient: Arc<Patient>,
    id: String,
    notifier: Arc<dyn Notifier>,
    sink: Arc<dyn LiveSink>,
) -> LiveHandle {
    LiveHandle(tokio::spawn(async move {
        loop {
            let events = patient
                .with_session(|s| {
                    let (patient, id) = (&patient, &id);
                    async move { patient.client.queue_events(&s, id).await }
                })
                .await;
            match events {
                Ok(mut updates) => {
                    while let Ok(Some(status)) = updates.next().await {
                        sink.queue(&status);
                        if status.state == QueueState::Waiting {
                            // The clinic's wait may now outlast the patient's parking.
                            let zone = chrono::Local;
                            if let Err(error) = patient
                                .warn_parking_short(notifier.as_ref(), &zone, &status, Utc::now())
                                .await
                            {
                                tracing::info!(%error, "parking not checked against the wait");
                            }
                        }
                        if status.state == QueueState::Called {
                            announce_call(&patient, notifier.as_ref(), &status).await;
                        }
                        if status.state == QueueState::Finished {
                            return;
                        }
                    }
                }
                // The encounter is gone or not this patient's: nothing to follow.
                Err(CoreError::Hospital(hale_client::ClientError::NotFound)) => return,
                Err(error) => tracing::info!(%error, "queue not available"),
            }
            tokio::time::sleep(RECONNECT).await;
        }
    }))
}

async fn announce_call(patient: &Patient, notifier: &dyn Notifier, status: &QueueStatus) {
    let room = status.room.as_deref().unwrap_or("the clinic");
    let key = format!("called:{}", status.encounter);
    let text = hale_domain::arrival::called_text(room);
    match patient.saved_patient().await {
        Ok(Some(id)) => {
            let shown = patient
                .notify_once(&id, &key, &text, notifier, Utc::now())
                .await;
            if let Err(error) = shown {
                tracing::warn!(%error, "the call to a room could not be recorded");
            }
        }
        // Following a queue needs a sign-in, which saves the patient; should the store fail,
        // the call still matters more than remembering it was shown.
        _ => {
            if let Err(error) = notifier.show(&text) {
                tracing::warn!(%error, "the call to a room could not be announced");
            }
        }
    }
}
