//! What a visit leaves behind, over real HTTP: a clinician prescribes (a new medicine, a changed
//! dose) and writes next steps in the console, each once, only at the patient's open visit and
//! only as the patient's own team allows; the patient finds them by searching for the visit.

use crate::clinic_readings::{alex_at_the_clinic, hidden};
use crate::common::*;
use crate::console::sign_in;
use chrono::{Duration, Utc};
use hale_server::demo::care_team::{DEMO_ADMIN, DEMO_DOCTOR, DEMO_NURSE, OTHER_TEAM_NURSE};
use hale_server::demo::seed::{DEMO_PATIENT, OTHER_PATIENT};

/// The hidden field `name` of the form posting to `…{action}`.
fn form_field(page: &str, action: &str, name: &str) -> String {
    let at = page
        .find(&format!("{action}\""))
        .unwrap_or_else(|| panic!("no form for {action} in {page}"));
    hidden(&page[at..], name)
}

#[tokio::test]
async fn a_clinician_prescribes_and_writes_next_steps_once_and_the_patient_finds_them_by_the_visit()
{
    let h = hospital().await;
    let (alex, encounter) = alex_at_the_clinic(&h).await;
    let doctor = sign_in(&h, &DEMO_DOCTOR).await;
    let page_path = format!("/console/patients/{}", DEMO_PATIENT.id);
    let prescriptions = format!("{page_path}/prescriptions");
    let next_steps = format!("{page_path}/next-steps");

    // A changed dose: Atorvastatin 20 mg (mr-0001) becomes 40 mg. Sent twice, written once.
    let (_, page) = doctor.get(&page_path).await;
    assert!(page.contains("Nothing prescribed at this visit."), "{page}");
    let key = form_field(&page, "/prescriptions", "key");
    let change = [
        ("encounter", encounter.as_str()),
        ("key", key.as_str()),
        ("medicine", "Atorvastatin 40 mg tablets"),
        ("amount", "1"),
        ("unit", "tablet"),
        ("schedule", "bedtime"),
        ("days", ""),
        ("replaces", "mr-0001"),
    ];
    for _ in 0..2 {
        let (status, to) = doctor.post(&prescriptions, &change).await;
        assert_eq!(status, 303, "{to}");
    }
    // A new medicine, from the page as it now is.
    let (_, page) = doctor.get(&page_path).await;
    assert!(
        page.contains("Atorvastatin 40 mg tablets: 1 tablet once a day at bedtime (replaces Atorvastatin 20 mg tablets)"),
        "{page}"
    );
    let key = form_field(&page, "/prescriptions", "key");
    let new = [
        ("encounter", encounter.as_str()),
        ("key", key.as_str()),
        ("medicine", "Ramipril 2.5 mg capsules"),
        ("amount", "1"),
        ("unit", "capsule"),
        ("schedule", "morning"),
        ("days", ""),
        ("replaces", ""),
    ];
    assert_eq!(doctor.post(&prescriptions, &new).await.0, 303);
    let key = form_field(&page, "/next-steps", "key");
    let steps = [
        ("encounter", encounter.as_str()),
        ("key", key.as_str()),
        ("text", "Blood test in 6 weeks; we will write with a date."),
    ];
    for _ in 0..2 {
        assert_eq!(doctor.post(&next_steps, &steps).await.0, 303);
    }
    // Sent again changed (Back, an edit, Send), the key is spent: the first words stand.
    let edited = [steps[0], steps[1], ("text", "Blood test in 8 weeks.")];
    let (status, problem) = doctor.post(&next_steps, &edited).await;
    assert_eq!(status, 409, "{problem}");
    let mut other_medicine = change.to_vec();
    other_medicine[2] = ("medicine", "Simvastatin 20 mg tablets");
    assert_eq!(doctor.post(&prescriptions, &other_medicine).await.0, 409);

    // A nurse writes next steps but does not prescribe; an admin does neither; nor does another
    // team's nurse.
    let nurse = sign_in(&h, &DEMO_NURSE).await;
    let (_, nurse_page) = nurse.get(&page_path).await;
    assert!(!nurse_page.contains("/prescriptions\""), "no form offered");
    let key = form_field(&nurse_page, "/next-steps", "key");
    let from_nurse = [
        ("encounter", encounter.as_str()),
        ("key", key.as_str()),
        ("text", "Bring your blood pressure diary next time."),
    ];
    assert_eq!(nurse.post(&next_steps, &from_nurse).await.0, 303);
    let other_key = [("key", "n2"), ("medicine", "Aspirin 75 mg tablets")];
    let nurse_rx: Vec<(&str, &str)> = new
        .iter()
        .map(|&(k, v)| {
            other_key
                .iter()
                .find(|(o, _)| *o == k)
                .map_or((k, v), |&(o, w)| (o, w))
        })
        .collect();
    assert_eq!(nurse.post(&prescriptions, &nurse_rx).await.0, 403);
    let admin = sign_in(&h, &DEMO_ADMIN).await;
    assert_eq!(admin.post(&prescriptions, &nurse_rx).await.0, 403);
    let admin_steps = [
        ("encounter", encounter.as_str()),
        ("key", "a1"),
        ("text", "x"),
    ];
    assert_eq!(admin.post(&next_steps, &admin_steps).await.0, 403);
    let outsider = sign_in(&h, &OTHER_TEAM_NURSE).await;
    assert_eq!(outsider.post(&next_steps, &admin_steps).await.0, 403);

    // Nonsense is refused with a sentence and writes nothing; so is replacing a stopped one.
    let mut bad = new.to_vec();
    bad[1] = ("key", "b1");
    bad[3] = ("amount", "lots");
    let (status, problem) = doctor.post(&prescriptions, &bad).await;
    assert_eq!(status, 422);
    assert!(problem.contains("not an amount"), "{problem}");
    let mut stale = change.to_vec();
    stale[1] = ("key", "b2");
    let (status, problem) = doctor.post(&prescriptions, &stale).await;
    assert_eq!(status, 422);
    assert!(problem.contains("no longer an active"), "{problem}");

    // The visit ends; the patient finds what it left behind by searching for it.
    let db = hale_server::open_database(&h.db_url).await.unwrap();
    sqlx::query("UPDATE encounter SET status = 'finished', finished_at = $1 WHERE id = $2")
        .bind(hale_server::DbTime(Utc::now()))
        .bind(&encounter)
        .execute(&db)
        .await
        .unwrap();
    let (status, visits) = h.get(&alex, "Encounter?status=finished").await;
    assert_eq!(status, 200, "{visits}");
    let visits = entries(&visits, "Encounter");
    assert_eq!(visits.len(), 1);
    assert_eq!(visits[0]["id"], encounter.as_str());
    let appointment = visits[0]["appointment"][0]["reference"].as_str().unwrap();
    let (_, by_appointment) = h
        .get(&alex, &format!("Encounter?appointment={appointment}"))
        .await;
    assert_eq!(entries(&by_appointment, "Encounter").len(), 1);

    let (_, written) = h
        .get(
            &alex,
            &format!("MedicationRequest?encounter=Encounter/{encounter}"),
        )
        .await;
    let written = entries(&written, "MedicationRequest");
    assert_eq!(written.len(), 2, "a change and a new medicine, once each");
    assert_eq!(
        written[0]["priorPrescription"]["reference"],
        "MedicationRequest/mr-0001"
    );
    assert_eq!(written[0]["requester"]["display"], DEMO_DOCTOR.name);
    assert_eq!(
        written[0]["encounter"]["reference"],
        format!("Encounter/{encounter}")
    );
    assert_eq!(
        written[1]["medicationCodeableConcept"]["text"],
        "Ramipril 2.5 mg capsules"
    );
    let (_, stopped) = h.get(&alex, "MedicationRequest?status=stopped").await;
    let stopped = entries(&stopped, "MedicationRequest");
    assert!(stopped.iter().any(|r| r["id"] == "mr-0001"), "{stopped:?}");

    let (_, steps) = h
        .get(&alex, &format!("Communication?encounter={encounter}"))
        .await;
    let steps = entries(&steps, "Communication");
    assert_eq!(steps.len(), 2, "the doctor's once, and the nurse's");
    assert!(steps
        .iter()
        .all(|c| c["encounter"]["reference"] == format!("Encounter/{encounter}")));
    // Every message still reaches the patient's list of messages.
    let (_, all) = h.get(&alex, "Communication").await;
    assert!(entries(&all, "Communication").len() >= 2);

    // Another patient's search finds none of it.
    let sam = h.access_token(&OTHER_PATIENT).await;
    for (search, kind) in [
        (format!("Encounter?appointment={appointment}"), "Encounter"),
        (
            format!("MedicationRequest?encounter={encounter}"),
            "MedicationRequest",
        ),
        (
            format!("Communication?encounter={encounter}"),
            "Communication",
        ),
    ] {
        let (status, theirs) = h.get(&sam, &search).await;
        assert_eq!(status, 200, "{search}: {theirs}");
        assert!(entries(&theirs, kind).is_empty(), "{search}: {theirs}");
    }

    // Two days later the visit is closed: nothing more is written against it.
    sqlx::query("UPDATE encounter SET finished_at = $1 WHERE id = $2")
        .bind(hale_server::DbTime(Utc::now() - Duration::days(2)))
        .bind(&encounter)
        .execute(&db)
        .await
        .unwrap();
    let late = [
        ("encounter", encounter.as_str()),
        ("key", "late1"),
        ("text", "Too late"),
    ];
    assert_eq!(doctor.post(&next_steps, &late).await.0, 409);
    let (_, page) = doctor.get(&page_path).await;
    assert!(
        !page.contains("/next-steps\""),
        "no form once the visit is over"
    );
}
