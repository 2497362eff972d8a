//! Device credentials (kiosks, the staff console's device jobs), attacked: their secrets are
//! slow to guess and limited, and a token lives only as long as its device's registration.

use crate::common::*;
use hale_server::demo::seed::{DEMO_KIOSK, DEMO_STAFF};
use reqwest::Method;
use serde_json::{json, Value};

async fn secret_hash(h: &Hospital, device: &str) -> String {
    let mut db = h.database().await;
    let (hash,): (String,) = sqlx::query_as("SELECT secret_hash FROM device WHERE id = $1")
        .bind(device)
        .fetch_one(&mut db)
        .await
        .unwrap();
    hash
}

async fn ask_token(h: &Hospital, id: &str, secret: &str) -> (u16, Value) {
    h.token_request(&[
        ("grant_type", "client_credentials"),
        ("client_id", id),
        ("client_secret", secret),
    ])
    .await
}

async fn call_next(h: &Hospital, token: &str) -> u16 {
    h.api(
        Method::POST,
        token,
        "clinics/cl-cardiology/call-next",
        Some(json!({"room": "Room 1"})),
    )
    .await
    .0
}

#[tokio::test]
async fn device_secrets_are_stored_with_a_slow_hash_not_a_fast_digest() {
    // Regression: a device secret was kept as one SHA-256, which a stolen database gives up
    // to a GPU at billions of guesses a second.
    let h = hospital().await;
    assert!(secret_hash(&h, DEMO_STAFF.id)
        .await
        .starts_with("$argon2id$"));
    assert!(secret_hash(&h, DEMO_KIOSK.id)
        .await
        .starts_with("$argon2id$"));
}

#[tokio::test]
async fn a_secret_kept_as_an_old_digest_still_works_once_and_is_upgraded() {
    let h = hospital().await;
    let mut db = h.database().await;
    let digest = hex_sha256(DEMO_STAFF.secret);
    sqlx::query("UPDATE device SET secret_hash = $1 WHERE id = $2")
        .bind(&digest)
        .bind(DEMO_STAFF.id)
        .execute(&mut db)
        .await
        .unwrap();
    let (status, _) = ask_token(&h, DEMO_STAFF.id, DEMO_STAFF.secret).await;
    assert_eq!(status, 200);
    assert!(secret_hash(&h, DEMO_STAFF.id)
        .await
        .starts_with("$argon2id$"));
}

#[tokio::test]
async fn wrong_device_secrets_are_limited_like_passwords() {
    // Regression: a device's secret could be guessed without limit.
    let h = hospital().await;
    for i in 0..5 {
        let (status, body) = ask_token(&h, DEMO_STAFF.id, &format!("guess-{i}")).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (401, Some("invalid_client"))
        );
    }
    let (status, _) = ask_token(&h, DEMO_STAFF.id, DEMO_STAFF.secret).await;
    assert_eq!(status, 429);
    let (status, _) = ask_token(&h, DEMO_KIOSK.id, DEMO_KIOSK.secret).await;
    assert_eq!(status, 200, "another device is not held up");
}

#[tokio::test]
async fn a_revoked_devices_tokens_stop_working_at_once() {
    // Regression: a device token was checked only against its own row, so revoking a stolen
    // kiosk's registration left its tokens working for their hour.
    let h = hospital().await;
    let token = h.device_token(&DEMO_STAFF).await;
    assert_eq!(
        call_next(&h, &token).await,
        404,
        "allowed: nobody is waiting"
    );
    let mut db = h.database().await;
    sqlx::query("UPDATE device SET revoked_at = '2026-01-01T00:00:00+00:00' WHERE id = $1")
        .bind(DEMO_STAFF.id)
        .execute(&mut db)
        .await
        .unwrap();
    assert_eq!(call_next(&h, &token).await, 401);
    let (status, _) = ask_token(&h, DEMO_STAFF.id, DEMO_STAFF.secret).await;
    assert_eq!(status, 401, "and it gets no new one");
}

#[tokio::test]
async fn revoking_a_device_token_ends_it() {
    // Regression: /auth/revoke ended patients' tokens only.
    let h = hospital().await;
    let token = h.device_token(&DEMO_STAFF).await;
    let r = h
        .http
        .post(format!("http://{}/auth/revoke", h.server.addr))
        .form(&[("token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(call_next(&h, &token).await, 401);
}

fn hex_sha256(s: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
