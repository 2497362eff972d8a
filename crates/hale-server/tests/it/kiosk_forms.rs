//! The pre-visit form at the kiosk, over real HTTP on a real database: a check-in offers a grant
//! for its appointment's form, the kiosk reads the form and sends the answers with it once, and
//! the answers are stored as the patient's, for that appointment. The grant is the kiosk's own,
//! expires, is spent by one response, and tells the kiosk nothing of who the patient is.

use crate::common::*;
use crate::questionnaires::{response, send};
use hale_fhir::questionnaire::RESPONSE_SYSTEM;
use hale_hospital_json::arrival::KIOSK_FORM_GRANT;
use hale_server::demo::seed::{DemoDevice, DEMO_KIOSK, DEMO_PATIENT};
use reqwest::Method;
use serde_json::{json, Value};

async fn check_in(h: &Hospital, kiosk: &str, reference: &str) -> Value {
    let (code, outcome) = h
        .api(
            Method::POST,
            kiosk,
            "kiosk/check-in",
            Some(json!({ "reference": reference, "birth_date": DEMO_PATIENT.birth_date })),
        )
        .await;
    assert_eq!(code, 200, "{outcome}");
    assert_eq!(outcome["outcome"], "checked_in", "{outcome}");
    outcome
}

fn grant_of(outcome: &Value) -> String {
    outcome["form_grant"]
        .as_str()
        .unwrap_or_else(|| panic!("no form offered: {outcome}"))
        .to_owned()
}

async fn read_form(h: &Hospital, kiosk: &str, grant: &str) -> (u16, String) {
    let r = h
        .http
        .get(format!("http://{}/api/kiosk/form", h.server.addr))
        .bearer_auth(kiosk)
        .header(KIOSK_FORM_GRANT, grant)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// The kiosk's answers: the cardiology form's, naming no patient and no appointment.
fn kiosk_answers(key: &str, chest_pain: Option<bool>) -> Value {
    let mut body = response(DEMO_PATIENT.id, "unused", key, chest_pain);
    let answers = body.as_object_mut().unwrap();
    answers.remove("subject");
    answers.remove("extension");
    body
}

async fn send_answers(
    h: &Hospital,
    kiosk: &str,
    grant: &str,
    body: &Value,
    key: &str,
) -> (u16, String) {
    let r = h
        .http
        .post(format!("http://{}/api/kiosk/form", h.server.addr))
        .bearer_auth(kiosk)
        .header(KIOSK_FORM_GRANT, grant)
        .header(
            "If-None-Exist",
            format!("identifier={RESPONSE_SYSTEM}|{key}"),
        )
        .json(body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn responses_for(h: &Hospital, appointment: &str) -> Vec<Value> {
    let db = hale_server::open_database(&h.db_url).await.unwrap();
    let rows: Vec<String> =
        sqlx::query_scalar("SELECT resource FROM questionnaire_response WHERE appointment_id = $1")
            .bind(appointment)
            .fetch_all(&db)
            .await
            .unwrap();
    rows.iter()
        .map(|r| serde_json::from_str(r).unwrap())
        .collect()
}

#[tokio::test]
async fn a_kiosk_reads_the_form_its_check_in_offered_and_its_answers_are_stored_once_as_the_patients(
) {
    let h = hospital().await;
    let kiosk = h.device_token(&DEMO_KIOSK).await;
    let (appointment, reference) = h.appointment_in(DEMO_PATIENT.id, "cl-cardiology", 10).await;
    let grant = grant_of(&check_in(&h, &kiosk, &reference).await);

    let (code, opened) = read_form(&h, &kiosk, &grant).await;
    assert_eq!(code, 200, "{opened}");
    assert!(
        !opened.contains(DEMO_PATIENT.id)
            && !opened.contains("Patient/")
            && !opened.contains(&appointment),
        "the kiosk is told neither whose form it is nor which appointment: {opened}"
    );
    let opened: Value = serde_json::from_str(&opened).unwrap();
    assert_eq!(opened["service"], "Cardiology");
    assert_eq!(opened["questionnaire"]["resourceType"], "Questionnaire");
    assert_eq!(opened["questionnaire"]["id"], "pre-visit-cardiology");

    let body = kiosk_answers("kiosk-key-1", Some(false));
    let (code, said) = send_answers(&h, &kiosk, &grant, &body, "kiosk-key-1").await;
    assert_eq!(
        (code, said.as_str()),
        (201, ""),
        "nothing of the record comes back"
    );
    let (code, _) = send_answers(&h, &kiosk, &grant, &body, "kiosk-key-1").await;
    assert_eq!(
        code, 200,
        "the same answers again (a lost reply) are the ones stored"
    );
    let (code, said) = send_answers(
        &h,
        &kiosk,
        &grant,
        &kiosk_answers("kiosk-key-2", Some(false)),
        "kiosk-key-2",
    )
    .await;
    assert_eq!(code, 409, "a spent grant takes no other answers: {said}");

    let stored = responses_for(&h, &appointment).await;
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert_eq!(stored[0]["subject"]["reference"], "Patient/pt-0001");
    assert_eq!(
        stored[0]["extension"][0]["valueReference"]["reference"],
        format!("Appointment/{appointment}")
    );
    assert_eq!(
        stored[0]["item"][0]["item"][0]["answer"][0]["valueBoolean"],
        false
    );
    // The patient finds them among their own.
    let alex = h.token(&DEMO_PATIENT).await;
    let (code, found) = h
        .get(
            &alex,
            &format!(
                "QuestionnaireResponse?patient=pt-0001&identifier={RESPONSE_SYSTEM}|kiosk-key-1"
            ),
        )
        .await;
    assert_eq!(code, 200);
    assert_eq!(entries(&found, "QuestionnaireResponse").len(), 1);
    // Sent, the form is closed to the kiosk; and a new check-in offers it no more.
    assert_eq!(read_form(&h, &kiosk, &grant).await.0, 409);
    let again = check_in(&h, &kiosk, &reference).await;
    assert!(again.get("form_grant").is_none(), "{again}");
}

#[tokio::test]
async fn the_app_cannot_answer_a_form_the_kiosk_already_sent() {
    let h = hospital().await;
    let kiosk = h.device_token(&DEMO_KIOSK).await;
    let alex = h.token(&DEMO_PATIENT).await;
    let (appointment, reference) = h.appointment_in(DEMO_PATIENT.id, "cl-cardiology", 10).await;
    let grant = grant_of(&check_in(&h, &kiosk, &reference).await);
    let sent = kiosk_answers("kiosk-key", Some(false));
    assert_eq!(
        send_answers(&h, &kiosk, &grant, &sent, "kiosk-key").await.0,
        201
    );

    let in_app = response(DEMO_PATIENT.id, &appointment, "app-key", Some(false));
    let (code, said) = send(&h, &alex, &in_app, "app-key").await;
    assert_eq!(code, 409, "{said}");
    assert_eq!(responses_for(&h, &appointment).await.len(), 1);
}

#[tokio::test]
async fn a_form_grant_opens_nothing_for_another_kiosk_a_patient_without_it_or_once_expired() {
    let h = hospital().await;
    let kiosk = h.device_token(&DEMO_KIOSK).await;
    let (appointment, reference) = h.appointment_in(DEMO_PATIENT.id, "cl-cardiology", 10).await;
    let grant = grant_of(&check_in(&h, &kiosk, &reference).await);
    let db = hale_server::open_database(&h.db_url).await.unwrap();
    sqlx::query(
        "INSERT INTO device (id, name, secret_hash, scope) \
         SELECT 'kiosk-side', 'Side entrance kiosk', secret_hash, scope FROM device WHERE id = $1",
    )
    .bind(DEMO_KIOSK.id)
    .execute(&db)
    .await
    .unwrap();
    let side = h
        .device_token(&DemoDevice {
            id: "kiosk-side",
            ..DEMO_KIOSK
        })
        .await;
    let body = kiosk_answers("k", Some(false));

    assert_eq!(
        read_form(&h, &side, &grant).await.0,
        404,
        "another kiosk's grant"
    );
    assert_eq!(send_answers(&h, &side, &grant, &body, "k").await.0, 404);
    let alex = h.token(&DEMO_PATIENT).await;
    assert_eq!(
        read_form(&h, &alex, &grant).await.0,
        403,
        "a patient is no kiosk"
    );
    assert_eq!(read_form(&h, &kiosk, "not-a-grant").await.0, 404);
    let r = h
        .http
        .get(format!("http://{}/api/kiosk/form", h.server.addr))
        .bearer_auth(&kiosk)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400, "no grant at all");

    sqlx::query("UPDATE kiosk_form_grant SET expires_at = '2020-01-01T00:00:00Z'")
        .execute(&db)
        .await
        .unwrap();
    assert_eq!(read_form(&h, &kiosk, &grant).await.0, 404, "expired");
    assert_eq!(send_answers(&h, &kiosk, &grant, &body, "k").await.0, 404);
    assert!(responses_for(&h, &appointment).await.is_empty());
}

#[tokio::test]
async fn kiosk_answers_naming_someone_or_refused_by_the_form_store_nothing_and_leave_the_grant_usable(
) {
    let h = hospital().await;
    let kiosk = h.device_token(&DEMO_KIOSK).await;
    let (appointment, reference) = h.appointment_in(DEMO_PATIENT.id, "cl-cardiology", 10).await;
    let grant = grant_of(&check_in(&h, &kiosk, &reference).await);

    let mut named = kiosk_answers("k1", Some(false));
    named["subject"] = json!({"reference": "Patient/pt-0002"});
    let (code, said) = send_answers(&h, &kiosk, &grant, &named, "k1").await;
    assert_eq!(code, 400, "{said}");
    assert!(said.contains("name no one"), "{said}");
    let (code, said) = send_answers(&h, &kiosk, &grant, &kiosk_answers("k2", None), "k2").await;
    assert_eq!(code, 400, "{said}");
    assert!(said.contains("chest-pain#0 is required"), "{said}");
    let (code, said) = send_answers(
        &h,
        &kiosk,
        &grant,
        &kiosk_answers("k3", Some(false)),
        "other",
    )
    .await;
    assert_eq!(
        code, 400,
        "the key must be the one the condition names: {said}"
    );
    assert!(responses_for(&h, &appointment).await.is_empty());

    let (code, said) =
        send_answers(&h, &kiosk, &grant, &kiosk_answers("k4", Some(false)), "k4").await;
    assert_eq!(code, 201, "{said}");
    assert_eq!(responses_for(&h, &appointment).await.len(), 1);
}

#[tokio::test]
async fn a_form_already_answered_in_the_app_is_not_offered_and_not_taken_twice() {
    let h = hospital().await;
    let kiosk = h.device_token(&DEMO_KIOSK).await;
    let alex = h.token(&DEMO_PATIENT).await;
    let (appointment, reference) = h.appointment_in(DEMO_PATIENT.id, "cl-cardiology", 10).await;
    // Offered at a first check-in; then answered in the app while the kiosk's form was open.
    let grant = grant_of(&check_in(&h, &kiosk, &reference).await);
    let in_app = response(DEMO_PATIENT.id, &appointment, "app-key", Some(false));
    assert_eq!(send(&h, &alex, &in_app, "app-key").await.0, 201);
    assert_eq!(
        read_form(&h, &kiosk, &grant).await.0,
        409,
        "no form to fill in for nothing"
    );

    let (code, said) = send_answers(
        &h,
        &kiosk,
        &grant,
        &kiosk_answers("kiosk-key", Some(false)),
        "kiosk-key",
    )
    .await;
    assert_eq!(code, 409, "{said}");
    assert_eq!(responses_for(&h, &appointment).await.len(), 1);
    let again = check_in(&h, &kiosk, &reference).await;
    assert!(again.get("form_grant").is_none(), "{again}");
}
