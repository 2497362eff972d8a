//! `POST /fhir` with a `transaction` Bundle: dose records and readings sent together, stored
//! all or none in one writing transaction, each entry answered in order.

use axum::extract::State;
use axum::response::Response;
use axum::Json;
use chrono::Utc;
use hale_fhir::{
    Bundle, BundleEntry, BundleRequest, BundleResponse, MedicationAdministration, Resource,
};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::auth::PatientToken;
use crate::error::fhir_json;
use crate::medication::store_administration;
use crate::observation::{check, store_checked, Checked};
use crate::{FhirError, ServerState};

/// At most this many entries in one transaction, so one request cannot hold the database long.
pub(crate) const MAX_TRANSACTION_ENTRIES: usize = 1000;

/// A transaction Bundle as it arrives. Each entry's resource stays raw JSON until its request
/// says what it must be, and is then decoded once, straight into that type. (Read as a
/// `Resource`, serde first buffers every entry, and the Bundle around them, into a tree to find
/// each `resourceType`: a tenth of a relay's time went there.)
#[derive(Deserialize)]
pub(crate) struct Incoming {
    #[serde(rename = "resourceType")]
    resource_type: String,
    #[serde(rename = "type")]
    bundle_type: String,
    #[serde(default)]
    entry: Vec<IncomingEntry>,
}

#[derive(Deserialize)]
pub(crate) struct IncomingEntry {
    resource: Option<Box<RawValue>>,
    request: Option<BundleRequest>,
}

/// The one field read before a resource is decoded.
#[derive(Deserialize)]
struct ResourceType<'a> {
    #[serde(rename = "resourceType", borrow)]
    resource_type: std::borrow::Cow<'a, str>,
}

/// `POST /fhir` with a `transaction` Bundle of conditional creates of dose records
/// (MedicationAdministration) and readings (Observation). All entries are stored or
/// none is (one database transaction); the answer lists each entry's outcome in order.
pub(crate) async fn transaction(
    token: PatientToken,
    State(state): State<ServerState>,
    Json(body): Json<Incoming>,
) -> Result<Response, FhirError> {
    if body.resource_type != "Bundle" {
        return Err(FhirError::Invalid("expected a Bundle".into()));
    }
    if body.bundle_type != "transaction" {
        return Err(FhirError::Invalid(format!(
            "expected a transaction Bundle, not '{}'",
            body.bundle_type
        )));
    }
    if body.entry.len() > MAX_TRANSACTION_ENTRIES {
        return Err(FhirError::Invalid(format!(
            "at most {MAX_TRANSACTION_ENTRIES} entries per transaction"
        )));
    }
    // Run to the end even if the client goes away: a transaction dropped half-way (the
    // handler's future cancelled by a closed connection) could leave its pooled SQLite
    // connection inside a transaction, failing later requests.
    tokio::spawn(store_transaction(token, state, body.entry))
        .await
        .map_err(|e| FhirError::Internal(format!("the transaction task failed: {e}")))?
}

/// Entry `index`'s resource, which its request says is a `kind`.
fn decode<T: DeserializeOwned>(
    index: usize,
    resource: Option<&RawValue>,
    kind: &str,
) -> Result<T, FhirError> {
    let raw = resource
        .ok_or_else(|| FhirError::Invalid(format!("entry {index} has no resource")))?
        .get();
    // FHIR JSON usually leads with its type, as Hale's app writes it: then it is seen at once.
    let leads_with_kind = raw
        .strip_prefix("{\"resourceType\":\"")
        .and_then(|rest| rest.strip_prefix(kind))
        .is_some_and(|rest| rest.starts_with('"'));
    if !leads_with_kind {
        let found = serde_json::from_str::<ResourceType<'_>>(raw)
            .map_err(|e| FhirError::Invalid(format!("entry {index}: {e}")))?
            .resource_type;
        if found != kind {
            return Err(FhirError::Invalid(format!(
                "entry {index}: POST {kind} carries a {found}"
            )));
        }
    }
    serde_json::from_str(raw).map_err(|e| FhirError::Invalid(format!("entry {index}: {e}")))
}

/// An entry decoded and checked, before the writing transaction begins.
#[expect(
    clippy::large_enum_variant,
    reason = "both are large; one request's entries, in one Vec, for the length of the request"
)]
enum Decoded {
    Dose(MedicationAdministration, Option<String>),
    Reading(Checked),
}

async fn store_transaction(
    token: PatientToken,
    state: ServerState,
    entries: Vec<IncomingEntry>,
) -> Result<Response, FhirError> {
    let now = Utc::now();
    // Everything that needs no database is done before the writing transaction, which other
    // requests wait for: decoding, checking, and encoding each reading as stored.
    let mut decoded = Vec::with_capacity(entries.len());
    // Each scope is checked once a transaction, at the first entry that needs it.
    let (mut may_record_doses, mut may_record_readings) = (false, false);
    for (index, entry) in entries.into_iter().enumerate() {
        let request = entry
            .request
            .ok_or_else(|| FhirError::Invalid(format!("entry {index} has no request")))?;
        let resource = entry.resource.as_deref();
        decoded.push(match (request.method.as_str(), request.url.as_str()) {
            ("POST", kind @ "MedicationAdministration") => {
                if !may_record_doses {
                    token.require_scope("patient/MedicationAdministration.c")?;
                    may_record_doses = true;
                }
                Decoded::Dose(decode(index, resource, kind)?, request.if_none_exist)
            }
            ("POST", kind @ "Observation") => {
                if !may_record_readings {
                    token.require_scope("patient/Observation.c")?;
                    may_record_readings = true;
                }
                let observation = decode(index, resource, kind)?;
                let checked = check(&token, observation, request.if_none_exist.as_deref(), now)
                    .map_err(|e| at_entry(index, e))?;
                Decoded::Reading(checked)
            }
            (method, url) => {
                return Err(FhirError::Invalid(format!(
                    "entry {index}: {method} {url} is not supported in a transaction here"
                )))
            }
        });
    }
    // Every entry is the patient's own: other patients' writes go on beside this one.
    let mut tx = crate::db::begin_patient_write(&state.db, &token.patient_id).await?;
    // Dose records are stored in order; readings are stored together after the loop (many rows
    // per statement), their answers filled in at their places.
    let mut answers: Vec<Option<(bool, Resource)>> = Vec::with_capacity(decoded.len());
    let mut readings = Vec::new();
    let mut reading_places = Vec::new();
    let mut stored_new_dose = false;
    for (index, entry) in decoded.into_iter().enumerate() {
        match entry {
            Decoded::Dose(record, condition) => {
                let (created, stored) =
                    store_administration(&mut tx, &token, record, condition.as_deref(), now)
                        .await
                        .map_err(|e| at_entry(index, e))?;
                stored_new_dose |= created;
                answers.push(Some((created, Resource::MedicationAdministration(stored))));
            }
            Decoded::Reading(checked) => {
                readings.push(checked);
                reading_places.push(index);
                answers.push(None);
            }
        }
    }
    let stored = store_checked(&mut tx, &token.patient_id, readings, now).await?;
    let stored_new_reading = stored.iter().any(|(created, _)| *created);
    for (index, (created, observation)) in reading_places.into_iter().zip(stored) {
        answers[index] = Some((created, Resource::Observation(observation)));
    }
    let answers = answers
        .into_iter()
        .map(|answer| {
            let (created, stored) = answer.ok_or_else(|| {
                FhirError::Internal("an entry was left without an outcome".into())
            })?;
            // Stored records never change: each is at the version it was stored as.
            let version = stored
                .meta()
                .and_then(|m| m.version_id.clone())
                .unwrap_or_else(|| "1".into());
            let (kind, id) = stored.type_and_id().unwrap_or(("", ""));
            Ok(BundleEntry {
                response: Some(BundleResponse {
                    status: if created { "201 Created" } else { "200 OK" }.into(),
                    location: Some(format!("{kind}/{id}/_history/{version}")),
                    etag: Some(format!("W/\"{version}\"")),
                }),
                ..BundleEntry::default()
            })
        })
        .collect::<Result<Vec<_>, FhirError>>()?;
    // New data is looked at in the transaction that stores it: never stored unseen.
    let mut families = Vec::new();
    if stored_new_reading {
        families.extend_from_slice(crate::monitoring::engine::ON_READINGS);
    }
    if stored_new_dose {
        families.extend_from_slice(crate::monitoring::engine::ON_DOSES);
    }
    let changes = if families.is_empty() {
        Default::default()
    } else {
        crate::monitoring::alerts::after_new_data(
            &mut tx,
            &token.patient_id,
            &families,
            &state.hospital.timezone,
            &state.monitoring,
            now,
        )
        .await?
    };
    tx.commit().await?;
    if !changes.is_empty() {
        state.alerts_changed().await;
    }
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
        ..Bundle::default()
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
