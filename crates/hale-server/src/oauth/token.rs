//! The token endpoint (code exchange, refresh rotation, device credentials), revocation, and
//! the development sign-in.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use chrono::{DateTime, Utc};
use hale_domain::RefusalCode;
use hale_fhir::smart::{
    pkce_challenge, pkce_verifier_is_valid, DevSignIn, OAuthError, PatientTokenResponse, Scopes,
    TokenResponse, APP_SCOPE,
};
use serde::Deserialize;

use crate::auth::{hash_token, new_token};
use crate::db::Time;
use crate::{FhirError, ServerState};

/// Every grant the token endpoint takes, form-encoded (RFC 6749 §4.1.3, §6, §4.4).
#[derive(Debug, Deserialize)]
pub(crate) struct TokenRequest {
    grant_type: String,
    code: Option<String>,
    redirect_uri: Option<String>,
    code_verifier: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    refresh_token: Option<String>,
    /// Hale's patient picker on refresh: the signed-in person (their own id) or a patient they
    /// help. Absent: the token stays with the patient it was for.
    patient: Option<String>,
}

/// An OAuth2 error answer with its status.
pub(super) fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    oauth_answer(
        status,
        OAuthError {
            error: error.to_owned(),
            error_description: Some(description.to_owned()),
            hale_refusal: None,
        },
    )
}

fn oauth_answer(status: StatusCode, body: OAuthError) -> Response {
    let mut response = (status, Json(body)).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn invalid_grant(why: &str) -> Response {
    oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", why)
}

/// A refused switch of patient: `invalid_grant` as OAuth has it, naming Hale's refusal so the
/// app can tell "you may not act for them now" from "sign in again".
fn refused_switch(refusal: RefusalCode, why: &str) -> Response {
    oauth_answer(
        StatusCode::BAD_REQUEST,
        OAuthError {
            error: "invalid_grant".into(),
            error_description: Some(why.to_owned()),
            hale_refusal: Some(refusal.code().to_owned()),
        },
    )
}

/// `POST /auth/token`.
pub(crate) async fn token(
    State(state): State<ServerState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(request): Form<TokenRequest>,
) -> Response {
    let answer = match request.grant_type.as_str() {
        "authorization_code" => exchange_code(&state, &request).await,
        "refresh_token" => refresh(&state, &request).await,
        "client_credentials" => {
            let (Some(client_id), Some(secret)) = (&request.client_id, &request.client_secret)
            else {
                return oauth_error(
                    StatusCode::UNAUTHORIZED,
                    "invalid_client",
                    "client_id and client_secret are required",
                );
            };
            let address = state.client_address(peer, &headers);
            super::device::device_token(&state, client_id, secret, address).await
        }
        _ => Ok(oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "use authorization_code, refresh_token or client_credentials",
        )),
    };
    answer.unwrap_or_else(IntoResponse::into_response)
}

async fn exchange_code(state: &ServerState, request: &TokenRequest) -> Result<Response, FhirError> {
    let (Some(code), Some(verifier), Some(redirect_uri), Some(client_id)) = (
        &request.code,
        &request.code_verifier,
        &request.redirect_uri,
        &request.client_id,
    ) else {
        return Ok(oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "code, code_verifier, redirect_uri and client_id are required",
        ));
    };
    if !pkce_verifier_is_valid(verifier) {
        return Ok(invalid_grant(
            "code_verifier is not 43 to 128 unreserved characters",
        ));
    }
    let now = Utc::now();
    // Looked up before the write lock, as refresh tokens are.
    let known: Option<(String,)> =
        sqlx::query_as("SELECT grant_id FROM authorization_code WHERE code_hash = $1")
            .bind(hash_token(code))
            .fetch_optional(&state.db)
            .await?;
    if known.is_none() {
        return Ok(invalid_grant("unknown code"));
    }
    let mut tx = crate::db::begin_write(&state.db).await?;
    type CodeRow = (
        String,
        String,
        String,
        String,
        String,
        Time,
        Option<Time>,
        String,
    );
    let row: Option<CodeRow> = sqlx::query_as(
        "SELECT client_id, patient_id, redirect_uri, code_challenge, scope, expires_at, used_at, grant_id \
         FROM authorization_code WHERE code_hash = $1",
    )
    .bind(hash_token(code))
    .fetch_optional(&mut *tx)
    .await?;
    let Some((code_client, patient, code_redirect, challenge, scope, expires_at, used_at, grant)) =
        row
    else {
        return Ok(invalid_grant("unknown code"));
    };
    if used_at.is_some() {
        // A code used twice was stolen or replayed: end everything issued from it.
        revoke_grant(&mut tx, &grant, now).await?;
        tx.commit().await?;
        tracing::warn!("authorization code replayed; its grant is revoked");
        return Ok(invalid_grant("code already used"));
    }
    if code_client != *client_id || code_redirect != *redirect_uri {
        return Ok(invalid_grant(
            "code was issued to another client or redirect",
        ));
    }
    if expires_at.0 <= now {
        return Ok(invalid_grant("code expired"));
    }
    if pkce_challenge(verifier) != challenge {
        return Ok(invalid_grant("code_verifier does not match the challenge"));
    }
    sqlx::query("UPDATE authorization_code SET used_at = $1 WHERE code_hash = $2")
        .bind(Time(now))
        .bind(hash_token(code))
        .execute(&mut *tx)
        .await?;
    let context = Context {
        person: &patient,
        patient: &patient,
        related_person: None,
    };
    let answer = issue_tokens(state, &mut tx, &grant, client_id, context, &scope, now).await?;
    tx.commit().await?;
    Ok(answer)
}

/// Whose records a token is for, and who is using it.
#[derive(Debug, Clone, Copy)]
struct Context<'a> {
    /// The signed-in person.
    person: &'a str,
    /// The patient whose records the token opens: the person, or someone they help.
    patient: &'a str,
    /// The person's RelatedPerson for that patient, when it is someone else.
    related_person: Option<&'a str>,
}

impl Context<'_> {
    /// SMART's `fhirUser`: who the user is, as the hospital's FHIR server knows them here.
    fn fhir_user(&self) -> String {
        match self.related_person {
            Some(rp) => format!("RelatedPerson/{rp}"),
            None => format!("Patient/{}", self.person),
        }
    }
}

/// The patient a refresh asks to switch to, checked under the write lock after the refresh
/// token itself: the person themself (no RelatedPerson), or a patient whose consent names them
/// and allows something now; else why not.
async fn switch_to(
    state: &ServerState,
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    person: &str,
    wanted: &str,
    now: DateTime<Utc>,
) -> Result<Result<Option<String>, (RefusalCode, String)>, FhirError> {
    if wanted == person {
        return Ok(Ok(None));
    }
    let related: Option<(String,)> =
        sqlx::query_as("SELECT id FROM related_person WHERE patient_id = $1 AND person_id = $2")
            .bind(wanted)
            .bind(person)
            .fetch_optional(&mut **tx)
            .await?;
    let Some((related,)) = related else {
        return Ok(Err((
            RefusalCode::NotPermitted,
            "you do not help that patient".into(),
        )));
    };
    Ok(
        crate::care_circle::consent_scopes(state, tx, &related, wanted, now)
            .await?
            .map(|_| Some(related))
            .map_err(|refusal| (refusal.refusal_code(), refusal.to_string())),
    )
}

async fn refresh(state: &ServerState, request: &TokenRequest) -> Result<Response, FhirError> {
    let (Some(token), Some(client_id)) = (&request.refresh_token, &request.client_id) else {
        return Ok(oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "refresh_token and client_id are required",
        ));
    };
    let now = Utc::now();
    let hash = hash_token(token);
    // Looked up before the write lock: a made-up token never queues behind the hospital's
    // writers. Rotation below reads again under the lock.
    let known: Option<(String,)> =
        sqlx::query_as("SELECT grant_id FROM refresh_token WHERE token_hash = $1")
            .bind(&hash)
            .fetch_optional(&state.db)
            .await?;
    if known.is_none() {
        return Ok(invalid_grant("unknown refresh token"));
    }
    let mut tx = crate::db::begin_write(&state.db).await?;
    type RefreshRow = (
        String,
        String,
        String,
        String,
        Time,
        Option<Time>,
        i64,
        Option<String>,
        Option<String>,
    );
    let row: Option<RefreshRow> = sqlx::query_as(
        "SELECT grant_id, client_id, patient_id, scope, expires_at, rotated_at, \
         CASE WHEN grant_id IN (SELECT grant_id FROM revoked_grant) THEN 1 ELSE 0 END, \
         person_id, related_person_id \
         FROM refresh_token WHERE token_hash = $1",
    )
    .bind(&hash)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((
        grant,
        client,
        patient,
        scope,
        expires_at,
        rotated_at,
        revoked,
        person,
        related_person,
    )) = row
    else {
        return Ok(invalid_grant("unknown refresh token"));
    };
    let person = person.unwrap_or_else(|| patient.clone());
    if revoked != 0 {
        return Ok(invalid_grant("signed out"));
    }
    if rotated_at.is_some() {
        // Only the newest refresh token is valid; an older one back means a copy exists.
        revoke_grant(&mut tx, &grant, now).await?;
        tx.commit().await?;
        tracing::warn!("refresh token replayed; its grant is revoked");
        return Ok(invalid_grant("refresh token already used"));
    }
    if *client_id != client {
        return Ok(invalid_grant("refresh token was issued to another client"));
    }
    if expires_at.0 <= now {
        return Ok(invalid_grant("refresh token expired"));
    }
    if grant_started(&mut tx, &grant).await? + state.tokens.absolute <= now {
        return Ok(invalid_grant(
            "this sign-in is too old; please sign in again",
        ));
    }
    // Who signed in: the patient themself, unless the token is a helper's (`person_id`).
    let (patient, related_person) = match &request.patient {
        None => (patient, related_person),
        // Refused, the sign-in stays as it was: this refresh token is not spent.
        Some(wanted) => match switch_to(state, &mut tx, &person, wanted, now).await? {
            Ok(related) => (wanted.clone(), related),
            Err((refusal, why)) => return Ok(refused_switch(refusal, &why)),
        },
    };
    sqlx::query("UPDATE refresh_token SET rotated_at = $1 WHERE token_hash = $2")
        .bind(Time(now))
        .bind(&hash)
        .execute(&mut *tx)
        .await?;
    let context = Context {
        person: &person,
        patient: &patient,
        related_person: related_person.as_deref(),
    };
    let answer = issue_tokens(state, &mut tx, &grant, &client, context, &scope, now).await?;
    tx.commit().await?;
    Ok(answer)
}

/// When a sign-in began: its code's exchange.
async fn grant_started(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    grant: &str,
) -> Result<DateTime<Utc>, FhirError> {
    let row: Option<(Option<Time>,)> =
        sqlx::query_as("SELECT used_at FROM authorization_code WHERE grant_id = $1")
            .bind(grant)
            .fetch_optional(&mut **tx)
            .await?;
    row.and_then(|(used,)| used)
        .map(|t| t.0)
        .ok_or_else(|| FhirError::Internal("a refresh token without its sign-in".into()))
}

async fn issue_tokens(
    state: &ServerState,
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    grant: &str,
    client: &str,
    context: Context<'_>,
    scope: &str,
    now: DateTime<Utc>,
) -> Result<Response, FhirError> {
    let access = insert_access_token(
        tx,
        context.patient,
        context.related_person,
        scope,
        Some(grant),
        now + state.tokens.access,
    )
    .await?;
    // SMART: a refresh token only for a grant that asked to stay signed in.
    let refresh = if Scopes::parse(scope).allows("offline_access") {
        let refresh = new_token()?;
        sqlx::query(
            "INSERT INTO refresh_token (token_hash, grant_id, client_id, patient_id, scope, \
             expires_at, person_id, related_person_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(hash_token(&refresh))
        .bind(grant)
        .bind(client)
        .bind(context.patient)
        .bind(scope)
        .bind(Time(now + state.tokens.refresh))
        .bind(context.person)
        .bind(context.related_person)
        .execute(&mut **tx)
        .await?;
        Some(refresh)
    } else {
        None
    };
    let mut response = Json(PatientTokenResponse {
        access_token: access,
        token_type: "Bearer".into(),
        expires_in: state.tokens.access.num_seconds(),
        scope: scope.to_owned(),
        patient: context.patient.to_owned(),
        refresh_token: refresh,
        fhir_user: Some(context.fhir_user()),
    })
    .into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// A new access token for `patient` (used by their helper, when `related_person` names one),
/// stored hashed; `grant` ties it to a sign-in so that revoking the sign-in ends it too.
async fn insert_access_token(
    conn: &mut sqlx::AnyConnection,
    patient: &str,
    related_person: Option<&str>,
    scope: &str,
    grant: Option<&str>,
    expires_at: DateTime<Utc>,
) -> Result<String, FhirError> {
    let token = new_token()?;
    sqlx::query(
        "INSERT INTO access_token (token_hash, patient_id, scope, expires_at, grant_id, \
         related_person_id) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(hash_token(&token))
    .bind(patient)
    .bind(scope)
    .bind(Time(expires_at))
    .bind(grant)
    .bind(related_person)
    .execute(conn)
    .await?;
    Ok(token)
}

async fn revoke_grant(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    grant: &str,
    now: DateTime<Utc>,
) -> Result<(), FhirError> {
    sqlx::query(
        "INSERT INTO revoked_grant (grant_id, revoked_at) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(grant)
    .bind(Time(now))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[derive(Debug, Deserialize)]
pub(crate) struct RevokeRequest {
    token: String,
}

/// `POST /auth/revoke` (RFC 7009): a refresh token ends its whole sign-in; an access token ends
/// itself. Unknown tokens are answered the same, so the endpoint tells nothing.
pub(crate) async fn revoke(
    State(state): State<ServerState>,
    Form(request): Form<RevokeRequest>,
) -> Result<StatusCode, FhirError> {
    let hash = hash_token(&request.token);
    let now = Utc::now();
    // Looked up first, without the write lock: a stranger's made-up token must not queue
    // behind (or in front of) every writer in the hospital.
    let grant: Option<String> =
        sqlx::query_scalar("SELECT grant_id FROM refresh_token WHERE token_hash = $1")
            .bind(&hash)
            .fetch_optional(&state.db)
            .await?;
    if let Some(grant) = grant {
        let mut tx = crate::db::begin_write(&state.db).await?;
        revoke_grant(&mut tx, &grant, now).await?;
        tx.commit().await?;
    }
    for table in ["access_token", "device_token"] {
        sqlx::query(&format!("DELETE FROM {table} WHERE token_hash = $1"))
            .bind(&hash)
            .execute(&state.db)
            .await?;
    }
    Ok(StatusCode::OK)
}

/// Development sign-in: a medical record number and date of birth buy a patient-bound token.
pub(crate) async fn dev_token(
    State(state): State<ServerState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Json(request): Json<DevSignIn>,
) -> Result<Response, FhirError> {
    if !state.dev_sign_in {
        return Err(FhirError::NotFound);
    }
    let record = request.identifier.trim();
    if record.chars().count() > crate::limits::MAX_VALUE_CHARS {
        return Err(FhirError::Invalid(
            "a record number has at most 128 characters".into(),
        ));
    }
    // A record number and a birth date are guessable: limited as passwords are.
    let address = state.client_address(peer, &headers).to_string();
    let checks = [
        (crate::password::PER_ADDRESS, address.as_str()),
        (PER_RECORD, record),
    ];
    if let Err(wait) = crate::limits::reserve(&state.db, &checks, Utc::now()).await? {
        return Ok(oauth_error(
            StatusCode::TOO_MANY_REQUESTS,
            "slow_down",
            &format!(
                "too many attempts; try again in {}",
                crate::limits::wait_words(wait)
            ),
        ));
    }
    let patient: Option<(String,)> =
        sqlx::query_as("SELECT id FROM patient WHERE mrn = $1 AND birth_date = $2")
            .bind(request.identifier.trim())
            .bind(request.birth_date.trim())
            .fetch_optional(&state.db)
            .await?;
    let (patient_id,) = patient.ok_or(FhirError::LoginFailed)?;
    crate::limits::refund(
        &state.db,
        &[(crate::password::PER_ADDRESS, address.as_str())],
    )
    .await?;
    crate::limits::clear(&state.db, &[(PER_RECORD, record)]).await?;
    let mut conn = state.db.acquire().await?;
    let token = insert_access_token(
        &mut conn,
        &patient_id,
        None,
        APP_SCOPE,
        None,
        Utc::now() + state.tokens.access,
    )
    .await?;
    Ok(Json(TokenResponse {
        access_token: token,
        token_type: "Bearer".into(),
        expires_in: state.tokens.access.num_seconds(),
        scope: APP_SCOPE.into(),
        patient: patient_id,
    })
    .into_response())
}

/// Wrong birth dates allowed per record number before waits begin (development sign-in).
const PER_RECORD: crate::limits::Limit = crate::limits::Limit {
    kind: "record",
    free: 5,
};
