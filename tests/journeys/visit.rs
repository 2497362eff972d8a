//! At the visit (issue 27): the patient checks in at the kiosk, the clinic's own monitor takes
//! their blood pressure and posts it to the hospital with its device token, a nurse weighs them
//! and records it in the console (in Chromium, checked by axe-core), and the patient's app shows
//! both on Devices beside their home readings, in the same charts, marked as the clinic's.

use std::time::Duration;

use hale_e2e::browser::{Browser, Engine};
use hale_e2e::layout::{DESKTOP, PHONE};
use hale_e2e::{hospital_on_file, launch_signed_in, Place};
use hale_server::demo::care_team::DEMO_NURSE;
use hale_server::demo::seed::{DemoDevice, DEMO_CLINIC_MONITOR, DEMO_KIOSK, DEMO_PATIENT};
use serde_json::{json, Value};

const BOOT: Duration = Duration::from_secs(60);

async fn device_token(http: &reqwest::Client, root: &str, device: DemoDevice) -> String {
    let token: Value = http
        .post(format!("{root}/auth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", device.id),
            ("client_secret", device.secret),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    token["access_token"].as_str().unwrap().to_owned()
}

#[tokio::test]
#[ignore = "needs the built app, a display and WebKitWebDriver (scripts/test.sh)"]
async fn the_clinic_records_a_blood_pressure_and_the_patients_chart_shows_it_as_a_clinic_reading() {
    let dir = tempfile::tempdir().unwrap();
    let (server, _, db) = hospital_on_file(dir.path()).await;
    let root = format!("http://{}", server.addr);
    let start = chrono::Utc::now() + chrono::Duration::minutes(10);
    let (appointment, reference) =
        hale_server::demo::seed::appointment_at(&db, DEMO_PATIENT.id, "cl-cardiology", start)
            .await
            .unwrap();
    let app = launch_signed_in(
        &dir.path().join("home"),
        &[("HALE_HOSPITAL_URL", server.fhir_base().as_str())],
    )
    .await;
    app.go(Place::Appointments).await;
    app.wait_for_all("[data-testid=appointment]", 1, BOOT).await;

    // Checked in at the kiosk.
    let http = reqwest::Client::new();
    let kiosk = device_token(&http, &root, DEMO_KIOSK).await;
    let checked_in = http
        .post(format!("{root}/api/kiosk/check-in"))
        .bearer_auth(&kiosk)
        .json(&json!({"reference": reference.to_string(), "birth_date": DEMO_PATIENT.birth_date}))
        .send()
        .await
        .unwrap();
    assert_eq!(checked_in.status().as_u16(), 200);
    let encounter: String =
        sqlx::query_scalar("SELECT id FROM encounter WHERE appointment_id = $1")
            .bind(&appointment)
            .fetch_one(&db)
            .await
            .unwrap();

    // The clinic's monitor takes a blood pressure and posts it as a FHIR Observation.
    let monitor = device_token(&http, &root, DEMO_CLINIC_MONITOR).await;
    let quantity = |v: f64| json!({"value": v, "unit": "mmHg", "system": "http://unitsofmeasure.org", "code": "mm[Hg]"});
    let posted = http
        .post(format!("{}/Observation", server.fhir_base()))
        .bearer_auth(&monitor)
        .header("If-None-Exist", "identifier=urn:example:monitor|bp-1")
        .json(&json!({
            "resourceType": "Observation",
            "identifier": [{"system": "urn:example:monitor", "value": "bp-1"}],
            "status": "final",
            "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "vital-signs"}]}],
            "code": {"coding": [{"system": "http://loinc.org", "code": "85354-9"}]},
            "subject": {"reference": format!("Patient/{}", DEMO_PATIENT.id)},
            "encounter": {"reference": format!("Encounter/{encounter}")},
            "effectiveDateTime": chrono::Utc::now().to_rfc3339(),
            "component": [
                {"code": {"coding": [{"system": "http://loinc.org", "code": "8480-6"}]}, "valueQuantity": quantity(146.0)},
                {"code": {"coding": [{"system": "http://loinc.org", "code": "8462-4"}]}, "valueQuantity": quantity(91.0)}
            ]
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status().as_u16(), 201);

    // The nurse weighs the patient and records it in the console.
    let nurse = Browser::start(Engine::Chromium, 1280, 800).await;
    nurse.open(&format!("{root}/console")).await;
    nurse.fill("#username", DEMO_NURSE.username).await;
    nurse.fill("#password", DEMO_NURSE.password).await;
    nurse.click("#sign-in").await;
    nurse.wait_for_text("Worklist", BOOT).await;
    nurse
        .open(&format!("{root}/console/patients/{}", DEMO_PATIENT.id))
        .await;
    nurse
        .wait_for_text("Blood pressure 146/91 mmHg", BOOT)
        .await;
    nurse.fill("#cr-weight", "82.4").await;
    nurse.click("form.clinic-form button[type=submit]").await;
    nurse.wait_for_text("Weight 82.4 kg", BOOT).await;
    let blocking = nurse.axe("patient at the visit").await;
    assert!(blocking.is_empty(), "serious or critical: {blocking:?}");
    nurse
        .client
        .execute(
            "document.getElementById('clinic-h').scrollIntoView()",
            vec![],
        )
        .await
        .expect("scroll to the visit");
    nurse.screenshot("console-at-the-visit").await;

    // The patient opens Devices: the reading is there, said and drawn as the clinic's.
    app.go(Place::Devices).await;
    app.wait_until_text("[data-testid=latest-readings]", "146/91 mmHg", BOOT)
        .await;
    app.wait_until_text("[data-testid=latest-readings]", "at the clinic", BOOT)
        .await;
    app.wait_until_text("[data-testid=latest-readings]", "82.4 kg", BOOT)
        .await;
    app.wait_for_all("[data-testid=clinic-point]", 2, BOOT)
        .await;
    app.wait_until_text(
        "[data-testid=chart-summary]",
        "1 was taken at the clinic.",
        BOOT,
    )
    .await;
    // Sound at a desktop's size and a phone's.
    for size in [DESKTOP, PHONE] {
        app.set_size(size).await;
        app.client
            .execute(
                "document.querySelector('[data-testid=readings-chart]').scrollIntoView()",
                vec![],
            )
            .await
            .expect("scroll to the chart");
        app.screenshot(&format!("devices-clinic-reading-{}x{}", size.0, size.1))
            .await;
        let problems = app.layout_problems().await;
        assert!(problems.is_empty(), "{size:?}: {problems:#?}");
    }
    app.close().await;
    server.stop().await.unwrap();
}
