//! The delivery task: has the triggers' changes matched to subscriptions ([`super::matching`]),
//! and posts handshakes, events and heartbeats to receivers.
//!
//! It wakes when a write request ends, when monitoring raises an alert, when another instance's
//! trigger announces a change (PostgreSQL), and when a retry or heartbeat falls due. Each
//! subscription is delivered by one task at a time, across instances (a lease in its row), so
//! its events go out in number order; a failed post leaves them in place to be tried again.
//! Notification bodies hold patient data: only subscription ids and HTTP statuses are logged.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use hale_fhir::{Resource, FHIR_JSON};

use super::matching::{match_changes, prune};
use super::notification::{notification, Event, Kind};
use super::schedule::{next_step, retry_after, Step};
use super::store::{self, Row};
use crate::db::Time;
use crate::{FhirError, ServerState};
/// With live subscriptions, a pass at least this often: a change made outside a request (the
/// waitlist's sweep) is delivered without one.
const LIVE_POLL: StdDuration = StdDuration::from_secs(2);
/// Without any, the recorded changes are cleared this often.
const IDLE_POLL: StdDuration = StdDuration::from_secs(60);
/// What the audit log names a delivered notification, beside the routes it names requests by.
pub(crate) const NOTIFICATION_ROUTE: &str = "rest-hook notification";
/// How long a delivery's lease lasts, renewed before each notification: past the longest
/// timeout a subscription may ask for (60 s), so a post in flight never outlives it.
const LEASE: Duration = Duration::seconds(90);

/// Runs until the server stops.
pub(crate) async fn deliver_forever(state: ServerState) {
    let Ok(owner) = crate::random::uuid() else {
        tracing::error!("no randomness for the subscription delivery task");
        return;
    };
    let worker = Worker {
        state: state.clone(),
        client: match reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
        {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(error = %e, "cannot start the subscription delivery task");
                return;
            }
        },
        owner: owner.into(),
        busy: Arc::default(),
    };
    let mut changes = state.events.subscribe();
    let mut alerts = state.alerts.subscribe();
    let mut closing = state.closing.clone();
    let mut pruned: Option<DateTime<Utc>> = None;
    loop {
        let now = Utc::now();
        let wait = match worker.pass(now, &mut pruned).await {
            Ok(wait) => wait,
            Err(e) => {
                tracing::warn!(error = %e, "subscription delivery pass failed; trying again");
                LIVE_POLL
            }
        };
        tokio::select! {
            _ = changes.changed() => {}
            _ = alerts.changed() => {}
            _ = closing.changed() => return,
            _ = tokio::time::sleep(wait) => {}
        }
    }
}

/// A subscription's turn on this instance: whatever ends the task (a panic too), the
/// subscription can be started again.
struct Turn {
    worker: Worker,
    id: String,
}

impl Drop for Turn {
    fn drop(&mut self) {
        if let Ok(mut busy) = self.worker.busy.lock() {
            busy.remove(&self.id);
        }
    }
}

#[derive(Clone)]
struct Worker {
    state: ServerState,
    client: reqwest::Client,
    /// This instance's name in leases.
    owner: Arc<str>,
    /// Subscriptions this instance is delivering now.
    busy: Arc<Mutex<HashSet<String>>>,
}

impl Worker {
    /// Matches new changes, starts what is due, and says how long to sleep.
    async fn pass(
        &self,
        now: DateTime<Utc>,
        pruned: &mut Option<DateTime<Utc>>,
    ) -> Result<StdDuration, FhirError> {
        match_changes(&self.state).await?;
        if pruned.is_none_or(|at| now - at > Duration::minutes(10)) {
            prune(&self.state, now).await?;
            *pruned = Some(now);
        }
        let live = store::live(&self.state.db).await?;
        let mut wake: Option<DateTime<Utc>> = None;
        let mut wake_at = |at: DateTime<Utc>| wake = Some(wake.map_or(at, |w| w.min(at)));
        for row in &live {
            // Another instance is delivering it: look again when its lease runs out.
            if let Some(until) = row.leased_elsewhere(&self.owner, now) {
                wake_at(until);
                continue;
            }
            match next_step(&row.standing(), now) {
                Step::Idle => {}
                Step::WaitUntil(at) => wake_at(at),
                Step::Expire | Step::Handshake | Step::Deliver | Step::Heartbeat => {
                    self.start(row.id.clone());
                }
            }
        }
        let poll = if live.is_empty() {
            IDLE_POLL
        } else {
            LIVE_POLL
        };
        Ok(wake
            .map(|at| (at - now).to_std().unwrap_or_default())
            .map_or(poll, |w| w.min(poll)))
    }

    /// Delivers subscription `id` on its own task, unless this instance already is.
    fn start(&self, id: String) {
        {
            let Ok(mut busy) = self.busy.lock() else {
                return;
            };
            if !busy.insert(id.clone()) {
                return;
            }
        }
        let worker = self.clone();
        tokio::spawn(async move {
            let turn = Turn {
                worker: worker.clone(),
                id: id.clone(),
            };
            let worked = match worker.serve(&id).await {
                Ok(worked) => worked,
                Err(e) => {
                    // A lasting fault (an unreadable resource) is a failed attempt: it waits
                    // its turn like a receiver that is down, rather than spinning.
                    tracing::warn!(subscription = %id, error = %e, "subscription delivery failed");
                    let _ = worker
                        .failed(&id, "the server could not prepare the notification")
                        .await;
                    false
                }
            };
            worker.release(&id).await;
            drop(turn);
            // Events matched while this ran are looked at again.
            if worked {
                worker.state.events.send_modify(|v| *v = v.wrapping_add(1));
            }
        });
    }

    /// Does what subscription `id` needs until it needs nothing now, holding its lease; whether
    /// it sent anything.
    async fn serve(&self, id: &str) -> Result<bool, FhirError> {
        let db = &self.state.db;
        let mut worked = false;
        loop {
            if *self.state.closing.borrow() {
                break;
            }
            let now = Utc::now();
            // The lease before the row: a row read before it could be another instance's
            // last view, and send what that instance has just sent.
            if !self.lease(id, now, now + LEASE).await? {
                break;
            }
            // Gone, or its system may no longer hear of it: nothing more is sent.
            let Some(row) = store::load(db, id).await?.filter(Row::may_hear) else {
                break;
            };
            let step = next_step(&row.standing(), now);
            // The events a notification discloses, for the audit log.
            let mut pending = Vec::new();
            let sent = match step {
                Step::Idle | Step::WaitUntil(_) => break,
                Step::Expire => {
                    sqlx::query(
                        "UPDATE subscription SET status = 'off' WHERE id = $1 AND lease_owner = $2",
                    )
                    .bind(id)
                    .bind(&*self.owner)
                    .execute(db)
                    .await?;
                    break;
                }
                // No event taken: `delivered_through` stays as it is.
                Step::Handshake => self
                    .send(&row, Kind::Handshake, Vec::new())
                    .await?
                    .map(|()| 0),
                Step::Heartbeat => self
                    .send(&row, Kind::Heartbeat, Vec::new())
                    .await?
                    .map(|()| 0),
                Step::Deliver => {
                    pending = store::events(
                        db,
                        id,
                        row.delivered_through + 1,
                        row.events_since_start,
                        row.max_count,
                    )
                    .await?;
                    if pending.is_empty() {
                        // All pruned before they could be taken: the receiver sees the gap.
                        sqlx::query(
                            "UPDATE subscription SET delivered_through = $2 \
                             WHERE id = $1 AND lease_owner = $3",
                        )
                        .bind(id)
                        .bind(row.events_since_start)
                        .bind(&*self.owner)
                        .execute(db)
                        .await?;
                        continue;
                    }
                    let through = pending.last().map_or(row.events_since_start, |e| e.number);
                    let events =
                        super::resource::events_with(&self.state, row.content(), &pending).await?;
                    self.send(&row, Kind::EventNotification, events)
                        .await?
                        .map(|()| through)
                }
            };
            match sent {
                Ok(last) => {
                    worked = true;
                    let taken = sqlx::query(
                        "UPDATE subscription SET status = 'active', error = NULL, failures = 0, \
                         next_attempt_at = NULL, last_sent_at = $2, handshake_done = 1, \
                         delivered_through = CASE WHEN $3 > delivered_through THEN $3 \
                         ELSE delivered_through END WHERE id = $1 AND lease_owner = $4",
                    )
                    .bind(id)
                    .bind(Time(Utc::now()))
                    .bind(last)
                    .bind(&*self.owner)
                    .execute(db)
                    .await?;
                    if taken.rows_affected() == 0 {
                        // Deleted meanwhile, or the lease lapsed: whoever holds it goes on.
                        break;
                    }
                    audit_disclosed(&self.state, &row.device_id, NOTIFICATION_ROUTE, &pending)
                        .await;
                }
                Err(why) => {
                    tracing::info!(subscription = %id, "a notification was not accepted");
                    self.failed(id, &why).await?;
                    break;
                }
            }
        }
        Ok(worked)
    }

    /// Records a failed attempt: the subscription is in error, and waits its doubling turn.
    async fn failed(&self, id: &str, why: &str) -> Result<(), FhirError> {
        let now = Utc::now();
        let failures: Option<(i64,)> = sqlx::query_as(
            "UPDATE subscription SET status = 'error', error = $2, failures = failures + 1 \
             WHERE id = $1 AND lease_owner = $3 RETURNING failures",
        )
        .bind(id)
        .bind(why)
        .bind(&*self.owner)
        .fetch_optional(&self.state.db)
        .await?;
        if let Some((failures,)) = failures {
            sqlx::query("UPDATE subscription SET next_attempt_at = $2 WHERE id = $1")
                .bind(id)
                .bind(Time(now + retry_after(failures)))
                .execute(&self.state.db)
                .await?;
        }
        Ok(())
    }

    /// Gives up the lease on `id`, if this instance holds it.
    async fn release(&self, id: &str) {
        let released = sqlx::query(
            "UPDATE subscription SET lease_owner = NULL, lease_until = NULL \
             WHERE id = $1 AND lease_owner = $2",
        )
        .bind(id)
        .bind(&*self.owner)
        .execute(&self.state.db)
        .await;
        if let Err(e) = released {
            // It lapses by itself.
            tracing::warn!(subscription = %id, error = %e, "a subscription's lease was kept");
        }
    }

    /// Takes or renews the lease on subscription `id` until `until`; false if another instance
    /// holds it.
    async fn lease(
        &self,
        id: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, FhirError> {
        let taken = sqlx::query(
            "UPDATE subscription SET lease_owner = $2, lease_until = $3 WHERE id = $1 \
             AND (lease_owner IS NULL OR lease_owner = $2 OR lease_until < $4)",
        )
        .bind(id)
        .bind(&*self.owner)
        .bind(Time(until))
        .bind(Time(now))
        .execute(&self.state.db)
        .await?;
        Ok(taken.rows_affected() == 1)
    }

    /// Posts one notification; `Ok(Err(why))` if the receiver did not take it.
    async fn send(
        &self,
        row: &Row,
        kind: Kind,
        events: Vec<Event>,
    ) -> Result<Result<(), String>, FhirError> {
        let bundle = notification(
            &row.notification_status()?,
            kind,
            events,
            row.content(),
            &crate::random::uuid()?,
            Utc::now(),
        );
        let body = serde_json::to_vec(&Resource::Bundle(bundle))
            .map_err(|e| FhirError::Internal(e.to_string()))?;
        let timeout = StdDuration::from_secs(row.timeout_seconds.max(1) as u64);
        let mut request = self
            .client
            .post(&row.endpoint)
            .timeout(timeout)
            .header(reqwest::header::CONTENT_TYPE, FHIR_JSON)
            .body(body);
        for (name, value) in row.headers() {
            request = request.header(name, value);
        }
        Ok(match request.send().await {
            Ok(answer) if answer.status().is_success() => Ok(()),
            Ok(answer) => Err(format!(
                "the endpoint answered {}",
                answer.status().as_u16()
            )),
            Err(e) if e.is_timeout() => Err(format!(
                "the endpoint did not answer within {} s",
                timeout.as_secs()
            )),
            Err(_) => Err("the endpoint could not be reached".into()),
        })
    }
}

/// Writes to the audit log that `device` was told of `events`, once per patient they name.
pub(crate) async fn audit_disclosed(
    state: &ServerState,
    device: &str,
    route: &str,
    events: &[store::EventRow],
) {
    let mut told: Vec<&str> = Vec::new();
    for event in events {
        if !told.contains(&event.patient_id.as_str()) {
            told.push(&event.patient_id);
        }
    }
    for patient in told {
        crate::auth::write_audit(
            state,
            crate::auth::AuditRow {
                actor_kind: "device",
                actor_id: device,
                patient: Some(patient),
                action: "R",
                route,
                status: 200,
                reason: None,
            },
        )
        .await;
    }
}
