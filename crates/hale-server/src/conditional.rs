//! FHIR conditional create (`If-None-Exist: identifier=SYSTEM|VALUE`), the way dose records and
//! readings arrive: the condition read and checked, the record already stored under an
//! identifier found, and the answer worded (201 for new, 200 for one already there).

use axum::http::StatusCode;
use axum::response::Response;
use hale_fhir::Resource;
use sqlx::AnyConnection;

use crate::FhirError;

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

/// The longest identifier (system and value) a record may carry: a UUID needs 36 characters.
pub(crate) const MAX_IDENTIFIER: usize = 256;

pub(crate) fn split_identifier(token: &str) -> Result<(String, String), FhirError> {
    if token.len() > MAX_IDENTIFIER {
        return Err(FhirError::Invalid(format!(
            "an identifier has at most {MAX_IDENTIFIER} characters"
        )));
    }
    match token.split_once('|') {
        Some((system, value)) if !system.is_empty() && !value.is_empty() => {
            Ok((system.to_owned(), value.to_owned()))
        }
        _ => Err(FhirError::Invalid(
            "an identifier must be written SYSTEM|VALUE".into(),
        )),
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

/// The answer to a conditional create: 201 with the new resource, or 200 with the one already
/// stored under the identifier; `Location` names it either way.
pub(crate) fn conditional_created(created: bool, resource: &Resource) -> Response {
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    crate::resource_response::resource_response(status, resource)
}

/// The `If-None-Exist` header of a conditional create, if sent.
pub(crate) fn if_none_exist(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get("if-none-exist")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}
