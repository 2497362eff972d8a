//! Device readings over real HTTP on a real SQLite file: Observations accepted only as
//! conditional creates (alone or in a transaction beside dose records), each stored once however
//! often or concurrently it is sent, refusals that store nothing, and search by patient, code
//! and date for the patient and for the care team's staff console.

use crate::common::*;
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use hale_domain::device::{Interpretation, Quantity, Reading, ReadingKind, Unit, Vital};
use hale_fhir::observation::READING_SYSTEM;
use hale_fhir::{Observation, Resource};
use hale_server::demo::seed::{DEMO_KIOSK, DEMO_PATIENT, DEMO_STAFF, OTHER_PATIENT};
use serde_json::{json, Value};

fn reading(
    key: &str,
    kind: ReadingKind,
    values: &[(Vital, f64, Unit)],
    at: DateTime<Utc>,
) -> Reading {
    Reading {
        key: key.to_owned(),
        device: "AA:BB:CC:DD:EE:01".into(),
        kind,
        effective: at,
        device_clock: true,
        values: values
            .iter()
            .map(|&(vital, value, unit)| Quantity { vital, value, unit })
            .collect(),
        context: None,
    }
}

fn heart_rate(patient: &str, key: &str, bpm: f64, minutes_ago: i64) -> Value {
    let r = reading(
        key,
        ReadingKind::HeartRate,
        &[(Vital::HeartRate, bpm, Unit::PerMinute)],
        Utc::now() - Duration::minutes(minutes_ago),
    );
    serde_json::to_value(Resource::Observation(Observation::from_reading(
        &r,
        patient,
        "Chest strap",
        None,
    )))
    .unwrap()
}

fn blood_pressure(patient: &str, key: &str, sys: f64, dia: f64, minutes_ago: i64) -> Value {
    let r = reading(
        key,
        ReadingKind::BloodPressure,
        &[
            (Vital::Systolic, sys, Unit::MmHg),
            (Vital::Diastolic, dia, Unit::MmHg),
        ],
        Utc::now() - Duration::minutes(minutes_ago),
    );
    let high = (sys >= 180.0).then_some(Interpretation::High);
    serde_json::to_value(Resource::Observation(Observation::from_reading(
        &r, patient, "Cuff", high,
    )))
    .unwrap()
}

fn transaction(resources: &[Value]) -> Value {
    json!({
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": resources.iter().map(|r| {
            let system = r["identifier"][0]["system"].as_str().unwrap();
            let value = r["identifier"][0]["value"].as_str().unwrap();
            json!({
                "resource": r,
                "request": {
                    "method": "POST",
                    "url": r["resourceType"],
                    "ifNoneExist": format!("identifier={system}|{value}"),
                }
            })
        }).collect::<Vec<_>>(),
    })
}

async fn stored_with(h: &Hospital, key: &str) -> i64 {
    let db = hale_server::open_database(&h.db_url).await.unwrap();
    sqlx::query_scalar("SELECT COUNT(*) FROM observation WHERE identifier_value = $1")
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
async fn a_reading_sent_twice_is_stored_once() {
    let h = hospital().await;
    let alex = h.token(&DEMO_PATIENT).await;
    let key = "AA:BB:CC:DD:EE:01/heart-rate/r1";
    let body = heart_rate(DEMO_PATIENT.id, key, 64.0, 5);
    let send = || {
        h.http
            .post(h.url("Observation"))
            .bearer_auth(&alex)
            .header(
                "If-None-Exist",
                format!("identifier={READING_SYSTEM}|{key}"),
            )
            .json(&body)
            .send()
    };
    let first = send().await.unwrap();
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    let again = send().await.unwrap();
    assert_eq!(again.status(), 200);
    let again: Value = again.json().await.unwrap();
    assert_eq!(first["id"], again["id"]);
    assert_eq!(stored_with(&h, key).await, 1);
}

#[tokio::test]
async fn readings_and_doses_share_one_all_or_nothing_transaction_sent_concurrently() {
    let h = hospital().await;
    let alex = h.token(&DEMO_PATIENT).await;
    let mut resources: Vec<Value> = (0..20)
        .map(|i| {
            heart_rate(
                DEMO_PATIENT.id,
                &format!("AA:BB:CC:DD:EE:01/heart-rate/r{i}"),
                60.0 + f64::from(i),
                30 - i64::from(i),
            )
        })
        .collect();
    resources.push(blood_pressure(
        DEMO_PATIENT.id,
        "AA:BB:CC:DD:EE:01/blood-pressure/t1",
        185.0,
        95.0,
        3,
    ));
    resources.push(json!({
        "resourceType": "MedicationAdministration",
        "identifier": [{"system": hale_fhir::medication::DOSE_SYSTEM, "value": "rx:mr-0002@1999-10-01T08:00"}],
        "status": "completed",
        "medicationCodeableConcept": {"text": "Metformin"},
        "subject": {"reference": format!("Patient/{}", DEMO_PATIENT.id)},
        "effectiveDateTime": Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true),
    }));
    let bundle = transaction(&resources);
    let answers = futures_join_all((0..6).map(|_| h.post(&alex, "", bundle.clone()))).await;
    let mut created = 0;
    for (code, answer) in &answers {
        assert_eq!(*code, 200, "{answer}");
        created += statuses(answer)
            .iter()
            .filter(|s| s.starts_with("201"))
            .count();
    }
    assert_eq!(
        created, 22,
        "each entry created by exactly one of the six sends"
    );
    for i in 0..20 {
        assert_eq!(
            stored_with(&h, &format!("AA:BB:CC:DD:EE:01/heart-rate/r{i}")).await,
            1
        );
    }
    let (_, found) = h
        .get(&alex, "Observation?code=http://loinc.org|85354-9")
        .await;
    let bp = entries(&found, "Observation");
    assert_eq!(bp.len(), 1);
    assert_eq!(bp[0]["interpretation"][0]["coding"][0]["code"], "H");
    assert_eq!(bp[0]["component"][0]["valueQuantity"]["value"], 185.0);

    // One bad entry (a reading dated next week) and the whole bundle stores nothing.
    let fresh = heart_rate(
        DEMO_PATIENT.id,
        "AA:BB:CC:DD:EE:01/heart-rate/fresh",
        70.0,
        1,
    );
    let future = heart_rate(
        DEMO_PATIENT.id,
        "AA:BB:CC:DD:EE:01/heart-rate/future",
        70.0,
        -60 * 24 * 7,
    );
    let (code, outcome) = h.post(&alex, "", transaction(&[fresh, future])).await;
    assert_eq!(code, 400, "{outcome}");
    assert!(outcome["issue"][0]["diagnostics"]
        .as_str()
        .unwrap()
        .starts_with("entry 1: "));
    assert_eq!(
        stored_with(&h, "AA:BB:CC:DD:EE:01/heart-rate/fresh").await,
        0
    );
}

/// A full transaction is stored many rows to a statement: an entry already stored, one repeated
/// within the same statement and one repeated in a later statement must each come back as the
/// one stored copy, in order.
#[tokio::test]
async fn a_full_transaction_with_repeats_answers_each_entry_in_order() {
    let h = hospital().await;
    let alex = h.token(&DEMO_PATIENT).await;
    let key = |i: usize| format!("AA:BB:CC:DD:EE:02/heart-rate/f{i}");
    let earlier = h
        .http
        .post(h.url("Observation"))
        .bearer_auth(&alex)
        .header(
            "If-None-Exist",
            format!("identifier={READING_SYSTEM}|{}", key(0)),
        )
        .json(&heart_rate(DEMO_PATIENT.id, &key(0), 61.0, 2000))
        .send()
        .await
        .unwrap();
    assert_eq!(earlier.status(), 201);
    let earlier: Value = earlier.json().await.unwrap();

    // Entry 0 was stored above; entry 2 repeats entry 1 (in the same statement); entry 999
    // repeats entry 5 (in a later one); the rest are new.
    let mut resources: Vec<Value> = (0..998)
        .map(|i| heart_rate(DEMO_PATIENT.id, &key(i), 60.0, 1500 - i as i64))
        .collect();
    resources.insert(2, heart_rate(DEMO_PATIENT.id, &key(1), 60.0, 1499));
    resources.push(heart_rate(DEMO_PATIENT.id, &key(5), 60.0, 1495));
    let (code, answer) = h.post(&alex, "", transaction(&resources)).await;
    assert_eq!(code, 200, "{answer}");
    let statuses = statuses(&answer);
    assert_eq!(statuses.len(), 1000);
    let repeats = [0, 2, 999];
    for (i, status) in statuses.iter().enumerate() {
        let expected = if repeats.contains(&i) {
            "200 OK"
        } else {
            "201 Created"
        };
        assert_eq!(status, expected, "entry {i}");
    }
    let location = |i: usize| answer["entry"][i]["response"]["location"].clone();
    assert_eq!(
        location(0),
        json!(format!(
            "Observation/{}/_history/1",
            earlier["id"].as_str().unwrap()
        ))
    );
    assert_eq!(answer["entry"][0]["response"]["etag"], "W/\"1\"");
    assert_eq!(location(2), location(1));
    // key(5) is entry 6, after the inserted repeat.
    assert_eq!(location(999), location(6));
    assert_ne!(location(1), location(3));
    for i in [0, 1, 5, 500, 501, 997] {
        assert_eq!(stored_with(&h, &key(i)).await, 1, "reading {i}");
    }
}

#[tokio::test]
async fn malformed_or_foreign_readings_are_refused_and_store_nothing() {
    let h = hospital().await;
    let alex = h.token(&DEMO_PATIENT).await;
    let base = heart_rate(DEMO_PATIENT.id, "k/heart-rate/1", 70.0, 1);
    let with = |edit: &dyn Fn(&mut Value)| {
        let mut v = base.clone();
        edit(&mut v);
        v
    };
    let cases: Vec<(&str, Value, u16)> = vec![
        (
            "another patient's reading",
            heart_rate(OTHER_PATIENT.id, "k/heart-rate/1", 70.0, 1),
            403,
        ),
        (
            "an unknown code",
            with(&|v| v["code"]["coding"][0]["code"] = json!("12345-6")),
            400,
        ),
        (
            "an unknown unit",
            with(&|v| v["valueQuantity"]["code"] = json!("furlong")),
            400,
        ),
        (
            "no value",
            with(&|v| {
                v.as_object_mut()
                    .unwrap()
                    .remove("valueQuantity")
                    .map(drop)
                    .unwrap_or(())
            }),
            400,
        ),
        (
            "no time",
            with(&|v| {
                v.as_object_mut()
                    .unwrap()
                    .remove("effectiveDateTime")
                    .map(drop)
                    .unwrap_or(())
            }),
            400,
        ),
        (
            "a cancelled reading",
            with(&|v| v["status"] = json!("cancelled")),
            400,
        ),
    ];
    for (what, body, expected) in cases {
        let (code, outcome) = h.post(&alex, "", transaction(&[body])).await;
        assert_eq!(code, expected, "{what}: {outcome}");
        assert_eq!(outcome["resourceType"], "OperationOutcome", "{what}");
    }
    assert_eq!(stored_with(&h, "k/heart-rate/1").await, 0);
    // Without the condition: refused, as a plain create could duplicate on a retry.
    let r = h
        .http
        .post(h.url("Observation"))
        .bearer_auth(&alex)
        .json(&base)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(stored_with(&h, "k/heart-rate/1").await, 0);
}

#[tokio::test]
async fn the_patient_searches_by_code_and_date_with_paging_and_the_staff_device_reads_nothing() {
    let h = hospital().await;
    let alex = h.token(&DEMO_PATIENT).await;
    let sam = h.token(&OTHER_PATIENT).await;
    let mut resources: Vec<Value> = (0..12)
        .map(|i| {
            heart_rate(
                DEMO_PATIENT.id,
                &format!("d/heart-rate/r{i}"),
                70.0,
                24 * 60 * 3 - i * 60,
            )
        })
        .collect();
    resources.push(blood_pressure(
        DEMO_PATIENT.id,
        "d/blood-pressure/t1",
        130.0,
        85.0,
        10,
    ));
    let (code, _) = h.post(&alex, "", transaction(&resources)).await;
    assert_eq!(code, 200);

    // The patient searches by LOINC code and date.
    let since = (Utc::now() - Duration::days(1)).to_rfc3339_opts(SecondsFormat::Secs, true);
    let (code, found) = h
        .get(
            &alex,
            &format!(
                "Observation?patient={}&code=8480-6,85354-9&date=ge{since}",
                DEMO_PATIENT.id
            ),
        )
        .await;
    assert_eq!(code, 200, "{found}");
    assert_eq!(entries(&found, "Observation").len(), 1);
    let (code, found) = h
        .get(
            &alex,
            &format!(
                "Observation?patient=Patient/{}&code=8867-4",
                DEMO_PATIENT.id
            ),
        )
        .await;
    assert_eq!(code, 200);
    assert_eq!(entries(&found, "Observation").len(), 12);
    // The shared staff-console secret keeps device jobs only: it reads no readings.
    let staff = h.device_token(&DEMO_STAFF).await;
    let (code, _) = h
        .get(&staff, &format!("Observation?patient={}", DEMO_PATIENT.id))
        .await;
    assert_eq!(code, 403);

    // Paging: five at a time, oldest first, the next link carrying the query.
    let (_, page) = h.get(&alex, "Observation?code=8867-4&_count=5").await;
    assert_eq!(entries(&page, "Observation").len(), 5);
    let next = link(&page, "next").unwrap().to_owned();
    assert!(
        next.contains("_offset=5") && next.contains("code=8867-4"),
        "{next}"
    );
    let (_, page2) = h.get(&alex, &next).await;
    assert_eq!(entries(&page2, "Observation").len(), 5);
    let (_, page3) = h.get(&alex, link(&page2, "next").unwrap()).await;
    assert_eq!(entries(&page3, "Observation").len(), 2);
    assert_eq!(link(&page3, "next"), None);

    // Another patient, a kiosk and no token are refused.
    let (code, _) = h
        .get(&sam, &format!("Observation?patient={}", DEMO_PATIENT.id))
        .await;
    assert_eq!(code, 403);
    let (_, own) = h.get(&sam, "Observation").await;
    assert_eq!(entries(&own, "Observation").len(), 0);
    let kiosk = h.device_token(&DEMO_KIOSK).await;
    let (code, _) = h
        .get(&kiosk, &format!("Observation?patient={}", DEMO_PATIENT.id))
        .await;
    assert_eq!(code, 403);
    let r = h.http.get(h.url("Observation")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let (code, _) = h
        .get(&alex, "Observation?code=http://snomed.info/sct|1234")
        .await;
    assert_eq!(code, 400);
}

#[tokio::test]
async fn a_stored_reading_is_version_1_and_its_location_names_that_version() {
    // Regression: `Location: Observation/{id}`, without the version, and no meta.
    let h = hospital().await;
    let alex = h.token(&DEMO_PATIENT).await;
    let key = "AA:BB:CC:DD:EE:01/heart-rate/versioned";
    let send = || {
        h.http
            .post(h.url("Observation"))
            .bearer_auth(&alex)
            .header(
                "If-None-Exist",
                format!("identifier={READING_SYSTEM}|{key}"),
            )
            .json(&heart_rate(DEMO_PATIENT.id, key, 61.0, 3))
            .send()
    };
    let first = send().await.unwrap();
    assert_eq!(first.status(), 201);
    let location = first.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(first.headers()["etag"], "W/\"1\"");
    let stored: Value = first.json().await.unwrap();
    assert_eq!(
        location,
        format!(
            "{}/Observation/{}/_history/1",
            h.server.fhir_base(),
            stored["id"].as_str().unwrap()
        )
    );
    assert_eq!(stored["meta"]["versionId"], "1");
    // The repeat names the same record and version; a search shows the same meta.
    let again = send().await.unwrap();
    assert_eq!(again.status(), 200);
    assert_eq!(again.headers()["location"], location.as_str());
    let (_, bundle) = h
        .get(
            &alex,
            &format!("Observation?identifier={READING_SYSTEM}|{key}"),
        )
        .await;
    let found = entries(&bundle, "Observation");
    assert_eq!(found[0]["meta"], stored["meta"]);
}

/// The transaction reads each entry's resource as the type its request names, and checks the
/// resource says so itself, whether `resourceType` leads (as Hale's app writes it, read at a
/// glance) or comes anywhere else (read in full).
#[tokio::test]
async fn a_transaction_entry_whose_resource_is_not_what_its_request_names_stores_nothing() {
    let h = hospital().await;
    let alex = h.token(&DEMO_PATIENT).await;
    let key = "AA:BB:CC:DD:EE:01/heart-rate/mislabelled";
    let reading = heart_rate(DEMO_PATIENT.id, key, 64.0, 5);
    // `resourceType` anywhere but first (serde_json's map orders keys).
    let mut other = reading.clone();
    other["resourceType"] = json!("MedicationAdministration");
    let mut bundle = transaction(&[reading.clone(), other]);
    bundle["entry"][1]["request"]["url"] = json!("Observation");
    let (code, outcome) = h.post(&alex, "", bundle).await;
    assert_eq!(code, 400, "{outcome}");
    assert_eq!(
        outcome["issue"][0]["diagnostics"],
        "entry 1: POST Observation carries a MedicationAdministration"
    );
    // `resourceType` first, a longer name that begins with the right one.
    let leading = serde_json::to_string(&transaction(std::slice::from_ref(&reading)))
        .unwrap()
        .replace(
            "\"resource\":{",
            "\"resource\":{\"resourceType\":\"Observations\",",
        )
        .replace(",\"resourceType\":\"Observation\"", "");
    assert!(leading.contains("{\"resourceType\":\"Observations\","));
    let answer = h
        .http
        .post(h.url(""))
        .bearer_auth(&alex)
        .header("Content-Type", "application/fhir+json")
        .body(leading)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 400);
    let outcome: Value = answer.json().await.unwrap();
    assert_eq!(
        outcome["issue"][0]["diagnostics"],
        "entry 0: POST Observation carries a Observations"
    );
    assert_eq!(stored_with(&h, key).await, 0, "nothing stored");
    // The reading itself, well labelled, is stored.
    let (code, answer) = h.post(&alex, "", transaction(&[reading])).await;
    assert_eq!(code, 200, "{answer}");
    assert_eq!(stored_with(&h, key).await, 1);
}
