//! The store's file: opened encrypted (an unencrypted one encrypted in place), checked page by
//! page for damage, moved or removed with its write-ahead log, and erased.

use std::path::Path;
use std::str::FromStr;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use sqlx::ConnectOptions;

use crate::{Owner, Store, StoreError, StoreKey, MIGRATOR};

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
        // A log may vanish while we look: the failed open's connection, closing on its own
        // thread, removes its empty log (seen as a set-aside failing with "not found").
        match std::fs::rename(side, moved) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
            _ => {}
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

    pub(crate) fn file_options(path: &Path, key: Option<&StoreKey>) -> SqliteConnectOptions {
        let mut options = SqliteConnectOptions::new().filename(path);
        if let Some(key) = key {
            // sqlx sends `key` before any other pragma, as SQLCipher requires; statement text
            // is logged at debug level, and this one holds the key.
            options = options
                .pragma("key", format!("\"{}\"", key.raw()))
                .disable_statement_logging();
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
    pub async fn close(&self) {
        self.db.close().await;
    }

    /// A private in-memory store, for tests.
    pub async fn open_in_memory() -> Result<Self, StoreError> {
        Self::connect(SqliteConnectOptions::from_str("sqlite::memory:")?).await
    }

    pub(crate) async fn connect(options: SqliteConnectOptions) -> Result<Self, StoreError> {
        // One connection: the app is the only writer, and an in-memory database is per connection.
        let db = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.foreign_keys(true))
            .await?;
        MIGRATOR.run(&db).await?;
        Ok(Self { db })
    }

    /// Removes every record kept for one patient at one hospital: a helper's copy of someone
    /// whose consent ended. Every table keyed by hospital and patient is covered, including
    /// tables added later, so no part of the copy is left behind. The profile (whose records
    /// are shown) stays: it is rewritten when the helper goes back to their own.
    pub async fn forget_patient(&self, owner: Owner<'_>) -> Result<(), StoreError> {
        self.delete_all(Some(owner)).await?;
        // `secure_delete` (set at open) zeroes the freed content; the checkpoint takes the
        // deleted rows out of the write-ahead log too.
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&self.db)
            .await?;
        Ok(())
    }

    /// Removes everything the app keeps on this device (sign-out with "remove my data"): every
    /// row of every table, then the freed pages and the write-ahead log, so no deleted record
    /// lingers in the file.
    pub async fn erase(&self) -> Result<(), StoreError> {
        self.delete_all(None).await?;
        sqlx::query("VACUUM").execute(&self.db).await?;
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&self.db)
            .await?;
        Ok(())
    }

    /// Deletes, in one transaction, every row of every table, or with `only` just the rows of
    /// one patient at one hospital (the tables keyed by both, bar the profile).
    async fn delete_all(&self, only: Option<Owner<'_>>) -> Result<(), StoreError> {
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT m.name FROM sqlite_master m WHERE m.type = 'table' \
             AND m.name NOT LIKE 'sqlite_%' AND m.name <> '_sqlx_migrations' \
             AND (? = 0 OR (m.name <> 'profile' \
             AND EXISTS (SELECT 1 FROM pragma_table_info(m.name) c WHERE c.name = 'patient_id') \
             AND EXISTS (SELECT 1 FROM pragma_table_info(m.name) c WHERE c.name = 'hospital')))",
        )
        .bind(only.is_some())
        .fetch_all(&self.db)
        .await?;
        let mut tx = self.db.begin().await?;
        // Children and parents go in one transaction; the keys are checked at its end.
        sqlx::query("PRAGMA defer_foreign_keys = ON")
            .execute(&mut *tx)
            .await?;
        for table in &tables {
            // Names come from sqlite_master, not from anyone's input; quoted all the same.
            let table = table.replace('"', "\"\"");
            match only {
                None => {
                    sqlx::query(&format!("DELETE FROM \"{table}\""))
                        .execute(&mut *tx)
                        .await?
                }
                Some(owner) => {
                    sqlx::query(&format!(
                        "DELETE FROM \"{table}\" WHERE hospital = ? AND patient_id = ?"
                    ))
                    .bind(owner.hospital)
                    .bind(owner.patient_id)
                    .execute(&mut *tx)
                    .await?
                }
            };
        }
        tx.commit().await?;
        Ok(())
    }
}
