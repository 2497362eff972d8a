//! The hospital server under load, measured from a second process on loopback, the way clients
//! reach it: the `hale-hospital` binary serves a hospital of 500 clinicians with 90 days of
//! slots, and this process drives it over plain HTTP/1.1 keep-alive connections.
//!
//! - `waiting`: the public waiting-times endpoint, 32 connections for 10 s: requests/s, p50, p99;
//! - `slots`: free-slot search (a specialty from a date, first page), one client, 2,000
//!   searches: p50, p99;
//! - `bookings`: 32 clients book 3,000 slots, each slot sought twice by different patients:
//!   bookings/s, and a count of live appointments per slot afterwards (must be one at most);
//! - `signins`: the patient's password sign-in through the real form (the CSRF token, the
//!   attempt limiter's rows in the database, Argon2id), one at a time and four at once: p50,
//!   p99, sign-ins/s.
//!
//! Run: `cargo bench --features hale-app/custom-protocol --workspace --exclude hale-ui --bench
//! server [-- waiting|slots|bookings|signins]`. On PostgreSQL: set `HALE_TEST_POSTGRES` (e.g.
//! `source scripts/postgres.sh`) and the hospital's database is made there instead.

// The server tests' support: a fresh SQLite file, or a database of its own on HALE_TEST_POSTGRES.
#[path = "../tests/it/common/mod.rs"]
#[allow(dead_code)] // the bench uses part of the tests' support
mod common;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::process::{Child, Command};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use chrono::{Duration, DurationRound, Utc};
use hale_server::DbTime;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

const CLINICIANS: usize = 500;
const DAYS: i64 = 90;
/// A clinician's slots per weekday: 09:00 to 17:00, every 20 minutes.
const SLOTS_PER_DAY: i64 = 24;
const BENCH_PATIENTS: usize = 200;
const SPECIALTIES: [(&str, &str); 4] = [
    ("cl-cardiology", "394579002"),
    ("cl-endocrinology", "394583002"),
    ("cl-dermatology", "394582007"),
    ("cl-ophthalmology", "394594003"),
];

/// A small deterministic generator: the bench needs spread, not cryptography.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[tokio::main(flavor = "current_thread")]
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
    let slots = build_hospital(&url).await;
    eprintln!(
        "hospital on {backend}: {CLINICIANS} clinicians, {slots} slots over {DAYS} days, \
         {BENCH_PATIENTS} patients, built in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let server = Server::start(&url);
    if wants("waiting") {
        waiting_times(server.addr).await;
    }
    if wants("slots") {
        slot_search(server.addr).await;
    }
    if wants("bookings") {
        bookings(server.addr, &url).await;
    }
    if wants("signins") {
        sign_ins(server.addr).await;
    }
}

/// One password sign-in as the app's browser makes it: the form (with its CSRF cookie and
/// token), then the post, timed alone. Returns the post's time.
async fn sign_in_once(addr: SocketAddr) -> StdDuration {
    use hale_server::demo::seed::DEMO_PATIENT;
    let challenge = hale_fhir::smart::pkce_challenge("bench-verifier-0123456789-0123456789-0123");
    let aud = format!("http://{addr}/fhir");
    let mut form = vec![
        ("response_type", "code"),
        ("client_id", hale_fhir::smart::APP_CLIENT_ID),
        ("redirect_uri", common::REDIRECT),
        ("scope", "launch/patient openid patient/Appointment.rs"),
        ("state", "st-bench"),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
        ("aud", aud.as_str()),
    ];
    let url = format!("http://{addr}/auth/authorize");
    let page = reqwest::Url::parse_with_params(&url, &form).expect("url");
    let (cookie, csrf) = common::open_sign_in_form(page.as_str()).await;
    form.extend([
        ("username", DEMO_PATIENT.username),
        ("password", DEMO_PATIENT.password),
        ("csrf", csrf.as_str()),
    ]);
    let started = Instant::now();
    let r = common::no_redirects()
        .post(&url)
        .header("cookie", cookie)
        .form(&form)
        .send()
        .await
        .expect("sign-in answered");
    let took = started.elapsed();
    let location = r
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .unwrap_or_default();
    assert!(location.contains("code="), "{}: {location}", r.status());
    took
}

async fn sign_ins(addr: SocketAddr) {
    const ALONE: usize = 40;
    const AT_ONCE: usize = 4;
    const EACH: usize = 10;
    let mut alone = Vec::with_capacity(ALONE);
    for _ in 0..ALONE {
        alone.push(sign_in_once(addr).await);
    }
    alone.sort();
    let started = Instant::now();
    let clients: Vec<_> = (0..AT_ONCE)
        .map(|_| {
            tokio::spawn(async move {
                let mut times = Vec::with_capacity(EACH);
                for _ in 0..EACH {
                    times.push(sign_in_once(addr).await);
                }
                times
            })
        })
        .collect();
    let mut together = Vec::new();
    for client in clients {
        together.extend(client.await.expect("client"));
    }
    let wall = started.elapsed().as_secs_f64();
    together.sort();
    eprintln!(
        "sign-in (correct password, limiter rows and Argon2id): one at a time {ALONE}: p50 \
         {:.1} ms, p99 {:.1} ms; {AT_ONCE} at once, {} in all: p50 {:.1} ms, p99 {:.1} ms, \
         {:.1} sign-ins/s (form fetches included in the rate)",
        percentile(&alone, 0.5),
        percentile(&alone, 0.99),
        together.len(),
        percentile(&together, 0.5),
        percentile(&together, 0.99),
        together.len() as f64 / wall
    );
}

/// The demo hospital, plus 500 clinicians spread over its four clinics with 90 days of weekday
/// slots, and 200 patients. Returns the number of slots.
async fn build_hospital(url: &str) -> usize {
    let db = hale_server::open_database(url).await.expect("database");
    let now = Utc::now();
    hale_server::demo::seed::ensure_demo(&db, now)
        .await
        .expect("seed");
    let mut tx = db.begin().await.expect("begin");
    for p in 0..CLINICIANS {
        let clinic = SPECIALTIES[p % SPECIALTIES.len()].0;
        sqlx::query("INSERT INTO practitioner (id, name, clinic_id) VALUES ($1, $2, $3)")
            .bind(format!("pr-b{p:04}"))
            .bind(format!("Dr Bench {p}"))
            .bind(clinic)
            .execute(&mut *tx)
            .await
            .expect("practitioner");
        sqlx::query("INSERT INTO schedule (id, practitioner_id, clinic_id) VALUES ($1, $2, $3)")
            .bind(format!("sc-b{p:04}"))
            .bind(format!("pr-b{p:04}"))
            .bind(clinic)
            .execute(&mut *tx)
            .await
            .expect("schedule");
    }
    for n in 0..BENCH_PATIENTS {
        sqlx::query(
            "INSERT INTO patient (id, mrn, given, family, birth_date) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(format!("pt-b{n:04}"))
        .bind(format!("BENCH-{n:06}"))
        .bind("Bench")
        .bind(format!("Patient {n}"))
        .bind("1970-01-01")
        .execute(&mut *tx)
        .await
        .expect("patient");
    }
    // Rows go in 100 at a time: one statement per row would make building the bench the bench.
    let first_day = now.duration_trunc(Duration::days(1)).expect("midnight") + Duration::days(1);
    let mut rows = Vec::new();
    for day in 0..DAYS {
        let date = first_day + Duration::days(day);
        if matches!(
            chrono::Datelike::weekday(&date),
            chrono::Weekday::Sat | chrono::Weekday::Sun
        ) {
            continue;
        }
        for p in 0..CLINICIANS {
            for n in 0..SLOTS_PER_DAY {
                let start = date + Duration::hours(9) + Duration::minutes(20 * n);
                rows.push((p, start));
            }
        }
    }
    for chunk in rows.chunks(100) {
        let mut sql =
            String::from("INSERT INTO slot (id, schedule_id, start_at, end_at, status) VALUES ");
        for i in 0..chunk.len() {
            if i > 0 {
                sql.push_str(", ");
            }
            let k = i * 4;
            sql.push_str(&format!(
                "(${}, ${}, ${}, ${}, 'free')",
                k + 1,
                k + 2,
                k + 3,
                k + 4
            ));
        }
        let mut q = sqlx::query(&sql);
        for (p, start) in chunk {
            q = q
                .bind(format!("sl-b{p:04}-{}", start.format("%Y%m%d%H%M")))
                .bind(format!("sc-b{p:04}"))
                .bind(DbTime(*start))
                .bind(DbTime(*start + Duration::minutes(20)));
        }
        q.execute(&mut *tx).await.expect("slots");
    }
    tx.commit().await.expect("commit");
    if url.starts_with("postgres") {
        // What autovacuum would do soon after a bulk load: give the planner the table's shape.
        sqlx::query("ANALYZE").execute(&db).await.expect("analyze");
    }
    db.close().await;
    rows.len()
}

/// `hale-hospital` in its own process, on a free loopback port.
struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Server {
    fn start(url: &str) -> Self {
        let addr = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port");
        let child = Command::new(env!("CARGO_BIN_EXE_hale-hospital"))
            .args([
                "--database",
                url,
                "--bind",
                &addr.to_string(),
                "--demo",
                "--dev-sign-in",
            ])
            // Its warnings and errors (on standard output) are shown with the figures.
            .env("RUST_LOG", "warn")
            .spawn()
            .expect("hale-hospital starts");
        let deadline = Instant::now() + StdDuration::from_secs(60);
        while std::net::TcpStream::connect(addr).is_err() {
            assert!(Instant::now() < deadline, "hale-hospital did not listen");
            std::thread::sleep(StdDuration::from_millis(50));
        }
        Self { child, addr }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One keep-alive HTTP/1.1 connection, as lean as a load generator must be.
struct Connection {
    stream: BufReader<TcpStream>,
    host: String,
}

impl Connection {
    async fn open(addr: SocketAddr) -> Self {
        let stream = TcpStream::connect(addr).await.expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        Self {
            stream: BufReader::new(stream),
            host: addr.to_string(),
        }
    }

    /// Sends one request and reads the whole answer: (status, body).
    async fn request(
        &mut self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&str>,
    ) -> (u16, Vec<u8>) {
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\n", self.host);
        if let Some(token) = token {
            head.push_str(&format!("Authorization: Bearer {token}\r\n"));
        }
        if let Some(body) = body {
            head.push_str(&format!(
                "Content-Type: application/fhir+json\r\nContent-Length: {}\r\n",
                body.len()
            ));
        }
        head.push_str("\r\n");
        head.push_str(body.unwrap_or(""));
        self.stream
            .get_mut()
            .write_all(head.as_bytes())
            .await
            .expect("send");
        let mut line = String::new();
        self.stream.read_line(&mut line).await.expect("status line");
        let status: u16 = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .expect("an HTTP status");
        let mut length = 0usize;
        loop {
            line.clear();
            self.stream.read_line(&mut line).await.expect("header");
            if line == "\r\n" {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().expect("length");
                }
            }
        }
        let mut body = vec![0; length];
        self.stream.read_exact(&mut body).await.expect("body");
        (status, body)
    }
}

fn percentile(sorted: &[StdDuration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1e3
}

async fn waiting_times(addr: SocketAddr) {
    const CONNECTIONS: usize = 32;
    const RUN: StdDuration = StdDuration::from_secs(10);
    // Warm up: connections open, the board computed once.
    let mut c = Connection::open(addr).await;
    assert_eq!(
        c.request("GET", "/api/waiting-times", None, None).await.0,
        200
    );
    let deadline = Instant::now() + RUN;
    let started = Instant::now();
    let tasks: Vec<_> = (0..CONNECTIONS)
        .map(|_| {
            tokio::spawn(async move {
                let mut c = Connection::open(addr).await;
                let mut latencies = Vec::new();
                while Instant::now() < deadline {
                    let t = Instant::now();
                    let (status, _) = c.request("GET", "/api/waiting-times", None, None).await;
                    assert_eq!(status, 200);
                    latencies.push(t.elapsed());
                }
                latencies
            })
        })
        .collect();
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.expect("load task"));
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.sort();
    eprintln!(
        "waiting times: {} requests in {elapsed:.1} s over {CONNECTIONS} connections = {:.0} req/s; \
         p50 {:.2} ms, p99 {:.2} ms",
        all.len(),
        all.len() as f64 / elapsed,
        percentile(&all, 0.5),
        percentile(&all, 0.99)
    );
}

async fn dev_token(c: &mut Connection, mrn: &str, birth_date: &str) -> String {
    let body = json!({"identifier": mrn, "birth_date": birth_date}).to_string();
    let (status, answer) = c
        .request("POST", "/auth/dev/token", None, Some(&body))
        .await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&answer));
    let v: Value = serde_json::from_slice(&answer).expect("json");
    v["access_token"].as_str().expect("token").to_owned()
}

async fn slot_search(addr: SocketAddr) {
    const SEARCHES: usize = 2_000;
    let mut c = Connection::open(addr).await;
    let token = dev_token(&mut c, "BENCH-000000", "1970-01-01").await;
    let mut rng = Rng(0x5EED_5107);
    let today = Utc::now().date_naive();
    let mut latencies = Vec::with_capacity(SEARCHES);
    let mut found = 0usize;
    for _ in 0..SEARCHES {
        let (_, code) = SPECIALTIES[rng.below(SPECIALTIES.len())];
        let from = today + Duration::days(1 + rng.below(DAYS as usize - 1) as i64);
        let path = format!("/fhir/Slot?status=free&service-type={code}&start=ge{from}&_count=10");
        let t = Instant::now();
        let (status, body) = c.request("GET", &path, Some(&token), None).await;
        latencies.push(t.elapsed());
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        let v: Value = serde_json::from_slice(&body).expect("bundle");
        found += v["entry"].as_array().map_or(0, |e| {
            e.iter()
                .filter(|e| e["resource"]["resourceType"] == "Slot")
                .count()
        });
    }
    latencies.sort();
    eprintln!(
        "slot search: {SEARCHES} searches (first page of 10, one of 4 specialties, from a day in \
         the next {DAYS}), {found} slots returned; p50 {:.2} ms, p99 {:.2} ms",
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99)
    );
}

async fn bookings(addr: SocketAddr, url: &str) {
    const CLIENTS: usize = 32;
    const SLOTS: usize = 3_000;
    let mut c = Connection::open(addr).await;
    let mut tokens = Vec::new();
    for n in 0..BENCH_PATIENTS {
        tokens.push(dev_token(&mut c, &format!("BENCH-{n:06}"), "1970-01-01").await);
    }
    // 3,000 of the bench clinicians' slots, each to be sought twice, in a shuffled order.
    let mut rng = Rng(0xB00C_1465);
    let today = Utc::now().date_naive();
    let mut attempts: Vec<(String, usize)> = (0..SLOTS)
        .map(|i| {
            let p = rng.below(CLINICIANS);
            let mut day = today + Duration::days(7 + (i % 60) as i64);
            while matches!(
                chrono::Datelike::weekday(&day),
                chrono::Weekday::Sat | chrono::Weekday::Sun
            ) {
                day += Duration::days(1);
            }
            let time = 9 * 60 + 20 * rng.below(SLOTS_PER_DAY as usize);
            (p, day, time)
        })
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .flat_map(|(p, day, minutes)| {
            let id = format!(
                "sl-b{p:04}-{}{:02}{:02}",
                day.format("%Y%m%d"),
                minutes / 60,
                minutes % 60
            );
            [id.clone(), id]
        })
        .map(|id| (id, 0))
        .collect();
    for a in attempts.iter_mut() {
        a.1 = rng.below(BENCH_PATIENTS);
    }
    for i in (1..attempts.len()).rev() {
        attempts.swap(i, rng.below(i + 1));
    }
    let attempts = Arc::new(attempts);
    let tokens = Arc::new(tokens);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|w| {
            let (attempts, tokens, next) = (attempts.clone(), tokens.clone(), next.clone());
            tokio::spawn(async move {
                let mut c = Connection::open(addr).await;
                let mut outcomes: HashMap<u16, usize> = HashMap::new();
                let mut latencies = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some((slot, patient)) = attempts.get(i) else {
                        break;
                    };
                    let body = json!({
                        "resourceType": "Appointment",
                        "status": "booked",
                        "slot": [{"reference": format!("Slot/{slot}")}],
                        "identifier": [{"system": "urn:hale:request-id", "value": format!("bench-{w}-{i}")}],
                    })
                    .to_string();
                    let t = Instant::now();
                    let (status, _) = c
                        .request("POST", "/fhir/Appointment", Some(&tokens[*patient]), Some(&body))
                        .await;
                    latencies.push(t.elapsed());
                    *outcomes.entry(status).or_default() += 1;
                }
                (outcomes, latencies)
            })
        })
        .collect();
    let mut outcomes: HashMap<u16, usize> = HashMap::new();
    let mut latencies = Vec::new();
    for t in tasks {
        let (o, l) = t.await.expect("booking task");
        for (k, v) in o {
            *outcomes.entry(k).or_default() += v;
        }
        latencies.extend(l);
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort();
    let booked = outcomes.get(&201).copied().unwrap_or(0);

    let db = hale_server::open_database(url).await.expect("database");
    let doubled: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT slot_id FROM appointment \
         WHERE status NOT IN ('cancelled', 'entered-in-error', 'noshow') \
         GROUP BY slot_id HAVING COUNT(*) > 1) AS d",
    )
    .fetch_one(&db)
    .await
    .expect("count");
    let live: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM appointment WHERE patient_id LIKE 'pt-b%' AND status = 'booked'",
    )
    .fetch_one(&db)
    .await
    .expect("count");
    let mut codes: Vec<_> = outcomes.iter().collect();
    codes.sort();
    eprintln!(
        "bookings: {} attempts on {} slots by {CLIENTS} clients in {elapsed:.1} s: {booked} booked \
         = {:.0} bookings/s ({:.0} attempts/s); answers {codes:?}; p50 {:.1} ms, p99 {:.1} ms; \
         {live} live bench appointments, {doubled} slots with more than one",
        attempts.len(),
        attempts.len() / 2,
        booked as f64 / elapsed,
        attempts.len() as f64 / elapsed,
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99)
    );
    assert_eq!(doubled, 0, "a slot was booked twice");
    assert!(
        outcomes.keys().all(|s| *s < 500),
        "every attempt answered with a booking or a refusal"
    );
    assert_eq!(live, booked as i64, "every 201 is one live appointment");
}
