//! The authorize endpoint: the client and its redirect checked, the sign-in page shown, the
//! patient's credentials checked, a one-time code issued.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Form;
use chrono::{DateTime, Utc};
use hale_fhir::smart::Scopes;
use serde::Deserialize;
use url::Url;

use super::page::{page, sign_in_page};
use super::*;
use crate::auth::{hash_token, new_token};
use crate::db::Time;
use crate::password::{Accounts, SignIn};
use crate::sign_in_form::Guard;
use crate::{FhirError, ServerState};

/// The authorize request's parameters (RFC 6749 §4.1.1, RFC 7636 §4.3, SMART's `aud`).
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct AuthorizeRequest {
    #[serde(default)]
    pub(super) response_type: String,
    #[serde(default)]
    pub(super) client_id: String,
    #[serde(default)]
    pub(super) redirect_uri: String,
    #[serde(default)]
    pub(super) scope: String,
    #[serde(default)]
    pub(super) state: String,
    #[serde(default)]
    pub(super) code_challenge: String,
    #[serde(default)]
    pub(super) code_challenge_method: String,
    pub(super) aud: Option<String>,
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
    /// The page's CSRF token ([`crate::sign_in_form`]).
    #[serde(default)]
    csrf: String,
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
    // SMART App Launch v2: `aud` is required, so a token is never minted for another server.
    match &request.aud {
        None => return refuse("invalid_request", "aud is required"),
        Some(aud) if aud.trim_end_matches('/') != crate::origin::fhir_base(headers) => {
            return refuse("invalid_request", "aud is not this FHIR server");
        }
        Some(_) => {}
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
        Ok(checked) => match Guard::Patient.token(&headers) {
            Ok(csrf) => sign_in_page(&state, &request, &checked.scope, None, &csrf),
            Err(e) => e.into_response(),
        },
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
    let address = state.client_address(peer, &headers);
    let csrf = match Guard::Patient.token(&headers) {
        Ok(csrf) => csrf,
        Err(e) => return e.into_response(),
    };
    let refused = |status, message: &str| {
        let mut response = sign_in_page(&state, request, &checked.scope, Some(message), &csrf);
        *response.status_mut() = status;
        response
    };
    // A form posted from elsewhere: a hostile page signing the browser in to its own account.
    if !Guard::Patient.matches(&headers, &form.csrf) {
        tracing::warn!("sign-in form without its CSRF token");
        return refused(
            StatusCode::FORBIDDEN,
            "This sign-in form has expired. Please sign in again.",
        );
    }
    let patient = match crate::password::sign_in(
        &state,
        Accounts::Patients,
        &form.username,
        &form.password,
        address,
        now,
    )
    .await
    {
        Ok(SignIn::Verified(patient)) => patient,
        Ok(SignIn::Wrong) => {
            tracing::info!("sign-in refused");
            return refused(
                StatusCode::UNAUTHORIZED,
                "The username or password is not right.",
            );
        }
        Ok(SignIn::Wait(wait)) => {
            tracing::warn!("sign-in rate-limited");
            return refused(
                StatusCode::TOO_MANY_REQUESTS,
                &format!(
                    "Too many sign-in attempts. Please try again in {}, or contact the hospital.",
                    crate::limits::wait_words(wait)
                ),
            );
        }
        Ok(SignIn::NameTooLong) => {
            return refused(
                StatusCode::BAD_REQUEST,
                "That username is too long: usernames have at most 128 characters.",
            )
        }
        Ok(SignIn::Busy) => {
            return refused(
                StatusCode::SERVICE_UNAVAILABLE,
                "The hospital is busy. Please try again in a minute.",
            )
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
                .append_pair("iss", &crate::origin::fhir_base(&headers));
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
}
