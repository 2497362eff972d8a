//! The console's page frame: the header with who is signed in, the navigation, and the
//! security headers; and its error page.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use super::session::{Role, StaffSession};
use crate::html::{escape, protect};
use crate::FhirError;

/// Scripts and styles only from the server's own files; forms post only here.
const POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
                      connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Which part of the console a page belongs to, for the navigation's current mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Place {
    Worklist,
    Patient,
    Admin,
    SignIn,
}

/// A whole page: `title` (plain text) and `main` (HTML, already escaped where it echoes).
pub(crate) fn page(
    status: StatusCode,
    who: Option<&StaffSession>,
    place: Place,
    title: &str,
    main: &str,
) -> Response {
    let nav = who.map_or_else(String::new, |s| nav(s, place));
    let html = format!(
        r##"<!doctype html><html lang="en-GB"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · Hale care team</title><link rel="stylesheet" href="/console/assets/console.css">
<script src="/console/assets/console.js" defer></script></head>
<body><a class="skip" href="#main">Skip to content</a>
<header class="bar"><span class="brand">Hale care team</span>{nav}</header>
<main id="main">{main}</main></body></html>"##,
        title = escape(title),
    );
    let mut response = (status, Html(html)).into_response();
    protect(response.headers_mut(), POLICY);
    response
}

fn nav(s: &StaffSession, place: Place) -> String {
    let current = |p: Place| {
        if p == place {
            r#" aria-current="page""#
        } else {
            ""
        }
    };
    let admin = if s.role == Role::Admin {
        format!(
            r#"<li><a href="/console/admin"{}>Audit</a></li>"#,
            current(Place::Admin)
        )
    } else {
        String::new()
    };
    format!(
        r#"<nav aria-label="Console"><ul><li><a href="/console"{}>Worklist</a></li>{admin}</ul></nav>
<div class="who"><span>{name} · {role} · {team}</span>
<form method="post" action="/console/sign-out"><input type="hidden" name="csrf" value="{csrf}">
<button type="submit" class="link">Sign out</button></form></div>"#,
        current(Place::Worklist),
        name = escape(&s.name),
        role = s.role.label(),
        team = escape(&s.team_name),
        csrf = escape(&s.csrf),
    )
}

/// What a console handler fails with: an HTML page saying what went wrong, in words.
#[derive(Debug)]
pub(crate) struct Problem {
    status: StatusCode,
    message: String,
    /// Boxed: a session is large, and most problems travel up a `Result`.
    who: Option<Box<StaffSession>>,
}

impl Problem {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            who: None,
        }
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, message)
    }

    /// Shows the navigation of the signed-in person on the error page.
    pub fn for_staff(mut self, who: &StaffSession) -> Self {
        self.who = Some(Box::new(who.clone()));
        self
    }
}

impl From<FhirError> for Problem {
    fn from(e: FhirError) -> Self {
        let (status, message) = match &e {
            FhirError::Forbidden(why) => (StatusCode::FORBIDDEN, why.clone()),
            FhirError::NotFound => (StatusCode::NOT_FOUND, "There is no such record.".into()),
            FhirError::Invalid(why) => (StatusCode::UNPROCESSABLE_ENTITY, why.clone()),
            FhirError::Unauthenticated => {
                (StatusCode::UNAUTHORIZED, "Please sign in again.".into())
            }
            other => {
                // Details stay in the log (they name no patient); the page says what to do.
                tracing::error!(error = %other, "console request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong on the server. Please try again.".into(),
                )
            }
        };
        Self::new(status, message)
    }
}

impl From<sqlx::Error> for Problem {
    fn from(e: sqlx::Error) -> Self {
        FhirError::from(e).into()
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let main = format!(
            r#"<h1>{}</h1><p role="alert" class="problem">{}</p><p><a href="/console">Back to the worklist</a></p>"#,
            heading(self.status),
            escape(&self.message)
        );
        page(
            self.status,
            self.who.as_deref(),
            Place::Worklist,
            heading(self.status),
            &main,
        )
    }
}

fn heading(status: StatusCode) -> &'static str {
    match status {
        StatusCode::FORBIDDEN => "Not allowed",
        StatusCode::NOT_FOUND => "Not found",
        StatusCode::UNPROCESSABLE_ENTITY => "Please check what you entered",
        StatusCode::UNAUTHORIZED => "Signed out",
        _ => "Something went wrong",
    }
}

/// The key a console form carries so that sending it twice writes once: letters and digits, as
/// the page made it. Anything else is a form the page did not make.
pub(crate) fn form_key<'a>(
    fields: &'a std::collections::HashMap<String, String>,
    who: &StaffSession,
) -> Result<&'a str, Problem> {
    let key = fields.get("key").map(|v| v.trim()).unwrap_or_default();
    if key.is_empty() || key.len() > 64 || !key.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(
            Problem::invalid("The form is incomplete; please reload the page.").for_staff(who),
        );
    }
    Ok(key)
}

/// A form sent again after it was changed (the browser's Back, an edit, Send): its key is spent,
/// and the first sending stands.
pub(crate) fn resent_changed(who: &StaffSession) -> Problem {
    Problem::new(
        StatusCode::CONFLICT,
        "This form was already sent with other values, which stand. Please reload the page to write another.",
    )
    .for_staff(who)
}
