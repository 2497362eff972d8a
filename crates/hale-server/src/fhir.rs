//! The FHIR R4 endpoints for appointments and the patient.

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use hale_fhir::{
    Appointment, AppointmentParticipant, CodeableConcept, Coding, HumanName, Identifier, Meta,
    Patient, Reference, Resource, BOOKING_REFERENCE_SYSTEM,
};
use sqlx::AnyConnection;

use crate::auth::PatientToken;
use crate::db::{Sql, Time};
use crate::error::fhir_json;
use crate::resource_response::{current_version, resource_response};
use crate::search::{patient_id, TimeRange};
use crate::searchset::{Paging, Search};
use crate::{FhirError, ServerState};

const SNOMED: &str = "http://snomed.info/sct";

#[derive(Debug, sqlx::FromRow)]
struct AppointmentRow {
    id: String,
    status: String,
    booking_reference: String,
    patient_id: String,
    patient_given: String,
    patient_family: String,
    slot_id: String,
    start_at: Time,
    end_at: Time,
    clinic_id: String,
    clinic_name: String,
    specialty_code: String,
    location: String,
    practitioner_id: String,
    practitioner_name: String,
    version_id: i64,
    last_updated: Time,
    /// The form asked before the visit: the clinic's specialty's, else the hospital's general one.
    form_id: Option<String>,
}

const APPOINTMENT_SELECT: &str = concat!(
    "SELECT a.id, a.status, a.booking_reference, \
     p.id AS patient_id, p.given AS patient_given, p.family AS patient_family, \
     s.id AS slot_id, s.start_at, s.end_at, \
     c.id AS clinic_id, c.name AS clinic_name, c.specialty_code, c.location, \
     pr.id AS practitioner_id, pr.name AS practitioner_name, \
     a.version_id, COALESCE(a.last_updated, a.created_at) AS last_updated, ",
    crate::questionnaire::assigned_form!(),
    " AS form_id \
     FROM appointment a \
     JOIN patient p ON p.id = a.patient_id \
     JOIN slot s ON s.id = a.slot_id \
     JOIN schedule sc ON sc.id = s.schedule_id \
     JOIN clinic c ON c.id = sc.clinic_id \
     JOIN practitioner pr ON pr.id = sc.practitioner_id "
);

impl AppointmentRow {
    fn into_fhir(self) -> Appointment {
        let accepted = |actor: Reference| AppointmentParticipant {
            actor: Some(actor),
            status: "accepted".into(),
        };
        Appointment {
            id: Some(self.id),
            meta: Some(Meta::version(self.version_id, self.last_updated.0)),
            identifier: vec![Identifier {
                system: Some(BOOKING_REFERENCE_SYSTEM.into()),
                value: Some(self.booking_reference),
            }],
            status: self.status,
            service_type: vec![CodeableConcept {
                coding: vec![Coding {
                    system: Some(SNOMED.into()),
                    code: Some(self.specialty_code),
                    display: Some(self.clinic_name.clone()),
                }],
                text: Some(self.clinic_name),
            }],
            description: None,
            minutes_duration: Some((self.end_at.0 - self.start_at.0).num_minutes().max(0) as u32),
            start: Some(self.start_at.0),
            end: Some(self.end_at.0),
            slot: vec![Reference::to("Slot", &self.slot_id, None)],
            participant: vec![
                accepted(Reference::to(
                    "Patient",
                    &self.patient_id,
                    Some(format!("{} {}", self.patient_given, self.patient_family)),
                )),
                accepted(Reference::to(
                    "Practitioner",
                    &self.practitioner_id,
                    Some(self.practitioner_name),
                )),
                accepted(Reference::to(
                    "Location",
                    &self.clinic_id,
                    Some(self.location),
                )),
            ],
            supporting_information: self
                .form_id
                .iter()
                .map(|id| Reference::to("Questionnaire", id, None))
                .collect(),
        }
    }
}

/// `GET /fhir/Appointment?patient=…&date=…`: the token's patient's appointments, by start time.
pub(crate) async fn search_appointments(
    token: PatientToken,
    State(state): State<ServerState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, FhirError> {
    let mut search = Search::new(&headers, query.as_deref(), "Appointment", PAGE)?;
    let mut range = TimeRange::default();
    for (name, value) in search.params() {
        match name.as_ref() {
            "patient" => token.require_patient(patient_id(&value))?,
            "date" => range.narrow(&value, state.hospital.timezone)?,
            _ => search.unknown(&name, &value)?,
        }
    }
    let mut sql = Sql::new(APPOINTMENT_SELECT);
    sql.push("WHERE a.patient_id = ")
        .push_bind(&token.patient_id);
    if let Some(from) = range.from {
        sql.push(" AND s.start_at >= ").push_bind(Time(from));
    }
    if let Some(until) = range.until {
        sql.push(" AND s.start_at < ").push_bind(Time(until));
    }
    sql.push(" ORDER BY s.start_at, a.id");
    search.limit(&mut sql);
    let mut rows: Vec<AppointmentRow> = sql.build_query_as().fetch_all(&state.db).await?;
    let more = search.cut(&mut rows);
    let matches = rows
        .into_iter()
        .map(|r| Resource::Appointment(r.into_fhir()))
        .collect();
    Ok(search.bundle(matches, Vec::new(), more))
}

/// A patient's appointments come 50 to a page unless they ask for up to 200.
const PAGE: Paging = Paging {
    default: 50,
    max: 200,
};

/// `GET /fhir/Appointment/{id}`: another patient's appointment is "not found", not "forbidden",
/// so ids cannot be probed.
pub(crate) async fn read_appointment(
    token: PatientToken,
    State(state): State<ServerState>,
    Path(id): Path<String>,
) -> Result<Response, FhirError> {
    let appointment = load_appointment(&state, &token.patient_id, &id)
        .await?
        .ok_or(FhirError::NotFound)?;
    Ok(resource_response(
        StatusCode::OK,
        &Resource::Appointment(appointment),
    ))
}

/// `GET /fhir/Appointment/{id}/_history/{vid}`: the appointment as it is, if that is version
/// `vid`. Earlier versions are not kept: they are "not found".
pub(crate) async fn vread_appointment(
    token: PatientToken,
    State(state): State<ServerState>,
    Path((id, vid)): Path<(String, String)>,
) -> Result<Response, FhirError> {
    let appointment = load_appointment(&state, &token.patient_id, &id)
        .await?
        .ok_or(FhirError::NotFound)?;
    let resource = Resource::Appointment(appointment);
    current_version(&resource, &vid)?;
    Ok(resource_response(StatusCode::OK, &resource))
}

/// The patient's appointment `id` as FHIR, if it exists and is theirs.
pub(crate) async fn load_appointment(
    state: &ServerState,
    patient: &str,
    id: &str,
) -> Result<Option<Appointment>, FhirError> {
    let row: Option<AppointmentRow> = sqlx::query_as(&format!(
        "{APPOINTMENT_SELECT} WHERE a.id = $1 AND a.patient_id = $2"
    ))
    .bind(id)
    .bind(patient)
    .fetch_optional(&state.db)
    .await?;
    Ok(row.map(AppointmentRow::into_fhir))
}

/// `GET /fhir/Patient/{id}`: only the token's own patient.
pub(crate) async fn read_patient(
    token: PatientToken,
    State(state): State<ServerState>,
    Path(id): Path<String>,
) -> Result<Response, FhirError> {
    token.require_patient(&id)?;
    let mut conn = state.db.acquire().await?;
    let patient = load_patient(&mut conn, &id)
        .await?
        .ok_or(FhirError::NotFound)?;
    Ok(fhir_json(&Resource::Patient(patient)))
}

/// Patient `id` as FHIR, if there is one.
pub(crate) async fn load_patient(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<Patient>, FhirError> {
    let row: Option<(String, String, String, String)> =
        sqlx::query_as("SELECT mrn, given, family, birth_date FROM patient WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
    let Some((mrn, given, family, birth_date)) = row else {
        return Ok(None);
    };
    Ok(Some(Patient {
        id: Some(id.to_owned()),
        identifier: vec![Identifier {
            system: Some("urn:hale:mrn".into()),
            value: Some(mrn),
        }],
        name: vec![HumanName {
            text: None,
            family: Some(family),
            given: vec![given],
        }],
        birth_date: Some(birth_date),
    }))
}

/// Every appointment of `patient`, by start time: their part of `$everything`.
pub(crate) async fn appointments_of(
    conn: &mut AnyConnection,
    patient: &str,
) -> Result<Vec<Resource>, FhirError> {
    let rows: Vec<AppointmentRow> = sqlx::query_as(&format!(
        "{APPOINTMENT_SELECT} WHERE a.patient_id = $1 ORDER BY s.start_at, a.id"
    ))
    .bind(patient)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Resource::Appointment(r.into_fhir()))
        .collect())
}
