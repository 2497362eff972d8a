//! The copy of each past visit's summary, read from the hospital when the patient opens it and
//! shown from here when the hospital cannot be asked.

use chrono::{DateTime, Utc};
use hale_domain::visit_summary::VisitSummary;

use crate::{Owner, Store, StoreError};

impl Store {
    /// Keeps `summary` as the copy of `appointment_id`'s visit, read at `now`.
    pub async fn save_visit_summary(
        &self,
        owner: Owner<'_>,
        appointment_id: &str,
        summary: &VisitSummary,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let json =
            serde_json::to_string(summary).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        sqlx::query(
            "INSERT INTO visit_summary (hospital, patient_id, appointment_id, summary, fetched_at) \
             VALUES (?, ?, ?, ?, ?) ON CONFLICT (hospital, patient_id, appointment_id) \
             DO UPDATE SET summary = excluded.summary, fetched_at = excluded.fetched_at",
        )
        .bind(owner.hospital)
        .bind(owner.patient_id)
        .bind(appointment_id)
        .bind(json)
        .bind(now)
        .execute(&self.db)
        .await?;
        Ok(())
    }

    /// The saved summary of `appointment_id`'s visit and when it was read, if there is one.
    pub async fn visit_summary(
        &self,
        owner: Owner<'_>,
        appointment_id: &str,
    ) -> Result<Option<(VisitSummary, DateTime<Utc>)>, StoreError> {
        let row: Option<(String, DateTime<Utc>)> = sqlx::query_as(
            "SELECT summary, fetched_at FROM visit_summary \
             WHERE hospital = ? AND patient_id = ? AND appointment_id = ?",
        )
        .bind(owner.hospital)
        .bind(owner.patient_id)
        .bind(appointment_id)
        .fetch_optional(&self.db)
        .await?;
        row.map(|(json, at)| {
            serde_json::from_str(&json)
                .map(|s| (s, at))
                .map_err(|e| StoreError::Corrupt(format!("a saved visit summary: {e}")))
        })
        .transpose()
    }
}
