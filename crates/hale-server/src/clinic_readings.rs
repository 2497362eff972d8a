//! Readings taken at a visit: by a clinic's vital-signs monitor (a registered device posting
//! FHIR Observations) or by staff in the console. Each names its encounter, which must be one of
//! the patient's own visits, not cancelled and ended at most a day ago, so a reading cannot be
//! filed against someone else's visit or long after it.

use chrono::{DateTime, Duration, Utc};
use hale_fhir::observation::READING_SYSTEM;
use hale_fhir::{Identifier, Observation, Reference};
use sqlx::AnyConnection;

use crate::db::Time;
use crate::observation::{finish_check, identified, Checked};
use crate::FhirError;

/// A reading may be filed this long after its visit ended (notes written up at the end of a
/// clinic).
pub(crate) const LATE_ENTRY: Duration = Duration::hours(24);
/// A monitor's clock may run this far behind the check-in desk's.
const EARLY_TOLERANCE: Duration = Duration::hours(1);

/// The identifier system of the clinic monitors' own device ids.
pub(crate) const CLINIC_DEVICE_SYSTEM: &str = "urn:hale:clinic-device";

/// Who took a reading at the visit.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Taker<'a> {
    /// A registered clinic device, by id.
    Device(&'a str),
    /// A member of staff, by id and name.
    Staff { id: &'a str, name: &'a str },
}

/// A visit readings may be filed against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OpenVisit {
    pub encounter_id: String,
    pub patient_id: String,
    pub arrived_at: DateTime<Utc>,
}

/// The encounter `id` if readings may be filed against it at `now`, for `patient`.
async fn open_visit(
    conn: &mut AnyConnection,
    id: &str,
    patient: &str,
    now: DateTime<Utc>,
) -> Result<OpenVisit, FhirError> {
    let row: Option<(String, String, Time, Option<Time>)> = sqlx::query_as(
        "SELECT a.patient_id, e.status, e.arrived_at, e.finished_at FROM encounter e \
         JOIN appointment a ON a.id = e.appointment_id WHERE e.id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    // Another patient's visit and no visit at all read the same.
    let Some((owner, status, arrived, finished)) = row.filter(|r| r.0 == patient) else {
        return Err(FhirError::Invalid(
            "the encounter is not a visit of the Observation's patient".into(),
        ));
    };
    if status == "cancelled" {
        return Err(FhirError::Invalid("that visit was cancelled".into()));
    }
    // A visit nobody marked finished is over a day after the patient arrived.
    if finished.as_ref().unwrap_or(&arrived).0 + LATE_ENTRY < now {
        return Err(FhirError::Invalid(
            "that visit ended more than a day ago".into(),
        ));
    }
    Ok(OpenVisit {
        encounter_id: id.to_owned(),
        patient_id: owner,
        arrived_at: arrived.0,
    })
}

/// The patient's newest visit readings may be filed against now: not cancelled, and not ended
/// (or, never marked finished, begun) more than [`LATE_ENTRY`] ago.
pub(crate) async fn current_visit(
    conn: &mut AnyConnection,
    patient: &str,
    now: DateTime<Utc>,
) -> Result<Option<OpenVisit>, FhirError> {
    let row: Option<(String, Time)> = sqlx::query_as(
        "SELECT e.id, e.arrived_at FROM encounter e JOIN appointment a ON a.id = e.appointment_id \
         WHERE a.patient_id = $1 AND e.status <> 'cancelled' \
         AND COALESCE(e.finished_at, e.arrived_at) >= $2 \
         ORDER BY e.arrived_at DESC, e.id DESC LIMIT 1",
    )
    .bind(patient)
    .bind(Time(now - LATE_ENTRY))
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(|(encounter_id, arrived)| OpenVisit {
        encounter_id,
        patient_id: patient.to_owned(),
        arrived_at: arrived.0,
    }))
}

/// Checks a reading taken at a visit by `taker`, posted under `condition`: returns its patient
/// and the reading ready to store. The Observation names its patient and encounter; the server
/// names who took it.
pub(crate) async fn check(
    conn: &mut AnyConnection,
    mut observation: Observation,
    condition: Option<&str>,
    taker: Taker<'_>,
    now: DateTime<Utc>,
) -> Result<(String, Checked), FhirError> {
    let (system, value) = identified(&observation, condition)?;
    // The patients' own keys are theirs: a clinic reading under one could stand in for a home
    // reading not yet sent.
    if system == READING_SYSTEM {
        return Err(FhirError::Invalid(format!(
            "{READING_SYSTEM} names patients' home readings; a clinic names its own"
        )));
    }
    let patient = observation
        .subject
        .as_ref()
        .and_then(|s| s.id_of("Patient"))
        .ok_or_else(|| FhirError::Invalid("a reading names its patient (subject)".into()))?
        .to_owned();
    let encounter = observation
        .encounter
        .as_ref()
        .and_then(|e| e.id_of("Encounter"))
        .ok_or_else(|| {
            FhirError::Invalid("a clinic reading names the visit it was taken at".into())
        })?
        .to_owned();
    let visit = open_visit(conn, &encounter, &patient, now).await?;
    let reading = observation
        .to_reading_keyed_by(&system)
        .map_err(|e| FhirError::Invalid(e.to_string()))?;
    if reading.effective < visit.arrived_at - EARLY_TOLERANCE {
        return Err(FhirError::Invalid(
            "effectiveDateTime is before the patient arrived".into(),
        ));
    }
    match taker {
        Taker::Device(id) => {
            observation.performer.clear();
            observation.device = Some(Reference {
                reference: None,
                identifier: Some(Identifier {
                    system: Some(CLINIC_DEVICE_SYSTEM.into()),
                    value: Some(id.to_owned()),
                }),
                display: None,
            });
        }
        Taker::Staff { id, name } => {
            observation.device = None;
            observation.performer = vec![Reference::to("Practitioner", id, Some(name.to_owned()))];
        }
    }
    let checked = finish_check(
        observation,
        system,
        value,
        &reading,
        now,
        None,
        Some(visit.encounter_id),
    )?;
    Ok((patient, checked))
}

/// Stores a checked clinic reading unless one with its identifier exists: that one is answered
/// only if it is the same visit's, since a monitor whose count started again must not be told
/// another visit's reading is its own.
pub(crate) async fn store(
    tx: &mut AnyConnection,
    patient: &str,
    checked: Checked,
    now: DateTime<Utc>,
) -> Result<(bool, Observation), FhirError> {
    let encounter = checked.encounter().map(str::to_owned);
    let (created, stored) = crate::observation::store_one(tx, patient, checked, now).await?;
    let same_visit =
        stored.encounter.as_ref().and_then(|e| e.id_of("Encounter")) == encounter.as_deref();
    if !created && !same_visit {
        return Err(FhirError::Invalid(
            "that identifier already names another reading, not of this visit".into(),
        ));
    }
    Ok((created, stored))
}
