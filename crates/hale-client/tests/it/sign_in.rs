//! The app's side of SMART sign-in against the real reference server: a test browser
//! (`hale-test-browser`, standing in for a patient's real one) opens the authorization URL,
//! posts the sign-in form and follows the redirect to the client's loopback listener.

use std::time::Duration;

use chrono::Utc;
use hale_client::{ClientError, HospitalClient, LoopbackRedirect, SignInError};
use hale_server::demo::seed::{DemoPatient, DEMO_PATIENT};
use hale_server::{RunningServer, ServerOptions};
use url::Url;

async fn hospital() -> (tempfile::TempDir, RunningServer) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("hospital.sqlite").display());
    let server = hale_server::start(&ServerOptions::embedded_demo(url))
        .await
        .expect("server starts");
    (dir, server)
}

async fn sign_in(
    client: &HospitalClient,
    p: &DemoPatient,
) -> Result<hale_client::Tokens, SignInError> {
    let listener = LoopbackRedirect::bind().await.unwrap();
    let authorization = client.authorization(listener.redirect_uri()).await.unwrap();
    let waiting =
        tokio::spawn(listener.wait(authorization.state().to_owned(), Duration::from_secs(10)));
    let shown = hale_test_browser::sign_in(&authorization.url, p.username, p.password)
        .await
        .unwrap();
    assert_eq!(shown, 200, "the browser ends on the loopback's page");
    let callback = waiting.await.unwrap()?;
    client
        .finish_sign_in(&authorization, &callback, Utc::now())
        .await
        .unwrap()
}

#[tokio::test]
async fn the_app_signs_in_through_the_browser_and_refreshes_silently() {
    let (_dir, server) = hospital().await;
    let client = HospitalClient::new(&server.fhir_base()).unwrap();
    let tokens = sign_in(&client, &DEMO_PATIENT).await.unwrap();
    assert_eq!(tokens.session.patient_id, DEMO_PATIENT.id);
    assert!(tokens.expires_at > Utc::now());
    assert!(
        !format!("{tokens:?}").contains(&tokens.refresh_token),
        "no token in Debug"
    );
    let patient = client.patient(&tokens.session).await.unwrap();
    assert_eq!(patient.id.as_deref(), Some(DEMO_PATIENT.id));

    let renewed = client
        .refresh_session(&tokens.refresh_token, Utc::now())
        .await
        .unwrap();
    assert_ne!(renewed.refresh_token, tokens.refresh_token);
    client.patient(&renewed.session).await.unwrap();

    // Sign-out: the hospital forgets the sign-in; refreshing again says sign in.
    client.revoke(&renewed.refresh_token).await.unwrap();
    assert!(matches!(
        client.patient(&renewed.session).await,
        Err(ClientError::Unauthorized)
    ));
    assert!(matches!(
        client
            .refresh_session(&renewed.refresh_token, Utc::now())
            .await,
        Err(ClientError::Unauthorized)
    ));
}

#[tokio::test]
async fn an_answer_to_another_sign_in_or_a_refusal_is_not_a_sign_in() {
    let (_dir, server) = hospital().await;
    let client = HospitalClient::new(&server.fhir_base()).unwrap();
    let authorization = client
        .authorization("http://127.0.0.1:1/callback")
        .await
        .unwrap();
    let state = authorization
        .url
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();
    let answer =
        |query: String| Url::parse(&format!("http://127.0.0.1:1/callback?{query}")).unwrap();
    let finish = |url: Url| {
        let client = client.clone();
        let authorization = &authorization;
        async move {
            client
                .finish_sign_in(authorization, &url, Utc::now())
                .await
                .unwrap()
        }
    };
    assert_eq!(
        finish(answer("code=abc&state=someone-else".into())).await,
        Err(SignInError::WrongState)
    );
    assert_eq!(
        finish(answer(format!("error=access_denied&state={state}"))).await,
        Err(SignInError::Refused("access_denied".into()))
    );
    assert_eq!(
        finish(answer(format!("state={state}"))).await,
        Err(SignInError::NoCode)
    );
    // A forged code with the right state and issuer: the hospital refuses the exchange.
    let iss = server.fhir_base();
    let forged = client
        .finish_sign_in(
            &authorization,
            &answer(format!("code=forged&state={state}&iss={iss}")),
            Utc::now(),
        )
        .await;
    assert!(
        matches!(forged, Err(ClientError::Unauthorized)),
        "{forged:?}"
    );
}

#[tokio::test]
async fn the_loopback_listener_ignores_strays_and_gives_up_in_time() {
    // Regression: the path was matched by prefix and the first request taken from anyone, so
    // `/callbackX` or another page's guess at the port ended the sign-in.
    let listener = LoopbackRedirect::bind().await.unwrap();
    let base = Url::parse(listener.redirect_uri()).unwrap();
    let waiting = tokio::spawn(listener.wait("s".into(), Duration::from_secs(10)));
    let http = reqwest::Client::new();
    for stray in [
        base.join("/favicon.ico").unwrap().to_string(),
        base.join("/callbackX?code=c&state=s").unwrap().to_string(),
        format!("{base}?code=forged&state=another"),
        format!("{base}?code=forged"),
    ] {
        let r = http.get(&stray).send().await.unwrap();
        assert_eq!(r.status(), 404, "{stray}");
    }
    let ok = http
        .get(format!("{base}?code=c&state=s"))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let url = waiting.await.unwrap().unwrap();
    assert_eq!(url.query(), Some("code=c&state=s"));

    let idle = LoopbackRedirect::bind().await.unwrap();
    assert_eq!(
        idle.wait("s".into(), Duration::from_millis(200)).await,
        Err(SignInError::TimedOut)
    );
}

#[tokio::test]
async fn a_code_from_another_server_than_the_one_asked_is_refused() {
    // Regression (RFC 9207 mix-up): the app ignored `iss` in the answer.
    let (_dir, server) = hospital().await;
    let client = HospitalClient::new(&server.fhir_base()).unwrap();
    let authorization = client
        .authorization("http://127.0.0.1:1/callback")
        .await
        .unwrap();
    let state = authorization.state().to_owned();
    for iss in ["&iss=https://evil.example/fhir", ""] {
        let callback = Url::parse(&format!(
            "http://127.0.0.1:1/callback?code=c&state={state}{iss}"
        ))
        .unwrap();
        let answer = client
            .finish_sign_in(&authorization, &callback, Utc::now())
            .await
            .unwrap();
        assert_eq!(answer.unwrap_err(), SignInError::WrongIssuer, "{iss}");
    }
}
