//! What every response carries, whichever handler (or none) made it.
//!
//! - `Cache-Control: no-store` unless the handler chose otherwise: almost every answer names a
//!   patient, and a shared computer's browser or a proxy must not keep a copy.
//! - Under `/fhir` and `/api`, every error is a FHIR OperationOutcome, including the framework's
//!   own rejections (bad JSON, a wrong content type, a body too large, a path that is not
//!   UTF-8), which it writes as plain text: clients parse one error format.
//! - A body too large closes the connection, so the client does not reuse a connection whose
//!   unread body the server dropped.

use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use hale_fhir::{IssueType, OperationOutcome, Resource};

use crate::error::fhir_json;

/// The longest framework message carried into an OperationOutcome.
const MAX_DIAGNOSTICS: usize = 1024;

pub(crate) async fn apply(request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let structured = path.starts_with("/fhir") || path.starts_with("/api");
    let mut response = next.run(request).await;
    let status = response.status();
    if structured && (status.is_client_error() || status.is_server_error()) && !is_json(&response) {
        response = as_outcome(response).await;
    }
    let headers = response.headers_mut();
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

fn is_json(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("json"))
}

/// A plain error answer rewritten as an OperationOutcome with the same status.
async fn as_outcome(response: Response) -> Response {
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 64 * 1024)
        .await
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let status = parts.status;
    let diagnostics = if text.trim().is_empty() {
        status.canonical_reason().unwrap_or("error").to_owned()
    } else {
        text.chars().take(MAX_DIAGNOSTICS).collect()
    };
    let code = match status {
        StatusCode::PAYLOAD_TOO_LARGE | StatusCode::URI_TOO_LONG => IssueType::TooLong,
        StatusCode::UNSUPPORTED_MEDIA_TYPE
        | StatusCode::METHOD_NOT_ALLOWED
        | StatusCode::NOT_ACCEPTABLE => IssueType::NotSupported,
        StatusCode::NOT_FOUND => IssueType::NotFound,
        s if s.is_server_error() => IssueType::Exception,
        _ => IssueType::Invalid,
    };
    let outcome = OperationOutcome::error(code, diagnostics);
    let mut rewritten = fhir_json(&Resource::OperationOutcome(outcome));
    *rewritten.status_mut() = status;
    for (name, value) in parts.headers.iter() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            rewritten.headers_mut().insert(name.clone(), value.clone());
        }
    }
    rewritten
}
