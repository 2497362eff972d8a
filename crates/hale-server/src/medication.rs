//! Medicines: the patient's prescriptions (`MedicationRequest`, read and search) and their dose
//! records (`MedicationAdministration`), which arrive as conditional creates, alone or in a
//! `transaction` Bundle, so the same record sent twice is stored once.
//!
//! Writes run in writing transactions ([`crate::db::begin_write`]): the write lock is taken
//! before the look-up, so two sends of one record queue behind each other instead of failing to upgrade
//! a read lock, and the unique index on (patient, identifier) settles any race that is left.

use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::Json;
use chrono::{DateTime, Duration, Utc};
use hale_fhir::medication::{DispenseRequest, Dosage, Quantity};
use hale_fhir::{
    Bundle, BundleEntry, BundleResponse, CodeableConcept, MedicationAdministration,
    MedicationRequest, Reference, Resource,
};
use sqlx::AnyConnection;

use crate::auth::PatientToken;
use crate::db::{Sql, Time};
use crate::error::{conditional_created, fhir_json, if_none_exist};
use crate::search::{patient_id, TimeRange};
use crate::{FhirError, ServerState};

/// How far ahead of the server's clock a dose may be dated: devices' clocks drift a little, but
/// a dose next week is a mistake.
const FUTURE_TOLERANCE: Duration = Duration::minutes(10);

/// At most this many entries in one transaction, so one request cannot hold the database long.
pub(crate) const MAX_TRANSACTION_ENTRIES: usize = 1000;

#[derive(Debug, sqlx::FromRow)]
struct RequestRow {
    id: String,
    patient_id: String,
    status: String,
    medication: String,
    authored_on: Time,
    requester_id: Option<String>,
    requester_name: Option<String>,
    dosage: String,
    dispense_quantity: Option<f64>,
    dispense_unit: Option<String>,
}

impl RequestRow {
    fn into_fhir(self) -> Result<MedicationRequest, FhirError> {
        let dosage: Vec<Dosage> = serde_json::from_str(&self.dosage)
            .map_err(|e| FhirError::Internal(format!("stored dosage unreadable: {e}")))?;
        Ok(MedicationRequest {
            id: Some(self.id),
            status: self.status,
            intent: "order".into(),
            medication_codeable_concept: Some(CodeableConcept {
                coding: Vec::new(),
                text: Some(self.medication),
            }),
            subject: Reference::to("Patient", &self.patient_id, None),
            authored_on: Some(self.authored_on.0),
            requester: self
                .requester_id
                .map(|id| Reference::to("Practitioner", &id, self.requester_name)),
            dosage_instruction: dosage,
            dispense_request: self.dispense_quantity.map(|q| DispenseRequest {
                quantity: Some(Quantity {
                    value: Some(q),
                    unit: self.dispense_unit,
                    ..Quantity::default()
                }),
            }),
        })
    }
}

/// `GET /fhir/MedicationRequest?patient=…[&status=…]`: the token's patient's prescriptions.
pub(crate) async fn search_requests(
    token: PatientToken,
    State(state): State<ServerState>,
    RawQuery(query): RawQuery,
) -> Result<Response, FhirError> {
    let mut statuses: Vec<String> = Vec::new();
    for (name, value) in url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        match name.as_ref() {
            "patient" | "subject" => token.require_patient(patient_id(&value))?,
            "status" => statuses.extend(value.split(',').map(str::to_owned)),
            _ => {}
        }
    }
    let mut sql = Sql::new(
        "SELECT m.id, m.patient_id, m.status, m.medication, m.authored_on, m.requester_id, \
         pr.name AS requester_name, m.dosage, m.dispense_quantity, m.dispense_unit \
         FROM medication_request m LEFT JOIN practitioner pr ON pr.id = m.requester_id \
         WHERE m.patient_id = ",
    );
    sql.push_bind(&token.patient_id);
    if !statuses.is_empty() {
        sql.push(" AND m.status IN (");
        sql.push_list(statuses.iter());
        sql.push(")");
    }
    sql.push(" ORDER BY m.authored_on, m.id");
    let rows: Vec<RequestRow> = sql.build_query_as().fetch_all(&state.db).await?;
    let resources = rows
        .into_iter()
        .map(|r| r.into_fhir().map(Resource::MedicationRequest))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(fhir_json(&Resource::Bundle(Bundle::searchset(resources))))
}

/// `GET /fhir/MedicationAdministration?patient=…[&effective-time=…]`: the patient's dose
/// records as stored, oldest first. The care team reads them here; the app restores its log.
pub(crate) async fn search_administrations(
    token: PatientToken,
    State(state): State<ServerState>,
    RawQuery(query): RawQuery,
) -> Result<Response, FhirError> {
    let mut range = TimeRange::default();
    let mut identifier = None;
    for (name, value) in url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        match name.as_ref() {
            "patient" | "subject" => token.require_patient(patient_id(&value))?,
            "effective-time" => range.narrow(&value, state.hospital.timezone)?,
            "identifier" => identifier = Some(split_identifier(&value)?),
            _ => {}
        }
    }
    let mut sql = Sql::new("SELECT resource FROM medication_administration WHERE patient_id = ");
    sql.push_bind(&token.patient_id);
    if let Some(from) = range.from {
        sql.push(" AND effective_at >= ").push_bind(Time(from));
    }
    if let Some(until) = range.until {
        sql.push(" AND effective_at < ").push_bind(Time(until));
    }
    if let Some((system, value)) = &identifier {
        sql.push(" AND identifier_system = ").push_bind(system);
        sql.push(" AND identifier_value = ").push_bind(value);
    }
    sql.push(" ORDER BY effective_at, id");
    let rows: Vec<(String,)> = sql.build_query_as().fetch_all(&state.db).await?;
    let resources = rows
        .into_iter()
        .map(|(json,)| {
            serde_json::from_str(&json)
                .map_err(|e| FhirError::Internal(format!("stored administration unreadable: {e}")))
        })
        .collect::<Result<Vec<Resource>, _>>()?;
    Ok(fhir_json(&Resource::Bundle(Bundle::searchset(resources))))
}

/// `POST /fhir/MedicationAdministration` with `If-None-Exist: identifier=SYSTEM|VALUE`:
/// 201 with the new record, or 200 with the one already stored under that identifier.
pub(crate) async fn create_administration(
    token: PatientToken,
    State(state): State<ServerState>,
    headers: HeaderMap,
    Json(body): Json<Resource>,
) -> Result<Response, FhirError> {
    let Resource::MedicationAdministration(record) = body else {
        return Err(FhirError::Invalid(
            "expected a MedicationAdministration".into(),
        ));
    };
    let condition = if_none_exist(&headers);
    let mut tx = crate::booking::begin(&state).await?;
    let (created, stored) =
        store_administration(&mut tx, &token, record, condition.as_deref(), Utc::now()).await?;
    tx.commit().await?;
    let location = format!(
        "MedicationAdministration/{}",
        stored.id.as_deref().unwrap_or("")
    );
    Ok(conditional_created(
        created,
        &location,
        &Resource::MedicationAdministration(stored),
    ))
}

/// `POST /fhir` with a `transaction` Bundle of conditional creates of dose records
/// (MedicationAdministration) and readings (Observation). All entries are stored or
/// none is (one database transaction); the answer lists each entry's outcome in order.
pub(crate) async fn transaction(
    token: PatientToken,
    State(state): State<ServerState>,
    Json(body): Json<Resource>,
) -> Result<Response, FhirError> {
    let Resource::Bundle(bundle) = body else {
        return Err(FhirError::Invalid("expected a Bundle".into()));
    };
    if bundle.bundle_type != "transaction" {
        return Err(FhirError::Invalid(format!(
            "expected a transaction Bundle, not '{}'",
            bundle.bundle_type
        )));
    }
    if bundle.entry.len() > MAX_TRANSACTION_ENTRIES {
        return Err(FhirError::Invalid(format!(
            "at most {MAX_TRANSACTION_ENTRIES} entries per transaction"
        )));
    }
    // Run to the end even if the client goes away: a transaction dropped half-way (the
    // handler's future cancelled by a closed connection) could leave its pooled SQLite
    // connection inside a transaction, failing later requests.
    tokio::spawn(store_transaction(token, state, bundle))
        .await
        .map_err(|e| FhirError::Internal(format!("the transaction task failed: {e}")))?
}

async fn store_transaction(
    token: PatientToken,
    state: ServerState,
    bundle: Bundle,
) -> Result<Response, FhirError> {
    let now = Utc::now();
    let mut tx = crate::booking::begin(&state).await?;
    // Dose records are stored as they come; readings are checked as they come and stored
    // together after the loop (many rows per statement), their answers filled in at their places.
    let mut answers: Vec<Option<(bool, String)>> = Vec::with_capacity(bundle.entry.len());
    let mut readings = Vec::new();
    let mut reading_places = Vec::new();
    for (index, entry) in bundle.entry.into_iter().enumerate() {
        let request = entry
            .request
            .ok_or_else(|| FhirError::Invalid(format!("entry {index} has no request")))?;
        match (
            request.method.as_str(),
            request.url.as_str(),
            entry.resource,
        ) {
            ("POST", "MedicationAdministration", Resource::MedicationAdministration(record)) => {
                token.require_scope("patient/MedicationAdministration.c")?;
                let (created, stored) = store_administration(
                    &mut tx,
                    &token,
                    record,
                    request.if_none_exist.as_deref(),
                    now,
                )
                .await
                .map_err(|e| at_entry(index, e))?;
                let id = stored.id.unwrap_or_default();
                answers.push(Some((created, format!("MedicationAdministration/{id}"))));
            }
            ("POST", "Observation", Resource::Observation(observation)) => {
                token.require_scope("patient/Observation.c")?;
                let checked = crate::observation::check(
                    &token,
                    observation,
                    request.if_none_exist.as_deref(),
                    now,
                )
                .map_err(|e| at_entry(index, e))?;
                readings.push(checked);
                reading_places.push(index);
                answers.push(None);
            }
            (method, url, _) => {
                return Err(FhirError::Invalid(format!(
                    "entry {index}: {method} {url} is not supported in a transaction here"
                )))
            }
        }
    }
    let stored =
        crate::observation::store_checked(&mut tx, &token.patient_id, readings, now).await?;
    for (index, (created, observation)) in reading_places.into_iter().zip(stored) {
        let id = observation.id.unwrap_or_default();
        answers[index] = Some((created, format!("Observation/{id}")));
    }
    let answers = answers
        .into_iter()
        .map(|answer| {
            let (created, location) = answer.ok_or_else(|| {
                FhirError::Internal("an entry was left without an outcome".into())
            })?;
            Ok(BundleEntry {
                response: Some(BundleResponse {
                    status: if created { "201 Created" } else { "200 OK" }.into(),
                    location: Some(location),
                }),
                ..BundleEntry::default()
            })
        })
        .collect::<Result<Vec<_>, FhirError>>()?;
    tx.commit().await?;
    let created = answers
        .iter()
        .filter(|a| {
            a.response
                .as_ref()
                .is_some_and(|r| r.status.starts_with("201"))
        })
        .count();
    tracing::info!(entries = answers.len(), created, "transaction stored");
    let response = Bundle {
        bundle_type: "transaction-response".into(),
        total: None,
        link: Vec::new(),
        entry: answers,
    };
    Ok(fhir_json(&Resource::Bundle(response)))
}

/// Names the failing entry, as a transaction's client needs to know which one to fix.
fn at_entry(index: usize, error: FhirError) -> FhirError {
    match error {
        FhirError::Invalid(why) => FhirError::Invalid(format!("entry {index}: {why}")),
        other => other,
    }
}

/// `identifier=SYSTEM|VALUE` (the only condition Hale accepts) as (system, value).
pub(crate) fn condition_identifier(condition: &str) -> Result<(String, String), FhirError> {
    let mut pairs = url::form_urlencoded::parse(condition.as_bytes());
    match (pairs.next(), pairs.next()) {
        (Some((name, value)), None) if name == "identifier" => split_identifier(&value),
        _ => Err(FhirError::Invalid(
            "the condition must be identifier=SYSTEM|VALUE".into(),
        )),
    }
}

pub(crate) fn split_identifier(token: &str) -> Result<(String, String), FhirError> {
    match token.split_once('|') {
        Some((system, value)) if !system.is_empty() && !value.is_empty() => {
            Ok((system.to_owned(), value.to_owned()))
        }
        _ => Err(FhirError::Invalid(
            "an identifier must be written SYSTEM|VALUE".into(),
        )),
    }
}

/// Checks one dose record and stores it unless one with its identifier exists. Returns whether
/// it was created, and the record as stored.
async fn store_administration(
    tx: &mut AnyConnection,
    token: &PatientToken,
    mut record: MedicationAdministration,
    condition: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(bool, MedicationAdministration), FhirError> {
    let condition = condition.ok_or_else(|| {
        FhirError::Invalid(
            "dose records are accepted only as conditional creates (If-None-Exist: identifier=…)"
                .into(),
        )
    })?;
    let (system, value) = condition_identifier(condition)?;
    if record.identifier_value(&system) != Some(value.as_str()) {
        return Err(FhirError::Invalid(
            "the record does not carry the identifier its condition names".into(),
        ));
    }
    if record.subject.id_of("Patient") != Some(token.patient_id.as_str()) {
        return Err(FhirError::Forbidden(
            "a patient may record only their own doses".into(),
        ));
    }
    if !matches!(record.status.as_str(), "completed" | "not-done") {
        return Err(FhirError::Invalid(format!(
            "status '{}' is not a dose taken (completed) or not taken (not-done)",
            record.status
        )));
    }
    let effective = record
        .effective_date_time
        .ok_or_else(|| FhirError::Invalid("effectiveDateTime is required".into()))?;
    if effective > now + FUTURE_TOLERANCE {
        return Err(FhirError::Invalid(
            "effectiveDateTime is in the future".into(),
        ));
    }
    if record.medication_codeable_concept.is_none() && record.request.is_none() {
        return Err(FhirError::Invalid(
            "name the medicine (medicationCodeableConcept) or its prescription (request)".into(),
        ));
    }
    let request_id = match &record.request {
        Some(reference) => {
            let id = reference.id_of("MedicationRequest").ok_or_else(|| {
                FhirError::Invalid("request must reference a MedicationRequest".into())
            })?;
            let known: Option<String> = sqlx::query_scalar(
                "SELECT id FROM medication_request WHERE id = $1 AND patient_id = $2",
            )
            .bind(id)
            .bind(&token.patient_id)
            .fetch_optional(&mut *tx)
            .await?;
            Some(known.ok_or_else(|| {
                FhirError::Invalid("request names no prescription of this patient".into())
            })?)
        }
        None => None,
    };
    if let Some(existing) = existing(tx, &token.patient_id, &system, &value).await? {
        return Ok((false, existing));
    }
    let id = format!("ma-{:016x}", crate::random::u64()?);
    record.id = Some(id.clone());
    let json = serde_json::to_string(&Resource::MedicationAdministration(record.clone()))
        .map_err(|e| FhirError::Internal(e.to_string()))?;
    let inserted = sqlx::query(
        "INSERT INTO medication_administration (id, patient_id, identifier_system, \
         identifier_value, request_id, status, effective_at, resource, received_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (patient_id, identifier_system, identifier_value) DO NOTHING",
    )
    .bind(&id)
    .bind(&token.patient_id)
    .bind(&system)
    .bind(&value)
    .bind(&request_id)
    .bind(&record.status)
    .bind(Time(effective))
    .bind(&json)
    .bind(Time(now))
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if inserted == 1 {
        return Ok((true, record));
    }
    // Another request stored the same record between our look and our insert.
    let stored = existing(tx, &token.patient_id, &system, &value)
        .await?
        .ok_or_else(|| FhirError::Internal("a conflicting dose record vanished".into()))?;
    Ok((false, stored))
}

async fn existing(
    tx: &mut AnyConnection,
    patient: &str,
    system: &str,
    value: &str,
) -> Result<Option<MedicationAdministration>, FhirError> {
    match stored_by_identifier(tx, "medication_administration", patient, system, value).await? {
        Some(Resource::MedicationAdministration(a)) => Ok(Some(a)),
        Some(_) => Err(FhirError::Internal(
            "stored administration unreadable".into(),
        )),
        None => Ok(None),
    }
}

/// The resource stored in `table` (a table of resources kept whole, unique on patient and
/// identifier) under a patient's identifier, if any.
pub(crate) async fn stored_by_identifier(
    tx: &mut AnyConnection,
    table: &'static str,
    patient: &str,
    system: &str,
    value: &str,
) -> Result<Option<Resource>, FhirError> {
    let json: Option<String> = sqlx::query_scalar(&format!(
        "SELECT resource FROM {table} \
         WHERE patient_id = $1 AND identifier_system = $2 AND identifier_value = $3"
    ))
    .bind(patient)
    .bind(system)
    .bind(value)
    .fetch_optional(&mut *tx)
    .await?;
    json.map(|j| {
        serde_json::from_str::<Resource>(&j)
            .map_err(|e| FhirError::Internal(format!("a stored resource is unreadable: {e}")))
    })
    .transpose()
}
