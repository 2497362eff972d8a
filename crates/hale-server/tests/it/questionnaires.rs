//! Pre-visit forms over real HTTP on a real database: each appointment names its form (the
//! clinic's specialty's, else the general one), answers arrive only as conditional creates and
//! are stored once, answers the form would refuse store nothing, and a patient reads only their
//! own answers and allergies.

use crate::common::*;
use hale_fhir::questionnaire::RESPONSE_SYSTEM;
use hale_server::demo::seed::{DEMO_PATIENT, OTHER_PATIENT};
use serde_json::{json, Value};

async fn appointments(h: &Hospital, token: &str) -> Vec<Value> {
    let (status, bundle) = h.get(token, "Appointment?patient=pt-0001").await;
    assert_eq!(status, 200, "{bundle}");
    entries(&bundle, "Appointment")
}

async fn cardiology(h: &Hospital, token: &str) -> String {
    let found = appointments(h, token)
        .await
        .into_iter()
        .find(|a| a["serviceType"][0]["text"] == "Cardiology")
        .expect("the demo's cardiology appointment");
    id(&found)
}

fn form_of(appointment: &Value) -> String {
    appointment["supportingInformation"][0]["reference"]
        .as_str()
        .unwrap()
        .to_owned()
}

pub(crate) fn response(
    patient: &str,
    appointment: &str,
    key: &str,
    chest_pain: Option<bool>,
) -> Value {
    let mut items = vec![
        json!({"linkId": "symptoms", "item": [
            {"linkId": "breathless", "answer": [{"valueCoding": {"code": "heavy", "display": "Only when very active"}}]}
        ]}),
        json!({"linkId": "medicines", "item": [
            {"linkId": "medicine", "answer": [{"valueString": "Ramipril"}]},
            {"linkId": "taking", "answer": [{"valueCoding": {"code": "as-prescribed"}}]}
        ]}),
    ];
    if let Some(pain) = chest_pain {
        items[0]["item"].as_array_mut().unwrap().insert(
            0,
            json!({"linkId": "chest-pain", "answer": [{"valueBoolean": pain}]}),
        );
    }
    json!({
        "resourceType": "QuestionnaireResponse",
        "extension": [{"url": "urn:hale:appointment", "valueReference": {"reference": format!("Appointment/{appointment}")}}],
        "identifier": {"system": RESPONSE_SYSTEM, "value": key},
        "questionnaire": "https://hale.example/fhir/Questionnaire/pre-visit-cardiology|1",
        "status": "completed",
        "subject": {"reference": format!("Patient/{patient}")},
        "authored": "2026-12-06T09:00:00Z",
        "item": items
    })
}

pub(crate) async fn send(h: &Hospital, token: &str, body: &Value, key: &str) -> (u16, Value) {
    let r = h
        .http
        .post(h.url("QuestionnaireResponse"))
        .bearer_auth(token)
        .header(
            "If-None-Exist",
            format!("identifier={RESPONSE_SYSTEM}|{key}"),
        )
        .json(body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

async fn stored(h: &Hospital) -> i64 {
    let db = hale_server::open_database(&h.db_url).await.unwrap();
    sqlx::query_scalar("SELECT COUNT(*) FROM questionnaire_response")
        .fetch_one(&db)
        .await
        .unwrap()
}

#[tokio::test]
async fn each_appointment_names_its_clinics_form_or_the_general_one() {
    let h = hospital().await;
    let alex = h.token(&DEMO_PATIENT).await;
    let mut forms: Vec<(String, String)> = appointments(&h, &alex)
        .await
        .iter()
        .map(|a| {
            (
                a["serviceType"][0]["text"].as_str().unwrap().to_owned(),
                form_of(a),
            )
        })
        .collect();
    forms.sort();
    forms.dedup();
    let expect = [
        ("Cardiology", "Questionnaire/pre-visit-cardiology"),
        ("Dermatology", "Questionnaire/pre-visit-general"),
        (
            "Diabetes and endocrinology",
            "Questionnaire/pre-visit-general",
        ),
        ("Ophthalmology", "Questionnaire/pre-visit-general"),
    ]
    .map(|(a, b)| (a.to_owned(), b.to_owned()));
    assert_eq!(forms, expect);
    let (status, q) = h.get(&alex, "Questionnaire/pre-visit-cardiology").await;
    assert_eq!(status, 200);
    assert_eq!(q["resourceType"], "Questionnaire");
    assert_eq!(q["status"], "active");
    let form = serde_json::from_value::<hale_fhir::Questionnaire>(q)
        .unwrap()
        .to_form()
        .unwrap();
    assert!(form.item("chest-pain").unwrap().required);
    let (status, _) = h.get(&alex, "Questionnaire/none-such").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn answers_sent_twice_are_stored_once_and_found_by_their_key() {
    let h = hospital().await;
    let alex = h.token(&DEMO_PATIENT).await;
    let cardiology = appointments(&h, &alex)
        .await
        .into_iter()
        .find(|a| a["serviceType"][0]["text"] == "Cardiology")
        .unwrap();
    let body = response(DEMO_PATIENT.id, &id(&cardiology), "key-1", Some(false));
    let (first, created) = send(&h, &alex, &body, "key-1").await;
    assert_eq!(first, 201, "{created}");
    let (again, same) = send(&h, &alex, &body, "key-1").await;
    assert_eq!(again, 200);
    assert_eq!(created["id"], same["id"]);
    assert_eq!(stored(&h).await, 1);
    let (status, found) = h
        .get(
            &alex,
            &format!("QuestionnaireResponse?patient=pt-0001&identifier={RESPONSE_SYSTEM}|key-1"),
        )
        .await;
    assert_eq!(status, 200);
    let found = entries(&found, "QuestionnaireResponse");
    assert_eq!(found.len(), 1);
    assert_eq!(
        found[0]["item"][0]["item"][0]["answer"][0]["valueBoolean"],
        false
    );
}

#[tokio::test]
async fn answers_the_form_would_refuse_store_nothing_and_say_why() {
    let h = hospital().await;
    let alex = h.token(&DEMO_PATIENT).await;
    let appointment = cardiology(&h, &alex).await;
    let check = |body: Value, key: &'static str, why: &'static str| {
        let h = &h;
        let alex = &alex;
        async move {
            let (status, outcome) = send(h, alex, &body, key).await;
            assert_eq!(status, 400, "{key}: {outcome}");
            let said = outcome["issue"][0]["diagnostics"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            assert!(said.contains(why), "{key}: {said}");
        }
    };
    check(
        response(DEMO_PATIENT.id, &appointment, "k-required", None),
        "k-required",
        "symptoms#0/chest-pain#0 is required",
    )
    .await;
    let mut stray = response(DEMO_PATIENT.id, &appointment, "k-stray", Some(false));
    stray["item"][1]["item"][0]["linkId"] = json!("no-such-item");
    check(stray, "k-stray", "not a path").await;
    let when_missing = response(DEMO_PATIENT.id, &appointment, "k-when", Some(true));
    check(when_missing, "k-when", "chest-pain-when#0 is required").await;
    let mut hidden = response(DEMO_PATIENT.id, &appointment, "k-hidden", Some(false));
    hidden["item"][0]["item"].as_array_mut().unwrap().insert(
        1,
        json!({"linkId": "chest-pain-when", "answer": [{"valueCoding": {"code": "rest"}}]}),
    );
    check(hidden, "k-hidden", "is not asked").await;
    let mut on_group = response(DEMO_PATIENT.id, &appointment, "k-group", Some(false));
    on_group["item"][0]["answer"] = json!([{"valueString": "x"}]);
    check(on_group, "k-group", "takes no answers").await;
    let mut general = response(DEMO_PATIENT.id, &appointment, "k-general", Some(false));
    general["questionnaire"] = json!("Questionnaire/pre-visit-general");
    general["item"] = json!([{"linkId": "feeling", "answer": [{"valueString": "Fine"}]}]);
    check(general, "k-general", "another form than its appointment's").await;
    let mut other_form = response(DEMO_PATIENT.id, &appointment, "k-form", Some(false));
    other_form["questionnaire"] = json!("https://elsewhere.example/Questionnaire/x");
    check(other_form, "k-form", "names no form").await;
    let (status, _) = send(
        &h,
        &alex,
        &response(DEMO_PATIENT.id, &appointment, "k-a", Some(false)),
        "k-b",
    )
    .await;
    assert_eq!(status, 400, "the key must be the one the condition names");
    assert_eq!(stored(&h).await, 0);
}

#[tokio::test]
async fn a_patient_cannot_answer_for_another_or_about_anothers_appointment() {
    let h = hospital().await;
    let alex = h.token(&DEMO_PATIENT).await;
    let sam = h.token(&OTHER_PATIENT).await;
    let alexs = cardiology(&h, &alex).await;
    let (status, _) = send(
        &h,
        &sam,
        &response(DEMO_PATIENT.id, &alexs, "x-1", Some(false)),
        "x-1",
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = send(
        &h,
        &sam,
        &response(OTHER_PATIENT.id, &alexs, "x-2", Some(false)),
        "x-2",
    )
    .await;
    assert_eq!(status, 400, "Alex's appointment is not Sam's");
    let (status, _) = send(
        &h,
        &alex,
        &response(DEMO_PATIENT.id, &alexs, "x-3", Some(false)),
        "x-3",
    )
    .await;
    assert_eq!(status, 201);
    let (status, _) = h.get(&sam, "QuestionnaireResponse?patient=pt-0001").await;
    assert_eq!(status, 403);
    let (status, mine) = h.get(&sam, "QuestionnaireResponse?patient=pt-0002").await;
    assert_eq!(status, 200);
    assert!(entries(&mine, "QuestionnaireResponse").is_empty());
}

#[tokio::test]
async fn a_patient_reads_their_own_recorded_allergies_only() {
    let h = hospital().await;
    let alex = h.token(&DEMO_PATIENT).await;
    let (status, bundle) = h.get(&alex, "AllergyIntolerance?patient=pt-0001").await;
    assert_eq!(status, 200);
    let substances: Vec<String> = entries(&bundle, "AllergyIntolerance")
        .into_iter()
        .map(|a| {
            serde_json::from_value::<hale_fhir::AllergyIntolerance>(a)
                .unwrap()
                .current_substance()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(substances, ["Penicillin", "Latex"]);
    let (status, _) = h.get(&alex, "AllergyIntolerance?patient=pt-0002").await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn the_care_team_reads_the_answers_beside_the_appointment_they_were_sent_for() {
    let h = hospital().await;
    let alex = h.token(&DEMO_PATIENT).await;
    let appointment = cardiology(&h, &alex).await;
    let mut body = response(DEMO_PATIENT.id, &appointment, "key-c", Some(false));
    body["item"][0]["item"][0]["text"] = json!("Worded by the client");
    let (status, _) = send(&h, &alex, &body, "key-c").await;
    assert_eq!(status, 201);
    let nurse = crate::console::sign_in(&h, &hale_server::demo::care_team::DEMO_NURSE).await;
    let (status, page) = nurse
        .get(&format!("/console/patients/{}", DEMO_PATIENT.id))
        .await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Pre-visit form sent"), "{page}");
    assert!(
        page.contains(
            "<dt>Have you had chest pain or tightness in the last 4 weeks?</dt><dd>No</dd>"
        ),
        "as the form words it: {page}"
    );
    assert!(!page.contains("Worded by the client"), "{page}");
}
