//! Readings the clinic takes at a visit, from the app's side against a real reference hospital
//! and a real SQLite store: recorded by staff in the console, copied into the patient's charts
//! once, marked as the clinic's, never relayed back, and caught up on after a gap.

use crate::common::{demo, Staff};
use chrono::{Duration, Utc};
use hale_domain::device::{ReadingKind, Vital};
use hale_server::demo::care_team::DEMO_DOCTOR;
use hale_server::demo::seed::DEMO_PATIENT;

#[tokio::test]
async fn a_reading_the_clinic_takes_reaches_the_patients_chart_once_marked_as_the_clinics() {
    let dir = tempfile::tempdir().unwrap();
    let d = demo(dir.path()).await;
    let start = Utc::now();
    let appointment = d
        .appointment_at("cl-cardiology", start + Duration::minutes(10))
        .await;
    d.patient.check_in(&appointment, start).await.unwrap();
    let db = hale_server::open_database(&d.db_url).await.unwrap();
    let encounter: String =
        sqlx::query_scalar("SELECT id FROM encounter WHERE appointment_id = $1")
            .bind(&appointment)
            .fetch_one(&db)
            .await
            .unwrap();
    // Nothing yet: the copy is empty, and asking changes nothing.
    assert_eq!(d.patient.sync_clinic_readings(Utc::now()).await.unwrap(), 0);

    let doctor = Staff::sign_in(&d.server, &DEMO_DOCTOR).await;
    let record = format!("/console/patients/{}/readings", DEMO_PATIENT.id);
    let form = [
        ("encounter", encounter.as_str()),
        ("key", "visit1"),
        ("systolic", "142"),
        ("diastolic", "88"),
    ];
    assert_eq!(doctor.post(&record, &form).await, 303);
    assert_eq!(d.patient.sync_clinic_readings(Utc::now()).await.unwrap(), 1);
    // Asked again (the copy overlaps the last one): the same reading is not stored twice.
    assert_eq!(d.patient.sync_clinic_readings(Utc::now()).await.unwrap(), 0);
    let pressures = d
        .patient
        .readings(ReadingKind::BloodPressure, start - Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(pressures.len(), 1);
    assert_eq!(pressures[0].encounter.as_deref(), Some(encounter.as_str()));
    assert_eq!(pressures[0].reading.value(Vital::Systolic), Some(142.0));
    // The copy asks only for what the hospital stored since a little before the newest it
    // has: a reading stored long before that (as no real one can be) is not asked for again.
    assert_eq!(
        doctor
            .post(
                &record,
                &[
                    ("encounter", &encounter),
                    ("key", "visit0"),
                    ("temperature", "37.9")
                ]
            )
            .await,
        303
    );
    sqlx::query(
        "UPDATE observation SET received_at = $1 WHERE encounter_id = $2 AND code = '8310-5'",
    )
    .bind(hale_server::DbTime(Utc::now() - Duration::hours(1)))
    .bind(&encounter)
    .execute(&db)
    .await
    .unwrap();
    assert_eq!(d.patient.sync_clinic_readings(Utc::now()).await.unwrap(), 0);
    // It came from the hospital: nothing waits to be relayed back.
    let (latest, unsynced) = d.patient.latest_readings().await.unwrap();
    assert_eq!(unsynced, 0);
    assert!(latest.iter().any(|r| r.encounter.is_some()));

    // While the hospital is away nothing is lost; what was recorded meanwhile comes next time.
    assert_eq!(
        doctor
            .post(
                &record,
                &[
                    ("encounter", &encounter),
                    ("key", "visit2"),
                    ("weight", "81.5")
                ]
            )
            .await,
        303
    );
    let addr = d.server.addr;
    let db_url = d.db_url.clone();
    d.server.stop().await.unwrap();
    assert!(d.patient.sync_clinic_readings(Utc::now()).await.is_err());
    let mut options = hale_server::ServerOptions::embedded_demo(db_url);
    options.simulate_demo_day = false;
    options.bind = addr;
    let server = hale_server::start(&options).await.unwrap();
    assert_eq!(d.patient.sync_clinic_readings(Utc::now()).await.unwrap(), 1);
    let weights = d
        .patient
        .readings(ReadingKind::BodyWeight, start - Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(weights.len(), 1);
    assert_eq!(weights[0].reading.value(Vital::BodyWeight), Some(81.5));
    server.stop().await.unwrap();
}
