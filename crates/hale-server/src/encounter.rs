//! The Encounter resource, one per visit (check-in opens it; see `arrival.rs`): read, vread,
//! and the patient's search by appointment, which is how the app finds what a visit left
//! behind (its summary).

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use hale_fhir::{CodeableConcept, Encounter, EncounterLocation, Meta, Period, Reference, Resource};
use sqlx::{AnyConnection, AnyPool};

use crate::auth::PatientToken;
use crate::db::{Sql, Time};
use crate::resource_response::{current_version, resource_response};
use crate::search::patient_id;
use crate::searchset::{Paging, Search};
use crate::{FhirError, ServerState};

#[derive(sqlx::FromRow)]
pub(crate) struct EncounterRow {
    pub(crate) id: String,
    pub(crate) appointment_id: Option<String>,
    pub(crate) patient_id: Option<String>,
    pub(crate) clinic_id: String,
    pub(crate) clinic_name: String,
    specialty_code: String,
    pub(crate) location: String,
    pub(crate) status: String,
    arrived_at: Time,
    pub(crate) room: Option<String>,
    finished_at: Option<Time>,
    version_id: i64,
    last_updated: Time,
}

const ENCOUNTER_SELECT: &str = "SELECT e.id, e.appointment_id, a.patient_id, e.clinic_id, \
    c.name AS clinic_name, c.specialty_code, c.location, e.status, e.arrived_at, e.room, e.finished_at, \
    e.version_id, COALESCE(e.last_updated, e.arrived_at) AS last_updated \
    FROM encounter e JOIN clinic c ON c.id = e.clinic_id LEFT JOIN appointment a ON a.id = e.appointment_id";

pub(crate) async fn encounter_row(
    db: &AnyPool,
    id: &str,
) -> Result<Option<EncounterRow>, FhirError> {
    Ok(
        sqlx::query_as(&format!("{ENCOUNTER_SELECT} WHERE e.id = $1"))
            .bind(id)
            .fetch_optional(db)
            .await?,
    )
}

impl EncounterRow {
    pub(crate) fn into_fhir(self) -> Encounter {
        Encounter {
            id: Some(self.id),
            meta: Some(Meta::version(self.version_id, self.last_updated.0)),
            status: self.status,
            class: Encounter::ambulatory(),
            service_type: vec![CodeableConcept {
                coding: vec![hale_fhir::Coding {
                    system: Some("http://snomed.info/sct".into()),
                    code: Some(self.specialty_code),
                    display: Some(self.clinic_name.clone()),
                }],
                text: Some(self.clinic_name),
            }],
            subject: self.patient_id.map(|p| Reference::to("Patient", &p, None)),
            appointment: self
                .appointment_id
                .map(|a| vec![Reference::to("Appointment", &a, None)])
                .unwrap_or_default(),
            period: Some(Period {
                start: Some(self.arrived_at.0),
                end: self.finished_at.map(|t| t.0),
            }),
            location: self
                .room
                .map(|room| {
                    vec![EncounterLocation {
                        location: Reference {
                            reference: None,
                            identifier: None,
                            display: Some(format!("{}, {room}", self.location)),
                        },
                    }]
                })
                .unwrap_or_default(),
        }
    }
}

/// `GET /fhir/Encounter/{id}`: one of the patient's encounters.
pub(crate) async fn read_encounter(
    token: PatientToken,
    State(state): State<ServerState>,
    Path(id): Path<String>,
) -> Result<Response, FhirError> {
    let row = encounter_row(&state.db, &id)
        .await?
        .filter(|r| r.patient_id.as_deref() == Some(token.patient_id.as_str()))
        .ok_or(FhirError::NotFound)?;
    Ok(resource_response(
        StatusCode::OK,
        &Resource::Encounter(row.into_fhir()),
    ))
}

/// `GET /fhir/Encounter/{id}/_history/{vid}`: the visit as it is, if that is version `vid`.
pub(crate) async fn vread_encounter(
    token: PatientToken,
    State(state): State<ServerState>,
    Path((id, vid)): Path<(String, String)>,
) -> Result<Response, FhirError> {
    let row = encounter_row(&state.db, &id)
        .await?
        .filter(|r| r.patient_id.as_deref() == Some(token.patient_id.as_str()))
        .ok_or(FhirError::NotFound)?;
    let resource = Resource::Encounter(row.into_fhir());
    current_version(&resource, &vid)?;
    Ok(resource_response(StatusCode::OK, &resource))
}

/// `GET /fhir/Encounter?patient=…[&appointment=…][&status=…]`: the patient's visits, newest
/// first.
pub(crate) async fn search_encounters(
    token: PatientToken,
    State(state): State<ServerState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, FhirError> {
    let mut search = Search::new(&headers, query.as_deref(), "Encounter", ENCOUNTERS)?;
    let mut appointments: Vec<Vec<String>> = Vec::new();
    let mut statuses: Vec<String> = Vec::new();
    for (name, value) in search.params() {
        match name.as_ref() {
            "patient" | "subject" => token.require_patient(patient_id(&value))?,
            "appointment" => {
                appointments.push(crate::search::references("Appointment", &value)?);
            }
            "status" => crate::search::push_values("status", &value, &mut statuses)?,
            _ => search.unknown(&name, &value)?,
        }
    }
    let mut sql = Sql::new(&format!("{ENCOUNTER_SELECT} WHERE a.patient_id = "));
    sql.push_bind(&token.patient_id);
    for any_of in &appointments {
        sql.push(" AND e.appointment_id IN (");
        sql.push_list(any_of.iter());
        sql.push(")");
    }
    if !statuses.is_empty() {
        sql.push(" AND e.status IN (");
        sql.push_list(statuses.iter());
        sql.push(")");
    }
    sql.push(" ORDER BY e.arrived_at DESC, e.id");
    search.limit(&mut sql);
    let mut rows: Vec<EncounterRow> = sql.build_query_as().fetch_all(&state.db).await?;
    let more = search.cut(&mut rows);
    let resources = rows
        .into_iter()
        .map(|r| Resource::Encounter(r.into_fhir()))
        .collect();
    Ok(search.bundle(resources, Vec::new(), more))
}

/// Every visit of `patient`, oldest first: their part of `$everything`.
pub(crate) async fn encounters_of(
    conn: &mut AnyConnection,
    patient: &str,
) -> Result<Vec<Resource>, FhirError> {
    let rows: Vec<EncounterRow> = sqlx::query_as(&format!(
        "{ENCOUNTER_SELECT} WHERE a.patient_id = $1 ORDER BY e.arrived_at, e.id"
    ))
    .bind(patient)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Resource::Encounter(r.into_fhir()))
        .collect())
}

/// Visits come 20 to a page, up to 100.
const ENCOUNTERS: Paging = Paging {
    default: 20,
    max: 100,
};
