//! Which appointment reminders were shown, and the patient's reminder times.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use hale_domain::Lead;

use crate::{Owner, Store, StoreError};

const REMINDER_LEADS: &str = "reminder_leads";

impl Store {
    /// Records that reminder `key` was shown. Returns `false` if it already was, so two callers
    /// racing to show one reminder cannot both win.
    pub async fn mark_reminder_sent(
        &self,
        owner: Owner<'_>,
        key: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO reminder_sent (hospital, patient_id, key, sent_at) VALUES (?, ?, ?, ?) \
             ON CONFLICT DO NOTHING",
        )
        .bind(owner.hospital)
        .bind(owner.patient_id)
        .bind(key)
        .bind(at)
        .execute(&self.db)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Forgets that reminder `key` was shown, when showing it failed.
    pub async fn unmark_reminder_sent(
        &self,
        owner: Owner<'_>,
        key: &str,
    ) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM reminder_sent WHERE hospital = ? AND patient_id = ? AND key = ?")
            .bind(owner.hospital)
            .bind(owner.patient_id)
            .bind(key)
            .execute(&self.db)
            .await?;
        Ok(())
    }

    /// The keys of the reminders shown since `since`; older records are deleted, since their
    /// appointments are long over.
    pub async fn sent_reminders(
        &self,
        owner: Owner<'_>,
        since: DateTime<Utc>,
    ) -> Result<HashSet<String>, StoreError> {
        sqlx::query(
            "DELETE FROM reminder_sent WHERE hospital = ? AND patient_id = ? AND sent_at < ?",
        )
        .bind(owner.hospital)
        .bind(owner.patient_id)
        .bind(since)
        .execute(&self.db)
        .await?;
        let keys: Vec<String> = sqlx::query_scalar(
            "SELECT key FROM reminder_sent WHERE hospital = ? AND patient_id = ?",
        )
        .bind(owner.hospital)
        .bind(owner.patient_id)
        .fetch_all(&self.db)
        .await?;
        Ok(keys.into_iter().collect())
    }

    /// The patient's chosen reminder leads, or `None` if never chosen (use the default).
    pub async fn reminder_leads(&self) -> Result<Option<Vec<Lead>>, StoreError> {
        let value: Option<String> = sqlx::query_scalar("SELECT value FROM setting WHERE name = ?")
            .bind(REMINDER_LEADS)
            .fetch_optional(&self.db)
            .await?;
        value
            .map(|text| {
                text.split(',')
                    .filter(|t| !t.is_empty())
                    .map(|t| {
                        Lead::from_iso(t)
                            .ok_or_else(|| StoreError::Corrupt(format!("reminder lead '{t}'")))
                    })
                    .collect()
            })
            .transpose()
    }

    /// Saves the patient's chosen reminder leads (already checked by the caller).
    pub async fn set_reminder_leads(&self, leads: &[Lead]) -> Result<(), StoreError> {
        let text: Vec<String> = leads.iter().map(|l| l.to_iso()).collect();
        sqlx::query(
            "INSERT INTO setting (name, value) VALUES (?, ?) \
             ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        )
        .bind(REMINDER_LEADS)
        .bind(text.join(","))
        .execute(&self.db)
        .await?;
        Ok(())
    }
}
