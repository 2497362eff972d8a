//! Bearer tokens bound to one patient, and the development sign-in that issues them.

use axum::extract::{FromRequestParts, State};
use axum::http::header;
use axum::http::request::Parts;
use axum::Form;
use axum::Json;
use chrono::{DateTime, Duration, Utc};
use hale_fhir::smart::{ClientCredentials, DevSignIn, DeviceTokenResponse, TokenResponse};
use sha2::{Digest, Sha256};

use crate::{FhirError, ServerState};

/// How long a development token lives.
const TOKEN_LIFETIME: Duration = Duration::hours(1);

/// The patient scope every development token carries.
const PATIENT_SCOPE: &str = "launch/patient patient/Appointment.rs patient/Patient.r";

/// The patient a request is authorised for: every patient handler takes one, so no handler can
/// forget to authenticate.
#[derive(Debug, Clone)]
pub(crate) struct PatientToken {
    pub patient_id: String,
}

impl PatientToken {
    /// Refuses access to any other patient's records.
    pub fn require_patient(&self, patient_id: &str) -> Result<(), FhirError> {
        if self.patient_id == patient_id {
            Ok(())
        } else {
            Err(FhirError::Forbidden(
                "this token is not for that patient".into(),
            ))
        }
    }
}

pub(crate) fn hash_token(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn new_token() -> Result<String, FhirError> {
    let bytes = crate::random::bytes::<32>()?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

impl FromRequestParts<ServerState> for PatientToken {
    type Rejection = FhirError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &ServerState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer(parts)?;
        let row: Option<(String, DateTime<Utc>)> =
            sqlx::query_as("SELECT patient_id, expires_at FROM access_token WHERE token_hash = ?")
                .bind(hash_token(token))
                .fetch_optional(&state.db)
                .await?;
        match row {
            Some((patient_id, expires_at)) if expires_at > Utc::now() => {
                Ok(PatientToken { patient_id })
            }
            _ => Err(FhirError::Unauthenticated),
        }
    }
}

/// A device (kiosk, staff console) authenticated by its bearer token, with the scope it holds.
#[derive(Debug, Clone)]
pub(crate) struct DeviceToken {
    pub device_id: String,
    scope: String,
}

impl DeviceToken {
    /// Refuses a device whose scope is not exactly `scope`: a kiosk cannot call patients, and a
    /// staff console cannot check them in.
    pub fn require(&self, scope: &str) -> Result<(), FhirError> {
        if self.scope == scope {
            Ok(())
        } else {
            Err(FhirError::Forbidden("this device may not do that".into()))
        }
    }
}

fn bearer(parts: &Parts) -> Result<&str, FhirError> {
    parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or(FhirError::Unauthenticated)
}

impl FromRequestParts<ServerState> for DeviceToken {
    type Rejection = FhirError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &ServerState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer(parts)?;
        let row: Option<(String, String, DateTime<Utc>)> = sqlx::query_as(
            "SELECT device_id, scope, expires_at FROM device_token WHERE token_hash = ?",
        )
        .bind(hash_token(token))
        .fetch_optional(&state.db)
        .await?;
        match row {
            Some((device_id, scope, expires_at)) if expires_at > Utc::now() => {
                Ok(DeviceToken { device_id, scope })
            }
            _ => Err(FhirError::Unauthenticated),
        }
    }
}

/// `POST /auth/token`: OAuth2 client credentials for registered devices (RFC 6749 §4.4).
pub(crate) async fn device_token(
    State(state): State<ServerState>,
    Form(request): Form<ClientCredentials>,
) -> Result<Json<DeviceTokenResponse>, FhirError> {
    if request.grant_type != "client_credentials" {
        return Err(FhirError::Invalid(
            "grant_type must be client_credentials".into(),
        ));
    }
    let row: Option<(String, String)> =
        sqlx::query_as("SELECT secret_hash, scope FROM device WHERE id = ?")
            .bind(&request.client_id)
            .fetch_optional(&state.db)
            .await?;
    let scope = match row {
        // Comparing hashes: the stored value never equals a secret, only its digest.
        Some((secret_hash, scope)) if secret_hash == hash_token(&request.client_secret) => scope,
        _ => return Err(FhirError::LoginFailed),
    };
    let token = new_token()?;
    sqlx::query(
        "INSERT INTO device_token (token_hash, device_id, scope, expires_at) VALUES (?, ?, ?, ?)",
    )
    .bind(hash_token(&token))
    .bind(&request.client_id)
    .bind(&scope)
    .bind(Utc::now() + TOKEN_LIFETIME)
    .execute(&state.db)
    .await?;
    Ok(Json(DeviceTokenResponse {
        access_token: token,
        token_type: "Bearer".into(),
        expires_in: TOKEN_LIFETIME.num_seconds(),
        scope,
    }))
}

/// Development sign-in: a medical record number and date of birth buy a patient-bound token.
pub(crate) async fn dev_token(
    State(state): State<ServerState>,
    Json(request): Json<DevSignIn>,
) -> Result<Json<TokenResponse>, FhirError> {
    if !state.dev_sign_in {
        return Err(FhirError::NotFound);
    }
    let patient: Option<(String,)> =
        sqlx::query_as("SELECT id FROM patient WHERE mrn = ? AND birth_date = ?")
            .bind(request.identifier.trim())
            .bind(request.birth_date.trim())
            .fetch_optional(&state.db)
            .await?;
    let (patient_id,) = patient.ok_or(FhirError::LoginFailed)?;
    let token = new_token()?;
    sqlx::query(
        "INSERT INTO access_token (token_hash, patient_id, scope, expires_at) VALUES (?, ?, ?, ?)",
    )
    .bind(hash_token(&token))
    .bind(&patient_id)
    .bind(PATIENT_SCOPE)
    .bind(Utc::now() + TOKEN_LIFETIME)
    .execute(&state.db)
    .await?;
    Ok(Json(TokenResponse {
        access_token: token,
        token_type: "Bearer".into(),
        expires_in: TOKEN_LIFETIME.num_seconds(),
        scope: PATIENT_SCOPE.into(),
        patient: patient_id,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_hashes_are_hex_sha256() {
        assert_eq!(
            hash_token("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn a_token_for_one_patient_refuses_another() {
        let t = PatientToken {
            patient_id: "pt-1".into(),
        };
        assert!(t.require_patient("pt-1").is_ok());
        assert!(matches!(
            t.require_patient("pt-2"),
            Err(FhirError::Forbidden(_))
        ));
    }
}
