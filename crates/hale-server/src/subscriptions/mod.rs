//! FHIR Subscriptions as the R4 Subscriptions Backport IG defines them: a registered system
//! (a device token holding `system/Subscription.*` and read access to the topic's resource)
//! subscribes to a topic with filters, and this server posts `history` Bundles to its
//! `rest-hook` endpoint: a handshake first, then each event numbered, and heartbeats.
//!
//! - `POST /fhir/Subscription`, `GET` and `DELETE /fhir/Subscription/{id}`;
//! - `GET /fhir/Subscription/{id}/$status`: where it stands (a `searchset` of one status);
//! - `GET /fhir/Subscription/{id}/$events?eventsSinceNumber=&eventsUntilNumber=`: events again,
//!   for a receiver that saw a gap in the numbers.
//!
//! Which topics exist and what filters they take is [`topic`]; what a request may ask,
//! [`request`]; when each thing is sent, [`schedule`]; numbering the
//! triggers' changes, [`matching`]; the sending, [`delivery`].

pub(crate) mod delivery;
mod matching;
mod notification;
mod request;
mod resource;
mod schedule;
mod store;
mod topic;

use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use axum::Json;
use chrono::Utc;
use hale_fhir::subscription::{
    backport, Channel, ElementExtensions, Extension, SUBSCRIPTION_PROFILE,
};
use hale_fhir::{Bundle, Meta, Resource, Subscription, FHIR_JSON};
use serde::Deserialize;

use crate::auth::DeviceToken;
use crate::error::fhir_json;
use crate::resource_response::resource_response;
use crate::{FhirError, ServerState};
use notification::Kind;
use store::Row;
pub(crate) use topic::Topic;

/// Live subscriptions one device may hold.
const PER_DEVICE: i64 = 20;
/// Events one `$events` answer carries at most.
const EVENTS_PAGE: i64 = 100;

/// `POST /fhir/Subscription`.
pub(crate) async fn create(
    device: DeviceToken,
    State(state): State<ServerState>,
    headers: HeaderMap,
    Json(body): Json<Resource>,
) -> Result<Response, FhirError> {
    let Resource::Subscription(asked) = body else {
        return Err(FhirError::Invalid("the body must be a Subscription".into()));
    };
    let now = Utc::now();
    let wanted = request::wanted(&asked, now, state.loopback_only).map_err(FhirError::Invalid)?;
    let needed = wanted.topic.read_scope();
    if !device.scopes.allows(&needed) {
        return Err(FhirError::Forbidden(format!(
            "this topic's notifications name {} resources: the token lacks {needed}",
            wanted.topic.resource_type()
        )));
    }
    let id = crate::random::uuid()?;
    let base = format!("{}/fhir", crate::origin::origin(&headers));
    // Counted, made and read back in one transaction: the answer is the subscription as it
    // was made (`requested`), whatever the delivery task does the moment it commits.
    let mut tx = crate::db::begin_write(&state.db).await?;
    if store::count_live(&mut *tx, &device.device_id).await? >= PER_DEVICE {
        return Err(FhirError::Conflict(format!(
            "a system may hold {PER_DEVICE} subscriptions; delete one first"
        )));
    }
    store::insert(&mut tx, &id, &device.device_id, &base, &wanted, now).await?;
    let row = store::load(&mut *tx, &id)
        .await?
        .ok_or_else(|| FhirError::Internal("a subscription just made is missing".into()))?;
    tx.commit().await?;
    // The handshake goes at once.
    state.events.send_modify(|v| *v = v.wrapping_add(1));
    Ok(resource_response(
        StatusCode::CREATED,
        &Resource::Subscription(shown(&row)?),
    ))
}

/// `GET /fhir/Subscription/{id}`.
pub(crate) async fn read(
    device: DeviceToken,
    State(state): State<ServerState>,
    Path(id): Path<String>,
) -> Result<Response, FhirError> {
    let row = store::owned(&state.db, &device.device_id, &id).await?;
    Ok(resource_response(
        StatusCode::OK,
        &Resource::Subscription(shown(&row)?),
    ))
}

/// `DELETE /fhir/Subscription/{id}`: nothing more is sent, and its events are forgotten.
pub(crate) async fn delete(
    device: DeviceToken,
    State(state): State<ServerState>,
    Path(id): Path<String>,
) -> Result<StatusCode, FhirError> {
    store::owned(&state.db, &device.device_id, &id).await?;
    store::delete(&state.db, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /fhir/Subscription/{id}/$status`.
pub(crate) async fn status(
    device: DeviceToken,
    State(state): State<ServerState>,
    Path(id): Path<String>,
) -> Result<Response, FhirError> {
    let row = store::owned(&state.db, &device.device_id, &id).await?;
    let parameters = notification::status_parameters(
        &row.notification_status()?,
        Kind::QueryStatus,
        &[],
        row.content(),
    );
    let mut bundle = Bundle::searchset([Resource::Parameters(parameters)]);
    for entry in &mut bundle.entry {
        entry.full_url = Some(format!("urn:uuid:{}", crate::random::uuid()?));
    }
    Ok(fhir_json(&Resource::Bundle(bundle)))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EventsQuery {
    events_since_number: Option<String>,
    events_until_number: Option<String>,
    content: Option<String>,
}

/// `GET /fhir/Subscription/{id}/$events`: the events kept in the range asked (both ends
/// included), at most [`EVENTS_PAGE`], with the content asked for if it is one of the three.
/// Only while the system may still hear of the topic; each patient named is audited.
pub(crate) async fn events(
    device: DeviceToken,
    State(state): State<ServerState>,
    Path(id): Path<String>,
    Query(query): Query<EventsQuery>,
) -> Result<Response, FhirError> {
    let row = store::owned(&state.db, &device.device_id, &id).await?;
    let topic = row.topic()?;
    if !row.may_hear() || !device.scopes.allows(&topic.read_scope()) {
        return Err(FhirError::Forbidden(format!(
            "this topic's events name {} resources: the token lacks {}",
            topic.resource_type(),
            topic.read_scope()
        )));
    }
    let number = |name: &str, value: &Option<String>, default: i64| match value {
        None => Ok(default),
        Some(v) => v.parse::<i64>().ok().filter(|n| *n >= 1).ok_or_else(|| {
            FhirError::Invalid(format!("{name} must be an event number (1 or more)"))
        }),
    };
    let until = number(
        "eventsUntilNumber",
        &query.events_until_number,
        row.events_since_start,
    )?;
    let since = number(
        "eventsSinceNumber",
        &query.events_since_number,
        (until - EVENTS_PAGE + 1).max(1),
    )?;
    if query.events_since_number.is_some() && query.events_until_number.is_some() && since > until {
        return Err(FhirError::Invalid(
            "eventsSinceNumber is after eventsUntilNumber".into(),
        ));
    }
    let content = match query.content.as_deref() {
        None => row.content(),
        Some(code) => request::Content::from_code(code).ok_or_else(|| {
            FhirError::Invalid("content must be empty, id-only or full-resource".into())
        })?,
    };
    // A receiver asking past the last event (nothing new yet) gets an empty answer.
    let kept = store::events(&state.db, &id, since, until, EVENTS_PAGE).await?;
    delivery::audit_disclosed(
        &state,
        &device.device_id,
        "/fhir/Subscription/{id}/$events",
        &kept,
    )
    .await;
    let events = resource::events_with(&state, content, &kept).await?;
    let bundle = notification::notification(
        &row.notification_status()?,
        Kind::QueryEvent,
        events,
        content,
        &crate::random::uuid()?,
        Utc::now(),
    );
    Ok(fhir_json(&Resource::Bundle(bundle)))
}

/// The subscription as its owner reads it back. Channel headers are never shown: they may
/// hold the receiver's credentials.
fn shown(row: &Row) -> Result<Subscription, FhirError> {
    let topic = row.topic()?;
    let filter = row.filter()?;
    let ext = |name: &str| Extension {
        url: backport(name),
        ..Extension::default()
    };
    let mut channel_extensions = vec![Extension {
        value_unsigned_int: Some(row.timeout_seconds as u64),
        ..ext("backport-timeout")
    }];
    channel_extensions.push(Extension {
        value_positive_int: Some(row.max_count as u64),
        ..ext("backport-max-count")
    });
    if let Some(h) = row.heartbeat_seconds {
        channel_extensions.push(Extension {
            value_unsigned_int: Some(h as u64),
            ..ext("backport-heartbeat-period")
        });
    }
    Ok(Subscription {
        id: Some(row.id.clone()),
        meta: Some(Meta::profile(SUBSCRIPTION_PROFILE)),
        status: row.status(),
        end: row.end_at.map(|t| t.0),
        reason: row.reason.clone(),
        criteria: topic.canonical(),
        criteria_extensions: filter.criteria(topic).map(|c| ElementExtensions {
            extension: vec![Extension {
                value_string: Some(c),
                ..ext("backport-filter-criteria")
            }],
        }),
        error: row.error.clone(),
        channel: Channel {
            extension: channel_extensions,
            channel_type: "rest-hook".into(),
            endpoint: Some(row.endpoint.clone()),
            payload: Some(FHIR_JSON.into()),
            payload_extensions: Some(ElementExtensions {
                extension: vec![Extension {
                    value_code: Some(row.content().code().into()),
                    ..ext("backport-payload-content")
                }],
            }),
            header: Vec::new(),
        },
    })
}

/// Wakes the delivery task after every write that succeeded: whatever it changed is in the
/// database, and its triggers have recorded the events.
pub(crate) async fn wake_after_writes(
    State(state): State<ServerState>,
    request: Request,
    next: Next,
) -> Response {
    let write = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let response = next.run(request).await;
    if write && response.status().is_success() {
        state.events.send_modify(|v| *v = v.wrapping_add(1));
    }
    response
}
