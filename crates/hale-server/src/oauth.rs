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

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Mutex;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::{Form, Json};
use chrono::{DateTime, Duration, Utc};
use hale_fhir::smart::{
    pkce_challenge, pkce_verifier_is_valid, DevSignIn, DeviceTokenResponse, OAuthError,
    PatientTokenResponse, Scopes, SmartConfiguration, TokenResponse, APP_CLIENT_ID, APP_SCOPE,
};
use serde::Deserialize;
use url::Url;

use crate::auth::{hash_token, new_token};
use crate::db::Time;
use crate::{FhirError, ServerState};

/// How long the tokens of a sign-in live.
#[derive(Debug, Clone, Copy)]
pub struct TokenLifetimes {
    /// Access tokens: short, so a leaked one is soon worthless.
    pub access: Duration,
    /// Refresh tokens: how long an app may stay signed in without use.
    pub refresh: Duration,
}

impl Default for TokenLifetimes {
    fn default() -> Self {
        Self {
            access: Duration::minutes(15),
            refresh: Duration::days(30),
        }
    }
}

/// How long a one-time code may wait for its exchange (RFC 6749 §4.1.2: short).
const CODE_LIFETIME: Duration = Duration::minutes(2);
/// How long a device's token lives.
const DEVICE_TOKEN_LIFETIME: Duration = Duration::hours(1);
/// Failed sign-ins allowed per window: per account, and per network address.
const MAX_FAILURES_PER_ACCOUNT: usize = 5;
const MAX_FAILURES_PER_ADDRESS: usize = 30;
const FAILURE_WINDOW: Duration = Duration::minutes(15);

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

/// The URL this server is reached at, from the request: tokens and discovery must name it.
fn issuer(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    // Behind a TLS-terminating proxy the hospital's own proxy says so.
    let scheme = match headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
    {
        Some("https") => "https",
        _ => "http",
    };
    format!("{scheme}://{host}")
}

/// `GET [base]/.well-known/smart-configuration`.
pub(crate) async fn smart_configuration(headers: HeaderMap) -> Json<SmartConfiguration> {
    let origin = issuer(&headers);
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

/// The authorize request's parameters (RFC 6749 §4.1.1, RFC 7636 §4.3, SMART's `aud`).
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct AuthorizeRequest {
    #[serde(default)]
    response_type: String,
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    redirect_uri: String,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    code_challenge: String,
    #[serde(default)]
    code_challenge_method: String,
    aud: Option<String>,
}

/// The sign-in form: the request again, and the patient's credentials.
#[derive(Debug, Deserialize)]
pub(crate) struct SignInForm {
    #[serde(flatten)]
    request: AuthorizeRequest,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

/// A checked authorize request: where to send the answer, and what may be granted.
struct Checked {
    redirect: Url,
    scope: Scopes,
}

/// Why an authorize request fails. Without a trustworthy redirect the page says so itself
/// (RFC 6749 §4.1.2.1: never redirect to an unverified address); otherwise the app is told.
enum Refusal {
    Page(String),
    Redirect(Box<Url>, &'static str, String),
}

async fn check_request(
    state: &ServerState,
    headers: &HeaderMap,
    request: &AuthorizeRequest,
) -> Result<Checked, Refusal> {
    let client: Option<(String, String)> =
        sqlx::query_as("SELECT redirect_path, scope FROM oauth_client WHERE id = $1")
            .bind(&request.client_id)
            .fetch_optional(&state.db)
            .await
            .map_err(|_| Refusal::Page("The hospital could not check this request.".into()))?;
    let Some((redirect_path, offered)) = client else {
        return Err(Refusal::Page(
            "This app is not registered with the hospital.".into(),
        ));
    };
    let redirect = Url::parse(&request.redirect_uri)
        .ok()
        .filter(|u| is_loopback_redirect(u, &redirect_path))
        .ok_or_else(|| {
            Refusal::Page("The app asked to be answered at an address it may not use.".into())
        })?;
    let refuse = |error: &'static str, why: &str| {
        Err(Refusal::Redirect(
            Box::new(redirect.clone()),
            error,
            why.to_owned(),
        ))
    };
    if request.response_type != "code" {
        return refuse("unsupported_response_type", "only the code flow is offered");
    }
    if request.code_challenge_method != "S256" {
        return refuse("invalid_request", "PKCE with S256 is required");
    }
    let challenge_ok = request.code_challenge.len() == 43
        && request
            .code_challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !challenge_ok {
        return refuse("invalid_request", "code_challenge is not an S256 challenge");
    }
    if request.state.is_empty() {
        return refuse("invalid_request", "state is required");
    }
    if let Some(aud) = &request.aud {
        if aud.trim_end_matches('/') != format!("{}/fhir", issuer(headers)) {
            return refuse("invalid_request", "aud is not this FHIR server");
        }
    }
    let scope = Scopes::granted(&request.scope, &Scopes::parse(&offered));
    if !scope.allows("launch/patient") {
        return refuse("invalid_scope", "a patient sign-in needs launch/patient");
    }
    Ok(Checked { redirect, scope })
}

/// RFC 8252 §7.3: `http` to a loopback IP literal, any port, the client's registered path.
fn is_loopback_redirect(url: &Url, path: &str) -> bool {
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        _ => false,
    };
    url.scheme() == "http"
        && loopback
        && url.path() == path
        && url.fragment().is_none()
        && url.username().is_empty()
}

fn refusal_response(refusal: Refusal, state_param: &str) -> Response {
    match refusal {
        Refusal::Page(message) => page(StatusCode::BAD_REQUEST, "Cannot sign in", &message, None),
        Refusal::Redirect(url, error, why) => {
            let mut url = *url;
            url.query_pairs_mut()
                .append_pair("error", error)
                .append_pair("error_description", &why)
                .append_pair("state", state_param);
            redirect(&url)
        }
    }
}

fn redirect(url: &Url) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(url.as_str()) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// `GET /auth/authorize`: the sign-in page.
pub(crate) async fn authorize_page(
    State(state): State<ServerState>,
    headers: HeaderMap,
    Query(request): Query<AuthorizeRequest>,
) -> Response {
    match check_request(&state, &headers, &request).await {
        Ok(checked) => sign_in_page(&state, &request, &checked.scope, None),
        Err(refusal) => refusal_response(refusal, &request.state),
    }
}

/// `POST /auth/authorize`: checks the patient's credentials and redirects with a code.
pub(crate) async fn authorize_submit(
    State(state): State<ServerState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Response {
    let request = &form.request;
    let checked = match check_request(&state, &headers, request).await {
        Ok(c) => c,
        Err(refusal) => return refusal_response(refusal, &request.state),
    };
    let now = Utc::now();
    let account = format!("account:{}", form.username.trim().to_lowercase());
    let address = format!("address:{}", peer.ip());
    if state
        .sign_in_attempts
        .blocked(&account, MAX_FAILURES_PER_ACCOUNT, now)
        || state
            .sign_in_attempts
            .blocked(&address, MAX_FAILURES_PER_ADDRESS, now)
    {
        tracing::warn!("sign-in rate-limited");
        return page(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many attempts",
            "Too many sign-in attempts. Please wait 15 minutes and try again, or contact the hospital.",
            None,
        );
    }
    let patient = match verify_password(&state, form.username.trim(), &form.password).await {
        Ok(Some(patient)) => patient,
        Ok(None) => {
            state.sign_in_attempts.fail(&[&account, &address], now);
            tracing::info!("sign-in refused");
            let mut response = sign_in_page(
                &state,
                request,
                &checked.scope,
                Some("The username or password is not right."),
            );
            *response.status_mut() = StatusCode::UNAUTHORIZED;
            return response;
        }
        Err(e) => return e.into_response(),
    };
    match issue_code(&state, request, &checked, &patient, now).await {
        Ok(code) => {
            let mut url = checked.redirect;
            url.query_pairs_mut()
                .append_pair("code", &code)
                .append_pair("state", &request.state)
                // RFC 9207: names the server, so the app can tell mixed-up answers apart.
                .append_pair("iss", &format!("{}/fhir", issuer(&headers)));
            redirect(&url)
        }
        Err(e) => e.into_response(),
    }
}

async fn issue_code(
    state: &ServerState,
    request: &AuthorizeRequest,
    checked: &Checked,
    patient: &str,
    now: DateTime<Utc>,
) -> Result<String, FhirError> {
    let code = new_token()?;
    sqlx::query(
        "INSERT INTO authorization_code (code_hash, client_id, patient_id, redirect_uri, \
         code_challenge, scope, expires_at, grant_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(hash_token(&code))
    .bind(&request.client_id)
    .bind(patient)
    .bind(&request.redirect_uri)
    .bind(&request.code_challenge)
    .bind(checked.scope.to_string())
    .bind(Time(now + CODE_LIFETIME))
    .bind(new_token()?)
    .execute(&state.db)
    .await?;
    Ok(code)
}

/// The patient whose login matches, if any. Unknown names cost as much as wrong passwords, so
/// timing does not tell which names exist.
async fn verify_password(
    state: &ServerState,
    username: &str,
    password: &str,
) -> Result<Option<String>, FhirError> {
    let row: Option<(String, String)> = sqlx::query_as(
        "SELECT patient_id, password_hash FROM patient_login WHERE lower(username) = lower($1)",
    )
    .bind(username)
    .fetch_optional(&state.db)
    .await?;
    let (patient, stored) = match row {
        Some((p, h)) => (Some(p), h),
        None => (None, DUMMY_HASH.to_owned()),
    };
    let password = password.to_owned();
    // Argon2 is deliberately slow: keep it off the async workers.
    let matches = tokio::task::spawn_blocking(move || {
        PasswordHash::new(&stored)
            .map(|hash| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &hash)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .map_err(|e| FhirError::Internal(e.to_string()))?;
    Ok(patient.filter(|_| matches))
}

/// An Argon2id hash of a random password nobody knows, checked when the name is unknown.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Q3Vr0yX3Zl5k1W8rL6uY2yZ4G2n0dJgq6vZ3mX0mQ3k";

/// An Argon2id PHC string for `password`, with a random salt.
pub(crate) fn hash_password(password: &str) -> Result<String, FhirError> {
    let salt_bytes = crate::random::bytes::<16>()?;
    let salt = SaltString::encode_b64(&salt_bytes)
        .map_err(|e| FhirError::Internal(format!("salt: {e}")))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| FhirError::Internal(format!("password hash: {e}")))
}

/// Failed sign-ins by account and by address, over a sliding window. In memory: a restart
/// forgets, which lets a locked-out patient back in sooner, never an attacker further.
#[derive(Debug, Default)]
pub(crate) struct SignInAttempts {
    failures: Mutex<HashMap<String, Vec<DateTime<Utc>>>>,
}

impl SignInAttempts {
    fn blocked(&self, key: &str, limit: usize, now: DateTime<Utc>) -> bool {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let list = map.entry(key.to_owned()).or_default();
        list.retain(|t| now - *t < FAILURE_WINDOW);
        list.len() >= limit
    }

    fn fail(&self, keys: &[&str], now: DateTime<Utc>) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        for key in keys {
            map.entry((*key).to_owned()).or_default().push(now);
        }
    }
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// What a scope lets the app do, in words a patient reads before signing in.
fn describe(scope: &str) -> Option<&'static str> {
    Some(match scope.split('.').next()? {
        "patient/Patient" => "see your name and date of birth",
        "patient/Appointment" => "see, book, cancel and move your appointments",
        "patient/Encounter" => "check you in and show your place in the queue",
        "patient/MedicationRequest" => "see your prescribed medicines",
        "patient/MedicationAdministration" => "record the doses you take",
        "patient/Observation" => "send your device readings to your care team",
        "hale/waitlist" => "put you on waiting lists for earlier appointments",
        "hale/parking" => "pay for hospital parking",
        "offline_access" => "stay signed in on this device until you sign out",
        _ => return None,
    })
}

fn sign_in_page(
    state: &ServerState,
    request: &AuthorizeRequest,
    scope: &Scopes,
    error: Option<&str>,
) -> Response {
    let hidden = [
        ("response_type", &request.response_type),
        ("client_id", &request.client_id),
        ("redirect_uri", &request.redirect_uri),
        ("scope", &request.scope),
        ("state", &request.state),
        ("code_challenge", &request.code_challenge),
        ("code_challenge_method", &request.code_challenge_method),
    ]
    .iter()
    .map(|(name, value)| {
        format!(
            r#"<input type="hidden" name="{name}" value="{}">"#,
            escape(value)
        )
    })
    .chain(request.aud.iter().map(|aud| {
        format!(
            r#"<input type="hidden" name="aud" value="{}">"#,
            escape(aud)
        )
    }))
    .collect::<String>();
    let mut asks: Vec<&str> = scope.iter().filter_map(describe).collect();
    asks.dedup();
    let asks = asks
        .iter()
        .map(|a| format!("<li>{a}</li>"))
        .collect::<String>();
    let error = error
        .map(|e| format!(r#"<p role="alert" id="error">{}</p>"#, escape(e)))
        .unwrap_or_default();
    let hint = if state.demo_hint {
        let demo = crate::seed::DEMO_PATIENT;
        format!(
            r#"<p class="hint">Demo hospital: sign in as <b>{}</b> with password <b>{}</b>.</p>"#,
            escape(demo.username),
            escape(demo.password)
        )
    } else {
        String::new()
    };
    let body = format!(
        r#"{error}<p>Sign in to let <b>Hale</b>:</p><ul>{asks}</ul>
<form method="post" action="/auth/authorize">{hidden}
<label for="username">Username</label><input id="username" name="username" autocomplete="username" required autofocus>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit" id="sign-in">Sign in</button></form>{hint}"#
    );
    page(
        StatusCode::OK,
        &format!("Sign in to {}", escape(&state.hospital.name)),
        "",
        Some(&body),
    )
}

/// A small HTML page with a strict policy of its own: no scripts, no framing, forms post here.
fn page(status: StatusCode, title: &str, message: &str, body: Option<&str>) -> Response {
    let content = body.map_or_else(|| format!("<p>{}</p>", escape(message)), str::to_owned);
    let html = format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title>
<style>body{{font:1.05rem/1.5 system-ui,sans-serif;max-width:26rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}}
label{{display:block;margin-top:1rem;font-weight:600}}input{{width:100%;font:inherit;padding:.5rem;box-sizing:border-box}}
button{{margin-top:1.25rem;font:inherit;padding:.6rem 1.2rem}}#error{{color:#9b1c1c;font-weight:600}}.hint{{color:#555}}</style>
</head><body><h1>{title}</h1>{content}</body></html>"#
    );
    let mut response = (status, Html(html)).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

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
}

/// An OAuth2 error answer with its status.
fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let mut response = (
        status,
        Json(OAuthError {
            error: error.to_owned(),
            error_description: Some(description.to_owned()),
        }),
    )
        .into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn invalid_grant(why: &str) -> Response {
    oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", why)
}

/// `POST /auth/token`.
pub(crate) async fn token(
    State(state): State<ServerState>,
    Form(request): Form<TokenRequest>,
) -> Response {
    let answer = match request.grant_type.as_str() {
        "authorization_code" => exchange_code(&state, &request).await,
        "refresh_token" => refresh(&state, &request).await,
        "client_credentials" => device_token(&state, &request).await,
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
    let answer = issue_tokens(state, &mut tx, &grant, client_id, &patient, &scope, now).await?;
    tx.commit().await?;
    Ok(answer)
}

async fn refresh(state: &ServerState, request: &TokenRequest) -> Result<Response, FhirError> {
    let Some(token) = &request.refresh_token else {
        return Ok(oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "refresh_token is required",
        ));
    };
    let now = Utc::now();
    let mut tx = crate::db::begin_write(&state.db).await?;
    type RefreshRow = (String, String, String, String, Time, Option<Time>, i64);
    let row: Option<RefreshRow> = sqlx::query_as(
        "SELECT grant_id, client_id, patient_id, scope, expires_at, rotated_at, \
         CASE WHEN grant_id IN (SELECT grant_id FROM revoked_grant) THEN 1 ELSE 0 END \
         FROM refresh_token WHERE token_hash = $1",
    )
    .bind(hash_token(token))
    .fetch_optional(&mut *tx)
    .await?;
    let Some((grant, client, patient, scope, expires_at, rotated_at, revoked)) = row else {
        return Ok(invalid_grant("unknown refresh token"));
    };
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
    if request.client_id.as_deref().is_some_and(|c| c != client) {
        return Ok(invalid_grant("refresh token was issued to another client"));
    }
    if expires_at.0 <= now {
        return Ok(invalid_grant("refresh token expired"));
    }
    sqlx::query("UPDATE refresh_token SET rotated_at = $1 WHERE token_hash = $2")
        .bind(Time(now))
        .bind(hash_token(token))
        .execute(&mut *tx)
        .await?;
    let answer = issue_tokens(state, &mut tx, &grant, &client, &patient, &scope, now).await?;
    tx.commit().await?;
    Ok(answer)
}

async fn issue_tokens(
    state: &ServerState,
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    grant: &str,
    client: &str,
    patient: &str,
    scope: &str,
    now: DateTime<Utc>,
) -> Result<Response, FhirError> {
    let access =
        insert_access_token(tx, patient, scope, Some(grant), now + state.tokens.access).await?;
    let refresh = new_token()?;
    sqlx::query(
        "INSERT INTO refresh_token (token_hash, grant_id, client_id, patient_id, scope, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(hash_token(&refresh))
    .bind(grant)
    .bind(client)
    .bind(patient)
    .bind(scope)
    .bind(Time(now + state.tokens.refresh))
    .execute(&mut **tx)
    .await?;
    let mut response = Json(PatientTokenResponse {
        access_token: access,
        token_type: "Bearer".into(),
        expires_in: state.tokens.access.num_seconds(),
        scope: scope.to_owned(),
        patient: patient.to_owned(),
        refresh_token: refresh,
    })
    .into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// A new access token for `patient`, stored hashed; `grant` ties it to a sign-in so that
/// revoking the sign-in ends it too.
async fn insert_access_token(
    conn: &mut sqlx::AnyConnection,
    patient: &str,
    scope: &str,
    grant: Option<&str>,
    expires_at: DateTime<Utc>,
) -> Result<String, FhirError> {
    let token = new_token()?;
    sqlx::query(
        "INSERT INTO access_token (token_hash, patient_id, scope, expires_at, grant_id) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(hash_token(&token))
    .bind(patient)
    .bind(scope)
    .bind(Time(expires_at))
    .bind(grant)
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

/// OAuth2 client credentials for registered devices (RFC 6749 §4.4).
async fn device_token(state: &ServerState, request: &TokenRequest) -> Result<Response, FhirError> {
    let (Some(client_id), Some(secret)) = (&request.client_id, &request.client_secret) else {
        return Ok(oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client_id and client_secret are required",
        ));
    };
    let row: Option<(String, String)> =
        sqlx::query_as("SELECT secret_hash, scope FROM device WHERE id = $1")
            .bind(client_id)
            .fetch_optional(&state.db)
            .await?;
    let scope = match row {
        // Comparing hashes: the stored value never equals a secret, only its digest.
        Some((secret_hash, scope)) if secret_hash == hash_token(secret) => scope,
        _ => {
            return Ok(oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "unknown device or wrong secret",
            ))
        }
    };
    let token = new_token()?;
    sqlx::query(
        "INSERT INTO device_token (token_hash, device_id, scope, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(hash_token(&token))
    .bind(client_id)
    .bind(&scope)
    .bind(Time(Utc::now() + DEVICE_TOKEN_LIFETIME))
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
    let mut tx = crate::db::begin_write(&state.db).await?;
    let grant: Option<String> =
        sqlx::query_scalar("SELECT grant_id FROM refresh_token WHERE token_hash = $1")
            .bind(&hash)
            .fetch_optional(&mut *tx)
            .await?;
    if let Some(grant) = grant {
        revoke_grant(&mut tx, &grant, now).await?;
    }
    sqlx::query("DELETE FROM access_token WHERE token_hash = $1")
        .bind(&hash)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(StatusCode::OK)
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
        sqlx::query_as("SELECT id FROM patient WHERE mrn = $1 AND birth_date = $2")
            .bind(request.identifier.trim())
            .bind(request.birth_date.trim())
            .fetch_optional(&state.db)
            .await?;
    let (patient_id,) = patient.ok_or(FhirError::LoginFailed)?;
    let mut conn = state.db.acquire().await?;
    let token = insert_access_token(
        &mut conn,
        &patient_id,
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
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_ip_redirects_on_the_registered_path_are_accepted() {
        let ok = |u: &str| is_loopback_redirect(&Url::parse(u).unwrap(), "/callback");
        assert!(ok("http://127.0.0.1:49152/callback"));
        assert!(ok("http://[::1]:8080/callback"));
        assert!(!ok("https://127.0.0.1:49152/callback"), "loopback is http");
        assert!(
            !ok("http://localhost:49152/callback"),
            "RFC 8252 §8.3: IP literal"
        );
        assert!(!ok("http://evil.example/callback"));
        assert!(!ok("http://127.0.0.1:49152/other"));
        assert!(!ok("http://127.0.0.1:49152/callback#x"));
        assert!(!ok("http://user@127.0.0.1:49152/callback"));
    }

    #[test]
    fn passwords_hash_and_verify_and_the_dummy_hash_parses() {
        let hash = hash_password("correct horse").unwrap();
        let parsed = PasswordHash::new(&hash).unwrap();
        assert!(Argon2::default()
            .verify_password(b"correct horse", &parsed)
            .is_ok());
        assert!(Argon2::default()
            .verify_password(b"wrong", &parsed)
            .is_err());
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
    }

    #[test]
    fn pages_escape_what_they_echo() {
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn rate_limits_count_failures_in_the_window() {
        let a = SignInAttempts::default();
        let t = Utc::now();
        for _ in 0..MAX_FAILURES_PER_ACCOUNT {
            assert!(!a.blocked("account:alex", MAX_FAILURES_PER_ACCOUNT, t));
            a.fail(&["account:alex"], t);
        }
        assert!(a.blocked("account:alex", MAX_FAILURES_PER_ACCOUNT, t));
        assert!(!a.blocked("account:sam", MAX_FAILURES_PER_ACCOUNT, t));
        assert!(!a.blocked("account:alex", MAX_FAILURES_PER_ACCOUNT, t + FAILURE_WINDOW));
    }
}
