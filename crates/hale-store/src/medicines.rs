//! The patient's medicines, their dose records (with the outbox of records the hospital has not
//! confirmed), snoozes and supply counts.
//!
//! A dose record is written once per medicine and slot (the primary key), so a double tap, a
//! retried command or a reminder racing the screen cannot log one dose twice. Records are sent to
//! the hospital from the outbox and marked synced only after the hospital confirmed them, so a
//! crash between the two sends a record again, which the hospital de-duplicates on its identifier.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use hale_domain::medication::{DoseRecord, Medicine, Outcome, SkipReason, Source};

use crate::fetched::{fetched_at, mark_fetched};
use crate::{Cached, Owner, Store, StoreError};

const PRESCRIPTIONS: &str = "MedicationRequest";

type DoseRow = (
    String,
    String,
    Option<DateTime<Utc>>,
    String,
    Option<f64>,
    Option<String>,
    DateTime<Utc>,
);

const DOSE_COLUMNS: &str = "medicine_id, slot, due_at, outcome, amount, reason, at";

fn dose_from_row(
    (medicine_id, slot, due, outcome, amount, reason, at): DoseRow,
) -> Result<DoseRecord, StoreError> {
    let outcome = match outcome.as_str() {
        "taken" => Outcome::Taken { amount },
        "skipped" => Outcome::Skipped {
            reason: reason
                .as_deref()
                .and_then(SkipReason::from_code)
                .unwrap_or(SkipReason::Other),
        },
        other => return Err(StoreError::Corrupt(format!("dose outcome '{other}'"))),
    };
    Ok(DoseRecord {
        medicine_id,
        slot,
        due,
        outcome,
        at,
    })
}

fn source_code(source: Source) -> &'static str {
    match source {
        Source::Prescription => "prescription",
        Source::Own => "own",
    }
}

impl Store {
    /// Replaces the copy of the patient's prescriptions; their own medicines stay.
    pub async fn replace_prescriptions(
        &self,
        owner: Owner<'_>,
        prescriptions: &[Medicine],
        fetched_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        sqlx::query(
            "DELETE FROM medicine WHERE hospital = ? AND patient_id = ? AND source = 'prescription'",
        )
        .bind(owner.hospital)
        .bind(owner.patient_id)
        .execute(&mut *tx)
        .await?;
        for m in prescriptions {
            insert_medicine(&mut tx, owner, m).await?;
        }
        mark_fetched(&mut tx, owner, PRESCRIPTIONS, fetched_at).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Saves (or replaces) a medicine the patient added.
    pub async fn save_own_medicine(
        &self,
        owner: Owner<'_>,
        medicine: &Medicine,
    ) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        insert_medicine(&mut tx, owner, medicine).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every medicine on the patient's list, by name, with when prescriptions were last fetched.
    pub async fn medicines(&self, owner: Owner<'_>) -> Result<Cached<Vec<Medicine>>, StoreError> {
        let bodies: Vec<String> = sqlx::query_scalar(
            "SELECT body FROM medicine WHERE hospital = ? AND patient_id = ? ORDER BY id",
        )
        .bind(owner.hospital)
        .bind(owner.patient_id)
        .fetch_all(&self.db)
        .await?;
        let mut records = bodies
            .iter()
            .map(|b| {
                serde_json::from_str::<Medicine>(b)
                    .map_err(|e| StoreError::Corrupt(format!("medicine: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        records.sort_by_key(|m| m.name.to_lowercase());
        let fetched_at = fetched_at(&self.db, owner, PRESCRIPTIONS).await?;
        Ok(Cached {
            records,
            fetched_at,
        })
    }

    /// Logs a dose. Returns `false`, changing nothing, if that dose was already logged.
    pub async fn log_dose(
        &self,
        owner: Owner<'_>,
        record: &DoseRecord,
        recorded_at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.db.begin().await?;
        let added = insert_dose(&mut tx, owner, record, recorded_at, None).await?;
        tx.commit().await?;
        Ok(added)
    }

    /// Adds records the hospital already holds (e.g. logged on another device, or before a
    /// reinstall) as synced. A dose already logged here keeps the local record.
    pub async fn import_doses(
        &self,
        owner: Owner<'_>,
        records: &[DoseRecord],
        synced_at: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        let mut tx = self.db.begin().await?;
        let mut added = 0;
        for record in records {
            added +=
                usize::from(insert_dose(&mut tx, owner, record, synced_at, Some(synced_at)).await?);
        }
        tx.commit().await?;
        Ok(added)
    }

    /// The dose records taken, skipped or due since `since`, oldest first.
    pub async fn dose_records(
        &self,
        owner: Owner<'_>,
        since: DateTime<Utc>,
    ) -> Result<Vec<DoseRecord>, StoreError> {
        let rows: Vec<DoseRow> = sqlx::query_as(&format!(
            "SELECT {DOSE_COLUMNS} FROM dose_record WHERE hospital = ? AND patient_id = ? \
             AND (at >= ? OR due_at >= ?) ORDER BY at, medicine_id, slot"
        ))
        .bind(owner.hospital)
        .bind(owner.patient_id)
        .bind(since)
        .bind(since)
        .fetch_all(&self.db)
        .await?;
        rows.into_iter().map(dose_from_row).collect()
    }

    /// Up to `limit` records the hospital has not confirmed and that were recorded by
    /// `recorded_by` (later ones can still be undone, so they are not sent yet), oldest first.
    pub async fn unsynced_doses(
        &self,
        owner: Owner<'_>,
        limit: u32,
        recorded_by: DateTime<Utc>,
    ) -> Result<Vec<DoseRecord>, StoreError> {
        let rows: Vec<DoseRow> = sqlx::query_as(&format!(
            "SELECT {DOSE_COLUMNS} FROM dose_record WHERE hospital = ? AND patient_id = ? \
             AND synced_at IS NULL AND recorded_at <= ? \
             ORDER BY recorded_at, medicine_id, slot LIMIT ?"
        ))
        .bind(owner.hospital)
        .bind(owner.patient_id)
        .bind(recorded_by)
        .bind(limit)
        .fetch_all(&self.db)
        .await?;
        rows.into_iter().map(dose_from_row).collect()
    }

    /// When the earliest unsent record recorded after `recorded_after` was recorded: the
    /// outbox's next record to become final.
    pub async fn first_held_dose(
        &self,
        owner: Owner<'_>,
        recorded_after: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        let first: Option<DateTime<Utc>> = sqlx::query_scalar(
            "SELECT MIN(recorded_at) FROM dose_record WHERE hospital = ? AND patient_id = ? \
             AND synced_at IS NULL AND recorded_at > ?",
        )
        .bind(owner.hospital)
        .bind(owner.patient_id)
        .bind(recorded_after)
        .fetch_one(&self.db)
        .await?;
        Ok(first)
    }

    /// Takes back a record not yet sent and recorded after `recorded_after`. Returns `false`,
    /// changing nothing, when there is none (sent already, too old, or never logged).
    pub async fn undo_dose(
        &self,
        owner: Owner<'_>,
        medicine_id: &str,
        slot: &str,
        recorded_after: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "DELETE FROM dose_record WHERE hospital = ? AND patient_id = ? AND medicine_id = ? \
             AND slot = ? AND synced_at IS NULL AND recorded_at > ?",
        )
        .bind(owner.hospital)
        .bind(owner.patient_id)
        .bind(medicine_id)
        .bind(slot)
        .bind(recorded_after)
        .execute(&self.db)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// How many records wait for the hospital.
    pub async fn unsynced_count(&self, owner: Owner<'_>) -> Result<u32, StoreError> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM dose_record WHERE hospital = ? AND patient_id = ? AND synced_at IS NULL",
        )
        .bind(owner.hospital)
        .bind(owner.patient_id)
        .fetch_one(&self.db)
        .await?;
        Ok(n as u32)
    }

    /// Marks records the hospital confirmed, in one transaction.
    pub async fn mark_doses_synced(
        &self,
        owner: Owner<'_>,
        records: &[DoseRecord],
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        for r in records {
            sqlx::query(
                "UPDATE dose_record SET synced_at = ? WHERE hospital = ? AND patient_id = ? \
                 AND medicine_id = ? AND slot = ?",
            )
            .bind(at)
            .bind(owner.hospital)
            .bind(owner.patient_id)
            .bind(&r.medicine_id)
            .bind(&r.slot)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Asks to be reminded of a due dose again at `until`.
    pub async fn snooze_dose(
        &self,
        owner: Owner<'_>,
        medicine_id: &str,
        slot: &str,
        until: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO dose_snooze (hospital, patient_id, medicine_id, slot, until) \
             VALUES (?, ?, ?, ?, ?) ON CONFLICT (hospital, patient_id, medicine_id, slot) \
             DO UPDATE SET until = excluded.until",
        )
        .bind(owner.hospital)
        .bind(owner.patient_id)
        .bind(medicine_id)
        .bind(slot)
        .bind(until)
        .execute(&self.db)
        .await?;
        Ok(())
    }

    /// Snoozes by dose key (`{medicine}@{slot}`), dropping those older than `since`.
    pub async fn dose_snoozes(
        &self,
        owner: Owner<'_>,
        since: DateTime<Utc>,
    ) -> Result<HashMap<String, DateTime<Utc>>, StoreError> {
        sqlx::query("DELETE FROM dose_snooze WHERE hospital = ? AND patient_id = ? AND until < ?")
            .bind(owner.hospital)
            .bind(owner.patient_id)
            .bind(since)
            .execute(&self.db)
            .await?;
        let rows: Vec<(String, String, DateTime<Utc>)> = sqlx::query_as(
            "SELECT medicine_id, slot, until FROM dose_snooze WHERE hospital = ? AND patient_id = ?",
        )
        .bind(owner.hospital)
        .bind(owner.patient_id)
        .fetch_all(&self.db)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(m, s, until)| (format!("{m}@{s}"), until))
            .collect())
    }

    /// Records that the patient counted `amount` of a medicine at `at`.
    pub async fn set_supply(
        &self,
        owner: Owner<'_>,
        medicine_id: &str,
        amount: f64,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO medicine_supply (hospital, patient_id, medicine_id, amount, counted_at) \
             VALUES (?, ?, ?, ?, ?) ON CONFLICT (hospital, patient_id, medicine_id) \
             DO UPDATE SET amount = excluded.amount, counted_at = excluded.counted_at",
        )
        .bind(owner.hospital)
        .bind(owner.patient_id)
        .bind(medicine_id)
        .bind(amount)
        .bind(at)
        .execute(&self.db)
        .await?;
        Ok(())
    }

    /// Supply counts by medicine: (amount, when counted).
    pub async fn supplies(
        &self,
        owner: Owner<'_>,
    ) -> Result<HashMap<String, (f64, DateTime<Utc>)>, StoreError> {
        let rows: Vec<(String, f64, DateTime<Utc>)> = sqlx::query_as(
            "SELECT medicine_id, amount, counted_at FROM medicine_supply \
             WHERE hospital = ? AND patient_id = ?",
        )
        .bind(owner.hospital)
        .bind(owner.patient_id)
        .fetch_all(&self.db)
        .await?;
        Ok(rows.into_iter().map(|(m, a, t)| (m, (a, t))).collect())
    }
}

/// Inserts a dose record unless that dose is already recorded; returns whether it was added.
async fn insert_dose(
    tx: &mut sqlx::SqliteConnection,
    owner: Owner<'_>,
    record: &DoseRecord,
    recorded_at: DateTime<Utc>,
    synced_at: Option<DateTime<Utc>>,
) -> Result<bool, StoreError> {
    let (outcome, amount, reason) = match record.outcome {
        Outcome::Taken { amount } => ("taken", amount, None),
        Outcome::Skipped { reason } => ("skipped", None, Some(reason.code())),
    };
    let done = sqlx::query(
        "INSERT INTO dose_record (hospital, patient_id, medicine_id, slot, due_at, outcome, \
         amount, reason, at, recorded_at, synced_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
         ON CONFLICT DO NOTHING",
    )
    .bind(owner.hospital)
    .bind(owner.patient_id)
    .bind(&record.medicine_id)
    .bind(&record.slot)
    .bind(record.due)
    .bind(outcome)
    .bind(amount)
    .bind(reason)
    .bind(record.at)
    .bind(recorded_at)
    .bind(synced_at)
    .execute(tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

async fn insert_medicine(
    tx: &mut sqlx::SqliteConnection,
    owner: Owner<'_>,
    m: &Medicine,
) -> Result<(), StoreError> {
    let body = serde_json::to_string(m).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    sqlx::query(
        "INSERT INTO medicine (hospital, patient_id, id, source, body) VALUES (?, ?, ?, ?, ?) \
         ON CONFLICT (hospital, patient_id, id) DO UPDATE SET source = excluded.source, body = excluded.body",
    )
    .bind(owner.hospital)
    .bind(owner.patient_id)
    .bind(&m.id)
    .bind(source_code(m.source))
    .bind(body)
    .execute(tx)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    const ALEX: Owner<'static> = Owner {
        hospital: "http://h/fhir",
        patient_id: "pt-1",
    };

    fn medicine(id: &str, name: &str, source: Source) -> Medicine {
        Medicine {
            id: id.into(),
            name: name.into(),
            instructions: None,
            source,
            steps: Vec::new(),
            as_needed: None,
            unit: Some("tablet".into()),
            active: true,
        }
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 2, 9, 0, 0).unwrap()
    }

    fn taken(medicine: &str, slot: &str) -> DoseRecord {
        DoseRecord {
            medicine_id: medicine.into(),
            slot: slot.into(),
            due: Some(now() - Duration::hours(1)),
            outcome: Outcome::Taken { amount: Some(1.0) },
            at: now(),
        }
    }

    #[tokio::test]
    async fn a_refresh_replaces_prescriptions_and_keeps_own_medicines() {
        let store = Store::open_in_memory().await.unwrap();
        let own = medicine("own:1", "vitamin D", Source::Own);
        store.save_own_medicine(ALEX, &own).await.unwrap();
        let old = medicine("rx:1", "Metformin", Source::Prescription);
        store
            .replace_prescriptions(ALEX, &[old], now())
            .await
            .unwrap();
        let new = medicine("rx:2", "Atorvastatin", Source::Prescription);
        store
            .replace_prescriptions(ALEX, std::slice::from_ref(&new), now())
            .await
            .unwrap();
        let list = store.medicines(ALEX).await.unwrap();
        assert_eq!(
            list.records,
            vec![new, own],
            "sorted by name, case-insensitively"
        );
        assert_eq!(list.fetched_at, Some(now()));
    }

    #[tokio::test]
    async fn a_dose_is_logged_once_and_leaves_the_outbox_when_confirmed() {
        let store = Store::open_in_memory().await.unwrap();
        let dose = taken("rx:1", "2026-12-02T08:00");
        assert!(store.log_dose(ALEX, &dose, now()).await.unwrap());
        let skipped = DoseRecord {
            outcome: Outcome::Skipped {
                reason: SkipReason::SideEffects,
            },
            ..dose.clone()
        };
        assert!(
            !store.log_dose(ALEX, &skipped, now()).await.unwrap(),
            "the first word stands"
        );
        assert_eq!(
            store
                .dose_records(ALEX, now() - Duration::days(1))
                .await
                .unwrap(),
            vec![dose.clone()]
        );
        assert_eq!(
            store.unsynced_doses(ALEX, 10, now()).await.unwrap(),
            vec![dose.clone()]
        );
        store.mark_doses_synced(ALEX, &[dose], now()).await.unwrap();
        assert!(store
            .unsynced_doses(ALEX, 10, now())
            .await
            .unwrap()
            .is_empty());
        assert_eq!(store.unsynced_count(ALEX).await.unwrap(), 0);
    }

    #[tokio::test]
    async fn a_record_inside_its_undo_window_is_held_back_and_can_be_taken_back_until_sent() {
        let store = Store::open_in_memory().await.unwrap();
        let dose = taken("rx:1", "2026-12-02T08:00");
        store.log_dose(ALEX, &dose, now()).await.unwrap();
        let before = now() - Duration::seconds(1);
        assert!(
            store
                .unsynced_doses(ALEX, 10, before)
                .await
                .unwrap()
                .is_empty(),
            "not final before its time"
        );
        assert_eq!(
            store.first_held_dose(ALEX, before).await.unwrap(),
            Some(now())
        );
        assert!(store
            .undo_dose(ALEX, "rx:1", &dose.slot, before)
            .await
            .unwrap());
        assert!(
            !store
                .undo_dose(ALEX, "rx:1", &dose.slot, before)
                .await
                .unwrap(),
            "gone already"
        );
        assert_eq!(store.first_held_dose(ALEX, before).await.unwrap(), None);
        assert_eq!(store.unsynced_count(ALEX).await.unwrap(), 0);

        // Logged again, then past its window: final, and no longer the patient's to take back.
        store.log_dose(ALEX, &dose, now()).await.unwrap();
        assert!(!store
            .undo_dose(ALEX, "rx:1", &dose.slot, now())
            .await
            .unwrap());
        assert_eq!(
            store.unsynced_doses(ALEX, 10, now()).await.unwrap(),
            vec![dose.clone()]
        );
        store
            .mark_doses_synced(ALEX, std::slice::from_ref(&dose), now())
            .await
            .unwrap();
        assert!(
            !store
                .undo_dose(ALEX, "rx:1", &dose.slot, before)
                .await
                .unwrap(),
            "a record the hospital holds is never taken back here"
        );
    }

    #[tokio::test]
    async fn imported_records_are_synced_and_never_override_a_local_one() {
        let store = Store::open_in_memory().await.unwrap();
        let local = taken("rx:1", "2026-12-02T08:00");
        store.log_dose(ALEX, &local, now()).await.unwrap();
        let remote_same = DoseRecord {
            outcome: Outcome::Skipped {
                reason: SkipReason::FeltUnwell,
            },
            ..local.clone()
        };
        let remote_other = taken("rx:1", "2026-12-01T08:00");
        let added = store
            .import_doses(ALEX, &[remote_same, remote_other], now())
            .await
            .unwrap();
        assert_eq!(added, 1);
        let records = store
            .dose_records(ALEX, now() - Duration::days(2))
            .await
            .unwrap();
        assert!(records.contains(&local));
        assert_eq!(
            store.unsynced_count(ALEX).await.unwrap(),
            1,
            "only the local one waits"
        );
    }

    #[tokio::test]
    async fn snoozes_and_supplies_are_kept_per_dose_and_medicine() {
        let store = Store::open_in_memory().await.unwrap();
        let until = now() + Duration::minutes(15);
        store
            .snooze_dose(ALEX, "rx:1", "2026-12-02T08:00", now())
            .await
            .unwrap();
        store
            .snooze_dose(ALEX, "rx:1", "2026-12-02T08:00", until)
            .await
            .unwrap();
        let snoozes = store.dose_snoozes(ALEX, now()).await.unwrap();
        assert_eq!(snoozes.get("rx:1@2026-12-02T08:00"), Some(&until));
        assert!(store
            .dose_snoozes(ALEX, until + Duration::seconds(1))
            .await
            .unwrap()
            .is_empty());
        store.set_supply(ALEX, "rx:1", 28.0, now()).await.unwrap();
        store.set_supply(ALEX, "rx:1", 20.0, until).await.unwrap();
        assert_eq!(store.supplies(ALEX).await.unwrap()["rx:1"], (20.0, until));
    }
}
