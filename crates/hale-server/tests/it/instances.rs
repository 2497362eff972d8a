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
