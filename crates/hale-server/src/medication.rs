//! Medicines: the patient's prescriptions (`MedicationRequest`, read and search) and their dose
//! records (`MedicationAdministration`), which arrive as conditional creates, alone or in a
//! `transaction` Bundle (see `transaction.rs`), so the same record sent twice is stored once.
//!
//! Dose records are stored in the patient's writing transactions
//! ([`crate::db::begin_patient_write`]): the lock is taken before the look-up, so two sends of one record queue behind each other instead of failing to upgrade
//! a read lock, and the unique index on (patient, identifier) settles any race that is left.

use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::Json;
use chrono::{DateTime, Duration, Utc};
use hale_fhir::medication::{DispenseRequest, Dosage, Quantity};
use hale_fhir::{
    CodeableConcept, MedicationAdministration, MedicationRequest, Reference, Resource,
};
use sqlx::AnyConnection;

use crate::auth::PatientToken;
use crate::conditional::{conditional_created, if_none_exist};
use crate::db::{Sql, Time};
use crate::search::{patient_id, TimeRange};
use crate::searchset::{Paging, Search};
use crate::{FhirError, ServerState};

/// How far ahead of the server's clock a dose may be dated: devices' clocks drift a little, but
/// a dose next week is a mistake.
const FUTURE_TOLERANCE: Duration = Duration::minutes(10);

#[derive(Debug, sqlx::FromRow)]
struct RequestRow {
    id: String,
    patient_id: String,
    status: String,
    medication: String,
    authored_on: Time,
    requester_id: Option<String>,
    requester_name: Option<String>,
    encounter_id: Option<String>,
    prior_id: Option<String>,
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
            // A prescription written in the console names the member of staff, who is not a
            // practitioner of the directory: a reference by name only.
            requester: match (self.requester_id, self.requester_name) {
                (Some(id), name) => Some(Reference::to("Practitioner", &id, name)),
                (None, Some(name)) => Some(Reference {
                    display: Some(name),
                    ..Reference::default()
                }),
                (None, None) => None,
            },
            encounter: self
                .encounter_id
                .map(|id| Reference::to("Encounter", &id, None)),
            prior_prescription: self
                .prior_id
                .map(|id| Reference::to("MedicationRequest", &id, None)),
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

const REQUEST_COLUMNS: &str = "SELECT m.id, m.patient_id, m.status, m.medication, m.authored_on, \
     m.requester_id, COALESCE(pr.name, st.name) AS requester_name, m.encounter_id, m.prior_id, \
     m.dosage, m.dispense_quantity, m.dispense_unit \
     FROM medication_request m LEFT JOIN practitioner pr ON pr.id = m.requester_id \
     LEFT JOIN staff st ON st.id = m.prescriber_staff_id \
     WHERE m.patient_id = ";

/// The patient's active prescriptions as medicines with schedules, read in the hospital's zone
/// exactly as the app reads them, so both expand the same doses.
pub(crate) async fn active_medicines(
    conn: &mut AnyConnection,
    patient: &str,
    zone: &chrono_tz::Tz,
) -> Result<Vec<hale_domain::medication::Medicine>, FhirError> {
    let rows: Vec<RequestRow> = sqlx::query_as(&format!(
        "{REQUEST_COLUMNS}$1 AND m.status = 'active' ORDER BY m.authored_on, m.id"
    ))
    .bind(patient)
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|r| Ok(r.into_fhir()?.to_medicine(zone).0))
        .collect()
}

/// `GET /fhir/MedicationRequest?patient=…[&status=…]`: the token's patient's prescriptions.
pub(crate) async fn search_requests(
    token: PatientToken,
    State(state): State<ServerState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, FhirError> {
    let mut search = Search::new(&headers, query.as_deref(), "MedicationRequest", REQUESTS)?;
    let mut statuses: Vec<String> = Vec::new();
    let mut encounters: Vec<Vec<String>> = Vec::new();
    for (name, value) in search.params() {
        match name.as_ref() {
            "patient" | "subject" => token.require_patient(patient_id(&value))?,
            "status" => crate::search::push_values("status", &value, &mut statuses)?,
            "encounter" => encounters.push(crate::search::references("Encounter", &value)?),
            _ => search.unknown(&name, &value)?,
        }
    }
    let mut sql = Sql::new(REQUEST_COLUMNS);
    sql.push_bind(&token.patient_id);
    if !statuses.is_empty() {
        sql.push(" AND m.status IN (");
        sql.push_list(statuses.iter());
        sql.push(")");
    }
    // A comma means any of these visits; a repeated parameter, each of them.
    for any_of in &encounters {
        sql.push(" AND m.encounter_id IN (");
        sql.push_list(any_of.iter());
        sql.push(")");
    }
    sql.push(" ORDER BY m.authored_on, m.id");
    search.limit(&mut sql);
    let mut rows: Vec<RequestRow> = sql.build_query_as().fetch_all(&state.db).await?;
    let more = search.cut(&mut rows);
    let resources = rows
        .into_iter()
        .map(|r| r.into_fhir().map(Resource::MedicationRequest))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(search.bundle(resources, Vec::new(), more))
}

/// Every prescription of `patient`, stopped ones too: their part of `$everything`.
pub(crate) async fn requests_of(
    conn: &mut AnyConnection,
    patient: &str,
) -> Result<Vec<Resource>, FhirError> {
    let rows: Vec<RequestRow> =
        sqlx::query_as(&format!("{REQUEST_COLUMNS}$1 ORDER BY m.authored_on, m.id"))
            .bind(patient)
            .fetch_all(&mut *conn)
            .await?;
    rows.into_iter()
        .map(|r| r.into_fhir().map(Resource::MedicationRequest))
        .collect()
}

/// Prescriptions come 50 to a page, up to 200.
const REQUESTS: Paging = Paging {
    default: 50,
    max: 200,
};

/// Dose records come 1,000 to a page, up to 5,000: a year of four doses a day is 1,460.
const ADMINISTRATIONS: Paging = Paging {
    default: 1000,
    max: 5000,
};

/// `GET /fhir/MedicationAdministration?patient=…[&effective-time=…]`: the patient's dose
/// records as stored, oldest first. The care team reads them here; the app restores its log.
pub(crate) async fn search_administrations(
    token: PatientToken,
    State(state): State<ServerState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, FhirError> {
    let mut search = Search::new(
        &headers,
        query.as_deref(),
        "MedicationAdministration",
        ADMINISTRATIONS,
    )?;
    let mut range = TimeRange::default();
    let mut identifier = None;
    for (name, value) in search.params() {
        match name.as_ref() {
            "patient" | "subject" => token.require_patient(patient_id(&value))?,
            "effective-time" => range.narrow(&value, state.hospital.timezone)?,
            "identifier" => identifier = Some(crate::conditional::split_identifier(&value)?),
            _ => search.unknown(&name, &value)?,
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
    search.limit(&mut sql);
    let mut rows: Vec<(String,)> = sql.build_query_as().fetch_all(&state.db).await?;
    let more = search.cut(&mut rows);
    let resources = rows
        .into_iter()
        .map(|(json,)| {
            serde_json::from_str(&json)
                .map_err(|e| FhirError::Internal(format!("stored administration unreadable: {e}")))
        })
        .collect::<Result<Vec<Resource>, _>>()?;
    Ok(search.bundle(resources, Vec::new(), more))
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
    let mut tx = crate::db::begin_patient_write(&state.db, &token.patient_id).await?;
    let now = Utc::now();
    let (created, stored) =
        store_administration(&mut tx, &token, record, condition.as_deref(), now).await?;
    let changes = if created {
        crate::monitoring::alerts::after_new_data(
            &mut tx,
            &token.patient_id,
            crate::monitoring::engine::ON_DOSES,
            &state.hospital.timezone,
            &state.monitoring,
            now,
        )
        .await?
    } else {
        Default::default()
    };
    tx.commit().await?;
    if !changes.is_empty() {
        state.alerts_changed().await;
    }
    Ok(conditional_created(
        created,
        &Resource::MedicationAdministration(stored),
    ))
}

/// Checks one dose record and stores it unless one with its identifier exists. Returns whether
/// it was created, and the record as stored.
pub(crate) async fn store_administration(
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
    let (system, value) = crate::conditional::condition_identifier(condition)?;
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
    // Recorded as whoever's token it was: a helper's RelatedPerson stays on the record.
    record.performer = match token.actor() {
        ("RelatedPerson", rp) => vec![hale_fhir::medication::AdministrationPerformer {
            actor: Reference::to("RelatedPerson", rp, None),
        }],
        _ => Vec::new(),
    };
    // A dose record never changes once stored: version 1, from when it arrived.
    record.meta = Some(hale_fhir::Meta::version(1, now));
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
    match crate::conditional::stored_by_identifier(
        tx,
        "medication_administration",
        patient,
        system,
        value,
    )
    .await?
    {
        Some(Resource::MedicationAdministration(a)) => Ok(Some(a)),
        Some(_) => Err(FhirError::Internal(
            "stored administration unreadable".into(),
        )),
        None => Ok(None),
    }
}
