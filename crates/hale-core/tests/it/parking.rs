//! Parking from the app's use cases against a real reference hospital: vehicles on the device,
//! paying with a retry-safe key, the saved copy offline, and the reminder before parking runs
//! out (time passed in, once only).

use crate::common::{card, Recorder};
use chrono::{Duration, Utc};
use chrono_tz::Europe::London;
use hale_core::{CoreError, Freshness};

#[tokio::test]
async fn pay_once_see_it_offline_and_be_reminded_before_it_runs_out() {
    let dir = tempfile::tempdir().unwrap();
    let demo = crate::common::demo(dir.path()).await;
    let (server, patient) = (demo.server, demo.patient);

    assert!(matches!(
        patient.save_vehicle("not a reg", None).await,
        Err(CoreError::InvalidRegistration(_))
    ));
    let car = patient
        .save_vehicle("ab12 cde", Some("Fiesta"))
        .await
        .unwrap();
    assert_eq!(car.registration, "AB12CDE");
    assert_eq!(patient.vehicles().await.unwrap(), vec![car.clone()]);

    let now = Utc::now();
    let first = patient
        .start_parking("cp-main", &car.registration, 60, &card(), "core-key-1", now)
        .await
        .unwrap();
    assert!(first.running);
    let first = first.session;
    // The same decision retried (a lost answer, say) is the same session, paid once.
    let again = patient
        .start_parking("cp-main", &car.registration, 60, &card(), "core-key-1", now)
        .await
        .unwrap()
        .session;
    assert_eq!(first.id, again.id);
    assert_eq!(first.receipts.len(), 1);

    server.stop().await.unwrap();
    let offline = patient.parking(Utc::now()).await.unwrap();
    assert!(matches!(offline.freshness, Freshness::Offline { .. }));
    // The saved copy is the session as paid, receipt and all, and still running.
    assert_eq!(offline.stays.len(), 1);
    assert_eq!(offline.stays[0].session, first);
    assert!(offline.stays[0].running);
    // Car parks and concessions need the hospital; the vehicles are on the device.
    assert!(offline.car_parks.is_empty() && offline.concessions.is_empty());
    assert_eq!(offline.vehicles, vec![car.clone()]);

    // 15 minutes before the end, once; nothing earlier, nothing twice.
    let recorder = Recorder::default();
    let early = first.expires - Duration::minutes(20);
    let next = patient
        .remind_parking(&recorder, &London, early)
        .await
        .unwrap();
    assert_eq!(next, Some(first.expires - Duration::minutes(15)));
    assert!(recorder.0.lock().unwrap().is_empty());
    let due = first.expires - Duration::minutes(14);
    patient
        .remind_parking(&recorder, &London, due)
        .await
        .unwrap();
    patient
        .remind_parking(&recorder, &London, due)
        .await
        .unwrap();
    let shown = recorder.0.lock().unwrap().clone();
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0].title, "Parking ends soon");
    assert!(shown[0].body.contains("Main car park"), "{}", shown[0].body);
}

#[tokio::test]
async fn a_wait_that_outlasts_the_parking_is_flagged_once_with_an_extension() {
    let dir = tempfile::tempdir().unwrap();
    let demo = crate::common::demo(dir.path()).await;
    let appointment = demo
        .appointment_at("cl-cardiology", Utc::now() + Duration::minutes(10))
        .await;
    let patient = &demo.patient;
    let now = Utc::now();
    // Fifteen minutes of parking; the appointment is in ten and lasts twenty.
    patient
        .start_parking("cp-main", "AB12CDE", 15, &card(), "short-1", now)
        .await
        .unwrap();
    let status = patient.check_in(&appointment, now).await.unwrap();
    let recorder = Recorder::default();
    let offer = patient
        .warn_parking_short(&recorder, &London, &status, now)
        .await
        .unwrap();
    assert_eq!(offer, Some(30));
    patient
        .warn_parking_short(&recorder, &London, &status, now)
        .await
        .unwrap();
    let shown = recorder.0.lock().unwrap().clone();
    assert_eq!(shown.len(), 1, "once");
    assert_eq!(shown[0].title, "Your parking may run out");
    assert!(
        shown[0].body.contains("extend it by 30 minutes"),
        "{}",
        shown[0].body
    );
}
