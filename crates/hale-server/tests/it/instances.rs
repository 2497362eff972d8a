//! Several server instances on one PostgreSQL database, as a hospital group runs them behind a
//! load balancer: bookings raced through both instances never double-book, and a queue change
//! made through one reaches the live streams served by the other (LISTEN/NOTIFY).
//!
//! These need PostgreSQL (a SQLite file has one server): `HALE_TEST_POSTGRES`, which
//! `scripts/postgres.sh` sets and `scripts/test.sh` uses to run them.

use std::collections::BTreeMap;

use crate::common::*;
use hale_server::demo::seed::{DEMO_PATIENT, DEMO_STAFF, OTHER_PATIENT};
use reqwest::Method;
use serde_json::{json, Value};

fn require_postgres() {
    assert!(
        std::env::var("HALE_TEST_POSTGRES").is_ok(),
        "these tests need PostgreSQL: `source scripts/postgres.sh` first"
    );
}

#[tokio::test]
#[ignore = "needs PostgreSQL (HALE_TEST_POSTGRES); run by scripts/test.sh"]
async fn bookings_raced_through_two_instances_take_each_slot_once() {
    require_postgres();
    let a = hospital().await;
    let b = a.another_instance().await;
    // One sign-in works on every instance: tokens live in the shared database.
    let (alex, sam) = (a.token(&DEMO_PATIENT).await, b.token(&OTHER_PATIENT).await);
    // Ten free slots at ten different times, beyond every seeded appointment, so the only way
    // to lose is the race.
    let mut by_start = BTreeMap::new();
    for slot in a.free_slots(&alex, &weeks_ahead(3)).await {
        by_start
            .entry(slot["start"].as_str().unwrap().to_owned())
            .or_insert_with(|| id(&slot));
    }
    let slots: Vec<String> = by_start.into_values().take(10).collect();
    assert_eq!(slots.len(), 10);

    // Each slot: both patients, through both instances, all at once (40 requests).
    let attempts = slots.iter().flat_map(|slot| {
        [(&a, &alex), (&b, &alex), (&a, &sam), (&b, &sam)]
            .into_iter()
            .enumerate()
            .map(move |(i, (h, token))| async move {
                let (status, body) = h.book(token, slot, Some(&format!("{slot}-{i}"))).await;
                (slot.clone(), status, body)
            })
    });
    let results = futures_join_all(attempts).await;

    for slot in &slots {
        let won: Vec<_> = results
            .iter()
            .filter(|(s, status, _)| s == slot && *status == 201)
            .collect();
        assert_eq!(won.len(), 1, "slot {slot}: {results:?}");
        assert_eq!(a.live_in_slot(slot).await, 1, "slot {slot}");
    }
    // Every loser was told why, in a refusal, not an error.
    for (slot, status, body) in &results {
        assert!(
            *status == 201 || *status == 409 || *status == 422,
            "slot {slot}: {status} {body}"
        );
    }
    eprintln!(
        "40 booking attempts on 10 slots through 2 instances: {} booked, {} refused",
        results.iter().filter(|r| r.1 == 201).count(),
        results.iter().filter(|r| r.1 != 201).count()
    );
}

#[tokio::test]
#[ignore = "needs PostgreSQL (HALE_TEST_POSTGRES); run by scripts/test.sh"]
async fn a_queue_change_made_through_one_instance_reaches_streams_on_the_other() {
    require_postgres();
    let a = hospital().await;
    let b = a.another_instance().await;
    let alex = a.token(&DEMO_PATIENT).await;
    let staff = b.device_token(&DEMO_STAFF).await;

    // The board is watched through instance B.
    let mut board = b
        .http
        .get(format!("http://{}/api/waiting-times/events", b.server.addr))
        .send()
        .await
        .unwrap();
    assert_eq!(
        waiting_in(&next_event(&mut board, |_| true).await, "cl-cardiology"),
        0
    );

    // Alex checks in through instance A. B's streams refresh on their own only every 30 s;
    // `next_event` waits 10 s, so only the announcement can bring this.
    let (appointment, _) = a.appointment_in(DEMO_PATIENT.id, "cl-cardiology", 10).await;
    let (code, encounter) = a
        .post(
            &alex,
            &format!("Appointment/{appointment}/$check-in"),
            json!({}),
        )
        .await;
    assert_eq!(code, 201, "{encounter}");
    next_event(&mut board, |v| waiting_in(v, "cl-cardiology") == 1).await;

    // Alex follows their place through instance A; the nurse calls them through B.
    let encounter = id(&encounter);
    let mut mine = a
        .http
        .get(format!(
            "http://{}/api/queue/{encounter}/events",
            a.server.addr
        ))
        .bearer_auth(&alex)
        .send()
        .await
        .unwrap();
    assert_eq!(next_event(&mut mine, |_| true).await["position"], 1);
    let (code, _) = b
        .api(
            Method::POST,
            &staff,
            "clinics/cl-cardiology/call-next",
            Some(json!({"room": "Room 4"})),
        )
        .await;
    assert_eq!(code, 200);
    let called: Value = next_event(&mut mine, |s| s["state"] == "called").await;
    assert_eq!(called["room"], "Room 4");
    next_event(&mut board, |v| waiting_in(v, "cl-cardiology") == 0).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL (HALE_TEST_POSTGRES); run by scripts/test.sh"]
async fn two_instances_raise_each_alert_once() {
    require_postgres();
    let a = hospital().await;
    let b = a.another_instance().await;
    let alex = a.token(&DEMO_PATIENT).await;
    let now = chrono::Utc::now();
    // Twenty red readings through both instances at once, and both timers running a pass a day
    // on (missed doses, missing data) at the same time.
    let sends = (0..20).map(|i| {
        let h = if i % 2 == 0 { &a } else { &b };
        let alex = alex.clone();
        async move {
            let reading = crate::monitoring::bp(
                &format!("race{i}"),
                185.0,
                125.0,
                now - chrono::Duration::seconds(60 - i),
            );
            crate::monitoring::send(h, &alex, &reading).await
        }
    });
    let statuses = futures_join_all(sends).await;
    assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
    let later = now + chrono::Duration::days(1);
    let (pa, pb) = tokio::join!(
        a.server.monitoring_pass(later),
        b.server.monitoring_pass(later)
    );
    pa.unwrap();
    pb.unwrap();

    let db = hale_server::open_database(&a.db_url).await.unwrap();
    let per_rule: Vec<(String, i64)> = sqlx::query_as(
        "SELECT rule_key, COUNT(*) FROM alert WHERE patient_id = $1 GROUP BY rule_key ORDER BY rule_key",
    )
    .bind(DEMO_PATIENT.id)
    .fetch_all(&db)
    .await
    .unwrap();
    assert!(
        per_rule
            .iter()
            .any(|(k, _)| k == "out-of-range:blood-pressure"),
        "{per_rule:?}"
    );
    assert!(
        per_rule.iter().any(|(k, _)| k.starts_with("missed-dose:")),
        "{per_rule:?}"
    );
    for (rule, n) in &per_rule {
        assert_eq!(*n, 1, "{rule}: {per_rule:?}");
    }
    let tasks: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM task WHERE patient_id = $1")
        .bind(DEMO_PATIENT.id)
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(tasks, per_rule.len() as i64);
}

/// Begins, on a connection of its own, the write an instance is in the middle of: one that
/// changes `patient`'s records, or (with `None`) one over the whole hospital. It holds its locks
/// (`hale_server::HOSPITAL_LOCK`, `PATIENT_LOCKS`) until the connection commits.
async fn hold_write(h: &Hospital, patient: Option<&str>) -> sqlx::AnyConnection {
    let mut c = h.database().await;
    sqlx::query("BEGIN").execute(&mut c).await.unwrap();
    let hospital = match patient {
        Some(_) => "SELECT 1 FROM (SELECT pg_advisory_xact_lock_shared($1)) AS h",
        None => "SELECT 1 FROM (SELECT pg_advisory_xact_lock($1)) AS h",
    };
    sqlx::query(hospital)
        .bind(hale_server::HOSPITAL_LOCK)
        .execute(&mut c)
        .await
        .unwrap();
    if let Some(patient) = patient {
        sqlx::query(
            "SELECT 1 FROM (SELECT pg_advisory_xact_lock(CAST($1 AS INTEGER), \
             CAST($2 AS INTEGER))) AS p",
        )
        .bind(i64::from(hale_server::PATIENT_LOCKS))
        .bind(i64::from(hale_server::patient_lock(patient)))
        .execute(&mut c)
        .await
        .unwrap();
    }
    c
}

/// An advisory lock as `pg_locks` shows it: (`classid`, `objid`, `objsubid`).
type LockKey = (i64, i64, i64);

fn hospital_lock() -> LockKey {
    (0, hale_server::HOSPITAL_LOCK, 1)
}

fn patients_lock(patient: &str) -> LockKey {
    let hash = u32::from_ne_bytes(hale_server::patient_lock(patient).to_ne_bytes());
    (i64::from(hale_server::PATIENT_LOCKS), i64::from(hash), 2)
}

/// Waits until a session waits for `lock`: a request sent has reached it and stopped there.
async fn until_someone_waits_for(h: &Hospital, lock: LockKey) {
    let mut c = h.database().await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted \
             AND classid::BIGINT = $1 AND objid::BIGINT = $2 AND objsubid = $3",
        )
        .bind(lock.0)
        .bind(lock.1)
        .bind(lock.2)
        .fetch_one(&mut c)
        .await
        .unwrap();
        if waiting > 0 {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no write waited for the lock {lock:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// Ends the write `held` once a session waits for `lock`.
async fn commit_once_someone_waits_for(
    h: &Hospital,
    lock: LockKey,
    held: &mut sqlx::AnyConnection,
) {
    until_someone_waits_for(h, lock).await;
    sqlx::query("COMMIT").execute(held).await.unwrap();
}

#[tokio::test]
#[ignore = "needs PostgreSQL (HALE_TEST_POSTGRES); run by scripts/test.sh"]
async fn readings_of_different_patients_are_stored_side_by_side_through_two_instances() {
    require_postgres();
    let a = hospital().await;
    let b = a.another_instance().await;
    let (alex, sam) = (a.token(&DEMO_PATIENT).await, b.token(&OTHER_PATIENT).await);
    let slot = id(&a.free_slots(&sam, &weeks_ahead(3)).await[0]);
    let now = chrono::Utc::now();
    let reading = |key: &str| crate::monitoring::bp(key, 128.0, 82.0, now);

    // An instance is in the middle of storing Alex's readings.
    let mut alexs_write = hold_write(&a, Some(DEMO_PATIENT.id)).await;

    // Sam's reading is stored through the other instance meanwhile, without waiting for it.
    let sams = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        crate::monitoring::send_as(&b, &sam, OTHER_PATIENT.id, &reading("side-by-side")),
    )
    .await
    .expect("Sam's reading waited for Alex's write");
    assert_eq!(sams, 201);

    // Another of Alex's readings waits for it, and so does a booking (a hospital-wide write).
    // Each is seen waiting for its lock before the write ends.
    let behind = reading("behind");
    let (alexs, (booked, ())) = tokio::join!(crate::monitoring::send(&b, &alex, &behind), async {
        until_someone_waits_for(&a, patients_lock(DEMO_PATIENT.id)).await;
        tokio::join!(
            b.book(&sam, &slot, Some("side-by-side")),
            commit_once_someone_waits_for(&a, hospital_lock(), &mut alexs_write)
        )
    });
    // Once Alex's write ended, both went ahead, each stored once.
    assert_eq!(alexs, 201);
    assert_eq!(booked.0, 201, "{}", booked.1);
    let mut db = a.database().await;
    let stored: Vec<(String,)> = sqlx::query_as(
        "SELECT patient_id FROM observation WHERE identifier_value LIKE '%/side-by-side' \
         OR identifier_value LIKE '%/behind' ORDER BY patient_id",
    )
    .fetch_all(&mut db)
    .await
    .unwrap();
    let mut expected = vec![
        (DEMO_PATIENT.id.to_owned(),),
        (OTHER_PATIENT.id.to_owned(),),
    ];
    expected.sort();
    assert_eq!(stored, expected);
}

#[tokio::test]
#[ignore = "needs PostgreSQL (HALE_TEST_POSTGRES); run by scripts/test.sh"]
async fn a_hospital_wide_write_holds_back_every_patients_readings_until_it_ends() {
    require_postgres();
    let a = hospital().await;
    let b = a.another_instance().await;
    let sam = b.token(&OTHER_PATIENT).await;
    let reading = crate::monitoring::bp("held-back", 128.0, 82.0, chrono::Utc::now());

    let mut hospital_write = hold_write(&a, None).await;
    let (sams, ()) = tokio::join!(
        crate::monitoring::send_as(&b, &sam, OTHER_PATIENT.id, &reading),
        commit_once_someone_waits_for(&a, hospital_lock(), &mut hospital_write)
    );
    assert_eq!(sams, 201);
}

#[tokio::test]
#[ignore = "needs PostgreSQL (HALE_TEST_POSTGRES); run by scripts/test.sh"]
async fn guesses_spread_over_two_instances_share_one_count() {
    // Regression: each instance counted in its own memory, so behind a load balancer of N
    // instances a guesser had N times the allowance.
    require_postgres();
    let a = hospital().await;
    let b = a.another_instance().await;
    let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    let scope = hale_fhir::smart::APP_SCOPE;
    for (i, h) in [&a, &b, &a, &b, &a].into_iter().enumerate() {
        let (status, _) = h
            .authorize(
                DEMO_PATIENT.username,
                &format!("guess-{i}"),
                scope,
                verifier,
            )
            .await;
        assert_eq!(status, 401);
    }
    let (status, _) = b
        .authorize(
            DEMO_PATIENT.username,
            DEMO_PATIENT.password,
            scope,
            verifier,
        )
        .await;
    assert_eq!(status, 429);
}
