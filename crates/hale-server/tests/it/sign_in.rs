//! SMART standalone patient sign-in against the reference server, over real HTTP: discovery,
//! authorize with PKCE, code exchange, refresh rotation, revocation and rate limiting.

use crate::common::*;
use hale_fhir::smart::{pkce_challenge, APP_CLIENT_ID, APP_SCOPE};
use hale_server::demo::seed::{DEMO_PATIENT, OTHER_PATIENT};

const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

#[tokio::test]
async fn discovery_names_the_endpoints_and_offers_only_s256() {
    let h = hospital().await;
    let config: serde_json::Value = h
        .http
        .get(h.url(".well-known/smart-configuration"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let origin = format!("http://{}", h.server.addr);
    assert_eq!(
        config["authorization_endpoint"],
        format!("{origin}/auth/authorize")
    );
    assert_eq!(config["token_endpoint"], format!("{origin}/auth/token"));
    assert_eq!(
        config["revocation_endpoint"],
        format!("{origin}/auth/revoke")
    );
    assert_eq!(
        config["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    let caps = config["capabilities"].as_array().unwrap();
    for cap in [
        "launch-standalone",
        "client-public",
        "context-standalone-patient",
    ] {
        assert!(caps.iter().any(|c| c == cap), "{cap}");
    }
}

#[tokio::test]
async fn a_patient_signs_in_with_pkce_and_reads_only_their_own_record() {
    let h = hospital().await;
    let tokens = h.sign_in(&DEMO_PATIENT).await;
    assert_eq!(tokens["patient"], DEMO_PATIENT.id);
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["scope"], APP_SCOPE);
    assert!(tokens["expires_in"].as_i64().unwrap() <= 15 * 60);
    let access = tokens["access_token"].as_str().unwrap();
    let (status, patient) = h.get(access, &format!("Patient/{}", DEMO_PATIENT.id)).await;
    assert_eq!(status, 200);
    assert_eq!(patient["id"], DEMO_PATIENT.id);
    let (status, _) = h
        .get(access, &format!("Patient/{}", OTHER_PATIENT.id))
        .await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn the_sign_in_page_is_a_form_with_a_strict_policy() {
    let h = hospital().await;
    let challenge = pkce_challenge(VERIFIER);
    let r = no_redirects()
        .get(format!("http://{}/auth/authorize", h.server.addr))
        .query(&[
            ("response_type", "code"),
            ("client_id", APP_CLIENT_ID),
            ("redirect_uri", REDIRECT),
            ("scope", APP_SCOPE),
            ("state", "abc"),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
            ("aud", h.server.fhir_base().as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"));
    let html = r.text().await.unwrap();
    assert!(html.contains(r#"name="password" type="password""#));
    assert!(
        html.contains("book, cancel and move your appointments"),
        "says what is asked"
    );
}

#[tokio::test]
async fn a_wrong_password_gets_the_form_again_and_no_code() {
    let h = hospital().await;
    let (status, location) = h
        .authorize(
            DEMO_PATIENT.username,
            "not-the-password",
            APP_SCOPE,
            VERIFIER,
        )
        .await;
    assert_eq!(status, 401);
    assert!(location.is_empty());
    let (status, _) = h.authorize("nobody", "x", APP_SCOPE, VERIFIER).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn sign_in_is_rate_limited_per_account() {
    let h = hospital().await;
    for _ in 0..5 {
        let (status, _) = h
            .authorize(DEMO_PATIENT.username, "guess", APP_SCOPE, VERIFIER)
            .await;
        assert_eq!(status, 401);
    }
    // Even the right password waits now; another account does not.
    let (status, _) = h
        .authorize(
            DEMO_PATIENT.username,
            DEMO_PATIENT.password,
            APP_SCOPE,
            VERIFIER,
        )
        .await;
    assert_eq!(status, 429);
    let (status, _) = h
        .authorize(
            OTHER_PATIENT.username,
            OTHER_PATIENT.password,
            APP_SCOPE,
            VERIFIER,
        )
        .await;
    assert_eq!(status, 303);
}

#[tokio::test]
async fn a_foreign_redirect_is_refused_on_the_page_and_never_followed() {
    let h = hospital().await;
    let challenge = pkce_challenge(VERIFIER);
    for redirect in [
        "http://evil.example/callback",
        "http://localhost:5000/callback",
        "https://127.0.0.1:5000/callback",
        "http://127.0.0.1:5000/elsewhere",
    ] {
        let r = no_redirects()
            .get(format!("http://{}/auth/authorize", h.server.addr))
            .query(&[
                ("response_type", "code"),
                ("client_id", APP_CLIENT_ID),
                ("redirect_uri", redirect),
                ("scope", APP_SCOPE),
                ("state", "abc"),
                ("code_challenge", challenge.as_str()),
                ("code_challenge_method", "S256"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{redirect}");
        assert!(r.headers().get("location").is_none(), "{redirect}");
    }
}

#[tokio::test]
async fn plain_pkce_and_missing_state_are_sent_back_as_errors() {
    let h = hospital().await;
    let base = |method: &'static str, state: &'static str| {
        vec![
            ("response_type", "code".to_owned()),
            ("client_id", APP_CLIENT_ID.to_owned()),
            ("redirect_uri", REDIRECT.to_owned()),
            ("scope", APP_SCOPE.to_owned()),
            ("state", state.to_owned()),
            ("code_challenge", pkce_challenge(VERIFIER)),
            ("code_challenge_method", method.to_owned()),
        ]
    };
    for query in [base("plain", "abc"), base("S256", "")] {
        let r = no_redirects()
            .get(format!("http://{}/auth/authorize", h.server.addr))
            .query(&query)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let location = r.headers()["location"].to_str().unwrap();
        assert_eq!(
            query_param(location, "error").as_deref(),
            Some("invalid_request")
        );
        assert!(query_param(location, "code").is_none());
    }
}

#[tokio::test]
async fn a_code_needs_its_verifier_and_works_once() {
    let h = hospital().await;
    let (_, location) = h
        .authorize(
            DEMO_PATIENT.username,
            DEMO_PATIENT.password,
            APP_SCOPE,
            VERIFIER,
        )
        .await;
    assert_eq!(query_param(&location, "state").as_deref(), Some("st-123"));
    let code = query_param(&location, "code").unwrap();
    let wrong = "A".repeat(43);
    let (status, body) = h.exchange(&code, &wrong).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let (status, first) = h.exchange(&code, VERIFIER).await;
    assert_eq!(status, 200, "{first}");
    // A replayed code is refused and ends what the first exchange issued.
    let (status, body) = h.exchange(&code, VERIFIER).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let access = first["access_token"].as_str().unwrap();
    let (status, _) = h.get(access, &format!("Patient/{}", DEMO_PATIENT.id)).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn refresh_tokens_rotate_and_a_replayed_one_ends_the_sign_in() {
    let h = hospital().await;
    let first = h.sign_in(&DEMO_PATIENT).await;
    let old = first["refresh_token"].as_str().unwrap();
    let (status, second) = h.refresh(old).await;
    assert_eq!(status, 200, "{second}");
    assert_eq!(second["patient"], DEMO_PATIENT.id);
    let newer = second["refresh_token"].as_str().unwrap();
    assert_ne!(newer, old);
    let access = second["access_token"].as_str().unwrap();
    let (status, _) = h.get(access, &format!("Patient/{}", DEMO_PATIENT.id)).await;
    assert_eq!(status, 200);
    // The old one again: someone holds a copy. Everything of this sign-in ends.
    let (status, body) = h.refresh(old).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let (status, _) = h.refresh(newer).await;
    assert_eq!(status, 400);
    let (status, _) = h.get(access, &format!("Patient/{}", DEMO_PATIENT.id)).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn sign_out_revokes_the_refresh_token_and_its_access_tokens() {
    let h = hospital().await;
    let tokens = h.sign_in(&DEMO_PATIENT).await;
    let other = h.sign_in(&DEMO_PATIENT).await; // a second device stays signed in
    let r = h
        .http
        .post(format!("http://{}/auth/revoke", h.server.addr))
        .form(&[("token", tokens["refresh_token"].as_str().unwrap())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let access = tokens["access_token"].as_str().unwrap();
    let (status, _) = h.get(access, &format!("Patient/{}", DEMO_PATIENT.id)).await;
    assert_eq!(status, 401);
    let (status, _) = h.refresh(tokens["refresh_token"].as_str().unwrap()).await;
    assert_eq!(status, 400);
    let still = other["access_token"].as_str().unwrap();
    let (status, _) = h.get(still, &format!("Patient/{}", DEMO_PATIENT.id)).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_narrower_grant_cannot_do_more_than_it_was_given() {
    let h = hospital().await;
    let tokens = h
        .sign_in_with_scope(&DEMO_PATIENT, "launch/patient patient/Patient.r system/*.*")
        .await;
    assert_eq!(tokens["scope"], "launch/patient patient/Patient.r");
    let access = tokens["access_token"].as_str().unwrap();
    let (status, _) = h.get(access, &format!("Patient/{}", DEMO_PATIENT.id)).await;
    assert_eq!(status, 200);
    let (status, _) = h.get(access, "Appointment").await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn refreshes_at_the_same_moment_are_each_answered() {
    // Every server transaction takes the write lock as it begins: a deferred one that read
    // first and wrote second failed at once with "database is locked" on SQLite when another
    // sign-in wrote in between (seen as a 500 on the app's refresh at start-up).
    let h = hospital().await;
    let mut refresh_tokens = Vec::new();
    for _ in 0..8 {
        let tokens = h.sign_in(&DEMO_PATIENT).await;
        refresh_tokens.push(tokens["refresh_token"].as_str().unwrap().to_owned());
    }
    let answers = futures_join_all(refresh_tokens.iter().map(|t| h.refresh(t))).await;
    assert!(answers.iter().all(|(code, _)| *code == 200), "{answers:?}");
}

#[tokio::test]
async fn a_sign_in_form_posted_from_another_page_is_refused() {
    // Regression (login CSRF): a hostile page could post its own account's name and password
    // in the patient's browser, signing the app in to the attacker's account.
    let h = hospital().await;
    let challenge = pkce_challenge(VERIFIER);
    let aud = h.server.fhir_base();
    let form = [
        ("response_type", "code"),
        ("client_id", APP_CLIENT_ID),
        ("redirect_uri", REDIRECT),
        ("scope", APP_SCOPE),
        ("state", "st-1"),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
        ("aud", aud.as_str()),
        ("username", OTHER_PATIENT.username),
        ("password", OTHER_PATIENT.password),
    ];
    let url = format!("http://{}/auth/authorize", h.server.addr);
    let (cookie, _) = open_sign_in_form(
        reqwest::Url::parse_with_params(&url, &form[..8])
            .unwrap()
            .as_str(),
    )
    .await;
    let attempts = [
        no_redirects().post(&url).form(&form),
        no_redirects()
            .post(&url)
            .header("cookie", &cookie)
            .form(&[&form[..], &[("csrf", &"0".repeat(64))]].concat()),
    ];
    for attempt in attempts {
        let r = attempt.send().await.unwrap();
        assert_eq!(r.status(), 403);
        assert!(r.headers().get("location").is_none(), "no code is issued");
    }
}

#[tokio::test]
async fn a_sign_in_request_without_aud_is_sent_back_as_an_error() {
    // Regression (SMART App Launch v2): `aud` was optional, so a token could be asked for
    // without naming the server it is for.
    let h = hospital().await;
    let challenge = pkce_challenge(VERIFIER);
    let r = no_redirects()
        .get(format!("http://{}/auth/authorize", h.server.addr))
        .query(&[
            ("response_type", "code"),
            ("client_id", APP_CLIENT_ID),
            ("redirect_uri", REDIRECT),
            ("scope", APP_SCOPE),
            ("state", "abc"),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let location = r.headers()["location"].to_str().unwrap();
    assert_eq!(
        query_param(location, "error").as_deref(),
        Some("invalid_request")
    );
}

#[tokio::test]
async fn a_grant_without_offline_access_gets_no_refresh_token() {
    // Regression: a refresh token was issued whatever the grant asked for.
    let h = hospital().await;
    let tokens = h
        .sign_in_with_scope(&DEMO_PATIENT, "launch/patient patient/Patient.r")
        .await;
    assert!(tokens["access_token"].is_string());
    assert!(tokens.get("refresh_token").is_none(), "{tokens}");
}

#[tokio::test]
async fn a_refresh_without_client_id_is_refused() {
    // Regression: the client_id was checked only when sent.
    let h = hospital().await;
    let tokens = h.sign_in(&DEMO_PATIENT).await;
    let (status, body) = h
        .token_request(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
        ])
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_request"))
    );
}

#[tokio::test]
async fn a_sign_in_past_its_absolute_lifetime_cannot_be_refreshed() {
    // Regression: refreshing slid the expiry on for ever, so a stolen refresh token used
    // once a month never died.
    let h = hospital_configured(|o| o.tokens.absolute = chrono::Duration::seconds(2)).await;
    let tokens = h.sign_in(&DEMO_PATIENT).await;
    let (status, renewed) = h.refresh(tokens["refresh_token"].as_str().unwrap()).await;
    assert_eq!(status, 200, "within its lifetime");
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let (status, body) = h.refresh(renewed["refresh_token"].as_str().unwrap()).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
}
