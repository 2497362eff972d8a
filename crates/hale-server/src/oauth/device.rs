//! OAuth2 client credentials for registered devices (RFC 6749 §4.4): kiosks and the staff
//! console's device jobs.
//!
//! A device secret is a password a machine holds: stored as an Argon2id PHC string (older
//! databases kept a SHA-256 digest, upgraded on the device's next sign-in), guessed under the
//! same limits as a patient's password, and good only while the device's registration stands.

use std::net::IpAddr;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Utc;
use hale_fhir::smart::DeviceTokenResponse;
use sqlx::AnyPool;

use super::token::oauth_error;
use super::DEVICE_TOKEN_LIFETIME;
use crate::auth::{hash_token, new_token};
use crate::db::Time;
use crate::limits::{self, Limit};
use crate::password::PER_ADDRESS;
use crate::{FhirError, ServerState};

/// Wrong secrets allowed per device before waits begin.
const PER_DEVICE: Limit = Limit {
    kind: "device",
    free: 5,
};

/// The stored form of a device secret.
pub(crate) fn hash_device_secret(secret: &str) -> Result<String, FhirError> {
    crate::password::hash(secret)
}

/// Whether `secret` is the current secret of the registered, unrevoked device `id` (unlimited:
/// for start-up checks; requests go through [`device_token`]).
pub(crate) async fn device_secret_works(
    db: &AnyPool,
    id: &str,
    secret: &str,
) -> Result<bool, FhirError> {
    let row: Option<(String,)> =
        sqlx::query_as("SELECT secret_hash FROM device WHERE id = $1 AND revoked_at IS NULL")
            .bind(id)
            .fetch_optional(db)
            .await?;
    match row {
        Some((stored,)) => Ok(secret_matches(db, id, stored, secret).await?),
        None => Ok(false),
    }
}

/// Checks a secret against its stored form; a matching legacy SHA-256 digest is replaced by an
/// Argon2id hash there and then.
async fn secret_matches(
    db: &AnyPool,
    id: &str,
    stored: String,
    secret: &str,
) -> Result<bool, FhirError> {
    if stored.starts_with("$argon2") {
        return crate::password::matches(stored, secret).await;
    }
    if stored != hash_token(secret) {
        return Ok(false);
    }
    sqlx::query("UPDATE device SET secret_hash = $1 WHERE id = $2")
        .bind(hash_device_secret(secret)?)
        .bind(id)
        .execute(db)
        .await?;
    Ok(true)
}

/// `grant_type=client_credentials`: a device token for the right secret.
pub(super) async fn device_token(
    state: &ServerState,
    client_id: &str,
    secret: &str,
    address: IpAddr,
) -> Result<Response, FhirError> {
    let refused = || {
        Ok(oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "unknown device or wrong secret",
        ))
    };
    if client_id.chars().count() > limits::MAX_VALUE_CHARS {
        return refused();
    }
    let now = Utc::now();
    let address = address.to_string();
    let checks = [(PER_ADDRESS, address.as_str()), (PER_DEVICE, client_id)];
    if let Err(wait) = limits::reserve(&state.db, &checks, now).await? {
        tracing::warn!("device sign-in rate-limited");
        return Ok(oauth_error(
            StatusCode::TOO_MANY_REQUESTS,
            "invalid_client",
            &format!(
                "too many attempts; try again in {}",
                limits::wait_words(wait)
            ),
        ));
    }
    let row: Option<(String, String)> = sqlx::query_as(
        "SELECT secret_hash, scope FROM device WHERE id = $1 AND revoked_at IS NULL",
    )
    .bind(client_id)
    .fetch_optional(&state.db)
    .await?;
    let (stored, scope) = match row {
        Some(row) => row,
        // Unknown devices cost as much as wrong secrets.
        None => (crate::password::DUMMY_HASH.to_owned(), String::new()),
    };
    let Ok(_turn) = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        state.password_checks.acquire(),
    )
    .await
    else {
        return Err(FhirError::Unavailable("the hospital is busy; try again"));
    };
    if scope.is_empty() || !secret_matches(&state.db, client_id, stored, secret).await? {
        return refused();
    }
    limits::refund(&state.db, &[(PER_ADDRESS, address.as_str())]).await?;
    limits::clear(&state.db, &[(PER_DEVICE, client_id)]).await?;
    let token = new_token()?;
    sqlx::query(
        "INSERT INTO device_token (token_hash, device_id, scope, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(hash_token(&token))
    .bind(client_id)
    .bind(&scope)
    .bind(Time(now + DEVICE_TOKEN_LIFETIME))
    .execute(&state.db)
    .await?;
    Ok(Json(DeviceTokenResponse {
        access_token: token,
        token_type: "Bearer".into(),
        expires_in: DEVICE_TOKEN_LIFETIME.num_seconds(),
        scope,
    })
    .into_response())
}
