//! The long-lived task that keeps the patient informed while the app runs: it refreshes from the
//! hospital now and then, shows appointment, parking, medicine and planned-measurement reminders
//! when they fall due, sends logged doses to the hospital, and announces offers of earlier slots
//! from the waitlist and messages from the care team.
//!
//! It is a tokio task behind a [`WatchHandle`]. Reminders are computed from the local copy, so
//! they come on time offline too; the hospital refresh only keeps that copy current. The task
//! wakes at the next reminder's time, whenever the copy or the settings change, and at least
//! once a minute, because a suspended machine's monotonic clock stands still while the wall
//! clock moves on. While the patient waits for an earlier slot it asks the hospital for offers
//! every [`WatchOptions::offer_poll`]: an offer is held for minutes, so a slow poll wastes it.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, TimeZone, Utc};
use hale_domain::reminder::{self, ReminderText};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::{CoreError, Patient};

/// Shows a notification to the patient. The app's implementation goes through
/// tauri-plugin-notification; tests record what they are given.
pub trait Notifier: Send + Sync + 'static {
    fn show(&self, text: &ReminderText) -> Result<(), String>;

    /// Tells open screens that the waitlist changed (a new offer), so they reload it.
    fn waitlist_changed(&self) {}

    /// Hands the platform the dose reminders still to come today (at most [`SCHEDULE_AHEAD`]),
    /// soonest first, so that a phone shows them while Hale is suspended (OS-scheduled
    /// notifications). Each call schedules the whole set anew: a reminder missing from it (the
    /// dose was logged, the medicine stopped) is cancelled. A desktop Hale keeps running in the
    /// tray and shows each reminder itself when due, so its notifier keeps none (see
    /// docs/mobile.md).
    fn schedule(&self, _ahead: &[Scheduled]) {}
}

/// How far ahead reminders are handed to the platform: a day, refreshed at every pass, keeps
/// well inside iOS's 64 pending notifications.
pub const SCHEDULE_AHEAD: chrono::Duration = chrono::Duration::hours(24);

/// A reminder the platform is to show at `at` unless scheduled again without it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scheduled {
    /// Stable across passes, so the platform replaces rather than repeats it.
    pub key: String,
    pub at: DateTime<Utc>,
    pub text: ReminderText,
}

/// The current time; the app passes `Utc::now`, tests a clock they control.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// How often the hospital is asked for changes made elsewhere (e.g. by the clinic).
const REFRESH_EVERY: chrono::Duration = chrono::Duration::minutes(10);

/// How the watch task paces its questions to the hospital.
#[derive(Debug, Clone, Copy)]
pub struct WatchOptions {
    /// How often to ask for waitlist offers while the patient waits for one.
    pub offer_poll: StdDuration,
}

impl Default for WatchOptions {
    fn default() -> Self {
        Self {
            offer_poll: StdDuration::from_secs(60),
        }
    }
}
/// The longest sleep, so a wall-clock jump (suspend, manual change) is noticed within a minute.
const MAX_SLEEP: StdDuration = StdDuration::from_secs(60);
/// The wait when the next moment has already passed.
const PAST_DUE_WAIT: StdDuration = StdDuration::from_secs(1);

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

    /// Stops the task, letting it finish what it is doing for at most `limit`, then ends it
    /// wherever it is (every outbox survives that: a record is marked sent only after the
    /// hospital answered, and sent again it is stored once). Whether it finished in time.
    pub async fn stop_within(mut self, limit: StdDuration) -> bool {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let Some(mut task) = self.task.take() else {
            return true;
        };
        match tokio::time::timeout(limit, &mut task).await {
            Ok(_) => true,
            Err(_) => {
                task.abort();
                false
            }
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
    options: WatchOptions,
) -> WatchHandle
where
    Tz: TimeZone + Send + Sync + 'static,
    Tz::Offset: std::fmt::Display + Send + Sync,
{
    let (stop_tx, mut stop_rx) = oneshot::channel();
    let task = tokio::spawn(async move {
        let mut last_refresh: Option<DateTime<Utc>> = None;
        let mut last_offer_check: Option<DateTime<Utc>> = None;
        // Unknown at start: look once, then poll only while something waits.
        let mut waiting = true;
        let offer_poll =
            chrono::Duration::from_std(options.offer_poll).unwrap_or(chrono::Duration::minutes(1));
        let mut woken = true;
        loop {
            let now = clock();
            let refresh_due = last_refresh.is_none_or(|t| now - t >= REFRESH_EVERY || now < t);
            if refresh_due {
                last_refresh = Some(now);
                patient.refresh(now).await;
                if let Err(error) = patient.refresh_medicines(&zone, now).await {
                    tracing::info!(%error, "medicines not refreshed");
                }
                // The care team's plan, alerts and messages (live changes come through
                // `care_team::follow_care_team`; this catches up after a gap).
                match patient.refresh_care_team(now).await {
                    Ok(_) => {
                        if let Err(error) = patient.announce_messages(notifier.as_ref(), now).await
                        {
                            tracing::warn!(%error, "messages not announced");
                        }
                    }
                    Err(error) => tracing::info!(%error, "care team not refreshed"),
                }
                // Readings taken at a visit, for the charts.
                if let Err(error) = patient.sync_clinic_readings(now).await {
                    tracing::info!(%error, "clinic readings not copied");
                }
            } else if let Err(error) = patient.sync_pending(clock()).await {
                // Dose records wait in the outbox; the next pass tries again.
                tracing::info!(%error, "dose records not sent yet");
            }
            // Pre-visit forms sent while the hospital was away.
            if let Err(error) = patient.sync_forms(clock()).await {
                tracing::info!(%error, "forms not sent yet");
            }
            // Device readings stored while the hospital was away (the device service relays
            // fresh ones itself).
            if let Err(error) = patient.relay_pending(clock()).await {
                tracing::info!(%error, "readings not relayed yet");
            }
            let poll_due =
                waiting && last_offer_check.is_none_or(|t| now - t >= offer_poll || now < t);
            if refresh_due || woken || poll_due {
                last_offer_check = Some(now);
                match patient
                    .announce_offers(notifier.as_ref(), &zone, clock())
                    .await
                {
                    Ok(still_waiting) => waiting = still_waiting,
                    // The hospital has no waitlist: nothing to check, nothing to say.
                    Err(CoreError::NotOffered(_)) => waiting = false,
                    Err(error) => tracing::info!(%error, "waitlist offers not checked"),
                }
            }
            let next = match patient.remind(notifier.as_ref(), &zone, clock()).await {
                Ok(next) => next,
                Err(error) => {
                    tracing::warn!(%error, "reminders could not be checked");
                    None
                }
            };
            let parking_next = match patient
                .remind_parking(notifier.as_ref(), &zone, clock())
                .await
            {
                Ok(next) => next,
                Err(error) => {
                    tracing::warn!(%error, "parking reminders could not be checked");
                    None
                }
            };
            let doses_next = match patient
                .remind_doses(notifier.as_ref(), &zone, clock())
                .await
            {
                Ok(next) => next,
                Err(error) => {
                    tracing::warn!(%error, "dose reminders could not be checked");
                    None
                }
            };
            let measure_next = match patient
                .remind_measurements(notifier.as_ref(), &zone, clock())
                .await
            {
                Ok(next) => next,
                Err(error) => {
                    tracing::warn!(%error, "measurement reminders could not be checked");
                    None
                }
            };
            // A dose record leaving its undo window is sent then, not at the next refresh.
            let final_next = match patient.next_final_dose(clock()).await {
                Ok(next) => next,
                Err(error) => {
                    tracing::warn!(%error, "the dose outbox could not be read");
                    None
                }
            };
            let next = [next, parking_next, doses_next, measure_next, final_next]
                .into_iter()
                .flatten()
                .min();
            // A time already past (the pass took longer than the wait) is a short wait, not a
            // long one; a second's floor, so a moment that stays past never spins the loop.
            let mut wait = next
                .map(|at| (at - clock()).to_std().unwrap_or(PAST_DUE_WAIT))
                .map_or(MAX_SLEEP, |w| w.min(MAX_SLEEP));
            if waiting {
                wait = wait.min(options.offer_poll);
            }
            woken = false;
            tokio::select! {
                _ = &mut stop_rx => break,
                _ = patient.changed() => woken = true,
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
    /// Announces each newly offered earlier slot once, and says whether the patient still
    /// waits for one (so the caller knows whether to keep polling).
    pub async fn announce_offers<Tz>(
        &self,
        notifier: &dyn Notifier,
        zone: &Tz,
        now: DateTime<Utc>,
    ) -> Result<bool, CoreError>
    where
        Tz: TimeZone,
        Tz::Offset: std::fmt::Display,
    {
        let entries = self.waitlist().await?;
        let Some(patient) = self.saved_patient().await? else {
            return Ok(!entries.is_empty());
        };
        let mut announced = false;
        for offer in entries.iter().filter_map(|e| e.offer.as_ref()) {
            if offer.expires <= now {
                continue;
            }
            let key = format!("offer:{}", offer.id);
            let about = hale_domain::notice::About::Offer {
                patient: patient.clone(),
                offer_id: offer.id.clone(),
            };
            let text =
                hale_domain::waitlist::offer_text(about, offer.start, offer.expires, now, zone);
            if self
                .notify_once(&patient, &key, &text, notifier, now)
                .await?
            {
                announced = true;
                tracing::info!("waitlist offer announced");
            }
        }
        if announced {
            notifier.waitlist_changed();
        }
        Ok(!entries.is_empty())
    }

    /// Shows the reminders due at `now` that were not shown before (each once, see
    /// `notify_once`), and returns when the next one falls due. Works from the local copy alone.
    pub async fn remind<Tz>(
        &self,
        notifier: &dyn Notifier,
        zone: &Tz,
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, CoreError>
    where
        Tz: TimeZone,
        Tz::Offset: std::fmt::Display,
    {
        let Some(patient) = self.own_id().await? else {
            return Ok(None);
        };
        let owner = self.owner(&patient);
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
            let text = reminder::reminder_text(due.start, now, zone);
            if self
                .notify_once(&patient, &due.key, &text, notifier, now)
                .await?
            {
                tracing::info!(lead = %due.lead, "reminder shown");
            }
        }
        Ok(plan.next)
    }
}
