//! At the visit (issue 27): the patient checks in at the kiosk, the clinic's own monitor takes
//! their blood pressure and posts it to the hospital with its device token, a nurse weighs them
//! and records it in the console (in Chromium, checked by axe-core), and the patient's app shows
//! both on Devices beside their home readings, in the same charts, marked as the clinic's.
//! After a visit, the patient reads its summary: what was measured, the medicine the clinician
//! prescribed (which is in Medicines), and the next steps.

use std::time::Duration;

use hale_e2e::browser::{Browser, Engine};
use hale_e2e::layout::{DESKTOP, PHONE};
use hale_e2e::{hospital_on_file, launch_signed_in, Place};
use hale_server::demo::care_team::{DemoStaff, DEMO_DOCTOR, DEMO_NURSE};
use hale_server::demo::seed::{
    DemoDevice, DEMO_CLINIC_MONITOR, DEMO_KIOSK, DEMO_PATIENT, DEMO_STAFF,
};
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

/// The patient's app and a demo hospital on file, with a cardiology appointment in ten minutes.
struct Visit {
    server: hale_server::RunningServer,
    db: sqlx::AnyPool,
    root: String,
    app: hale_e2e::RunningApp,
    appointment: String,
    reference: String,
    http: reqwest::Client,
}

async fn a_visit_today(dir: &std::path::Path) -> Visit {
    let (server, _, db) = hospital_on_file(dir).await;
    let root = format!("http://{}", server.addr);
    let start = chrono::Utc::now() + chrono::Duration::minutes(10);
    let (appointment, reference) =
        hale_server::demo::seed::appointment_at(&db, DEMO_PATIENT.id, "cl-cardiology", start)
            .await
            .unwrap();
    let app = launch_signed_in(
        &dir.join("home"),
        &[("HALE_HOSPITAL_URL", server.fhir_base().as_str())],
    )
    .await;
    Visit {
        server,
        db,
        root,
        app,
        appointment,
        reference: reference.to_string(),
        http: reqwest::Client::new(),
    }
}

impl Visit {
    /// Checks the patient in at the kiosk, over HTTP as a kiosk does.
    async fn check_in_at_kiosk(&self) {
        let kiosk = device_token(&self.http, &self.root, DEMO_KIOSK).await;
        let checked_in = self
            .http
            .post(format!("{}/api/kiosk/check-in", self.root))
            .bearer_auth(&kiosk)
            .json(&json!({"reference": self.reference, "birth_date": DEMO_PATIENT.birth_date}))
            .send()
            .await
            .unwrap();
        assert_eq!(checked_in.status().as_u16(), 200);
    }

    /// A member of staff signed in to the console in Chromium, on the patient's page.
    async fn console_for(&self, who: DemoStaff) -> Browser {
        let staff = Browser::start(Engine::Chromium, 1280, 800).await;
        staff.open(&format!("{}/console", self.root)).await;
        staff.fill("#username", who.username).await;
        staff.fill("#password", who.password).await;
        staff.click("#sign-in").await;
        staff.wait_for_text("Worklist", BOOT).await;
        staff
            .open(&format!(
                "{}/console/patients/{}",
                self.root, DEMO_PATIENT.id
            ))
            .await;
        staff
    }
}

#[tokio::test]
#[ignore = "needs the built app, a display and WebKitWebDriver (scripts/test.sh)"]
async fn the_clinic_records_a_blood_pressure_and_the_patients_chart_shows_it_as_a_clinic_reading() {
    let dir = tempfile::tempdir().unwrap();
    let v = a_visit_today(dir.path()).await;
    let (app, http, root, server) = (&v.app, &v.http, &v.root, &v.server);
    app.go(Place::Appointments).await;
    app.wait_for_all("[data-testid=appointment]", 1, BOOT).await;
    v.check_in_at_kiosk().await;
    let encounter: String =
        sqlx::query_scalar("SELECT id FROM encounter WHERE appointment_id = $1")
            .bind(&v.appointment)
            .fetch_one(&v.db)
            .await
            .unwrap();

    // The clinic's monitor takes a blood pressure and posts it as a FHIR Observation.
    let monitor = device_token(http, root, DEMO_CLINIC_MONITOR).await;
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
    let nurse = v.console_for(DEMO_NURSE).await;
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
    v.app.close().await;
    v.server.stop().await.unwrap();
}

#[tokio::test]
#[ignore = "needs the built app, a display and WebKitWebDriver (scripts/test.sh)"]
async fn after_the_visit_the_patient_reads_its_summary_and_finds_the_new_medicine_in_medicines() {
    let dir = tempfile::tempdir().unwrap();
    let v = a_visit_today(dir.path()).await;
    let (app, http, root) = (&v.app, &v.http, &v.root);
    v.check_in_at_kiosk().await;

    // The clinician weighs the patient, prescribes a new medicine and writes the next steps.
    let doctor = v.console_for(DEMO_DOCTOR).await;
    doctor
        .wait_for_text("Nothing prescribed at this visit.", BOOT)
        .await;
    doctor.fill("#cr-weight", "82.4").await;
    doctor.click("form.clinic-form button[type=submit]").await;
    doctor.wait_for_text("Weight 82.4 kg", BOOT).await;
    doctor.fill("#rx-medicine", "Amlodipine 5 mg tablets").await;
    doctor.fill("#rx-amount", "1").await;
    doctor
        .click("form.prescribe-form button[type=submit]")
        .await;
    doctor
        .wait_for_text(
            "Amlodipine 5 mg tablets: 1 tablet once a day in the morning",
            BOOT,
        )
        .await;
    doctor
        .fill(
            "#ns-text",
            "Blood test in 6 weeks; we will write with a date.",
        )
        .await;
    doctor.click("#ns-text + button[type=submit]").await;
    doctor.wait_for_text("Blood test in 6 weeks", BOOT).await;
    let blocking = doctor.axe("patient at the visit, prescribing").await;
    assert!(blocking.is_empty(), "serious or critical: {blocking:?}");
    doctor
        .client
        .execute(
            "document.getElementById('prescribed-h').scrollIntoView()",
            vec![],
        )
        .await
        .expect("scroll to the prescriptions");
    doctor.screenshot("console-prescribed-at-the-visit").await;

    // Reception calls the patient in and the visit ends.
    let staff = device_token(http, root, DEMO_STAFF).await;
    let called: Value = http
        .post(format!("{root}/api/clinics/cl-cardiology/call-next"))
        .bearer_auth(&staff)
        .json(&json!({"room": "Room 4"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let encounter = called["encounter"].as_str().expect("the patient is called");
    let finished = http
        .post(format!("{root}/api/encounters/{encounter}/finish"))
        .bearer_auth(&staff)
        .send()
        .await
        .unwrap();
    assert_eq!(finished.status().as_u16(), 204);

    // The patient opens the visit from their past appointments.
    app.go(Place::Appointments).await;
    app.click("[data-testid=open-visit-summary]").await;
    app.wait_until_text(
        "[data-testid=visit-stage]",
        "You were at the hospital",
        BOOT,
    )
    .await;
    app.wait_until_text("[data-testid=visit-measured]", "Weight 82.4 kg", BOOT)
        .await;
    app.wait_until_text(
        "[data-testid=visit-prescribed]",
        "Amlodipine 5 mg tablets",
        BOOT,
    )
    .await;
    app.wait_until_text("[data-testid=visit-prescribed]", "New medicine", BOOT)
        .await;
    app.wait_until_text(
        "[data-testid=visit-next-step]",
        "Blood test in 6 weeks",
        BOOT,
    )
    .await;
    for size in [DESKTOP, PHONE] {
        app.set_size(size).await;
        app.screenshot(&format!("visit-summary-{}x{}", size.0, size.1))
            .await;
        let problems = app.layout_problems().await;
        assert!(problems.is_empty(), "{size:?}: {problems:#?}");
    }
    app.set_size(DESKTOP).await;

    // The new medicine is in Medicines, with its reminders.
    app.click("[data-testid=visit-to-medicines]").await;
    app.wait_until_text("main", "Amlodipine 5 mg tablets", BOOT)
        .await;
    v.app.close().await;
    v.server.stop().await.unwrap();
}
