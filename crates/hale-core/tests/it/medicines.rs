//! Medicines from the app's use cases against a real reference hospital and a real SQLite store,
//! with the clock passed in: the demo prescriptions and their history, reminders that come once
//! per due time (and again after a snooze), catch-up after the app was closed, and dose records
//! logged offline that reach the hospital exactly once.

use std::sync::Arc;

use crate::common::{demo, Recorder};
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Europe::London;
use hale_client::HospitalClient;
use hale_core::medicines::{
    LogDose, MedicineError, NewMedicine, OwnSchedule, SEND_AFTER, UNDO_WINDOW,
};
use hale_core::{CoreError, Freshness};
use hale_domain::medication::adherence::DoseState;
use hale_domain::medication::{Outcome, SkipReason};
use hale_fhir::medication::DOSE_SYSTEM;
use hale_server::demo::seed::DEMO_PATIENT;

/// A fixed London day, far from the demo's real dates, so own medicines are alone on it.
fn on(day: u32, h: u32, m: u32) -> DateTime<Utc> {
    London
        .with_ymd_and_hms(2031, 3, day, h, m, 0)
        .unwrap()
        .with_timezone(&Utc)
}

fn daily_at(times: &[(u32, u32)]) -> NewMedicine {
    NewMedicine {
        name: "Vitamin D 1000 units".into(),
        dose: Some(1.0),
        unit: Some("capsule".into()),
        schedule: OwnSchedule::Daily {
            times: times
                .iter()
                .map(|(h, m)| NaiveTime::from_hms_opt(*h, *m, 0).unwrap())
                .collect(),
        },
        for_days: None,
    }
}

#[tokio::test]
async fn the_demo_prescriptions_arrive_with_their_history_and_todays_doses() {
    let dir = tempfile::tempdir().unwrap();
    let d = demo(dir.path()).await;
    let now = Utc::now();
    let m = d.patient.medicines(&London, now).await.unwrap();
    assert!(matches!(m.freshness, Freshness::Live { .. }));
    let names: Vec<&str> = m
        .medicines
        .iter()
        .map(|s| s.medicine.name.as_str())
        .collect();
    assert_eq!(names.len(), 6, "{names:?}");
    assert!(names.contains(&"Metformin 500 mg tablets"));
    let inhaler = m
        .medicines
        .iter()
        .find(|s| s.medicine.as_needed.is_some())
        .unwrap();
    assert!(inhaler.medicine.steps.is_empty());
    // Two weeks of history from the hospital: most doses taken, some missed, one or two skipped.
    assert!(m.month.settled() > 20, "{:?}", m.month);
    let percent = m.month.percent().unwrap();
    assert!((60..=95).contains(&percent), "{percent} {:?}", m.month);
    assert!(m.month.skipped >= 1 && m.month.missed >= 1);
    assert_eq!(m.unsynced, 0, "restored records are the hospital's already");
    // Metformin twice a day: two of today's doses at least (morning and evening).
    let today = now.with_timezone(&London).date_naive();
    let metformin_today = m
        .doses
        .iter()
        .filter(|d| {
            d.name.starts_with("Metformin") && d.due.with_timezone(&London).date_naive() == today
        })
        .count();
    assert_eq!(metformin_today, 2);
    d.server.stop().await.unwrap();
}

#[tokio::test]
async fn doses_logged_offline_reach_the_hospital_exactly_once_after_reconnecting() {
    let dir = tempfile::tempdir().unwrap();
    let d = demo(dir.path()).await;
    let now = Utc::now();
    let m = d.patient.medicines(&London, now).await.unwrap();
    // Up to three past or present doses not yet logged.
    let open: Vec<_> = m
        .doses
        .iter()
        .filter(|x| {
            matches!(
                x.state,
                DoseState::Due | DoseState::Late | DoseState::Missed | DoseState::Upcoming
            )
        })
        .take(3)
        .cloned()
        .collect();
    assert!(!open.is_empty());
    let addr = d.server.addr;
    d.server.stop().await.unwrap();

    let mut logged = Vec::new();
    for (i, dose) in open.iter().enumerate() {
        let outcome = if i == 1 {
            Outcome::Skipped {
                reason: SkipReason::SideEffects,
            }
        } else {
            Outcome::Taken { amount: None }
        };
        let log = LogDose {
            medicine_id: dose.medicine_id.clone(),
            slot: Some(dose.slot.clone()),
            outcome,
            at: Some(now),
        };
        logged.push(d.patient.log_dose(&log, &London, now).await.unwrap());
    }
    let offline = d.patient.medicines(&London, now).await.unwrap();
    assert!(matches!(offline.freshness, Freshness::Offline { .. }));
    assert_eq!(offline.unsynced, logged.len() as u32);
    // Sent once their undo window has passed.
    let later = now + SEND_AFTER;
    assert!(
        d.patient.sync_pending(later).await.is_err(),
        "the hospital is away"
    );

    // The hospital comes back on the same address.
    let mut options = hale_server::ServerOptions::embedded_demo(d.db_url.clone());
    options.bind = addr;
    options.simulate_demo_day = false;
    let server = hale_server::start(&options).await.unwrap();
    let report = d.patient.sync_pending(later).await.unwrap();
    assert_eq!((report.created, report.already_there), (logged.len(), 0));
    assert_eq!(
        d.patient.sync_pending(later).await.unwrap().created,
        0,
        "nothing left to send"
    );

    // Each record is on the server once, with what the patient said.
    let client = HospitalClient::new(&server.fhir_base()).unwrap();
    let birth = NaiveDate::parse_from_str(DEMO_PATIENT.birth_date, "%Y-%m-%d").unwrap();
    let session = client.dev_sign_in(DEMO_PATIENT.mrn, birth).await.unwrap();
    let held = client
        .medication_administrations(&session, now - Duration::days(2))
        .await
        .unwrap();
    for record in &logged {
        let copies: Vec<_> = held
            .iter()
            .filter(|a| a.identifier_value(DOSE_SYSTEM) == Some(record.key().as_str()))
            .collect();
        assert_eq!(copies.len(), 1, "{}", record.key());
        assert_eq!(copies[0].to_record().unwrap().outcome, record.outcome);
    }
    server.stop().await.unwrap();
}

#[tokio::test]
async fn a_record_whose_confirmation_was_lost_is_sent_again_and_stored_once() {
    let dir = tempfile::tempdir().unwrap();
    let d = demo(dir.path()).await;
    let now = Utc::now();
    let m = d.patient.medicines(&London, now).await.unwrap();
    let dose = m
        .doses
        .iter()
        .find(|x| x.state != DoseState::Skipped)
        .unwrap()
        .clone();
    let log = LogDose {
        medicine_id: dose.medicine_id.clone(),
        slot: Some(dose.slot.clone()),
        outcome: Outcome::Taken { amount: Some(1.0) },
        at: Some(now),
    };
    let record = match d.patient.log_dose(&log, &London, now).await {
        Ok(r) => r,
        Err(e) => panic!("{e}"),
    };
    // The send reached the hospital, but the app died before marking it: simulate by sending it
    // from outside, leaving the app's outbox as it was.
    let client = HospitalClient::new(&d.base).unwrap();
    let birth = NaiveDate::parse_from_str(DEMO_PATIENT.birth_date, "%Y-%m-%d").unwrap();
    let session = client.dev_sign_in(DEMO_PATIENT.mrn, birth).await.unwrap();
    let medicine = m
        .medicines
        .iter()
        .find(|s| s.medicine.id == record.medicine_id)
        .unwrap();
    client
        .send_doses(&session, DEMO_PATIENT.id, &[(&record, &medicine.medicine)])
        .await
        .unwrap();

    let report = d.patient.sync_pending(now + SEND_AFTER).await.unwrap();
    assert_eq!((report.created, report.already_there), (0, 1));
    let held = client
        .medication_administrations(&session, now - Duration::days(1))
        .await
        .unwrap();
    let copies = held
        .iter()
        .filter(|a| a.identifier_value(DOSE_SYSTEM) == Some(record.key().as_str()))
        .count();
    assert_eq!(copies, 1);
    d.server.stop().await.unwrap();
}

#[tokio::test]
async fn a_dose_undone_inside_its_window_never_reaches_the_hospital_and_one_past_it_is_final() {
    let dir = tempfile::tempdir().unwrap();
    let d = demo(dir.path()).await;
    let now = Utc::now();
    let m = d.patient.medicines(&London, now).await.unwrap();
    let dose = m
        .doses
        .iter()
        .find(|x| {
            matches!(
                x.state,
                DoseState::Due | DoseState::Late | DoseState::Missed | DoseState::Upcoming
            )
        })
        .unwrap()
        .clone();
    let log = LogDose {
        medicine_id: dose.medicine_id.clone(),
        slot: Some(dose.slot.clone()),
        outcome: Outcome::Taken { amount: None },
        at: Some(now),
    };
    let record = d.patient.log_dose(&log, &London, now).await.unwrap();
    assert_eq!(
        d.patient.next_final_dose(now).await.unwrap(),
        Some(now + SEND_AFTER),
        "the watch wakes when it can be sent"
    );
    assert_eq!(
        d.patient.sync_pending(now).await.unwrap().created,
        0,
        "held while it can be undone"
    );
    d.patient
        .undo_dose(&dose.medicine_id, &dose.slot, now + Duration::seconds(2))
        .await
        .unwrap();
    assert_eq!(d.patient.next_final_dose(now).await.unwrap(), None);
    assert_eq!(
        d.patient
            .sync_pending(now + UNDO_WINDOW)
            .await
            .unwrap()
            .created,
        0,
        "nothing left to send"
    );
    let client = HospitalClient::new(&d.base).unwrap();
    let birth = NaiveDate::parse_from_str(DEMO_PATIENT.birth_date, "%Y-%m-%d").unwrap();
    let session = client.dev_sign_in(DEMO_PATIENT.mrn, birth).await.unwrap();
    let copies = |held: &[hale_fhir::medication::MedicationAdministration]| {
        held.iter()
            .filter(|a| a.identifier_value(DOSE_SYSTEM) == Some(record.key().as_str()))
            .count()
    };
    let held = client
        .medication_administrations(&session, now - Duration::days(1))
        .await
        .unwrap();
    assert_eq!(copies(&held), 0, "the slip never reached the care team");

    // Taken again, and left past its window: final, sent once, and no longer undone.
    let again = now + Duration::seconds(3);
    d.patient.log_dose(&log, &London, again).await.unwrap();
    let past = again + UNDO_WINDOW;
    assert!(matches!(
        d.patient
            .undo_dose(&dose.medicine_id, &dose.slot, past)
            .await,
        Err(CoreError::Medicine(MedicineError::TooLateToUndo))
    ));
    assert_eq!(
        d.patient.sync_pending(past).await.unwrap().created,
        0,
        "a margin after the window, for an Undo already on its way"
    );
    assert_eq!(
        d.patient
            .sync_pending(again + SEND_AFTER)
            .await
            .unwrap()
            .created,
        1
    );
    let held = client
        .medication_administrations(&session, now - Duration::days(1))
        .await
        .unwrap();
    assert_eq!(copies(&held), 1);
    d.server.stop().await.unwrap();
}

#[tokio::test]
async fn a_dose_is_reminded_once_per_due_time_and_again_after_a_snooze() {
    let dir = tempfile::tempdir().unwrap();
    let d = demo(dir.path()).await;
    let p = &d.patient;
    let med = p
        .add_medicine(daily_at(&[(10, 10), (21, 0)]), &London, on(2, 9, 0))
        .await
        .unwrap();
    let shown = Recorder::default();

    let next = p.remind_doses(&shown, &London, on(2, 10, 9)).await.unwrap();
    assert_eq!(next, Some(on(2, 10, 10)));
    assert!(shown.bodies().is_empty());
    p.remind_doses(&shown, &London, on(2, 10, 10))
        .await
        .unwrap();
    p.remind_doses(&shown, &London, on(2, 10, 11))
        .await
        .unwrap();
    assert_eq!(
        shown.bodies(),
        ["A dose is due at 10:10. Open Hale to log it."]
    );

    let until = p
        .snooze_dose(&med.id, "2031-03-02T10:10", 15, &London, on(2, 10, 12))
        .await
        .unwrap();
    assert_eq!(until, on(2, 10, 27));
    let next = p
        .remind_doses(&shown, &London, on(2, 10, 20))
        .await
        .unwrap();
    assert_eq!(next, Some(on(2, 10, 27)));
    assert_eq!(shown.bodies().len(), 1);
    p.remind_doses(&shown, &London, on(2, 10, 27))
        .await
        .unwrap();
    p.remind_doses(&shown, &London, on(2, 10, 30))
        .await
        .unwrap();
    assert_eq!(
        shown.bodies().len(),
        2,
        "once more after the snooze, once only"
    );

    let log = LogDose {
        medicine_id: med.id.clone(),
        slot: Some("2031-03-02T10:10".into()),
        outcome: Outcome::Taken { amount: None },
        at: None,
    };
    p.log_dose(&log, &London, on(2, 10, 31)).await.unwrap();
    let next = p
        .remind_doses(&shown, &London, on(2, 10, 45))
        .await
        .unwrap();
    assert_eq!(next, Some(on(2, 21, 0)));
    assert_eq!(shown.bodies().len(), 2);

    // Logging the same dose again, a dose that does not exist, or one in the future is refused.
    let refused = |e: CoreError| match e {
        CoreError::Medicine(m) => m,
        other => panic!("{other}"),
    };
    let again = p.log_dose(&log, &London, on(2, 10, 50)).await.unwrap_err();
    assert_eq!(refused(again), MedicineError::AlreadyLogged);
    let nowhere = LogDose {
        slot: Some("2031-03-02T11:11".into()),
        ..log.clone()
    };
    assert_eq!(
        refused(
            p.log_dose(&nowhere, &London, on(2, 11, 30))
                .await
                .unwrap_err()
        ),
        MedicineError::UnknownDose
    );
    let ahead = LogDose {
        slot: Some("2031-03-02T21:00".into()),
        at: Some(on(2, 21, 0)),
        ..log
    };
    assert_eq!(
        refused(p.log_dose(&ahead, &London, on(2, 11, 0)).await.unwrap_err()),
        MedicineError::InTheFuture
    );
    d.server.stop().await.unwrap();
}

#[tokio::test]
async fn after_the_app_was_closed_due_doses_are_reminded_once_and_old_ones_show_as_missed() {
    let dir = tempfile::tempdir().unwrap();
    let d = demo(dir.path()).await;
    let med = d
        .patient
        .add_medicine(
            daily_at(&[(6, 0), (10, 10), (10, 40)]),
            &London,
            on(2, 5, 0),
        )
        .await
        .unwrap();
    let shown = Recorder::default();
    // Closed from 05:30 to 11:00: the 06:00 dose is past its four hours, the others are due.
    d.patient
        .remind_doses(&shown, &London, on(2, 5, 30))
        .await
        .unwrap();
    assert!(shown.bodies().is_empty());
    d.patient
        .remind_doses(&shown, &London, on(2, 11, 0))
        .await
        .unwrap();
    assert_eq!(
        shown.bodies(),
        [
            "A dose is due at 10:10. Open Hale to log it.",
            "A dose is due at 10:40. Open Hale to log it."
        ]
    );
    d.server.stop().await.unwrap();

    // A restart (a new process on the same store, offline now) repeats none and shows the state.
    let again = Arc::new(
        crate::common::restarted(&d.base, &dir.path().join("app.sqlite"), d.keychain.clone()).await,
    );
    again
        .remind_doses(&shown, &London, on(2, 11, 1))
        .await
        .unwrap();
    assert_eq!(shown.bodies().len(), 2);
    let m = again.medicines(&London, on(2, 11, 1)).await.unwrap();
    let states: Vec<(String, DoseState)> = m
        .doses
        .iter()
        .filter(|x| x.medicine_id == med.id)
        .map(|x| (x.slot.clone(), x.state))
        .collect();
    assert_eq!(
        states,
        [
            ("2031-03-02T06:00".to_owned(), DoseState::Missed),
            ("2031-03-02T10:10".to_owned(), DoseState::Due),
            ("2031-03-02T10:40".to_owned(), DoseState::Due),
        ]
    );
}

#[tokio::test]
async fn a_low_supply_is_counted_down_and_reminded_once_per_count() {
    let dir = tempfile::tempdir().unwrap();
    let d = demo(dir.path()).await;
    let p = &d.patient;
    let med = p
        .add_medicine(daily_at(&[(8, 0), (20, 0)]), &London, on(2, 7, 0))
        .await
        .unwrap();
    let shown = Recorder::default();
    // Twenty capsules at two a day last ten days: no reminder yet.
    p.set_supply(&med.id, 20.0, on(2, 7, 0)).await.unwrap();
    p.remind_doses(&shown, &London, on(2, 7, 1)).await.unwrap();
    assert!(shown.bodies().is_empty(), "{:?}", shown.bodies());
    // Taking doses counts the supply down; recounting to eight (four days) asks for more, once.
    let log = LogDose {
        medicine_id: med.id.clone(),
        slot: Some("2031-03-02T08:00".into()),
        outcome: Outcome::Taken { amount: None },
        at: None,
    };
    p.log_dose(&log, &London, on(2, 8, 5)).await.unwrap();
    let m = p.medicines_offline(&London, on(2, 8, 6)).await.unwrap();
    let supply = m
        .medicines
        .iter()
        .find(|s| s.medicine.id == med.id)
        .unwrap()
        .supply
        .unwrap();
    assert_eq!(supply.remaining, 19.0);
    p.set_supply(&med.id, 8.0, on(2, 9, 0)).await.unwrap();
    p.remind_doses(&shown, &London, on(2, 9, 1)).await.unwrap();
    p.remind_doses(&shown, &London, on(2, 9, 2)).await.unwrap();
    assert_eq!(
        shown.bodies(),
        ["One of your medicines will run out in 4 days. Open Hale to see which, and ask your GP or pharmacy for more."]
    );
    let refused = p.set_supply(&med.id, -1.0, on(2, 9, 3)).await.unwrap_err();
    assert!(matches!(
        refused,
        CoreError::Medicine(MedicineError::Invalid(_))
    ));
    d.server.stop().await.unwrap();
}

/// Calls `remind_doses` every five minutes from `from` to `to` (UTC), as the watch task would
/// with the clock passed in, and returns the instants at which a reminder was shown.
async fn walk(
    p: &hale_core::Patient,
    shown: &Recorder,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<DateTime<Utc>> {
    let mut at = Vec::new();
    let mut now = from;
    while now <= to {
        let before = shown.bodies().len();
        p.remind_doses(shown, &London, now).await.unwrap();
        at.extend(std::iter::repeat_n(now, shown.bodies().len() - before));
        now += Duration::minutes(5);
    }
    at
}

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

/// Daylight-saving changes and a clock set by hand, back and forward: each dose is reminded
/// once, none is lost, and the reminder comes at the slot's rule (a skipped 01:30 at the end of
/// the gap, a repeated 01:30 at its first occurrence).
#[tokio::test]
async fn clock_changes_neither_repeat_nor_drop_a_dose_reminder() {
    let dir = tempfile::tempdir().unwrap();
    let d = demo(dir.path()).await;
    let p = &d.patient;
    p.add_medicine(daily_at(&[(1, 30), (8, 0)]), &London, on(28, 12, 0))
        .await
        .unwrap();
    let shown = Recorder::default();

    // Spring forward, 30 March 2031: 01:00 GMT becomes 02:00 BST, so 01:30 does not happen and
    // is due at 02:00 BST (01:00 UTC); 08:00 BST is 07:00 UTC.
    let spring = walk(
        p,
        &shown,
        utc("2031-03-29T20:00:00Z"),
        utc("2031-03-30T09:00:00Z"),
    )
    .await;
    assert_eq!(
        spring,
        [utc("2031-03-30T01:00:00Z"), utc("2031-03-30T07:00:00Z")]
    );

    // Fall back, 26 October 2031: 02:00 BST becomes 01:00 GMT, so 01:30 happens twice (00:30
    // and 01:30 UTC) and is reminded at the first only; 08:00 GMT is 08:00 UTC.
    let autumn = walk(
        p,
        &shown,
        utc("2031-10-25T20:00:00Z"),
        utc("2031-10-26T09:00:00Z"),
    )
    .await;
    assert_eq!(
        autumn,
        [utc("2031-10-26T00:30:00Z"), utc("2031-10-26T08:00:00Z")]
    );

    // The clock set back an hour after a reminder, then running on past it again: no repeat.
    let shown_before = shown.bodies().len();
    let again = walk(
        p,
        &shown,
        utc("2031-10-26T07:10:00Z"),
        utc("2031-10-26T08:30:00Z"),
    )
    .await;
    assert!(
        again.is_empty(),
        "reminded again after the clock went back: {again:?}"
    );

    // The clock set forward 18 hours, over the next 01:30: that dose (due within the last four
    // hours) is reminded once, at the first look after the jump.
    let jump = walk(
        p,
        &shown,
        utc("2031-10-27T02:30:00Z"),
        utc("2031-10-27T02:30:00Z"),
    )
    .await;
    assert_eq!(jump, [utc("2031-10-27T02:30:00Z")]);
    // And back to before the jump, then forward again: nothing more until the 08:00 dose.
    let back = walk(
        p,
        &shown,
        utc("2031-10-26T12:00:00Z"),
        utc("2031-10-27T07:55:00Z"),
    )
    .await;
    assert!(
        back.is_empty(),
        "reminded again after the clock went back: {back:?}"
    );
    assert_eq!(shown.bodies().len(), shown_before + 1);
    d.server.stop().await.unwrap();
}

#[tokio::test]
async fn taken_on_a_dose_notification_logs_the_dose_once_as_the_screen_would() {
    use hale_core::notices::Answered;
    use hale_domain::notice::{About, NoticeAction};

    let dir = tempfile::tempdir().unwrap();
    let d = demo(dir.path()).await;
    let p = &d.patient;
    let med = p
        .add_medicine(daily_at(&[(10, 10), (10, 40)]), &London, on(2, 9, 0))
        .await
        .unwrap();
    let shown = Recorder::default();
    p.remind_doses(&shown, &London, on(2, 10, 10))
        .await
        .unwrap();
    let about = shown.0.lock().unwrap()[0].about.clone();
    let About::Doses { doses, .. } = &about else {
        panic!("a dose reminder is about its doses: {about:?}");
    };
    assert_eq!(doses.len(), 1);
    assert_eq!(doses[0].medicine_id, med.id);
    assert_eq!(doses[0].slot, "2031-03-02T10:10");
    // Buttons it does not carry do nothing.
    assert_eq!(
        p.answer_notice(&about, NoticeAction::Accept, &London, on(2, 10, 11))
            .await
            .unwrap(),
        Answered::NotOffered
    );

    // Taken twice (a double click, or the screen too) is one record.
    let answer = p
        .answer_notice(&about, NoticeAction::Taken, &London, on(2, 10, 11))
        .await
        .unwrap();
    assert_eq!(answer, Answered::Done);
    let again = p
        .answer_notice(&about, NoticeAction::Taken, &London, on(2, 10, 12))
        .await
        .unwrap();
    assert_eq!(again, Answered::AlreadyDone);
    let view = p.medicines_offline(&London, on(2, 10, 12)).await.unwrap();
    let taken: Vec<_> = view
        .doses
        .iter()
        .filter(|x| x.medicine_id == med.id && matches!(x.state, DoseState::Taken { .. }))
        .collect();
    assert_eq!(taken.len(), 1, "{:?}", view.doses);
    assert_eq!(taken[0].slot, "2031-03-02T10:10");
    // One record waits in the outbox the screen's records go through (the journey sees it
    // reach the hospital; this test's clock is years ahead of the hospital's).
    assert_eq!(view.unsynced, 1);

    // Snooze waits ten minutes, and then reminds once more; Skip records a skipped dose.
    p.remind_doses(&shown, &London, on(2, 10, 40))
        .await
        .unwrap();
    let second = shown.0.lock().unwrap()[1].about.clone();
    assert_eq!(
        p.answer_notice(&second, NoticeAction::Snooze, &London, on(2, 10, 41))
            .await
            .unwrap(),
        Answered::Done
    );
    let next = p
        .remind_doses(&shown, &London, on(2, 10, 45))
        .await
        .unwrap();
    assert_eq!(next, Some(on(2, 10, 51)));
    p.remind_doses(&shown, &London, on(2, 10, 51))
        .await
        .unwrap();
    let snoozed = shown.0.lock().unwrap()[2].about.clone();
    assert_eq!(
        snoozed, second,
        "the reminder after a snooze answers the same dose"
    );
    assert_eq!(
        p.answer_notice(&snoozed, NoticeAction::Skip, &London, on(2, 10, 52))
            .await
            .unwrap(),
        Answered::Done
    );
    let view = p.medicines_offline(&London, on(2, 10, 53)).await.unwrap();
    assert!(view
        .doses
        .iter()
        .any(|x| x.slot == "2031-03-02T10:40" && x.state == DoseState::Skipped));

    // A notification about someone else than the person in view records nothing.
    let elsewhere = About::Doses {
        patient: "someone-else".into(),
        doses: doses.clone(),
    };
    assert_eq!(
        p.answer_notice(&elsewhere, NoticeAction::Taken, &London, on(2, 10, 54))
            .await
            .unwrap(),
        Answered::NotInView
    );
    d.server.stop().await.unwrap();
}

/// Keeps what the watch hands the platform to schedule.
#[derive(Default)]
struct Platform(std::sync::Mutex<Vec<Vec<hale_core::watch::Scheduled>>>);

impl hale_core::watch::Notifier for Platform {
    fn show(&self, _: &hale_domain::reminder::ReminderText) -> Result<(), String> {
        Ok(())
    }

    fn schedule(&self, ahead: &[hale_core::watch::Scheduled]) {
        self.0.lock().unwrap().push(ahead.to_vec());
    }
}

#[tokio::test]
async fn the_doses_still_to_come_today_are_handed_to_the_platform_and_a_logged_one_is_withdrawn() {
    let dir = tempfile::tempdir().unwrap();
    let d = demo(dir.path()).await;
    let p = &d.patient;
    let med = p
        .add_medicine(daily_at(&[(10, 10), (21, 0)]), &London, on(2, 9, 0))
        .await
        .unwrap();
    let platform = Platform::default();
    p.remind_doses(&platform, &London, on(2, 9, 0))
        .await
        .unwrap();
    let last = |platform: &Platform| platform.0.lock().unwrap().last().cloned().unwrap();
    let ours = |set: Vec<hale_core::watch::Scheduled>| -> Vec<_> {
        set.into_iter()
            .filter(|s| s.key.contains(&med.id))
            .map(|s| (s.at, s.text.body_for(true)))
            .collect()
    };
    assert_eq!(
        ours(last(&platform)),
        [
            (on(2, 10, 10), "A dose is due at 10:10.".to_owned()),
            (on(2, 21, 0), "A dose is due at 21:00.".to_owned()),
        ]
    );

    // Logged at 10:15: the next pass withdraws it, and keeps the evening's.
    let log = LogDose {
        medicine_id: med.id.clone(),
        slot: Some("2031-03-02T10:10".into()),
        outcome: Outcome::Taken { amount: None },
        at: None,
    };
    p.log_dose(&log, &London, on(2, 10, 15)).await.unwrap();
    p.remind_doses(&platform, &London, on(2, 10, 16))
        .await
        .unwrap();
    assert_eq!(
        ours(last(&platform)),
        [(on(2, 21, 0), "A dose is due at 21:00.".to_owned())]
    );
    d.server.stop().await.unwrap();
}
