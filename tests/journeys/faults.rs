//! Faults on the patient's device, in the real release app.
//!
//! The whole app killed mid-sync, over and over: the app (with its WebKit processes) gets
//! SIGKILL at random moments while it sends a long backlog of device readings and dose records
//! to the hospital, 100 times, and every record still ends on the hospital exactly once.
//!
//! The backlog is what an app that was offline for weeks holds: it is written into the app's
//! own encrypted store (under the documented key file, before the app first moves the key into
//! the keychain) before the first start. The hospital is a reference server in this process, on
//! a SQLite file the test counts in. The first start signs in through the hospital's page (the
//! sign-in is then kept in a real keychain); every later start is the bare app, which signs in
//! again from the keychain and resumes sending, and is killed once the hospital has taken at
//! least one more batch from it, after a further random wait.
//!
//! A damaged local store: the app says so in plain words, keeps the damaged file aside, and
//! refills a new one from the hospital.

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use chrono_tz::Europe::London;
use hale_domain::device::reading::readings;
use hale_domain::device::{decode, Characteristic, DeviceType};
use hale_domain::medication::{DoseRecord, Outcome};
use hale_e2e::keychain::KeychainBus;
use hale_e2e::{hospital_on_file, launch, BareApp, Place};

const BOOT: Duration = Duration::from_secs(60);
use hale_server::demo::seed::DEMO_PATIENT;
use hale_store::{Owner, PairedDevice, Store, StoreKey};
use sqlx::AnyPool;

const KILLS: usize = 100;
/// 300 batches of 1,000 Observations.
const READINGS: usize = 300_000;
/// 20 batches of 200 MedicationAdministrations.
const DOSES: usize = 4_000;
const DEVICE: &str = "CR:A5:4E:00:00:01";
const MEDICINE: &str = "own:sigkill-course";

/// A small, seeded generator, so a failing run can be repeated (the seed is printed).
struct Random(u64);

impl Random {
    fn below(&mut self, n: u64) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n
    }
}

/// The app's backlog, written into its store under the key file the app itself would make.
async fn write_backlog(app_dir: &Path, hospital: &str, start: DateTime<Utc>) {
    std::fs::create_dir_all(app_dir).unwrap();
    let key = StoreKey::generate().unwrap();
    {
        use std::io::Write as _;
        use std::os::unix::fs::OpenOptionsExt as _;
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(app_dir.join("hale.key"))
            .unwrap();
        file.write_all(key.to_hex().as_bytes()).unwrap();
    }
    let store = Store::open(&app_dir.join("hale.sqlite"), &key)
        .await
        .unwrap();
    let owner = Owner {
        hospital,
        patient_id: DEMO_PATIENT.id,
    };
    store
        .save_device(
            owner,
            &PairedDevice {
                id: DEVICE.into(),
                name: "Chest strap".into(),
                device_type: DeviceType::HeartRate,
                paired_at: start,
                last_seen_at: None,
                last_sequence: None,
                record_session: None,
            },
        )
        .await
        .unwrap();
    // A heart-rate strap at 1 Hz, stored as the app stores a stream: in batches.
    let mut batch = Vec::with_capacity(10_000);
    for i in 0..READINGS {
        let bpm = 60 + u8::try_from(i % 40).unwrap();
        let m = decode(Characteristic::HeartRateMeasurement, &[0x00, bpm]).unwrap();
        let received = start + chrono::Duration::seconds(i64::try_from(i).unwrap());
        for r in readings(DEVICE, &m, received, &London).kept {
            batch.push((r, None));
        }
        if batch.len() == 10_000 {
            let stored = store
                .store_readings(owner, DEVICE, &batch, None, None, received)
                .await
                .unwrap();
            assert_eq!(stored.len(), batch.len());
            batch.clear();
        }
    }
    assert!(batch.is_empty());
    // Hourly doses of a course that has since left the list (its records stay the patient's).
    for i in 0..DOSES {
        let due = start + chrono::Duration::hours(i64::try_from(i).unwrap());
        let record = DoseRecord {
            medicine_id: MEDICINE.into(),
            slot: format!("{}Z", due.format("%Y-%m-%dT%H:%M")),
            due: Some(due),
            outcome: Outcome::Taken { amount: None },
            at: due,
        };
        assert!(store.log_dose(owner, &record, due).await.unwrap());
    }
    assert_eq!(
        store.unsynced_reading_count(owner).await.unwrap() as usize,
        READINGS
    );
    assert_eq!(store.unsynced_count(owner).await.unwrap() as usize, DOSES);
    store.close().await;
}

/// The hospital's copy of the backlog: (readings, distinct readings, doses, distinct doses).
async fn on_hospital(db: &AnyPool) -> (i64, i64, i64, i64) {
    let readings = held(db, "observation", &format!("{DEVICE}/%")).await;
    let doses = held(db, "medication_administration", &format!("{MEDICINE}@%")).await;
    (readings.0, readings.1, doses.0, doses.1)
}

/// Rows of the demo patient's in `table` whose identifier is `like`, and how many distinct.
async fn held(db: &AnyPool, table: &str, like: &str) -> (i64, i64) {
    sqlx::query_as(&format!(
        "SELECT COUNT(*), COUNT(DISTINCT identifier_value) FROM {table} \
         WHERE patient_id = $1 AND identifier_value LIKE $2"
    ))
    .bind(DEMO_PATIENT.id)
    .bind(like.to_owned())
    .fetch_one(db)
    .await
    .unwrap()
}

/// A number that grows with every record the hospital stores, cheap enough to poll: the newest
/// row ids of both tables (a conditional create that finds its record takes no row id).
async fn progress(db: &AnyPool) -> i64 {
    sqlx::query_scalar(
        "SELECT (SELECT COALESCE(MAX(rowid), 0) FROM observation) \
         + (SELECT COALESCE(MAX(rowid), 0) FROM medication_administration)",
    )
    .fetch_one(db)
    .await
    .unwrap()
}

#[tokio::test]
#[ignore = "end-to-end: needs the release app, Xvfb and tauri-driver (scripts/test.sh)"]
async fn the_app_killed_100_times_mid_sync_leaves_every_record_on_the_hospital_once() {
    let dir = tempfile::tempdir().unwrap();
    let (server, _, db) = hospital_on_file(dir.path()).await;
    let base = server.fhir_base();

    let home = dir.path().join("home");
    let app_dir = home.join("org.hale.patient");
    let started = Instant::now();
    write_backlog(&app_dir, &base, Utc::now() - chrono::Duration::days(200)).await;
    eprintln!(
        "backlog of {READINGS} readings and {DOSES} dose records written in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let keychain = KeychainBus::start().await;
    let env = [
        ("HALE_HOSPITAL_URL", base.as_str()),
        ("DBUS_SESSION_BUS_ADDRESS", keychain.address()),
    ];
    // First start: the patient signs in; the key file moves into the keychain with the sign-in.
    let app = launch(&home, &env).await;
    app.sign_in().await;
    app.close().await;
    assert!(
        !app_dir.join("hale.key").exists(),
        "the key moved into the keychain"
    );

    let seed = u64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
            % u128::from(u64::MAX),
    )
    .unwrap()
        | 1;
    let mut random = Random(seed);
    let mut taken_per_run = Vec::with_capacity(KILLS);
    let total = i64::try_from(READINGS + DOSES).unwrap();
    for kill in 0..KILLS {
        let (r, _, d, _) = on_hospital(&db).await;
        assert!(
            r + d < total,
            "the backlog ran out after {kill} kills: make it longer"
        );
        let before = progress(&db).await;
        let app = BareApp::start(&home, &env);
        // Wait for the hospital to take something from this run, so the kill lands mid-sync...
        let deadline = Instant::now() + Duration::from_secs(60);
        while progress(&db).await == before {
            assert!(
                Instant::now() < deadline,
                "run {kill}: the app sent nothing within 60 s"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        // ...then at a random moment within the next batches.
        tokio::time::sleep(Duration::from_millis(random.below(100))).await;
        app.kill();
        let (r_now, _, d_now, _) = on_hospital(&db).await;
        taken_per_run.push(r_now + d_now - r - d);
    }

    // One last start, left to finish.
    let app = BareApp::start(&home, &env);
    let deadline = Instant::now() + Duration::from_secs(300);
    while {
        let (r, _, d, _) = on_hospital(&db).await;
        r + d < total
    } {
        assert!(
            Instant::now() < deadline,
            "the backlog was not finished: {:?}",
            on_hospital(&db).await
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // A moment more: anything sent twice would show now.
    tokio::time::sleep(Duration::from_secs(2)).await;
    app.kill();
    let (r, r_distinct, d, d_distinct) = on_hospital(&db).await;
    taken_per_run.sort_unstable();
    eprintln!(
        "SIGKILL x{KILLS} during sync (seed {seed}): readings on the hospital {r} \
         ({r_distinct} distinct) of {READINGS}; dose records {d} ({d_distinct} distinct) of \
         {DOSES}; records taken per killed run: min {}, median {}, max {}",
        taken_per_run[0],
        taken_per_run[KILLS / 2],
        taken_per_run[KILLS - 1]
    );
    assert_eq!(
        (r, r_distinct),
        (READINGS as i64, READINGS as i64),
        "every reading once"
    );
    assert_eq!(
        (d, d_distinct),
        (DOSES as i64, DOSES as i64),
        "every dose once"
    );
    server.stop().await.unwrap();
}

#[tokio::test]
#[ignore = "end-to-end: needs the release app, Xvfb and tauri-driver (scripts/test.sh)"]
async fn a_damaged_local_store_is_said_kept_aside_and_refilled_from_the_hospital() {
    let data = tempfile::tempdir().unwrap();
    let env = [("HALE_DEMO_SIMULATION", "off")];
    let app = launch(data.path(), &env).await;
    app.sign_in().await;
    app.go(Place::Appointments).await;
    app.wait_for_all("[data-testid=appointment]", 3, BOOT).await;
    assert!(!app.has("[data-testid=local-data-reset]").await);
    app.close().await;

    // Everything written back into the file (this journey has no keychain: the key is the
    // documented key file), then a few pages past the first overwritten, as bad sectors would.
    let app_dir = data.path().join("org.hale.patient");
    let path = app_dir.join("hale.sqlite");
    let hex = std::fs::read_to_string(app_dir.join("hale.key")).unwrap();
    let key = StoreKey::from_hex(&hex).unwrap();
    checkpoint(&path, &hex).await;
    let mut bytes = std::fs::read(&path).unwrap();
    let pages = bytes.len() / 4096;
    assert!(pages > 4, "{pages} pages");
    for page in [1, pages / 4, pages / 2, 3 * pages / 4] {
        let at = page * 4096;
        bytes[at + 64..at + 1024].fill(0xa5);
    }
    std::fs::write(&path, &bytes).unwrap();

    let app = launch(data.path(), &env).await;
    app.wait_until_text(
        "[data-testid=local-data-reset]",
        "was damaged, so Hale has set it aside and started afresh",
        BOOT,
    )
    .await;
    app.screenshot("local-data-reset").await;
    assert!(
        app_dir.join("hale.sqlite.unreadable-1").exists(),
        "the damaged file is kept aside"
    );
    // The new store has no sign-in; signing in refills it from the hospital.
    app.sign_in().await;
    app.go(Place::Appointments).await;
    app.wait_for_all("[data-testid=appointment]", 3, BOOT).await;
    app.close().await;
    let (store, profile) = {
        let store = Store::open(&path, &key).await.unwrap();
        let profile = store.profile("embedded:demo").await.unwrap();
        (store, profile)
    };
    let profile = profile.expect("the new store holds the sign-in's profile");
    let owner = Owner {
        hospital: "embedded:demo",
        patient_id: &profile.patient_id,
    };
    assert!(store.appointments(owner).await.unwrap().records.len() >= 3);
}

/// Words a patient should never be shown: transport and library errors, code, panics.
const RAW: [&str; 12] = [
    "http://",
    "127.0.0.1",
    "reqwest",
    "sqlx",
    "error sending request",
    "connection refused",
    "panicked",
    "RuntimeError",
    "unreachable",
    "Hospital(",
    "Err(",
    "{\"",
];

#[tokio::test]
#[ignore = "end-to-end: needs the release app, Xvfb and tauri-driver (scripts/test.sh)"]
async fn with_the_hospital_gone_every_screen_speaks_plainly_and_a_booking_retry_books_once() {
    let dir = tempfile::tempdir().unwrap();
    // `options` start the hospital again at the same address, on the same database.
    let (server, options, db) = hospital_on_file(dir.path()).await;
    let base = server.fhir_base();

    let home = dir.path().join("home");
    let app = launch(&home, &[("HALE_HOSPITAL_URL", base.as_str())]).await;
    app.sign_in().await;
    app.go(Place::Appointments).await;
    app.wait_for_all("[data-testid=appointment]", 3, BOOT).await;
    // Every screen once while the hospital is there, so the device keeps its copies.
    let places = [
        Place::Book,
        Place::WaitingTimes,
        Place::Parking,
        Place::Medicines,
        Place::Devices,
        Place::Settings,
        Place::Appointments,
        Place::Today,
    ];
    for place in places {
        app.go(place).await;
        settle(&app).await;
    }

    // Book: the confirmation is open when the hospital goes away.
    app.go(Place::Book).await;
    app.wait_for_all("[data-testid=service] option", 4, BOOT)
        .await;
    app.choose_day(7).await;
    app.click("[data-testid=search]").await;
    let slots = app.wait_for_all("[data-testid=slot]", 1, BOOT).await;
    slots[0].click().await.unwrap();
    server.stop().await.unwrap();
    app.click("[data-testid=confirm-booking]").await;
    app.wait_until_text(
        "[data-testid=booking-error]",
        "We can't reach the hospital right now.",
        BOOT,
    )
    .await;
    app.screenshot("booking-hospital-gone").await;
    assert_eq!(count_bookings(&db).await, 0, "nothing booked");

    // The hospital is back: "Try again" sends the same confirmation, and it books once.
    let server = hale_server::start(&options).await.unwrap();
    app.click("[data-testid=booking-retry]").await;
    app.click("[data-testid=confirm-booking]").await;
    app.wait_for_all("[data-testid=booked]", 1, BOOT).await;
    assert_eq!(count_bookings(&db).await, 1, "booked once");

    // Every screen with the hospital gone again: saved data with a notice, or a plain error.
    server.stop().await.unwrap();
    let mut said = Vec::new();
    for place in places {
        app.go(place).await;
        settle(&app).await;
        let tab = format!("{place:?}");
        let text = app.text_of("body").await;
        for raw in RAW {
            assert!(
                !text.to_lowercase().contains(&raw.to_lowercase()),
                "{tab} shows '{raw}': {text}"
            );
        }
        let told = app.has("[data-testid=offline-notice]").await || app.has("[role=alert]").await;
        said.push(format!(
            "{tab}: {}",
            if told { "says so" } else { "device data only" }
        ));
    }
    eprintln!("with the hospital gone: {}", said.join(", "));
    for needs_hospital in ["Book", "WaitingTimes", "Parking", "Appointments", "Today"] {
        assert!(
            said.contains(&format!("{needs_hospital}: says so")),
            "{needs_hospital} says the hospital cannot be reached: {said:?}"
        );
    }
    app.close().await;
}

async fn count_bookings(db: &AnyPool) -> i64 {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM appointment WHERE patient_id = $1 AND request_id IS NOT NULL",
    )
    .bind(DEMO_PATIENT.id)
    .fetch_one(db)
    .await
    .unwrap()
}

/// Waits until the screen has nothing loading.
async fn settle(app: &hale_e2e::RunningApp) {
    let started = Instant::now();
    tokio::time::sleep(Duration::from_millis(200)).await;
    while app.has(".loading").await {
        assert!(started.elapsed() < BOOT, "still loading");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Writes the store's write-ahead log back into its file, waiting while the app that just closed
/// still holds it.
async fn checkpoint(path: &Path, key_hex: &str) {
    use sqlx::ConnectOptions as _;
    let mut db = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(path)
        .pragma("key", format!("\"x'{}'\"", key_hex.trim()))
        .connect()
        .await
        .unwrap();
    let started = Instant::now();
    loop {
        let (busy, _, _): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)")
            .fetch_one(&mut db)
            .await
            .unwrap();
        if busy == 0 {
            return;
        }
        assert!(started.elapsed() < BOOT, "the store stays busy");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
