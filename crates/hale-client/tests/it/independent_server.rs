//! The hospital client against a FHIR server that is not Hale's: Medplum's open-source
//! fhir-router over its in-memory repository (`tests/fhir-server`, started with Node). The
//! demo patient's record is copied there from the reference server, then the client reads the
//! patient, appointments and prescriptions, and sends dose records, readings and form answers as
//! conditional creates: each is stored once however often, and however concurrently, it is
//! sent.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use chrono::{Duration, Utc};
use hale_client::{HospitalClient, OutgoingReading, Session, Stored};
use hale_domain::device::{Quantity, Reading, ReadingKind, Unit, Vital};
use hale_domain::medication::{DoseRecord, Medicine, Outcome};
use hale_domain::questionnaire::{Answer, Item, ItemKind, Path as FormPath, Response};
use hale_server::demo::seed::DEMO_PATIENT;
use hale_server::ServerOptions;
use serde_json::Value;

/// The independent server, stopped when dropped.
struct Independent {
    child: Child,
    base: String,
}

impl Drop for Independent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn independent() -> Independent {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fhir-server");
    assert!(
        dir.join("node_modules/@medplum/fhir-router").is_dir(),
        "tests/fhir-server has no node_modules: run scripts/setup.sh"
    );
    let mut child = Command::new("node")
        .arg("server.mjs")
        .current_dir(&dir)
        .stdout(Stdio::piped())
        .spawn()
        .expect("node starts");
    let mut port = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut port)
        .expect("the port");
    let port: u16 = port.trim().parse().expect("a port number");
    Independent {
        child,
        base: format!("http://127.0.0.1:{port}/fhir"),
    }
}

/// Copies Alex's Patient, Appointments, MedicationRequests and the hospital's forms from the
/// reference server to `to`, keeping their ids (an update that creates). Returns the forms' ids.
async fn copy_alex(to: &str) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("hospital.sqlite").display());
    let server = hale_server::start(&ServerOptions::embedded_demo(url.clone()))
        .await
        .unwrap();
    let from = server.fhir_base();
    let http = reqwest::Client::new();
    let signed_in: Value = http
        .post(format!("http://{}/auth/dev/token", server.addr))
        .json(&serde_json::json!({"identifier": DEMO_PATIENT.mrn, "birth_date": DEMO_PATIENT.birth_date}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = signed_in["access_token"].as_str().unwrap().to_owned();
    let get = |path: String| {
        let (http, token) = (http.clone(), token.clone());
        async move {
            let r = http.get(&path).bearer_auth(token).send().await.unwrap();
            assert!(r.status().is_success(), "{path}: {}", r.status());
            r.json::<Value>().await.unwrap()
        }
    };
    let me = format!("patient=Patient/{}", DEMO_PATIENT.id);
    let mut resources = vec![get(format!("{from}/Patient/{}", DEMO_PATIENT.id)).await];
    for search in [
        format!("{from}/Appointment?{me}"),
        format!("{from}/MedicationRequest?{me}"),
    ] {
        let bundle = get(search).await;
        for entry in bundle["entry"].as_array().unwrap() {
            if entry["search"]["mode"] == "match" {
                resources.push(entry["resource"].clone());
            }
        }
    }
    let db = hale_server::open_database(&url).await.unwrap();
    let forms: Vec<(String,)> = sqlx::query_as("SELECT id FROM questionnaire ORDER BY id")
        .fetch_all(&db)
        .await
        .unwrap();
    for (id,) in &forms {
        resources.push(get(format!("{from}/Questionnaire/{id}")).await);
    }
    for mut r in resources {
        r.as_object_mut().unwrap().remove("meta");
        let path = format!(
            "{to}/{}/{}",
            r["resourceType"].as_str().unwrap(),
            r["id"].as_str().unwrap()
        );
        let put = http
            .put(path)
            .header("Content-Type", "application/fhir+json")
            .json(&r)
            .send()
            .await
            .unwrap();
        assert!(put.status().is_success(), "{}", put.text().await.unwrap());
    }
    server.stop().await.unwrap();
    forms.into_iter().map(|(id,)| id).collect()
}

/// How many `kind` resources of Alex the independent server holds.
async fn held(base: &str, kind: &str) -> u64 {
    let bundle: Value = reqwest::get(format!(
        "{base}/{kind}?patient=Patient/{}&_summary=count",
        DEMO_PATIENT.id
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    bundle["total"].as_u64().expect("a total")
}

fn heart_rate(key: &str, bpm: f64) -> Reading {
    Reading {
        key: key.to_owned(),
        device: "AA:BB:CC:DD:EE:01".into(),
        kind: ReadingKind::HeartRate,
        effective: Utc::now() - Duration::minutes(5),
        device_clock: true,
        values: vec![Quantity {
            vital: Vital::HeartRate,
            value: bpm,
            unit: Unit::PerMinute,
        }],
        context: None,
    }
}

fn outgoing(readings: &[Reading]) -> Vec<OutgoingReading<'_>> {
    readings
        .iter()
        .map(|reading| OutgoingReading {
            reading,
            device_label: "Chest strap",
            interpretation: None,
        })
        .collect()
}

/// The path to the first question of `items` that is always asked and takes an answer.
fn first_question(items: &[Item], at: Vec<(String, usize)>) -> Option<(FormPath, ItemKind)> {
    for item in items {
        let mut here = at.clone();
        here.push((item.link_id.clone(), 0));
        if !item.enable_when.is_empty() {
            continue;
        }
        if item.kind == ItemKind::Group {
            if let Some(found) = first_question(&item.items, here) {
                return Some(found);
            }
        } else if item.kind.is_question() && !item.read_only {
            return Some((FormPath(here), item.kind.clone()));
        }
    }
    None
}

fn first_item<'a>(items: &'a [Item], path: &FormPath) -> &'a Item {
    let mut level = items;
    let mut found = None;
    for (id, _) in &path.0 {
        let item = level
            .iter()
            .find(|i| &i.link_id == id)
            .expect("on the path");
        level = &item.items;
        found = Some(item);
    }
    found.expect("a step")
}

#[tokio::test]
async fn the_client_reads_and_writes_a_patients_record_at_an_independent_fhir_server_exactly_once()
{
    let server = independent();
    let forms = copy_alex(&server.base).await;
    // The independent server takes any bearer token: it has no sign-in of its own.
    let client = HospitalClient::new(&server.base).unwrap();
    let alex = Session::new("any-token", DEMO_PATIENT.id);

    let capability = client.capability().await.unwrap();
    assert_eq!(capability.fhir_version, "4.0.1");
    let patient = client.patient(&alex).await.unwrap();
    assert_eq!(patient.display_name().as_deref(), Some("Alex Morgan"));
    let today = Utc::now().date_naive();
    let appointments = client.appointments_from(&alex, today).await.unwrap();
    assert!(appointments.len() >= 3, "{appointments:?}");
    assert!(appointments.iter().all(|a| a.start.date_naive() >= today));
    assert!(
        appointments.iter().all(|a| a.reference.is_some()),
        "the booking references came along"
    );
    let prescriptions = client
        .prescriptions(&alex, &chrono_tz::Europe::London)
        .await
        .unwrap();
    assert!(!prescriptions.medicines.is_empty());
    assert_eq!(prescriptions.unschedulable, 0);

    // Dose records: a transaction of conditional creates, sent twice.
    let medicine: &Medicine = &prescriptions.medicines[0];
    let now = Utc::now();
    let dose = DoseRecord {
        medicine_id: medicine.id.clone(),
        slot: Medicine::as_needed_slot(now),
        due: None,
        outcome: Outcome::Taken { amount: None },
        at: now,
    };
    let sent = client
        .send_doses(&alex, DEMO_PATIENT.id, &[(&dose, medicine)])
        .await
        .unwrap();
    assert_eq!(sent, [Stored::Created]);
    let again = client
        .send_doses(&alex, DEMO_PATIENT.id, &[(&dose, medicine)])
        .await
        .unwrap();
    assert_eq!(again, [Stored::AlreadyThere]);
    assert_eq!(held(&server.base, "MedicationAdministration").await, 1);
    let records = client
        .dose_records(&alex, now - Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(records.len(), 1, "read back: {records:?}");

    // Readings: a transaction sent twice, then another sent five times at once.
    let first = [heart_rate("ind/1", 71.0), heart_rate("ind/2", 72.0)];
    let sent = client
        .send_readings(&alex, DEMO_PATIENT.id, &outgoing(&first))
        .await
        .unwrap();
    assert_eq!(sent, [Stored::Created, Stored::Created]);
    let again = client
        .send_readings(&alex, DEMO_PATIENT.id, &outgoing(&first))
        .await
        .unwrap();
    assert_eq!(again, [Stored::AlreadyThere, Stored::AlreadyThere]);
    let second = [heart_rate("ind/3", 73.0), heart_rate("ind/4", 74.0)];
    let second = outgoing(&second);
    let at_once: Vec<_> = (0..5)
        .map(|_| client.send_readings(&alex, DEMO_PATIENT.id, &second))
        .collect();
    let answers = futures_util::future::join_all(at_once).await;
    let created = answers
        .into_iter()
        .flat_map(|a| a.unwrap())
        .filter(|s| *s == Stored::Created)
        .count();
    assert_eq!(created, 2, "each reading created by one of the five sends");
    assert_eq!(held(&server.base, "Observation").await, 4);

    // Form answers: a conditional create on the answers' key, sent twice.
    let form = client.form(&alex, &forms[0]).await.unwrap();
    let (question, kind) = first_question(&form.items, Vec::new()).expect("a question");
    let answer = match kind {
        ItemKind::Boolean => Answer::Boolean(false),
        ItemKind::Choice | ItemKind::OpenChoice => {
            Answer::Coding(first_item(&form.items, &question).options[0].clone())
        }
        _ => Answer::String("Well, thank you".into()),
    };
    let mut response = Response::default();
    response
        .set(&form, &question, vec![answer])
        .expect("an answer");
    let appointment = &appointments[0].id;
    for expected in [Stored::Created, Stored::AlreadyThere] {
        let stored = client
            .send_form_response(&alex, &form, &response, "ind/form/1", appointment, now)
            .await
            .unwrap();
        assert_eq!(stored, expected);
    }
    assert_eq!(held(&server.base, "QuestionnaireResponse").await, 1);
}
