//! The long-lived task that keeps the patient informed while the app runs: it refreshes from the
//! hospital now and then, and shows appointment reminders when they fall due.
//!
//! It is a tokio task behind a [`WatchHandle`]. Reminders are computed from the local copy, so
//! they come on time offline too; the hospital refresh only keeps that copy current. The task
//! wakes at the next reminder's time, whenever the copy or the settings change, and at least
//! once a minute, because a suspended machine's monotonic clock stands still while the wall
//! clock moves on.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, TimeZone, Utc};
use hale_domain::reminder::{self, ReminderText};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::Patient;

/// Shows a notification to the patient. The app's implementation goes through
/// tauri-plugin-notification; tests record what they are given.
pub trait Notifier: Send + Sync + 'static {
    fn show(&self, text: &ReminderText) -> Result<(), String>;
}

/// The current time; the app passes `Utc::now`, tests a clock they control.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// How often the hospital is asked for changes made elsewhere (e.g. by the clinic).
const REFRESH_EVERY: chrono::Duration = chrono::Duration::minutes(10);
/// The longest sleep, so a wall-clock jump (suspend, manual change) is noticed within a minute.
const MAX_SLEEP: StdDuration = StdDuration::from_secs(60);

/// Stops the watch task when dropped or asked.
#[derive(Debug)]
pub struct WatchHandle {
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl WatchHandle {
    /// Stops the task and waits for it to end.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for WatchHandle {
    fn drop(&mut self) {
        if let Some(task) = &self.task {
            task.abort();
        }
    }
}

/// Starts watching for `patient`, showing reminders in `zone`'s wall-clock time.
pub fn spawn<Tz>(
    patient: Arc<Patient>,
    notifier: Arc<dyn Notifier>,
    zone: Tz,
    clock: Clock,
) -> WatchHandle
where
    Tz: TimeZone + Send + Sync + 'static,
    Tz::Offset: std::fmt::Display + Send + Sync,
{
    let (stop_tx, mut stop_rx) = oneshot::channel();
    let task = tokio::spawn(async move {
        let mut last_refresh: Option<DateTime<Utc>> = None;
        loop {
            let now = clock();
            if last_refresh.is_none_or(|t| now - t >= REFRESH_EVERY || now < t) {
                last_refresh = Some(now);
                patient.refresh(now).await;
            }
            let next = match patient.remind(notifier.as_ref(), &zone, clock()).await {
                Ok(next) => next,
                Err(error) => {
                    tracing::warn!(%error, "reminders could not be checked");
                    None
                }
            };
            let wait = next
                .and_then(|at| (at - clock()).to_std().ok())
                .map_or(MAX_SLEEP, |w| w.min(MAX_SLEEP));
            tokio::select! {
                _ = &mut stop_rx => break,
                _ = patient.changed() => {}
                _ = tokio::time::sleep(wait) => {}
            }
        }
    });
    WatchHandle {
        stop: Some(stop_tx),
        task: Some(task),
    }
}

impl Patient {
    /// Shows the reminders due at `now` that were not shown before, and returns when the next
    /// one falls due. Works from the local copy alone.
    ///
    /// A reminder is recorded as shown before it is shown, so two checks racing cannot both
    /// show it; if showing fails the record is removed and the next check tries again.
    pub async fn remind<Tz>(
        &self,
        notifier: &dyn Notifier,
        zone: &Tz,
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, crate::CoreError>
    where
        Tz: TimeZone,
        Tz::Offset: std::fmt::Display,
    {
        let Some(profile) = self.store.profile(&self.hospital_key).await? else {
            return Ok(None);
        };
        let owner = hale_store::Owner {
            hospital: &self.hospital_key,
            patient_id: &profile.patient_id,
        };
        let appointments = self.store.appointments(owner).await?.records;
        let leads = self.reminder_leads().await?;
        let all = reminder::schedule(&appointments, &leads, zone);
        // Keys older than the longest lead plus a margin belong to appointments long over.
        let sent = self
            .store
            .sent_reminders(owner, now - chrono::Duration::days(60))
            .await?;
        let plan = reminder::plan(&all, &sent, now);
        for due in &plan.due_now {
            if !self.store.mark_reminder_sent(owner, &due.key, now).await? {
                continue;
            }
            let text = reminder::reminder_text(due.start, now, zone);
            match notifier.show(&text) {
                Ok(()) => tracing::info!(lead = %due.lead, "reminder shown"),
                Err(error) => {
                    tracing::warn!(%error, "reminder could not be shown; will retry");
                    self.store.unmark_reminder_sent(owner, &due.key).await?;
                }
            }
        }
        Ok(plan.next)
    }
}
