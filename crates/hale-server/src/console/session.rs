//! Staff sign-in: a person's own name and password, checked with Argon2id under the same
//! attempt limits as patients', and a server-side session held in an HttpOnly, SameSite=Strict
//! cookie scoped to `/console`. Each session has a CSRF token every form must carry.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::{Duration, Utc};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::layout::{page, Place, Problem};
use crate::auth::{hash_token, new_token, Principal};
use crate::db::Time;
use crate::html::escape;
use crate::password::{Accounts, SignIn};
use crate::sign_in_form::Guard as SignInGuard;
use crate::{FhirError, ServerState};

/// The session cookie's name.
pub(crate) const COOKIE: &str = "hale_console";
/// A shift, then sign in again.
const LIFETIME: Duration = Duration::hours(12);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Clinician,
    Nurse,
    Admin,
}

impl Role {
    fn from_code(code: &str) -> Option<Self> {
        match code {
            "clinician" => Some(Self::Clinician),
            "nurse" => Some(Self::Nurse),
            "admin" => Some(Self::Admin),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Clinician => "Clinician",
            Self::Nurse => "Nurse",
            Self::Admin => "Admin",
        }
    }
}

/// The signed-in member of staff, as every console handler receives them.
#[derive(Debug, Clone)]
pub(crate) struct StaffSession {
    pub id: String,
    pub name: String,
    pub role: Role,
    pub team_id: String,
    pub team_name: String,
    pub csrf: String,
}

impl StaffSession {
    /// Refuses a form that does not carry this session's CSRF token (compared in constant time).
    pub fn require_csrf(&self, token: &str) -> Result<(), Problem> {
        let a = Sha256::digest(self.csrf.as_bytes());
        let b = Sha256::digest(token.as_bytes());
        let same = a
            .iter()
            .zip(b.iter())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0;
        if same {
            Ok(())
        } else {
            Err(Problem::new(
                StatusCode::FORBIDDEN,
                "This form has expired. Please go back, reload the page and try again.",
            )
            .for_staff(self))
        }
    }

    /// Plans are a clinician's to set.
    pub fn require_clinician(&self) -> Result<(), Problem> {
        if self.role == Role::Clinician {
            Ok(())
        } else {
            Err(Problem::new(
                StatusCode::FORBIDDEN,
                "Only a clinician may enrol a patient or change a monitoring plan.",
            )
            .for_staff(self))
        }
    }
}

impl FromRequestParts<ServerState> for StaffSession {
    type Rejection = FhirError;

    async fn from_request_parts(parts: &mut Parts, _: &ServerState) -> Result<Self, FhirError> {
        match parts.extensions.get::<Principal>() {
            Some(Principal::Staff(s)) => Ok(s.clone()),
            Some(_) => Err(FhirError::Forbidden("the console is for staff".into())),
            None => Err(FhirError::Unauthenticated),
        }
    }
}

fn cookie_value(headers: &HeaderMap) -> Option<String> {
    crate::sign_in_form::cookie(headers, COOKIE).filter(|v| !v.is_empty())
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    id: String,
    name: String,
    role: String,
    team_id: String,
    team_name: String,
    csrf: String,
    expires_at: Time,
}

/// The live session named by the request's cookie.
pub(crate) async fn from_cookie(
    state: &ServerState,
    headers: &HeaderMap,
) -> Result<StaffSession, FhirError> {
    let token = cookie_value(headers).ok_or(FhirError::Unauthenticated)?;
    let row: Option<SessionRow> = sqlx::query_as(
        "SELECT s.id, s.name, s.role, s.team_id, t.name AS team_name, ss.csrf, ss.expires_at \
         FROM staff_session ss JOIN staff s ON s.id = ss.staff_id \
         JOIN care_team t ON t.id = s.team_id WHERE ss.token_hash = $1",
    )
    .bind(hash_token(&token))
    .fetch_optional(&state.db)
    .await?;
    let row = row
        .filter(|r| r.expires_at.0 > Utc::now())
        .ok_or(FhirError::Unauthenticated)?;
    Ok(StaffSession {
        role: Role::from_code(&row.role)
            .ok_or_else(|| FhirError::Internal("a stored role is unknown".into()))?,
        id: row.id,
        name: row.name,
        team_id: row.team_id,
        team_name: row.team_name,
        csrf: row.csrf,
    })
}

/// Where a request without a session goes: a page to its sign-in, anything else a 401.
pub(crate) fn to_sign_in(method: &Method) -> Response {
    if method == Method::GET {
        Redirect::to("/console/sign-in").into_response()
    } else {
        Problem::new(StatusCode::UNAUTHORIZED, "Please sign in again.").into_response()
    }
}

/// A demo member of staff's sign-in, listed on the demo hospital's sign-in page only.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DemoStaffLogin {
    pub name: &'static str,
    pub username: &'static str,
    pub password: &'static str,
}

fn sign_in_form(
    state: &ServerState,
    error: Option<&str>,
    status: StatusCode,
    csrf: &str,
) -> Response {
    let error = error
        .map(|e| {
            format!(
                r#"<p role="alert" id="error" class="problem">{}</p>"#,
                escape(e)
            )
        })
        .unwrap_or_default();
    let demo = if state.demo_staff.is_empty() {
        String::new()
    } else {
        let rows: String = state
            .demo_staff
            .iter()
            .map(|s| {
                format!(
                    "<tr><td>{}</td><td><code>{}</code></td><td><code>{}</code></td></tr>",
                    escape(s.name),
                    escape(s.username),
                    escape(s.password)
                )
            })
            .collect();
        format!(
            r#"<section class="hint" aria-labelledby="demo"><h2 id="demo">Demo hospital logins</h2>
<table><thead><tr><th scope="col">Person</th><th scope="col">Username</th><th scope="col">Password</th></tr></thead><tbody>{rows}</tbody></table></section>"#
        )
    };
    let csrf_field = escape(csrf);
    let main = format!(
        r#"<h1>Sign in to the care team console</h1>{error}
<form method="post" action="/console/sign-in" class="narrow"><input type="hidden" name="csrf" value="{csrf_field}">
<label for="username">Username</label><input id="username" name="username" autocomplete="username" required autofocus>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit" id="sign-in">Sign in</button></form>{demo}"#
    );
    let mut response = page(status, None, Place::SignIn, "Sign in", &main);
    SignInGuard::Console.set_cookie(&mut response, csrf);
    response
}

/// `GET /console/sign-in`.
pub(crate) async fn sign_in_page(
    State(state): State<ServerState>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let csrf = SignInGuard::Console.token(&headers)?;
    Ok(sign_in_form(&state, None, StatusCode::OK, &csrf))
}

#[derive(Debug, Deserialize)]
pub(crate) struct SignInForm {
    username: String,
    password: String,
    /// The page's CSRF token ([`crate::sign_in_form`]).
    #[serde(default)]
    csrf: String,
}

/// `POST /console/sign-in`: a session for the right name and password, then the worklist.
pub(crate) async fn sign_in(
    State(state): State<ServerState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Result<Response, Problem> {
    let now = Utc::now();
    let account = form.username.trim().to_lowercase();
    let address = state.client_address(peer, &headers);
    let outcome = crate::password::sign_in(
        &state,
        Accounts::Staff,
        &form.username,
        &form.password,
        address,
        now,
    )
    .await?;
    let csrf = SignInGuard::Console.token(&headers)?;
    let refused = |message: &str, status| Ok(sign_in_form(&state, Some(message), status, &csrf));
    if !SignInGuard::Console.matches(&headers, &form.csrf) {
        tracing::warn!("console sign-in form without its CSRF token");
        return refused(
            "This sign-in form has expired. Please sign in again.",
            StatusCode::FORBIDDEN,
        );
    }
    let staff_id = match outcome {
        SignIn::Verified(staff_id) => staff_id,
        SignIn::Wrong => {
            // Public routes skip the access layer's audit: sign-ins are audited here, by name.
            audit_sign_in(&state, &account, false, now).await;
            tracing::info!("console sign-in refused");
            return refused(
                "The username or password is not right.",
                StatusCode::UNAUTHORIZED,
            );
        }
        SignIn::Wait(wait) => {
            tracing::warn!("console sign-in rate-limited");
            return refused(
                &format!(
                    "Too many sign-in attempts. Please try again in {}.",
                    crate::limits::wait_words(wait)
                ),
                StatusCode::TOO_MANY_REQUESTS,
            );
        }
        SignIn::NameTooLong => {
            return refused(
                "That username is too long: usernames have at most 128 characters.",
                StatusCode::BAD_REQUEST,
            )
        }
        SignIn::Busy => {
            return refused(
                "The hospital is busy. Please try again in a minute.",
                StatusCode::SERVICE_UNAVAILABLE,
            )
        }
    };
    audit_sign_in(&state, &staff_id, true, now).await;
    let token = new_token()?;
    sqlx::query(
        "INSERT INTO staff_session (token_hash, staff_id, csrf, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(hash_token(&token))
    .bind(&staff_id)
    .bind(new_token()?)
    .bind(Time(now))
    .bind(Time(now + LIFETIME))
    .execute(&state.db)
    .await?;
    let cookie = format!(
        "{COOKIE}={token}; Path=/console; HttpOnly; SameSite=Strict; Max-Age={}{}",
        LIFETIME.num_seconds(),
        crate::origin::secure_attribute(&headers)
    );
    let mut response = Redirect::to("/console").into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&cookie).map_err(|e| FhirError::Internal(e.to_string()))?,
    );
    Ok(response)
}

/// An audit row for a console sign-in: the member of staff's id when it succeeded, else the
/// name tried (never the password).
async fn audit_sign_in(
    state: &ServerState,
    actor: &str,
    succeeded: bool,
    now: chrono::DateTime<Utc>,
) {
    let recorded = sqlx::query(
        "INSERT INTO audit_event (recorded_at, actor_kind, actor_id, patient_id, action, route, status) \
         VALUES ($1, 'staff', $2, NULL, 'E', '/console/sign-in', $3)",
    )
    .bind(Time(now))
    .bind(actor)
    .bind(if succeeded { 303_i64 } else { 401_i64 })
    .execute(&state.db)
    .await;
    if let Err(e) = recorded {
        tracing::error!(error = %e, "sign-in audit row not written");
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct CsrfForm {
    csrf: String,
}

/// `POST /console/sign-out`: ends the session here, not only in the browser.
pub(crate) async fn sign_out(
    State(state): State<ServerState>,
    who: StaffSession,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Result<Response, Problem> {
    who.require_csrf(&form.csrf)?;
    if let Some(token) = cookie_value(&headers) {
        sqlx::query("DELETE FROM staff_session WHERE token_hash = $1")
            .bind(hash_token(&token))
            .execute(&state.db)
            .await?;
    }
    let mut response = Redirect::to("/console/sign-in").into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static(
            "hale_console=; Path=/console; HttpOnly; SameSite=Strict; Max-Age=0",
        ),
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("theme=dark; hale_console=abc123; other=1"),
        );
        assert_eq!(cookie_value(&headers).as_deref(), Some("abc123"));
        headers.insert(header::COOKIE, HeaderValue::from_static("hale_console="));
        assert_eq!(cookie_value(&headers), None);
    }
}
