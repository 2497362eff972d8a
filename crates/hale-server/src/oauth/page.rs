//! The sign-in page: plain HTML, no scripts, every echoed text escaped.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use hale_fhir::smart::Scopes;

use super::authorize::AuthorizeRequest;
use crate::html::{escape, protect};
use crate::ServerState;

/// A demo person's sign-in, shown on the demo hospital's page so that a developer can sign in
/// (the patient, and the relative who helps them). The server wires them from its demo seed;
/// this module knows no demo data.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DemoLogin {
    /// Who this is, e.g. "a patient".
    pub who: &'static str,
    pub username: &'static str,
    pub password: &'static str,
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
        "hale/care-circle" => "invite people to help you, and help those who invited you",
        "patient/CarePlan" | "patient/Goal" => "show your care team's monitoring plan",
        "patient/Flag" | "patient/Task" => "show the alerts your care team has seen",
        "patient/Communication" => "show messages from your care team",
        "patient/Questionnaire" | "patient/QuestionnaireResponse" => {
            "show the hospital's forms before a visit and send your answers"
        }
        "patient/AllergyIntolerance" => "see the allergies the hospital recorded, to check them",
        "offline_access" => "stay signed in on this device until you sign out",
        _ => return None,
    })
}

pub(super) fn sign_in_page(
    state: &ServerState,
    request: &AuthorizeRequest,
    scope: &Scopes,
    error: Option<&str>,
    csrf: &str,
) -> Response {
    let hidden = [
        ("response_type", &request.response_type),
        ("client_id", &request.client_id),
        ("redirect_uri", &request.redirect_uri),
        ("scope", &request.scope),
        ("state", &request.state),
        ("code_challenge", &request.code_challenge),
        ("code_challenge_method", &request.code_challenge_method),
        ("csrf", &csrf.to_owned()),
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
    let hint = state
        .demo_logins
        .iter()
        .map(|demo| {
            format!(
                r#"<p class="hint">Demo hospital, {}: sign in as <b>{}</b> with password <b>{}</b>.</p>"#,
                escape(demo.who),
                escape(demo.username),
                escape(demo.password)
            )
        })
        .collect::<String>();
    let body = format!(
        r#"{error}<p>Sign in to let <b>Hale</b>:</p><ul>{asks}</ul>
<form method="post" action="/auth/authorize">{hidden}
<label for="username">Username</label><input id="username" name="username" autocomplete="username" required autofocus>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit" id="sign-in">Sign in</button></form>{hint}"#
    );
    let mut response = page(
        StatusCode::OK,
        &format!("Sign in to {}", escape(&state.hospital.name)),
        "",
        Some(&body),
    );
    crate::sign_in_form::Guard::Patient.set_cookie(&mut response, csrf);
    response
}

/// A small HTML page with a strict policy of its own: no scripts, no framing, forms post here.
pub(super) fn page(status: StatusCode, title: &str, message: &str, body: Option<&str>) -> Response {
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
    protect(
        response.headers_mut(),
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    response
}
