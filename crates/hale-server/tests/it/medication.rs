//! Medicines over real HTTP on a real SQLite file: the demo prescriptions and their Timing, dose
//! records accepted only as conditional creates (alone or in a transaction Bundle), each stored
//! once however often or however concurrently it is sent, all-or-nothing transactions, and
//! refusals that store nothing.

use crate::common::*;
use chrono::{Duration, SecondsFormat, Utc};
use hale_fhir::medication::DOSE_SYSTEM;
use hale_server::demo::seed::{DEMO_PATIENT, OTHER_PATIENT};
use serde_json::{json, Value};

fn dose(patient: &str, key: &str, minutes_ago: i64) -> Value {
    json!({
        "resourceType": "MedicationAdministration",
        "identifier": [{"system": DOSE_SYSTEM, "value": key}],
        "status": "completed",
        "medicationCodeableConcept": {"text": "Metformin 500 mg tablets"},
        "subject": {"reference": format!("Patient/{patient}")},
        "effectiveDateTime": (Utc::now() - Duration::minutes(minutes_ago))
            .to_rfc3339_opts(SecondsFormat::Secs, true),
        "request": {"reference": "MedicationRequest/mr-0002"},
    })
}

fn transaction(records: &[Value]) -> Value {
    json!({
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": records.iter().map(|r| json!({
            "resource": r,
            "request": {
                "method": "POST",
                "url": "MedicationAdministration",
                "ifNoneExist": format!("identifier={DOSE_SYSTEM}|{}", r["identifier"][0]["value"].as_str().unwrap()),
            }
        })).collect::<Vec<_>>(),
    })
}

async fn stored_with(h: &Hospital, key: &str) -> i64 {
    let db = hale_server::open_database(&h.db_url).await.unwrap();
    sqlx::query_scalar("SELECT COUNT(*) FROM medication_administration WHERE identifier_value = $1")
        .bind(key)
        .fetch_one(&db)
        .await
        .unwrap()
}

fn statuses(answer: &Value) -> Vec<String> {
    answer["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["response"]["status"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn each_patient_sees_only_their_own_prescriptions_with_their_timing() {
    let h = hospital().await;
    let alex = h.token(&DEMO_PATIENT).await;
    let (code, bundle) = h
        .get(
            &alex,
            &format!("MedicationRequest?patient=Patient/{}", DEMO_PATIENT.id),
        )
        .await;
    assert_eq!(code, 200, "{bundle}");
    let requests = entries(&bundle, "MedicationRequest");
    assert_eq!(requests.len(), 6);
    let metformin = requests.iter().find(|r| r["id"] == "mr-0002").unwrap();
    assert_eq!(metformin["intent"], "order");
    let repeat = &metformin["dosageInstruction"][0]["timing"]["repeat"];
    assert_eq!(repeat["when"], json!(["CM", "CV"]));
    assert_eq!(repeat["frequency"], 2);
    let taper = requests.iter().find(|r| r["id"] == "mr-0005").unwrap();
    assert_eq!(taper["dosageInstruction"].as_array().unwrap().len(), 3);
    let inhaler = requests.iter().find(|r| r["id"] == "mr-0006").unwrap();
    assert_eq!(inhaler["dosageInstruction"][0]["asNeededBoolean"], true);
    // Every demo prescription maps to a schedule Hale can follow.
    for r in &requests {
        let r: hale_fhir::Resource = serde_json::from_value(r.clone()).unwrap();
        let hale_fhir::Resource::MedicationRequest(r) = r else {
            panic!()
        };
        assert_eq!(
            r.to_medicine(&chrono_tz::Europe::London).1,
            None,
            "{:?}",
            r.id
        );
    }

    let sam = h.token(&OTHER_PATIENT).await;
    let (_, bundle) = h.get(&sam, "MedicationRequest").await;
    assert_eq!(entries(&bundle, "MedicationRequest").len(), 1);
    let (code, _) = h
        .get(
            &sam,
            &format!("MedicationRequest?patient=Patient/{}", DEMO_PATIENT.id),
        )
        .await;
    assert_eq!(code, 403);
    assert_eq!(h.get("", "MedicationRequest").await.0, 401);
}

#[tokio::test]
async fn the_demo_patient_arrives_with_a_month_of_dose_records() {
    let h = hospital().await;
    let alex = h.token(&DEMO_PATIENT).await;
    let since = (Utc::now() - Duration::days(15)).format("%Y-%m-%d");
    let (code, bundle) = h
        .get(
            &alex,
            &format!("MedicationAdministration?effective-time=ge{since}"),
        )
        .await;
    assert_eq!(code, 200, "{bundle}");
    let records = entries(&bundle, "MedicationAdministration");
    assert!(records.len() > 20, "{}", records.len());
    let skipped = records.iter().filter(|r| r["status"] == "not-done").count();
    assert!(skipped >= 1 && skipped * 5 < records.len(), "{skipped}");
    let sam = h.token(&OTHER_PATIENT).await;
    let (_, theirs) = h.get(&sam, "MedicationAdministration").await;
    assert!(entries(&theirs, "MedicationAdministration").is_empty());
}

#[tokio::test]
async fn a_dose_record_sent_twice_is_stored_once() {
    let h = hospital().await;
    let alex = h.token(&DEMO_PATIENT).await;
    let key = "rx:mr-0002@1999-12-01T08:00";
    let record = dose(DEMO_PATIENT.id, key, 30);
    let send = || {
        h.http
            .post(h.url("MedicationAdministration"))
            .bearer_auth(&alex)
            .header("If-None-Exist", format!("identifier={DOSE_SYSTEM}|{key}"))
            .json(&record)
            .send()
    };
    let first = send().await.unwrap();
    assert_eq!(first.status(), 201);
    let location = first.headers()["location"].to_str().unwrap().to_owned();
    let first: Value = first.json().await.unwrap();
    let again = send().await.unwrap();
    assert_eq!(again.status(), 200);
    let again: Value = again.json().await.unwrap();
    assert_eq!(first["id"], again["id"]);
    assert_eq!(
        location,
        format!(
            "{}/MedicationAdministration/{}/_history/1",
            h.server.fhir_base(),
            id(&first)
        )
    );
    assert_eq!(stored_with(&h, key).await, 1);
    let (_, found) = h
        .get(
            &alex,
            &format!("MedicationAdministration?identifier={DOSE_SYSTEM}|{key}"),
        )
        .await;
    assert_eq!(entries(&found, "MedicationAdministration").len(), 1);
}

#[tokio::test]
async fn the_same_transaction_sent_many_times_at_once_stores_each_record_once() {
    let h = hospital().await;
    let alex = h.token(&DEMO_PATIENT).await;
    let records: Vec<Value> = (0..5)
        .map(|i| {
            dose(
                DEMO_PATIENT.id,
                &format!("rx:mr-0002@1999-11-2{i}T08:00"),
                60 + i,
            )
        })
        .collect();
    let bundle = transaction(&records);
    let answers = futures_join_all((0..8).map(|_| h.post(&alex, "", bundle.clone()))).await;
    let mut created = 0;
    for (code, answer) in &answers {
        assert_eq!(*code, 200, "{answer}");
        assert_eq!(answer["type"], "transaction-response");
        created += statuses(answer)
            .iter()
            .filter(|s| s.starts_with("201"))
            .count();
    }
    assert_eq!(
        created, 5,
        "each record created by exactly one of the eight sends"
    );
    for r in &records {
        assert_eq!(
            stored_with(&h, r["identifier"][0]["value"].as_str().unwrap()).await,
            1
        );
    }
    let (_, again) = h.post(&alex, "", bundle).await;
    assert_eq!(statuses(&again), vec!["200 OK"; 5]);
}

#[tokio::test]
async fn a_transaction_with_one_bad_record_stores_none() {
    let h = hospital().await;
    let alex = h.token(&DEMO_PATIENT).await;
    let good = dose(DEMO_PATIENT.id, "rx:mr-0002@1999-11-30T08:00", 10);
    let mut future = dose(DEMO_PATIENT.id, "rx:mr-0002@1999-11-30T20:00", 10);
    future["effectiveDateTime"] =
        json!((Utc::now() + Duration::days(2)).to_rfc3339_opts(SecondsFormat::Secs, true));
    let (code, outcome) = h
        .post(&alex, "", transaction(&[good.clone(), future]))
        .await;
    assert_eq!(code, 400, "{outcome}");
    assert!(outcome["issue"][0]["diagnostics"]
        .as_str()
        .unwrap()
        .starts_with("entry 1: "));
    assert_eq!(stored_with(&h, "rx:mr-0002@1999-11-30T08:00").await, 0);

    let cases: Vec<(Value, u16)> = vec![
        // Another patient's dose.
        (dose(OTHER_PATIENT.id, "rx:mr-0002@x", 5), 403),
        // Another patient's prescription.
        (
            {
                let mut r = dose(DEMO_PATIENT.id, "rx:mr-0101@x", 5);
                r["request"] = json!({"reference": "MedicationRequest/mr-0101"});
                r
            },
            400,
        ),
        // Neither taken nor not taken.
        (
            {
                let mut r = dose(DEMO_PATIENT.id, "k", 5);
                r["status"] = json!("in-progress");
                r
            },
            400,
        ),
        // No time.
        (
            {
                let mut r = dose(DEMO_PATIENT.id, "k", 5);
                r.as_object_mut().unwrap().remove("effectiveDateTime");
                r
            },
            400,
        ),
    ];
    for (record, expected) in cases {
        let (code, outcome) = h.post(&alex, "", transaction(&[record])).await;
        assert_eq!(code, expected, "{outcome}");
    }
    // A plain create, without the condition that makes it safe to repeat, is refused.
    let (code, _) = h
        .post(&alex, "MedicationAdministration", good.clone())
        .await;
    assert_eq!(code, 400);
    // The condition must name the record's own identifier.
    let mut bundle = transaction(&[good]);
    bundle["entry"][0]["request"]["ifNoneExist"] = json!(format!("identifier={DOSE_SYSTEM}|other"));
    assert_eq!(h.post(&alex, "", bundle).await.0, 400);
    let db = hale_server::open_database(&h.db_url).await.unwrap();
    let count: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM medication_administration WHERE id NOT LIKE 'ma-demo-%'",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(count, 0);
}
