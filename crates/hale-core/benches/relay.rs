//! Relay throughput: one day of 1 Hz heart rate (86,400 readings) decoded and stored the way the
//! device service hands them over, then relayed to a reference hospital on loopback (real HTTP,
//! real SQLite on both sides), then counted on the server for duplicates. Prints its figures.
//!
//! Decode + store is compared with a raw rusqlite bulk insert of the same rows.
//!
//! Run: `cargo bench -p hale-core --bench relay` (add `-- N` for another number of readings).
//!
//! With `-- cgm` it measures a continuous glucose monitor instead: a 14-day sensor at one
//! reading a minute (20,160 readings) downloaded through the RACP in the service's batches,
//! stored, relayed and counted on the server.
//!
//! With `-- relay` it measures the relay alone: the readings are stored in the service's batches
//! (seconds, not the minute and more of one transaction per reading), then relayed and counted.

#[path = "../tests/it/common/mod.rs"]
#[allow(dead_code)] // the bench uses part of the tests' support
mod common;

use std::time::Instant;

use chrono::{Duration, Utc};
use hale_core::Patient;
use hale_domain::device::{decode, Characteristic, DeviceType};
use hale_domain::reminder::ReminderText;
use hale_server::demo::seed::DEMO_PATIENT;
use hale_server::ServerOptions;
use hale_store::{PairedDevice, Store};

/// Batches as the device service flushes them at most (its FLUSH_AT).
const BATCH: usize = 200;

struct Silent;

impl hale_core::watch::Notifier for Silent {
    fn show(&self, _: &ReminderText) -> Result<(), String> {
        Ok(())
    }
}

/// Pairs a device of `device_type` as `name`.
async fn pair(
    patient: &Patient,
    id: &str,
    name: &str,
    device_type: DeviceType,
    now: chrono::DateTime<Utc>,
) {
    patient
        .pair_device(&PairedDevice {
            id: id.into(),
            name: name.into(),
            device_type,
            paired_at: now,
            last_seen_at: None,
            last_sequence: None,
            record_session: None,
        })
        .await
        .expect("pair");
}

/// A patient app on its own store at `path`, signed in to the hospital at `base` through its
/// sign-in page (the core tests' test browser and in-memory keychain).
async fn signed_in(base: &str, path: &std::path::Path) -> Patient {
    let keychain = std::sync::Arc::new(common::MemoryKeychain::default());
    let patient = common::signed_in(base, path, keychain, DEMO_PATIENT).await;
    patient.home(Utc::now()).await.expect("home");
    patient
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    if std::env::args().any(|a| a == "cgm") {
        return cgm().await;
    }
    let relay_only = std::env::args().any(|a| a == "relay");
    let count: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(86_400);
    let dir = tempfile::tempdir().expect("temp dir");
    let db_url = format!("sqlite://{}", dir.path().join("hospital.sqlite").display());
    let mut options = ServerOptions::embedded_demo(db_url.clone());
    options.simulate_demo_day = false;
    let server = hale_server::start(&options).await.expect("server");
    let base = server.fhir_base();
    let patient = signed_in(&base, &dir.path().join("app.sqlite")).await;
    let now = Utc::now();
    let device = "C4:7C:8D:6A:11:01";
    pair(
        &patient,
        device,
        "Heart rate strap",
        DeviceType::HeartRate,
        now,
    )
    .await;

    // Decode + store, batched.
    let start = now - Duration::seconds(count as i64 + 60);
    let packets: Vec<[u8; 4]> = (0..count)
        .map(|i| [0x10, 55 + (i % 60) as u8, 0x00, 0x04])
        .collect();
    if relay_only {
        let spacing = Duration::seconds(1);
        store_in_batches(&patient, device, &packets, start, spacing, now).await;
        let relay_s = relay(&patient, count).await;
        count_on_server(&db_url, count).await;
        eprintln!("  (relay alone: {relay_s:.2} s)");
        server.stop().await.expect("stop");
        return;
    }
    let began = Instant::now();
    for (b, chunk) in packets.chunks(BATCH).enumerate() {
        let measurements: Vec<_> = chunk
            .iter()
            .map(|p| decode(Characteristic::HeartRateMeasurement, p).expect("valid packet"))
            .collect();
        // One batch per received instant (as the service does), a second apart per reading.
        for (i, m) in measurements.into_iter().enumerate() {
            let at = start + Duration::seconds((b * BATCH + i) as i64);
            patient
                .record_measurements(device, &[(m, at)], None, &Utc, &Silent, at)
                .await
                .expect("store");
        }
    }
    let stored_s = began.elapsed().as_secs_f64();

    // Decode + store in the service's largest batches (a download, a fast stream), in a second
    // app store that is never relayed.
    let other = signed_in(&base, &dir.path().join("batched.sqlite")).await;
    let fast = "C4:7C:8D:6A:11:02";
    pair(&other, fast, "Fast stream", DeviceType::HeartRate, now).await;
    let began = Instant::now();
    let spacing = Duration::milliseconds(1);
    store_in_batches(&other, fast, &packets, start, spacing, now).await;
    let batched_s = began.elapsed().as_secs_f64();
    let stored = other
        .readings(
            hale_domain::device::ReadingKind::HeartRate,
            start - Duration::days(1),
        )
        .await
        .expect("readings");
    assert_eq!(stored.len(), count, "every batched reading stored");

    // The baseline: the same rows, read back from that store, bulk-inserted raw with rusqlite
    // (one prepared statement, one transaction) into a new file with the same key and settings.
    let raw_s = raw_bulk_insert(
        &dir.path().join("batched.sqlite"),
        &dir.path().join("raw.sqlite"),
        count,
    );

    // Opening that store as the app starts: every page is read and checked (damage is found at
    // start), so this is the cost of the check on a day of 1 Hz readings.
    let path = dir.path().join("batched.sqlite");
    let began = Instant::now();
    let reopened = Store::open(&path, &common::STORE_KEY)
        .await
        .expect("reopen");
    let open_ms = began.elapsed().as_secs_f64() * 1000.0;
    reopened.close().await;
    let file_mb = std::fs::metadata(&path).map_or(0.0, |m| m.len() as f64 / 1e6);

    let relay_s = relay(&patient, count).await;
    eprintln!("relay benchmark: {count} heart-rate readings at 1 Hz");
    eprintln!(
        "  decode + store (one transaction per reading):  {stored_s:.2} s  ({:.0} readings/s)",
        count as f64 / stored_s
    );
    eprintln!(
        "  decode + store in batches of {BATCH}:              {batched_s:.2} s  ({:.0} readings/s)",
        count as f64 / batched_s
    );
    eprintln!(
        "  raw rusqlite bulk insert of the same rows:     {raw_s:.2} s  ({:.0} rows/s); \
         batched decode + store reaches {:.0} % of it",
        count as f64 / raw_s,
        100.0 * raw_s / batched_s
    );
    eprintln!(
        "  opening that store, every page checked:       {open_ms:.0} ms  ({file_mb:.1} MB file)"
    );
    eprintln!("  relay to the hospital on loopback:            {relay_s:.2} s");
    count_on_server(&db_url, count).await;
    server.stop().await.expect("stop");
}

/// Decodes `packets` and stores them in the service's largest batches, one received instant a
/// batch, the readings `spacing` apart from `start`.
async fn store_in_batches(
    patient: &Patient,
    device: &str,
    packets: &[[u8; 4]],
    start: chrono::DateTime<Utc>,
    spacing: Duration,
    now: chrono::DateTime<Utc>,
) {
    for (b, chunk) in packets.chunks(BATCH).enumerate() {
        let batch: Vec<_> = chunk
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let m = decode(Characteristic::HeartRateMeasurement, p).expect("valid packet");
                (m, start + spacing * (b * BATCH + i) as i32)
            })
            .collect();
        patient
            .record_measurements(device, &batch, None, &Utc, &Silent, now)
            .await
            .expect("store");
    }
}

/// Relays everything `patient` holds, printing the figure; returns its seconds. Announced
/// first, so a profiler can attach for this part alone.
async fn relay(patient: &Patient, count: usize) -> f64 {
    eprintln!("relaying {count} readings…");
    let began = Instant::now();
    let cpu_before = cpu_seconds();
    let report = patient.relay_readings(Utc::now()).await.expect("relay");
    let relay_s = began.elapsed().as_secs_f64();
    let cpu_s = cpu_seconds() - cpu_before;
    eprintln!(
        "  relayed in {relay_s:.2} s: {:.0} readings/s, {} created, {} already there; \
         {cpu_s:.2} s of CPU (app and hospital together, {:.0} % of one core)",
        count as f64 / relay_s,
        report.created,
        report.already_there,
        100.0 * cpu_s / relay_s
    );
    relay_s
}

/// This process's CPU time so far (user and system, every thread), from `/proc/self/stat`.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("/proc/self/stat");
    // The fields after the command's closing parenthesis; utime and stime are the 14th and
    // 15th of the whole line, in clock ticks (100 a second on Linux).
    let rest = &stat[stat.rfind(')').expect("comm") + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 =
        fields[11].parse::<u64>().expect("utime") + fields[12].parse::<u64>().expect("stime");
    ticks as f64 / 100.0
}

/// Counts the readings on the server, and fails unless each arrived exactly once.
async fn count_on_server(db_url: &str, count: usize) {
    let (rows, distinct) = held(db_url).await;
    eprintln!(
        "  on the server: {rows} rows, {distinct} distinct, {} duplicates",
        rows - distinct
    );
    assert_eq!(rows as usize, count, "every reading on the server");
    assert_eq!(rows, distinct, "no duplicates");
}

/// The readings the hospital holds, and how many distinct ones.
async fn held(db_url: &str) -> (i64, i64) {
    let db = hale_server::open_database(db_url).await.expect("server db");
    sqlx::query_as("SELECT COUNT(*), COUNT(DISTINCT identifier_value) FROM observation")
        .fetch_one(&db)
        .await
        .expect("count")
}

/// A 14-day CGM session at one reading a minute: every record downloaded as the device service
/// hands a download over (batches of its FLUSH_AT, one record a notification), stored, then
/// relayed and counted on the server.
async fn cgm() {
    use hale_domain::device::cgm::{self, CgmMeasurement, SessionStart};
    use hale_domain::device::Measurement;
    const COUNT: u16 = 20_160;
    let dir = tempfile::tempdir().expect("temp dir");
    let db_url = format!("sqlite://{}", dir.path().join("hospital.sqlite").display());
    let mut options = ServerOptions::embedded_demo(db_url.clone());
    options.simulate_demo_day = false;
    let server = hale_server::start(&options).await.expect("server");
    let patient = signed_in(&server.fhir_base(), &dir.path().join("app.sqlite")).await;
    let now = Utc::now();
    let sensor = "00:1B:DC:0F:44:04";
    pair(&patient, sensor, "CGM", DeviceType::ContinuousGlucose, now).await;
    let session = SessionStart {
        local: Some((now - Duration::minutes(i64::from(COUNT) + 1)).naive_utc()),
        utc_offset_min: Some(0),
    };
    // The sensor's notifications as sent: size, flags, SFLOAT mg/dL, offset, E2E-CRC.
    let packets: Vec<Vec<u8>> = (1..=COUNT)
        .map(|offset| {
            let mg_dl = 80 + offset % 120;
            let mut p = vec![8, 0];
            p.extend(mg_dl.to_le_bytes());
            p.extend(offset.to_le_bytes());
            p.extend(cgm::e2e_crc(&p).to_le_bytes());
            p
        })
        .collect();
    let began = Instant::now();
    for chunk in packets.chunks(BATCH) {
        let batch: Vec<_> = chunk
            .iter()
            .map(|p| {
                let records = cgm::decode_measurement(p, true).expect("valid record");
                (
                    Measurement::Cgm(CgmMeasurement {
                        records,
                        session: Some(session),
                    }),
                    now,
                )
            })
            .collect();
        patient
            .record_measurements(sensor, &batch, None, &Utc, &Silent, now)
            .await
            .expect("store");
    }
    let stored_s = began.elapsed().as_secs_f64();
    let began = Instant::now();
    let report = patient.relay_readings(Utc::now()).await.expect("relay");
    let relay_s = began.elapsed().as_secs_f64();
    let (rows, distinct) = held(&db_url).await;
    eprintln!("CGM relay benchmark: a 14-day sensor, {COUNT} readings at one a minute");
    eprintln!(
        "  decode (CRC checked) + store in batches of {BATCH}: {stored_s:.2} s  ({:.0} readings/s)",
        f64::from(COUNT) / stored_s
    );
    eprintln!(
        "  relay to the hospital on loopback:              {relay_s:.2} s  ({:.0} readings/s, {} created)",
        f64::from(COUNT) / relay_s,
        report.created
    );
    eprintln!(
        "  on the server: {rows} rows, {distinct} distinct, {} duplicates",
        rows - distinct
    );
    assert_eq!(rows, i64::from(COUNT), "every reading on the server");
    assert_eq!(rows, distinct, "no duplicates");
    server.stop().await.expect("stop");
}

/// Copies the `reading` rows of the store at `from` into a new store file at `to` as a raw bulk
/// insert: the same SQLCipher key, WAL and secure-delete settings, the same table and indexes,
/// one prepared statement in one transaction. Returns the insert's seconds.
fn raw_bulk_insert(from: &std::path::Path, to: &std::path::Path, count: usize) -> f64 {
    const COLUMNS: &str = "hospital, patient_id, key, device, kind, effective_at, device_clock, \
                           vals, interpretation, received_at, synced_at";
    let key = format!("PRAGMA key = \"x'{}'\";", common::STORE_KEY.to_hex());
    let source = rusqlite::Connection::open(from).expect("open the batched store");
    source.execute_batch(&key).expect("key");
    let schema: Vec<String> = source
        .prepare("SELECT sql FROM sqlite_master WHERE tbl_name = 'reading' AND sql IS NOT NULL")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("the reading table's schema");
    let rows: Vec<Vec<rusqlite::types::Value>> = source
        .prepare(&format!("SELECT {COLUMNS} FROM reading"))
        .and_then(|mut s| {
            s.query_map([], |r| (0..11).map(|i| r.get(i)).collect())?
                .collect()
        })
        .expect("the stored rows");
    assert_eq!(rows.len(), count);

    let mut target = rusqlite::Connection::open(to).expect("open the raw file");
    target
        .execute_batch(&format!(
            "{key} PRAGMA journal_mode = WAL; PRAGMA secure_delete = ON;"
        ))
        .expect("settings");
    for sql in &schema {
        target.execute_batch(sql).expect("schema");
    }
    let began = Instant::now();
    let tx = target.transaction().expect("begin");
    {
        let mut insert = tx
            .prepare(&format!(
                "INSERT INTO reading ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
            ))
            .expect("prepare");
        for row in &rows {
            insert
                .execute(rusqlite::params_from_iter(row.iter()))
                .expect("insert");
        }
    }
    tx.commit().expect("commit");
    began.elapsed().as_secs_f64()
}
