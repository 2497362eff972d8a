//! Subscription delivery latency on loopback: from the moment a reading is sent (its commit is
//! inside that request) to the moment a rest-hook receiver holds the notification naming it.
//!
//! The real server on its real database (SQLite, or PostgreSQL when `HALE_TEST_POSTGRES` is
//! set), one integration engine subscribed to every new Observation with `full-resource`
//! content, its receiver an HTTP server in this process. Two loads: a ward's pace (20 readings a
//! second for 15 s, one at a time) and a burst (400 a second for 5 s, 64 in flight). Prints
//! p50, p95, p99 and the worst, and checks every reading was notified exactly once.
//!
//! Run: `cargo bench -p hale-server --bench subscriptions`.

#[path = "../tests/it/common/mod.rs"]
#[allow(dead_code)] // the bench uses part of the tests' support
mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration as StdDuration, Instant};

use axum::routing::post;
use chrono::Utc;
use hale_server::demo::seed::DEMO_PATIENT;
use hale_server::ServerOptions;
use serde_json::{json, Value};
use tokio::sync::Semaphore;

const BACKPORT: &str = "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/";

/// When each observation id was first notified, and how many times.
type Heard = Arc<Mutex<HashMap<String, (Instant, u32)>>>;

fn percentile(sorted: &[StdDuration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1e3
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = common::fresh_database(&dir).await;
    let backend = if url.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let mut options = ServerOptions::embedded_demo(url.clone());
    options.simulate_demo_day = false;
    let server = hale_server::start(&options).await.expect("server");
    let h = common::Hospital::around(server, &url);
    let root = format!("http://{}", h.server.addr);
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(128)
        .build()
        .expect("client");

    let heard: Heard = Arc::default();
    let receiver = receiver(heard.clone()).await;
    let engine = h
        .registered_device(
            "bench-engine",
            "system/Subscription.cruds system/Observation.rs",
        )
        .await;
    let subscription = json!({
        "resourceType": "Subscription",
        "status": "requested",
        "reason": "latency benchmark",
        "criteria": "https://hale.example/fhir/SubscriptionTopic/observation",
        "channel": {
            "type": "rest-hook",
            "endpoint": receiver,
            "payload": "application/fhir+json",
            "_payload": {"extension": [{
                "url": format!("{BACKPORT}backport-payload-content"), "valueCode": "full-resource"
            }]}
        }
    });
    let made = http
        .post(format!("{root}/fhir/Subscription"))
        .bearer_auth(&engine)
        .json(&subscription)
        .send()
        .await
        .expect("subscribe");
    assert_eq!(made.status().as_u16(), 201, "subscribe");
    // The handshake comes first.
    tokio::time::sleep(StdDuration::from_millis(500)).await;

    let alex: Value = http
        .post(format!("{root}/auth/dev/token"))
        .json(&json!({"identifier": DEMO_PATIENT.mrn, "birth_date": DEMO_PATIENT.birth_date}))
        .send()
        .await
        .expect("sign-in")
        .json()
        .await
        .expect("token");
    let alex = alex["access_token"].as_str().expect("token").to_owned();

    for (name, rate, seconds, in_flight) in [("ward", 20, 15, 1), ("burst", 400, 5, 64)] {
        run(
            backend, name, rate, seconds, in_flight, &root, &http, &alex, &heard,
        )
        .await;
    }
    h.server.stop().await.expect("stop");
}

#[allow(clippy::too_many_arguments)]
async fn run(
    backend: &str,
    name: &str,
    rate: u64,
    seconds: u64,
    in_flight: usize,
    root: &str,
    http: &reqwest::Client,
    token: &str,
    heard: &Heard,
) {
    let slots = Arc::new(Semaphore::new(in_flight));
    let started = Instant::now();
    let total = rate * seconds;
    let mut tasks = Vec::with_capacity(total as usize);
    for i in 0..total {
        let due = started + StdDuration::from_micros(i * 1_000_000 / rate);
        tokio::time::sleep_until(due.into()).await;
        let permit = slots.clone().acquire_owned().await.expect("permit");
        let (http, root, token) = (http.clone(), root.to_owned(), token.to_owned());
        let key = format!("bench/{name}/{i}");
        tasks.push(tokio::spawn(async move {
            let sent = Instant::now();
            let answer = http
                .post(format!("{root}/fhir/Observation"))
                .bearer_auth(&token)
                .header(
                    "If-None-Exist",
                    format!("identifier=urn:hale:reading|{key}"),
                )
                .json(&reading(&key))
                .send()
                .await
                .expect("send");
            let status = answer.status().as_u16();
            let stored = sent.elapsed();
            let body: Value = answer.json().await.expect("body");
            drop(permit);
            let id = body["id"].as_str().unwrap_or_default().to_owned();
            (status, id, sent, stored)
        }));
    }
    let mut sent = Vec::with_capacity(tasks.len());
    let mut stored = Vec::with_capacity(tasks.len());
    for t in tasks {
        let (status, id, at, took) = t.await.expect("task");
        assert_eq!(status, 201, "a reading was refused");
        sent.push((id, at));
        stored.push(took);
    }
    stored.sort();
    // Every notification is in within a few seconds, or it is lost.
    let deadline = Instant::now() + StdDuration::from_secs(30);
    loop {
        let all_in = {
            let heard = heard.lock().expect("heard");
            sent.iter().all(|(id, _)| heard.contains_key(id))
        };
        if all_in || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(StdDuration::from_millis(20)).await;
    }
    let heard = heard.lock().expect("heard");
    let mut latencies = Vec::with_capacity(sent.len());
    let (mut lost, mut doubled) = (0, 0);
    for (id, at) in &sent {
        match heard.get(id) {
            None => lost += 1,
            Some((got, times)) => {
                latencies.push(got.saturating_duration_since(*at));
                if *times > 1 {
                    doubled += 1;
                }
            }
        }
    }
    latencies.sort();
    eprintln!(
        "{name} ({backend}): {} readings at {rate}/s, {in_flight} in flight; sent to stored \
         p50 {:.1} ms, p99 {:.1} ms; sent to notified p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, \
         worst {:.1} ms; {lost} lost, {doubled} doubled",
        sent.len(),
        percentile(&stored, 0.5),
        percentile(&stored, 0.99),
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.95),
        percentile(&latencies, 0.99),
        percentile(&latencies, 1.0),
    );
}

fn reading(key: &str) -> Value {
    json!({
        "resourceType": "Observation",
        "identifier": [{"system": "urn:hale:reading", "value": key}],
        "status": "final",
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "vital-signs"}]}],
        "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
        "subject": {"reference": format!("Patient/{}", DEMO_PATIENT.id)},
        "effectiveDateTime": Utc::now().to_rfc3339(),
        "valueQuantity": {"value": 72, "unit": "/min", "system": "http://unitsofmeasure.org", "code": "/min"},
    })
}

/// A receiver on loopback noting when each observation was first notified; returns its URL.
async fn receiver(heard: Heard) -> String {
    let app = axum::Router::new().route(
        "/hook",
        post(move |body: String| {
            let heard = heard.clone();
            async move {
                let now = Instant::now();
                let bundle: Value = serde_json::from_str(&body).expect("a bundle");
                let mut heard = heard.lock().expect("heard");
                for entry in bundle["entry"].as_array().into_iter().flatten().skip(1) {
                    if let Some(id) = entry["resource"]["id"].as_str() {
                        heard.entry(id.to_owned()).or_insert((now, 0)).1 += 1;
                    }
                }
                axum::http::StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await.expect("receiver") });
    format!("http://{addr}/hook")
}
