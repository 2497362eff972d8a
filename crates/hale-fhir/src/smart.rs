//! SMART App Launch token exchange shapes, and Hale's development sign-in request.

use serde::{Deserialize, Serialize};

/// An OAuth2 token response with SMART's `patient` launch context.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: String,
    pub expires_in: i64,
    pub scope: String,
    /// The id of the patient the token is bound to.
    pub patient: String,
}

/// Hale's development sign-in (`POST /auth/dev/token` on the reference server): a medical record
/// number and a date of birth. Not part of SMART; real hospitals sign in with OAuth2 + PKCE.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DevSignIn {
    pub identifier: String,
    /// YYYY-MM-DD.
    pub birth_date: String,
}

/// An OAuth2 client-credentials token request (RFC 6749 §4.4), form-encoded, as a kiosk or a
/// staff console sends it with its registered id and secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientCredentials {
    /// Must be `client_credentials`.
    pub grant_type: String,
    pub client_id: String,
    pub client_secret: String,
}

/// The token a device receives: no patient, a scope limited to its job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceTokenResponse {
    pub access_token: String,
    pub token_type: String,
    pub expires_in: i64,
    pub scope: String,
}

/// The scope of a check-in kiosk: it may check patients in, nothing else.
pub const KIOSK_SCOPE: &str = "system/Encounter.c hale/check-in";
/// The scope of a clinic's staff console: it may call and finish visits.
pub const STAFF_SCOPE: &str = "system/Encounter.u hale/queue";
