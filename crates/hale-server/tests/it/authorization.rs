//! Every endpoint against every kind of caller: no token, an expired token, another patient's
//! token, a token granted less, a kiosk's, a staff console's and an integration engine's, and
//! people the patient lets help (everything shared, medicines only, after revocation, after the
//! end, and a helper of another patient). Each must be refused the right way, and nothing of
//! the patient's may change. Then the audit log records who did what.

use crate::common::*;
use chrono::{Duration, Utc};
use hale_server::demo::seed::{
    DEMO_CLINIC_MONITOR, DEMO_HELPER, DEMO_KIOSK, DEMO_PATIENT, DEMO_STAFF, OTHER_PATIENT,
};
use reqwest::Method;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

#[derive(Clone, Copy, PartialEq, Debug)]
enum Caller {
    Patient,
    /// The signed-in person's own, whoever they look after: any patient token holding the care
    /// circle's scope, a helper's too, whatever the state of the consent it was switched by.
    Person,
    Staff,
    Kiosk,
    /// A hospital system registered for subscriptions (an integration engine).
    System,
    Public,
}

struct Endpoint {
    method: Method,
    /// Below the server's root, with Alex's ids filled in.
    path: String,
    body: Option<Value>,
    caller: Caller,
    /// Alex's record or a search of Alex's records: another patient is refused.
    alex_only: bool,
    if_none_exist: Option<String>,
}

fn ep(
    method: Method,
    path: &str,
    body: Option<Value>,
    caller: Caller,
    alex_only: bool,
) -> Endpoint {
    Endpoint {
        method,
        path: path.to_owned(),
        body,
        caller,
        alex_only,
        if_none_exist: None,
    }
}

/// What a helper needs of the patient's consent to use an endpoint: written here from the
/// issue's list, apart from the server's table, so the two are checked against each other.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Share {
    /// The patient's own: parking, the waitlist, readings sent from their devices, the care
    /// circle.
    Never,
    /// Any helper: whom they help.
    Anyone,
    See(&'static str),
    /// `act` and seeing what it acts on.
    Act(&'static str),
}

fn share(e: &Endpoint) -> Share {
    let path = e.path.split('?').next().unwrap_or_default();
    let get = e.method == Method::GET;
    let under = |prefixes: &[&str]| prefixes.iter().any(|p| path.starts_with(p));
    match () {
        // A copy of the whole record is the patient's alone.
        _ if path.ends_with("/$everything") || path.ends_with("/$summary") => Share::Never,
        _ if get && under(&["fhir/Patient/"]) => Share::Anyone,
        _ if get
            && under(&[
                "fhir/Appointment",
                "fhir/Encounter",
                "fhir/Schedule",
                "fhir/Slot",
                "api/queue/",
            ]) =>
        {
            Share::See("appointments")
        }
        _ if !get && under(&["fhir/Appointment"]) => Share::Act("appointments"),
        _ if get && under(&["fhir/MedicationRequest", "fhir/MedicationAdministration"]) => {
            Share::See("medicines")
        }
        _ if !get && path == "fhir/MedicationAdministration" => Share::Act("medicines"),
        _ if get
            && under(&[
                "fhir/Observation",
                "fhir/CarePlan",
                "fhir/Flag",
                "fhir/Communication",
            ]) =>
        {
            Share::See("readings")
        }
        _ => Share::Never,
    }
}

/// Whether a helper granted `permissions` may use the endpoint.
fn helper_may(e: &Endpoint, permissions: &[&str]) -> bool {
    match share(e) {
        Share::Never => false,
        Share::Anyone => true,
        Share::See(p) => permissions.contains(&p),
        Share::Act(p) => permissions.contains(&p) && permissions.contains(&"act"),
    }
}

async fn call(h: &Hospital, e: &Endpoint, token: Option<&str>) -> u16 {
    let mut request = h.http.request(
        e.method.clone(),
        format!("http://{}/{}", h.server.addr, e.path),
    );
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(condition) = &e.if_none_exist {
        request = request.header("If-None-Exist", condition);
    }
    if let Some(body) = &e.body {
        request = request.json(body);
    }
    // Live streams answer 200 at once and stay open: the status is all that is needed.
    request.send().await.unwrap().status().as_u16()
}

fn hex_sha256(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn reading(patient: &str) -> Value {
    json!({
        "resourceType": "Observation",
        "identifier": [{"system": "urn:hale:reading", "value": format!("dev/hr/s1-{patient}")}],
        "status": "final",
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "vital-signs"}]}],
        "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
        "subject": {"reference": format!("Patient/{patient}")},
        "effectiveDateTime": Utc::now().to_rfc3339(),
        "valueQuantity": {"value": 72, "unit": "/min", "system": "http://unitsofmeasure.org", "code": "/min"},
    })
}

#[tokio::test]
async fn every_endpoint_refuses_every_wrong_caller() {
    let h = hospital().await;
    let alex = h.access_token(&DEMO_PATIENT).await;
    let sam = h.access_token(&OTHER_PATIENT).await;
    let narrow = h
        .sign_in_with_scope(&DEMO_PATIENT, "launch/patient patient/Patient.r")
        .await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let expired = h.access_token(&DEMO_PATIENT).await;
    let db = hale_server::open_database(&h.db_url).await.unwrap();
    sqlx::query("UPDATE access_token SET expires_at = $1 WHERE token_hash = $2")
        .bind(hale_server::DbTime(Utc::now() - Duration::seconds(1)))
        .bind(hex_sha256(&expired))
        .execute(&db)
        .await
        .unwrap();
    let kiosk = h.device_token(&DEMO_KIOSK).await;
    let staff = h.device_token(&DEMO_STAFF).await;
    let monitor = h.device_token(&DEMO_CLINIC_MONITOR).await;
    let engine = h
        .registered_device(
            "engine",
            "system/Subscription.cruds system/Observation.rs system/Appointment.rs",
        )
        .await;

    // Alex's records to aim at.
    let (appointment, _) = h.appointment_in(DEMO_PATIENT.id, "cl-cardiology", 10).await;
    let (status, encounter) = h
        .post(
            &alex,
            &format!("Appointment/{appointment}/$check-in"),
            json!({}),
        )
        .await;
    assert_eq!(status, 201, "{encounter}");
    let encounter = id(&encounter);
    let (later, _) = h
        .appointment_in(DEMO_PATIENT.id, "cl-cardiology", 60 * 24 * 20)
        .await;
    let (status, entry) = h
        .api(
            Method::POST,
            &alex,
            "waitlist",
            Some(json!({"appointment": later})),
        )
        .await;
    assert_eq!(status, 201, "{entry}");
    let entry = entry["id"].as_str().unwrap().to_owned();
    let card = json!({"number": "4242 4242 4242 4242", "expiry": "12/30", "cvc": "123"});
    let (status, session) = h
        .api(
            Method::POST,
            &alex,
            "parking/sessions",
            Some(
                json!({"car_park": "cp-main", "registration": "AB12 CDE", "minutes": 60,
                        "card": card, "idempotency_key": "auth-matrix"}),
            ),
        )
        .await;
    assert_eq!(status, 201, "{session}");
    let session = session["id"].as_str().unwrap().to_owned();
    let me = format!("patient=Patient/{}", DEMO_PATIENT.id);

    // People who help: Jordan with everything, Sam with medicines only, and Jordan again as a
    // helper of Sam, who must reach nothing of Alex's.
    const EVERYTHING: [&str; 5] = ["appointments", "medicines", "readings", "alerts", "act"];
    let (full, full_consent) = h.helper_for(&DEMO_PATIENT, &DEMO_HELPER, &EVERYTHING).await;
    let full = full["access_token"].as_str().unwrap().to_owned();
    let (medicines_only, medicines_consent) = h
        .helper_for(&DEMO_PATIENT, &OTHER_PATIENT, &["medicines"])
        .await;
    let medicines_only = medicines_only["access_token"].as_str().unwrap().to_owned();
    let (of_sam, _) = h
        .helper_for(&OTHER_PATIENT, &DEMO_HELPER, &EVERYTHING)
        .await;
    let of_sam = of_sam["access_token"].as_str().unwrap().to_owned();

    use Caller::*;
    let endpoints = vec![
        ep(Method::GET, "fhir/metadata", None, Public, false),
        ep(Method::GET, "api/waiting-times", None, Public, false),
        ep(Method::GET, "api/rules", None, Public, false),
        ep(
            Method::GET,
            &format!("fhir/Patient/{}", DEMO_PATIENT.id),
            None,
            Patient,
            true,
        ),
        ep(
            Method::GET,
            &format!("fhir/Patient/{}/$everything", DEMO_PATIENT.id),
            None,
            Patient,
            true,
        ),
        ep(
            Method::GET,
            &format!("fhir/Patient/{}/$summary", DEMO_PATIENT.id),
            None,
            Patient,
            true,
        ),
        ep(
            Method::GET,
            &format!("fhir/Appointment?{me}"),
            None,
            Patient,
            true,
        ),
        ep(
            Method::POST,
            "fhir/Appointment",
            Some(json!({"resourceType": "Appointment"})),
            Patient,
            false,
        ),
        ep(
            Method::GET,
            &format!("fhir/Appointment/{later}"),
            None,
            Patient,
            true,
        ),
        ep(
            Method::POST,
            &format!("fhir/Appointment/{later}/$cancel"),
            Some(json!({})),
            Patient,
            true,
        ),
        ep(
            Method::POST,
            &format!("fhir/Appointment/{later}/$reschedule"),
            Some(
                json!({"resourceType": "Parameters", "parameter": [{"name": "slot", "valueReference": {"reference": "Slot/sl-any"}}]}),
            ),
            Patient,
            true,
        ),
        ep(
            Method::POST,
            &format!("fhir/Appointment/{later}/$check-in"),
            Some(json!({})),
            Patient,
            true,
        ),
        ep(
            Method::GET,
            &format!("fhir/Encounter/{encounter}"),
            None,
            Patient,
            true,
        ),
        ep(
            Method::GET,
            &format!("fhir/Encounter?{me}&appointment={appointment}"),
            None,
            Patient,
            true,
        ),
        ep(Method::GET, "fhir/Schedule", None, Patient, false),
        ep(Method::GET, "fhir/Slot?status=free", None, Patient, false),
        ep(
            Method::GET,
            &format!("fhir/MedicationRequest?{me}"),
            None,
            Patient,
            true,
        ),
        ep(
            Method::GET,
            &format!("fhir/MedicationAdministration?{me}"),
            None,
            Patient,
            true,
        ),
        Endpoint {
            if_none_exist: Some("identifier=urn:hale:dose|matrix-1".into()),
            ..ep(
                Method::POST,
                "fhir/MedicationAdministration",
                Some(json!({
                    "resourceType": "MedicationAdministration",
                    "identifier": [{"system": "urn:hale:dose", "value": "matrix-1"}],
                    "status": "completed",
                    "medicationCodeableConcept": {"text": "Metformin 500 mg tablets"},
                    "subject": {"reference": format!("Patient/{}", DEMO_PATIENT.id)},
                    "effectiveDateTime": Utc::now().to_rfc3339(),
                })),
                Patient,
                true,
            )
        },
        ep(
            Method::GET,
            &format!("fhir/Observation?{me}"),
            None,
            Patient,
            true,
        ),
        ep(
            Method::GET,
            &format!("fhir/CarePlan?{me}"),
            None,
            Patient,
            true,
        ),
        ep(Method::GET, &format!("fhir/Flag?{me}"), None, Patient, true),
        ep(
            Method::GET,
            &format!("fhir/Communication?{me}"),
            None,
            Patient,
            true,
        ),
        Endpoint {
            if_none_exist: Some(format!(
                "identifier=urn:hale:reading|dev/hr/s1-{}",
                DEMO_PATIENT.id
            )),
            ..ep(
                Method::POST,
                "fhir/Observation",
                Some(reading(DEMO_PATIENT.id)),
                Patient,
                true,
            )
        },
        ep(
            Method::POST,
            "fhir",
            Some(
                json!({"resourceType": "Bundle", "type": "transaction", "entry": [{
            "resource": reading(DEMO_PATIENT.id),
            "request": {"method": "POST", "url": "Observation", "ifNoneExist": format!("identifier=urn:hale:reading|dev/hr/s1-{}", DEMO_PATIENT.id)}}]}),
            ),
            Patient,
            true,
        ),
        ep(Method::GET, "api/waitlist", None, Patient, false),
        ep(
            Method::POST,
            "api/waitlist",
            Some(json!({"appointment": later})),
            Patient,
            true,
        ),
        ep(
            Method::DELETE,
            &format!("api/waitlist/{entry}"),
            None,
            Patient,
            true,
        ),
        ep(
            Method::POST,
            "api/waitlist/offers/wo-none/accept",
            None,
            Patient,
            true,
        ),
        ep(
            Method::POST,
            "api/waitlist/offers/wo-none/decline",
            None,
            Patient,
            true,
        ),
        ep(
            Method::GET,
            &format!("api/queue/{encounter}"),
            None,
            Patient,
            true,
        ),
        ep(
            Method::GET,
            &format!("api/queue/{encounter}/events"),
            None,
            Patient,
            true,
        ),
        ep(Method::GET, "api/car-parks", None, Patient, false),
        ep(Method::GET, "api/parking/sessions", None, Patient, false),
        ep(
            Method::POST,
            &format!("api/parking/sessions/{session}/extend"),
            Some(json!({"minutes": 30, "card": card, "idempotency_key": "x"})),
            Patient,
            true,
        ),
        ep(
            Method::POST,
            &format!("api/parking/sessions/{session}/end"),
            Some(json!({})),
            Patient,
            true,
        ),
        ep(Method::GET, "api/parking/concessions", None, Patient, false),
        ep(Method::GET, "api/care-circle", None, Patient, false),
        ep(Method::GET, "api/shares", None, Patient, false),
        ep(Method::POST, "api/shares", None, Patient, false),
        ep(
            Method::POST,
            "api/shares/sh-0000000000000000/revoke",
            None,
            Patient,
            false,
        ),
        ep(
            Method::POST,
            "api/care-circle/invitations",
            Some(json!({"permissions": ["readings"]})),
            Patient,
            false,
        ),
        ep(
            Method::POST,
            "api/care-circle/invitations/accept",
            Some(json!({"code": "0000-0000-0000", "birth_date": "1900-01-01"})),
            Patient,
            false,
        ),
        ep(
            Method::POST,
            &format!("api/care-circle/consents/{full_consent}/revoke"),
            None,
            Patient,
            true,
        ),
        ep(Method::GET, "api/care-circle/alerts", None, Person, false),
        ep(
            Method::GET,
            "api/care-circle/alerts/events",
            None,
            Person,
            false,
        ),
        ep(
            Method::POST,
            &format!("api/care-circle/consents/{full_consent}/alerts"),
            Some(json!({"kinds": ["missed-dose"]})),
            Person,
            false,
        ),
        ep(
            Method::GET,
            &format!("fhir/Consent?{me}"),
            None,
            Patient,
            true,
        ),
        ep(
            Method::GET,
            &format!("fhir/RelatedPerson?{me}"),
            None,
            Patient,
            true,
        ),
        ep(
            Method::GET,
            "fhir/Questionnaire/pre-visit-general",
            None,
            Patient,
            false,
        ),
        ep(
            Method::GET,
            &format!("fhir/QuestionnaireResponse?{me}"),
            None,
            Patient,
            true,
        ),
        Endpoint {
            if_none_exist: Some("identifier=urn:hale:questionnaire-response|matrix-1".into()),
            ..ep(
                Method::POST,
                "fhir/QuestionnaireResponse",
                Some(json!({
                    "resourceType": "QuestionnaireResponse",
                    "identifier": {"system": "urn:hale:questionnaire-response", "value": "matrix-1"},
                    "questionnaire": "Questionnaire/pre-visit-general",
                    "status": "completed",
                    "subject": {"reference": format!("Patient/{}", DEMO_PATIENT.id)},
                    "authored": Utc::now().to_rfc3339(),
                    "item": [{"linkId": "feeling", "answer": [{"valueString": "Tired"}]}]
                })),
                Patient,
                true,
            )
        },
        ep(
            Method::GET,
            &format!("fhir/AllergyIntolerance?{me}"),
            None,
            Patient,
            true,
        ),
        ep(
            Method::POST,
            "api/kiosk/check-in",
            Some(json!({"reference": "XXXX-XXXX", "birth_date": "1900-01-01"})),
            Kiosk,
            false,
        ),
        ep(Method::GET, "api/kiosk/form", None, Kiosk, false),
        ep(
            Method::POST,
            "api/kiosk/form",
            Some(json!({"resourceType": "QuestionnaireResponse", "status": "completed"})),
            Kiosk,
            false,
        ),
        ep(
            Method::POST,
            "fhir/Subscription",
            Some(json!({"resourceType": "Subscription"})),
            System,
            false,
        ),
        ep(
            Method::GET,
            "fhir/Subscription/sub-none",
            None,
            System,
            false,
        ),
        ep(
            Method::GET,
            "fhir/Subscription/sub-none/$status",
            None,
            System,
            false,
        ),
        ep(
            Method::GET,
            "fhir/Subscription/sub-none/$events",
            None,
            System,
            false,
        ),
        ep(
            Method::DELETE,
            "fhir/Subscription/sub-none",
            None,
            System,
            false,
        ),
        ep(
            Method::POST,
            "api/clinics/cl-nowhere/call-next",
            Some(json!({"room": "1"})),
            Staff,
            false,
        ),
        ep(
            Method::POST,
            "api/encounters/en-none/finish",
            None,
            Staff,
            false,
        ),
    ];

    let mut checked = 0;
    for e in &endpoints {
        let what = format!("{} /{}", e.method, e.path);
        if e.caller == Public {
            assert_eq!(call(&h, e, None).await, 200, "{what}: public");
            continue;
        }
        assert_eq!(call(&h, e, None).await, 401, "{what}: no token");
        assert_eq!(
            call(&h, e, Some("not-a-token")).await,
            401,
            "{what}: unknown token"
        );
        assert_eq!(
            call(&h, e, Some(&expired)).await,
            401,
            "{what}: expired token"
        );
        let kiosk_ok = e.caller == Kiosk;
        // A subscriber subscribes, and reads nothing else.
        let status = call(&h, e, Some(&engine)).await;
        assert_eq!(
            e.caller == System,
            status != 403,
            "{what}: an integration engine got {status}"
        );
        let staff_ok = e.caller == Staff;
        let patient_ok = matches!(e.caller, Patient | Person);
        let status = call(&h, e, Some(&kiosk)).await;
        assert_eq!(kiosk_ok, status != 403, "{what}: kiosk got {status}");
        let status = call(&h, e, Some(&staff)).await;
        assert_eq!(
            staff_ok,
            status != 403,
            "{what}: staff console got {status}"
        );
        // A clinic's monitor records readings taken at a visit, and does nothing else.
        let monitor_ok = e.method == Method::POST && e.path == "fhir/Observation";
        let status = call(&h, e, Some(&monitor)).await;
        assert_eq!(
            monitor_ok,
            status != 403,
            "{what}: clinic monitor got {status}"
        );
        if !patient_ok {
            assert_eq!(call(&h, e, Some(&alex)).await, 403, "{what}: a patient");
        }
        if patient_ok {
            let status = call(&h, e, Some(&narrow)).await;
            // The summary needs its sections' scopes too, so the narrow grant is refused it.
            let narrow_ok = e.path.starts_with("fhir/Patient/") && !e.path.ends_with("/$summary");
            assert_eq!(
                narrow_ok,
                status != 403,
                "{what}: narrow grant got {status}"
            );
        }
        if e.caller == Person {
            // Never narrowed by a consent: each helper token is the person's own here.
            for (token, who) in [
                (&full, "a helper with everything"),
                (&medicines_only, "a helper with medicines"),
                (&of_sam, "a helper of another patient"),
            ] {
                let status = call(&h, e, Some(token)).await;
                assert!(status != 401 && status != 403, "{what}: {who} got {status}");
            }
        }
        if e.caller == Patient && e.alex_only {
            let status = call(&h, e, Some(&sam)).await;
            assert!(
                status == 403 || status == 404,
                "{what}: another patient got {status}"
            );
            let status = call(&h, e, Some(&of_sam)).await;
            assert!(
                status == 403 || status == 404,
                "{what}: a helper of another patient got {status}"
            );
        }
        if e.caller == Patient {
            // Refusals only here: what a helper may do changes things, and runs below.
            for (token, permissions, who) in [
                (&full, &EVERYTHING[..], "a helper with everything"),
                (
                    &medicines_only,
                    &["medicines"][..],
                    "a helper with medicines",
                ),
            ] {
                if !helper_may(e, permissions) {
                    let status = call(&h, e, Some(token)).await;
                    assert_eq!(status, 403, "{what}: {who} got {status}");
                }
            }
            // Reading changes nothing: the narrower helper reads what was shared.
            if matches!(share(e), Share::See(_) | Share::Anyone) && helper_may(e, &["medicines"]) {
                let status = call(&h, e, Some(&medicines_only)).await;
                assert!(
                    status != 401 && status != 403,
                    "{what}: a helper with medicines got {status}"
                );
            }
        }
        checked += 1;
    }
    eprintln!("authorization matrix: {checked} protected endpoints x 12 callers, all refused as they should be");

    // Nothing of Alex's changed under the others' attempts.
    let (_, appt) = h.get(&alex, &format!("Appointment/{later}")).await;
    assert_eq!(appt["status"], "booked");
    let (_, list) = h.api(Method::GET, &alex, "waitlist", None).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    let (_, sessions) = h.api(Method::GET, &alex, "parking/sessions", None).await;
    assert_eq!(sessions[0]["paid_pence"], session_paid(&sessions));
    let (_, readings) = h.get(&alex, &format!("Observation?{me}")).await;
    assert_eq!(
        entries(&readings, "Observation").len(),
        0,
        "nobody else wrote Alex's readings"
    );

    // A helper's access ends at their next request: revoked (Sam's), or past its end (Jordan's
    // of Sam). Every patient endpoint refuses them.
    let (status, _) = h.end_grant(&alex, &medicines_consent).await;
    assert_eq!(status, 200);
    sqlx::query("UPDATE consent SET ends_at = $1 WHERE patient_id = $2")
        .bind(hale_server::DbTime(Utc::now() - Duration::seconds(1)))
        .bind(OTHER_PATIENT.id)
        .execute(&db)
        .await
        .unwrap();
    for e in endpoints.iter().filter(|e| e.caller == Patient) {
        let what = format!("{} /{}", e.method, e.path);
        for (token, who) in [(&medicines_only, "revoked"), (&of_sam, "expired")] {
            let status = call(&h, e, Some(token)).await;
            assert_eq!(
                status, 403,
                "{what}: a helper whose grant was {who} got {status}"
            );
        }
    }

    // A helper with everything is let through where the consent reaches, Alex's own
    // endpoints aside (this may change Alex's records: the checks above are done).
    for e in endpoints
        .iter()
        .filter(|e| e.caller == Patient && helper_may(e, &EVERYTHING))
    {
        let status = call(&h, e, Some(&full)).await;
        assert!(
            status != 401 && status != 403,
            "{} /{}: a helper with everything got {status}",
            e.method,
            e.path
        );
    }

    // And Alex, with the right token, is let through everywhere meant for a patient.
    for e in endpoints.iter().filter(|e| e.caller == Patient) {
        let status = call(&h, e, Some(&alex)).await;
        assert!(
            status != 401 && status != 403,
            "{} /{}: Alex got {status}",
            e.method,
            e.path
        );
    }
}

fn session_paid(sessions: &Value) -> Value {
    // One payment of the starting hour: no attempt above paid or refunded anything.
    assert_eq!(sessions.as_array().unwrap().len(), 1);
    assert_eq!(sessions[0]["receipts"].as_array().unwrap().len(), 1);
    sessions[0]["receipts"][0]["amount_pence"].clone()
}

#[tokio::test]
async fn the_audit_log_names_who_touched_whose_records() {
    let h = hospital().await;
    let alex = h.access_token(&DEMO_PATIENT).await;
    let sam = h.access_token(&OTHER_PATIENT).await;
    let (status, _) = h.get(&alex, &format!("Patient/{}", DEMO_PATIENT.id)).await;
    assert_eq!(status, 200);
    let (status, _) = h.get(&sam, &format!("Patient/{}", DEMO_PATIENT.id)).await;
    assert_eq!(status, 403);
    let (_, reference) = h.appointment_in(DEMO_PATIENT.id, "cl-cardiology", 10).await;
    let kiosk = h.device_token(&DEMO_KIOSK).await;
    let (status, outcome) = h
        .api(
            Method::POST,
            &kiosk,
            "kiosk/check-in",
            Some(json!({"reference": reference, "birth_date": DEMO_PATIENT.birth_date})),
        )
        .await;
    assert_eq!(status, 200, "{outcome}");
    h.http.get(h.url("metadata")).send().await.unwrap();

    let db = hale_server::open_database(&h.db_url).await.unwrap();
    let rows: Vec<(String, String, Option<String>, String, String, i64)> = sqlx::query_as(
        "SELECT actor_kind, actor_id, patient_id, action, route, status FROM audit_event ORDER BY id",
    )
    .fetch_all(&db)
    .await
    .unwrap();
    let alex_id = Some(DEMO_PATIENT.id.to_owned());
    assert_eq!(
        rows,
        vec![
            (
                "patient".into(),
                DEMO_PATIENT.id.into(),
                alex_id.clone(),
                "R".into(),
                "/fhir/Patient/{id}".into(),
                200
            ),
            (
                "patient".into(),
                OTHER_PATIENT.id.into(),
                Some(OTHER_PATIENT.id.into()),
                "R".into(),
                "/fhir/Patient/{id}".into(),
                403
            ),
            (
                "device".into(),
                DEMO_KIOSK.id.into(),
                alex_id,
                "E".into(),
                "/api/kiosk/check-in".into(),
                200
            ),
        ],
        "public reads and sign-ins are not audited; patient data access is"
    );
}
