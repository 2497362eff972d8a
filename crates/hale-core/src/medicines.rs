//! Medicines from the patient's side: the list (prescriptions from the hospital and medicines
//! the patient adds), today's doses and their states, logging, snoozing, reminders, adherence,
//! supply, and sending dose records to the hospital exactly once.
//!
//! Everything works from the local store, so it works offline; the hospital is asked for
//! prescriptions and sent dose records when it answers. Doses are expanded from each schedule by
//! `hale_domain::medication::timing` in the device's zone (see the travel rule there).

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use hale_domain::care_circle::Permission;
use hale_domain::medication::adherence::{DoseState, Tally};
use hale_domain::medication::overview::{find_dose, overview, HISTORY_DAYS};
pub use hale_domain::medication::overview::{DoseItem, MedicineStatus};
pub use hale_domain::medication::own::{NewMedicine, OwnSchedule};
use hale_domain::medication::{AsNeeded, DoseRecord, Medicine, Outcome, Source};
use hale_domain::notice::{About, DoseRef, Place};
use hale_domain::reminder::ReminderText;

use crate::watch::{Notifier, Scheduled, SCHEDULE_AHEAD};
use crate::{CoreError, Freshness, Patient};

/// Records sent to the hospital per transaction.
const SYNC_BATCH: u32 = 200;

/// How long a dose just logged can be taken back ("Undo"). Until then it stays on the device,
/// so a slip of the finger never reaches the care team.
pub const UNDO_WINDOW: Duration = Duration::seconds(5);

/// How long after it was logged a record is sent: its undo window and a margin, so an Undo
/// that arrives in its last instant is never overtaken by a send already under way.
pub const SEND_AFTER: Duration = Duration::seconds(7);

/// Why a medicines request was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MedicineError {
    #[error("no such medicine")]
    UnknownMedicine,
    #[error("that medicine has no dose at that time")]
    UnknownDose,
    #[error("a dose cannot be logged for a time that has not come yet")]
    InTheFuture,
    #[error("this dose was already logged")]
    AlreadyLogged,
    #[error("this dose record is final: it can no longer be undone")]
    TooLateToUndo,
    #[error("only medicines you added can be removed here")]
    NotOwn,
    #[error("{0}")]
    Invalid(String),
}

/// The medicines screen.
#[derive(Debug)]
pub struct Medicines {
    pub medicines: Vec<MedicineStatus>,
    /// Today's doses, and earlier ones still due or missed in the last 24 hours, by due time.
    pub doses: Vec<DoseItem>,
    pub week: Tally,
    pub month: Tally,
    /// One tally per local day, the last 30 days, oldest first.
    pub daily: Vec<(NaiveDate, Tally)>,
    /// Dose records the hospital has not confirmed yet.
    pub unsynced: u32,
    pub freshness: Freshness,
}

/// What the patient says about a dose.
#[derive(Debug, Clone, PartialEq)]
pub struct LogDose {
    pub medicine_id: String,
    /// The scheduled dose's slot; `None` for an as-needed dose taken now (or at `at`).
    pub slot: Option<String>,
    pub outcome: Outcome,
    /// When it was taken or skipped; `None` means now.
    pub at: Option<DateTime<Utc>>,
}

/// How a sync went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SyncReport {
    pub created: usize,
    pub already_there: usize,
}

impl SyncReport {
    /// How the hospital answered one batch, entry by entry.
    pub fn of(answers: &[hale_client::Stored]) -> SyncReport {
        let created = answers
            .iter()
            .filter(|a| matches!(a, hale_client::Stored::Created))
            .count();
        SyncReport {
            created,
            already_there: answers.len() - created,
        }
    }

    /// Counts `part` (one batch's report) in.
    pub fn add(&mut self, part: SyncReport) {
        self.created += part.created;
        self.already_there += part.already_there;
    }
}

impl Patient {
    /// The medicines screen as of `now`: prescriptions refreshed and dose records exchanged
    /// with the hospital when it answers, else from the device alone, saying so.
    pub async fn medicines<Tz: TimeZone>(
        &self,
        zone: &Tz,
        now: DateTime<Utc>,
    ) -> Result<Medicines, CoreError> {
        let freshness = match self.refresh_medicines(zone, now).await {
            Ok(()) => Freshness::Live { as_of: now },
            Err(CoreError::Hospital(error)) => {
                tracing::info!(%error, "medicines from the device only");
                let cached_at = self.prescriptions_fetched_at().await?;
                Freshness::Offline { cached_at, error }
            }
            Err(other) => return Err(other),
        };
        self.medicines_view(zone, now, freshness).await
    }

    /// The medicines screen from the device alone, without asking the hospital: after a change
    /// the patient made, which the watch task sends on.
    pub async fn medicines_offline<Tz: TimeZone>(
        &self,
        zone: &Tz,
        now: DateTime<Utc>,
    ) -> Result<Medicines, CoreError> {
        let cached_at = self.prescriptions_fetched_at().await?;
        self.medicines_view(
            zone,
            now,
            Freshness::Live {
                as_of: cached_at.unwrap_or(now),
            },
        )
        .await
    }

    /// When the prescriptions were last fetched from the hospital (`None`: never, or nobody
    /// has signed in on this device).
    async fn prescriptions_fetched_at(&self) -> Result<Option<DateTime<Utc>>, CoreError> {
        Ok(match self.saved_patient().await? {
            Some(p) => self.store.medicines(self.owner(&p)).await?.fetched_at,
            None => None,
        })
    }

    /// Fetches the prescriptions, restores dose records the hospital holds that this device
    /// lacks, and sends the ones it has not confirmed.
    pub async fn refresh_medicines<Tz: TimeZone>(
        &self,
        zone: &Tz,
        now: DateTime<Utc>,
    ) -> Result<(), CoreError> {
        let (prescriptions, patient) = self
            .with_session_of(|s| async move { self.client.prescriptions(&s, zone).await })
            .await?;
        let since = now - Duration::days(HISTORY_DAYS + 1);
        let (records, of) = self
            .with_session_of(|s| async move { self.client.dose_records(&s, since).await })
            .await?;
        if of != patient || !self.may_keep(&patient).await? {
            // The app switched to someone else in between: the next refresh reads theirs.
            tracing::info!("whose records are shown changed during a refresh; not kept");
            return Ok(());
        }
        let owner = self.owner(&patient);
        if prescriptions.unschedulable > 0 {
            tracing::warn!(
                unschedulable = prescriptions.unschedulable,
                "prescriptions whose schedule Hale cannot follow"
            );
        }
        self.store
            .replace_prescriptions(owner, &prescriptions.medicines, now)
            .await?;
        let restored = self.store.import_doses(owner, &records, now).await?;
        if restored > 0 {
            tracing::info!(restored, "dose records restored from the hospital");
        }
        self.sync_doses(now).await?;
        self.changed.notify_one();
        Ok(())
    }

    /// Sends every dose record the hospital has not confirmed, in batches, marking each batch
    /// synced only once the hospital answered for it. A record whose answer was lost is sent
    /// again, and the hospital, matching its identifier, stores it once.
    pub async fn sync_doses(&self, now: DateTime<Utc>) -> Result<SyncReport, CoreError> {
        let Some(patient) = self.saved_patient().await? else {
            return Ok(SyncReport::default());
        };
        let owner = self.owner(&patient);
        let medicines: HashMap<String, Medicine> = self
            .store
            .medicines(owner)
            .await?
            .records
            .into_iter()
            .map(|m| (m.id.clone(), m))
            .collect();
        let mut report = SyncReport::default();
        loop {
            let batch = self
                .store
                .unsynced_doses(owner, SYNC_BATCH, now - SEND_AFTER)
                .await?;
            if batch.is_empty() {
                return Ok(report);
            }
            let fallbacks: Vec<Medicine> = batch
                .iter()
                .map(|r| unknown_medicine(&r.medicine_id))
                .collect();
            let doses: Vec<(&DoseRecord, &Medicine)> = batch
                .iter()
                .zip(&fallbacks)
                .map(|(r, fallback)| (r, medicines.get(&r.medicine_id).unwrap_or(fallback)))
                .collect();
            let answers = self
                .with_session(|s| {
                    let (doses, patient) = (&doses, &patient);
                    async move { self.client.send_doses(&s, patient, doses).await }
                })
                .await?;
            report.add(SyncReport::of(&answers));
            self.store.mark_doses_synced(owner, &batch, now).await?;
            tracing::info!(sent = batch.len(), "dose records confirmed by the hospital");
        }
    }

    /// Sends the outbox if anything waits in it (cheap when nothing does).
    pub async fn sync_pending(&self, now: DateTime<Utc>) -> Result<SyncReport, CoreError> {
        let Some(patient) = self.saved_patient().await? else {
            return Ok(SyncReport::default());
        };
        let final_ones = self
            .store
            .unsynced_doses(self.owner(&patient), 1, now - SEND_AFTER)
            .await?;
        if final_ones.is_empty() {
            return Ok(SyncReport::default());
        }
        self.sync_doses(now).await
    }

    /// Logs a dose (taken, skipped, or taken late). Works offline: the record waits in the
    /// outbox, and the watch task sends it when the hospital answers.
    pub async fn log_dose<Tz: TimeZone>(
        &self,
        log: &LogDose,
        zone: &Tz,
        now: DateTime<Utc>,
    ) -> Result<DoseRecord, CoreError> {
        self.may_change(Permission::Medicines).await?;
        let patient = self.require_patient().await?;
        let owner = self.owner(&patient);
        let medicine = self.medicine(&patient, &log.medicine_id).await?;
        let at = log.at.unwrap_or(now);
        // A minute's grace for a clock that runs a little behind the patient's watch.
        if at > now + Duration::minutes(1) {
            return Err(MedicineError::InTheFuture.into());
        }
        let (slot, due, scheduled_dose) = match &log.slot {
            Some(slot) => {
                let dose =
                    find_dose(&medicine, slot, zone, now).ok_or(MedicineError::UnknownDose)?;
                (slot.clone(), Some(dose.due), dose.dose)
            }
            None => {
                let Some(AsNeeded { dose, .. }) = medicine.as_needed else {
                    return Err(MedicineError::UnknownDose.into());
                };
                (Medicine::as_needed_slot(at), None, dose)
            }
        };
        let outcome = match log.outcome {
            Outcome::Taken { amount } => {
                if amount.is_some_and(|a| !(a > 0.0 && a < 1000.0)) {
                    return Err(
                        MedicineError::Invalid("the amount must be above zero".into()).into(),
                    );
                }
                Outcome::Taken {
                    amount: amount.or(scheduled_dose),
                }
            }
            skipped => skipped,
        };
        let record = DoseRecord {
            medicine_id: medicine.id.clone(),
            slot,
            due,
            outcome,
            at,
        };
        if !self.store.log_dose(owner, &record, now).await? {
            return Err(MedicineError::AlreadyLogged.into());
        }
        tracing::info!("dose logged");
        self.changed.notify_one();
        Ok(record)
    }

    /// Takes back a dose logged less than [`UNDO_WINDOW`] ago: it never reaches the hospital,
    /// and the dose is open again.
    pub async fn undo_dose(
        &self,
        medicine_id: &str,
        slot: &str,
        now: DateTime<Utc>,
    ) -> Result<(), CoreError> {
        self.may_change(Permission::Medicines).await?;
        let patient = self.require_patient().await?;
        let undone = self
            .store
            .undo_dose(self.owner(&patient), medicine_id, slot, now - UNDO_WINDOW)
            .await?;
        if !undone {
            return Err(MedicineError::TooLateToUndo.into());
        }
        tracing::info!("dose record undone");
        self.changed.notify_one();
        Ok(())
    }

    /// When the next dose record not sent yet for its undo window can be sent.
    pub async fn next_final_dose(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, CoreError> {
        let Some(patient) = self.saved_patient().await? else {
            return Ok(None);
        };
        let held = self
            .store
            .first_held_dose(self.owner(&patient), now - SEND_AFTER)
            .await?;
        Ok(held.map(|recorded| recorded + SEND_AFTER))
    }

    /// Reminds of a due dose again in `minutes`.
    pub async fn snooze_dose<Tz: TimeZone>(
        &self,
        medicine_id: &str,
        slot: &str,
        minutes: u32,
        zone: &Tz,
        now: DateTime<Utc>,
    ) -> Result<DateTime<Utc>, CoreError> {
        if !(5..=240).contains(&minutes) {
            return Err(MedicineError::Invalid("snooze for 5 minutes to 4 hours".into()).into());
        }
        let patient = self.require_patient().await?;
        let medicine = self.medicine(&patient, medicine_id).await?;
        find_dose(&medicine, slot, zone, now).ok_or(MedicineError::UnknownDose)?;
        let until = now + Duration::minutes(i64::from(minutes));
        self.store
            .snooze_dose(self.owner(&patient), medicine_id, slot, until)
            .await?;
        self.changed.notify_one();
        Ok(until)
    }

    /// Adds a medicine of the patient's own, with its schedule, added now in `zone`'s time.
    pub async fn add_medicine<Tz: TimeZone>(
        &self,
        new: NewMedicine,
        zone: &Tz,
        now: DateTime<Utc>,
    ) -> Result<Medicine, CoreError> {
        let added = now.with_timezone(zone).naive_local();
        let medicine = new
            .into_medicine(format!("own:{:x}", now.timestamp_micros()), added)
            .map_err(|e| MedicineError::Invalid(e.to_string()))?;
        self.may_change(Permission::Medicines).await?;
        let patient = self.require_patient().await?;
        self.store
            .save_own_medicine(self.owner(&patient), &medicine)
            .await?;
        self.changed.notify_one();
        Ok(medicine)
    }

    /// Stops a medicine the patient added: no more reminders; its records stay.
    pub async fn stop_medicine(&self, medicine_id: &str) -> Result<(), CoreError> {
        self.may_change(Permission::Medicines).await?;
        let patient = self.require_patient().await?;
        let mut medicine = self.medicine(&patient, medicine_id).await?;
        if medicine.source != Source::Own {
            return Err(MedicineError::NotOwn.into());
        }
        medicine.active = false;
        self.store
            .save_own_medicine(self.owner(&patient), &medicine)
            .await?;
        self.changed.notify_one();
        Ok(())
    }

    /// Records how much of a medicine the patient has now.
    pub async fn set_supply(
        &self,
        medicine_id: &str,
        amount: f64,
        now: DateTime<Utc>,
    ) -> Result<(), CoreError> {
        if !(0.0..=10_000.0).contains(&amount) {
            return Err(
                MedicineError::Invalid("the supply must be between 0 and 10,000".into()).into(),
            );
        }
        self.may_change(Permission::Medicines).await?;
        let patient = self.require_patient().await?;
        self.medicine(&patient, medicine_id).await?;
        self.store
            .set_supply(self.owner(&patient), medicine_id, amount, now)
            .await?;
        self.changed.notify_one();
        Ok(())
    }

    /// Shows dose reminders that fell due (grouped by time: one notification per moment, so six
    /// tablets at breakfast are one reminder) and refill reminders, each once. Doses due while
    /// the app was closed are reminded on return while still due (up to 4 hours); older ones
    /// show as missed on the screen. Returns when the next reminder falls due.
    pub async fn remind_doses<Tz>(
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
            notifier.schedule(&[]);
            return Ok(None);
        };
        // The screens show someone the person looks after: their doses are not this device's
        // to remind (the hospital alerts helpers itself), and the person's own wait until they
        // are back, reminded then while still due.
        if self.saved_patient().await?.as_deref() != Some(patient.as_str()) {
            notifier.schedule(&[]);
            return Ok(None);
        }
        let view = self
            .medicines_view(zone, now, Freshness::Live { as_of: now })
            .await?;
        let owner = self.owner(&patient);
        let mut next: Option<DateTime<Utc>> = None;
        let mut soon = |t: DateTime<Utc>| next = Some(next.map_or(t, |n| n.min(t)));
        let mut due_now: Vec<(String, DateTime<Utc>)> = Vec::new();
        // What each key's notification answers, should it carry buttons.
        let mut refs: HashMap<String, DoseRef> = HashMap::new();
        // The doses still to come within a day, by the time they are due (for the platform).
        let mut ahead: HashMap<DateTime<Utc>, Vec<DoseRef>> = HashMap::new();
        let mut plan = |at: DateTime<Utc>, d: &DoseItem| {
            if at <= now + SCHEDULE_AHEAD {
                ahead.entry(at).or_default().push(DoseRef {
                    medicine_id: d.medicine_id.clone(),
                    slot: d.slot.clone(),
                });
            }
        };
        for d in &view.doses {
            match d.state {
                DoseState::Upcoming => {
                    soon(d.due);
                    plan(d.due, d);
                }
                // A late dose was reminded while due; one first seen late is reminded now.
                DoseState::Due | DoseState::Late => {
                    let key = format!("dose:{}@{}", d.medicine_id, d.slot);
                    refs.insert(
                        key.clone(),
                        DoseRef {
                            medicine_id: d.medicine_id.clone(),
                            slot: d.slot.clone(),
                        },
                    );
                    due_now.push((key, d.due));
                }
                DoseState::Snoozed { until } => {
                    soon(until);
                    plan(until, d);
                }
                _ => {}
            }
        }
        let mut scheduled: Vec<Scheduled> = ahead
            .into_iter()
            .map(|(at, doses)| {
                let key = doses
                    .iter()
                    .map(|d| format!("{}@{}", d.medicine_id, d.slot))
                    .collect::<Vec<_>>()
                    .join(",");
                let about = About::Doses {
                    patient: patient.clone(),
                    doses,
                };
                Scheduled {
                    key: format!("doses:{key}#{}", at.timestamp()),
                    at,
                    text: dose_text(about, at, zone),
                }
            })
            .collect();
        scheduled.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.key.cmp(&b.key)));
        notifier.schedule(&scheduled);
        // A snoozed dose that is due again has its own key, so it is reminded once more.
        let snoozes = self
            .store
            .dose_snoozes(owner, now - Duration::days(1))
            .await?;
        for (key, due) in &mut due_now {
            if let Some(until) = snoozes.get(&key["dose:".len()..]) {
                let dose = refs.remove(key.as_str());
                key.push_str(&format!("#snoozed@{}", until.timestamp()));
                if let Some(dose) = dose {
                    refs.insert(key.clone(), dose);
                }
                *due = *until;
            }
        }
        let mut by_time: HashMap<DateTime<Utc>, Vec<String>> = HashMap::new();
        for (key, due) in due_now {
            by_time.entry(due).or_default().push(key);
        }
        let mut times: Vec<_> = by_time.into_iter().collect();
        times.sort_by_key(|(t, _)| *t);
        for (due, keys) in times {
            let about = |fresh: &[&String]| About::Doses {
                patient: patient.clone(),
                doses: fresh.iter().filter_map(|k| refs.get(*k).cloned()).collect(),
            };
            let shown = self
                .notify_once_for(
                    &patient,
                    &keys,
                    |fresh| dose_text(about(fresh), due, zone),
                    notifier,
                    now,
                )
                .await?;
            if shown > 0 {
                tracing::info!(doses = shown, "dose reminder shown");
            }
        }
        let supplies = self.store.supplies(owner).await?;
        for m in &view.medicines {
            let Some(outlook) = m.supply.filter(|o| o.refill) else {
                continue;
            };
            // A new count is a new question: remind once per count.
            let counted = supplies.get(&m.medicine.id).map_or(0, |s| s.1.timestamp());
            let key = format!("refill:{}@{counted}", m.medicine.id);
            self.notify_once(
                &patient,
                &key,
                &refill_text(outlook.days_left),
                notifier,
                now,
            )
            .await?;
        }
        Ok(next)
    }

    async fn medicines_view<Tz: TimeZone>(
        &self,
        zone: &Tz,
        now: DateTime<Utc>,
        freshness: Freshness,
    ) -> Result<Medicines, CoreError> {
        let Some(patient) = self.saved_patient().await? else {
            return Ok(Medicines {
                medicines: Vec::new(),
                doses: Vec::new(),
                week: Tally::default(),
                month: Tally::default(),
                daily: Vec::new(),
                unsynced: 0,
                freshness,
            });
        };
        let owner = self.owner(&patient);
        let medicines = self.store.medicines(owner).await?.records;
        let since = now - Duration::days(HISTORY_DAYS + 1);
        let records = self
            .store
            .dose_records(owner, since - Duration::days(1))
            .await?;
        let snoozes = self
            .store
            .dose_snoozes(owner, now - Duration::days(1))
            .await?;
        let supplies = self.store.supplies(owner).await?;
        let unsynced = self.store.unsynced_count(owner).await?;
        let view = overview(&medicines, &records, &snoozes, &supplies, zone, now);
        Ok(Medicines {
            medicines: view.medicines,
            doses: view.doses,
            week: view.week,
            month: view.month,
            daily: view.daily,
            unsynced,
            freshness,
        })
    }

    pub(crate) async fn require_patient(&self) -> Result<String, CoreError> {
        match self.saved_patient().await? {
            Some(p) => Ok(p),
            // Nobody has signed in on this device yet: sign in now (needs the hospital once).
            None => Ok(self.session().await?.patient_id),
        }
    }

    async fn medicine(&self, patient: &str, id: &str) -> Result<Medicine, CoreError> {
        self.store
            .medicines(self.owner(patient))
            .await?
            .records
            .into_iter()
            .find(|m| m.id == id)
            .ok_or_else(|| MedicineError::UnknownMedicine.into())
    }
}

/// A medicine the device no longer lists (a prescription withdrawn since the dose was logged):
/// its records still go to the hospital under their key.
fn unknown_medicine(id: &str) -> Medicine {
    Medicine {
        id: id.to_owned(),
        name: "Medicine no longer on the list".to_owned(),
        instructions: None,
        source: if id.starts_with("rx:") {
            Source::Prescription
        } else {
            Source::Own
        },
        steps: Vec::new(),
        as_needed: None,
        unit: None,
        active: false,
    }
}

/// A dose reminder says when, never what: it can show on a locked screen.
fn dose_text<Tz>(about: About, due: DateTime<Utc>, zone: &Tz) -> ReminderText
where
    Tz: TimeZone,
    Tz::Offset: std::fmt::Display,
{
    let time = due.with_timezone(zone).format("%H:%M");
    let count = match &about {
        About::Doses { doses, .. } => doses.len(),
        _ => 1,
    };
    ReminderText {
        title: "Time for your medicine".to_owned(),
        body: match count {
            1 => format!("A dose is due at {time}."),
            n => format!("{n} doses are due at {time}."),
        },
        about,
    }
}

fn refill_text(days_left: Option<u32>) -> ReminderText {
    let when = match days_left {
        Some(0) => "has run out".to_owned(),
        Some(1) => "will run out tomorrow".to_owned(),
        Some(d) => format!("will run out in {d} days"),
        None => "is running low".to_owned(),
    };
    ReminderText {
        title: "Time to order more medicine".to_owned(),
        body: format!(
            "One of your medicines {when}. Open Hale to see which, and ask your GP or pharmacy for more."
        ),
        about: About::Shown(Place::Medicines),
    }
}
