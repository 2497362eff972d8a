//! The check-in kiosk: a device, not a patient. It signs in with its own credentials (scope:
//! check-in only), takes a booking reference and a date of birth, and answers with an explicit
//! outcome. Right after a check-in it may offer that appointment's pre-visit form, held in
//! memory only until it is sent or the screen goes back to the start. It keeps nothing: no
//! store, no cache, no log of who checked in.

mod device;
mod form;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use hale_client::{ClientError, HospitalClient};
use hale_domain::queue::KioskOutcome;
use hale_domain::BookingReference;
use tokio::sync::Mutex;

use crate::forms::PreVisitForm;
use crate::CoreError;
use device::Device;
use form::FormDesk;

/// What the kiosk tells the person in front of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KioskAnswer {
    /// The hospital's answer.
    Hospital(KioskOutcome),
    /// The reference fails its check character: a typo, caught before asking anyone.
    CheckReference,
}

/// Its `Debug` shows the device only: never a form's answers.
#[derive(Debug)]
pub struct Kiosk {
    device: Device,
    hospital_name: Mutex<Option<String>>,
    form: FormDesk,
}

impl Kiosk {
    /// A kiosk signing in as `client_id`. The screen forgets a form when it goes back to the
    /// start; should it not, one left untouched for `keep_form` is forgotten here too.
    pub fn new(
        client: HospitalClient,
        client_id: String,
        secret: String,
        keep_form: Duration,
    ) -> Self {
        Self {
            device: Device::new(client, client_id, secret),
            hospital_name: Mutex::new(None),
            form: FormDesk::new(keep_form),
        }
    }

    /// The hospital's name from its public metadata, asked until it has answered once. `None`
    /// while it cannot be reached: the kiosk still checks people in without it.
    pub async fn hospital_name(&self) -> Option<String> {
        let mut guard = self.hospital_name.lock().await;
        if guard.is_none() {
            *guard = match self.device.client.capability().await {
                Ok(capability) => capability.implementation.map(|i| i.description),
                Err(e) => {
                    tracing::warn!(error = %e, "the hospital's name is not known yet");
                    None
                }
            };
        }
        guard.clone()
    }

    /// Checks in whoever holds `reference` and was born on `birth_date`. Whatever the previous
    /// person left unsent is forgotten first; a form the hospital offers for this check-in is
    /// held for [`Kiosk::form`].
    pub async fn check_in(
        &self,
        reference: &str,
        birth_date: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<KioskAnswer, ClientError> {
        let generation = self.form.forget().await;
        let Ok(reference) = reference.parse::<BookingReference>() else {
            return Ok(KioskAnswer::CheckReference);
        };
        let reference = reference.to_string();
        let born = birth_date.format("%Y-%m-%d").to_string();
        let outcome = self
            .device
            .with_session(|s| {
                let (reference, born) = (&reference, &born);
                async move { self.device.client.kiosk_check_in(&s, reference, born).await }
            })
            .await?;
        if let KioskOutcome::CheckedIn {
            form: Some(grant), ..
        } = &outcome
        {
            self.form.offer(grant.clone(), generation, now).await;
        }
        Ok(KioskAnswer::Hospital(outcome))
    }

    /// The form offered at the last check-in, opened at its first showing.
    pub async fn form(&self, now: DateTime<Utc>) -> Result<PreVisitForm, CoreError> {
        self.form.open(&self.device, now).await
    }

    /// Answers the question at `path` (see [`crate::Patient::answer_form`]).
    pub async fn answer_form(
        &self,
        path: &str,
        values: &[String],
        now: DateTime<Utc>,
    ) -> Result<PreVisitForm, CoreError> {
        self.form.answer(path, values, now).await
    }

    /// Fills a repeating group in once more, or removes one filling-in.
    pub async fn change_form_group(
        &self,
        path: &str,
        add: bool,
        now: DateTime<Utc>,
    ) -> Result<PreVisitForm, CoreError> {
        self.form.change_group(path, add, now).await
    }

    /// Sends the form once, then forgets it.
    pub async fn submit_form(&self, now: DateTime<Utc>) -> Result<PreVisitForm, CoreError> {
        self.form.submit(&self.device, now).await
    }

    /// Forgets the form and every answer (the screen went back to the start).
    pub async fn forget(&self) {
        let _ = self.form.forget().await;
    }
}
