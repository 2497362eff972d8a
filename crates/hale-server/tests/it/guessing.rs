//! The limits on guessing passwords, attacked over real HTTP: in parallel, with invented names,
//! from behind a proxy, against a patient's usual place, and across instances.

use crate::common::*;
use hale_fhir::smart::APP_SCOPE;
use hale_server::demo::seed::DEMO_PATIENT;

const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

async fn keys_like(h: &Hospital, pattern: &str) -> i64 {
    let mut db = h.database().await;
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM attempt_limit WHERE key LIKE $1")
        .bind(pattern)
        .fetch_one(&mut db)
        .await
        .unwrap();
    n
}

#[tokio::test]
async fn sixty_parallel_guesses_get_at_most_five_password_checks() {
    // Regression: the limit was checked before the Argon2 check and recorded after it, so
    // guesses sent together all passed the check (60 of 60 were verified).
    let h = hospital().await;
    let guesses = (0..60).map(|i| {
        let h = &h;
        async move {
            h.authorize(
                DEMO_PATIENT.username,
                &format!("guess-{i}"),
                APP_SCOPE,
                VERIFIER,
            )
            .await
            .0
        }
    });
    let statuses = futures_join_all(guesses).await;
    let checked = statuses.iter().filter(|s| **s == 401).count();
    let limited = statuses.iter().filter(|s| **s == 429).count();
    assert!((1..=5).contains(&checked), "{statuses:?}");
    assert_eq!(checked + limited, 60, "{statuses:?}");
}

#[tokio::test]
async fn invented_names_from_one_address_leave_at_most_its_allowance_of_keys() {
    // Regression: the limiter kept an entry for every name it was sent, forever, in memory.
    let h = hospital().await;
    for i in 0..40 {
        h.authorize(&format!("nobody-{i}"), "x", APP_SCOPE, VERIFIER)
            .await;
    }
    assert!(keys_like(&h, "account:%").await <= 30);
    // The address is waiting now; further names are not even counted.
    let (status, _) = h.authorize("nobody-else", "x", APP_SCOPE, VERIFIER).await;
    assert_eq!(status, 429);
    assert_eq!(keys_like(&h, "account:nobody-else").await, 0);
}

#[tokio::test]
async fn a_name_longer_than_any_sign_in_name_is_refused_unchecked_and_uncounted() {
    let h = hospital().await;
    let long = "a".repeat(100_000);
    let (status, _) = h.authorize(&long, "x", APP_SCOPE, VERIFIER).await;
    assert_eq!(status, 400);
    assert_eq!(keys_like(&h, "account:%").await, 0);
}

#[tokio::test]
async fn limits_behind_a_trusted_proxy_count_each_client_not_the_proxy() {
    // Regression: keyed on the TCP peer, every patient behind the hospital's load balancer
    // shared one address, so 30 mistakes anywhere locked everyone out.
    let h = hospital_configured(|o| o.trusted_proxies = vec!["127.0.0.1".parse().unwrap()]).await;
    let from = |ip: &'static str| [("x-forwarded-for", ip)];
    for i in 0..31 {
        h.authorize_via(
            &format!("nobody-{i}"),
            "x",
            APP_SCOPE,
            VERIFIER,
            &from("203.0.113.5"),
        )
        .await;
    }
    let (status, _) = h
        .authorize_via(
            "nobody-more",
            "x",
            APP_SCOPE,
            VERIFIER,
            &from("203.0.113.5"),
        )
        .await;
    assert_eq!(status, 429, "the guessing client waits");
    let (status, _) = h
        .authorize_via(
            DEMO_PATIENT.username,
            DEMO_PATIENT.password,
            APP_SCOPE,
            VERIFIER,
            &from("198.51.100.7"),
        )
        .await;
    assert_eq!(status, 303, "another client behind the same proxy signs in");
}

#[tokio::test]
async fn forwarding_headers_from_an_untrusted_peer_do_not_dodge_the_limit() {
    let h = hospital().await;
    for i in 0..31 {
        let ip = format!("203.0.113.{i}");
        h.authorize_via(
            &format!("nobody-{i}"),
            "x",
            APP_SCOPE,
            VERIFIER,
            &[("x-forwarded-for", &ip)],
        )
        .await;
    }
    let (status, _) = h
        .authorize_via(
            "nobody-more",
            "x",
            APP_SCOPE,
            VERIFIER,
            &[("x-forwarded-for", "192.0.2.1")],
        )
        .await;
    assert_eq!(status, 429);
}

#[tokio::test]
async fn a_strangers_guesses_do_not_shut_the_patient_out_at_their_usual_place() {
    // Regression: five wrong passwords from anywhere refused the right one from everywhere
    // for 15 minutes, so anyone who knew a username could lock its patient out.
    let h = hospital_configured(|o| o.trusted_proxies = vec!["127.0.0.1".parse().unwrap()]).await;
    let home = [("x-forwarded-for", "198.51.100.7")];
    let stranger = [("x-forwarded-for", "203.0.113.5")];
    let (status, _) = h
        .authorize_via(
            DEMO_PATIENT.username,
            DEMO_PATIENT.password,
            APP_SCOPE,
            VERIFIER,
            &home,
        )
        .await;
    assert_eq!(status, 303);
    for _ in 0..5 {
        let (status, _) = h
            .authorize_via(
                DEMO_PATIENT.username,
                "guess",
                APP_SCOPE,
                VERIFIER,
                &stranger,
            )
            .await;
        assert_eq!(status, 401);
    }
    let (status, _) = h
        .authorize_via(
            DEMO_PATIENT.username,
            DEMO_PATIENT.password,
            APP_SCOPE,
            VERIFIER,
            &stranger,
        )
        .await;
    assert_eq!(
        status, 429,
        "the stranger waits, even with the right password"
    );
    let (status, _) = h
        .authorize_via(
            DEMO_PATIENT.username,
            DEMO_PATIENT.password,
            APP_SCOPE,
            VERIFIER,
            &home,
        )
        .await;
    assert_eq!(status, 303, "the patient at home signs in");
}

#[tokio::test]
async fn many_patients_signing_in_from_one_address_are_never_held_up() {
    // Attempts are reserved before the check; a success gives its address the attempt back,
    // or a hospital's guest Wi-Fi (one address) would stop everyone after 30 sign-ins.
    let h = hospital().await;
    for _ in 0..35 {
        let (status, _) = h
            .authorize(
                DEMO_PATIENT.username,
                DEMO_PATIENT.password,
                APP_SCOPE,
                VERIFIER,
            )
            .await;
        assert_eq!(status, 303);
    }
}
