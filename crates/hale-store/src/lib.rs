//! The app's local store: an SQLite file in the app's data directory, reached through sqlx.
//!
//! It holds the last full copy of the patient's records per hospital, so the app shows them when
//! the hospital is unreachable. A refresh replaces a patient's copy in one transaction: a crash
//! mid-way leaves the previous copy whole, never half of each.
//!
//! The file is encrypted with SQLCipher (AES-256, every page and the write-ahead log) under a
//! random 256-bit [`StoreKey`], which the app keeps in the operating system's keychain. A store
//! written before encryption is encrypted in place the first time it is opened with a key.

use std::path::Path;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use std::collections::HashSet;

use hale_domain::{Appointment, AppointmentStatus, Lead};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use sqlx::SqlitePool;

mod devices;
mod medicines;

pub use devices::{PairedDevice, StoredReading};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

const APPOINTMENTS: &str = "Appointment";
const REMINDER_LEADS: &str = "reminder_leads";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("local database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("local database migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("the local copy is damaged: {0}")]
    Corrupt(String),
    /// The file is neither readable with this key nor a plain SQLite database.
    #[error("the local data cannot be read with this device's key")]
    Unreadable,
    /// Pages of the file are damaged or missing (a disk error, a file cut short): found at open
    /// by reading every page.
    #[error("the local data file is damaged")]
    Damaged,
    #[error("no randomness for a key: {0}")]
    Randomness(String),
    #[error("local file error: {0}")]
    File(#[from] std::io::Error),
}

/// The key the local store is encrypted with: 32 random bytes, used as SQLCipher's raw key
/// (no passphrase derivation: there is no passphrase).
#[derive(Clone, PartialEq, Eq)]
pub struct StoreKey([u8; 32]);

impl std::fmt::Debug for StoreKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StoreKey(<redacted>)")
    }
}

impl StoreKey {
    pub fn generate() -> Result<Self, StoreError> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| StoreError::Randomness(e.to_string()))?;
        Ok(Self(bytes))
    }

    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// 64 hexadecimal digits, as the keychain keeps it.
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    pub fn from_hex(text: &str) -> Option<Self> {
        let text = text.trim();
        if text.len() != 64 || !text.is_ascii() {
            return None;
        }
        let mut bytes = [0u8; 32];
        for (i, byte) in bytes.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()?;
        }
        Some(Self(bytes))
    }

    /// SQLCipher's raw-key form, `x'…'` (a passphrase otherwise).
    fn raw(&self) -> String {
        format!("x'{}'", self.to_hex())
    }
}

/// Removes the write-ahead log and shared-memory files of the store at `path`, once the store
/// itself has been replaced or moved.
pub fn remove_journal(path: &Path) {
    for side in journal(path) {
        let _ = std::fs::remove_file(side);
    }
}

/// Moves the store at `from`, with its write-ahead log and shared-memory files, to `to`, so the
/// moved copy keeps every commit the log still holds.
pub fn move_store(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::rename(from, to)?;
    for (side, moved) in journal(from).into_iter().zip(journal(to)) {
        if side.exists() {
            std::fs::rename(side, moved)?;
        }
    }
    Ok(())
}

/// The write-ahead log and shared-memory files beside the store at `path`.
fn journal(path: &Path) -> [std::path::PathBuf; 2] {
    ["-wal", "-shm"].map(|suffix| {
        let mut side = path.as_os_str().to_owned();
        side.push(suffix);
        side.into()
    })
}

/// A damage code from SQLite becomes [`StoreError::Damaged`]; anything else is kept.
fn damage_as_damaged(error: StoreError) -> StoreError {
    if is_damage(&error) {
        StoreError::Damaged
    } else {
        error
    }
}

/// SQLITE_NOTADB: what a wrong key (or a plain file opened with a key) looks like.
fn is_not_a_database(error: &StoreError) -> bool {
    matches!(error, StoreError::Database(sqlx::Error::Database(e)) if e.code().as_deref() == Some("26"))
}

/// Whether SQLite said the file is damaged: `SQLITE_CORRUPT` (11) or `SQLITE_NOTADB` (26), in
/// any of their extended forms (the low byte is the primary code), also from inside a migration.
fn is_damage(error: &StoreError) -> bool {
    let database = match error {
        StoreError::Database(sqlx::Error::Database(e)) => e,
        StoreError::Migration(sqlx::migrate::MigrateError::Execute(sqlx::Error::Database(e))) => e,
        _ => return false,
    };
    database
        .code()
        .and_then(|code| code.parse::<i32>().ok())
        .is_some_and(|code| matches!(code & 0xff, 11 | 26))
}

/// Which patient at which hospital a record belongs to.
#[derive(Debug, Clone, Copy)]
pub struct Owner<'a> {
    /// The hospital's FHIR base URL.
    pub hospital: &'a str,
    pub patient_id: &'a str,
}

/// The last patient signed in at a hospital.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub hospital_name: Option<String>,
    pub patient_id: String,
    pub patient_name: Option<String>,
}

/// A patient's cached appointments and when they were fetched (`None`: never).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Cached<T> {
    pub records: T,
    pub fetched_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub struct Store {
    db: SqlitePool,
}

impl Store {
    /// Opens (creating if needed) and migrates the store at `path`, encrypted with `key`.
    /// A file whose first page reads but whose later pages are damaged or missing is
    /// [`StoreError::Damaged`].
    pub async fn open(path: &Path, key: &StoreKey) -> Result<Self, StoreError> {
        let store = match Self::connect(Self::file_options(path, Some(key))).await {
            Err(error) if is_not_a_database(&error) => {
                Self::encrypt_in_place(path, key).await?;
                Self::connect(Self::file_options(path, Some(key))).await
            }
            other => other,
        }
        .map_err(damage_as_damaged)?;
        store.check_pages().await?;
        Ok(store)
    }

    /// Reads every page: SQLCipher checks each page's HMAC, and SQLite's quick check walks every
    /// table and index. Damage is found here, at start, where the app
    /// can set the file aside and refill a new one from the hospital, instead of by whichever
    /// screen first reads a broken page.
    async fn check_pages(&self) -> Result<(), StoreError> {
        let damage = |e: sqlx::Error| damage_as_damaged(e.into());
        // Every page's HMAC, free pages included: one row per page that fails.
        let failed: Vec<String> = sqlx::query_scalar("PRAGMA cipher_integrity_check")
            .fetch_all(&self.db)
            .await
            .map_err(damage)?;
        if !failed.is_empty() {
            return Err(StoreError::Damaged);
        }
        // The structure: every table and index whole, no page missing.
        let verdict: String = sqlx::query_scalar("PRAGMA quick_check(1)")
            .fetch_one(&self.db)
            .await
            .map_err(damage)?;
        if verdict == "ok" {
            Ok(())
        } else {
            Err(StoreError::Damaged)
        }
    }

    fn file_options(path: &Path, key: Option<&StoreKey>) -> SqliteConnectOptions {
        let mut options = SqliteConnectOptions::new().filename(path);
        if let Some(key) = key {
            // sqlx sends `key` before any other pragma, as SQLCipher requires.
            options = options.pragma("key", format!("\"{}\"", key.raw()));
        }
        options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // Deleted records are overwritten, not left in free pages.
            .pragma("secure_delete", "ON")
    }

    /// A store from before encryption: copies it into an encrypted file with `key` and puts
    /// that in its place. Anything else that cannot be read is [`StoreError::Unreadable`].
    async fn encrypt_in_place(path: &Path, key: &StoreKey) -> Result<(), StoreError> {
        let plain = SqlitePoolOptions::new()
            .max_connections(1)
            // Creating allowed: ATTACH opens the new file with the main connection's flags.
            .connect_with(
                SqliteConnectOptions::new()
                    .filename(path)
                    .create_if_missing(true),
            )
            .await?;
        let readable: Result<i64, _> = sqlx::query_scalar("SELECT count(*) FROM sqlite_master")
            .fetch_one(&plain)
            .await;
        if readable.is_err() {
            plain.close().await;
            return Err(StoreError::Unreadable);
        }
        let encrypted = path.with_extension("encrypting");
        let _ = std::fs::remove_file(&encrypted);
        // Everything in one connection: ATTACH is per connection.
        let mut conn = plain.acquire().await?;
        sqlx::query("ATTACH DATABASE ? AS encrypted KEY ?")
            .bind(encrypted.to_string_lossy().into_owned())
            .bind(key.raw())
            .execute(&mut *conn)
            .await?;
        sqlx::query("SELECT sqlcipher_export('encrypted')")
            .execute(&mut *conn)
            .await?;
        sqlx::query("DETACH DATABASE encrypted")
            .execute(&mut *conn)
            .await?;
        drop(conn);
        plain.close().await;
        remove_journal(path);
        std::fs::rename(&encrypted, path)?;
        Ok(())
    }

    /// Closes the store, waiting until its connection has written everything back to the file.
    pub async fn close(self) {
        self.db.close().await;
    }

    /// A private in-memory store, for tests.
    pub async fn open_in_memory() -> Result<Self, StoreError> {
        Self::connect(SqliteConnectOptions::from_str("sqlite::memory:")?).await
    }

    async fn connect(options: SqliteConnectOptions) -> Result<Self, StoreError> {
        // One connection: the app is the only writer, and an in-memory database is per connection.
        let db = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.foreign_keys(true))
            .await?;
        MIGRATOR.run(&db).await?;
        Ok(Self { db })
    }

    /// Removes everything the app keeps on this device (sign-out with "remove my data"): every
    /// row of every table, then the freed pages and the write-ahead log, so no deleted record
    /// lingers in the file.
    pub async fn erase(&self) -> Result<(), StoreError> {
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'table' \
             AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations'",
        )
        .fetch_all(&self.db)
        .await?;
        let mut tx = self.db.begin().await?;
        // Children and parents go in one transaction; the keys are checked at its end.
        sqlx::query("PRAGMA defer_foreign_keys = ON")
            .execute(&mut *tx)
            .await?;
        for table in &tables {
            // Names come from sqlite_master, not from anyone's input; quoted all the same.
            sqlx::query(&format!("DELETE FROM \"{}\"", table.replace('"', "\"\"")))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        sqlx::query("VACUUM").execute(&self.db).await?;
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&self.db)
            .await?;
        Ok(())
    }

    /// Replaces the patient's cached appointments with `appointments`, fetched at `fetched_at`.
    pub async fn replace_appointments(
        &self,
        owner: Owner<'_>,
        appointments: &[Appointment],
        fetched_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        sqlx::query("DELETE FROM appointment WHERE hospital = ? AND patient_id = ?")
            .bind(owner.hospital)
            .bind(owner.patient_id)
            .execute(&mut *tx)
            .await?;
        for a in appointments {
            sqlx::query(
                "INSERT INTO appointment (hospital, patient_id, id, reference, status, start_at, \
                 end_at, service, clinician, location) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(owner.hospital)
            .bind(owner.patient_id)
            .bind(&a.id)
            .bind(a.reference.as_ref().map(|r| r.compact().to_owned()))
            .bind(a.status.fhir_code())
            .bind(a.start)
            .bind(a.end)
            .bind(&a.service)
            .bind(&a.clinician)
            .bind(&a.location)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query(
            "INSERT INTO fetched (hospital, patient_id, resource, fetched_at) VALUES (?, ?, ?, ?) \
             ON CONFLICT (hospital, patient_id, resource) DO UPDATE SET fetched_at = excluded.fetched_at",
        )
        .bind(owner.hospital)
        .bind(owner.patient_id)
        .bind(APPOINTMENTS)
        .bind(fetched_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The patient's cached appointments, by start time.
    pub async fn appointments(
        &self,
        owner: Owner<'_>,
    ) -> Result<Cached<Vec<Appointment>>, StoreError> {
        type Row = (
            String,
            Option<String>,
            String,
            DateTime<Utc>,
            DateTime<Utc>,
            String,
            Option<String>,
            Option<String>,
        );
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT id, reference, status, start_at, end_at, service, clinician, location \
             FROM appointment WHERE hospital = ? AND patient_id = ? ORDER BY start_at, id",
        )
        .bind(owner.hospital)
        .bind(owner.patient_id)
        .fetch_all(&self.db)
        .await?;
        let records = rows
            .into_iter()
            .map(
                |(id, reference, status, start, end, service, clinician, location)| {
                    let status = AppointmentStatus::from_fhir_code(&status).ok_or_else(|| {
                        StoreError::Corrupt(format!("unknown appointment status '{status}'"))
                    })?;
                    let reference = reference
                        .map(|r| r.parse())
                        .transpose()
                        .map_err(|e| StoreError::Corrupt(format!("booking reference: {e}")))?;
                    Ok(Appointment {
                        id,
                        reference,
                        status,
                        start,
                        end,
                        service,
                        clinician,
                        location,
                    })
                },
            )
            .collect::<Result<Vec<_>, StoreError>>()?;
        let fetched_at: Option<DateTime<Utc>> = sqlx::query_scalar(
            "SELECT fetched_at FROM fetched WHERE hospital = ? AND patient_id = ? AND resource = ?",
        )
        .bind(owner.hospital)
        .bind(owner.patient_id)
        .bind(APPOINTMENTS)
        .fetch_optional(&self.db)
        .await?;
        Ok(Cached {
            records,
            fetched_at,
        })
    }

    /// Remembers who signed in at `hospital` and what the hospital and patient are called.
    pub async fn save_profile(&self, hospital: &str, profile: &Profile) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO profile (hospital, hospital_name, patient_id, patient_name) VALUES (?, ?, ?, ?) \
             ON CONFLICT (hospital) DO UPDATE SET hospital_name = excluded.hospital_name, \
             patient_id = excluded.patient_id, patient_name = excluded.patient_name",
        )
        .bind(hospital)
        .bind(&profile.hospital_name)
        .bind(&profile.patient_id)
        .bind(&profile.patient_name)
        .execute(&self.db)
        .await?;
        Ok(())
    }

    /// The last patient who signed in at `hospital`, if any.
    pub async fn profile(&self, hospital: &str) -> Result<Option<Profile>, StoreError> {
        let row: Option<(Option<String>, String, Option<String>)> = sqlx::query_as(
            "SELECT hospital_name, patient_id, patient_name FROM profile WHERE hospital = ?",
        )
        .bind(hospital)
        .fetch_optional(&self.db)
        .await?;
        Ok(
            row.map(|(hospital_name, patient_id, patient_name)| Profile {
                hospital_name,
                patient_id,
                patient_name,
            }),
        )
    }
}

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

/// A vehicle the patient saved on this device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vehicle {
    /// Normalised (see `hale_domain::parking::Registration`).
    pub registration: String,
    pub label: Option<String>,
}

impl Store {
    /// The saved vehicles, by registration.
    pub async fn vehicles(&self) -> Result<Vec<Vehicle>, StoreError> {
        let rows: Vec<(String, Option<String>)> =
            sqlx::query_as("SELECT registration, label FROM vehicle ORDER BY registration")
                .fetch_all(&self.db)
                .await?;
        Ok(rows
            .into_iter()
            .map(|(registration, label)| Vehicle {
                registration,
                label,
            })
            .collect())
    }

    /// Saves a vehicle (again: updates its label).
    pub async fn save_vehicle(&self, vehicle: &Vehicle) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO vehicle (registration, label) VALUES (?, ?) \
             ON CONFLICT (registration) DO UPDATE SET label = excluded.label",
        )
        .bind(&vehicle.registration)
        .bind(&vehicle.label)
        .execute(&self.db)
        .await?;
        Ok(())
    }

    pub async fn remove_vehicle(&self, registration: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM vehicle WHERE registration = ?")
            .bind(registration)
            .execute(&self.db)
            .await?;
        Ok(())
    }

    /// Replaces the copy of the patient's parking sessions (the hospital's JSON).
    pub async fn replace_parking(
        &self,
        owner: Owner<'_>,
        sessions_json: &str,
        fetched_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO parking_copy (hospital, patient_id, sessions, fetched_at) VALUES (?, ?, ?, ?) \
             ON CONFLICT (hospital, patient_id) DO UPDATE SET sessions = excluded.sessions, \
             fetched_at = excluded.fetched_at",
        )
        .bind(owner.hospital)
        .bind(owner.patient_id)
        .bind(sessions_json)
        .bind(fetched_at)
        .execute(&self.db)
        .await?;
        Ok(())
    }

    /// The copy of the patient's parking sessions, if any.
    pub async fn parking(&self, owner: Owner<'_>) -> Result<Cached<Option<String>>, StoreError> {
        let row: Option<(String, DateTime<Utc>)> = sqlx::query_as(
            "SELECT sessions, fetched_at FROM parking_copy WHERE hospital = ? AND patient_id = ?",
        )
        .bind(owner.hospital)
        .bind(owner.patient_id)
        .fetch_optional(&self.db)
        .await?;
        Ok(match row {
            Some((json, at)) => Cached {
                records: Some(json),
                fetched_at: Some(at),
            },
            None => Cached::default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};
    use hale_domain::BookingReference;

    fn appt(id: &str, hour: u32) -> Appointment {
        let start = Utc.with_ymd_and_hms(2026, 12, 1, hour, 0, 0).unwrap();
        Appointment {
            id: id.into(),
            reference: Some(BookingReference::from_entropy(u64::from(hour))),
            status: AppointmentStatus::Booked,
            start,
            end: start + Duration::minutes(20),
            service: "Cardiology".into(),
            clinician: Some("Dr Priya Shah".into()),
            location: None,
        }
    }

    const KEY: StoreKey = StoreKey::from_bytes([42; 32]);

    const ALEX: Owner<'static> = Owner {
        hospital: "http://h/fhir",
        patient_id: "pt-1",
    };

    #[tokio::test]
    async fn a_refresh_replaces_the_whole_copy() {
        let store = Store::open_in_memory().await.unwrap();
        let t1 = Utc.with_ymd_and_hms(2026, 11, 25, 8, 0, 0).unwrap();
        store
            .replace_appointments(ALEX, &[appt("b", 11), appt("a", 9)], t1)
            .await
            .unwrap();
        let cached = store.appointments(ALEX).await.unwrap();
        assert_eq!(cached.fetched_at, Some(t1));
        assert_eq!(cached.records, vec![appt("a", 9), appt("b", 11)]);

        let t2 = t1 + Duration::hours(1);
        store
            .replace_appointments(ALEX, &[appt("c", 10)], t2)
            .await
            .unwrap();
        let cached = store.appointments(ALEX).await.unwrap();
        assert_eq!(cached.records, vec![appt("c", 10)]);
        assert_eq!(cached.fetched_at, Some(t2));
    }

    #[tokio::test]
    async fn copies_are_kept_apart_per_hospital_and_patient() {
        let store = Store::open_in_memory().await.unwrap();
        let now = Utc.with_ymd_and_hms(2026, 11, 25, 8, 0, 0).unwrap();
        store
            .replace_appointments(ALEX, &[appt("a", 9)], now)
            .await
            .unwrap();
        for other in [
            Owner {
                hospital: ALEX.hospital,
                patient_id: "pt-2",
            },
            Owner {
                hospital: "http://elsewhere/fhir",
                patient_id: ALEX.patient_id,
            },
        ] {
            let cached = store.appointments(other).await.unwrap();
            assert_eq!(cached, Cached::default());
        }
    }

    /// A store file of a few hundred pages, written through to the main file and closed.
    async fn written_store(path: &Path) {
        let store = Store::open(path, &KEY).await.unwrap();
        let now = Utc.with_ymd_and_hms(2026, 11, 25, 8, 0, 0).unwrap();
        let many: Vec<Appointment> = (0..3000)
            .map(|i| appt(&format!("appointment-{i}"), i % 24))
            .collect();
        store.replace_appointments(ALEX, &many, now).await.unwrap();
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&store.db)
            .await
            .unwrap();
        store.db.close().await;
    }

    #[tokio::test]
    async fn a_file_damaged_or_cut_short_past_its_first_page_is_found_at_open() {
        let dir = tempfile::tempdir().unwrap();
        let original = dir.path().join("original.sqlite");
        written_store(&original).await;
        let bytes = std::fs::read(&original).unwrap();
        assert!(bytes.len() > 100 * 4096, "{} bytes", bytes.len());

        let cut = dir.path().join("cut.sqlite");
        std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
        assert!(matches!(
            Store::open(&cut, &KEY).await,
            Err(StoreError::Damaged)
        ));

        // One page in the middle overwritten (a bad sector, a stray write).
        let mut scribbled = bytes.clone();
        let page = 50 * 4096;
        scribbled[page + 100..page + 300].fill(0x5a);
        let damaged = dir.path().join("damaged.sqlite");
        std::fs::write(&damaged, &scribbled).unwrap();
        assert!(matches!(
            Store::open(&damaged, &KEY).await,
            Err(StoreError::Damaged)
        ));

        // The intact file opens with everything in it.
        let store = Store::open(&original, &KEY).await.unwrap();
        assert_eq!(store.appointments(ALEX).await.unwrap().records.len(), 3000);
    }

    #[tokio::test]
    async fn the_cache_survives_reopening_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hale.sqlite");
        let now = Utc.with_ymd_and_hms(2026, 11, 25, 8, 0, 0).unwrap();
        {
            let store = Store::open(&path, &KEY).await.unwrap();
            store
                .replace_appointments(ALEX, &[appt("a", 9)], now)
                .await
                .unwrap();
            let profile = Profile {
                hospital_name: Some("Hale General".into()),
                patient_id: "pt-1".into(),
                patient_name: Some("Alex Morgan".into()),
            };
            store.save_profile(ALEX.hospital, &profile).await.unwrap();
        }
        let store = Store::open(&path, &KEY).await.unwrap();
        assert_eq!(store.appointments(ALEX).await.unwrap().records.len(), 1);
        let profile = store.profile(ALEX.hospital).await.unwrap().unwrap();
        assert_eq!(profile.patient_id, "pt-1");
        assert_eq!(store.profile("http://other").await.unwrap(), None);
    }

    #[tokio::test]
    async fn a_reminder_is_marked_sent_once() {
        let store = Store::open_in_memory().await.unwrap();
        let now = Utc.with_ymd_and_hms(2026, 11, 25, 8, 0, 0).unwrap();
        assert!(store.mark_reminder_sent(ALEX, "a#P1D", now).await.unwrap());
        assert!(!store.mark_reminder_sent(ALEX, "a#P1D", now).await.unwrap());
        let sent = store
            .sent_reminders(ALEX, now - Duration::days(1))
            .await
            .unwrap();
        assert!(sent.contains("a#P1D"));
        store.unmark_reminder_sent(ALEX, "a#P1D").await.unwrap();
        assert!(store.mark_reminder_sent(ALEX, "a#P1D", now).await.unwrap());
        // Old records are pruned.
        let later = store
            .sent_reminders(ALEX, now + Duration::seconds(1))
            .await
            .unwrap();
        assert!(later.is_empty());
    }

    #[tokio::test]
    async fn reminder_leads_are_saved_and_read_back() {
        let store = Store::open_in_memory().await.unwrap();
        assert_eq!(store.reminder_leads().await.unwrap(), None);
        store
            .set_reminder_leads(&[Lead::Days(2), Lead::Minutes(30)])
            .await
            .unwrap();
        assert_eq!(
            store.reminder_leads().await.unwrap(),
            Some(vec![Lead::Days(2), Lead::Minutes(30)])
        );
        // No reminders at all is a choice too, distinct from never having chosen.
        store.set_reminder_leads(&[]).await.unwrap();
        assert_eq!(store.reminder_leads().await.unwrap(), Some(vec![]));
    }

    #[tokio::test]
    async fn vehicles_are_saved_updated_and_removed() {
        let store = Store::open_in_memory().await.unwrap();
        let car = Vehicle {
            registration: "AB12CDE".into(),
            label: Some("Blue Fiesta".into()),
        };
        store.save_vehicle(&car).await.unwrap();
        store
            .save_vehicle(&Vehicle {
                label: Some("Fiesta".into()),
                ..car.clone()
            })
            .await
            .unwrap();
        let saved = store.vehicles().await.unwrap();
        assert_eq!(saved.len(), 1);
        assert_eq!(saved[0].label.as_deref(), Some("Fiesta"));
        store.remove_vehicle("AB12CDE").await.unwrap();
        assert!(store.vehicles().await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn the_parking_copy_is_replaced_whole() {
        let store = Store::open_in_memory().await.unwrap();
        let now = Utc.with_ymd_and_hms(2026, 11, 25, 8, 0, 0).unwrap();
        assert_eq!(store.parking(ALEX).await.unwrap(), Cached::default());
        store.replace_parking(ALEX, "[1]", now).await.unwrap();
        store.replace_parking(ALEX, "[2]", now).await.unwrap();
        let copy = store.parking(ALEX).await.unwrap();
        assert_eq!(
            (copy.records.as_deref(), copy.fetched_at),
            (Some("[2]"), Some(now))
        );
    }

    /// Every file the store writes: the database and its write-ahead log.
    fn file_bytes(dir: &Path) -> Vec<u8> {
        let mut all = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            all.extend(std::fs::read(entry.unwrap().path()).unwrap());
        }
        all
    }

    fn contains(haystack: &[u8], needle: &str) -> bool {
        haystack
            .windows(needle.len())
            .any(|w| w == needle.as_bytes())
    }

    /// A store holding a profile, an appointment and a vehicle with names found nowhere else.
    async fn fill(store: &Store) {
        let mut seen = appt("a1", 9);
        seen.clinician = Some("Dr Quillon Vantablack".into());
        store
            .replace_appointments(ALEX, &[seen], Utc::now())
            .await
            .unwrap();
        let profile = Profile {
            hospital_name: Some("St Elsewhere".into()),
            patient_id: "pt-1".into(),
            patient_name: Some("Zebedee Marchbanks".into()),
        };
        store.save_profile(ALEX.hospital, &profile).await.unwrap();
        let car = Vehicle {
            registration: "ZX71QRT".into(),
            label: Some("Zebedee's car".into()),
        };
        store.save_vehicle(&car).await.unwrap();
    }

    const NEEDLES: [&str; 4] = ["Zebedee", "Quillon Vantablack", "ZX71QRT", "St Elsewhere"];

    /// A store from before encryption (plain SQLite), filled.
    async fn plain_store(path: &Path) -> Store {
        let store = Store::connect(Store::file_options(path, None))
            .await
            .unwrap();
        fill(&store).await;
        store
    }

    #[tokio::test]
    async fn the_files_hold_nothing_of_the_patient_in_plain_text() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hale.sqlite");
        let store = Store::open(&path, &KEY).await.unwrap();
        fill(&store).await;
        let bytes = file_bytes(dir.path());
        assert!(bytes.len() > 4096, "the files are there");
        assert!(!contains(&bytes, "SQLite format 3"), "not a plain database");
        for needle in NEEDLES {
            assert!(
                !contains(&bytes, needle),
                "{needle} is readable in the files"
            );
        }
        store.db.close().await;

        // Another key reads nothing; the right one reads everything.
        let wrong = StoreKey::from_bytes([1; 32]);
        assert!(matches!(
            Store::open(&path, &wrong).await,
            Err(StoreError::Unreadable)
        ));
        let again = Store::open(&path, &KEY).await.unwrap();
        let profile = again.profile(ALEX.hospital).await.unwrap().unwrap();
        assert_eq!(profile.patient_name.as_deref(), Some("Zebedee Marchbanks"));
        assert_eq!(again.vehicles().await.unwrap().len(), 1);
    }

    #[tokio::test]
    async fn a_store_from_before_encryption_is_encrypted_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hale.sqlite");
        let plain = plain_store(&path).await;
        plain.db.close().await;
        // The test can fail: the plain file shows the data.
        assert!(contains(&file_bytes(dir.path()), "Zebedee Marchbanks"));

        let store = Store::open(&path, &KEY).await.unwrap();
        let profile = store.profile(ALEX.hospital).await.unwrap().unwrap();
        assert_eq!(profile.patient_name.as_deref(), Some("Zebedee Marchbanks"));
        assert_eq!(store.appointments(ALEX).await.unwrap().records.len(), 1);
        let bytes = file_bytes(dir.path());
        for needle in NEEDLES {
            assert!(!contains(&bytes, needle), "{needle} is still readable");
        }
    }

    #[test]
    fn keys_travel_as_hex_and_never_show_in_debug() {
        let key = StoreKey::generate().unwrap();
        assert_eq!(StoreKey::from_hex(&key.to_hex()), Some(key.clone()));
        assert_ne!(key, StoreKey::generate().unwrap());
        assert_eq!(format!("{key:?}"), "StoreKey(<redacted>)");
        assert_eq!(StoreKey::from_hex("abc"), None);
        assert_eq!(StoreKey::from_hex(&"zz".repeat(32)), None);
    }

    #[tokio::test]
    async fn erasing_leaves_nothing_of_the_patient_in_the_files() {
        // On a plain store, so the test sees the deletion itself, not the encryption.
        let dir = tempfile::tempdir().unwrap();
        let store = plain_store(&dir.path().join("hale.sqlite")).await;
        // The test can fail: the data is in the files before erasing.
        let before = file_bytes(dir.path());
        assert!(contains(&before, "Zebedee Marchbanks"));
        assert!(contains(&before, "Quillon Vantablack"));

        store.erase().await.unwrap();
        let after = file_bytes(dir.path());
        for needle in NEEDLES {
            assert!(!contains(&after, needle), "{needle} is still in the files");
        }
        assert_eq!(store.profile(ALEX.hospital).await.unwrap(), None);
        assert!(store.vehicles().await.unwrap().is_empty());
        // The store still works afterwards.
        store
            .replace_appointments(ALEX, &[appt("a2", 10)], Utc::now())
            .await
            .unwrap();
        assert_eq!(store.appointments(ALEX).await.unwrap().records.len(), 1);
    }
}
