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

    /// `GET [base]/Observation?patient=…&encounter:missing=false[&_lastUpdated=ge…]`: the
    /// readings the clinic took at the patient's visits, stored by the hospital since `since`
    /// (every page). Each becomes a reading keyed by its id at the hospital, so a copy taken
    /// twice is one reading; one Hale cannot chart is counted in `skipped`.
    pub async fn clinic_readings(
        &self,
        session: &Session,
        since: Option<DateTime<Utc>>,
    ) -> Result<ClinicReadings, ClientError> {
        let since = since.map(|s| format!("ge{}", s.to_rfc3339_opts(SecondsFormat::Secs, true)));
        let mut params = vec![("encounter:missing", "false")];
        if let Some(since) = &since {
            params.push(("_lastUpdated", since));
        }
        let url = self.search_url(session, "Observation", &params)?;
        let mut found = ClinicReadings::default();
        for entry in self.search_pages(session, url).await?.entry {
            let Resource::Observation(o) = entry.resource else {
                continue;
            };
            let stored = o.meta.as_ref().and_then(|m| m.last_updated);
            found.newest = found.newest.max(stored);
            match clinic_reading(&o) {
                Some(r) => found.readings.push(r),
                None => found.skipped += 1,
            }
        }
        Ok(found)
    }
}

/// The device name clinic readings carry.
pub const CLINIC_DEVICE: &str = "clinic";

/// Readings taken at visits, as copied from the hospital.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClinicReadings {
    /// Each with the encounter it was taken at.
    pub readings: Vec<(Reading, String)>,
    /// The hospital's time of the newest one it stored (`meta.lastUpdated`).
    pub newest: Option<DateTime<Utc>>,
    /// Observations Hale cannot chart (a code or unit it does not know).
    pub skipped: usize,
}

/// The reading a clinic Observation carries, keyed by its id at the hospital, with its
/// encounter.
pub(crate) fn clinic_reading(o: &Observation) -> Option<(Reading, String)> {
    let id = o.id.as_deref()?;
    let encounter = o.encounter.as_ref()?.id_of("Encounter")?.to_owned();
    let mut reading = o.to_reading_keyed(&format!("{CLINIC_DEVICE}/{id}")).ok()?;
    reading.device = CLINIC_DEVICE.to_owned();
    Some((reading, encounter))
}
