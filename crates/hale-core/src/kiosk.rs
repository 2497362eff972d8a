//! The check-in kiosk: a device, not a patient. It signs in with its own credentials (scope:
//! check-in only), takes a booking reference and a date of birth, and answers with an explicit
//! outcome. It keeps nothing: no store, no cache, no log of who checked in.

use chrono::NaiveDate;
use hale_client::{ClientError, DeviceSession, HospitalClient};
use hale_domain::queue::KioskOutcome;
use hale_domain::BookingReference;
use tokio::sync::Mutex;

/// What the kiosk tells the person in front of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KioskAnswer {
    /// The hospital's answer.
    Hospital(KioskOutcome),
    /// The reference fails its check character: a typo, caught before asking anyone.
    CheckReference,
}

pub struct Kiosk {
    client: HospitalClient,
    client_id: String,
    secret: String,
    session: Mutex<Option<DeviceSession>>,
    hospital_name: Mutex<Option<String>>,
}

impl std::fmt::Debug for Kiosk {
    // The secret is a credential: never in a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kiosk")
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

impl Kiosk {
    pub fn new(client: HospitalClient, client_id: String, secret: String) -> Self {
        Self {
            client,
            client_id,
            secret,
            session: Mutex::new(None),
            hospital_name: Mutex::new(None),
        }
    }

    /// The hospital's name from its public metadata, asked until it has answered once. `None`
    /// while it cannot be reached: the kiosk still checks people in without it.
    pub async fn hospital_name(&self) -> Option<String> {
        let mut guard = self.hospital_name.lock().await;
        if guard.is_none() {
            *guard = match self.client.capability().await {
                Ok(capability) => capability.implementation.map(|i| i.description),
                Err(e) => {
                    tracing::warn!(error = %e, "the hospital's name is not known yet");
                    None
                }
            };
        }
        guard.clone()
    }

    /// Checks in whoever holds `reference` and was born on `birth_date`.
    pub async fn check_in(
        &self,
        reference: &str,
        birth_date: NaiveDate,
    ) -> Result<KioskAnswer, ClientError> {
        let Ok(reference) = reference.parse::<BookingReference>() else {
            return Ok(KioskAnswer::CheckReference);
        };
        let born = birth_date.format("%Y-%m-%d").to_string();
        for attempt in 0..2 {
            let session = self.session().await?;
            match self
                .client
                .kiosk_check_in(&session, &reference.to_string(), &born)
                .await
            {
                // The token expired: sign in once more.
                Err(ClientError::Unauthorized) if attempt == 0 => {
                    *self.session.lock().await = None;
                }
                other => return other.map(KioskAnswer::Hospital),
            }
        }
        Err(ClientError::Unauthorized)
    }

    async fn session(&self) -> Result<DeviceSession, ClientError> {
        let mut guard = self.session.lock().await;
        if let Some(s) = guard.as_ref() {
            return Ok(s.clone());
        }
        let session = self
            .client
            .device_sign_in(&self.client_id, &self.secret)
            .await?;
        *guard = Some(session.clone());
        Ok(session)
    }
}
