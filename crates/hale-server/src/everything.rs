//! `GET /fhir/Patient/{id}/$everything`: the patient's own record in one searchset, for them
//! to take elsewhere (the app's export). Only the patient themself may ask: a helper's consent
//! opens parts of a record, never a copy of all of it. Each kind of record comes only with the
//! token's scope to search it, so a narrower grant exports less, never more.
//!
//! The record: the Patient; their Appointments and Encounters; MedicationRequests (stopped
//! ones too) and MedicationAdministrations; Observations (home and clinic readings);
//! AllergyIntolerances; QuestionnaireResponses; the monitoring CarePlan and its Goals; Flags
//! and the Tasks on them; Communications; Consents and the RelatedPersons they name. No other
//! patient's resource can be in it: every query is by this patient's id.

use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use hale_fhir::Resource;
use sqlx::AnyConnection;

use crate::auth::PatientToken;
use crate::searchset::{Paging, Search};
use crate::{FhirError, ServerState};

/// An export pages 1,000 entries at a time unless asked for up to 5,000.
const PAGE: Paging = Paging {
    default: 1000,
    max: 5000,
};

/// The scope that reads each kind of record, as its own search asks for it.
const SCOPES: &[(&str, &str)] = &[
    ("Appointment", "patient/Appointment.s"),
    ("Encounter", "patient/Encounter.s"),
    ("MedicationRequest", "patient/MedicationRequest.s"),
    (
        "MedicationAdministration",
        "patient/MedicationAdministration.s",
    ),
    ("Observation", "patient/Observation.s"),
    ("AllergyIntolerance", "patient/AllergyIntolerance.s"),
    ("QuestionnaireResponse", "patient/QuestionnaireResponse.s"),
    ("CarePlan", "patient/CarePlan.s"),
    ("Goal", "patient/Goal.r"),
    ("Flag", "patient/Flag.s"),
    ("Task", "patient/Task.r"),
    ("Communication", "patient/Communication.s"),
    ("Consent", "patient/Consent.s"),
    ("RelatedPerson", "patient/RelatedPerson.s"),
];

/// The kinds each loader reads together, in the order the export lists them; a loader runs when
/// any of its kinds may go out, and only those that may are kept.
const SOURCES: &[&[&str]] = &[
    &["Appointment"],
    &["Encounter"],
    &["MedicationRequest"],
    &["MedicationAdministration"],
    &["Observation"],
    &["AllergyIntolerance"],
    &["QuestionnaireResponse"],
    &["CarePlan", "Goal"],
    &["Flag", "Task"],
    &["Communication"],
    &["Consent", "RelatedPerson"],
];

/// `GET /fhir/Patient/{id}/$everything[?_type=…][&_count=…]`.
pub(crate) async fn everything(
    token: PatientToken,
    State(state): State<ServerState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, FhirError> {
    token.require_patient(&id)?;
    token.require_patient_themself()?;
    let mut search = Search::new(&headers, query.as_deref(), "Patient", PAGE)?
        .at(format!("Patient/{id}/$everything"));
    let mut types: Option<Vec<String>> = None;
    for (name, value) in search.params() {
        match name.as_ref() {
            "_type" => {
                let mut asked = Vec::new();
                crate::search::push_values("_type", &value, &mut asked)?;
                types.get_or_insert_with(Vec::new).extend(asked);
            }
            _ => search.unknown(&name, &value)?,
        }
    }
    let wanted = |kind: &str| types.as_ref().is_none_or(|t| t.iter().any(|k| k == kind));
    let may = |kind: &str| {
        wanted(kind)
            && SCOPES
                .iter()
                .find(|(k, _)| *k == kind)
                .is_some_and(|(_, scope)| token.require_scope(scope).is_ok())
    };
    let mut conn = state.db.acquire().await?;
    let mut record = Vec::new();
    if wanted("Patient") {
        let patient = crate::fhir::load_patient(&mut conn, &id)
            .await?
            .ok_or(FhirError::NotFound)?;
        record.push(Resource::Patient(patient));
    }
    for kinds in SOURCES {
        if kinds.iter().any(|k| may(k)) {
            let found = section(&state, &mut conn, kinds[0], &id).await?;
            record.extend(
                found
                    .into_iter()
                    .filter(|r| r.type_and_id().is_some_and(|(kind, _)| may(kind))),
            );
        }
    }
    let results = record.into_iter().map(|r| (r, Vec::new())).collect();
    Ok(search.page(results, true))
}

/// One kind of `patient`'s records (with what comes with it: a plan's goals, an alert's task,
/// the people consents name).
async fn section(
    state: &ServerState,
    conn: &mut AnyConnection,
    kind: &str,
    patient: &str,
) -> Result<Vec<Resource>, FhirError> {
    match kind {
        "Appointment" => crate::fhir::appointments_of(conn, patient).await,
        "Encounter" => crate::encounter::encounters_of(conn, patient).await,
        "MedicationRequest" => crate::medication::requests_of(conn, patient).await,
        "MedicationAdministration" => {
            stored(conn, "medication_administration", "effective_at", patient).await
        }
        "Observation" => stored(conn, "observation", "effective_at", patient).await,
        "AllergyIntolerance" => crate::questionnaire::allergies_of(conn, patient, i64::MAX).await,
        "QuestionnaireResponse" => {
            stored(conn, "questionnaire_response", "authored_at", patient).await
        }
        "CarePlan" => crate::monitoring::plans::care_plan_of(conn, patient).await,
        "Flag" => crate::monitoring::alerts::flags_of(conn, patient).await,
        "Communication" => crate::monitoring::messages::messages_of(conn, patient).await,
        "Consent" => crate::care_circle::circle_of(state, conn, patient).await,
        other => Err(FhirError::Internal(format!("no section {other}"))),
    }
}

/// The resources `table` keeps as the patient's app or the hospital sent them, oldest first.
pub(crate) async fn stored(
    conn: &mut AnyConnection,
    table: &'static str,
    by: &'static str,
    patient: &str,
) -> Result<Vec<Resource>, FhirError> {
    let rows: Vec<(String,)> = sqlx::query_as(&format!(
        "SELECT resource FROM {table} WHERE patient_id = $1 ORDER BY {by}, id"
    ))
    .bind(patient)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|(json,)| {
            serde_json::from_str(json)
                .map_err(|e| FhirError::Internal(format!("a stored {table} is unreadable: {e}")))
        })
        .collect()
}
