//! The care circle through the real server: a patient invites, a helper signs in with their own
//! account, accepts with the patient's date of birth, switches to the patient and reads exactly
//! what the consent allows; revocation, expiry and the age rules end it at the next request.

use crate::common::*;
use chrono::{Datelike, Duration, NaiveDate, Utc};
use hale_server::demo::seed::{DEMO_HELPER, DEMO_PATIENT, OTHER_PATIENT};
use hale_server::DbTime;
use reqwest::Method;
use serde_json::{json, Value};

fn access(tokens: &Value) -> String {
    tokens["access_token"].as_str().unwrap().to_owned()
}

/// Logs a dose of Alex's as the app does: a conditional create named by its dose key.
async fn log_dose(h: &Hospital, token: &str, key: &str) -> reqwest::Response {
    let dose = json!({
        "resourceType": "MedicationAdministration",
        "identifier": [{"system": "urn:hale:dose", "value": key}],
        "status": "completed",
        "medicationCodeableConcept": {"text": "Metformin 500 mg tablets"},
        "subject": {"reference": format!("Patient/{}", DEMO_PATIENT.id)},
        "effectiveDateTime": Utc::now().to_rfc3339(),
    });
    h.http
        .post(h.url("MedicationAdministration"))
        .bearer_auth(token)
        .header("If-None-Exist", format!("identifier=urn:hale:dose|{key}"))
        .json(&dose)
        .send()
        .await
        .unwrap()
}

async fn circle(h: &Hospital, token: &str) -> Value {
    let (status, circle) = h.api(Method::GET, token, "care-circle", None).await;
    assert_eq!(status, 200, "{circle}");
    circle
}

#[tokio::test]
async fn a_helper_reads_exactly_what_the_patient_shared_and_nothing_from_the_moment_it_is_revoked()
{
    let h = hospital().await;
    let alex = h.access_token(&DEMO_PATIENT).await;
    let (tokens, consent) = h
        .helper_for(&DEMO_PATIENT, &DEMO_HELPER, &["medicines", "alerts"])
        .await;
    assert_eq!(tokens["patient"], DEMO_PATIENT.id);
    let fhir_user = tokens["fhirUser"].as_str().unwrap();
    assert!(
        fhir_user.starts_with("RelatedPerson/rp-"),
        "the token names the helper as Alex's RelatedPerson: {fhir_user}"
    );
    let jordan = access(&tokens);
    let me = format!("patient=Patient/{}", DEMO_PATIENT.id);

    let (status, prescriptions) = h.get(&jordan, &format!("MedicationRequest?{me}")).await;
    assert_eq!(status, 200, "{prescriptions}");
    assert!(!entries(&prescriptions, "MedicationRequest").is_empty());
    let (status, _) = h
        .get(&jordan, &format!("Patient/{}", DEMO_PATIENT.id))
        .await;
    assert_eq!(status, 200, "a helper sees whom they help");
    for (path, what) in [
        (format!("Observation?{me}"), "readings were not shared"),
        (format!("Appointment?{me}"), "appointments were not shared"),
        (format!("Consent?{me}"), "Alex's other helpers are Alex's"),
    ] {
        let (status, outcome) = h.get(&jordan, &path).await;
        assert_eq!(status, 403, "{path}: {what}");
        assert_eq!(refusal(&outcome), "not-permitted", "{path}");
    }
    let r = log_dose(&h, &jordan, "helper-1").await;
    assert_eq!(r.status(), 403, "seeing doses is not logging them");
    for path in ["parking/sessions", "waitlist", "care-circle"] {
        let (status, _) = h.api(Method::GET, &jordan, path, None).await;
        assert_eq!(status, 403, "{path} is Alex's own");
    }
    let (status, _) = h
        .get(
            &jordan,
            &format!("MedicationRequest?patient={}", OTHER_PATIENT.id),
        )
        .await;
    assert_eq!(status, 403, "nothing of anyone else");

    // Both people see who has what.
    let alexs = circle(&h, &alex).await;
    assert_eq!(alexs["helpers"][0]["name"], "Jordan Morgan");
    assert_eq!(
        alexs["helpers"][0]["permissions"],
        json!(["medicines", "alerts"])
    );
    assert_eq!(alexs["helpers"][0]["status"], "active");
    let jordans_own = h.access_token(&DEMO_HELPER).await;
    let jordans = circle(&h, &jordans_own).await;
    assert_eq!(jordans["helping"][0]["name"], "Alex Morgan");
    assert_eq!(jordans["helping"][0]["consent"], consent);
    // And in FHIR.
    let (status, bundle) = h.get(&alex, &format!("Consent?{me}")).await;
    assert_eq!(status, 200, "{bundle}");
    let consents = entries(&bundle, "Consent");
    assert_eq!(consents[0]["status"], "active");
    assert_eq!(
        consents[0]["provision"]["actor"][0]["reference"]["reference"],
        fhir_user
    );
    let (_, people) = h.get(&alex, &format!("RelatedPerson?{me}")).await;
    assert_eq!(
        entries(&people, "RelatedPerson")[0]["name"][0]["text"],
        "Jordan Morgan"
    );

    let (status, revoked) = h.end_grant(&alex, &consent).await;
    assert_eq!(status, 200, "{revoked}");
    assert_eq!(revoked["status"], "revoked");
    let (status, outcome) = h.get(&jordan, &format!("MedicationRequest?{me}")).await;
    assert_eq!(status, 403, "refused at the next request");
    assert_eq!(refusal(&outcome), "consent-revoked");
    let (status, _) = h
        .get(&jordan, &format!("Patient/{}", DEMO_PATIENT.id))
        .await;
    assert_eq!(status, 403);
    let (status, answer) = h
        .switch(tokens["refresh_token"].as_str().unwrap(), DEMO_PATIENT.id)
        .await;
    assert_eq!(status, 400, "no new token for Alex: {answer}");
    assert_eq!(answer["error"], "invalid_grant");
    let (status, own) = h
        .switch(tokens["refresh_token"].as_str().unwrap(), DEMO_HELPER.id)
        .await;
    assert_eq!(status, 200, "Jordan's own sign-in goes on: {own}");
    assert_eq!(own["fhirUser"], format!("Patient/{}", DEMO_HELPER.id));

    // The audit names the helper as the actor on Alex's records.
    let db = hale_server::open_database(&h.db_url).await.unwrap();
    let rows: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT actor_id, route, status FROM audit_event \
         WHERE actor_kind = 'related-person' AND patient_id = $1 ORDER BY id",
    )
    .bind(DEMO_PATIENT.id)
    .fetch_all(&db)
    .await
    .unwrap();
    let rp = fhir_user.trim_start_matches("RelatedPerson/");
    assert!(rows.iter().all(|(actor, _, _)| actor == rp));
    assert!(rows.contains(&(rp.into(), "/fhir/MedicationRequest".into(), 200)));
    assert!(
        rows.contains(&(rp.into(), "/fhir/Observation".into(), 403)),
        "refusals are audited too"
    );
    assert_eq!(
        rows.last(),
        Some(&(rp.to_owned(), "/fhir/Patient/{id}".to_owned(), 403)),
        "and so is a request refused after the revocation"
    );
}

#[tokio::test]
async fn a_helper_who_may_act_logs_a_dose_and_books_and_both_are_recorded_as_theirs() {
    let h = hospital().await;
    let (tokens, _) = h
        .helper_for(
            &DEMO_PATIENT,
            &DEMO_HELPER,
            &["appointments", "medicines", "act"],
        )
        .await;
    let jordan = access(&tokens);
    let r = log_dose(&h, &jordan, "helper-logged").await;
    assert_eq!(r.status(), 201);
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        body["performer"][0]["actor"]["reference"], tokens["fhirUser"],
        "the dose record names who logged it"
    );
    // Through a transaction Bundle, as the app sends doses in batches: named as theirs too.
    let bundle = json!({"resourceType": "Bundle", "type": "transaction", "entry": [{
        "resource": {
            "resourceType": "MedicationAdministration",
            "identifier": [{"system": "urn:hale:dose", "value": "helper-batch"}],
            "status": "completed",
            "medicationCodeableConcept": {"text": "Metformin 500 mg tablets"},
            "subject": {"reference": format!("Patient/{}", DEMO_PATIENT.id)},
            "effectiveDateTime": Utc::now().to_rfc3339(),
        },
        "request": {"method": "POST", "url": "MedicationAdministration",
                    "ifNoneExist": "identifier=urn:hale:dose|helper-batch"}}]});
    let (status, answer) = h.post(&jordan, "", bundle).await;
    assert_eq!(status, 200, "{answer}");
    let (_, stored) = h
        .get(
            &jordan,
            &format!(
                "MedicationAdministration?patient={}&identifier=urn:hale:dose|helper-batch",
                DEMO_PATIENT.id
            ),
        )
        .await;
    assert_eq!(
        entries(&stored, "MedicationAdministration")[0]["performer"][0]["actor"]["reference"],
        tokens["fhirUser"]
    );
    let slot = h.free_slots(&jordan, "").await[2]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, booked) = h.book(&jordan, &slot, Some("helper-booking")).await;
    assert_eq!(status, 201, "{booked}");
    let alex = h.access_token(&DEMO_PATIENT).await;
    let (status, _) = h.get(&alex, &format!("Appointment/{}", id(&booked))).await;
    assert_eq!(status, 200, "booked for Alex");
    let (status, _) = h.api(Method::GET, &jordan, "parking/sessions", None).await;
    assert_eq!(status, 403, "acting for Alex does not pay with Alex's card");

    let db = hale_server::open_database(&h.db_url).await.unwrap();
    let acts: Vec<(String, String)> = sqlx::query_as(
        "SELECT route, action FROM audit_event WHERE actor_kind = 'related-person' \
         AND patient_id = $1 AND status = 201 ORDER BY id",
    )
    .bind(DEMO_PATIENT.id)
    .fetch_all(&db)
    .await
    .unwrap();
    assert_eq!(
        acts,
        [
            ("/fhir/MedicationAdministration".into(), "C".into()),
            ("/fhir/Appointment".into(), "C".into())
        ]
    );
}

#[tokio::test]
async fn invitations_work_once_for_a_day_with_the_patients_date_of_birth_and_guessing_is_limited() {
    let h = hospital().await;
    let alex = h.access_token(&DEMO_PATIENT).await;
    let invite = |permissions: Value| {
        let h = &h;
        let alex = alex.clone();
        async move {
            h.api(
                Method::POST,
                &alex,
                "care-circle/invitations",
                Some(json!({ "permissions": permissions })),
            )
            .await
        }
    };
    let (status, outcome) = invite(json!([])).await;
    assert_eq!((status, refusal(&outcome)), (422, "nothing-chosen"));
    let (status, _) = invite(json!(["everything"])).await;
    assert_eq!(status, 400, "an unknown permission is not guessed at");
    let (status, invitation) = invite(json!(["readings"])).await;
    assert_eq!(status, 201);
    let code = invitation["code"].as_str().unwrap().to_owned();
    assert_eq!(code.len(), 14, "three groups of four: {code}");

    let jordan = h.access_token(&DEMO_HELPER).await;
    let accept = |code: String, born: &'static str, token: String| {
        let h = &h;
        async move {
            h.api(
                Method::POST,
                &token,
                "care-circle/invitations/accept",
                Some(json!({"code": code, "birth_date": born})),
            )
            .await
        }
    };
    let (status, outcome) = accept(code.clone(), "1984-06-13", jordan.clone()).await;
    assert_eq!(
        (status, refusal(&outcome)),
        (422, "invitation-invalid"),
        "a wrong date of birth"
    );
    let (status, outcome) = accept(code.clone(), DEMO_PATIENT.birth_date, alex.clone()).await;
    assert_eq!((status, refusal(&outcome)), (422, "invite-yourself"));
    // Typed loosely: lower case, spaces for dashes.
    let typed = code.to_lowercase().replace('-', " ");
    let (status, member) = accept(typed, DEMO_PATIENT.birth_date, jordan.clone()).await;
    assert_eq!(status, 201, "{member}");
    assert_eq!(member["name"], "Alex Morgan");
    let (status, outcome) = accept(code.clone(), DEMO_PATIENT.birth_date, jordan.clone()).await;
    assert_eq!(
        (status, refusal(&outcome)),
        (422, "invitation-invalid"),
        "a code works once"
    );
    let (_, second) = invite(json!(["medicines"])).await;
    let second = second["code"].as_str().unwrap().to_owned();
    let (status, outcome) = accept(second, DEMO_PATIENT.birth_date, jordan.clone()).await;
    assert_eq!((status, refusal(&outcome)), (409, "already-helping"));

    // A day later the code is dead.
    let (_, stale) = invite(json!(["medicines"])).await;
    let mut db = h.database().await;
    sqlx::query("UPDATE care_invitation SET expires_at = $1 WHERE accepted_at IS NULL")
        .bind(DbTime(Utc::now() - Duration::seconds(1)))
        .execute(&mut db)
        .await
        .unwrap();
    let sam = h.access_token(&OTHER_PATIENT).await;
    let stale = stale["code"].as_str().unwrap().to_owned();
    let (status, outcome) = accept(stale, DEMO_PATIENT.birth_date, sam.clone()).await;
    assert_eq!((status, refusal(&outcome)), (422, "invitation-invalid"));

    // Guessing: a few wrong codes, then the account waits, whatever it tries.
    let mut waited = false;
    for i in 0..8 {
        let (status, _) = accept(
            format!("0000-0000-000{i}"),
            DEMO_PATIENT.birth_date,
            sam.clone(),
        )
        .await;
        if status == 429 {
            waited = true;
            break;
        }
        assert_eq!(status, 422);
    }
    assert!(waited, "wrong codes are limited per account");

    // A child does not invite: the hospital records a child's parents.
    sqlx::query("UPDATE patient SET birth_date = $1 WHERE id = $2")
        .bind((Utc::now().date_naive() - Duration::days(365 * 10)).to_string())
        .bind(DEMO_PATIENT.id)
        .execute(&mut db)
        .await
        .unwrap();
    let (status, outcome) = invite(json!(["medicines"])).await;
    assert_eq!((status, refusal(&outcome)), (422, "minor-cannot-invite"));
}

/// Records Jordan as `child`'s guardian as a hospital's registration would, and switches to them.
async fn guardian_token(h: &Hospital, born: NaiveDate, assent: Option<NaiveDate>) -> Value {
    let mut db = h.database().await;
    sqlx::query("UPDATE patient SET birth_date = $1 WHERE id = $2")
        .bind(born.to_string())
        .bind(OTHER_PATIENT.id)
        .execute(&mut db)
        .await
        .unwrap();
    let now = DbTime(Utc::now() - Duration::days(1));
    sqlx::query(
        "INSERT INTO related_person (id, patient_id, person_id, created_at) \
         VALUES ('rp-guardian', $1, $2, $3) ON CONFLICT DO NOTHING",
    )
    .bind(OTHER_PATIENT.id)
    .bind(DEMO_HELPER.id)
    .bind(now)
    .execute(&mut db)
    .await
    .unwrap();
    sqlx::query("DELETE FROM consent WHERE related_person_id = 'rp-guardian'")
        .execute(&mut db)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO consent (id, related_person_id, patient_id, permissions, basis, assent_on, \
         starts_at, created_at) VALUES ('cn-guardian', 'rp-guardian', $1, \
         'appointments medicines readings alerts act', 'guardian', $2, $3, $3)",
    )
    .bind(OTHER_PATIENT.id)
    .bind(assent.map(|d| d.to_string()))
    .bind(now)
    .execute(&mut db)
    .await
    .unwrap();
    let own = h.sign_in(&DEMO_HELPER).await;
    let (status, tokens) = h
        .switch(own["refresh_token"].as_str().unwrap(), OTHER_PATIENT.id)
        .await;
    assert_eq!(status, 200, "{tokens}");
    tokens
}

#[tokio::test]
async fn a_guardian_sees_a_child_under_13_needs_assent_from_13_and_nothing_from_18() {
    let h = hospital().await;
    let today = Utc::now().date_naive();
    let years_ago = |y: i32| NaiveDate::from_ymd_opt(today.year() - y, 1, 1).unwrap();
    let read = |token: String| {
        let h = &h;
        async move {
            h.get(
                &token,
                &format!("MedicationRequest?patient={}", OTHER_PATIENT.id),
            )
            .await
        }
    };
    let child = guardian_token(&h, years_ago(9), None).await;
    let (status, _) = read(access(&child)).await;
    assert_eq!(status, 200, "under 13: a parent sees without asking");

    // The same token, the child now 14 (the hospital's record changed): assent is needed.
    let mut db = h.database().await;
    sqlx::query("UPDATE patient SET birth_date = $1 WHERE id = $2")
        .bind(years_ago(14).to_string())
        .bind(OTHER_PATIENT.id)
        .execute(&mut db)
        .await
        .unwrap();
    let (status, outcome) = read(access(&child)).await;
    assert_eq!((status, refusal(&outcome)), (403, "assent-needed"));
    sqlx::query("UPDATE consent SET assent_on = $1 WHERE id = 'cn-guardian'")
        .bind(today.to_string())
        .execute(&mut db)
        .await
        .unwrap();
    let (status, _) = read(access(&child)).await;
    assert_eq!(status, 200, "with the young person's recorded assent");

    sqlx::query("UPDATE patient SET birth_date = $1 WHERE id = $2")
        .bind(years_ago(19).to_string())
        .bind(OTHER_PATIENT.id)
        .execute(&mut db)
        .await
        .unwrap();
    let (status, outcome) = read(access(&child)).await;
    assert_eq!(
        (status, refusal(&outcome)),
        (403, "now-adult"),
        "at 18 it ends by itself, assent or not"
    );
}

#[tokio::test]
async fn an_adults_invitation_ends_by_itself_and_then_refuses_at_once() {
    let h = hospital().await;
    let (tokens, consent) = h
        .helper_for(&DEMO_PATIENT, &DEMO_HELPER, &["readings"])
        .await;
    let jordan = access(&tokens);
    let me = format!("patient=Patient/{}", DEMO_PATIENT.id);
    let (status, _) = h.get(&jordan, &format!("Observation?{me}")).await;
    assert_eq!(status, 200);
    let mut db = h.database().await;
    sqlx::query("UPDATE consent SET ends_at = $1 WHERE id = $2")
        .bind(DbTime(Utc::now() - Duration::seconds(1)))
        .bind(&consent)
        .execute(&mut db)
        .await
        .unwrap();
    let (status, outcome) = h.get(&jordan, &format!("Observation?{me}")).await;
    assert_eq!((status, refusal(&outcome)), (403, "consent-expired"));
    let alex = h.access_token(&DEMO_PATIENT).await;
    let alexs = circle(&h, &alex).await;
    assert_eq!(alexs["helpers"][0]["status"], "expired");

    // Alex invites Jordan again: a new consent, the old one kept as the record.
    let (tokens, again) = h
        .helper_for(&DEMO_PATIENT, &DEMO_HELPER, &["readings"])
        .await;
    assert_ne!(again, consent);
    let (status, _) = h.get(&access(&tokens), &format!("Observation?{me}")).await;
    assert_eq!(status, 200);
    let (_, bundle) = h.get(&alex, &format!("Consent?{me}")).await;
    assert_eq!(entries(&bundle, "Consent").len(), 2);
    let statuses: Vec<Value> = circle(&h, &alex).await["helpers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["status"].clone())
        .collect();
    assert_eq!(
        statuses,
        [json!("active"), json!("expired")],
        "the ended grant keeps its own end, not a revocation it never had"
    );
}

#[tokio::test]
async fn a_sign_in_switches_only_to_people_it_helps_and_a_refused_switch_spends_nothing() {
    let h = hospital().await;
    let (tokens, consent) = h
        .helper_for(&DEMO_PATIENT, &DEMO_HELPER, &["readings"])
        .await;
    let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
    let (status, answer) = h.switch(&refresh, OTHER_PATIENT.id).await;
    assert_eq!(status, 400, "Jordan does not help Sam: {answer}");
    assert_eq!(answer["error"], "invalid_grant");
    assert_eq!(answer["hale_refusal"], "not-permitted", "{answer}");
    // The refused switch left the sign-in as it was: the same refresh token still works.
    let (status, back) = h.switch(&refresh, DEMO_HELPER.id).await;
    assert_eq!(status, 200, "{back}");
    assert_eq!(back["patient"], DEMO_HELPER.id);
    // A spent refresh token is a stolen one, whatever it asks for: the whole sign-in ends.
    let (status, replayed) = h.switch(&refresh, DEMO_PATIENT.id).await;
    assert_eq!(status, 400);
    assert!(replayed.get("hale_refusal").is_none(), "{replayed}");
    let newest = back["refresh_token"].as_str().unwrap();
    let (status, _) = h.refresh(newest).await;
    assert_eq!(status, 400, "the replay revoked the sign-in");

    // The helper steps down with their own sign-in.
    let jordan = h.access_token(&DEMO_HELPER).await;
    let (status, member) = h.end_grant(&jordan, &consent).await;
    assert_eq!(status, 200, "{member}");
    assert_eq!(member["status"], "revoked");
    let alex = h.access_token(&DEMO_PATIENT).await;
    assert_eq!(circle(&h, &alex).await["helpers"][0]["status"], "revoked");
    // Asked again with a new sign-in, the switch says why it is refused.
    let own = h.sign_in(&DEMO_HELPER).await;
    let (status, answer) = h
        .switch(own["refresh_token"].as_str().unwrap(), DEMO_PATIENT.id)
        .await;
    assert_eq!(status, 400);
    assert_eq!(answer["hale_refusal"], "consent-revoked", "{answer}");
}

#[tokio::test]
async fn revoking_a_helper_ends_the_patients_open_invitations_and_only_five_may_wait() {
    let h = hospital().await;
    let alex = h.access_token(&DEMO_PATIENT).await;
    let (_, consent) = h
        .helper_for(&DEMO_PATIENT, &DEMO_HELPER, &["readings"])
        .await;
    let invite = || async {
        h.api(
            Method::POST,
            &alex,
            "care-circle/invitations",
            Some(json!({"permissions": ["readings"]})),
        )
        .await
    };
    let (status, spare) = invite().await;
    assert_eq!(status, 201);
    let (status, _) = h.end_grant(&alex, &consent).await;
    assert_eq!(status, 200);
    // A spare code the revoked helper might hold no longer lets them back.
    let jordan = h.access_token(&DEMO_HELPER).await;
    let (status, outcome) = h
        .api(
            Method::POST,
            &jordan,
            "care-circle/invitations/accept",
            Some(json!({"code": spare["code"], "birth_date": DEMO_PATIENT.birth_date})),
        )
        .await;
    assert_eq!((status, refusal(&outcome)), (422, "invitation-invalid"));
    for _ in 0..5 {
        assert_eq!(invite().await.0, 201);
    }
    assert_eq!(invite().await.0, 429, "a sixth code waits for one to end");
}

#[tokio::test]
async fn a_helpers_open_care_team_stream_sends_nothing_more_once_access_is_revoked() {
    // Regression: a live stream checked its token's expiry and sign-in before each update, but
    // not the consent behind a helper's token, so a revoked helper went on being told.
    let h = hospital().await;
    let alex = h.access_token(&DEMO_PATIENT).await;
    let (tokens, consent) = h
        .helper_for(&DEMO_PATIENT, &DEMO_HELPER, &["readings"])
        .await;
    let mut stream = h
        .http
        .get(format!("http://{}/api/care-team/events", h.server.addr))
        .bearer_auth(access(&tokens))
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    let first = stream.chunk().await.unwrap().unwrap();
    assert!(String::from_utf8_lossy(&first).contains("care-team"));
    let (status, _) = h.end_grant(&alex, &consent).await;
    assert_eq!(status, 200);
    // A red reading raises an alert: news the stream would carry to someone still allowed.
    let red = crate::monitoring::bp("revoked", 185.0, 125.0, Utc::now() - Duration::minutes(1));
    assert_eq!(crate::monitoring::send(&h, &alex, &red).await, 201);
    let after = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        let mut after = Vec::new();
        while let Ok(Some(chunk)) = stream.chunk().await {
            after.extend_from_slice(&chunk);
        }
        after
    })
    .await
    .expect("the stream ended");
    assert!(
        !String::from_utf8_lossy(&after).contains("care-team"),
        "nothing reached the helper after revocation"
    );
}

#[tokio::test]
async fn a_helper_is_told_once_of_each_dose_with_no_record_and_of_a_red_reading_as_they_chose() {
    let h = hospital().await;
    let (_, consent) = h.helper_for(&DEMO_PATIENT, &DEMO_HELPER, &["alerts"]).await;
    // Asked every ten minutes of the next day as if then, with no app running, the hospital
    // alone tells of each of Alex's doses with no record: an hour after it was due, no sooner.
    let start = Utc::now();
    let later = start + Duration::days(1);
    let mut missed: Vec<hale_hospital_json::care_circle::HelperAlert> = Vec::new();
    let mut asked = start + Duration::minutes(10);
    while asked <= later {
        for a in h.server.helper_alerts(DEMO_HELPER.id, asked).await.unwrap() {
            if a.kind == "missed-dose" && !missed.iter().any(|m| m.id == a.id) {
                let late = asked - a.due.expect("when the dose was due");
                assert!(
                    late >= Duration::minutes(60) && late < Duration::minutes(70),
                    "told {late} after the dose was due"
                );
                assert_eq!((a.tier.as_str(), a.reading.as_deref()), ("amber", None));
                missed.push(a);
            }
        }
        asked += Duration::minutes(10);
    }
    assert!(
        missed.len() >= 3,
        "Alex has a dose due every 8 hours: {missed:?}"
    );
    let first = h.server.helper_alerts(DEMO_HELPER.id, later).await.unwrap();
    for a in &first {
        assert_eq!(
            (a.patient.as_str(), a.patient_name.as_str()),
            (DEMO_PATIENT.id, "Alex Morgan")
        );
        assert_eq!(a.consent, consent);
    }
    let again = h.server.helper_alerts(DEMO_HELPER.id, later).await.unwrap();
    let ids = |list: &[hale_hospital_json::care_circle::HelperAlert]| {
        list.iter().map(|a| a.id.clone()).collect::<Vec<_>>()
    };
    assert_eq!(ids(&again), ids(&first), "each dose is told once");
    // Alex is not a helper: nothing is raised for them.
    assert!(h
        .server
        .helper_alerts(DEMO_PATIENT.id, later)
        .await
        .unwrap()
        .is_empty());

    // A red reading raises the care team's alert, and Jordan hears of it, over HTTP with
    // Jordan's own sign-in.
    let alex = h.access_token(&DEMO_PATIENT).await;
    let red = crate::monitoring::bp("helper-red", 185.0, 125.0, Utc::now());
    assert_eq!(crate::monitoring::send(&h, &alex, &red).await, 201);
    let jordan = h.access_token(&DEMO_HELPER).await;
    let (status, list) = h
        .api(Method::GET, &jordan, "care-circle/alerts", None)
        .await;
    assert_eq!(status, 200, "{list}");
    let reds: Vec<&Value> = list["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["kind"] == "beyond-limits")
        .collect();
    assert_eq!(reds.len(), 1, "{list}");
    assert_eq!(reds[0]["tier"], "red");
    assert_eq!(
        reds[0]["reading"], "blood-pressure",
        "which reading, for the list"
    );

    // Jordan keeps missed doses only, quiet at night; Alex sees what Jordan gets.
    let chosen =
        json!({"kinds": ["missed-dose"], "quiet": {"from": "22:00:00", "until": "07:00:00"}});
    let (status, member) = h
        .api(
            Method::POST,
            &jordan,
            &format!("care-circle/consents/{consent}/alerts"),
            Some(chosen.clone()),
        )
        .await;
    assert_eq!(status, 200, "{member}");
    assert_eq!(member["alerts"], chosen);
    let (_, list) = h
        .api(Method::GET, &jordan, "care-circle/alerts", None)
        .await;
    assert!(
        list["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["kind"] == "missed-dose" && a["quiet"]["from"] == "22:00:00"),
        "{list}"
    );
    assert_eq!(circle(&h, &alex).await["helpers"][0]["alerts"], chosen);
    // Only the helper chooses, and an unknown kind is refused.
    let (status, _) = h
        .api(
            Method::POST,
            &alex,
            &format!("care-circle/consents/{consent}/alerts"),
            Some(chosen),
        )
        .await;
    assert_eq!(status, 404, "Alex is not the helper of this grant");
    let (status, _) = h
        .api(
            Method::POST,
            &jordan,
            &format!("care-circle/consents/{consent}/alerts"),
            Some(json!({"kinds": ["everything"]})),
        )
        .await;
    assert_eq!(status, 400);

    // Once Alex stops sharing, Jordan hears nothing more of Alex.
    let (status, _) = h.end_grant(&alex, &consent).await;
    assert_eq!(status, 200);
    let (_, list) = h
        .api(Method::GET, &jordan, "care-circle/alerts", None)
        .await;
    assert_eq!(list["alerts"], json!([]));
}
