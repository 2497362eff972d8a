//! Readings taken at the visit over real HTTP: a clinic's monitor posts them with its device
//! token, staff record them in the console, each once, filed only against the patient's own
//! open visit, found by the patient as clinic readings, and never mistaken by remote monitoring
//! for a home reading.

use crate::common::*;
use crate::console::sign_in;
use crate::monitoring::{bp, send};
use chrono::{Duration, Utc};
use hale_server::demo::care_team::{DEMO_ADMIN, DEMO_DOCTOR, OTHER_TEAM_NURSE};
use hale_server::demo::seed::{DEMO_CLINIC_MONITOR, DEMO_KIOSK, DEMO_PATIENT, OTHER_PATIENT};
use serde_json::{json, Value};

const MONITOR_SYSTEM: &str = "urn:example:cardiology-monitor";

/// Alex checked in to a cardiology appointment; returns Alex's token and the encounter.
pub(crate) async fn alex_at_the_clinic(h: &Hospital) -> (String, String) {
    let alex = h.access_token(&DEMO_PATIENT).await;
    let (appointment, _) = h.appointment_in(DEMO_PATIENT.id, "cl-cardiology", 10).await;
    let (status, encounter) = h
        .post(
            &alex,
            &format!("Appointment/{appointment}/$check-in"),
            json!({}),
        )
        .await;
    assert_eq!(status, 201, "{encounter}");
    (alex, id(&encounter))
}

fn clinic_bp(key: &str, patient: &str, encounter: Option<&str>, sys: f64, dia: f64) -> Value {
    let mut o = json!({
        "resourceType": "Observation",
        "identifier": [{"system": MONITOR_SYSTEM, "value": key}],
        "status": "final",
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "vital-signs"}]}],
        "code": {"coding": [{"system": "http://loinc.org", "code": "85354-9"}]},
        "subject": {"reference": format!("Patient/{patient}")},
        "effectiveDateTime": Utc::now().to_rfc3339(),
        "component": [
            {"code": {"coding": [{"system": "http://loinc.org", "code": "8480-6"}]},
             "valueQuantity": {"value": sys, "unit": "mmHg", "system": "http://unitsofmeasure.org", "code": "mm[Hg]"}},
            {"code": {"coding": [{"system": "http://loinc.org", "code": "8462-4"}]},
             "valueQuantity": {"value": dia, "unit": "mmHg", "system": "http://unitsofmeasure.org", "code": "mm[Hg]"}}
        ]
    });
    if let Some(e) = encounter {
        o["encounter"] = json!({"reference": format!("Encounter/{e}")});
    }
    o
}

async fn post_reading(h: &Hospital, token: &str, system: &str, body: &Value) -> (u16, Value) {
    let key = body["identifier"][0]["value"].as_str().unwrap();
    let r = h
        .http
        .post(h.url("Observation"))
        .bearer_auth(token)
        .header("If-None-Exist", format!("identifier={system}|{key}"))
        .json(body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn clinic_readings_of(h: &Hospital, token: &str, extra: &str) -> Vec<Value> {
    let (status, bundle) = h
        .get(
            token,
            &format!("Observation?encounter:missing=false{extra}"),
        )
        .await;
    assert_eq!(status, 200, "{bundle}");
    entries(&bundle, "Observation")
}

#[tokio::test]
async fn a_clinic_monitor_records_a_reading_at_the_visit_once_and_the_patient_finds_it_as_a_clinic_reading(
) {
    let h = hospital().await;
    let (alex, encounter) = alex_at_the_clinic(&h).await;
    let monitor = h.device_token(&DEMO_CLINIC_MONITOR).await;
    let body = clinic_bp("m-1", DEMO_PATIENT.id, Some(&encounter), 142.0, 88.0);
    let (status, stored) = post_reading(&h, &monitor, MONITOR_SYSTEM, &body).await;
    assert_eq!(status, 201, "{stored}");
    // The server names the device that took it, whatever the body claimed.
    assert_eq!(
        stored["device"]["identifier"]["value"],
        DEMO_CLINIC_MONITOR.id
    );
    // Sent again after a lost answer: the same reading, not a second.
    let (status, again) = post_reading(&h, &monitor, MONITOR_SYSTEM, &body).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["id"], stored["id"]);

    let found = clinic_readings_of(&h, &alex, "").await;
    assert_eq!(found.len(), 1);
    assert_eq!(
        found[0]["encounter"]["reference"],
        format!("Encounter/{encounter}")
    );
    assert_eq!(found[0]["component"][0]["valueQuantity"]["value"], 142.0);
    // A home reading is not a clinic reading, and the other way round.
    let cuff = bp("home-1", 120.0, 80.0, Utc::now() - Duration::minutes(5));
    assert_eq!(send(&h, &alex, &cuff).await, 201);
    assert_eq!(clinic_readings_of(&h, &alex, "").await.len(), 1);
    let (_, home) = h.get(&alex, "Observation?encounter:missing=true").await;
    assert_eq!(entries(&home, "Observation").len(), 1);
    let (_, by_visit) = h
        .get(
            &alex,
            &format!("Observation?encounter=Encounter/{encounter}"),
        )
        .await;
    assert_eq!(entries(&by_visit, "Observation").len(), 1);
    // A comma is "any of these visits", a repeat "all of them" (so none here).
    let (_, any) = h
        .get(
            &alex,
            &format!("Observation?encounter=en-nowhere,{encounter}"),
        )
        .await;
    assert_eq!(entries(&any, "Observation").len(), 1);
    let (_, all) = h
        .get(
            &alex,
            &format!("Observation?encounter=en-nowhere&encounter={encounter}"),
        )
        .await;
    assert!(entries(&all, "Observation").is_empty());
    // What arrived since a moment: the app's catch-up.
    let later =
        (Utc::now() + Duration::minutes(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    assert!(
        clinic_readings_of(&h, &alex, &format!("&_lastUpdated=ge{later}"))
            .await
            .is_empty()
    );
    let earlier =
        (Utc::now() - Duration::minutes(5)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    assert_eq!(
        clinic_readings_of(&h, &alex, &format!("&_lastUpdated=ge{earlier}"))
            .await
            .len(),
        1
    );
    // Another patient may not ask for them.
    let sam = h.access_token(&OTHER_PATIENT).await;
    let (status, _) = h
        .get(
            &sam,
            &format!(
                "Observation?patient=Patient/{}&encounter:missing=false",
                DEMO_PATIENT.id
            ),
        )
        .await;
    assert_eq!(status, 403);
    // The monitor's count starts again and a key comes round: not another visit's reading.
    let (later, _) = h.appointment_in(DEMO_PATIENT.id, "cl-cardiology", 20).await;
    let (status, next_visit) = h
        .post(&alex, &format!("Appointment/{later}/$check-in"), json!({}))
        .await;
    assert_eq!(status, 201, "{next_visit}");
    let repeat = clinic_bp("m-1", DEMO_PATIENT.id, Some(&id(&next_visit)), 150.0, 95.0);
    let (status, outcome) = post_reading(&h, &monitor, MONITOR_SYSTEM, &repeat).await;
    assert_eq!(status, 400, "{outcome}");
    assert_eq!(clinic_readings_of(&h, &alex, "").await.len(), 1);
}

#[tokio::test]
async fn a_clinic_reading_is_refused_for_anothers_visit_an_ended_or_cancelled_one_and_from_a_patient(
) {
    let h = hospital().await;
    let (alex, encounter) = alex_at_the_clinic(&h).await;
    let monitor = h.device_token(&DEMO_CLINIC_MONITOR).await;
    let refused = |body: Value, system: &'static str| {
        let h = &h;
        let monitor = monitor.clone();
        async move { post_reading(h, &monitor, system, &body).await }
    };
    // Alex's visit filed under Sam's name, no visit at all, and one that does not exist.
    for body in [
        clinic_bp("m-2", OTHER_PATIENT.id, Some(&encounter), 140.0, 90.0),
        clinic_bp("m-3", DEMO_PATIENT.id, None, 140.0, 90.0),
        clinic_bp("m-4", DEMO_PATIENT.id, Some("en-nowhere"), 140.0, 90.0),
    ] {
        let (status, outcome) = refused(body, MONITOR_SYSTEM).await;
        assert_eq!(status, 400, "{outcome}");
    }
    // The patients' own key system is theirs.
    let mut theirs = clinic_bp("m-5", DEMO_PATIENT.id, Some(&encounter), 140.0, 90.0);
    theirs["identifier"][0]["system"] = json!("urn:hale:reading");
    let (status, outcome) = refused(theirs, "urn:hale:reading").await;
    assert_eq!(status, 400, "{outcome}");
    // A patient cannot take a key a monitor will use: their readings are named in their own
    // system.
    let mut squat = clinic_bp("m-8", DEMO_PATIENT.id, None, 120.0, 80.0);
    squat["identifier"] = json!([
        {"system": "urn:hale:reading", "value": "squat"},
        {"system": MONITOR_SYSTEM, "value": "m-8"}
    ]);
    let (status, outcome) = post_reading(&h, &alex, MONITOR_SYSTEM, &squat).await;
    assert_eq!(status, 400, "{outcome}");
    // A patient cannot make a home reading look like the clinic's.
    let mut forged = clinic_bp("m-6", DEMO_PATIENT.id, Some(&encounter), 120.0, 80.0);
    forged["identifier"][0]["system"] = json!("urn:hale:reading");
    let (status, outcome) = post_reading(&h, &alex, "urn:hale:reading", &forged).await;
    assert_eq!(status, 403, "{outcome}");
    // A kiosk may not record readings, and a monitor may not read them.
    let kiosk = h.device_token(&DEMO_KIOSK).await;
    let body = clinic_bp("m-7", DEMO_PATIENT.id, Some(&encounter), 140.0, 90.0);
    assert_eq!(post_reading(&h, &kiosk, MONITOR_SYSTEM, &body).await.0, 403);
    assert_eq!(
        h.get(
            &monitor,
            &format!("Observation?patient={}", DEMO_PATIENT.id)
        )
        .await
        .0,
        403
    );
    // A visit begun two days ago that nobody marked finished, one that ended two days ago,
    // and one that was cancelled.
    let db = hale_server::open_database(&h.db_url).await.unwrap();
    sqlx::query("UPDATE encounter SET arrived_at = $1 WHERE id = $2")
        .bind(hale_server::DbTime(Utc::now() - Duration::days(2)))
        .bind(&encounter)
        .execute(&db)
        .await
        .unwrap();
    let (status, outcome) = refused(body.clone(), MONITOR_SYSTEM).await;
    assert_eq!(status, 400, "{outcome}");
    sqlx::query("UPDATE encounter SET status = 'finished', finished_at = $1 WHERE id = $2")
        .bind(hale_server::DbTime(Utc::now() - Duration::days(2)))
        .bind(&encounter)
        .execute(&db)
        .await
        .unwrap();
    let (status, outcome) = refused(body.clone(), MONITOR_SYSTEM).await;
    assert_eq!(status, 400, "{outcome}");
    sqlx::query(
        "UPDATE encounter SET status = 'cancelled', finished_at = NULL, arrived_at = $1 \
         WHERE id = $2",
    )
    .bind(hale_server::DbTime(Utc::now()))
    .bind(&encounter)
    .execute(&db)
    .await
    .unwrap();
    let (status, outcome) = refused(body, MONITOR_SYSTEM).await;
    assert_eq!(status, 400, "{outcome}");
    assert!(clinic_readings_of(&h, &alex, "").await.is_empty());
}

#[tokio::test]
async fn staff_record_readings_at_the_visit_once_even_when_the_form_is_sent_twice() {
    let h = hospital().await;
    let doctor = sign_in(&h, &DEMO_DOCTOR).await;
    let page_path = format!("/console/patients/{}", DEMO_PATIENT.id);
    let (_, page) = doctor.get(&page_path).await;
    assert!(page.contains("once the patient has checked in"), "{page}");
    let (alex, _) = alex_at_the_clinic(&h).await;
    let (_, page) = doctor.get(&page_path).await;
    let key = hidden(&page, "key");
    let encounter = hidden(&page, "encounter");
    let readings = format!("{page_path}/readings");
    let form = [
        ("encounter", encounter.as_str()),
        ("key", key.as_str()),
        ("systolic", "142"),
        ("diastolic", "88"),
        ("pulse", "71"),
        ("weight", "82,4"),
    ];
    for _ in 0..2 {
        let (status, to) = doctor.post(&readings, &form).await;
        assert_eq!(status, 303, "{to}");
    }
    // Sent again changed under its spent key: refused, and the first values stand.
    let mut changed = form;
    changed[5] = ("weight", "84");
    let (status, problem) = doctor.post(&readings, &changed).await;
    assert_eq!(status, 409, "{problem}");
    assert!(
        problem.contains("already sent with other values"),
        "{problem}"
    );
    let found = clinic_readings_of(&h, &alex, "").await;
    assert_eq!(found.len(), 2, "a blood pressure and a weight, once each");
    assert!(
        found.iter().any(|o| o["valueQuantity"]["value"] == 82.4),
        "{found:?}"
    );
    assert_eq!(found[0]["performer"][0]["display"], DEMO_DOCTOR.name);
    let (_, page) = doctor.get(&page_path).await;
    assert!(
        page.contains("Blood pressure 142/88 mmHg, pulse 71 /min"),
        "{page}"
    );
    assert!(page.contains("82.4 kg"), "{page}");
    // Listed with the visit too, where they stay once the day is over.
    let visits = &page[page.find(r#"id="visits-h""#).unwrap()..];
    assert!(visits.contains("Measured at the visit"), "{visits}");
    assert!(visits.contains("82.4 kg"), "{visits}");

    // Half a blood pressure is refused, and nothing of it is stored.
    let key2 = hidden(&page, "key");
    let (status, problem) = doctor
        .post(
            &readings,
            &[
                ("encounter", &encounter),
                ("key", &key2),
                ("systolic", "150"),
                ("weight", "80"),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(
        problem.contains("both the systolic and the diastolic"),
        "{problem}"
    );
    assert_eq!(clinic_readings_of(&h, &alex, "").await.len(), 2);
    // A nurse of another team may not record against Alex's visit, not even after breaking
    // glass to read the record, and the team's admin records no readings.
    let outsider = sign_in(&h, &OTHER_TEAM_NURSE).await;
    let form = [
        ("encounter", encounter.as_str()),
        ("key", "k9"),
        ("weight", "80"),
    ];
    assert_eq!(outsider.post(&readings, &form).await.0, 403);
    outsider
        .post(
            &format!("{page_path}/break-glass"),
            &[(
                "reason",
                "Patient arrived in respiratory clinic short of breath",
            )],
        )
        .await;
    let (status, seen) = outsider.get(&page_path).await;
    assert_eq!(status, 200);
    assert!(
        seen.contains("82.4 kg") && !seen.contains("clinic-form"),
        "{seen}"
    );
    assert_eq!(outsider.post(&readings, &form).await.0, 403);
    let admin = sign_in(&h, &DEMO_ADMIN).await;
    let (_, seen) = admin.get(&page_path).await;
    assert!(!seen.contains("clinic-form"), "{seen}");
    assert_eq!(admin.post(&readings, &form).await.0, 403);
    assert_eq!(clinic_readings_of(&h, &alex, "").await.len(), 2);
}

#[tokio::test]
async fn remote_monitoring_judges_home_readings_not_those_taken_at_the_clinic() {
    let h = hospital().await;
    let (alex, encounter) = alex_at_the_clinic(&h).await;
    let monitor = h.device_token(&DEMO_CLINIC_MONITOR).await;
    // A red blood pressure at the clinic, where staff see it...
    let body = clinic_bp("m-red", DEMO_PATIENT.id, Some(&encounter), 195.0, 125.0);
    assert_eq!(
        post_reading(&h, &monitor, MONITOR_SYSTEM, &body).await.0,
        201
    );
    // ...then a normal home reading from a minute before: the newest home reading is normal.
    let cuff = bp("home-ok", 122.0, 79.0, Utc::now() - Duration::minutes(1));
    assert_eq!(send(&h, &alex, &cuff).await, 201);
    let db = hale_server::open_database(&h.db_url).await.unwrap();
    let red: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM alert WHERE patient_id = $1 AND rule_key LIKE 'out-of-range%'",
    )
    .bind(DEMO_PATIENT.id)
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(
        red, 0,
        "the clinic's reading raised a remote-monitoring alert"
    );
}

/// The value of the hidden input `name` in a console page.
pub(crate) fn hidden(page: &str, name: &str) -> String {
    let marker = format!(r#"name="{name}" value=""#);
    let start = page
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in {page}"))
        + marker.len();
    page[start..][..page[start..].find('"').unwrap()].to_owned()
}
