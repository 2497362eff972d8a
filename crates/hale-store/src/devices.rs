//! Paired devices, their readings (with the relay's outbox) and the patient's alert thresholds.
//!
//! A reading is stored under its key once: a notification delivered twice, a cuff re-sending its
//! memory or a glucose record downloaded again changes nothing. Readings are relayed from the
//! outbox and marked synced only after the hospital confirmed them; a crash in between sends them
//! again, and the hospital's conditional create stores them once.

use chrono::{DateTime, Utc};
use hale_domain::device::{DeviceType, Interpretation, Quantity, Reading, ReadingKind, Thresholds};
use serde::{Deserialize, Serialize};

use crate::{Owner, Store, StoreError};

/// The `fetched` row that holds how far clinic readings have been copied.
const CLINIC_READINGS: &str = "clinic-readings";

/// Readings per INSERT statement: 11 parameters each, far below SQLite's 32,766.
const ROWS_PER_INSERT: usize = 200;

/// A device the patient paired.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairedDevice {
    /// The Bluetooth address.
    pub id: String,
    pub name: String,
    pub device_type: DeviceType,
    pub paired_at: DateTime<Utc>,
    pub last_seen_at: Option<DateTime<Utc>>,
    /// The newest stored record downloaded: a glucose meter's sequence number, a CGM's time
    /// offset.
    pub last_sequence: Option<u16>,
    /// The CGM session `last_sequence` belongs to (`SessionStart::id`); `None` for a meter.
    pub record_session: Option<String>,
}

/// A reading as stored, with what the relay needs beside it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredReading {
    pub reading: Reading,
    pub interpretation: Option<Interpretation>,
    /// The paired device's name, for the Observation's device display.
    pub device_name: Option<String>,
    pub synced: bool,
    /// The visit a clinic reading was taken at; `None` for a home reading.
    pub encounter: Option<String>,
}

fn type_code(t: DeviceType) -> String {
    serde_json::to_value(t)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn type_from(code: &str) -> Result<DeviceType, StoreError> {
    serde_json::from_value(serde_json::Value::String(code.to_owned()))
        .map_err(|_| StoreError::Corrupt(format!("device type '{code}'")))
}

type DeviceRow = (
    String,
    String,
    String,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
    Option<i64>,
    Option<String>,
);

type ReadingRow = (
    String,
    String,
    String,
    DateTime<Utc>,
    bool,
    String,
    Option<String>,
    Option<String>,
    Option<DateTime<Utc>>,
    Option<String>,
    Option<String>,
);

const READING_COLUMNS: &str = "r.key, r.device, r.kind, r.effective_at, r.device_clock, r.vals, \
     r.interpretation, d.name, r.synced_at, r.context, r.encounter";

fn reading_from_row(
    (
        key,
        device,
        kind,
        effective,
        device_clock,
        vals,
        interpretation,
        device_name,
        synced_at,
        context,
        encounter,
    ): ReadingRow,
) -> Result<StoredReading, StoreError> {
    let kind = ReadingKind::from_slug(&kind)
        .ok_or_else(|| StoreError::Corrupt(format!("reading kind '{kind}'")))?;
    let values: Vec<Quantity> = serde_json::from_str(&vals)
        .map_err(|e| StoreError::Corrupt(format!("reading values: {e}")))?;
    let context = context
        .map(|c| serde_json::from_str(&c))
        .transpose()
        .map_err(|e| StoreError::Corrupt(format!("reading context: {e}")))?;
    Ok(StoredReading {
        reading: Reading {
            key,
            device,
            kind,
            effective,
            device_clock,
            values,
            context,
        },
        interpretation: interpretation
            .as_deref()
            .and_then(Interpretation::from_code),
        device_name,
        synced: synced_at.is_some(),
        encounter,
    })
}

impl Store {
    /// Remembers a paired device, or renames it if it was paired before.
    pub async fn save_device(
        &self,
        owner: Owner<'_>,
        device: &PairedDevice,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO paired_device (hospital, patient_id, id, name, device_type, paired_at, last_seen_at, last_sequence, record_session) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (hospital, patient_id, id) \
             DO UPDATE SET name = excluded.name, device_type = excluded.device_type",
        )
        .bind(owner.hospital)
        .bind(owner.patient_id)
        .bind(&device.id)
        .bind(&device.name)
        .bind(type_code(device.device_type))
        .bind(device.paired_at)
        .bind(device.last_seen_at)
        .bind(device.last_sequence.map(i64::from))
        .bind(&device.record_session)
        .execute(&self.db)
        .await?;
        Ok(())
    }

    /// The paired devices, in the order they were paired.
    pub async fn devices(&self, owner: Owner<'_>) -> Result<Vec<PairedDevice>, StoreError> {
        let rows: Vec<DeviceRow> = sqlx::query_as(
            "SELECT id, name, device_type, paired_at, last_seen_at, last_sequence, record_session FROM paired_device \
             WHERE hospital = ? AND patient_id = ? ORDER BY paired_at, id",
        )
        .bind(owner.hospital)
        .bind(owner.patient_id)
        .fetch_all(&self.db)
        .await?;
        rows.into_iter()
            .map(
                |(
                    id,
                    name,
                    device_type,
                    paired_at,
                    last_seen_at,
                    last_sequence,
                    record_session,
                )| {
                    Ok(PairedDevice {
                        id,
                        name,
                        device_type: type_from(&device_type)?,
                        paired_at,
                        last_seen_at,
                        last_sequence: last_sequence.and_then(|s| u16::try_from(s).ok()),
                        record_session,
                    })
                },
            )
            .collect()
    }

    /// Forgets a device. Its readings stay: they are the patient's record.
    pub async fn forget_device(&self, owner: Owner<'_>, id: &str) -> Result<bool, StoreError> {
        let n = sqlx::query(
            "DELETE FROM paired_device WHERE hospital = ? AND patient_id = ? AND id = ?",
        )
        .bind(owner.hospital)
        .bind(owner.patient_id)
        .bind(id)
        .execute(&self.db)
        .await?
        .rows_affected();
        Ok(n > 0)
    }

    /// Stores a batch of readings from `device` in one transaction, with the device's progress:
    /// the time it was seen and, for a device that keeps records, the newest record's number
    /// (within `record_session` for a CGM). The two are written together so a crash cannot
    /// record progress without its readings. Returns the readings that were new.
    pub async fn store_readings(
        &self,
        owner: Owner<'_>,
        device: &str,
        readings: &[(Reading, Option<Interpretation>)],
        last_sequence: Option<u16>,
        record_session: Option<&str>,
        received_at: DateTime<Utc>,
    ) -> Result<Vec<String>, StoreError> {
        let mut tx = self.db.begin().await?;
        let mut new_keys = std::collections::HashSet::new();
        // Many rows per statement: each statement is a round trip to sqlx's SQLite worker
        // thread, which cost more than the insert itself (see BENCHMARKS.md, relay).
        for chunk in readings.chunks(ROWS_PER_INSERT) {
            let mut rows = Vec::with_capacity(chunk.len());
            for (r, interpretation) in chunk {
                let vals = serde_json::to_string(&r.values)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                let context = r
                    .context
                    .as_ref()
                    .map(serde_json::to_string)
                    .transpose()
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                rows.push((r, interpretation, vals, context));
            }
            let mut insert = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
                "INSERT INTO reading (hospital, patient_id, key, device, kind, effective_at, \
                 device_clock, vals, interpretation, received_at, context) ",
            );
            insert.push_values(rows, |mut row, (r, interpretation, vals, context)| {
                row.push_bind(owner.hospital)
                    .push_bind(owner.patient_id)
                    .push_bind(&r.key)
                    .push_bind(&r.device)
                    .push_bind(r.kind.slug())
                    .push_bind(r.effective)
                    .push_bind(r.device_clock)
                    .push_bind(vals)
                    .push_bind(interpretation.map(|i| i.code()))
                    .push_bind(received_at)
                    .push_bind(context);
            });
            // Only the rows actually inserted come back: a key already stored (or repeated in
            // the batch) conflicts and is skipped.
            insert.push(" ON CONFLICT (hospital, patient_id, key) DO NOTHING RETURNING key");
            let keys: Vec<String> = insert
                .build_query_scalar()
                // A statement per batch length would crowd the connection's statement cache.
                .persistent(false)
                .fetch_all(&mut *tx)
                .await?;
            new_keys.extend(keys);
        }
        // Within one session the newest record only moves forward (batches may be stored out of
        // order); a new CGM session starts its count again.
        sqlx::query(
            "UPDATE paired_device SET last_seen_at = ?1, \
             last_sequence = CASE WHEN ?2 IS NULL THEN last_sequence \
                                  WHEN record_session IS NOT ?3 THEN ?2 \
                                  ELSE MAX(COALESCE(last_sequence, -1), ?2) END, \
             record_session = CASE WHEN ?2 IS NULL THEN record_session ELSE ?3 END \
             WHERE hospital = ?4 AND patient_id = ?5 AND id = ?6",
        )
        .bind(received_at)
        .bind(last_sequence.map(i64::from))
        .bind(record_session)
        .bind(owner.hospital)
        .bind(owner.patient_id)
        .bind(device)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        // In the order given, each once.
        Ok(readings
            .iter()
            .filter(|(r, _)| new_keys.remove(&r.key))
            .map(|(r, _)| r.key.clone())
            .collect())
    }

    /// Stores readings the clinic took at the patient's visits (each with its encounter), as
    /// copied from the hospital: already synced, each key once. `newest` is the hospital's
    /// time of the newest one stored there, from which the next copy asks again. Returns how
    /// many were new.
    pub async fn store_clinic_readings(
        &self,
        owner: Owner<'_>,
        readings: &[(Reading, String)],
        newest: Option<DateTime<Utc>>,
        received_at: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        let mut tx = self.db.begin().await?;
        let mut new = 0;
        for (r, encounter) in readings {
            let vals =
                serde_json::to_string(&r.values).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            new += sqlx::query(
                "INSERT INTO reading (hospital, patient_id, key, device, kind, effective_at, \
                 device_clock, vals, received_at, synced_at, encounter) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
                 ON CONFLICT (hospital, patient_id, key) DO NOTHING",
            )
            .bind(owner.hospital)
            .bind(owner.patient_id)
            .bind(&r.key)
            .bind(&r.device)
            .bind(r.kind.slug())
            .bind(r.effective)
            .bind(r.device_clock)
            .bind(vals)
            .bind(received_at)
            .bind(received_at)
            .bind(encounter)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        }
        if let Some(newest) = newest {
            crate::fetched::mark_fetched(&mut tx, owner, CLINIC_READINGS, newest).await?;
        }
        tx.commit().await?;
        Ok(usize::try_from(new).unwrap_or(usize::MAX))
    }

    /// The hospital's time of the newest clinic reading copied (`None`: none yet).
    pub async fn clinic_readings_as_of(
        &self,
        owner: Owner<'_>,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        crate::fetched::fetched_at(&self.db, owner, CLINIC_READINGS).await
    }

    /// Readings of `kind` measured since `since`, oldest first (for charts).
    pub async fn readings(
        &self,
        owner: Owner<'_>,
        kind: ReadingKind,
        since: DateTime<Utc>,
    ) -> Result<Vec<StoredReading>, StoreError> {
        let rows: Vec<ReadingRow> = sqlx::query_as(&format!(
            "SELECT {READING_COLUMNS} FROM reading r LEFT JOIN paired_device d \
             ON d.hospital = r.hospital AND d.patient_id = r.patient_id AND d.id = r.device \
             WHERE r.hospital = ? AND r.patient_id = ? AND r.kind = ? AND r.effective_at >= ? \
             ORDER BY r.effective_at, r.key"
        ))
        .bind(owner.hospital)
        .bind(owner.patient_id)
        .bind(kind.slug())
        .bind(since)
        .fetch_all(&self.db)
        .await?;
        rows.into_iter().map(reading_from_row).collect()
    }

    /// The newest reading of each kind, by kind, home or clinic. One index seek per kind
    /// (`reading_by_kind`), so it costs the same after a day of one-a-second readings as after
    /// one reading: the app asks after every batch a device sends.
    pub async fn latest_readings(
        &self,
        owner: Owner<'_>,
    ) -> Result<Vec<StoredReading>, StoreError> {
        self.latest(owner, "").await
    }

    /// [`Self::latest_readings`] of the patient's own devices only: what says whether a planned
    /// home measurement was taken (one at the clinic does not stand in for it).
    pub async fn latest_home_readings(
        &self,
        owner: Owner<'_>,
    ) -> Result<Vec<StoredReading>, StoreError> {
        self.latest(owner, " AND r.encounter IS NULL").await
    }

    async fn latest(
        &self,
        owner: Owner<'_>,
        filter: &'static str,
    ) -> Result<Vec<StoredReading>, StoreError> {
        let mut latest = Vec::new();
        for kind in ReadingKind::ALL {
            let row: Option<ReadingRow> = sqlx::query_as(&format!(
                "SELECT {READING_COLUMNS} FROM reading r LEFT JOIN paired_device d \
                 ON d.hospital = r.hospital AND d.patient_id = r.patient_id AND d.id = r.device \
                 WHERE r.hospital = ? AND r.patient_id = ? AND r.kind = ?{filter} \
                 ORDER BY r.effective_at DESC, r.key DESC LIMIT 1"
            ))
            .bind(owner.hospital)
            .bind(owner.patient_id)
            .bind(kind.slug())
            .fetch_optional(&self.db)
            .await?;
            if let Some(row) = row {
                latest.push(reading_from_row(row)?);
            }
        }
        latest.sort_by_key(|r| r.reading.kind.slug());
        Ok(latest)
    }

    /// Up to `limit` readings the hospital has not confirmed, in the order they were received;
    /// with `after` (a reading's key), only those that come after that reading, so the relay
    /// can read its next batch while the last one is still on its way.
    pub async fn unsynced_readings(
        &self,
        owner: Owner<'_>,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<StoredReading>, StoreError> {
        let sql = unsynced_sql(after.is_some());
        let mut query = sqlx::query_as(&sql)
            .bind(owner.hospital)
            .bind(owner.patient_id);
        if let Some(key) = after {
            query = query.bind(owner.hospital).bind(owner.patient_id).bind(key);
        }
        let rows: Vec<ReadingRow> = query.bind(limit).fetch_all(&self.db).await?;
        rows.into_iter().map(reading_from_row).collect()
    }

    pub async fn unsynced_reading_count(&self, owner: Owner<'_>) -> Result<u32, StoreError> {
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM reading WHERE hospital = ? AND patient_id = ? AND synced_at IS NULL")
                .bind(owner.hospital)
                .bind(owner.patient_id)
                .fetch_one(&self.db)
                .await?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    /// Marks readings the hospital confirmed, in one transaction.
    pub async fn mark_readings_synced(
        &self,
        owner: Owner<'_>,
        keys: &[String],
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        // One statement per chunk rather than per reading; chunks stay well under SQLite's
        // limit on bound parameters.
        for chunk in keys.chunks(500) {
            let mut sql =
                sqlx::QueryBuilder::<sqlx::Sqlite>::new("UPDATE reading SET synced_at = ");
            sql.push_bind(at);
            sql.push(" WHERE hospital = ").push_bind(owner.hospital);
            sql.push(" AND patient_id = ").push_bind(owner.patient_id);
            sql.push(" AND key IN (");
            let mut list = sql.separated(", ");
            for key in chunk {
                list.push_bind(key);
            }
            sql.push(")");
            sql.build().execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The patient's alert thresholds, or the defaults.
    pub async fn thresholds(&self, owner: Owner<'_>) -> Result<Thresholds, StoreError> {
        let body: Option<String> = sqlx::query_scalar(
            "SELECT body FROM alert_thresholds WHERE hospital = ? AND patient_id = ?",
        )
        .bind(owner.hospital)
        .bind(owner.patient_id)
        .fetch_optional(&self.db)
        .await?;
        match body {
            Some(body) => serde_json::from_str(&body)
                .map_err(|e| StoreError::Corrupt(format!("thresholds: {e}"))),
            None => Ok(Thresholds::default()),
        }
    }

    pub async fn set_thresholds(
        &self,
        owner: Owner<'_>,
        thresholds: &Thresholds,
    ) -> Result<(), StoreError> {
        let body =
            serde_json::to_string(thresholds).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        sqlx::query(
            "INSERT INTO alert_thresholds (hospital, patient_id, body) VALUES (?, ?, ?) \
             ON CONFLICT (hospital, patient_id) DO UPDATE SET body = excluded.body",
        )
        .bind(owner.hospital)
        .bind(owner.patient_id)
        .bind(body)
        .execute(&self.db)
        .await?;
        Ok(())
    }
}

/// The outbox's next readings, oldest received first (and by key within an instant), so that a
/// relay interrupted half-way goes on where it stopped. `after`: only those after a given
/// reading (bound as hospital, patient and key after the owner).
fn unsynced_sql(after: bool) -> String {
    let after = if after {
        // `+` takes the columns' type off the subquery's values: compared with an index's TEXT
        // columns, a typed pair seeks on both, an untyped one on `received_at` alone, and a
        // download received in one instant was scanned again for every batch.
        "AND (r.received_at, r.key) > (SELECT +received_at, +key FROM reading \
         WHERE hospital = ? AND patient_id = ? AND key = ?) "
    } else {
        ""
    };
    format!(
        "SELECT {READING_COLUMNS} FROM reading r LEFT JOIN paired_device d \
         ON d.hospital = r.hospital AND d.patient_id = r.patient_id AND d.id = r.device \
         WHERE r.hospital = ? AND r.patient_id = ? AND r.synced_at IS NULL {after}\
         ORDER BY r.received_at, r.key LIMIT ?"
    )
}

#[cfg(test)]
mod tests {
    use hale_domain::device::{Unit, Vital};

    use super::*;

    const OWNER: Owner<'static> = Owner {
        hospital: "http://h/fhir",
        patient_id: "p1",
    };

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn hr(key: &str, bpm: f64, when: &str) -> Reading {
        Reading {
            key: key.into(),
            device: "AA".into(),
            kind: ReadingKind::HeartRate,
            effective: at(when),
            device_clock: false,
            values: vec![Quantity {
                vital: Vital::HeartRate,
                value: bpm,
                unit: Unit::PerMinute,
            }],
            context: None,
        }
    }

    #[tokio::test]
    async fn the_latest_reading_of_each_kind_is_the_newest_and_on_a_tie_the_greatest_key() {
        let store = Store::open_in_memory().await.unwrap();
        let mut weight = hr("AA/weight/1", 80.0, "2026-12-02T07:00:00Z");
        weight.kind = ReadingKind::BodyWeight;
        weight.values[0].vital = Vital::BodyWeight;
        weight.values[0].unit = Unit::Kilogram;
        let batch = [
            (hr("AA/hr/1", 70.0, "2026-12-02T08:00:00Z"), None),
            (hr("AA/hr/3", 72.0, "2026-12-02T09:00:00Z"), None),
            (hr("AA/hr/2", 71.0, "2026-12-02T09:00:00Z"), None),
            (weight, None),
        ];
        store
            .store_readings(OWNER, "AA", &batch, None, None, at("2026-12-02T09:00:01Z"))
            .await
            .unwrap();
        let latest = store.latest_readings(OWNER).await.unwrap();
        let keys: Vec<&str> = latest.iter().map(|r| r.reading.key.as_str()).collect();
        assert_eq!(
            keys,
            ["AA/hr/3", "AA/weight/1"],
            "by kind: heart-rate, weight"
        );
    }

    fn meter() -> PairedDevice {
        PairedDevice {
            id: "AA".into(),
            name: "Meter".into(),
            device_type: DeviceType::Glucose,
            paired_at: at("2026-12-01T08:00:00Z"),
            last_seen_at: None,
            last_sequence: None,
            record_session: None,
        }
    }

    /// A batch longer than one INSERT statement, with a key stored before and a key repeated
    /// inside it: each new key is reported once, in the order given.
    #[tokio::test]
    async fn a_long_batch_reports_each_new_reading_once_in_order() {
        let store = Store::open_in_memory().await.unwrap();
        store.save_device(OWNER, &meter()).await.unwrap();
        let t = at("2026-12-02T08:00:00Z");
        let first = vec![(hr("AA/hr/3", 60.0, "2026-12-02T08:00:03Z"), None)];
        store
            .store_readings(OWNER, "AA", &first, None, None, t)
            .await
            .unwrap();
        let mut batch: Vec<_> = (0..ROWS_PER_INSERT * 2 + 7)
            .map(|i| {
                let when = (t + chrono::Duration::seconds(i as i64)).to_rfc3339();
                (hr(&format!("AA/hr/{i}"), 60.0, &when), None)
            })
            .collect();
        batch.insert(10, batch[4].clone());
        let added = store
            .store_readings(OWNER, "AA", &batch, None, None, t)
            .await
            .unwrap();
        let expected: Vec<String> = (0..ROWS_PER_INSERT * 2 + 7)
            .filter(|&i| i != 3)
            .map(|i| format!("AA/hr/{i}"))
            .collect();
        assert_eq!(added, expected);
        assert_eq!(
            store.unsynced_reading_count(OWNER).await.unwrap(),
            (ROWS_PER_INSERT * 2 + 7) as u32
        );
    }

    /// Regression: the outbox's index ordered by `received_at` alone, so a device's download
    /// (thousands of readings received in one instant) was sorted again for every batch the
    /// relay read, and a day of readings took seconds to relay.
    #[tokio::test]
    async fn the_outbox_is_read_in_its_index_order_without_sorting() {
        let store = Store::open_in_memory().await.unwrap();
        for after in [false, true] {
            let sql = format!("EXPLAIN QUERY PLAN {}", unsynced_sql(after));
            let mut query = sqlx::query_as(&sql)
                .bind(OWNER.hospital)
                .bind(OWNER.patient_id);
            if after {
                query = query.bind(OWNER.hospital).bind(OWNER.patient_id).bind("k");
            }
            let plan: Vec<(i64, i64, i64, String)> =
                query.bind(1000).fetch_all(&store.db).await.unwrap();
            let steps: Vec<&str> = plan.iter().map(|(_, _, _, step)| step.as_str()).collect();
            assert!(
                steps
                    .iter()
                    .any(|s| s.contains("USING INDEX reading_unsynced")),
                "the outbox's own index is used: {steps:?}"
            );
            assert!(
                !steps.iter().any(|s| s.contains("TEMP B-TREE")),
                "no sort: {steps:?}"
            );
            if after {
                assert!(
                    steps.iter().any(|s| s.contains("(received_at,key)>(?,?)")),
                    "a batch after a reading seeks on both columns: {steps:?}"
                );
            }
        }
    }

    /// The relay reads its next batch after the last reading of the one in flight: a batch
    /// read that way starts right after it, in the outbox's order (received, then by key
    /// within an instant), even when a later download's keys sort before an earlier one's.
    #[tokio::test]
    async fn the_outbox_is_read_in_batches_after_a_given_reading() {
        let store = Store::open_in_memory().await.unwrap();
        store.save_device(OWNER, &meter()).await.unwrap();
        let t = at("2026-12-02T08:00:00Z");
        let readings = |keys: std::ops::Range<usize>| -> Vec<_> {
            keys.map(|i| {
                (
                    hr(&format!("AA/hr/{i}"), 60.0, "2026-12-02T07:00:00Z"),
                    None,
                )
            })
            .collect()
        };
        store
            .store_readings(OWNER, "AA", &readings(5..10), None, None, t)
            .await
            .unwrap();
        let later = t + chrono::Duration::seconds(1);
        store
            .store_readings(OWNER, "AA", &readings(0..5), None, None, later)
            .await
            .unwrap();
        let mut seen = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = store
                .unsynced_readings(OWNER, after.as_deref(), 3)
                .await
                .unwrap();
            let Some(last) = page.last() else { break };
            after = Some(last.reading.key.clone());
            seen.extend(page.into_iter().map(|r| r.reading.key));
        }
        let expected: Vec<String> = (5..10).chain(0..5).map(|i| format!("AA/hr/{i}")).collect();
        assert_eq!(seen, expected, "each once, in received order then by key");
    }

    #[tokio::test]
    async fn readings_are_stored_once_and_leave_the_outbox_when_confirmed() {
        let store = Store::open_in_memory().await.unwrap();
        store.save_device(OWNER, &meter()).await.unwrap();
        let batch = vec![
            (hr("AA/hr/1", 60.0, "2026-12-02T08:00:00Z"), None),
            (
                hr("AA/hr/2", 130.0, "2026-12-02T08:00:01Z"),
                Some(Interpretation::High),
            ),
        ];
        let added = store
            .store_readings(
                OWNER,
                "AA",
                &batch,
                Some(7),
                None,
                at("2026-12-02T08:00:02Z"),
            )
            .await
            .unwrap();
        assert_eq!(added.len(), 2);
        // The same batch again (a re-sent memory): nothing new, progress never goes back.
        let again = store
            .store_readings(
                OWNER,
                "AA",
                &batch,
                Some(3),
                None,
                at("2026-12-02T08:00:03Z"),
            )
            .await
            .unwrap();
        assert!(again.is_empty());
        assert_eq!(
            store.devices(OWNER).await.unwrap()[0].last_sequence,
            Some(7)
        );
        assert_eq!(store.unsynced_reading_count(OWNER).await.unwrap(), 2);
        let outbox = store.unsynced_readings(OWNER, None, 10).await.unwrap();
        assert_eq!(outbox[1].interpretation, Some(Interpretation::High));
        assert_eq!(outbox[0].device_name.as_deref(), Some("Meter"));
        store
            .mark_readings_synced(OWNER, &["AA/hr/1".to_owned()], at("2026-12-02T09:00:00Z"))
            .await
            .unwrap();
        let outbox = store.unsynced_readings(OWNER, None, 10).await.unwrap();
        assert_eq!(outbox.len(), 1);
        assert_eq!(outbox[0].reading.key, "AA/hr/2");
        let chart = store
            .readings(OWNER, ReadingKind::HeartRate, at("2026-12-02T00:00:00Z"))
            .await
            .unwrap();
        assert_eq!(chart.len(), 2);
        assert!(chart[0].synced && !chart[1].synced);
        let latest = store.latest_readings(OWNER).await.unwrap();
        assert_eq!(latest.len(), 1);
        assert_eq!(latest[0].reading.key, "AA/hr/2");
        // Another patient sees none of it.
        let other = Owner {
            hospital: "http://h/fhir",
            patient_id: "p2",
        };
        assert!(store
            .unsynced_readings(other, None, 10)
            .await
            .unwrap()
            .is_empty());
    }

    #[tokio::test]
    async fn thresholds_default_until_set_and_devices_can_be_forgotten() {
        let store = Store::open_in_memory().await.unwrap();
        assert_eq!(
            store.thresholds(OWNER).await.unwrap(),
            Thresholds::default()
        );
        let mine = Thresholds {
            systolic_high: 160.0,
            ..Thresholds::default()
        };
        store.set_thresholds(OWNER, &mine).await.unwrap();
        assert_eq!(store.thresholds(OWNER).await.unwrap(), mine);
        store.save_device(OWNER, &meter()).await.unwrap();
        assert!(store.forget_device(OWNER, "AA").await.unwrap());
        assert!(store.devices(OWNER).await.unwrap().is_empty());
        assert!(!store.forget_device(OWNER, "AA").await.unwrap());
    }
}
