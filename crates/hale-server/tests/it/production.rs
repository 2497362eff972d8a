//! A hospital's own server, as `hale-hospital` starts without `--demo`: no published logins, no
//! sandbox card processor, no development sign-in off this machine.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;
use hale_server::demo::seed::{DEMO_PATIENT, DEMO_STAFF};
use hale_server::ServerOptions;
use reqwest::Method;
use serde_json::json;

fn free_port() -> std::net::SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
}

/// `hale-hospital` as an operator runs it, until dropped.
struct Binary(std::process::Child);

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn run_binary(args: &[&str]) -> Binary {
    Binary(
        Command::new(env!("CARGO_BIN_EXE_hale-hospital"))
            .args(args)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .unwrap(),
    )
}

#[tokio::test]
async fn the_hospital_binary_without_demo_seeds_no_published_logins_or_secrets() {
    // Regression: `hale-hospital` seeded the demo hospital by default, so a hospital following
    // the README's PostgreSQL command served the public `staff-console` secret and demo
    // patients with published passwords.
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_database(&dir).await;
    let addr = free_port();
    let _server = run_binary(&["--database", &db, "--bind", &addr.to_string()]);
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(addr).is_err() {
        assert!(Instant::now() < deadline, "hale-hospital did not listen");
        std::thread::sleep(Duration::from_millis(50));
    }
    let http = reqwest::Client::new();
    let r = http
        .post(format!("http://{addr}/auth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", DEMO_STAFF.id),
            ("client_secret", DEMO_STAFF.secret),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "the demo device secret opens nothing");
    let r = http
        .post(format!("http://{addr}/auth/dev/token"))
        .json(&json!({"identifier": DEMO_PATIENT.mrn, "birth_date": DEMO_PATIENT.birth_date}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404, "no development sign-in");
    let page = http
        .get(format!("http://{addr}/console/sign-in"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!page.contains("hale-demo-"), "no demo logins named");
}

#[test]
fn the_hospital_binary_refuses_the_sandbox_card_processor_and_dev_sign_in_without_demo() {
    for args in [&["--payments", "sandbox"][..], &["--dev-sign-in"][..]] {
        let out = Command::new(env!("CARGO_BIN_EXE_hale-hospital"))
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("--demo"),
            "{args:?}"
        );
    }
}

#[tokio::test]
async fn a_database_holding_the_demos_credentials_is_refused_without_demo() {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_database(&dir).await;
    let mut demo = ServerOptions::embedded_demo(db.clone());
    demo.simulate_demo_day = false;
    hale_server::start(&demo)
        .await
        .unwrap()
        .stop()
        .await
        .unwrap();
    let refused = hale_server::start(&ServerOptions::hospital(db, free_port()))
        .await
        .unwrap_err();
    assert!(
        refused.to_string().contains("published credentials"),
        "{refused}"
    );
}

#[tokio::test]
async fn the_development_sign_in_refuses_to_listen_beyond_this_machine() {
    // Regression: `--dev-sign-in` (a record number and a birth date buy a token) could be
    // served on 0.0.0.0.
    let dir = tempfile::tempdir().unwrap();
    let mut options = ServerOptions::embedded_demo(fresh_database(&dir).await);
    options.bind = "0.0.0.0:0".parse().unwrap();
    let refused = hale_server::start(&options).await.unwrap_err();
    assert!(
        refused.to_string().contains("this machine only"),
        "{refused}"
    );
}

#[tokio::test]
async fn without_a_card_processor_parking_is_refused_and_nothing_is_recorded() {
    let h = hospital_configured(|o| o.payments = None).await;
    let token = h.token(&DEMO_PATIENT).await;
    let (status, outcome) = h
        .api(
            Method::POST,
            &token,
            "parking/sessions",
            Some(json!({
                "car_park": "cp-main", "registration": "AB12 CDE", "minutes": 60,
                "card": {"number": "4242424242424242", "expiry": "12/30", "cvc": "123"},
                "idempotency_key": "k-1"
            })),
        )
        .await;
    assert_eq!(status, 503, "{outcome}");
    let mut db = h.database().await;
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM payment")
        .fetch_one(&mut db)
        .await
        .unwrap();
    assert_eq!(n, 0);
}

#[tokio::test]
async fn the_development_sign_in_is_limited_like_the_password_sign_in() {
    // Regression: a record number's birth date could be guessed without limit (some 36,500
    // dates cover every living patient).
    let h = hospital().await;
    let ask = |born: &'static str| {
        h.http
            .post(format!("http://{}/auth/dev/token", h.server.addr))
            .json(&json!({"identifier": DEMO_PATIENT.mrn, "birth_date": born}))
            .send()
    };
    for born in [
        "1980-01-01",
        "1980-01-02",
        "1980-01-03",
        "1980-01-04",
        "1980-01-05",
    ] {
        assert_eq!(ask(born).await.unwrap().status(), 401);
    }
    assert_eq!(ask(DEMO_PATIENT.birth_date).await.unwrap().status(), 429);
}
