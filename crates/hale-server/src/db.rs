//! Opening and migrating the hospital database.

use std::str::FromStr;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;

use crate::{FhirError, HospitalInfo};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Opens (creating if needed) and migrates the database at `url`.
pub async fn open_database(url: &str) -> Result<SqlitePool, FhirError> {
    let options = SqliteConnectOptions::from_str(url)
        .map_err(|e| FhirError::Internal(format!("bad database URL: {e}")))?
        .create_if_missing(true)
        .foreign_keys(true)
        // WAL lets readers go on while a booking writes; NORMAL is durable across app crashes.
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(std::time::Duration::from_secs(5));
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(options)
        .await?;
    MIGRATOR
        .run(&pool)
        .await
        .map_err(|e| FhirError::Internal(format!("migration failed: {e}")))?;
    Ok(pool)
}

pub(crate) async fn hospital_info(db: &SqlitePool) -> Result<HospitalInfo, FhirError> {
    let row: Option<(String, String)> =
        sqlx::query_as("SELECT name, timezone FROM hospital WHERE id = 1")
            .fetch_optional(db)
            .await?;
    let (name, timezone) = row.unwrap_or_else(|| ("Hospital".to_owned(), "UTC".to_owned()));
    let timezone = timezone
        .parse()
        .map_err(|_| FhirError::Internal(format!("unknown time zone '{timezone}'")))?;
    Ok(HospitalInfo { name, timezone })
}
