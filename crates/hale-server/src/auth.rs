//! Bearer tokens bound to one patient, and the development sign-in that issues them.

use axum::extract::{FromRequestParts, State};
use axum::http::header;
use axum::http::request::Parts;
use axum::Json;
use chrono::{DateTime, Duration, Utc};
use hale_fhir::smart::{DevSignIn, TokenResponse};
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
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(FhirError::Unauthenticated)?;
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
