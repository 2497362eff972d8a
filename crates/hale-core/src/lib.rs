//! The patient app's use cases, independent of Tauri and of any screen.
//!
//! [`Patient`] ties one hospital (through `hale-client`) to the app's local store
//! (`hale-store`): it signs in, refreshes the patient's records, keeps the local copy current and
//! falls back to that copy, saying so, when the hospital cannot be reached. The Tauri commands
//! are thin wrappers over these methods; the integration tests drive them against a real
//! reference server.
//!
//! The clock is an argument: every use case takes `now`.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use hale_client::{ClientError, HospitalClient, Session};
use hale_domain::{upcoming, Appointment};
use hale_store::{Owner, Profile, Store, StoreError};
use tokio::sync::Mutex;

/// How the app proves who the patient is to the hospital.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    /// The reference server's development sign-in: medical record number and date of birth.
    Development {
        identifier: String,
        birth_date: NaiveDate,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error(transparent)]
    Hospital(#[from] ClientError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Whether what is shown came from the hospital now or from the local copy.
#[derive(Debug)]
pub enum Freshness {
    Live {
        as_of: DateTime<Utc>,
    },
    /// The hospital could not be asked; `cached_at` is when the copy was made (`None`: never).
    Offline {
        cached_at: Option<DateTime<Utc>>,
        error: ClientError,
    },
}

/// What the home screen shows.
#[derive(Debug)]
pub struct Home {
    pub hospital_name: Option<String>,
    pub patient_name: Option<String>,
    /// Upcoming appointments, soonest first.
    pub appointments: Vec<Appointment>,
    pub freshness: Freshness,
}

/// One patient at one hospital, as seen from the app.
#[derive(Debug)]
pub struct Patient {
    client: HospitalClient,
    store: Store,
    identity: Identity,
    /// Names this hospital in the local store. Stable across starts, unlike the embedded
    /// hospital's URL, whose port changes each time.
    hospital_key: String,
    session: Mutex<Option<Session>>,
}

impl Patient {
    pub fn new(
        client: HospitalClient,
        store: Store,
        identity: Identity,
        hospital_key: impl Into<String>,
    ) -> Self {
        Self {
            client,
            store,
            identity,
            hospital_key: hospital_key.into(),
            session: Mutex::new(None),
        }
    }

    pub fn hospital_url(&self) -> &str {
        self.client.fhir_base()
    }

    /// The home screen as of `now`: live from the hospital when it answers, else the local copy.
    ///
    /// Errors other than "unreachable" (a refused sign-in, a server fault) still fall back to the
    /// copy, carrying the error, because a patient on the way to an appointment needs its time
    /// and place more than a perfect answer. Only a failing local store is an error.
    pub async fn home(&self, now: DateTime<Utc>) -> Result<Home, CoreError> {
        match self.refresh(now).await {
            Ok(home) => Ok(home),
            Err(CoreError::Hospital(error)) => {
                tracing::info!(%error, "showing the local copy");
                self.home_from_copy(now, error).await
            }
            Err(store_error) => Err(store_error),
        }
    }

    async fn refresh(&self, now: DateTime<Utc>) -> Result<Home, CoreError> {
        let session = self.session().await?;
        let hospital = self.hospital_key.clone();
        // The hospital reads a bare date in its own zone; a day's margin covers any zone, and
        // `upcoming` then applies the exact instant.
        let from = (now - Duration::days(1)).date_naive();
        let list = match self.client.appointments_from(&session, from).await {
            Err(ClientError::Unauthorized) => {
                // The token expired or was revoked: sign in once more, then give up.
                *self.session.lock().await = None;
                let session = self.session().await?;
                self.client.appointments_from(&session, from).await?
            }
            other => other?,
        };
        let session = self.session().await?;
        let owner = Owner {
            hospital: &hospital,
            patient_id: &session.patient_id,
        };
        self.store.replace_appointments(owner, &list, now).await?;
        let profile = self.store.profile(&hospital).await?;
        Ok(Home {
            hospital_name: profile.as_ref().and_then(|p| p.hospital_name.clone()),
            patient_name: profile.and_then(|p| p.patient_name),
            appointments: upcoming(&list, now),
            freshness: Freshness::Live { as_of: now },
        })
    }

    async fn home_from_copy(
        &self,
        now: DateTime<Utc>,
        error: ClientError,
    ) -> Result<Home, CoreError> {
        let hospital = self.hospital_key.as_str();
        let Some(profile) = self.store.profile(hospital).await? else {
            return Ok(Home {
                hospital_name: None,
                patient_name: None,
                appointments: Vec::new(),
                freshness: Freshness::Offline {
                    cached_at: None,
                    error,
                },
            });
        };
        let owner = Owner {
            hospital,
            patient_id: &profile.patient_id,
        };
        let cached = self.store.appointments(owner).await?;
        Ok(Home {
            hospital_name: profile.hospital_name,
            patient_name: profile.patient_name,
            appointments: upcoming(&cached.records, now),
            freshness: Freshness::Offline {
                cached_at: cached.fetched_at,
                error,
            },
        })
    }

    /// The current session, signing in (and learning the patient's and hospital's names) if none.
    async fn session(&self) -> Result<Session, CoreError> {
        let mut guard = self.session.lock().await;
        if let Some(session) = guard.as_ref() {
            return Ok(session.clone());
        }
        let session = match &self.identity {
            Identity::Development {
                identifier,
                birth_date,
            } => self.client.dev_sign_in(identifier, *birth_date).await?,
        };
        let patient = self.client.patient(&session).await?;
        let capability = self.client.capability().await?;
        let profile = Profile {
            hospital_name: capability.implementation.map(|i| i.description),
            patient_id: session.patient_id.clone(),
            patient_name: patient.display_name(),
        };
        self.store
            .save_profile(&self.hospital_key, &profile)
            .await?;
        *guard = Some(session.clone());
        Ok(session)
    }
}
