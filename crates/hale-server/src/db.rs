//! The hospital database: SQLite on one machine, PostgreSQL for a hospital that outgrows one,
//! chosen by the database URL.
//!
//! The server talks to both through sqlx's `Any` driver in one portable dialect: `$N`
//! placeholders, `ON CONFLICT`, integers as 64-bit, times as RFC 3339 UTC text (which sorts as
//! time does). What differs between the two lives here and nowhere else:
//! - the migrations, one directory per database with the same versions and meaning;
//! - how a write takes the database's write lock ([`begin_write`]);
//! - how server instances sharing one database hear of each other's queue changes ([`Backend`]).

use chrono::{DateTime, SecondsFormat, Utc};
use std::str::FromStr;

use sqlx::any::{AnyArguments, AnyConnectOptions, AnyPoolOptions, AnyTypeInfo, AnyTypeInfoKind};
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::migrate::Migrator;
use sqlx::ConnectOptions;
use sqlx::{Any, AnyPool, Arguments, Executor, Transaction};

use crate::encryption::DatabaseKey;
use crate::{FhirError, HospitalInfo};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// Which database a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The database a URL names, or an error naming the schemes Hale knows.
    pub fn of_url(url: &str) -> Result<Self, FhirError> {
        let scheme = url.split(':').next().unwrap_or_default();
        match scheme {
            "sqlite" => Ok(Self::Sqlite),
            "postgres" | "postgresql" if cfg!(feature = "postgres") => Ok(Self::Postgres),
            "postgres" | "postgresql" => Err(FhirError::Internal(
                "this build has no PostgreSQL support (hale-server's `postgres` feature)".into(),
            )),
            _ => Err(FhirError::Internal(format!(
                "unsupported database URL scheme '{scheme}': use sqlite:// or postgres://"
            ))),
        }
    }

    /// The database a connection (or a transaction on one) is connected to.
    pub(crate) fn of_connection(connection: &sqlx::AnyConnection) -> Self {
        if connection.backend_name().eq_ignore_ascii_case("sqlite") {
            Self::Sqlite
        } else {
            Self::Postgres
        }
    }

    /// The database a pool is connected to.
    pub fn of(pool: &AnyPool) -> Self {
        match pool.connect_options().database_url.scheme() {
            "sqlite" => Self::Sqlite,
            _ => Self::Postgres,
        }
    }
}

/// The PostgreSQL advisory lock (a single `bigint` key) every writing transaction holds:
/// exclusively over the whole hospital, shared over one patient ([`WriteScope`]). In
/// `pg_locks` it shows as `classid` 0, `objid` 1212238917, `objsubid` 1.
pub const HOSPITAL_LOCK: i64 = 0x4841_4c45; // "HALE"

/// The first key of a patient's advisory lock (the two-`integer` form, which PostgreSQL keeps
/// apart from the `bigint` one): in `pg_locks`, `classid` 1212238918 and `objsubid` 2, with
/// [`patient_lock`] as `objid`.
pub const PATIENT_LOCKS: i32 = 0x4841_4c46;

/// The second key of `patient`'s advisory lock: the 32-bit FNV-1a hash of their id. It must be
/// the same in every instance and every version of the server sharing a database, so it is
/// written out rather than taken from the standard library's hasher, which may change. Two
/// patients whose ids share a hash only wait for each other.
pub fn patient_lock(patient: &str) -> i32 {
    let hash = patient.bytes().fold(0x811c_9dc5_u32, |hash, byte| {
        (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
    });
    i32::from_ne_bytes(hash.to_ne_bytes())
}

/// The channel server instances announce queue changes on.
pub(crate) const QUEUE_CHANNEL: &str = "hale_queue";
/// The channel server instances announce alert and worklist changes on.
pub(crate) const ALERTS_CHANNEL: &str = "hale_alerts";
/// The channel the resource-event trigger announces changes on (migration 0024).
#[cfg(feature = "postgres")]
pub(crate) const EVENTS_CHANNEL: &str = "hale_events";

/// How often the server copies SQLite's write-ahead log into the database file.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// A connection whose commit leaves the log longer than this (in 4 KiB pages, about 40 MB)
/// copies it itself, as SQLite does by default at 1,000 pages: a backstop, should the server's
/// own checkpoints fall behind.
const WAL_BACKSTOP_PAGES: u32 = 10_000;

/// Copies a SQLite database's write-ahead log into its file every [`CHECKPOINT_EVERY`], beside
/// the writers. By default the commit that crosses 1,000 pages of log does it, inside the time
/// every other writer waits for: a tenth of a day's relay went there (BENCHMARKS.md). A passive
/// checkpoint waits for no one. Nothing to do on PostgreSQL, nor for a database in memory (the
/// app's embedded hospital without a key), which has no log: there the pragma would only fail
/// while another connection writes.
pub(crate) async fn checkpoint_forever(db: AnyPool) {
    if Backend::of(&db) != Backend::Sqlite {
        return;
    }
    match sqlx::query_scalar::<_, String>("PRAGMA journal_mode")
        .fetch_one(&db)
        .await
    {
        Ok(mode) if mode.eq_ignore_ascii_case("wal") => {}
        Ok(_) => return,
        Err(error) => {
            tracing::warn!(%error, "the journal mode could not be read; no checkpoints");
            return;
        }
    }
    let mut tick = tokio::time::interval(CHECKPOINT_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(error) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .execute(&db)
            .await
        {
            tracing::warn!(%error, "the write-ahead log was not copied into the database");
        }
    }
}

/// Opens (creating a SQLite file if needed) and migrates the database at `url`.
pub async fn open_database(url: &str) -> Result<AnyPool, FhirError> {
    open_database_keyed(url, None).await
}

/// Opens and migrates the database at `url`; a SQLite file encrypted with `key` (a plain one
/// from before is encrypted in place first).
pub async fn open_database_keyed(
    url: &str,
    key: Option<&DatabaseKey>,
) -> Result<AnyPool, FhirError> {
    sqlx::any::install_default_drivers();
    let backend = Backend::of_url(url)?;
    let pool = match backend {
        Backend::Sqlite => {
            // The `Any` driver takes SQLite's options from the URL alone: ask for the file to be
            // created there, and set the rest on each new connection.
            let in_memory = url.contains(":memory:") || url.contains("mode=memory");
            let url = if url.contains(":memory:") {
                // The driver reads the URL again for each connection, and each read of
                // `:memory:` is a new, empty database: name one that every connection shares.
                format!(
                    "sqlite:file:hale-memory-{:016x}?mode=memory&cache=shared",
                    crate::random::u64()?
                )
            } else if url.contains("mode=") {
                url.to_owned()
            } else if url.contains('?') {
                format!("{url}&mode=rwc")
            } else {
                format!("{url}?mode=rwc")
            };
            if !in_memory {
                // Checked on one connection first: the pool would retry a file it cannot read
                // until its timeout, and then say only that it timed out.
                crate::encryption::unlock(&url, key).await?;
            }
            let mut options = AnyConnectOptions::from_str(&url)?;
            if key.is_some() {
                // sqlx logs each statement's text at debug level: `PRAGMA key` holds the key.
                options = options.disable_statement_logging();
            }
            let key = key.map(DatabaseKey::pragma).unwrap_or_default();
            let mut pool = AnyPoolOptions::new().max_connections(8);
            if in_memory {
                // A database in memory lives while a connection to it is open: keep one.
                pool = pool
                    .min_connections(1)
                    .idle_timeout(None)
                    .max_lifetime(None);
            }
            pool.after_connect(move |conn, _| {
                let key = key.clone();
                Box::pin(async move {
                    // SQLCipher's key comes before anything that reads the file.
                    if !key.is_empty() {
                        conn.execute(key.as_str()).await?;
                    }
                    // A writer waits for the lock rather than failing: set first, since
                    // switching to WAL itself needs the lock, and a new connection that failed
                    // here at once was retried by the pool until it timed out (a CI flake);
                    // WAL lets readers go on while a booking writes; NORMAL is durable across
                    // app crashes. The log is copied into the file by `checkpoint_forever`, off
                    // the writers' path; a connection does it itself only past a backstop.
                    conn.execute(
                        format!(
                            "PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON; \
                             PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                             PRAGMA wal_autocheckpoint = {WAL_BACKSTOP_PAGES};"
                        )
                        .as_str(),
                    )
                    .await?;
                    Ok(())
                })
            })
            .connect_with(options)
            .await?
        }
        Backend::Postgres => {
            let pool = AnyPoolOptions::new()
                .max_connections(16)
                .connect(url)
                .await?;
            check_collation(&pool).await?;
            pool
        }
    };
    let migrator = match backend {
        Backend::Sqlite => &SQLITE_MIGRATIONS,
        Backend::Postgres => &POSTGRES_MIGRATIONS,
    };
    migrator
        .run(&pool)
        .await
        .map_err(|e| FhirError::Internal(format!("migration failed: {e}")))?;
    Ok(pool)
}

/// Times, references and ids are compared as text: PostgreSQL must compare them byte by byte,
/// as SQLite does, or a linguistic collation could order two times wrongly.
async fn check_collation(pool: &AnyPool) -> Result<(), FhirError> {
    let (collate,): (String,) = sqlx::query_as(
        "SELECT datcollate::text FROM pg_database WHERE datname = current_database()",
    )
    .fetch_one(pool)
    .await?;
    let bytewise = ["C", "POSIX", "C.UTF-8", "C.utf8", "ucs_basic"];
    if bytewise.contains(&collate.as_str()) {
        Ok(())
    } else {
        Err(FhirError::Internal(format!(
            "the database's collation is '{collate}'; Hale needs a byte-order one: \
             create it with `createdb --locale=C --encoding=UTF8 --template=template0`"
        )))
    }
}

/// What a writing transaction may change, which decides whom it waits for on PostgreSQL.
/// (SQLite has one writer at a time whatever the scope.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WriteScope<'a> {
    /// Anything in the hospital: it waits for every other writer, and every writer waits for
    /// it. Bookings, the console's actions, sign-ins and the rest.
    Hospital,
    /// One patient's own records: their readings, their dose records, and the monitoring
    /// alerts and worklist tasks those raise. It waits only for writers of the same patient
    /// and for hospital-wide writers, so instances storing different patients' readings run
    /// side by side.
    Patient(&'a str),
}

/// Begins a writing transaction over the whole hospital ([`WriteScope::Hospital`]).
pub(crate) async fn begin_write(db: &AnyPool) -> Result<Transaction<'static, Any>, FhirError> {
    begin_write_in(db, WriteScope::Hospital).await
}

/// Begins a writing transaction that changes only `patient`'s own records
/// ([`WriteScope::Patient`]).
pub(crate) async fn begin_patient_write(
    db: &AnyPool,
    patient: &str,
) -> Result<Transaction<'static, Any>, FhirError> {
    begin_write_in(db, WriteScope::Patient(patient)).await
}

/// Begins a transaction: every transaction in the server is one of these, since each writes.
///
/// It takes the write lock for its scope first, so that what it reads stays true until it
/// commits. On SQLite that is `BEGIN IMMEDIATE`, the database's one write lock. (A deferred
/// `BEGIN` that reads and then writes fails at once with "database is locked" when another
/// writer got in between; the busy timeout does not cover that upgrade.) On PostgreSQL it is
/// advisory locks held to the end of the transaction, across every server instance on the
/// database, in two levels: a hospital-wide writer holds [`HOSPITAL_LOCK`] exclusively; a
/// patient's writer holds it shared, and the patient's own lock ([`patient_lock`])
/// exclusively. So a hospital-wide writer excludes every writer, and a patient's writer only
/// the same patient's.
async fn begin_write_in(
    db: &AnyPool,
    scope: WriteScope<'_>,
) -> Result<Transaction<'static, Any>, FhirError> {
    match Backend::of(db) {
        Backend::Sqlite => Ok(db.begin_with("BEGIN IMMEDIATE").await?),
        Backend::Postgres => {
            let mut tx = db.begin().await?;
            // The lock functions return `void`, which the `Any` driver cannot carry. The shared
            // hospital lock comes first, in a statement of its own so that the order is certain:
            // a patient's writer never holds its own lock while it queues behind a hospital-wide
            // one.
            let hospital = match scope {
                WriteScope::Hospital => {
                    "SELECT 1 FROM (SELECT pg_advisory_xact_lock($1)) AS locked"
                }
                WriteScope::Patient(_) => {
                    "SELECT 1 FROM (SELECT pg_advisory_xact_lock_shared($1)) AS locked"
                }
            };
            sqlx::query(hospital)
                .bind(HOSPITAL_LOCK)
                .execute(&mut *tx)
                .await?;
            if let WriteScope::Patient(patient) = scope {
                sqlx::query(
                    "SELECT 1 FROM (SELECT pg_advisory_xact_lock(CAST($1 AS INTEGER), \
                     CAST($2 AS INTEGER))) AS locked",
                )
                .bind(i64::from(PATIENT_LOCKS))
                .bind(i64::from(patient_lock(patient)))
                .execute(&mut *tx)
                .await?;
            }
            Ok(tx)
        }
    }
}

/// Tells the other server instances on this database that something on `channel` changed
/// (PostgreSQL only; a SQLite file has one server).
pub(crate) async fn announce(db: &AnyPool, channel: &str) -> Result<(), FhirError> {
    if Backend::of(db) == Backend::Postgres {
        db.execute(format!("NOTIFY {channel}").as_str()).await?;
    }
    Ok(())
}

/// An instant as the database keeps it: RFC 3339 UTC text, e.g. `2026-12-03T09:30:00+00:00`
/// (the form sqlx's SQLite driver wrote before the server spoke to PostgreSQL too).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Time(pub DateTime<Utc>);

impl Time {
    pub fn text(t: DateTime<Utc>) -> String {
        t.to_rfc3339_opts(SecondsFormat::AutoSi, false)
    }
}

impl From<Time> for DateTime<Utc> {
    fn from(t: Time) -> Self {
        t.0
    }
}

impl sqlx::Type<Any> for Time {
    fn type_info() -> AnyTypeInfo {
        <String as sqlx::Type<Any>>::type_info()
    }

    fn compatible(ty: &AnyTypeInfo) -> bool {
        ty.kind() == AnyTypeInfoKind::Text
    }
}

impl<'q> sqlx::Encode<'q, Any> for Time {
    fn encode_by_ref(
        &self,
        buf: &mut <Any as sqlx::Database>::ArgumentBuffer<'q>,
    ) -> Result<IsNull, BoxDynError> {
        <String as sqlx::Encode<Any>>::encode(Self::text(self.0), buf)
    }
}

impl<'r> sqlx::Decode<'r, Any> for Time {
    fn decode(value: <Any as sqlx::Database>::ValueRef<'r>) -> Result<Self, BoxDynError> {
        let text = <&str as sqlx::Decode<Any>>::decode(value)?;
        Ok(Self(parse_time(text)?))
    }
}

fn parse_time(text: &str) -> Result<DateTime<Utc>, BoxDynError> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    // SQLite's own `datetime()` form, should a row ever have been written by hand.
    let naive = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f")
        .map_err(|e| format!("'{text}' is not a time: {e}"))?;
    Ok(naive.and_utc())
}

/// A query assembled piece by piece with numbered placeholders, which both databases read
/// (sqlx's `QueryBuilder` writes `?` for the `Any` driver, which PostgreSQL does not take).
#[derive(Default)]
pub(crate) struct Sql<'q> {
    text: String,
    args: AnyArguments<'q>,
    count: usize,
    /// `?` rather than `$N` (SQLite only).
    anonymous: bool,
}

impl<'q> Sql<'q> {
    pub(crate) fn new(start: &str) -> Self {
        Self {
            text: start.to_owned(),
            ..Self::default()
        }
    }

    /// For statements with hundreds of parameters: on SQLite the placeholders are `?`, since it
    /// reads `$N` as a name and looks each one up in a list, a cost that grows with the square
    /// of their number (a fifth of a reading upload's time with 450 of them).
    pub(crate) fn for_many(backend: Backend, start: &str) -> Self {
        Self {
            anonymous: backend == Backend::Sqlite,
            ..Self::new(start)
        }
    }

    pub(crate) fn push(&mut self, sql: &str) -> &mut Self {
        self.text.push_str(sql);
        self
    }

    pub(crate) fn push_bind<T>(&mut self, value: T) -> &mut Self
    where
        T: 'q + Send + sqlx::Encode<'q, Any> + sqlx::Type<Any>,
    {
        self.count += 1;
        if self.anonymous {
            self.text.push('?');
        } else {
            self.text.push('$');
            self.text.push_str(&self.count.to_string());
        }
        // Encoding into `AnyArguments` cannot fail for the plain values bound here.
        let _ = self.args.add(value);
        self
    }

    /// `$a, $b, …`, one placeholder per value (for `IN (…)`).
    pub(crate) fn push_list<T, I>(&mut self, values: I) -> &mut Self
    where
        I: IntoIterator<Item = T>,
        T: 'q + Send + sqlx::Encode<'q, Any> + sqlx::Type<Any>,
    {
        for (i, value) in values.into_iter().enumerate() {
            if i > 0 {
                self.text.push_str(", ");
            }
            self.push_bind(value);
        }
        self
    }

    /// The statement, ready to run; its arguments are taken, so build it once.
    pub(crate) fn build(&mut self) -> sqlx::query::Query<'_, Any, AnyArguments<'_>> {
        sqlx::query_with(&self.text, std::mem::take(&mut self.args))
    }

    /// The query, ready to run; its arguments are taken, so build it once.
    pub(crate) fn build_query_as<O>(&mut self) -> sqlx::query::QueryAs<'_, Any, O, AnyArguments<'_>>
    where
        O: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow>,
    {
        sqlx::query_as_with(&self.text, std::mem::take(&mut self.args))
    }
}

pub(crate) async fn hospital_info(db: &AnyPool) -> Result<HospitalInfo, FhirError> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_patients_lock_key_is_the_published_fnv_1a_hash_of_their_id() {
        // Every instance and version on one database must agree: pinned to the published
        // FNV-1a test vectors, not to whatever this build computes.
        let hash = |id: &str| u32::from_ne_bytes(patient_lock(id).to_ne_bytes());
        assert_eq!(hash(""), 0x811c_9dc5);
        assert_eq!(hash("a"), 0xe40c_292c);
        assert_eq!(hash("foobar"), 0xbf9c_f968);
    }

    #[test]
    fn placeholders_are_numbered_except_many_on_sqlite() {
        let text = |mut sql: Sql<'_>| {
            sql.push_bind(1_i64).push(", ").push_list([2_i64, 3]);
            sql.text
        };
        assert_eq!(text(Sql::new("VALUES (")), "VALUES ($1, $2, $3");
        assert_eq!(
            text(Sql::for_many(Backend::Postgres, "VALUES (")),
            "VALUES ($1, $2, $3"
        );
        assert_eq!(
            text(Sql::for_many(Backend::Sqlite, "VALUES (")),
            "VALUES (?, ?, ?"
        );
    }

    #[test]
    fn times_are_written_as_sqlx_wrote_them_and_read_in_either_form() {
        let t = DateTime::parse_from_rfc3339("2026-12-03T09:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(Time::text(t), "2026-12-03T09:30:00+00:00");
        assert_eq!(parse_time("2026-12-03T09:30:00+00:00").unwrap(), t);
        assert_eq!(parse_time("2026-12-03 09:30:00").unwrap(), t);
        assert!(parse_time("3 December").is_err());
    }

    #[test]
    fn both_databases_have_the_same_migrations() {
        let names = |m: &Migrator| -> Vec<(i64, String)> {
            m.iter()
                .map(|m| (m.version, m.description.to_string()))
                .collect()
        };
        assert_eq!(names(&SQLITE_MIGRATIONS), names(&POSTGRES_MIGRATIONS));
        assert!(SQLITE_MIGRATIONS.iter().count() >= 8);
    }

    /// The statements alone: comments dropped, whitespace collapsed.
    fn statements(sql: &str) -> String {
        sql.lines()
            .map(|l| l.split("--").next().unwrap_or_default())
            .collect::<Vec<_>>()
            .join(" ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The tables `sql`'s triggers watch, and `sql` without its triggers and trigger functions
    /// (each database writes those in its own language).
    fn without_triggers(sql: &str) -> (Vec<String>, String) {
        let mut rest = sql.to_owned();
        let mut watched = Vec::new();
        let cut = |rest: &mut String, from: &str, to: &str| -> Option<String> {
            let start = rest.find(from)?;
            let end = start + rest[start..].find(to)? + to.len();
            let found = rest[start..end].to_owned();
            rest.replace_range(start..end, "");
            Some(found)
        };
        while cut(&mut rest, "CREATE FUNCTION", "LANGUAGE plpgsql;").is_some() {}
        // SQLite's triggers end their body with `END;`, PostgreSQL's name a function.
        let to = if sql.contains("EXECUTE FUNCTION") {
            ";"
        } else {
            "END;"
        };
        while let Some(trigger) = cut(&mut rest, "CREATE TRIGGER", to) {
            let table = trigger
                .split(" ON ")
                .nth(1)
                .and_then(|t| t.split_whitespace().next())
                .unwrap_or_default()
                .to_owned();
            if !watched.contains(&table) {
                watched.push(table);
            }
        }
        watched.sort();
        (
            watched,
            rest.split_whitespace().collect::<Vec<_>>().join(" "),
        )
    }

    #[test]
    fn the_postgres_migrations_are_the_sqlite_ones_in_postgres_types() {
        // The only differences allowed: PostgreSQL's names for SQLite's types; the one
        // case-blind sign-in names, which PostgreSQL gets as a unique index on lower();
        // statements editing stored JSON, which each database does with its own functions
        // (compared by count: one each side); and triggers, compared by the tables they watch.
        let without_json = |sql: String| {
            let (json, rest): (Vec<&str>, Vec<&str>) = sql
                .split(';')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .partition(|s| s.contains("json"));
            (json.len(), rest.join("; "))
        };
        let nocase = |table: &str| {
            (
                "username TEXT NOT NULL UNIQUE COLLATE NOCASE, password_hash TEXT NOT NULL );"
                    .to_owned(),
                format!(
                    "username TEXT NOT NULL, password_hash TEXT NOT NULL ); CREATE UNIQUE INDEX \
                     {table}_username ON {table} (lower(username));"
                ),
            )
        };
        for (sqlite, postgres) in SQLITE_MIGRATIONS.iter().zip(POSTGRES_MIGRATIONS.iter()) {
            let table = if sqlite.version == 9 {
                "staff"
            } else {
                "patient_login"
            };
            let nocase = nocase(table);
            let translated = statements(&sqlite.sql)
                .replace(
                    "INTEGER PRIMARY KEY AUTOINCREMENT",
                    "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
                )
                .replace("INTEGER", "BIGINT")
                .replace("REAL", "DOUBLE PRECISION")
                .replace(&nocase.0, &nocase.1);
            let (sqlite_watch, translated) = without_triggers(&translated);
            let (postgres_watch, postgres_sql) = without_triggers(&statements(&postgres.sql));
            assert_eq!(
                sqlite_watch, postgres_watch,
                "migration {}'s triggers watch other tables",
                sqlite.version
            );
            assert_eq!(
                without_json(translated),
                without_json(postgres_sql),
                "migration {} differs beyond types",
                sqlite.version
            );
        }
    }

    #[test]
    fn the_url_names_the_database() {
        assert_eq!(Backend::of_url("sqlite://h.db").unwrap(), Backend::Sqlite);
        assert_eq!(Backend::of_url("sqlite::memory:").unwrap(), Backend::Sqlite);
        assert_eq!(
            Backend::of_url("postgres://hale@db/hale").unwrap(),
            Backend::Postgres
        );
        assert_eq!(
            Backend::of_url("postgresql://db/hale").unwrap(),
            Backend::Postgres
        );
        assert!(Backend::of_url("mysql://db/hale").is_err());
    }
}
