//! Live updates as Server-Sent Events: the waiting-times board, and a checked-in patient's own
//! place in the queue.
//!
//! Each stream sends its view at once, then again whenever a queue changes
//! ([`ServerState::queue`]) or, since estimates move with the clock, every [`REFRESH`]; a view
//! equal to the last one sent is not repeated. A patient's stream ends once their visit is over.

use std::convert::Infallible;
use std::time::Duration as StdDuration;

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Path, State};
use axum::http::{header, HeaderMap};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::IntoResponse;
use chrono::Utc;
use futures_util::stream::{self, Stream};
use tokio::sync::watch;

use crate::auth::PatientToken;
use crate::live_slots::Slot;
use crate::{FhirError, ServerState};

/// Estimates drift as time passes even when nobody moves.
const REFRESH: StdDuration = StdDuration::from_secs(30);

/// What one stream renders: its event name and the view's JSON, or `None` to end the stream.
pub(crate) type Render =
    fn(
        ServerState,
        String,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Option<(String, bool)>> + Send>>;

struct Cursor {
    state: ServerState,
    /// Its place among the open streams, given back when the stream ends.
    _slot: Slot,
    /// The hash of the patient's access token and the scope the stream needs: the stream ends
    /// when the token does, or a helper's consent no longer opens that scope.
    credential: Option<(String, &'static str)>,
    changes: watch::Receiver<u64>,
    closing: watch::Receiver<bool>,
    /// What the view is about (the patient and encounter, or nothing for the board).
    subject: String,
    render: Render,
    event: &'static str,
    last: Option<String>,
    first: bool,
    done: bool,
}

fn events(cursor: Cursor) -> impl Stream<Item = Result<Event, Infallible>> {
    stream::unfold(cursor, |mut c| async move {
        loop {
            if c.done || *c.closing.borrow() {
                return None;
            }
            // An expired or revoked sign-in stops hearing about the patient: checked at every
            // wake, and the stream wakes when its token expires.
            let mut wait = REFRESH;
            if let Some((hash, scope)) = &c.credential {
                let now = Utc::now();
                let expires = crate::auth::access_token_expiry(&c.state, hash, scope, now).await?;
                wait = wait.min((expires - now).to_std().unwrap_or_default());
            }
            if !c.first {
                tokio::select! {
                    changed = c.changes.changed() => if changed.is_err() { return None },
                    // The server is stopping: end the stream so shutdown need not wait for it.
                    _ = c.closing.changed() => return None,
                    _ = tokio::time::sleep(wait) => {}
                }
                if let Some((hash, scope)) = &c.credential {
                    crate::auth::access_token_expiry(&c.state, hash, scope, Utc::now()).await?;
                }
            }
            c.first = false;
            let (json, last) = (c.render)(c.state.clone(), c.subject.clone()).await?;
            c.done = last;
            // The `updated` stamp alone changing is not news.
            let key = strip_updated(&json);
            if c.last.as_deref() != Some(key.as_str()) {
                c.last = Some(key);
                return Some((Ok(Event::default().event(c.event).data(json)), c));
            }
        }
    })
}

fn strip_updated(json: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(json) {
        Ok(mut v) => {
            if let Some(o) = v.as_object_mut() {
                o.remove("updated");
            }
            v.to_string()
        }
        Err(_) => json.to_owned(),
    }
}

/// A place for one more stream from the request's client, or a 429.
fn slot(state: &ServerState, peer: SocketAddr, headers: &HeaderMap) -> Result<Slot, FhirError> {
    state
        .live_slots
        .take(state.client_address(peer, headers))
        .ok_or(FhirError::TooMany(
            "too many live streams open from here; close one and try again",
        ))
}

/// The hash of the request's bearer token, with the scope its stream needs, for
/// [`Cursor::credential`].
fn credential(headers: &HeaderMap, scope: &'static str) -> Option<(String, &'static str)> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| (crate::auth::hash_token(t.trim()), scope))
}

/// `GET /api/waiting-times/events`: the board, live, from the same cache as the board itself.
pub(crate) async fn waiting_times_events(
    State(state): State<ServerState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Result<impl IntoResponse, FhirError> {
    let slot = slot(&state, peer, &headers)?;
    let changes = state.queue.subscribe();
    let render: Render = |state, _| {
        Box::pin(async move {
            let json = crate::arrival::board_json(&state).await.ok()?;
            Some((String::from_utf8(json.to_vec()).ok()?, false))
        })
    };
    let closing = state.closing.clone();
    Ok(Sse::new(events(Cursor {
        _slot: slot,
        credential: None,
        state,
        changes,
        closing,
        subject: String::new(),
        render,
        event: "waiting-times",
        last: None,
        first: true,
        done: false,
    }))
    .keep_alive(KeepAlive::default()))
}

/// `GET /api/queue/{encounter}/events`: the patient's place, live, until the visit ends.
pub(crate) async fn queue_events(
    token: PatientToken,
    State(state): State<ServerState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, FhirError> {
    let slot = slot(&state, peer, &headers)?;
    // Refuse at once (404) rather than open a stream that ends empty.
    crate::arrival::queue_status(&state.db, &token.patient_id, &id, Utc::now()).await?;
    let changes = state.queue.subscribe();
    let render: Render = |state, subject| {
        Box::pin(async move {
            let (patient, id) = subject.split_once('\n')?;
            let view = crate::arrival::queue_status(&state.db, patient, id, Utc::now())
                .await
                .ok()?;
            let finished = view.state == hale_hospital_json::arrival::QueueState::Finished;
            Some((serde_json::to_string(&view).ok()?, finished))
        })
    };
    let closing = state.closing.clone();
    Ok(Sse::new(events(Cursor {
        _slot: slot,
        credential: credential(&headers, "patient/Encounter.r"),
        state,
        changes,
        closing,
        subject: format!("{}\n{id}", token.patient_id),
        render,
        event: "queue",
        last: None,
        first: true,
        done: false,
    }))
    .keep_alive(KeepAlive::default()))
}

/// `GET /api/care-team/events`: a signal whenever the care team's side of the patient changes
/// (an alert raised, seen or cleared, a message, a new plan); the app then reads it afresh.
/// Only a stamp travels here, never the content.
pub(crate) async fn care_team_events(
    token: PatientToken,
    State(state): State<ServerState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Result<impl IntoResponse, FhirError> {
    let slot = slot(&state, peer, &headers)?;
    let changes = state.alerts.subscribe();
    let render: Render = |state, patient| {
        Box::pin(async move {
            let stamp = care_team_stamp(&state, &patient).await.ok()?;
            Some((serde_json::json!({ "stamp": stamp }).to_string(), false))
        })
    };
    let closing = state.closing.clone();
    Ok(Sse::new(events(Cursor {
        _slot: slot,
        credential: credential(&headers, "patient/Flag.s"),
        state,
        changes,
        closing,
        subject: token.patient_id,
        render,
        event: "care-team",
        last: None,
        first: true,
        done: false,
    }))
    .keep_alive(KeepAlive::default()))
}

/// A stream about the signed-in person themself (an `Access::Person` route): `render` of
/// `person` at once, then whenever the hospital's alerts change or every [`REFRESH`], until
/// the token ends. No consent narrows it (see `auth::access_token_expiry`).
pub(crate) fn person_stream(
    state: ServerState,
    peer: SocketAddr,
    headers: &HeaderMap,
    person: String,
    event: &'static str,
    render: Render,
) -> Result<impl IntoResponse, FhirError> {
    let slot = slot(&state, peer, headers)?;
    let changes = state.alerts.subscribe();
    let closing = state.closing.clone();
    Ok(Sse::new(events(Cursor {
        _slot: slot,
        credential: credential(headers, "hale/care-circle"),
        state,
        changes,
        closing,
        subject: person,
        render,
        event,
        last: None,
        first: true,
        done: false,
    }))
    .keep_alive(KeepAlive::default()))
}

/// Changes whenever anything the patient's app shows of the care team changes.
async fn care_team_stamp(state: &ServerState, patient: &str) -> Result<String, FhirError> {
    let (alerts, cleared, red, tasks, messages, plan): (
        i64,
        i64,
        i64,
        Option<String>,
        i64,
        Option<String>,
    ) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM alert WHERE patient_id = $1), \
                (SELECT COUNT(*) FROM alert WHERE patient_id = $1 AND status = 'cleared'), \
                (SELECT COUNT(*) FROM alert WHERE patient_id = $1 AND tier = 'red'), \
                (SELECT MAX(updated_at) FROM task WHERE patient_id = $1), \
                (SELECT COUNT(*) FROM communication WHERE patient_id = $1), \
                (SELECT updated_at || COALESCE(ended_at, '') FROM monitoring_plan \
                 WHERE patient_id = $1)",
    )
    .bind(patient)
    .fetch_one(&state.db)
    .await?;
    Ok(format!(
        "{alerts}/{cleared}/{red}/{}/{messages}/{}",
        tasks.unwrap_or_default(),
        plan.unwrap_or_default()
    ))
}

/// Bumps this instance's signals whenever another instance on the same PostgreSQL database
/// announces a change on their channels (`NOTIFY hale_queue`, `NOTIFY hale_alerts`), so a live
/// view moves whichever instance it is connected to. Runs until the server stops.
#[cfg(feature = "postgres")]
pub(crate) async fn follow_other_instances(
    url: String,
    signals: Vec<(&'static str, std::sync::Arc<watch::Sender<u64>>)>,
) {
    let bump = |channel: Option<&str>| {
        for (name, signal) in &signals {
            if channel.is_none_or(|c| c == *name) {
                signal.send_modify(|v| *v = v.wrapping_add(1));
            }
        }
    };
    let names: Vec<&str> = signals.iter().map(|(n, _)| *n).collect();
    loop {
        let mut listener = match sqlx::postgres::PgListener::connect(&url).await {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for other instances' changes; retrying");
                tokio::time::sleep(StdDuration::from_secs(2)).await;
                continue;
            }
        };
        if let Err(e) = listener.listen_all(names.iter().copied()).await {
            tracing::warn!(error = %e, "cannot listen for other instances' changes; retrying");
            tokio::time::sleep(StdDuration::from_secs(2)).await;
            continue;
        }
        // Whatever was announced while not listening is caught up at once.
        bump(None);
        loop {
            match listener.try_recv().await {
                Ok(Some(n)) => bump(Some(n.channel())),
                // The connection dropped; the listener reconnects on the next call.
                Ok(None) => bump(None),
                Err(e) => {
                    tracing::warn!(error = %e, "lost the change channel; reconnecting");
                    tokio::time::sleep(StdDuration::from_secs(1)).await;
                    break;
                }
            }
        }
    }
}
