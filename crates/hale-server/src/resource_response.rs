//! Answering with one resource, as FHIR's RESTful API says (http.html#versioning):
//! - `ETag: W/"{versionId}"` and `Last-Modified` from its `meta`, on reads and on changes;
//! - on a create, `Location: [base]/[type]/[id]/_history/[vid]`. It is written relative to the
//!   FHIR base here and made absolute on the way out ([`absolute_location`]), where the request's
//!   host is known.

use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hale_fhir::Resource;

use crate::error::fhir_json;

/// `resource` answered with `status`, its version headers, and its `Location` when created
/// (201) or found by a conditional create (200).
pub(crate) fn resource_response(status: StatusCode, resource: &Resource) -> Response {
    let mut response = (status, fhir_json(resource)).into_response();
    let headers = response.headers_mut();
    let meta = resource.meta();
    let version = meta.and_then(|m| m.version_id.as_deref());
    if let Some(etag) = version.and_then(|v| HeaderValue::from_str(&format!("W/\"{v}\"")).ok()) {
        headers.insert(header::ETAG, etag);
    }
    if let Some(at) = meta.and_then(|m| m.last_updated) {
        let http_date = at.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
        if let Ok(value) = HeaderValue::from_str(&http_date) {
            headers.insert(header::LAST_MODIFIED, value);
        }
    }
    if status == StatusCode::CREATED || status == StatusCode::OK && is_conditional(resource) {
        if let Some((kind, id)) = resource.type_and_id() {
            let location = match version {
                Some(v) => format!("{kind}/{id}/_history/{v}"),
                None => format!("{kind}/{id}"),
            };
            if let Ok(value) = HeaderValue::from_str(&location) {
                headers.insert(header::LOCATION, value);
            }
        }
    }
    response
}

/// Whether `resource` is at version `vid`: only the current version of a resource is kept, so
/// a vread of any other is "not found".
pub(crate) fn current_version(resource: &Resource, vid: &str) -> Result<(), crate::FhirError> {
    match resource.meta().and_then(|m| m.version_id.as_deref()) {
        Some(current) if current == vid => Ok(()),
        _ => Err(crate::FhirError::NotFound),
    }
}

/// Readings and dose records arrive by conditional create, whose 200 ("already stored") names
/// the stored one too.
fn is_conditional(resource: &Resource) -> bool {
    matches!(
        resource,
        Resource::Observation(_) | Resource::MedicationAdministration(_)
    )
}

/// Makes a `Location` under `/fhir` written relative to the FHIR base absolute, with the host
/// the client reached.
pub(crate) async fn absolute_location(request: Request, next: Next) -> Response {
    let base = request
        .uri()
        .path()
        .starts_with("/fhir")
        .then(|| crate::origin::fhir_base(request.headers()));
    let mut response = next.run(request).await;
    let Some(base) = base else {
        return response;
    };
    let relative = response
        .headers()
        .get(header::LOCATION)
        .and_then(|l| l.to_str().ok())
        .filter(|l| !l.contains("://") && !l.starts_with('/'))
        .map(str::to_owned);
    if let Some(value) = relative.and_then(|l| HeaderValue::from_str(&format!("{base}/{l}")).ok()) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}
