//! Medicines from the patient's side: the list (prescriptions from the hospital and medicines
//! the patient adds), today's doses and their states, logging, snoozing, reminders, adherence,
//! supply, and sending dose records to the hospital exactly once.
//!
//! Everything works from the local store, so it works offline; the hospital is asked for
//! prescriptions and sent dose records when it answers. Doses are expanded from each schedule by
//! `hale_domain::medication::timing` in the device's zone (see the travel rule there).

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use hale_domain::medication::adherence::{self, DosePolicy, DoseState, Tally};
use hale_domain::medication::supply::{self, Outlook, LOOKAHEAD_DAYS};
use hale_domain::medication::timing::{expand, validate, DailyRoutine, DosageStep, ScheduledDose};
use hale_domain::medication::{AsNeeded, DoseRecord, Medicine, Outcome, Source};
use hale_domain::reminder::ReminderText;
use hale_fhir::MedicationAdministration;

use crate::watch::Notifier;
use crate::{CoreError, Freshness, Patient};

/// How far back adherence is counted (the month view) and records are kept in view.
const HISTORY_DAYS: i64 = 30;
/// Records sent to the hospital per transaction.
const SYNC_BATCH: u32 = 200;

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
    #[error("only medicines you added can be removed here")]
    NotOwn,
    #[error("{0}")]
    Invalid(String),
}

/// One dose on the patient's day.
#[derive(Debug, Clone, PartialEq)]
pub struct DoseItem {
    pub medicine_id: String,
    pub name: String,
    pub slot: String,
    pub due: DateTime<Utc>,
    pub dose: Option<f64>,
    pub unit: Option<String>,
    pub state: DoseState,
}

/// A medicine with how it is going.
#[derive(Debug, Clone, PartialEq)]
pub struct MedicineStatus {
    pub medicine: Medicine,
    /// `None` until the patient counts their supply.
    pub supply: Option<Outlook>,
    pub week: Tally,
    pub month: Tally,
    /// Doses of an as-needed medicine in the last 24 hours.
    pub taken_last_day: u32,
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

/// A medicine the patient adds.
#[derive(Debug, Clone, PartialEq)]
pub struct NewMedicine {
    pub name: String,
    pub instructions: Option<String>,
    pub dose: Option<f64>,
    pub unit: Option<String>,
    /// The schedule's step; `None` for a medicine taken only as needed.
    pub step: Option<DosageStep>,
}

/// How a sync went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SyncReport {
    pub created: usize,
    pub already_there: usize,
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
        let requests = self
            .with_session(|s| async move { self.client.medication_requests(&s).await })
            .await?;
        let since = now - Duration::days(HISTORY_DAYS + 1);
        let held = self
            .with_session(
                |s| async move { self.client.medication_administrations(&s, since).await },
            )
            .await?;
        let session = self.session().await?;
        let owner = self.owner(&session.patient_id);
        let mut unreadable = 0usize;
        let prescriptions: Vec<Medicine> = requests
            .iter()
            .map(|r| {
                let (medicine, error) = r.to_medicine(zone);
                if error.is_some() {
                    unreadable += 1;
                }
                medicine
            })
            .collect();
        if unreadable > 0 {
            tracing::warn!(
                unreadable,
                "prescriptions whose schedule Hale cannot follow"
            );
        }
        self.store
            .replace_prescriptions(owner, &prescriptions, now)
            .await?;
        let records: Vec<DoseRecord> = held.iter().filter_map(|a| a.to_record()).collect();
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
            let batch = self.store.unsynced_doses(owner, SYNC_BATCH).await?;
            if batch.is_empty() {
                return Ok(report);
            }
            let records: Vec<MedicationAdministration> = batch
                .iter()
                .map(|r| {
                    let fallback = unknown_medicine(&r.medicine_id);
                    let medicine = medicines.get(&r.medicine_id).unwrap_or(&fallback);
                    MedicationAdministration::from_record(r, medicine, &patient)
                })
                .collect();
            let answers = self
                .with_session(|s| {
                    let records = records.clone();
                    async move { self.client.send_administrations(&s, records).await }
                })
                .await?;
            for a in &answers {
                match a {
                    hale_client::Stored::Created => report.created += 1,
                    hale_client::Stored::AlreadyThere => report.already_there += 1,
                }
            }
            self.store.mark_doses_synced(owner, &batch, now).await?;
            tracing::info!(sent = batch.len(), "dose records confirmed by the hospital");
        }
    }

    /// Sends the outbox if anything waits in it (cheap when nothing does).
    pub async fn sync_pending(&self, now: DateTime<Utc>) -> Result<SyncReport, CoreError> {
        let Some(patient) = self.saved_patient().await? else {
            return Ok(SyncReport::default());
        };
        if self.store.unsynced_count(self.owner(&patient)).await? == 0 {
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

    /// Adds a medicine of the patient's own, with its schedule.
    pub async fn add_medicine(
        &self,
        new: NewMedicine,
        now: DateTime<Utc>,
    ) -> Result<Medicine, CoreError> {
        let name = new.name.trim();
        if name.is_empty() || name.chars().count() > 120 {
            return Err(MedicineError::Invalid(
                "give the medicine a name (up to 120 letters)".into(),
            )
            .into());
        }
        if let Some(step) = &new.step {
            validate(&step.timing).map_err(|e| MedicineError::Invalid(e.to_string()))?;
        }
        let patient = self.require_patient().await?;
        let medicine = Medicine {
            id: format!("own:{:x}", now.timestamp_micros()),
            name: name.to_owned(),
            instructions: new.instructions.filter(|i| !i.trim().is_empty()),
            source: Source::Own,
            as_needed: new.step.is_none().then_some(AsNeeded {
                dose: new.dose,
                max_per_day: None,
            }),
            steps: new
                .step
                .map(|s| DosageStep {
                    dose: new.dose,
                    unit: new.unit.clone(),
                    ..s
                })
                .into_iter()
                .collect(),
            unit: new.unit,
            active: true,
        };
        self.store
            .save_own_medicine(self.owner(&patient), &medicine)
            .await?;
        self.changed.notify_one();
        Ok(medicine)
    }

    /// Stops a medicine the patient added: no more reminders; its records stay.
    pub async fn stop_medicine(&self, medicine_id: &str) -> Result<(), CoreError> {
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
        let Some(patient) = self.saved_patient().await? else {
            return Ok(None);
        };
        let view = self
            .medicines_view(zone, now, Freshness::Live { as_of: now })
            .await?;
        let owner = self.owner(&patient);
        let mut next: Option<DateTime<Utc>> = None;
        let mut soon = |t: DateTime<Utc>| next = Some(next.map_or(t, |n| n.min(t)));
        let mut due_now: Vec<(String, DateTime<Utc>)> = Vec::new();
        for d in &view.doses {
            match d.state {
                DoseState::Upcoming => soon(d.due),
                DoseState::Due => {
                    let key = format!("dose:{}@{}", d.medicine_id, d.slot);
                    due_now.push((key, d.due));
                }
                DoseState::Snoozed { until } => soon(until),
                _ => {}
            }
        }
        // A snoozed dose that is due again has its own key, so it is reminded once more.
        let snoozes = self
            .store
            .dose_snoozes(owner, now - Duration::days(1))
            .await?;
        for (key, due) in &mut due_now {
            if let Some(until) = snoozes.get(&key["dose:".len()..]) {
                key.push_str(&format!("#snoozed@{}", until.timestamp()));
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
            let shown = self
                .notify_once_for(&patient, &keys, |n| dose_text(n, due, zone), notifier, now)
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
        let view = build(&medicines, &records, &snoozes, &supplies, zone, now);
        Ok(Medicines {
            unsynced,
            freshness,
            ..view
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

/// The scheduled dose of `medicine` in `slot`, if it is one of its doses from the last month
/// to the next day (a patient logs today's, or catches up on recent ones).
fn find_dose<Tz: TimeZone>(
    medicine: &Medicine,
    slot: &str,
    zone: &Tz,
    now: DateTime<Utc>,
) -> Option<ScheduledDose> {
    expand(
        &medicine.steps,
        &DailyRoutine::default(),
        zone,
        now - Duration::days(HISTORY_DAYS),
        now + Duration::days(1),
    )
    .into_iter()
    .find(|d| d.slot.key() == slot)
}

/// Composes the screen from what the device holds: pure, given `now` and `zone`.
fn build<Tz: TimeZone>(
    medicines: &[Medicine],
    records: &[DoseRecord],
    snoozes: &HashMap<String, DateTime<Utc>>,
    supplies: &HashMap<String, (f64, DateTime<Utc>)>,
    zone: &Tz,
    now: DateTime<Utc>,
) -> Medicines {
    let policy = DosePolicy::default();
    let routine = DailyRoutine::default();
    let by_key: HashMap<String, &DoseRecord> = records.iter().map(|r| (r.key(), r)).collect();
    let local_today = now.with_timezone(zone).date_naive();
    let start_of_today = zone
        .from_local_datetime(&local_today.and_hms_opt(0, 0, 0).unwrap_or_default())
        .earliest()
        .map_or(now - Duration::hours(12), |t| t.with_timezone(&Utc));
    let show_from = start_of_today.min(now - Duration::hours(24));
    let show_until = start_of_today + Duration::hours(26);
    let month_from = now - Duration::days(HISTORY_DAYS);
    let week_from = now - Duration::days(7);

    let mut doses = Vec::new();
    let mut statuses = Vec::new();
    let mut all_month: Vec<(DateTime<Utc>, Option<&DoseRecord>)> = Vec::new();
    for m in medicines {
        let expanded = if m.active {
            expand(&m.steps, &routine, zone, month_from, show_until)
        } else {
            Vec::new()
        };
        let mut month = Vec::new();
        for d in &expanded {
            let key = m.dose_key(&d.slot.key());
            let record = by_key.get(&key).copied();
            if d.due <= now {
                month.push((d.due, record));
            }
            if d.due >= show_from && d.due < show_until {
                let state = policy.state(d.due, record, snoozes.get(&key).copied(), now);
                // Yesterday's settled doses are history; only unsettled ones stay on today's list.
                let today = d.due >= start_of_today;
                if today
                    || matches!(
                        state,
                        DoseState::Due | DoseState::Snoozed { .. } | DoseState::Missed
                    )
                {
                    doses.push(DoseItem {
                        medicine_id: m.id.clone(),
                        name: m.name.clone(),
                        slot: d.slot.key(),
                        due: d.due,
                        dose: d.dose,
                        unit: m.unit.clone(),
                        state,
                    });
                }
            }
        }
        let week = adherence::tally(
            month.iter().filter(|(due, _)| *due >= week_from).copied(),
            now,
            &policy,
        );
        let month_tally = adherence::tally(month.iter().copied(), now, &policy);
        all_month.extend(month);
        let supply = supplies.get(&m.id).map(|(amount, counted)| {
            let taken = records
                .iter()
                .filter(|r| r.medicine_id == m.id && r.at >= *counted)
                .filter_map(|r| match r.outcome {
                    Outcome::Taken { amount } => Some(amount.unwrap_or(1.0)),
                    Outcome::Skipped { .. } => None,
                });
            let left = supply::remaining(*amount, taken);
            let upcoming = if m.active {
                expand(
                    &m.steps,
                    &routine,
                    zone,
                    now,
                    now + Duration::days(i64::from(LOOKAHEAD_DAYS)),
                )
            } else {
                Vec::new()
            };
            supply::outlook(left, &upcoming, now)
        });
        let taken_last_day = records
            .iter()
            .filter(|r| {
                r.medicine_id == m.id && r.due.is_none() && r.at > now - Duration::hours(24)
            })
            .filter(|r| matches!(r.outcome, Outcome::Taken { .. }))
            .count() as u32;
        statuses.push(MedicineStatus {
            medicine: m.clone(),
            supply,
            week,
            month: month_tally,
            taken_last_day,
        });
    }
    doses.sort_by(|a, b| a.due.cmp(&b.due).then_with(|| a.name.cmp(&b.name)));
    let week = adherence::tally(
        all_month
            .iter()
            .filter(|(due, _)| *due >= week_from)
            .copied(),
        now,
        &policy,
    );
    let month = adherence::tally(all_month.iter().copied(), now, &policy);
    let daily = adherence::daily(
        all_month.iter().copied(),
        now,
        zone,
        HISTORY_DAYS as u32,
        &policy,
    );
    Medicines {
        medicines: statuses,
        doses,
        week,
        month,
        daily,
        unsynced: 0,
        freshness: Freshness::Live { as_of: now },
    }
}

/// A dose reminder says when, never what: it can show on a locked screen.
fn dose_text<Tz>(count: usize, due: DateTime<Utc>, zone: &Tz) -> ReminderText
where
    Tz: TimeZone,
    Tz::Offset: std::fmt::Display,
{
    let time = due.with_timezone(zone).format("%H:%M");
    ReminderText {
        title: "Time for your medicine".to_owned(),
        body: match count {
            1 => format!("A dose is due at {time}. Open Hale to log it."),
            n => format!("{n} doses are due at {time}. Open Hale to log them."),
        },
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
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hale_domain::medication::timing::{Bounds, PeriodUnit, Timing};

    fn medicine(id: &str, times: &[(u32, u32)]) -> Medicine {
        let start = NaiveDate::from_ymd_opt(2026, 11, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap();
        Medicine {
            id: id.into(),
            name: id.into(),
            instructions: None,
            source: Source::Own,
            steps: vec![DosageStep {
                timing: Timing {
                    frequency: times.len() as u32,
                    period: 1,
                    period_unit: PeriodUnit::Day,
                    time_of_day: times
                        .iter()
                        .map(|(h, m)| chrono::NaiveTime::from_hms_opt(*h, *m, 0).unwrap())
                        .collect(),
                    day_of_week: Vec::new(),
                    when: Vec::new(),
                    offset_minutes: 0,
                    count: None,
                },
                bounds: Bounds { start, end: None },
                dose: Some(1.0),
                unit: Some("tablet".into()),
            }],
            as_needed: None,
            unit: Some("tablet".into()),
            active: true,
        }
    }

    fn at(d: u32, h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, d, h, m, 0).unwrap()
    }

    #[test]
    fn todays_list_has_todays_doses_and_yesterdays_unsettled_ones() {
        let meds = [medicine("own:a", &[(8, 0), (20, 0)])];
        let taken = DoseRecord {
            medicine_id: "own:a".into(),
            slot: "2026-12-02T08:00".into(),
            due: None,
            outcome: Outcome::Taken { amount: None },
            at: at(2, 8, 5),
        };
        let view = build(
            &meds,
            &[taken],
            &HashMap::new(),
            &HashMap::new(),
            &Utc,
            at(2, 9, 0),
        );
        let slots: Vec<(&str, DoseState)> = view
            .doses
            .iter()
            .map(|d| (d.slot.as_str(), d.state))
            .collect();
        assert_eq!(
            slots,
            [
                ("2026-12-01T20:00", DoseState::Missed),
                (
                    "2026-12-02T08:00",
                    DoseState::Taken {
                        at: at(2, 8, 5),
                        late: false
                    }
                ),
                ("2026-12-02T20:00", DoseState::Upcoming),
            ]
        );
        // A month of two doses a day, one taken: the tally counts settled doses only.
        assert_eq!(view.month.taken, 1);
        assert_eq!(view.month.settled(), 60);
    }

    #[test]
    fn a_stopped_medicine_has_no_doses() {
        let mut m = medicine("own:a", &[(8, 0)]);
        m.active = false;
        let view = build(
            &[m],
            &[],
            &HashMap::new(),
            &HashMap::new(),
            &Utc,
            at(2, 9, 0),
        );
        assert!(view.doses.is_empty());
        assert_eq!(view.month.settled(), 0);
    }

    #[test]
    fn the_supply_counts_down_from_the_last_count() {
        let meds = [medicine("own:a", &[(8, 0), (20, 0)])];
        let taken = |d: u32, h: u32| DoseRecord {
            medicine_id: "own:a".into(),
            slot: format!("2026-12-0{d}T{h:02}:00"),
            due: None,
            outcome: Outcome::Taken { amount: Some(1.0) },
            at: at(d, h, 0),
        };
        let records = [taken(1, 8), taken(1, 20), taken(2, 8)];
        let supplies = HashMap::from([("own:a".to_owned(), (10.0, at(1, 12, 0)))]);
        let view = build(
            &meds,
            &records,
            &HashMap::new(),
            &supplies,
            &Utc,
            at(2, 9, 0),
        );
        let outlook = view.medicines[0].supply.unwrap();
        assert_eq!(outlook.remaining, 8.0);
        // Eight doses last until the 6th at 08:00; the one at 20:00 that day is not covered.
        assert_eq!(outlook.days_left, Some(4));
        assert!(outlook.refill);
    }
}
