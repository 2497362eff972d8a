//! Matching: the changes the triggers recorded (`resource_event`) become each matching
//! subscription's numbered events (`subscription_event`), and old events are forgotten.

use chrono::{DateTime, Utc};

use super::store;
use super::topic::{Happened, Topic};
use crate::db::{Backend, Time};
use crate::{FhirError, ServerState};

/// Changes matched per transaction.
const MATCH_BATCH: i64 = 500;
/// Events are kept this long: for `$events`, and for a receiver that is down.
pub(crate) const KEPT: chrono::Duration = chrono::Duration::days(7);

#[derive(sqlx::FromRow)]
struct Change {
    seq: i64,
    topic: String,
    resource_type: String,
    resource_id: String,
    patient_id: String,
    status: Option<String>,
    action: String,
    occurred_at: Time,
}

/// Moves the recorded changes into each matching subscription's numbered events, oldest first.
/// A batch is taken by deleting it (`DELETE … RETURNING`), so two instances never take the same
/// change; each subscription's numbers come from one `UPDATE` of its row, which PostgreSQL
/// locks until commit, so they never overlap either.
pub(crate) async fn match_changes(state: &ServerState) -> Result<(), FhirError> {
    loop {
        // A plain read first: most wakes find nothing, and take no write lock for it.
        let waiting: Option<(i64,)> = sqlx::query_as("SELECT seq FROM resource_event LIMIT 1")
            .fetch_optional(&state.db)
            .await?;
        if waiting.is_none() {
            return Ok(());
        }
        // Read before the write lock (a second connection while SQLite's is held could wait
        // on writers that wait on it). One made after this read hears only of later changes;
        // one deleted meanwhile is skipped when numbered.
        let live = store::live(&state.db).await?;
        // SQLite needs its write lock taken first (see `db::begin_write`); PostgreSQL needs no
        // advisory lock here, and taking it would queue every reading behind this batch.
        let mut tx = match Backend::of(&state.db) {
            Backend::Sqlite => crate::db::begin_write(&state.db).await?,
            Backend::Postgres => state.db.begin().await?,
        };
        let mut changes: Vec<Change> = sqlx::query_as(
            "DELETE FROM resource_event WHERE seq IN \
             (SELECT seq FROM resource_event ORDER BY seq LIMIT $1) \
             RETURNING seq, topic, resource_type, resource_id, patient_id, status, action, occurred_at",
        )
        .bind(MATCH_BATCH)
        .fetch_all(&mut *tx)
        .await?;
        if changes.is_empty() {
            tx.commit().await?;
            return Ok(());
        }
        changes.sort_by_key(|c| c.seq);
        for row in &live {
            let (Ok(topic), Ok(filter)) = (row.topic(), row.filter()) else {
                tracing::warn!(subscription = %row.id, "a subscription cannot be read");
                continue;
            };
            let matched: Vec<&Change> = changes
                .iter()
                .filter(|c| {
                    let happened = Topic::from_key(&c.topic).map(|t| Happened {
                        topic: t,
                        patient: &c.patient_id,
                        status: c.status.as_deref(),
                    });
                    // A subscription hears of what happens from its making on.
                    c.occurred_at >= row.created_at
                        && happened.is_some_and(|h| filter.admits(topic, &h))
                })
                .collect();
            if !matched.is_empty() {
                number(&mut tx, &row.id, &matched).await?;
            }
        }
        tx.commit().await?;
        if (changes.len() as i64) < MATCH_BATCH {
            return Ok(());
        }
    }
}

/// Gives `matched` the next numbers of subscription `id`, in their order.
async fn number(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    id: &str,
    matched: &[&Change],
) -> Result<(), FhirError> {
    let count = matched.len() as i64;
    let numbered: Option<(i64,)> = sqlx::query_as(
        "UPDATE subscription SET events_since_start = events_since_start + $2 \
         WHERE id = $1 AND status <> 'off' RETURNING events_since_start",
    )
    .bind(id)
    .bind(count)
    .fetch_optional(&mut **tx)
    .await?;
    // Deleted or turned off since it was read: it hears nothing more.
    let Some((last,)) = numbered else {
        return Ok(());
    };
    let first = last - count + 1;
    // One statement for the batch: seven values a row stays far below either database's limit.
    let mut sql = String::from(
        "INSERT INTO subscription_event (subscription_id, number, resource_type, resource_id, \
         patient_id, action, occurred_at) VALUES ",
    );
    for i in 0..matched.len() {
        let b = i * 7;
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&format!(
            "(${}, ${}, ${}, ${}, ${}, ${}, ${})",
            b + 1,
            b + 2,
            b + 3,
            b + 4,
            b + 5,
            b + 6,
            b + 7
        ));
    }
    let mut insert = sqlx::query(&sql);
    for (n, change) in (first..).zip(matched) {
        insert = insert
            .bind(id)
            .bind(n)
            .bind(&change.resource_type)
            .bind(&change.resource_id)
            .bind(&change.patient_id)
            .bind(&change.action)
            .bind(change.occurred_at);
    }
    insert.execute(&mut **tx).await?;
    Ok(())
}

/// Forgets events older than [`KEPT`], delivered or not: a receiver away longer finds the gap
/// in the event numbers.
pub(crate) async fn prune(state: &ServerState, now: DateTime<Utc>) -> Result<(), FhirError> {
    sqlx::query("DELETE FROM subscription_event WHERE occurred_at < $1")
        .bind(Time(now - KEPT))
        .execute(&state.db)
        .await?;
    Ok(())
}
