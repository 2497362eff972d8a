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
