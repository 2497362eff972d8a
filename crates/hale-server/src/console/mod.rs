//! The care team's console at `/console`: server-rendered pages for staff in their browser,
//! live through Server-Sent Events, with no script beyond one small file that refreshes what
//! changed.
//!
//! - [`session`]: staff sign in with their own name and password (Argon2id, the patients'
//!   attempt limits), and get an HttpOnly, SameSite=Strict session cookie and a CSRF token that
//!   every form carries.
//! - [`access`]: a member of staff reads only the patients enrolled with their team; anyone
//!   else needs a stated reason ("break glass"), which is audited and shown to the team's admin.
//! - [`worklist`], [`patient`]: what the team sees; [`actions`]: what it does; [`clinic`]: the
//!   readings taken at a visit; [`visit_orders`]: what is prescribed there and the next steps.
//!
//! Every request passes `auth::authorize` (the one rule table) and is audited with the person.

pub(crate) mod access;
pub(crate) mod actions;
pub(crate) mod admin;
mod answers;
mod chart;
pub(crate) mod clinic;
pub(crate) mod events;
mod layout;
pub(crate) mod patient;
pub(crate) mod session;
pub(crate) mod visit_orders;
pub(crate) mod worklist;

use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

use crate::ServerState;

/// The console's routes; the caller adds the access-rule layer.
pub(crate) fn routes() -> Router<ServerState> {
    Router::new()
        .route("/console", get(worklist::page))
        .route("/console/worklist", get(worklist::fragment))
        .route("/console/events", get(events::stream))
        .route("/console/admin", get(admin::page))
        .route(
            "/console/sign-in",
            get(session::sign_in_page).post(session::sign_in),
        )
        .route("/console/sign-out", post(session::sign_out))
        .route("/console/assets/{file}", get(asset))
        .route("/console/patients/{id}", get(patient::page))
        .route(
            "/console/patients/{id}/break-glass",
            post(access::break_glass),
        )
        .route("/console/tasks/{id}/{action}", post(actions::task))
        .route("/console/patients/{id}/message", post(actions::message))
        .route("/console/patients/{id}/readings", post(clinic::record))
        .route(
            "/console/patients/{id}/prescriptions",
            post(visit_orders::prescribe),
        )
        .route(
            "/console/patients/{id}/next-steps",
            post(visit_orders::next_steps),
        )
        .route("/console/patients/{id}/plan", post(actions::edit_plan))
        .route("/console/patients/{id}/unenrol", post(actions::unenrol))
        .route("/console/enrol", post(actions::enrol))
}

const CSS: &str = include_str!("../../console/console.css");
const JS: &str = include_str!("../../console/console.js");

/// The console's stylesheet and script: served from here, so the pages' policy can refuse
/// every inline script and style.
async fn asset(Path(file): Path<String>) -> Response {
    let (body, kind) = match file.as_str() {
        "console.css" => (CSS, "text/css; charset=utf-8"),
        "console.js" => (JS, "text/javascript; charset=utf-8"),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, kind),
            (header::CACHE_CONTROL, "no-cache"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        body,
    )
        .into_response()
}
