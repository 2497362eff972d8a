//! A hospital database encrypted at rest with SQLCipher: what the app's embedded demo hospital
//! uses, since it holds the readings and dose records the patient's app relays to it, on the
//! patient's own machine. (A hospital's own server encrypts its disks and its PostgreSQL as its
//! IT department does; see docs/deployment.md.)

use std::path::{Path, PathBuf};
use std::str::FromStr;

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection, SqliteConnection};

use crate::FhirError;

/// A 256-bit SQLCipher key, used raw (there is no passphrase to stretch). Its `Debug` never
/// shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseKey(String);

impl std::fmt::Debug for DatabaseKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DatabaseKey(<redacted>)")
    }
}

impl DatabaseKey {
    /// The key from its 64 hexadecimal digits, or `None` for anything else.
    pub fn from_hex(hex: &str) -> Option<Self> {
        let hex = hex.trim();
        (hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| Self(hex.to_ascii_lowercase()))
    }

    /// The `PRAGMA key` value SQLCipher takes a raw key as.
    pub(crate) fn pragma(&self) -> String {
        format!("PRAGMA key = \"x'{}'\";", self.0)
    }

    fn raw(&self) -> String {
        format!("x'{}'", self.0)
    }
}

/// Makes sure the SQLite file at `url` can be read with `key` (or, without one, as plain
/// SQLite): a plain file meeting a key is encrypted in place. Without a key, a file that is not
/// plain SQLite is a clear error. With one, a file neither key nor plain reading opens is set
/// aside and a new one begun: the key is the app's store key, and a new store key (the keychain
/// lost its entry) means a new store, whose embedded hospital must begin again too.
pub(crate) async fn unlock(url: &str, key: Option<&DatabaseKey>) -> Result<(), FhirError> {
    // Statement text is logged at debug level, and `PRAGMA key` holds the key.
    let options = SqliteConnectOptions::from_str(url)?.disable_statement_logging();
    let mut conn = SqliteConnection::connect_with(&options).await?;
    if let Some(key) = key {
        sqlx::query(&key.pragma()).execute(&mut conn).await?;
    }
    let read = sqlx::query_scalar::<_, i64>("SELECT count(*) FROM sqlite_master")
        .fetch_one(&mut conn)
        .await;
    conn.close().await?;
    match (read, key) {
        (Ok(_), _) => Ok(()),
        (Err(e), Some(key)) if is_not_a_database(&e) => encrypt_in_place(url, key).await,
        (Err(e), None) if is_not_a_database(&e) => Err(FhirError::Internal(
            "the hospital database is encrypted (or is not a database): it needs its key".into(),
        )),
        (Err(e), _) => Err(e.into()),
    }
}

/// SQLITE_NOTADB, in any extended form: what a file looks like through the wrong key (or a plain
/// file through any key).
fn is_not_a_database(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(e)
        if e.code().and_then(|c| c.parse::<i32>().ok()).is_some_and(|c| c & 0xff == 26))
}

/// A database file written before it was encrypted: copies it into an encrypted file with `key`
/// and puts that in its place. A file unreadable both ways is set aside, kept (the right key
/// may come back).
async fn encrypt_in_place(url: &str, key: &DatabaseKey) -> Result<(), FhirError> {
    let options = SqliteConnectOptions::from_str(url)?.disable_statement_logging();
    let path = options.get_filename().to_owned();
    let mut plain = SqliteConnection::connect_with(&options).await?;
    let readable = sqlx::query_scalar::<_, i64>("SELECT count(*) FROM sqlite_master")
        .fetch_one(&mut plain)
        .await;
    if readable.is_err() {
        plain.close().await?;
        return set_aside(&path);
    }
    let encrypted = sibling(&path, "encrypting");
    let _ = std::fs::remove_file(&encrypted);
    sqlx::query("ATTACH DATABASE $1 AS encrypted KEY $2")
        .bind(encrypted.to_string_lossy().into_owned())
        .bind(key.raw())
        .execute(&mut plain)
        .await?;
    sqlx::query("SELECT sqlcipher_export('encrypted')")
        .execute(&mut plain)
        .await?;
    sqlx::query("DETACH DATABASE encrypted")
        .execute(&mut plain)
        .await?;
    plain.close().await?;
    // The plain file's journal belongs to the plain file: it must not meet the new one.
    for journal in ["wal", "shm"] {
        let _ = std::fs::remove_file(sibling(&path, journal));
    }
    std::fs::rename(&encrypted, &path)
        .map_err(|e| FhirError::Internal(format!("cannot replace the plain database: {e}")))?;
    tracing::info!("the hospital database was encrypted in place");
    Ok(())
}

/// Moves the file at `path` and its journal to `…-unreadable-N`, the first N free.
fn set_aside(path: &Path) -> Result<(), FhirError> {
    let aside = (1..)
        .map(|n| sibling(path, &format!("unreadable-{n}")))
        .find(|p| !p.exists())
        .unwrap_or_else(|| sibling(path, "unreadable"));
    std::fs::rename(path, &aside)
        .map_err(|e| FhirError::Internal(format!("cannot set the database aside: {e}")))?;
    for journal in ["wal", "shm"] {
        let from = sibling(path, journal);
        if from.exists() {
            let mut to = aside.as_os_str().to_owned();
            to.push(format!("-{journal}"));
            let _ = std::fs::rename(from, PathBuf::from(to));
        }
    }
    tracing::warn!("the hospital database could not be read with its key: set aside, begun anew");
    Ok(())
}

/// `hospital.sqlite` → `hospital.sqlite-{suffix}`.
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(format!("-{suffix}"));
    PathBuf::from(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_64_hex_digits_and_never_shown() {
        let hex = "0123456789abcdef".repeat(4);
        let key = DatabaseKey::from_hex(&hex).unwrap();
        assert_eq!(format!("{key:?}"), "DatabaseKey(<redacted>)");
        assert!(DatabaseKey::from_hex(&hex[..63]).is_none());
        assert!(DatabaseKey::from_hex(&"zz".repeat(32)).is_none());
    }
}
