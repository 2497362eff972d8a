//! Parking from the patient's side: saved vehicles (on this device), car parks, paying for a
//! session, extending and ending it, receipts, concessions; and (in [`reminders`]) the reminders
//! before it runs out.

mod reminders;

use chrono::{DateTime, Utc};
use hale_domain::parking::{
    overview, vehicle_label, CarParkOffer, Card, Concession, ConcessionApplication,
    ConcessionStatus, ParkingSession, Purchase, Registration, Relief, Stay,
};
use hale_domain::Feature;
use hale_store::Vehicle;

pub use reminders::EXPIRY_REMINDER;

use crate::{CoreError, Freshness, Patient};

/// The parking screen, decided: live from the hospital, or the saved copy.
#[derive(Debug)]
pub struct Parking {
    pub vehicles: Vec<Vehicle>,
    /// Empty when the hospital cannot be reached.
    pub car_parks: Vec<CarParkOffer>,
    /// A running session first, then the rest newest first.
    pub stays: Vec<Stay>,
    /// Concession decisions (empty when the hospital cannot be reached).
    pub concessions: Vec<Concession>,
    pub freshness: Freshness,
}

impl Patient {
    /// The vehicles saved on this device.
    pub async fn vehicles(&self) -> Result<Vec<Vehicle>, CoreError> {
        Ok(self.store.vehicles().await?)
    }

    /// Saves a vehicle, checking its registration and name first.
    pub async fn save_vehicle(
        &self,
        registration: &str,
        label: Option<&str>,
    ) -> Result<Vehicle, CoreError> {
        let registration = Registration::parse(registration)?;
        let vehicle = Vehicle {
            registration: registration.as_str().to_owned(),
            label: vehicle_label(label)?,
        };
        self.store.save_vehicle(&vehicle).await?;
        Ok(vehicle)
    }

    pub async fn remove_vehicle(&self, registration: &str) -> Result<(), CoreError> {
        Ok(self.store.remove_vehicle(registration).await?)
    }

    /// Pays for `minutes` of parking now; `key` makes a retry safe. Refreshes the copy, and
    /// answers with the session as it stands at `now`.
    pub async fn start_parking(
        &self,
        car_park: &str,
        registration: &str,
        purchase: Purchase<'_>,
        card: &Card,
        now: DateTime<Utc>,
    ) -> Result<Stay, CoreError> {
        self.require(Feature::Parking).await?;
        let session = self
            .with_session(|s| async move {
                self.client
                    .start_parking(&s, car_park, registration, purchase, card)
                    .await
            })
            .await?;
        self.refresh_parking(now).await;
        Ok(Stay::at(session, now))
    }

    /// Pays for more of session `id`, with `card`, or with `None` the card saved with the
    /// session at the hospital's processor (the app never holds it).
    pub async fn extend_parking(
        &self,
        id: &str,
        purchase: Purchase<'_>,
        card: Option<&Card>,
        now: DateTime<Utc>,
    ) -> Result<Stay, CoreError> {
        self.require(Feature::Parking).await?;
        let session = self
            .with_session(
                |s| async move { self.client.extend_parking(&s, id, purchase, card).await },
            )
            .await?;
        self.refresh_parking(now).await;
        Ok(Stay::at(session, now))
    }

    /// Ends session `id`.
    pub async fn end_parking(&self, id: &str, now: DateTime<Utc>) -> Result<Stay, CoreError> {
        self.require(Feature::Parking).await?;
        let session = self
            .with_session(|s| async move { self.client.end_parking(&s, id).await })
            .await?;
        self.refresh_parking(now).await;
        Ok(Stay::at(session, now))
    }

    /// The parking screen at `now`: the patient's sessions with receipts (live, else the saved
    /// copy), the car parks with their prices and the one nearest the next appointment
    /// suggested, the vehicles saved here and the concession decisions.
    pub async fn parking(&self, now: DateTime<Utc>) -> Result<Parking, CoreError> {
        self.offers().await?.require(Feature::Parking)?;
        let (sessions, freshness) = match self.fetch_parking(now).await {
            Ok(sessions) => (sessions, Freshness::Live { as_of: now }),
            Err(CoreError::Hospital(error)) => {
                let (sessions, cached_at) = self.parking_copy().await?;
                (sessions, Freshness::Offline { cached_at, error })
            }
            Err(other) => return Err(other),
        };
        // Car parks and concessions need the hospital; offline the screen still shows the
        // vehicles and sessions.
        let live = matches!(freshness, Freshness::Live { .. });
        let (car_parks, concessions) = if live {
            let (car_parks, concessions) = tokio::join!(
                self.with_session(|s| async move { self.client.car_parks(&s).await }),
                self.with_session(|s| async move { self.client.concessions(&s).await }),
            );
            (
                car_parks.unwrap_or_default(),
                concessions.unwrap_or_default(),
            )
        } else {
            (Vec::new(), Vec::new())
        };
        // The saved copy is enough to know the next clinic; no second trip to the hospital.
        let saved = self.saved_appointments().await?;
        let next_clinic = hale_domain::upcoming(&saved, now)
            .first()
            .map(|a| a.service.clone());
        // Priced with what each approved concession does today, as the hospital decided it
        // again: the same reliefs it prices the payment with.
        let reliefs: Vec<Relief> = concessions
            .iter()
            .filter(|c| c.status == ConcessionStatus::Approved)
            .filter_map(|c| c.relief_now)
            .collect();
        let decided = overview(sessions, car_parks, next_clinic.as_deref(), &reliefs, now);
        Ok(Parking {
            vehicles: self.store.vehicles().await?,
            car_parks: decided.car_parks,
            stays: decided.stays,
            concessions,
            freshness,
        })
    }

    pub async fn apply_concession(
        &self,
        application: &ConcessionApplication,
    ) -> Result<Concession, CoreError> {
        self.require(Feature::Parking).await?;
        self.with_session(|s| async move { self.client.apply_concession(&s, application).await })
            .await
    }

    async fn refresh_parking(&self, now: DateTime<Utc>) {
        if let Err(error) = self.fetch_parking(now).await {
            tracing::info!(%error, "parking refresh failed; keeping the copy");
        }
    }

    async fn fetch_parking(&self, now: DateTime<Utc>) -> Result<Vec<ParkingSession>, CoreError> {
        self.require(Feature::Parking).await?;
        let sessions = self
            .with_session(|s| async move { self.client.parking_sessions(&s).await })
            .await?;
        let session = self.session().await?;
        let owner = self.owner(&session.patient_id);
        self.store.replace_parking(owner, &sessions, now).await?;
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
        Ok((copy.records, copy.fetched_at))
    }
}
