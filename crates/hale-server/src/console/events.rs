//! `GET /console/events`: a Server-Sent Event whenever alerts or the worklist change, on this
//! instance or another on the same database; the page then fetches what it shows afresh.

use std::convert::Infallible;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::IntoResponse;
use futures_util::stream;

use super::session::StaffSession;
use crate::ServerState;

pub(crate) async fn stream(
    State(state): State<ServerState>,
    _who: StaffSession,
) -> impl IntoResponse {
    let changes = state.alerts.subscribe();
    let closing = state.closing.clone();
    let events = stream::unfold(
        (changes, closing, true),
        |(mut changes, mut closing, first)| async move {
            if !first {
                tokio::select! {
                    changed = changes.changed() => if changed.is_err() { return None },
                    // The server is stopping: end the stream so shutdown need not wait for it.
                    _ = closing.changed() => return None,
                }
            }
            if *closing.borrow() {
                return None;
            }
            let version = *changes.borrow_and_update();
            let event = Event::default().event("changed").data(version.to_string());
            Some((Ok::<_, Infallible>(event), (changes, closing, false)))
        },
    );
    Sse::new(events).keep_alive(KeepAlive::default())
}
