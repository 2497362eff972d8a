//! Parking from the patient's side: saved vehicles (on this device), car parks, paying for a
//! session, extending and ending it, receipts, concessions, and the reminder before it runs out.

use chrono::{DateTime, Duration, TimeZone, Utc};
use hale_client::{ApplyConcession, CarPark, Card, Concession, ParkingSession};
use hale_domain::parking::Registration;
use hale_domain::reminder::ReminderText;
use hale_store::Vehicle;

use crate::watch::Notifier;
use crate::{CoreError, Freshness, Patient};

/// How long before a session runs out the patient is reminded.
pub const EXPIRY_REMINDER: Duration = Duration::minutes(15);

/// The patient's parking: live from the hospital, or the saved copy.
#[derive(Debug)]
pub struct Parking {
    /// Newest first.
    pub sessions: Vec<ParkingSession>,
    pub freshness: Freshness,
}

impl Patient {
    /// The vehicles saved on this device.
    pub async fn vehicles(&self) -> Result<Vec<Vehicle>, CoreError> {
        Ok(self.store.vehicles().await?)
    }

    /// Saves a vehicle, checking its registration first.
    pub async fn save_vehicle(
        &self,
        registration: &str,
        label: Option<String>,
    ) -> Result<Vehicle, CoreError> {
        let registration = Registration::parse(registration)?;
        let vehicle = Vehicle {
            registration: registration.as_str().to_owned(),
            label: label.filter(|l| !l.trim().is_empty()),
        };
        self.store.save_vehicle(&vehicle).await?;
        Ok(vehicle)
    }

    pub async fn remove_vehicle(&self, registration: &str) -> Result<(), CoreError> {
        Ok(self.store.remove_vehicle(registration).await?)
    }

    /// Every car park. Needs the hospital.
    pub async fn car_parks(&self) -> Result<Vec<CarPark>, CoreError> {
        self.with_session(|s| async move { self.client.car_parks(&s).await })
            .await
    }

    /// Pays for `minutes` of parking now; `key` makes a retry safe. Refreshes the copy.
    pub async fn start_parking(
        &self,
        car_park: &str,
        registration: &str,
        minutes: u32,
        card: &Card,
        key: &str,
        now: DateTime<Utc>,
    ) -> Result<ParkingSession, CoreError> {
        let session = self
            .with_session(|s| async move {
                self.client
                    .start_parking(&s, car_park, registration, minutes, card, key)
                    .await
            })
            .await?;
        self.refresh_parking(now).await;
        Ok(session)
    }

    /// Pays for `minutes` more of session `id`.
    pub async fn extend_parking(
        &self,
        id: &str,
        minutes: u32,
        card: &Card,
        key: &str,
        now: DateTime<Utc>,
    ) -> Result<ParkingSession, CoreError> {
        let session = self
            .with_session(|s| async move {
                self.client.extend_parking(&s, id, minutes, card, key).await
            })
            .await?;
        self.refresh_parking(now).await;
        Ok(session)
    }

    /// Ends session `id`.
    pub async fn end_parking(
        &self,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<ParkingSession, CoreError> {
        let session = self
            .with_session(|s| async move { self.client.end_parking(&s, id).await })
            .await?;
        self.refresh_parking(now).await;
        Ok(session)
    }

    /// The patient's sessions with receipts: live, else the saved copy.
    pub async fn parking(&self, now: DateTime<Utc>) -> Result<Parking, CoreError> {
        match self.fetch_parking(now).await {
            Ok(sessions) => Ok(Parking {
                sessions,
                freshness: Freshness::Live { as_of: now },
            }),
            Err(CoreError::Hospital(error)) => {
                let (sessions, cached_at) = self.parking_copy().await?;
                Ok(Parking {
                    sessions,
                    freshness: Freshness::Offline { cached_at, error },
                })
            }
            Err(other) => Err(other),
        }
    }

    pub async fn apply_concession(
        &self,
        application: &ApplyConcession,
    ) -> Result<Concession, CoreError> {
        self.with_session(|s| async move { self.client.apply_concession(&s, application).await })
            .await
    }

    pub async fn concessions(&self) -> Result<Vec<Concession>, CoreError> {
        self.with_session(|s| async move { self.client.concessions(&s).await })
            .await
    }

    async fn refresh_parking(&self, now: DateTime<Utc>) {
        if let Err(error) = self.fetch_parking(now).await {
            tracing::info!(%error, "parking refresh failed; keeping the copy");
        }
    }

    async fn fetch_parking(&self, now: DateTime<Utc>) -> Result<Vec<ParkingSession>, CoreError> {
        let sessions = self
            .with_session(|s| async move { self.client.parking_sessions(&s).await })
            .await?;
        let session = self.session().await?;
        let owner = self.owner(&session.patient_id);
        let json = serde_json::to_string(&sessions)
            .map_err(|e| hale_store::StoreError::Corrupt(e.to_string()))?;
        self.store.replace_parking(owner, &json, now).await?;
        self.changed.notify_one();
        Ok(sessions)
    }

    async fn parking_copy(
        &self,
    ) -> Result<(Vec<ParkingSession>, Option<DateTime<Utc>>), CoreError> {
        let Some(patient) = self.saved_patient().await? else {
            return Ok((Vec::new(), None));
        };
        let copy = self.store.parking(self.owner(&patient)).await?;
        let sessions = match copy.records {
            Some(json) => serde_json::from_str(&json)
                .map_err(|e| hale_store::StoreError::Corrupt(format!("parking copy: {e}")))?,
            None => Vec::new(),
        };
        Ok((sessions, copy.fetched_at))
    }

    /// Reminds, once per session and end time, [`EXPIRY_REMINDER`] before a running session
    /// ends. Returns when the next such reminder falls due. Works from the saved copy.
    pub async fn remind_parking<Tz>(
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
        let (sessions, _) = self.parking_copy().await?;
        let mut next = None;
        for s in sessions
            .iter()
            .filter(|s| s.ended.is_none() && s.expires > now)
        {
            let due = s.expires - EXPIRY_REMINDER;
            if due > now {
                next = Some(next.map_or(due, |n: DateTime<Utc>| n.min(due)));
                continue;
            }
            let key = format!("parking:{}@{}", s.id, s.expires.timestamp());
            self.notify_once(&patient, &key, &parking_text(s, zone), notifier, now)
                .await?;
        }
        Ok(next)
    }
}

fn parking_text<Tz>(s: &ParkingSession, zone: &Tz) -> ReminderText
where
    Tz: TimeZone,
    Tz::Offset: std::fmt::Display,
{
    ReminderText {
        title: "Parking ends soon".to_owned(),
        body: format!(
            "Your parking at {} ends at {}. Open Hale to extend it.",
            s.car_park_name,
            s.expires.with_timezone(zone).format("%H:%M")
        ),
    }
}

impl Patient {
    /// After a queue update: if the visit is now expected to end after the patient's running
    /// parking runs out, say so once (per session and end time), with the extension that would
    /// cover it. The visit is expected to end when the patient is called (now + the estimate)
    /// plus the appointment's booked length.
    pub async fn warn_parking_short<Tz>(
        &self,
        notifier: &dyn Notifier,
        zone: &Tz,
        status: &hale_client::QueueStatus,
        now: DateTime<Utc>,
    ) -> Result<Option<u32>, CoreError>
    where
        Tz: TimeZone,
        Tz::Offset: std::fmt::Display,
    {
        let (Some(estimate), Some(appointment)) = (status.estimate_minutes, &status.appointment)
        else {
            return Ok(None);
        };
        let Some(patient) = self.saved_patient().await? else {
            return Ok(None);
        };
        let booked = self.store.appointments(self.owner(&patient)).await?.records;
        let length = booked
            .iter()
            .find(|a| &a.id == appointment)
            .map_or(Duration::minutes(20), |a| a.end - a.start);
        let visit_ends = now + Duration::minutes(estimate) + length;
        let (sessions, _) = self.parking_copy().await?;
        for s in sessions
            .iter()
            .filter(|s| s.ended.is_none() && s.expires > now)
        {
            let Some(minutes) = hale_domain::parking::extension_needed(s.expires, visit_ends)
            else {
                continue;
            };
            let key = format!("parking-short:{}@{}", s.id, s.expires.timestamp());
            let text = ReminderText {
                title: "Your parking may run out".to_owned(),
                body: format!(
                    "The clinic's wait means your visit may end around {}, after your parking ends at {}. Open Hale to extend it by {}.",
                    visit_ends.with_timezone(zone).format("%H:%M"),
                    s.expires.with_timezone(zone).format("%H:%M"),
                    spoken_minutes(minutes)
                ),
            };
            self.notify_once(&patient, &key, &text, notifier, now)
                .await?;
            return Ok(Some(minutes));
        }
        Ok(None)
    }
}

fn spoken_minutes(m: u32) -> String {
    match (m / 60, m % 60) {
        (0, m) => format!("{m} minutes"),
        (1, 0) => "1 hour".to_owned(),
        (h, 0) => format!("{h} hours"),
        (h, m) => format!("{h} h {m} min"),
    }
}
