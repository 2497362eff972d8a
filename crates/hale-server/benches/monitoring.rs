//! Remote monitoring under load, against the real server on its real database (SQLite, or
//! PostgreSQL when `HALE_TEST_POSTGRES` is set), reached over loopback HTTP:
//!
//! - `relay`: 1,000 enrolled patients send readings at 1,000 a second for 10 s, one in twenty
//!   beyond the plan's red limit. An alert is raised in the transaction that stores its reading,
//!   so the latency from relay to alert is the request's: p50 and p99 of every reading, and of
//!   those that raised an alert.
//! - `timer`: the monitoring pass (missing data, missed doses, silent devices, escalation) over
//!   10,000 enrolled patients, each with a twice-daily prescription: the first pass, which raises
//!   their alerts, and the next, which finds nothing new.
//! - `worklist`: a care team of 2,000 monitored patients, most with alerts: the console's
//!   worklist, 50 times, p50 and p99.
//! - `ingest` (PostgreSQL only): 40 enrolled patients each relay 2,000 readings in transactions
//!   of 100, as their apps do, through one server instance and then (40 other patients) through
//!   two on the same database: readings/s, how many sessions waited on a lock, and the stored
//!   count (each reading once; every client also resends its first batch).
//!
//! Run: `cargo bench -p hale-server --bench monitoring [-- relay|timer|worklist|ingest]`.

#[path = "../tests/it/common/mod.rs"]
#[allow(dead_code)] // the bench uses part of the tests' support
mod common;

use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use chrono::{Duration, Utc};
use hale_domain::device::{Quantity, Reading, ReadingKind, Unit, Vital};
use hale_fhir::observation::READING_SYSTEM;
use hale_fhir::{Observation, Resource};
use hale_server::demo::care_team::{demo_plan, CARDIOLOGY, DEMO_NURSE};
use hale_server::{DbTime, ServerOptions};
use tokio::sync::Semaphore;

const MONITORED: usize = 10_000;
const TEAM: usize = 2_000;
const RELAYING: usize = 1_000;
const RATE: u64 = 1_000;
const RUN: StdDuration = StdDuration::from_secs(10);

fn percentile(sorted: &[StdDuration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1e3
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let parts: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let wants = |p: &str| parts.is_empty() || parts.iter().any(|a| a == p);
    let dir = tempfile::tempdir().expect("temp dir");
    let url = common::fresh_database(&dir).await;
    let backend = if url.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let started = Instant::now();
    build(&url).await;
    eprintln!(
        "monitoring on {backend}: {MONITORED} enrolled patients ({TEAM} with the cardiology team), \
         built in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let mut options = ServerOptions::embedded_demo(url.clone());
    options.simulate_demo_day = false;
    // The bench runs its passes itself.
    options.monitoring.every = StdDuration::from_secs(24 * 3600);
    let server = hale_server::start(&options).await.expect("server");
    let root = format!("http://{}", server.addr);
    if wants("relay") {
        relay(&root).await;
        let db = hale_server::open_database(&url).await.expect("database");
        let (alerts, tasks): (i64, i64) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM alert WHERE rule_key = 'out-of-range:blood-pressure'), \
                    (SELECT COUNT(*) FROM task)",
        )
        .fetch_one(&db)
        .await
        .expect("count");
        // 50 patients send only red readings: one episode each, however many readings.
        eprintln!("relay: {alerts} blood pressure alerts raised ({tasks} tasks), expected 50");
    }
    if wants("timer") {
        for (name, at) in [("first", Utc::now()), ("second", Utc::now())] {
            let t = Instant::now();
            let report = server.monitoring_pass(at).await.expect("pass");
            eprintln!(
                "timer ({backend}): {name} pass over {} patients in {:.2} s, {} with changed alerts",
                report.patients,
                t.elapsed().as_secs_f64(),
                report.changed
            );
        }
    }
    if wants("worklist") {
        worklist(&root, backend).await;
    }
    if wants("ingest") && backend == "PostgreSQL" {
        let second = hale_server::start(&options)
            .await
            .expect("a second instance");
        let roots = [root.clone(), format!("http://{}", second.addr)];
        // Patients the relay part leaves alone: its readings would count as these.
        ingest(&url, &roots[..1], RELAYING).await;
        ingest(&url, &roots, RELAYING + INGEST_PATIENTS).await;
        second.stop().await.expect("stop");
    }
    server.stop().await.expect("stop");
}

/// Patients, enrolments and prescriptions, in few statements.
async fn build(url: &str) {
    let db = hale_server::open_database(url).await.expect("database");
    let now = Utc::now();
    hale_server::demo::seed::ensure_demo(&db, now)
        .await
        .expect("seed");
    sqlx::query("INSERT INTO care_team (id, name) VALUES ('team-bench', 'Bench team')")
        .execute(&db)
        .await
        .expect("team");
    let dosage: String =
        sqlx::query_scalar("SELECT dosage FROM medication_request WHERE id = 'mr-0001'")
            .fetch_one(&db)
            .await
            .expect("a demo dosage");
    let plan = serde_json::to_string(&demo_plan()).expect("plan");
    let enrolled = DbTime(now - Duration::days(3));
    let mut tx = db.begin().await.expect("begin");
    for chunk in (0..MONITORED).collect::<Vec<_>>().chunks(200) {
        let mut patients =
            String::from("INSERT INTO patient (id, mrn, given, family, birth_date) VALUES ");
        let mut plans = String::from(
            "INSERT INTO monitoring_plan (patient_id, id, team_id, plan, enrolled_at, updated_at) VALUES ",
        );
        let mut requests = String::from(
            "INSERT INTO medication_request (id, patient_id, status, medication, authored_on, dosage) VALUES ",
        );
        for (i, n) in chunk.iter().enumerate() {
            let sep = if i == 0 { "" } else { ", " };
            let team = if *n < TEAM {
                CARDIOLOGY.0
            } else {
                "team-bench"
            };
            patients.push_str(&format!(
                "{sep}('pt-m{n:05}', 'MON-{n:06}', 'Monitored', 'Patient {n}', '1960-01-01')"
            ));
            plans.push_str(&format!(
                "{sep}('pt-m{n:05}', 'cp-m{n:05}', '{team}', $1, $2, $2)"
            ));
            requests.push_str(&format!(
                "{sep}('mr-m{n:05}', 'pt-m{n:05}', 'active', 'Ramipril 5 mg', $2, $3)"
            ));
        }
        sqlx::query(&patients)
            .execute(&mut *tx)
            .await
            .expect("patients");
        sqlx::query(&plans)
            .bind(&plan)
            .bind(enrolled)
            .execute(&mut *tx)
            .await
            .expect("plans");
        sqlx::query(&requests)
            .bind(&plan)
            .bind(enrolled)
            .bind(&dosage)
            .execute(&mut *tx)
            .await
            .expect("prescriptions");
    }
    tx.commit().await.expect("commit");
}

/// Monitored patient `n` signs in (the development sign-in: no password hashing in the way).
async fn sign_in(http: &reqwest::Client, root: &str, n: usize) -> String {
    let v: serde_json::Value = http
        .post(format!("{root}/auth/dev/token"))
        .json(&serde_json::json!({"identifier": format!("MON-{n:06}"), "birth_date": "1960-01-01"}))
        .send()
        .await
        .expect("sign-in")
        .json()
        .await
        .expect("token");
    v["access_token"].as_str().expect("token").to_owned()
}

const INGEST_PATIENTS: usize = 40;
const INGEST_BATCHES: usize = 20;
const INGEST_BATCH: usize = 100;

/// One app's transaction of `INGEST_BATCH` readings, numbered from `first`.
fn ingest_bundle(patient: usize, first: usize) -> String {
    let entries: Vec<_> = (first..first + INGEST_BATCH)
        .map(|seq| {
            let (key, body) = reading(patient, seq as u64, seq % 500 == 7);
            let resource: serde_json::Value = serde_json::from_str(&body).expect("json");
            serde_json::json!({
                "resource": resource,
                "request": {
                    "method": "POST",
                    "url": "Observation",
                    "ifNoneExist": format!("identifier={READING_SYSTEM}|{key}"),
                },
            })
        })
        .collect();
    serde_json::json!({"resourceType": "Bundle", "type": "transaction", "entry": entries})
        .to_string()
}

/// Patients `from..from + INGEST_PATIENTS` relay their readings at once, spread over `roots`
/// (one app per patient, one batch in flight each), while a sampler counts the database
/// sessions waiting on a lock.
async fn ingest(url: &str, roots: &[String], from: usize) {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .build()
        .expect("client");
    let mut apps = Vec::new();
    for n in from..from + INGEST_PATIENTS {
        let root = roots[n % roots.len()].clone();
        let token = sign_in(&http, &root, n).await;
        // Built beforehand: the bench measures the hospital, not its own JSON.
        let mut batches: Vec<String> = (0..INGEST_BATCHES)
            .map(|b| ingest_bundle(n, b * INGEST_BATCH))
            .collect();
        batches.push(batches[0].clone());
        apps.push((root, token, batches));
    }
    let db = hale_server::open_database(url).await.expect("database");
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sampler = {
        let (db, done) = (db.clone(), done.clone());
        tokio::spawn(async move {
            let (mut samples, mut waiting, mut any) = (0u64, 0i64, 0u64);
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                let n: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM pg_stat_activity \
                     WHERE datname = current_database() AND wait_event_type = 'Lock'",
                )
                .fetch_one(&db)
                .await
                .expect("sample");
                samples += 1;
                waiting += n;
                any += u64::from(n > 0);
                tokio::time::sleep(StdDuration::from_millis(10)).await;
            }
            (samples, waiting, any)
        })
    };
    let started = Instant::now();
    let tasks: Vec<_> = apps
        .into_iter()
        .map(|(root, token, batches)| {
            let http = http.clone();
            tokio::spawn(async move {
                let mut statuses = Vec::new();
                for body in batches {
                    let r = http
                        .post(format!("{root}/fhir"))
                        .bearer_auth(&token)
                        .header("Content-Type", "application/fhir+json")
                        .body(body)
                        .send()
                        .await
                        .expect("send");
                    statuses.push(r.status().as_u16());
                    let _ = r.bytes().await;
                }
                statuses
            })
        })
        .collect();
    let mut failed = 0;
    for t in tasks {
        failed += t.await.expect("app").iter().filter(|s| **s != 200).count();
    }
    let elapsed = started.elapsed().as_secs_f64();
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let (samples, waiting, any) = sampler.await.expect("sampler");
    let (stored, distinct): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), COUNT(DISTINCT identifier_value) FROM observation \
         WHERE patient_id >= $1 AND patient_id < $2",
    )
    .bind(format!("pt-m{from:05}"))
    .bind(format!("pt-m{:05}", from + INGEST_PATIENTS))
    .fetch_one(&db)
    .await
    .expect("count");
    let sent = INGEST_PATIENTS * INGEST_BATCHES * INGEST_BATCH;
    eprintln!(
        "ingest (PostgreSQL, {} instance(s)): {sent} readings from {INGEST_PATIENTS} patients in \
         transactions of {INGEST_BATCH} in {elapsed:.2} s = {:.0} readings/s; {failed} failed; \
         sessions waiting on a lock: {:.2} on average, some in {:.0}% of {samples} samples; \
         {stored} stored ({distinct} distinct), expected {sent}",
        roots.len(),
        sent as f64 / elapsed,
        waiting as f64 / samples.max(1) as f64,
        100.0 * any as f64 / samples.max(1) as f64,
    );
    assert_eq!(failed, 0, "every transaction was stored");
    assert_eq!(stored as usize, sent, "each reading stored once");
    assert_eq!(distinct, stored, "no reading doubled");
    db.close().await;
}

fn reading(patient: usize, seq: u64, red: bool) -> (String, String) {
    let device = format!("BE:NC:{:02X}:{:02X}:00:01", patient / 256, patient % 256);
    let key = format!("{device}/blood-pressure/s{seq}");
    let (sys, dia) = if red { (186.0, 124.0) } else { (128.0, 82.0) };
    let r = Reading {
        key: key.clone(),
        device,
        kind: ReadingKind::BloodPressure,
        effective: Utc::now(),
        device_clock: false,
        values: vec![
            Quantity {
                vital: Vital::Systolic,
                value: sys,
                unit: Unit::MmHg,
            },
            Quantity {
                vital: Vital::Diastolic,
                value: dia,
                unit: Unit::MmHg,
            },
        ],
        context: None,
    };
    let body = serde_json::to_string(&Resource::Observation(Observation::from_reading(
        &r,
        &format!("pt-m{patient:05}"),
        "Cuff",
        None,
    )))
    .expect("json");
    (key, body)
}

async fn relay(root: &str) {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .build()
        .expect("client");
    let mut tokens = Vec::with_capacity(RELAYING);
    for n in 0..RELAYING {
        tokens.push(sign_in(&http, root, n).await);
    }
    let tokens = Arc::new(tokens);
    let in_flight = Arc::new(Semaphore::new(256));
    let started = Instant::now();
    let total = RATE * RUN.as_secs();
    let mut tasks = Vec::with_capacity(total as usize);
    for i in 0..total {
        // Paced at RATE a second, from patient i mod 1,000; one in twenty is red.
        let due = started + StdDuration::from_micros(i * 1_000_000 / RATE);
        tokio::time::sleep_until(due.into()).await;
        let permit = in_flight.clone().acquire_owned().await.expect("permit");
        let (http, tokens, root) = (http.clone(), tokens.clone(), root.to_owned());
        tasks.push(tokio::spawn(async move {
            let patient = (i as usize) % RELAYING;
            let red = i % 20 == 7;
            let (key, body) = reading(patient, i, red);
            let t = Instant::now();
            let status = http
                .post(format!("{root}/fhir/Observation"))
                .bearer_auth(&tokens[patient])
                .header("Content-Type", "application/fhir+json")
                .header(
                    "If-None-Exist",
                    format!("identifier={READING_SYSTEM}|{key}"),
                )
                .body(body)
                .send()
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or(0);
            drop(permit);
            (red, status, t.elapsed())
        }));
    }
    let mut all = Vec::new();
    let mut alerting = Vec::new();
    let mut failed = 0;
    for t in tasks {
        let (red, status, took) = t.await.expect("task");
        if status != 201 {
            failed += 1;
            continue;
        }
        all.push(took);
        if red {
            alerting.push(took);
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.sort();
    alerting.sort();
    eprintln!(
        "relay: {} readings from {RELAYING} patients in {elapsed:.1} s ({:.0}/s offered {RATE}/s), \
         {failed} failed; relay to stored p50 {:.1} ms p99 {:.1} ms; relay to alert ({} red) \
         p50 {:.1} ms p99 {:.1} ms",
        all.len(),
        all.len() as f64 / elapsed,
        percentile(&all, 0.5),
        percentile(&all, 0.99),
        alerting.len(),
        percentile(&alerting, 0.5),
        percentile(&alerting, 0.99),
    );
}

async fn worklist(root: &str, backend: &str) {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let r = http
        .post(format!("{root}/console/sign-in"))
        .form(&[
            ("username", DEMO_NURSE.username),
            ("password", DEMO_NURSE.password),
        ])
        .send()
        .await
        .expect("sign-in");
    let cookie = r.headers()["set-cookie"]
        .to_str()
        .expect("cookie")
        .split(';')
        .next()
        .expect("cookie")
        .to_owned();
    let mut times = Vec::new();
    let mut rows = 0;
    for _ in 0..50 {
        let t = Instant::now();
        let page = http
            .get(format!("{root}/console/worklist"))
            .header("cookie", &cookie)
            .send()
            .await
            .expect("worklist")
            .text()
            .await
            .expect("page");
        times.push(t.elapsed());
        rows = page.matches("data-patient=").count();
    }
    times.sort();
    eprintln!(
        "worklist ({backend}): {rows} patients, p50 {:.0} ms, p99 {:.0} ms",
        percentile(&times, 0.5),
        percentile(&times, 0.99)
    );
}
