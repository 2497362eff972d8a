//! Errors as FHIR OperationOutcomes with the matching HTTP status.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use hale_fhir::{IssueType, OperationOutcome, Resource, FHIR_JSON};

#[derive(Debug, thiserror::Error)]
pub enum FhirError {
    #[error("authentication required")]
    Unauthenticated,
    #[error("the sign-in details do not match a patient")]
    LoginFailed,
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("not found")]
    NotFound,
    /// A method the resource does not take; carries the ones it does.
    #[error("method not allowed; allowed: {0}")]
    MethodNotAllowed(String),
    /// A response format the server does not write (FHIR XML, RDF).
    #[error("not acceptable: {0}")]
    NotAcceptable(String),
    /// A request URI longer than the server reads.
    #[error("the request URI is too long")]
    UriTooLong,
    #[error("invalid request: {0}")]
    Invalid(String),
    /// The request cannot be done as the record now stands (a form already sent).
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("refused: {0}")]
    Refused(#[from] hale_domain::Refusal),
    #[error("check-in refused: {0}")]
    Arrival(#[from] hale_domain::ArrivalRefusal),
    #[error("parking refused: {0}")]
    Parking(#[from] hale_domain::parking::ParkingRefusal),
    #[error("care circle: {0}")]
    CareCircle(#[from] hale_domain::care_circle::CareCircleRefusal),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("internal error: {0}")]
    Internal(String),
    /// Too many at once from this client (open live streams).
    #[error("too many: {0}")]
    TooMany(&'static str),
    /// Something this hospital has not set up (a card processor).
    #[error("not available here: {0}")]
    Unavailable(&'static str),
}

impl FhirError {
    fn status_and_issue(&self) -> (StatusCode, IssueType, String) {
        match self {
            // A lost race for a slot, or an offer gone, is a conflict; every other refusal is a business rule.
            Self::Refused(
                r @ (hale_domain::Refusal::SlotTaken | hale_domain::Refusal::OfferClosed),
            ) => (StatusCode::CONFLICT, IssueType::Conflict, r.to_string()),
            Self::Refused(r) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                IssueType::BusinessRule,
                r.to_string(),
            ),
            Self::Parking(r) => {
                use hale_domain::parking::ParkingRefusal as P;
                let (status, issue) = match r {
                    P::CardDeclined | P::InsufficientFunds => {
                        (StatusCode::PAYMENT_REQUIRED, IssueType::BusinessRule)
                    }
                    P::CarParkFull | P::SessionOver | P::PriceChanged => {
                        (StatusCode::CONFLICT, IssueType::Conflict)
                    }
                    _ => (StatusCode::UNPROCESSABLE_ENTITY, IssueType::Invalid),
                };
                (status, issue, r.to_string())
            }
            Self::CareCircle(r) => {
                use hale_domain::care_circle::CareCircleRefusal as C;
                let (status, issue) = match r {
                    // The consent no longer allows it: the helper is forbidden, not mistaken.
                    C::ConsentEnded(_) => (StatusCode::FORBIDDEN, IssueType::Forbidden),
                    C::AlreadyHelping => (StatusCode::CONFLICT, IssueType::Conflict),
                    _ => (StatusCode::UNPROCESSABLE_ENTITY, IssueType::BusinessRule),
                };
                (status, issue, r.to_string())
            }
            Self::Arrival(r) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                IssueType::BusinessRule,
                r.to_string(),
            ),
            Self::Unauthenticated => (
                StatusCode::UNAUTHORIZED,
                IssueType::Login,
                "a valid bearer token is required".into(),
            ),
            Self::LoginFailed => (StatusCode::UNAUTHORIZED, IssueType::Login, self.to_string()),
            Self::Forbidden(why) => (StatusCode::FORBIDDEN, IssueType::Forbidden, why.clone()),
            Self::NotFound => (
                StatusCode::NOT_FOUND,
                IssueType::NotFound,
                "no such resource".into(),
            ),
            Self::Invalid(why) => (StatusCode::BAD_REQUEST, IssueType::Invalid, why.clone()),
            Self::Conflict(why) => (StatusCode::CONFLICT, IssueType::Conflict, why.clone()),
            Self::MethodNotAllowed(allowed) => (
                StatusCode::METHOD_NOT_ALLOWED,
                IssueType::NotSupported,
                format!("this resource takes {allowed} only"),
            ),
            Self::NotAcceptable(why) => (
                StatusCode::NOT_ACCEPTABLE,
                IssueType::NotSupported,
                why.clone(),
            ),
            Self::UriTooLong => (
                StatusCode::URI_TOO_LONG,
                IssueType::TooLong,
                format!(
                    "the request URI is longer than {} bytes",
                    crate::request_policy::MAX_URI
                ),
            ),
            Self::TooMany(why) => (
                StatusCode::TOO_MANY_REQUESTS,
                IssueType::Throttled,
                (*why).to_owned(),
            ),
            Self::Unavailable(why) => (
                StatusCode::SERVICE_UNAVAILABLE,
                IssueType::NotSupported,
                (*why).to_owned(),
            ),
            // Internal details go to the log, not to the client.
            Self::Database(_) | Self::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                IssueType::Exception,
                "the server failed; please try again".into(),
            ),
        }
    }
}

impl IntoResponse for FhirError {
    fn into_response(self) -> Response {
        let (status, code, diagnostics) = self.status_and_issue();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        let outcome = match &self {
            Self::Refused(refusal) => OperationOutcome::refusal(code, refusal.code(), diagnostics),
            Self::Arrival(refusal) => OperationOutcome::refusal(code, refusal.code(), diagnostics),
            Self::Parking(refusal) => OperationOutcome::refusal(code, refusal.code(), diagnostics),
            Self::CareCircle(refusal) => {
                OperationOutcome::refusal(code, refusal.code(), diagnostics)
            }
            _ => OperationOutcome::error(code, diagnostics),
        };
        let mut response =
            (status, fhir_json(&Resource::OperationOutcome(outcome))).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// A FHIR JSON body with the FHIR media type.
pub(crate) fn fhir_json<T: serde::Serialize>(body: &T) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => (
            [(header::CONTENT_TYPE, HeaderValue::from_static(FHIR_JSON))],
            bytes,
        )
            .into_response(),
        Err(e) => FhirError::Internal(e.to_string()).into_response(),
    }
}
