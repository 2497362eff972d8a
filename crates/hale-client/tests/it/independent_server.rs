//! The hospital client against a FHIR server that is not Hale's: Medplum's open-source
//! fhir-router over its in-memory repository (`tests/fhir-server`, started with Node). The
//! demo patient's record is copied there from the reference server, then the client reads the
//! patient, appointments and prescriptions, and sends dose records, readings and form answers as
//! conditional creates: each is stored once however often, and however concurrently, it is
//! sent.

use chrono::{Duration, Utc};
use hale_client::{
    ClientError, HospitalClient, LoopbackRedirect, OutgoingReading, Session, Stored,
};
use hale_domain::device::{Quantity, Reading, ReadingKind, Unit, Vital};
use hale_domain::medication::{DoseRecord, Medicine, Outcome};
use hale_domain::questionnaire::{Answer, Item, ItemKind, Path as FormPath, Response};
use hale_domain::{Feature, Offers};
use hale_other_hospital::{copy_demo_patient, OtherHospital};
use hale_server::demo::seed::DEMO_PATIENT;

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
    let server = OtherHospital::start();
    let forms = copy_demo_patient(&server.base).await;
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
    assert_eq!(server.held("MedicationAdministration").await, 1);
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
    assert_eq!(server.held("Observation").await, 4);

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
    assert_eq!(server.held("QuestionnaireResponse").await, 1);
}

#[tokio::test]
async fn a_patient_signs_in_to_an_independent_server_which_offers_booking_and_no_hale_features() {
    let server = OtherHospital::with_demo_sign_in();
    let client = HospitalClient::new(&server.base).unwrap();

    // Plain FHIR REST with conditional create: booking is a Slot search and a conditional
    // Appointment create; moving, cancelling and check-in are operations it does not have, and
    // waiting times, parking and the waitlist are Hale's API, which it does not declare.
    let capability = client.capability().await.unwrap();
    assert_eq!(
        hale_client::offers(&capability),
        Offers::NONE.with(Feature::Booking)
    );

    let listener = LoopbackRedirect::bind().await.unwrap();
    let authorization = client.authorization(listener.redirect_uri()).await.unwrap();
    let waiting = tokio::spawn(listener.wait(
        authorization.state().to_owned(),
        std::time::Duration::from_secs(10),
    ));
    let shown = hale_test_browser::sign_in(
        &authorization.url,
        DEMO_PATIENT.username,
        DEMO_PATIENT.password,
    )
    .await
    .unwrap();
    assert_eq!(shown, 200, "the browser ends on the loopback's page");
    let callback = waiting.await.unwrap().unwrap();
    let now = Utc::now();
    let tokens = client
        .finish_sign_in(&authorization, &callback, now)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(tokens.session.patient_id, DEMO_PATIENT.id);

    // Its refresh tokens rotate like Hale's: a spent one ends the sign-in.
    let renewed = client
        .refresh_session(&tokens.refresh_token, now)
        .await
        .unwrap();
    assert!(matches!(
        client.refresh_session(&tokens.refresh_token, now).await,
        Err(ClientError::Unauthorized)
    ));
    client.revoke(&renewed.refresh_token).await.unwrap();
    assert!(matches!(
        client.refresh_session(&renewed.refresh_token, now).await,
        Err(ClientError::Unauthorized)
    ));
}
