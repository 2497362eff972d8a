//! The care team from the patient's side: the monitoring plan their team set, the alerts the
//! hospital raised and when the team saw each, and the team's messages, shown from the local
//! copy when the hospital cannot be asked. The plan also reminds the patient to measure at the
//! planned times, and bounds the app's own alerts (the patient may make one stricter only).
//!
//! [`follow_care_team`] listens for the hospital's signal that something changed, reads the
//! care team afresh, and announces each new message once, naming who wrote it, never what.

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use hale_domain::device::{ReadingKind, Thresholds};
use hale_domain::monitoring::missing::MeasurementWindow;
use hale_domain::monitoring::patient_side::{measurements_due, tightened};
use hale_domain::monitoring::{CareMessage, CareTeam, HospitalAlert, MonitoringPlan};
use hale_domain::notice::{About, Place};
use hale_domain::reminder::ReminderText;
use hale_store::Owner;

use crate::arrival::{LiveHandle, LiveSink};
use crate::signals::{self, Signal};
use crate::watch::Notifier;
use crate::{CoreError, Freshness, Patient};

/// What the care team screen shows.
#[derive(Debug)]
pub struct CareTeamScreen {
    pub plan: Option<MonitoringPlan>,
    /// The next planned measurement, if any.
    pub next_measurement: Option<(ReadingKind, DateTime<Utc>)>,
    /// Planned measurements due now and not yet taken.
    pub measure_now: Vec<ReadingKind>,
    /// Newest first.
    pub alerts: Vec<HospitalAlert>,
    /// Newest first.
    pub messages: Vec<CareMessage>,
    pub freshness: Freshness,
}

/// Messages older than this are not announced (a first sign-in brings the history).
const ANNOUNCE_WITHIN: Duration = Duration::days(2);

impl Patient {
    /// Reads the care team from the hospital and replaces the local copy.
    pub async fn refresh_care_team(&self, now: DateTime<Utc>) -> Result<CareTeam, CoreError> {
        let (team, patient) = self
            .with_session_of(|s| async move { self.client.care_team(&s).await })
            .await?;
        if self.may_keep(&patient).await? {
            self.store
                .replace_care_team(self.owner(&patient), &team, now)
                .await?;
            self.changed.notify_one();
        }
        Ok(team)
    }

    /// The care team screen: live when the hospital answers, else the saved copy, saying so.
    pub async fn care_team<Tz: TimeZone>(
        &self,
        zone: &Tz,
        now: DateTime<Utc>,
    ) -> Result<CareTeamScreen, CoreError> {
        let (team, freshness) = match self.refresh_care_team(now).await {
            Ok(team) => (team, Freshness::Live { as_of: now }),
            Err(CoreError::Hospital(error)) => {
                let patient = self.saved_patient().await?.ok_or(CoreError::NotSignedIn)?;
                let cached = self.store.care_team(self.owner(&patient)).await?;
                (
                    cached.records,
                    Freshness::Offline {
                        cached_at: cached.fetched_at,
                        error,
                    },
                )
            }
            Err(other) => return Err(other),
        };
        let patient = self.saved_patient().await?.ok_or(CoreError::NotSignedIn)?;
        let (measure_now, next_measurement) = match &team.plan {
            Some(plan) => {
                let (due, next) = self
                    .due_measurements(self.owner(&patient), plan, zone, now)
                    .await?;
                let next_kind = next.and_then(|at| next_kind_at(plan, at, zone).map(|k| (k, at)));
                (due.into_iter().map(|d| d.kind).collect(), next_kind)
            }
            None => (Vec::new(), None),
        };
        Ok(CareTeamScreen {
            plan: team.plan,
            next_measurement,
            measure_now,
            alerts: team.alerts,
            messages: team.messages,
            freshness,
        })
    }

    async fn due_measurements<Tz: TimeZone>(
        &self,
        owner: Owner<'_>,
        plan: &MonitoringPlan,
        zone: &Tz,
        now: DateTime<Utc>,
    ) -> Result<
        (
            Vec<hale_domain::monitoring::patient_side::MeasureNow>,
            Option<DateTime<Utc>>,
        ),
        CoreError,
    > {
        // Home readings: the plan asks for measurements at home, as the hospital's rules do.
        let latest = self.store.latest_home_readings(owner).await?;
        let last = |kind: ReadingKind| {
            latest
                .iter()
                .find(|r| r.reading.kind == kind)
                .map(|r| r.reading.effective)
        };
        Ok(measurements_due(
            plan,
            last,
            zone,
            MeasurementWindow::default(),
            now,
        ))
    }

    /// Reminds the patient once of each planned measurement due and not yet taken; returns
    /// when the next planned time comes. Works from the local copy alone.
    pub async fn remind_measurements<Tz: TimeZone>(
        &self,
        notifier: &dyn Notifier,
        zone: &Tz,
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, CoreError> {
        let Some(patient) = self.own_id().await? else {
            return Ok(None);
        };
        let owner = self.owner(&patient);
        let Some(plan) = self.store.care_plan(owner).await? else {
            return Ok(None);
        };
        let (due, next) = self.due_measurements(owner, &plan, zone, now).await?;
        let keys: Vec<String> = due.into_iter().map(|d| d.key).collect();
        if !keys.is_empty() {
            let shown = self
                .notify_once_for(
                    &patient,
                    &keys,
                    |fresh| measure_text(fresh.len()),
                    notifier,
                    now,
                )
                .await?;
            if shown > 0 {
                tracing::info!(measurements = shown, "measurement reminder shown");
            }
        }
        Ok(next)
    }

    /// Announces each message from the care team once, naming who wrote it, not what.
    pub async fn announce_messages(
        &self,
        notifier: &dyn Notifier,
        now: DateTime<Utc>,
    ) -> Result<(), CoreError> {
        let Some(patient) = self.own_id().await? else {
            return Ok(());
        };
        let team = self.store.care_team(self.owner(&patient)).await?.records;
        for m in team
            .messages
            .iter()
            .filter(|m| now - m.sent < ANNOUNCE_WITHIN)
        {
            let key = format!("message:{}", m.id);
            if self
                .notify_once(&patient, &key, &message_text(&m.from), notifier, now)
                .await?
            {
                tracing::info!("care team message announced");
            }
        }
        Ok(())
    }

    /// The thresholds the app's own alerts use: the patient's, bounded by their care team's
    /// red limits.
    pub(crate) async fn alert_thresholds(&self, owner: Owner<'_>) -> Result<Thresholds, CoreError> {
        let mine = self.store.thresholds(owner).await?;
        Ok(match self.store.care_plan(owner).await? {
            Some(plan) => tightened(&mine, &plan),
            None => mine,
        })
    }

    /// The care team's plan as last saved, if any.
    pub async fn saved_plan(&self) -> Result<Option<MonitoringPlan>, CoreError> {
        Ok(match self.saved_patient().await? {
            Some(patient) => self.store.care_plan(self.owner(&patient)).await?,
            None => None,
        })
    }
}

/// Which measurement is planned at `at`.
fn next_kind_at<Tz: TimeZone>(
    plan: &MonitoringPlan,
    at: DateTime<Utc>,
    zone: &Tz,
) -> Option<ReadingKind> {
    let local = at.with_timezone(zone).time();
    plan.measurements
        .iter()
        .find(|m| m.times.contains(&local))
        .map(|m| m.kind)
}

fn measure_text(count: usize) -> ReminderText {
    ReminderText {
        title: "Time to measure".to_owned(),
        body: match count {
            1 => "Your care team's plan has a measurement due. Open Hale to take it.".to_owned(),
            n => format!("Your care team's plan has {n} measurements due. Open Hale to take them."),
        },
        about: About::Shown(Place::CareTeam),
    }
}

fn message_text(from: &str) -> ReminderText {
    ReminderText {
        title: "New message from your care team".to_owned(),
        body: format!("{from} wrote to you. Open Hale to read it."),
        about: About::Shown(Place::CareTeam),
    }
}

/// Listens for the hospital's signal that the care team's side changed; on each, reads it
/// afresh, announces new messages and tells the screen. Reconnects after a lost connection.
pub fn follow_care_team(
    patient: Arc<Patient>,
    notifier: Arc<dyn Notifier>,
    sink: Arc<dyn LiveSink>,
) -> LiveHandle {
    LiveHandle::spawn(async move {
        signals::follow(&patient, Signal::CareTeam, || async {
            let now = Utc::now();
            match patient.refresh_care_team(now).await {
                Ok(_) => {
                    if let Err(error) = patient.announce_messages(notifier.as_ref(), now).await {
                        tracing::warn!(%error, "messages not announced");
                    }
                    sink.care_team_changed();
                }
                Err(error) => tracing::info!(%error, "care team not refreshed"),
            }
        })
        .await;
    })
}
