//! The visit summary from the app's side, against a real reference hospital and a real SQLite
//! store: what the clinic measured, prescribed and wrote at the visit, read once the visit is
//! over, the new medicine among the patient's medicines, and the summary still there offline.

use crate::common::{demo, Staff};
use chrono::{Duration, Utc};
use hale_core::visits::VisitFound;
use hale_domain::visit_summary::{Change, VisitSummary};
use hale_server::demo::care_team::DEMO_DOCTOR;
use hale_server::demo::seed::DEMO_PATIENT;

trait Found {
    fn summary(self) -> VisitSummary;
}

impl Found for VisitFound {
    fn summary(self) -> VisitSummary {
        match self {
            VisitFound::Summary(s) => s,
            other => panic!("no summary: {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_finished_visit_summarises_what_was_measured_prescribed_and_written_and_opens_offline() {
    let dir = tempfile::tempdir().unwrap();
    let d = demo(dir.path()).await;
    let start = Utc::now();
    let appointment = d
        .appointment_at("cl-cardiology", start + Duration::minutes(10))
        .await;
    // Before check-in the hospital holds no visit for the appointment.
    let before = d
        .patient
        .visit_summary(&appointment, &Utc, Utc::now())
        .await
        .unwrap();
    assert_eq!(before.found, VisitFound::NoVisit);
    assert!(matches!(
        before.freshness,
        hale_core::Freshness::Live { .. }
    ));

    d.patient.check_in(&appointment, start).await.unwrap();
    let db = hale_server::open_database(&d.db_url).await.unwrap();
    let encounter: String =
        sqlx::query_scalar("SELECT id FROM encounter WHERE appointment_id = $1")
            .bind(&appointment)
            .fetch_one(&db)
            .await
            .unwrap();
    let doctor = Staff::sign_in(&d.server, &DEMO_DOCTOR).await;
    let patient_page = format!("/console/patients/{}", DEMO_PATIENT.id);
    let posted = [
        (
            "readings",
            vec![("key", "v1"), ("systolic", "146"), ("diastolic", "91")],
        ),
        (
            "prescriptions",
            vec![
                ("key", "rx1"),
                ("medicine", "Atorvastatin 40 mg tablets"),
                ("amount", "1"),
                ("unit", "tablet"),
                ("schedule", "bedtime"),
                ("replaces", "mr-0001"),
            ],
        ),
        (
            "prescriptions",
            vec![
                ("key", "rx2"),
                ("medicine", "Ramipril 2.5 mg capsules"),
                ("amount", "1"),
                ("unit", "capsule"),
                ("schedule", "morning"),
            ],
        ),
        (
            "next-steps",
            vec![("key", "ns1"), ("text", "Blood test in 6 weeks.")],
        ),
    ];
    for (what, fields) in posted {
        let mut form = fields.clone();
        form.push(("encounter", &encounter));
        let path = format!("{patient_page}/{what}");
        assert_eq!(doctor.post(&path, &form).await, 303, "{what}");
    }
    // While the patient is there, the summary shows what is known so far.
    let during = d
        .patient
        .visit_summary(&appointment, &Utc, Utc::now())
        .await
        .unwrap()
        .found
        .summary();
    assert_eq!(during.visit.ended, None);
    sqlx::query("UPDATE encounter SET status = 'finished', finished_at = $1 WHERE id = $2")
        .bind(hale_server::DbTime(Utc::now()))
        .bind(&encounter)
        .execute(&db)
        .await
        .unwrap();

    let s = d
        .patient
        .visit_summary(&appointment, &Utc, Utc::now())
        .await
        .unwrap()
        .found
        .summary();
    assert!(s.visit.ended.is_some());
    assert_eq!(s.measured.len(), 1);
    assert_eq!(s.prescribed.len(), 2);
    assert_eq!(s.prescribed[0].name, "Atorvastatin 40 mg tablets");
    assert_eq!(
        s.prescribed[0].change,
        Change::Replaces {
            name: Some("Atorvastatin 20 mg tablets".into()),
            instructions: Some("1 tablet once a day at bedtime".into()),
        }
    );
    assert_eq!(s.prescribed[0].by.as_deref(), Some(DEMO_DOCTOR.name));
    assert_eq!(s.prescribed[1].change, Change::New);
    assert_eq!(s.next_steps.len(), 1);
    assert_eq!(s.next_steps[0].text, "Blood test in 6 weeks.");

    // The new medicine is among the patient's medicines, with a dose to remind of; the one it
    // replaced is no longer active.
    let medicines = d.patient.medicines(&Utc, Utc::now()).await.unwrap();
    let ramipril = medicines
        .medicines
        .iter()
        .find(|m| m.medicine.name == "Ramipril 2.5 mg capsules")
        .expect("the new medicine is in Medicines");
    assert!(ramipril.medicine.active);
    assert_eq!(ramipril.medicine.steps.len(), 1, "it has a schedule");
    let replaced = medicines
        .medicines
        .iter()
        .find(|m| m.medicine.name == "Atorvastatin 20 mg tablets")
        .expect("the replaced medicine is still listed");
    assert!(!replaced.medicine.active);

    // Offline, the summary read before is shown from the device, saying so.
    d.server.stop().await.unwrap();
    let offline = d
        .patient
        .visit_summary(&appointment, &Utc, Utc::now())
        .await
        .unwrap();
    assert!(matches!(
        offline.freshness,
        hale_core::Freshness::Offline {
            cached_at: Some(_),
            ..
        }
    ));
    assert_eq!(offline.found, VisitFound::Summary(s));
}
