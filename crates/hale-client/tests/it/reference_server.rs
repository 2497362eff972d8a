//! The hospital client against the real reference server over HTTP, with a real SQLite file:
//! what one patient's token can and cannot see.

use chrono::{NaiveDate, Utc};
use hale_client::{ClientError, HospitalClient, Session};
use hale_server::demo::seed::{DemoPatient, DEMO_PATIENT, OTHER_PATIENT};
use hale_server::{RunningServer, ServerOptions};

async fn hospital() -> (tempfile::TempDir, RunningServer) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("hospital.sqlite").display());
    let server = hale_server::start(&ServerOptions::embedded_demo(url))
        .await
        .expect("server starts");
    (dir, server)
}

fn born(p: &DemoPatient) -> NaiveDate {
    NaiveDate::parse_from_str(p.birth_date, "%Y-%m-%d").unwrap()
}

async fn sign_in(client: &HospitalClient, p: &DemoPatient) -> Session {
    client.dev_sign_in(p.mrn, born(p)).await.expect("sign-in")
}

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

#[tokio::test]
async fn the_demo_patient_sees_their_upcoming_appointments() {
    let (_dir, server) = hospital().await;
    let client = HospitalClient::new(&server.fhir_base()).unwrap();
    let alex = sign_in(&client, &DEMO_PATIENT).await;
    assert_eq!(alex.patient_id, DEMO_PATIENT.id);

    let list = client.appointments_from(&alex, today()).await.unwrap();
    assert!(list.len() >= 3, "{list:?}");
    assert!(list.windows(2).all(|w| w[0].start <= w[1].start), "sorted");
    for a in &list {
        assert!(
            a.reference.is_some(),
            "every appointment has a booking reference"
        );
        assert!(a.clinician.is_some() && a.location.is_some());
    }
    let patient = client.patient(&alex).await.unwrap();
    assert_eq!(patient.display_name().as_deref(), Some("Alex Morgan"));
    server.stop().await.unwrap();
}

#[tokio::test]
async fn another_patients_token_sees_nothing_of_the_demo_patient() {
    let (_dir, server) = hospital().await;
    let client = HospitalClient::new(&server.fhir_base()).unwrap();
    let alex = sign_in(&client, &DEMO_PATIENT).await;
    let sam = sign_in(&client, &OTHER_PATIENT).await;
    let alex_ids: Vec<String> = client
        .appointments_from(&alex, today())
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.id)
        .collect();

    // Sam's own list holds none of Alex's appointments.
    let sams = client.appointments_from(&sam, today()).await.unwrap();
    assert!(!sams.is_empty());
    assert!(sams.iter().all(|a| !alex_ids.contains(&a.id)));

    // Sam's token used to ask for Alex by name is refused.
    let sam_as_alex = Session::new(raw_token(&server, &OTHER_PATIENT).await, DEMO_PATIENT.id);
    assert!(matches!(
        client.appointments_from(&sam_as_alex, today()).await,
        Err(ClientError::Forbidden(_))
    ));
    assert!(matches!(
        client.patient(&sam_as_alex).await,
        Err(ClientError::Forbidden(_))
    ));
    server.stop().await.unwrap();
}

/// Sam's raw token, taken from the sign-in endpoint directly (hale-client keeps tokens private).
async fn raw_token(server: &RunningServer, p: &DemoPatient) -> String {
    let body = serde_json::json!({"identifier": p.mrn, "birth_date": p.birth_date});
    let response: serde_json::Value = reqwest::Client::new()
        .post(format!("http://{}/auth/dev/token", server.addr))
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    response["access_token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn requests_without_a_valid_token_are_refused() {
    let (_dir, server) = hospital().await;
    let base = server.fhir_base();
    let http = reqwest::Client::new();
    // No token at all.
    let response = http
        .get(format!("{base}/Appointment"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
    let outcome: serde_json::Value = response.json().await.unwrap();
    assert_eq!(outcome["resourceType"], "OperationOutcome");
    assert_eq!(outcome["issue"][0]["code"], "login");

    // A made-up token.
    let client = HospitalClient::new(&base).unwrap();
    let forged = Session::new("0".repeat(64), DEMO_PATIENT.id);
    assert!(matches!(
        client.appointments_from(&forged, today()).await,
        Err(ClientError::Unauthorized)
    ));

    // The wrong date of birth gets no token.
    assert!(matches!(
        client
            .dev_sign_in(
                DEMO_PATIENT.mrn,
                NaiveDate::from_ymd_opt(2000, 1, 1).unwrap()
            )
            .await,
        Err(ClientError::Unauthorized)
    ));
    server.stop().await.unwrap();
}

#[tokio::test]
async fn the_capability_statement_describes_the_server() {
    let (_dir, server) = hospital().await;
    let client = HospitalClient::new(&server.fhir_base()).unwrap();
    let capability = client.capability().await.unwrap();
    assert_eq!(capability.fhir_version, "4.0.1");
    assert!(capability.supports("Appointment", "search-type"));
    assert!(!capability.supports("Appointment", "delete"));
    server.stop().await.unwrap();
}

#[tokio::test]
async fn a_stopped_hospital_is_reported_unreachable() {
    let (_dir, server) = hospital().await;
    let client = HospitalClient::new(&server.fhir_base()).unwrap();
    let alex = sign_in(&client, &DEMO_PATIENT).await;
    server.stop().await.unwrap();
    assert!(matches!(
        client.appointments_from(&alex, today()).await,
        Err(ClientError::Unreachable(_))
    ));
}

#[tokio::test]
async fn the_apps_client_carries_its_embedded_hospitals_secret() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("hospital.sqlite").display());
    let secret = hale_server::new_app_secret().unwrap();
    let mut options = ServerOptions::embedded_demo(url);
    options.app_secret = Some(secret.clone());
    let server = hale_server::start(&options).await.unwrap();
    let app =
        HospitalClient::embedded(&server.fhir_base(), hale_server::APP_SECRET_HEADER, &secret)
            .unwrap();
    let alex = sign_in(&app, &DEMO_PATIENT).await;
    assert!(!app
        .appointments_from(&alex, today())
        .await
        .unwrap()
        .is_empty());
    let stranger = HospitalClient::new(&server.fhir_base()).unwrap();
    assert!(matches!(
        stranger.appointments_from(&alex, today()).await,
        Err(ClientError::Forbidden(_))
    ));
}
