//! The reference server as an OAuth2 authorization server: SMART standalone patient launch
//! with PKCE (S256 only) for the app, client credentials for registered devices.
//!
//! - `GET /fhir/.well-known/smart-configuration`: where to sign in and what is offered.
//! - `GET /auth/authorize`: the sign-in page, after checking the client and its loopback
//!   redirect (RFC 8252); `POST /auth/authorize`: the patient's name and password, answered with
//!   a redirect carrying a one-time code.
//! - `POST /auth/token`: `authorization_code` (with the PKCE verifier), `refresh_token`
//!   (rotated at every use; a replayed one revokes the sign-in), `client_credentials`.
//! - `POST /auth/revoke` (RFC 7009): sign-out.
//!
//! Codes and tokens are stored as SHA-256 hashes; passwords as Argon2id PHC strings.

use axum::http::HeaderMap;
use axum::Json;
use chrono::Duration;
use hale_fhir::smart::{Scopes, SmartConfiguration, APP_CLIENT_ID, APP_SCOPE};

use crate::FhirError;

/// How long the tokens of a sign-in live.
#[derive(Debug, Clone, Copy)]
pub struct TokenLifetimes {
    /// Access tokens: short, so a leaked one is soon worthless.
    pub access: Duration,
    /// Refresh tokens: how long an app may stay signed in without use.
    pub refresh: Duration,
    /// How long a sign-in may be kept alive by refreshing at all: then the patient signs in
    /// again, so a stolen refresh token cannot live for ever.
    pub absolute: Duration,
}

impl Default for TokenLifetimes {
    fn default() -> Self {
        Self {
            access: Duration::minutes(15),
            refresh: Duration::days(30),
            absolute: Duration::days(90),
        }
    }
}

/// How long a one-time code may wait for its exchange (RFC 6749 §4.1.2: short).
const CODE_LIFETIME: Duration = Duration::minutes(2);
/// How long a device's token lives.
const DEVICE_TOKEN_LIFETIME: Duration = Duration::hours(1);

/// Registers the app as a public client, with exactly the scopes this server offers it.
pub(crate) async fn register_app_client(db: &sqlx::AnyPool) -> Result<(), FhirError> {
    sqlx::query(
        "INSERT INTO oauth_client (id, name, redirect_path, scope) VALUES ($1, 'Hale', '/callback', $2) \
         ON CONFLICT (id) DO UPDATE SET scope = excluded.scope",
    )
    .bind(APP_CLIENT_ID)
    .bind(APP_SCOPE)
    .execute(db)
    .await?;
    Ok(())
}

/// `GET [base]/.well-known/smart-configuration`.
pub(crate) async fn smart_configuration(headers: HeaderMap) -> Json<SmartConfiguration> {
    let origin = crate::origin::origin(&headers);
    let strings = |items: &[&str]| items.iter().map(|s| (*s).to_owned()).collect();
    Json(SmartConfiguration {
        issuer: format!("{origin}/fhir"),
        authorization_endpoint: format!("{origin}/auth/authorize"),
        token_endpoint: format!("{origin}/auth/token"),
        revocation_endpoint: format!("{origin}/auth/revoke"),
        grant_types_supported: strings(&[
            "authorization_code",
            "refresh_token",
            "client_credentials",
        ]),
        response_types_supported: strings(&["code"]),
        token_endpoint_auth_methods_supported: strings(&["none", "client_secret_post"]),
        code_challenge_methods_supported: strings(&["S256"]),
        scopes_supported: Scopes::parse(APP_SCOPE).iter().map(str::to_owned).collect(),
        capabilities: strings(&[
            "launch-standalone",
            "client-public",
            "context-standalone-patient",
            "permission-patient",
            "permission-offline",
            "permission-v2",
        ]),
    })
}

mod authorize;
mod device;
mod page;
mod token;

pub(crate) use authorize::{authorize_page, authorize_submit};
pub(crate) use device::{device_secret_works, hash_device_secret};
pub(crate) use page::DemoLogin;
pub(crate) use token::{dev_token, revoke, token};
