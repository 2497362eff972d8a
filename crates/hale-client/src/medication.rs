//! Medicines: the patient's prescriptions, and their dose records sent as a `transaction` Bundle
//! of conditional creates, so a record sent twice (after a lost answer, a crash, a retry) is
//! stored once.

use chrono::{DateTime, SecondsFormat, TimeZone, Utc};
use hale_domain::medication::{DoseRecord, Medicine};
use hale_fhir::medication::DOSE_SYSTEM;
use hale_fhir::{Bundle, MedicationAdministration, MedicationRequest, Resource};

use crate::{unexpected, ClientError, HospitalClient, Session};

/// How the hospital answered one record of a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    /// Stored now.
    Created,
    /// It already had it (an earlier send got through).
    AlreadyThere,
}

/// The patient's prescriptions as medicines, in the patient's zone.
#[derive(Debug, Clone, PartialEq)]
pub struct Prescriptions {
    /// A prescription whose dosage Hale cannot schedule is here too, without reminders.
    pub medicines: Vec<Medicine>,
    /// How many of them have such a dosage (never guessed at).
    pub unschedulable: usize,
}

impl HospitalClient {
    /// Every prescription of the patient, read as medicines whose times are in `zone`.
    pub async fn prescriptions<Tz: TimeZone>(
        &self,
        session: &Session,
        zone: &Tz,
    ) -> Result<Prescriptions, ClientError> {
        let requests = self.medication_requests(session).await?;
        let mut unschedulable = 0;
        let medicines = requests
            .iter()
            .map(|r| {
                let (medicine, error) = r.to_medicine(zone);
                unschedulable += usize::from(error.is_some());
                medicine
            })
            .collect();
        Ok(Prescriptions {
            medicines,
            unschedulable,
        })
    }

    /// The dose records the hospital holds for the patient since `since`; one it could not
    /// have had from Hale (no dose key) is left out.
    pub async fn dose_records(
        &self,
        session: &Session,
        since: DateTime<Utc>,
    ) -> Result<Vec<DoseRecord>, ClientError> {
        let held = self.medication_administrations(session, since).await?;
        Ok(held
            .iter()
            .filter_map(MedicationAdministration::to_record)
            .collect())
    }

    /// Sends dose records of `patient_id`, each with its medicine, in one transaction. Answers,
    /// in order, whether each was stored now or was already there. All or nothing: an error
    /// means none was stored by this call.
    pub async fn send_doses(
        &self,
        session: &Session,
        patient_id: &str,
        doses: &[(&DoseRecord, &Medicine)],
    ) -> Result<Vec<Stored>, ClientError> {
        let records = doses
            .iter()
            .map(|(record, medicine)| {
                MedicationAdministration::from_record(record, medicine, patient_id)
            })
            .collect();
        self.send_administrations(session, records).await
    }

    /// `GET [base]/MedicationRequest?patient=…`: every prescription of the patient.
    pub async fn medication_requests(
        &self,
        session: &Session,
    ) -> Result<Vec<MedicationRequest>, ClientError> {
        let bundle = self.search(session, "MedicationRequest", &[]).await?;
        Ok(bundle
            .entry
            .into_iter()
            .filter_map(|e| match e.resource {
                Resource::MedicationRequest(r) => Some(r),
                _ => None,
            })
            .collect())
    }

    /// `GET [base]/MedicationAdministration?patient=…&effective-time=ge…`: the dose records the
    /// hospital holds for the patient since `since`.
    pub async fn medication_administrations(
        &self,
        session: &Session,
        since: DateTime<Utc>,
    ) -> Result<Vec<MedicationAdministration>, ClientError> {
        let since = format!("ge{}", since.to_rfc3339_opts(SecondsFormat::Secs, true));
        let bundle = self
            .search(
                session,
                "MedicationAdministration",
                &[("effective-time", &since)],
            )
            .await?;
        Ok(bundle
            .entry
            .into_iter()
            .filter_map(|e| match e.resource {
                Resource::MedicationAdministration(a) => Some(a),
                _ => None,
            })
            .collect())
    }

    /// A search of the signed-in patient's `resource_type` with `params`, every page of it.
    pub(crate) async fn search(
        &self,
        session: &Session,
        resource_type: &str,
        params: &[(&str, &str)],
    ) -> Result<Bundle, ClientError> {
        let url = self.search_url(session, resource_type, params)?;
        self.search_pages(session, url).await
    }

    /// The URL of a search of the signed-in patient's `resource_type` with `params`.
    pub(crate) fn search_url(
        &self,
        session: &Session,
        resource_type: &str,
        params: &[(&str, &str)],
    ) -> Result<url::Url, ClientError> {
        let mut url = self.url(resource_type)?;
        {
            let mut pairs = url.query_pairs_mut();
            pairs.append_pair("patient", &format!("Patient/{}", session.patient_id));
            for (name, value) in params {
                pairs.append_pair(name, value);
            }
        }
        Ok(url)
    }

    /// Sends FHIR dose records in one transaction; each must carry a [`DOSE_SYSTEM`]
    /// identifier. Answers as [`Self::send_doses`] does.
    pub async fn send_administrations(
        &self,
        session: &Session,
        records: Vec<MedicationAdministration>,
    ) -> Result<Vec<Stored>, ClientError> {
        let entries = records
            .into_iter()
            .map(|r| {
                let value = r
                    .identifier_value(DOSE_SYSTEM)
                    .ok_or_else(|| {
                        ClientError::InvalidUrl("a dose record without its identifier".into())
                    })?
                    .to_owned();
                Ok((
                    Resource::MedicationAdministration(r),
                    "MedicationAdministration",
                    format!("{DOSE_SYSTEM}|{value}"),
                ))
            })
            .collect::<Result<Vec<_>, ClientError>>()?;
        self.conditional_creates(session, entries).await
    }

    /// Posts a `transaction` Bundle of conditional creates and reads each entry's outcome.
    pub(crate) async fn conditional_creates(
        &self,
        session: &Session,
        entries: Vec<(Resource, &'static str, String)>,
    ) -> Result<Vec<Stored>, ClientError> {
        let count = entries.len();
        let body = Resource::Bundle(Bundle::conditional_creates(entries));
        let request = self.http.post(self.url("./")?).json(&body);
        let Resource::Bundle(answer) = self.fetch(self.authed(request, session)).await? else {
            return Err(unexpected("Bundle"));
        };
        if answer.entry.len() != count {
            return Err(ClientError::InvalidResponse(format!(
                "{} answers to {count} entries",
                answer.entry.len()
            )));
        }
        answer
            .entry
            .iter()
            .map(|e| match e.response.as_ref().map(|r| r.status.as_str()) {
                Some(s) if s.starts_with("201") => Ok(Stored::Created),
                Some(s) if s.starts_with("200") => Ok(Stored::AlreadyThere),
                other => Err(ClientError::InvalidResponse(format!(
                    "unexpected entry status {other:?}"
                ))),
            })
            .collect()
    }
}
