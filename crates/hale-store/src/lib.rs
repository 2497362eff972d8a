//! The app's local store: an SQLite file in the app's data directory, reached through sqlx.
//!
//! It holds the last full copy of the patient's records per hospital, so the app shows them when
//! the hospital is unreachable. A refresh replaces a patient's copy in one transaction: a crash
//! mid-way leaves the previous copy whole, never half of each.
//!
//! The file is encrypted with SQLCipher (AES-256, every page and the write-ahead log) under a
//! random 256-bit [`StoreKey`], which the app keeps in the operating system's keychain. A store
//! written before encryption is encrypted in place the first time it is opened with a key.

use chrono::{DateTime, Utc};
use hale_domain::care_circle::Permissions;
use hale_domain::Offers;
use sqlx::SqlitePool;

mod appointments;
mod care_team;
mod devices;
mod fetched;
mod file;
mod forms;
mod key;
mod medicines;
mod milestones;
mod parking;
mod reminders;
#[cfg(test)]
mod tests;
mod visits;

pub use devices::{PairedDevice, StoredReading};
pub use file::{move_store, remove_journal};
pub use forms::FormDraft;
pub use key::StoreKey;
pub use milestones::Milestone;
pub use parking::Vehicle;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

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

/// Which patient at which hospital a record belongs to.
#[derive(Debug, Clone, Copy)]
pub struct Owner<'a> {
    /// The hospital's FHIR base URL.
    pub hospital: &'a str,
    pub patient_id: &'a str,
}

/// Whose records the app shows at a hospital: the signed-in person's own, or those of someone
/// they help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub hospital_name: Option<String>,
    /// The patient the screens are about.
    pub patient_id: String,
    pub patient_name: Option<String>,
    /// The signed-in person's own patient id (`None` before it was learnt, from a version that
    /// did not keep it).
    pub self_id: Option<String>,
    /// Set while the signed-in person acts for `patient_id`: what that patient's consent allows.
    pub helping: Option<Permissions>,
    /// What the hospital offers in the app, as last read.
    pub offers: Offers,
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
