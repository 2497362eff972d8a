//! Subscriptions and their numbered events as the database keeps them.

use chrono::{DateTime, Utc};
use hale_fhir::SubscriptionStatus;
use sqlx::AnyPool;

use super::notification::{Action, Event, Status};
use super::request::{Content, Wanted};
use super::schedule::Standing;
use super::topic::{Filter, Topic};
use crate::db::Time;
use crate::FhirError;

/// A subscription with what its device may now hear: a revoked registration or a narrowed
/// scope stops its notifications at once.
const SELECT: &str = "SELECT s.id, s.device_id, s.base, s.topic, s.filter, s.endpoint, s.headers, \
    s.content, s.heartbeat_seconds, s.timeout_seconds, s.max_count, s.end_at, s.reason, s.status, \
    s.error, s.handshake_done, s.events_since_start, s.delivered_through, s.failures, \
    s.next_attempt_at, s.last_sent_at, s.created_at, s.lease_owner, s.lease_until, \
    d.scope AS device_scope, \
    CASE WHEN d.revoked_at IS NULL THEN 1 ELSE 0 END AS device_current \
    FROM subscription s JOIN device d ON d.id = s.device_id";

#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct Row {
    pub(crate) id: String,
    pub(crate) device_id: String,
    pub(crate) base: String,
    pub(crate) topic: String,
    pub(crate) filter: String,
    pub(crate) endpoint: String,
    pub(crate) headers: String,
    pub(crate) content: String,
    pub(crate) heartbeat_seconds: Option<i64>,
    pub(crate) timeout_seconds: i64,
    pub(crate) max_count: i64,
    pub(crate) end_at: Option<Time>,
    pub(crate) reason: String,
    pub(crate) status: String,
    pub(crate) error: Option<String>,
    pub(crate) handshake_done: i64,
    pub(crate) events_since_start: i64,
    pub(crate) delivered_through: i64,
    pub(crate) failures: i64,
    pub(crate) next_attempt_at: Option<Time>,
    pub(crate) last_sent_at: Option<Time>,
    pub(crate) created_at: Time,
    pub(crate) lease_owner: Option<String>,
    pub(crate) lease_until: Option<Time>,
    pub(crate) device_scope: String,
    pub(crate) device_current: i64,
}

impl Row {
    pub(crate) fn topic(&self) -> Result<Topic, FhirError> {
        Topic::from_key(&self.topic)
            .ok_or_else(|| FhirError::Internal(format!("unknown topic {}", self.topic)))
    }

    pub(crate) fn filter(&self) -> Result<Filter, FhirError> {
        Filter::parse(self.topic()?, &[self.filter.as_str()]).map_err(FhirError::Internal)
    }

    /// Whether the subscribing system may still hear of this topic: its registration stands
    /// and still holds the topic's read scope.
    pub(crate) fn may_hear(&self) -> bool {
        self.device_current == 1
            && self.topic().is_ok_and(|t| {
                hale_fhir::smart::Scopes::parse(&self.device_scope).allows(&t.read_scope())
            })
    }

    /// Until when another instance (not `owner`) is delivering it, if one is.
    pub(crate) fn leased_elsewhere(
        &self,
        owner: &str,
        now: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        match (&self.lease_owner, self.lease_until) {
            (Some(other), Some(until)) if other != owner && until.0 > now => Some(until.0),
            _ => None,
        }
    }

    pub(crate) fn content(&self) -> Content {
        Content::from_code(&self.content).unwrap_or(Content::IdOnly)
    }

    pub(crate) fn status(&self) -> SubscriptionStatus {
        SubscriptionStatus::from_code(&self.status).unwrap_or(SubscriptionStatus::Error)
    }

    pub(crate) fn headers(&self) -> Vec<(String, String)> {
        serde_json::from_str(&self.headers).unwrap_or_default()
    }

    pub(crate) fn standing(&self) -> Standing {
        Standing {
            status: self.status(),
            handshake_done: self.handshake_done != 0,
            events_since_start: self.events_since_start,
            delivered_through: self.delivered_through,
            failures: self.failures,
            next_attempt_at: self.next_attempt_at.map(|t| t.0),
            last_sent_at: self.last_sent_at.map(|t| t.0),
            created_at: self.created_at.0,
            heartbeat_seconds: self.heartbeat_seconds,
            end: self.end_at.map(|t| t.0),
        }
    }

    pub(crate) fn notification_status(&self) -> Result<Status, FhirError> {
        Ok(Status {
            id: self.id.clone(),
            base: self.base.clone(),
            topic: self.topic()?,
            status: self.status(),
            events_since_start: self.events_since_start,
        })
    }
}

/// Records a new subscription, `requested` until its receiver answers the handshake.
pub(crate) async fn insert(
    db: &mut sqlx::AnyConnection,
    id: &str,
    device: &str,
    base: &str,
    w: &Wanted,
    now: DateTime<Utc>,
) -> Result<(), FhirError> {
    let headers =
        serde_json::to_string(&w.headers).map_err(|e| FhirError::Internal(e.to_string()))?;
    sqlx::query(
        "INSERT INTO subscription (id, device_id, base, topic, filter, endpoint, headers, content, \
         heartbeat_seconds, timeout_seconds, max_count, end_at, reason, status, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'requested', $14)",
    )
    .bind(id)
    .bind(device)
    .bind(base)
    .bind(w.topic.key())
    .bind(w.filter.stored(w.topic))
    .bind(&w.endpoint)
    .bind(headers)
    .bind(w.content.code())
    .bind(w.heartbeat.map(|h| h as i64))
    .bind(w.timeout as i64)
    .bind(w.max_count as i64)
    .bind(w.end.map(Time))
    .bind(&w.reason)
    .bind(Time(now))
    .execute(&mut *db)
    .await?;
    Ok(())
}

/// Subscription `id`, if it exists.
pub(crate) async fn load<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    id: &str,
) -> Result<Option<Row>, FhirError> {
    Ok(sqlx::query_as(&format!("{SELECT} WHERE s.id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await?)
}

/// Subscription `id` if `device` made it: another device's is "not found".
pub(crate) async fn owned(db: &AnyPool, device: &str, id: &str) -> Result<Row, FhirError> {
    match load(db, id).await? {
        Some(row) if row.device_id == device => Ok(row),
        _ => Err(FhirError::NotFound),
    }
}

/// Every subscription not turned off whose system may still hear of it.
pub(crate) async fn live(db: &AnyPool) -> Result<Vec<Row>, FhirError> {
    let rows: Vec<Row> = sqlx::query_as(&format!("{SELECT} WHERE s.status <> 'off'"))
        .fetch_all(db)
        .await?;
    Ok(rows.into_iter().filter(Row::may_hear).collect())
}

/// How many subscriptions `device` has that are not off.
pub(crate) async fn count_live<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    device: &str,
) -> Result<i64, FhirError> {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM subscription WHERE device_id = $1 AND status <> 'off'",
    )
    .bind(device)
    .fetch_one(db)
    .await?;
    Ok(n)
}

/// Removes a subscription and its events.
pub(crate) async fn delete(db: &AnyPool, id: &str) -> Result<(), FhirError> {
    let mut tx = crate::db::begin_write(db).await?;
    // Its row first: the matcher numbers events under that row's lock, so none is added
    // between the two deletes.
    sqlx::query("UPDATE subscription SET status = 'off' WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM subscription_event WHERE subscription_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM subscription WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// A stored event of one subscription, without its resource.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct EventRow {
    pub(crate) number: i64,
    pub(crate) resource_type: String,
    pub(crate) resource_id: String,
    pub(crate) patient_id: String,
    pub(crate) action: String,
    pub(crate) occurred_at: Time,
}

impl EventRow {
    pub(crate) fn event(&self) -> Event {
        Event {
            number: self.number,
            at: self.occurred_at.0,
            resource_type: self.resource_type.clone(),
            resource_id: self.resource_id.clone(),
            action: if self.action == "update" {
                Action::Update
            } else {
                Action::Create
            },
            resource: None,
        }
    }
}

/// Events `from..=to` of subscription `id` still kept, oldest first, at most `limit`.
pub(crate) async fn events(
    db: &AnyPool,
    id: &str,
    from: i64,
    to: i64,
    limit: i64,
) -> Result<Vec<EventRow>, FhirError> {
    Ok(sqlx::query_as(
        "SELECT number, resource_type, resource_id, patient_id, action, occurred_at \
         FROM subscription_event WHERE subscription_id = $1 AND number >= $2 AND number <= $3 \
         ORDER BY number LIMIT $4",
    )
    .bind(id)
    .bind(from)
    .bind(to)
    .bind(limit)
    .fetch_all(db)
    .await?)
}
