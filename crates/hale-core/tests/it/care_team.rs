//! The care team from the patient's app, against a real reference hospital and its console:
//! the plan, a hospital alert and when the team saw it, the team's message (announced naming
//! who wrote it, never what), all shown offline from the saved copy; the plan's red limits
//! bounding the app's own alerts; and reminders to measure at the planned times.

use crate::common::{cuff, demo, pressure, Recorder, Staff};
use chrono::{Duration, NaiveTime, TimeZone, Utc};
use chrono_tz::Europe::London;
use hale_core::{CoreError, Freshness};
use hale_domain::device::ReadingKind;
use hale_server::demo::care_team::{DEMO_DOCTOR, DEMO_NURSE};
use hale_server::demo::seed::DEMO_PATIENT;

const CUFF: &str = "AA:00:00:00:00:0B";

#[tokio::test]
async fn the_care_team_shows_the_plan_an_alert_seen_and_a_message_and_keeps_them_offline() {
    let dir = tempfile::tempdir().unwrap();
    let d = demo(dir.path()).await;
    let now = Utc::now();
    let screen = d.patient.care_team(&London, now).await.unwrap();
    let plan = screen.plan.expect("the demo patient is enrolled");
    assert_eq!(plan.measurements.len(), 2);
    assert!(matches!(screen.freshness, Freshness::Live { .. }));

    // The cuff measures 185/125: stored, alerted on the device, relayed; the hospital raises it.
    d.patient.pair_device(&cuff(CUFF, now)).await.unwrap();
    let alerts = Recorder::default();
    d.patient
        .record_measurements(
            CUFF,
            &[(pressure(185, 125), now)],
            None,
            &London,
            &alerts,
            now,
        )
        .await
        .unwrap();
    d.patient.relay_pending(now).await.unwrap();
    let screen = d.patient.care_team(&London, now).await.unwrap();
    let raised = screen
        .alerts
        .iter()
        .find(|a| a.key == "out-of-range:blood-pressure")
        .expect("the hospital's alert");
    assert_eq!(raised.seen, None);

    // The nurse acknowledges it and writes; the app sees both.
    let nurse = Staff::sign_in(&d.server, &DEMO_NURSE).await;
    let db = hale_server::open_database(&d.db_url).await.unwrap();
    let (task,): (String,) = sqlx::query_as("SELECT id FROM task WHERE alert_id = $1")
        .bind(&raised.id)
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(
        nurse
            .post(&format!("/console/tasks/{task}/acknowledge"), &[])
            .await,
        303
    );
    let text = "Please sit quietly for five minutes and measure again.";
    assert_eq!(
        nurse
            .post(
                &format!("/console/patients/{}/message", DEMO_PATIENT.id),
                &[("text", text)]
            )
            .await,
        303
    );
    let later = Utc::now();
    let screen = d.patient.care_team(&London, later).await.unwrap();
    let seen = screen.alerts.iter().find(|a| a.id == raised.id).unwrap();
    assert!(seen.seen.is_some());
    assert_eq!(screen.messages.len(), 1);
    assert_eq!(screen.messages[0].from, DEMO_NURSE.name);

    let told = Recorder::default();
    d.patient.announce_messages(&told, later).await.unwrap();
    d.patient.announce_messages(&told, later).await.unwrap();
    let shown = told.0.lock().unwrap().clone();
    assert_eq!(shown.len(), 1, "once");
    assert!(shown[0].body.contains(DEMO_NURSE.name), "{:?}", shown[0]);
    assert!(
        !shown[0].body.contains("measure again"),
        "never what they wrote"
    );

    // Offline: the saved copy, saying so.
    d.server.stop().await.unwrap();
    let screen = d.patient.care_team(&London, later).await.unwrap();
    assert!(matches!(screen.freshness, Freshness::Offline { .. }));
    assert_eq!(screen.messages[0].text, text);
    assert!(screen
        .alerts
        .iter()
        .any(|a| a.id == raised.id && a.seen.is_some()));
}

#[tokio::test]
async fn the_plans_red_limit_bounds_the_apps_own_alerts_and_a_looser_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = demo(dir.path()).await;
    let doctor = Staff::sign_in(&d.server, &DEMO_DOCTOR).await;
    let status = doctor
        .post(
            &format!("/console/patients/{}/plan", DEMO_PATIENT.id),
            &[
                ("times_blood_pressure", "08:00, 20:00"),
                ("systolic_amber_high", "150"),
                ("systolic_red_high", "170"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let now = Utc::now();
    d.patient.refresh_care_team(now).await.unwrap();

    let mut thresholds = d.patient.thresholds().await.unwrap();
    thresholds.systolic_high = 175.0;
    let refused = d.patient.set_thresholds(&thresholds).await.unwrap_err();
    assert!(matches!(refused, CoreError::Device(_)), "{refused:?}");
    assert!(refused.to_string().contains("170"), "{refused}");
    thresholds.systolic_high = 165.0;
    d.patient.set_thresholds(&thresholds).await.unwrap();

    // 172 is under Hale's default of 180, but over the plan's 170 and the patient's 165.
    d.patient.pair_device(&cuff(CUFF, now)).await.unwrap();
    let alerts = Recorder::default();
    let recorded = d
        .patient
        .record_measurements(
            CUFF,
            &[(pressure(172, 90), now)],
            None,
            &London,
            &alerts,
            now,
        )
        .await
        .unwrap();
    assert_eq!(
        recorded.alerts.len(),
        1,
        "alerted at the plan's limit, not 180"
    );
}

#[tokio::test]
async fn a_planned_measurement_is_reminded_once_and_not_when_already_taken() {
    let dir = tempfile::tempdir().unwrap();
    let d = demo(dir.path()).await;
    d.patient.refresh_care_team(Utc::now()).await.unwrap();
    // Tomorrow at 08:05 and 20:05 in London, the plan's blood pressure and weight times.
    let tomorrow = Utc::now().with_timezone(&London).date_naive() + Duration::days(1);
    let at = |h, m| {
        London
            .from_local_datetime(&tomorrow.and_time(NaiveTime::from_hms_opt(h, m, 0).unwrap()))
            .unwrap()
            .with_timezone(&Utc)
    };
    let reminders = Recorder::default();
    let next = d
        .patient
        .remind_measurements(&reminders, &London, at(7, 0))
        .await
        .unwrap();
    assert_eq!(next, Some(at(8, 0)));
    assert!(reminders.bodies().is_empty());
    d.patient
        .remind_measurements(&reminders, &London, at(8, 5))
        .await
        .unwrap();
    d.patient
        .remind_measurements(&reminders, &London, at(8, 30))
        .await
        .unwrap();
    let bodies = reminders.bodies();
    assert_eq!(bodies.len(), 1, "{bodies:?}");
    assert!(
        bodies[0].contains("2 measurements"),
        "blood pressure and weight: {bodies:?}"
    );
    assert!(
        !bodies[0].to_lowercase().contains("blood"),
        "no health detail in the text"
    );

    // In the evening the cuff was used at 19:10: the 20:00 measurement needs no reminder.
    d.patient.pair_device(&cuff(CUFF, at(19, 0))).await.unwrap();
    d.patient
        .record_measurements(
            CUFF,
            &[(pressure(130, 80), at(19, 10))],
            None,
            &London,
            &Recorder::default(),
            at(19, 10),
        )
        .await
        .unwrap();
    d.patient
        .remind_measurements(&reminders, &London, at(20, 5))
        .await
        .unwrap();
    assert_eq!(reminders.bodies().len(), 1);
    let screen = d.patient.care_team(&London, at(20, 5)).await.unwrap();
    assert!(screen.measure_now.is_empty());
    assert_eq!(
        screen.next_measurement.map(|(k, _)| k),
        Some(ReadingKind::BloodPressure)
    );
}
