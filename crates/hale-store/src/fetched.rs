//! When each kind of copied record was last fetched in full from the hospital: the "as of" the
//! offline screens show.

use chrono::{DateTime, Utc};
use sqlx::{Sqlite, SqlitePool, Transaction};

use crate::{Owner, StoreError};

/// Records that the patient's `resource` copy was replaced at `at`, inside the replacing
/// transaction so the time and the copy cannot disagree.
pub(crate) async fn mark_fetched(
    tx: &mut Transaction<'_, Sqlite>,
    owner: Owner<'_>,
    resource: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO fetched (hospital, patient_id, resource, fetched_at) VALUES (?, ?, ?, ?) \
         ON CONFLICT (hospital, patient_id, resource) DO UPDATE SET fetched_at = excluded.fetched_at",
    )
    .bind(owner.hospital)
    .bind(owner.patient_id)
    .bind(resource)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// When the patient's `resource` copy was last replaced (`None`: never).
pub(crate) async fn fetched_at(
    db: &SqlitePool,
    owner: Owner<'_>,
    resource: &str,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT fetched_at FROM fetched WHERE hospital = ? AND patient_id = ? AND resource = ?",
    )
    .bind(owner.hospital)
    .bind(owner.patient_id)
    .bind(resource)
    .fetch_optional(db)
    .await?)
}
