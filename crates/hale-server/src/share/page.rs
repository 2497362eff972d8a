//! The pages a clinician opens with a share code, in any browser and without an account:
//! `GET /share` asks for the code and the patient's date of birth; `POST /share` checks them and
//! opens one browser session (an HttpOnly, SameSite=Strict cookie, of which only a hash is kept);
//! `GET /share/summary` shows the patient summary, read-only, while the share lasts.
//!
//! A wrong code, a wrong date of birth, a used, expired or ended code all get one answer, so a
//! guesser learns nothing; guesses are limited per address and per code as passwords are. Each
//! opening and each view is written to the audit log, naming the share.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Form;
use chrono::{DateTime, NaiveDate, Utc};
use hale_domain::share::ShareCode;
use hale_fhir::composition::Composition;
use hale_fhir::Resource;
use serde::Deserialize;

use crate::auth::{hash_token, new_token, AuditRow};
use crate::db::Time;
use crate::html::{escape, protect};
use crate::limits::Limit;
use crate::sign_in_form::{cookie, Guard};
use crate::{FhirError, ServerState};

/// The cookie of the one browser session a code opened.
const SESSION_COOKIE: &str = "hale_share";
/// Wrong tries from one address before waits begin.
const PER_ADDRESS: Limit = Limit {
    kind: "share-address",
    free: 10,
};
/// Wrong tries at one code (its date of birth) before waits begin, from anywhere.
const PER_CODE: Limit = Limit {
    kind: "share-code",
    free: 5,
};
const POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; \
                      frame-ancestors 'none'; base-uri 'none'";
const REFUSED: &str = "That code and date of birth do not open a summary. The code may be \
                       mistyped, already used in another browser, expired or ended by the \
                       patient: ask them for a new one.";

#[derive(Deserialize)]
pub(crate) struct OpenForm {
    #[serde(default)]
    code: String,
    /// The date of birth in three fields, as people write it whatever their locale.
    #[serde(default)]
    day: String,
    #[serde(default)]
    month: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    csrf: String,
}

impl OpenForm {
    fn birth_date(&self) -> Option<NaiveDate> {
        let number = |s: &str| s.trim().parse::<u32>().ok();
        let year = i32::try_from(number(&self.year)?).ok()?;
        NaiveDate::from_ymd_opt(year, number(&self.month)?, number(&self.day)?)
    }
}

/// `GET /share`.
pub(crate) async fn form(State(state): State<ServerState>, headers: HeaderMap) -> Response {
    form_page(&state, &headers, StatusCode::OK, None)
}

/// `POST /share`.
pub(crate) async fn open(
    State(state): State<ServerState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<OpenForm>,
) -> Response {
    match try_open(&state, peer, &headers, &form).await {
        Ok(response) => response,
        Err(Refusal::Page(status, message)) => form_page(&state, &headers, status, Some(message)),
        Err(Refusal::Failed(e)) => e.into_response(),
    }
}

enum Refusal {
    Page(StatusCode, &'static str),
    Failed(FhirError),
}

impl From<FhirError> for Refusal {
    fn from(e: FhirError) -> Self {
        Self::Failed(e)
    }
}

impl From<sqlx::Error> for Refusal {
    fn from(e: sqlx::Error) -> Self {
        Self::Failed(e.into())
    }
}

async fn try_open(
    state: &ServerState,
    peer: SocketAddr,
    headers: &HeaderMap,
    form: &OpenForm,
) -> Result<Response, Refusal> {
    if !Guard::Share.matches(headers, &form.csrf) {
        return Err(Refusal::Page(
            StatusCode::BAD_REQUEST,
            "This page had expired. Please enter the code again.",
        ));
    }
    let now = Utc::now();
    let address = state.client_address(peer, headers).to_string();
    let code = ShareCode::parse(&form.code);
    // A code that cannot be one is counted under its own text, so it is limited all the same.
    let code_hash = hash_token(code.as_ref().map_or(form.code.trim(), ShareCode::as_str));
    let limits = [
        (PER_ADDRESS, address.as_str()),
        (PER_CODE, code_hash.as_str()),
    ];
    if crate::limits::reserve(&state.db, &limits, now)
        .await?
        .is_err()
    {
        return Err(Refusal::Page(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many tries. Please wait a few minutes and try again.",
        ));
    }
    let born = form.birth_date();
    let (Some(_), Some(born)) = (code, born) else {
        return Err(Refusal::Page(StatusCode::FORBIDDEN, REFUSED));
    };
    // id, patient, expires, revoked, opened, the patient's birth date.
    type Row = (String, String, Time, Option<Time>, Option<Time>, String);
    let found: Option<Row> = sqlx::query_as(
        "SELECT s.id, s.patient_id, s.expires_at, s.revoked_at, s.opened_at, p.birth_date \
             FROM share_code s JOIN patient p ON p.id = s.patient_id WHERE s.code_hash = $1",
    )
    .bind(&code_hash)
    .fetch_optional(&state.db)
    .await?;
    let Some((id, patient, expires, None, None, birth_date)) = found else {
        return Err(Refusal::Page(StatusCode::FORBIDDEN, REFUSED));
    };
    if expires.0 <= now || birth_date != born.to_string() {
        return Err(Refusal::Page(StatusCode::FORBIDDEN, REFUSED));
    }
    let session = new_token()?;
    // Only the first to get here opens it: a code opens one session.
    let opened = sqlx::query(
        "UPDATE share_code SET opened_at = $1, session_hash = $2 \
         WHERE id = $3 AND opened_at IS NULL AND revoked_at IS NULL",
    )
    .bind(Time(now))
    .bind(hash_token(&session))
    .bind(&id)
    .execute(&state.db)
    .await?
    .rows_affected();
    if opened != 1 {
        return Err(Refusal::Page(StatusCode::FORBIDDEN, REFUSED));
    }
    crate::limits::clear(&state.db, &limits[1..]).await?;
    audit(state, &id, &patient, "E", "/share", StatusCode::SEE_OTHER).await;
    tracing::info!("a share code was opened");
    let mut response = (
        StatusCode::SEE_OTHER,
        [(header::LOCATION, "/share/summary")],
    )
        .into_response();
    let max_age = (expires.0 - now).num_seconds().max(0);
    let cookie = format!(
        "{SESSION_COOKIE}={session}; Path=/share; HttpOnly; SameSite=Strict; Max-Age={max_age}{}",
        crate::origin::secure_attribute(headers)
    );
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    protect(response.headers_mut(), POLICY);
    Ok(response)
}

/// `GET /share/summary`.
pub(crate) async fn summary(State(state): State<ServerState>, headers: HeaderMap) -> Response {
    match try_summary(&state, &headers).await {
        Ok(response) => response,
        Err(Refusal::Page(status, message)) => form_page(&state, &headers, status, Some(message)),
        Err(Refusal::Failed(e)) => e.into_response(),
    }
}

async fn try_summary(state: &ServerState, headers: &HeaderMap) -> Result<Response, Refusal> {
    const ENDED: &str = "This summary is no longer shared. Ask the patient for a new code.";
    let now = Utc::now();
    let Some(session) = cookie(headers, SESSION_COOKIE) else {
        return Err(Refusal::Page(StatusCode::FORBIDDEN, ENDED));
    };
    let found: Option<(String, String, Time, Option<Time>)> = sqlx::query_as(
        "SELECT id, patient_id, expires_at, revoked_at FROM share_code WHERE session_hash = $1",
    )
    .bind(hash_token(&session))
    .fetch_optional(&state.db)
    .await?;
    let Some((id, patient, expires, None)) = found else {
        return Err(Refusal::Page(StatusCode::FORBIDDEN, ENDED));
    };
    if expires.0 <= now {
        return Err(Refusal::Page(StatusCode::FORBIDDEN, ENDED));
    }
    let document = crate::summary::document(state, headers, &patient, now).await?;
    sqlx::query("INSERT INTO share_view (share_id, viewed_at) VALUES ($1, $2)")
        .bind(&id)
        .bind(Time(now))
        .execute(&state.db)
        .await?;
    audit(state, &id, &patient, "R", "/share/summary", StatusCode::OK).await;
    let mut response =
        Html(summary_html(&state.hospital.name, &document, expires.0)).into_response();
    protect(response.headers_mut(), POLICY);
    Ok(response)
}

/// Writes the audit row of a share's use: its own id as the actor, the patient as whose.
async fn audit(
    state: &ServerState,
    share: &str,
    patient: &str,
    action: &str,
    route: &str,
    status: StatusCode,
) {
    crate::auth::write_audit(
        state,
        AuditRow {
            actor_kind: "share",
            actor_id: share,
            patient: Some(patient),
            action,
            route,
            status: status.as_u16(),
            reason: None,
        },
    )
    .await;
}

fn form_page(
    state: &ServerState,
    headers: &HeaderMap,
    status: StatusCode,
    error: Option<&str>,
) -> Response {
    let csrf = match Guard::Share.token(headers) {
        Ok(csrf) => csrf,
        Err(e) => return e.into_response(),
    };
    let error = error
        .map(|e| format!(r#"<p role="alert" id="error">{}</p>"#, escape(e)))
        .unwrap_or_default();
    let body = format!(
        r#"<h1>Open a shared patient summary</h1>{error}
<p>A patient of {hospital} can share their summary with you for a day. Enter the code they gave
you and their date of birth.</p>
<form method="post" action="/share"><input type="hidden" name="csrf" value="{csrf}">
<label for="code">Share code</label><input id="code" name="code" autocomplete="off" required autofocus placeholder="XXXX-XXXX-XXXX">
<fieldset><legend>Patient's date of birth</legend>
<div class="date"><label for="day">Day</label><input id="day" name="day" inputmode="numeric" autocomplete="off" required size="2"></div>
<div class="date"><label for="month">Month</label><input id="month" name="month" inputmode="numeric" autocomplete="off" required size="2"></div>
<div class="date year"><label for="year">Year</label><input id="year" name="year" inputmode="numeric" autocomplete="off" required size="4"></div>
</fieldset>
<button type="submit" id="open">Open the summary</button></form>"#,
        hospital = escape(&state.hospital.name),
    );
    let mut response =
        (status, Html(document_html("Shared patient summary", &body))).into_response();
    protect(response.headers_mut(), POLICY);
    Guard::Share.set_cookie(&mut response, &csrf);
    response
}

/// The summary as a page: the patient, then each section's narrative as the document wrote it
/// (generated, escaped XHTML).
fn summary_html(hospital: &str, document: &hale_fhir::Bundle, expires: DateTime<Utc>) -> String {
    let mut patient_line = String::new();
    let mut sections = String::new();
    for entry in &document.entry {
        match &entry.resource {
            Resource::Patient(p) => {
                let name = p.display_name().unwrap_or_else(|| "The patient".into());
                let born = p.birth_date.as_deref().unwrap_or("not recorded");
                patient_line = format!(
                    r#"<p class="who" id="patient">{}, born {}</p>"#,
                    escape(&name),
                    escape(born)
                );
            }
            Resource::Composition(Composition { section, .. }) => {
                for s in section {
                    sections.push_str(&format!(
                        "<section><h2>{}</h2>{}</section>",
                        escape(&s.title),
                        s.text.div
                    ));
                }
            }
            _ => {}
        }
    }
    let body = format!(
        r#"<h1>Patient summary</h1>{patient_line}
<p class="hint">Shared by the patient from {hospital}'s record, read-only. This view ends on
{ends} (UTC) or when the patient ends it.</p>{sections}"#,
        hospital = escape(hospital),
        ends = expires.format("%-d %B %Y at %H:%M"),
    );
    document_html("Patient summary", &body)
}

fn document_html(title: &str, body: &str) -> String {
    format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title>
<style>body{{font:1.05rem/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}}
label{{display:block;margin-top:1rem;font-weight:600}}input{{width:100%;font:inherit;padding:.5rem;box-sizing:border-box}}
button{{margin-top:1.25rem;font:inherit;padding:.6rem 1.2rem}}#error{{color:#9b1c1c;font-weight:600}}.hint{{color:#555}}
fieldset{{border:0;padding:0;margin:1rem 0 0;display:flex;gap:1rem}}legend{{font-weight:600;padding:0}}
.date{{width:4.5rem}}.date.year{{width:6.5rem}}.date label{{margin-top:.25rem;font-weight:400}}
.who{{font-size:1.2rem;font-weight:600}}section{{border-top:1px solid #ccc;margin-top:1.25rem}}</style>
</head><body><main>{body}</main></body></html>"#
    )
}
