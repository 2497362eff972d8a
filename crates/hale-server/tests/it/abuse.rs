//! Black-box abuse of the running server, as a stranger or an outside FHIR client would try
//! it: malformed bodies and paths, oversized requests, unbounded searches, caching.

use crate::common::*;
use hale_server::demo::seed::DEMO_PATIENT;
use serde_json::Value;

async fn outcome_of(r: reqwest::Response) -> (u16, Value) {
    let status = r.status().as_u16();
    let content_type = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    assert!(
        content_type.starts_with("application/fhir+json"),
        "{status}: {content_type}"
    );
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["resourceType"], "OperationOutcome", "{body}");
    (status, body)
}

#[tokio::test]
async fn every_error_under_fhir_and_api_is_an_operation_outcome() {
    // Regression: about a third of the error answers were axum's own plain-text rejections.
    let h = hospital().await;
    let token = h.token(&DEMO_PATIENT).await;
    let appointment = h.url("Appointment");
    let bad_json = h
        .http
        .post(&appointment)
        .bearer_auth(&token)
        .header("content-type", "application/fhir+json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(outcome_of(bad_json).await.0, 400);
    let wrong_type = h
        .http
        .post(format!("http://{}/api/waitlist", h.server.addr))
        .bearer_auth(&token)
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(outcome_of(wrong_type).await.0, 415);
    let not_utf8 = h
        .http
        .get(h.url("Appointment/%FF%FE"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert!(outcome_of(not_utf8).await.0 >= 400);
}

#[tokio::test]
async fn a_body_too_large_is_an_outcome_and_closes_the_connection() {
    let h = hospital().await;
    let token = h.token(&DEMO_PATIENT).await;
    let r = h
        .http
        .post(h.url("Observation"))
        .bearer_auth(&token)
        .header("content-type", "application/fhir+json")
        .body(vec![b' '; 3 * 1024 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["connection"], "close");
    let (status, body) = outcome_of(r).await;
    assert_eq!(status, 413);
    assert_eq!(body["issue"][0]["code"], "too-long");
}

#[tokio::test]
async fn answers_carrying_patient_data_and_tokens_are_never_cached() {
    // Regression: only token answers said `no-store`; a shared computer's browser or a proxy
    // could keep a patient's record.
    let h = hospital().await;
    let tokens = h.sign_in(&DEMO_PATIENT).await;
    let token = tokens["access_token"].as_str().unwrap();
    for path in [
        format!("Patient/{}", DEMO_PATIENT.id),
        "Appointment".to_owned(),
        "Observation".to_owned(),
    ] {
        let r = h
            .http
            .get(h.url(&path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.headers()["cache-control"], "no-store", "{path}");
    }
    let r = h
        .http
        .get(format!("http://{}/api/parking/sessions", h.server.addr))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["cache-control"], "no-store");
}

#[tokio::test]
async fn searches_with_too_many_values_are_refused_with_a_clear_400() {
    // Regression: `code=` took any number of values, each a bound SQL parameter.
    let h = hospital().await;
    let token = h.token(&DEMO_PATIENT).await;
    let many = vec!["8867-4"; 51].join(",");
    for path in [
        format!("Observation?code={many}"),
        format!("MedicationRequest?status={}", vec!["active"; 51].join(",")),
    ] {
        let r = h
            .http
            .get(h.url(&path))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        let (status, body) = outcome_of(r).await;
        assert_eq!(status, 400, "{path}");
        assert!(
            body["issue"][0]["diagnostics"]
                .as_str()
                .unwrap()
                .contains("at most 50"),
            "{body}"
        );
    }
    let (status, _) = h
        .get(
            &token,
            &format!("Observation?code={}", vec!["8867-4"; 50].join(",")),
        )
        .await;
    assert_eq!(status, 200, "fifty is fine");
}

#[tokio::test]
async fn a_reading_with_components_its_code_does_not_have_is_refused() {
    // Regression: a heart rate carrying 1,000 blood-pressure components was stored.
    let h = hospital().await;
    let token = h.token(&DEMO_PATIENT).await;
    let component = serde_json::json!({
        "code": {"coding": [{"system": "http://loinc.org", "code": "8480-6"}]},
        "valueQuantity": {"value": 120, "unit": "mmHg", "system": "http://unitsofmeasure.org", "code": "mm[Hg]"}
    });
    let observation = serde_json::json!({
        "resourceType": "Observation",
        "status": "final",
        "identifier": [{"system": "urn:hale:reading", "value": "r-components"}],
        "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
        "subject": {"reference": format!("Patient/{}", DEMO_PATIENT.id)},
        "effectiveDateTime": "2026-12-01T08:00:00Z",
        "valueQuantity": {"value": 70, "unit": "/min", "system": "http://unitsofmeasure.org", "code": "/min"},
        "component": vec![component; 1000]
    });
    let r = h
        .http
        .post(h.url("Observation"))
        .bearer_auth(&token)
        .header("content-type", "application/fhir+json")
        .header("if-none-exist", "identifier=urn:hale:reading|r-components")
        .json(&observation)
        .send()
        .await
        .unwrap();
    let (status, body) = outcome_of(r).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.to_string().contains("components"), "{body}");
}

#[tokio::test]
async fn a_request_id_of_100_kb_is_refused() {
    // Regression: a 100 KB request id was accepted and stored.
    let h = hospital().await;
    let token = h.token(&DEMO_PATIENT).await;
    let slot = id(&h.free_slots(&token, "").await[0]);
    let (status, body) = h.book(&token, &slot, Some(&"x".repeat(100_000))).await;
    assert_eq!(status, 400, "{body}");
}

async fn open_stream(h: &Hospital, path: &str, token: Option<&str>) -> reqwest::Response {
    // As a client elsewhere, through a trusted proxy (this machine is held to the total only).
    let mut request = h
        .http
        .get(format!("http://{}/api/{path}", h.server.addr))
        .header("x-forwarded-for", "203.0.113.5");
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn live_streams_are_capped_per_client() {
    // Regression: anyone could hold open as many event streams as they liked, each a
    // connection and a task, without signing in.
    let h = hospital_configured(|o| o.trusted_proxies = vec!["127.0.0.1".parse().unwrap()]).await;
    let mut open = Vec::new();
    for _ in 0..16 {
        let r = open_stream(&h, "waiting-times/events", None).await;
        assert_eq!(r.status(), 200);
        open.push(r);
    }
    let refused = open_stream(&h, "waiting-times/events", None).await;
    let (status, _) = outcome_of(refused).await;
    assert_eq!(status, 429);
    drop(open.pop());
    // The freed place is free once the server notices the stream ended.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let r = open_stream(&h, "waiting-times/events", None).await;
        if r.status() == 200 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the place came back");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_live_stream_ends_when_its_token_expires() {
    // Regression: a patient's stream went on after the token that opened it had expired or
    // been revoked.
    let h = hospital_configured(|o| o.tokens.access = chrono::Duration::seconds(2)).await;
    let tokens = h.sign_in(&DEMO_PATIENT).await;
    let mut stream = open_stream(
        &h,
        "care-team/events",
        Some(tokens["access_token"].as_str().unwrap()),
    )
    .await;
    assert_eq!(stream.status(), 200);
    let ended = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        while let Ok(Some(_)) = stream.chunk().await {}
    })
    .await;
    assert!(ended.is_ok(), "the stream ended when its token did");
}

#[tokio::test]
async fn the_embedded_hospital_answers_only_the_app_that_started_it() {
    // Regression: the app's embedded hospital, holding the user's real readings, answered any
    // program on the machine that signed in with the demo's public password.
    let secret = hale_server::new_app_secret().unwrap();
    let h = hospital_configured(|o| o.app_secret = Some(secret.clone())).await;
    let tokens = h.sign_in(&DEMO_PATIENT).await;
    let token = tokens["access_token"].as_str().unwrap();
    let path = h.url(&format!("Patient/{}", DEMO_PATIENT.id));
    let stranger = h.http.get(&path).bearer_auth(token).send().await.unwrap();
    assert_eq!(outcome_of(stranger).await.0, 403);
    let app = h
        .http
        .get(&path)
        .bearer_auth(token)
        .header(hale_server::APP_SECRET_HEADER, &secret)
        .send()
        .await
        .unwrap();
    assert_eq!(app.status(), 200);
}

#[tokio::test]
async fn a_loopback_server_refuses_a_host_name_pointed_at_it() {
    // Regression (DNS rebinding): a web page whose name resolved to 127.0.0.1 could read the
    // loopback hospital as its own origin.
    let h = hospital().await;
    let r = h
        .http
        .get(h.url("metadata"))
        .header("host", format!("evil.example:{}", h.server.addr.port()))
        .send()
        .await
        .unwrap();
    assert_eq!(outcome_of(r).await.0, 403);
    assert_eq!(
        h.http.get(h.url("metadata")).send().await.unwrap().status(),
        200
    );
}
