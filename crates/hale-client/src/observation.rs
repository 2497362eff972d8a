//! Device readings relayed as FHIR Observations in `transaction` Bundles of conditional creates
//! on the reading's identifier: a batch sent twice (after a lost answer, a crash, a retry) is
//! stored once.

use chrono::{DateTime, SecondsFormat, Utc};
use hale_domain::device::{Interpretation, Reading};
use hale_fhir::observation::READING_SYSTEM;
use hale_fhir::{Observation, Resource};

use crate::{ClientError, HospitalClient, Session, Stored};

/// A reading on its way to the hospital, with what the Observation says besides its value.
#[derive(Debug, Clone, Copy)]
pub struct OutgoingReading<'a> {
    pub reading: &'a Reading,
    /// The device as the patient knows it ("Omron M3").
    pub device_label: &'a str,
    /// Beyond the patient's thresholds (high or low), as the app decided when it was stored.
    pub interpretation: Option<Interpretation>,
}

impl HospitalClient {
    /// Sends readings of `patient_id` in one transaction, as vital-signs Observations named by
    /// their reading keys. Answers, in order, whether each was stored now or was already
    /// there. All or nothing.
    pub async fn send_readings(
        &self,
        session: &Session,
        patient_id: &str,
        readings: &[OutgoingReading<'_>],
    ) -> Result<Vec<Stored>, ClientError> {
        let observations = readings
            .iter()
            .map(|r| {
                Observation::from_reading(r.reading, patient_id, r.device_label, r.interpretation)
            })
            .collect();
        self.send_observations(session, observations).await
    }

    /// Sends FHIR readings in one transaction; each must carry a [`READING_SYSTEM`] identifier.
    /// Answers, in order, whether each was stored now or was already there. All or nothing.
    pub async fn send_observations(
        &self,
        session: &Session,
        observations: Vec<Observation>,
    ) -> Result<Vec<Stored>, ClientError> {
        let entries = observations
            .into_iter()
            .map(|o| {
                let value = o
                    .identifier_value(READING_SYSTEM)
                    .ok_or_else(|| {
                        ClientError::InvalidUrl("a reading without its identifier".into())
                    })?
                    .to_owned();
                Ok((
                    Resource::Observation(o),
                    "Observation",
                    format!("{READING_SYSTEM}|{value}"),
                ))
            })
            .collect::<Result<Vec<_>, ClientError>>()?;
        self.conditional_creates(session, entries).await
    }

    /// `GET [base]/Observation?patient=…&date=ge…`: the patient's readings the hospital holds
    /// since `since` (first page of up to `count`).
    pub async fn observations(
        &self,
        session: &Session,
        since: DateTime<Utc>,
        count: u32,
    ) -> Result<Vec<Observation>, ClientError> {
        let since = format!("ge{}", since.to_rfc3339_opts(SecondsFormat::Secs, true));
        let count = count.to_string();
        let url = self.search_url(
            session,
            "Observation",
            &[("date", &since), ("_count", &count)],
        )?;
        // The first page only: the caller asked for at most `count`.
        let Resource::Bundle(bundle) = self.fetch(self.authed(self.http.get(url), session)).await?
        else {
            return Err(crate::unexpected("Bundle"));
        };
        Ok(bundle
            .entry
            .into_iter()
            .filter_map(|e| match e.resource {
                Resource::Observation(o) => Some(o),
                _ => None,
            })
            .collect())
    }
}
