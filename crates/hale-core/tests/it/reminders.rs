//! Appointment reminders from the app's use cases, against a real reference hospital and a real
//! SQLite store, with the clock passed in. Notifications are recorded here; the end-to-end
//! journey shows the app's own notifier reaching a real notification service.

use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Europe::London;
use hale_client::SlotQuery;
use hale_core::watch::{self, Notifier};
use hale_core::Patient;
use hale_domain::reminder::ReminderText;
use hale_domain::Lead;
use hale_server::demo::seed::DEMO_PATIENT;
use hale_server::{RunningServer, ServerOptions};

/// Records what it is asked to show; can be told to fail.
#[derive(Default)]
struct Recorder {
    shown: Mutex<Vec<ReminderText>>,
    failing: Mutex<bool>,
}

impl Notifier for Recorder {
    fn show(&self, text: &ReminderText) -> Result<(), String> {
        if *self.failing.lock().unwrap() {
            return Err("notification service gone".into());
        }
        self.shown.lock().unwrap().push(text.clone());
        Ok(())
    }
}

impl Recorder {
    fn bodies(&self) -> Vec<String> {
        self.shown
            .lock()
            .unwrap()
            .iter()
            .map(|t| t.body.clone())
            .collect()
    }
}

async fn setup(dir: &std::path::Path) -> (RunningServer, Arc<Patient>) {
    let url = format!("sqlite://{}", dir.join("hospital.sqlite").display());
    let server = hale_server::start(&ServerOptions::embedded_demo(url))
        .await
        .unwrap();
    let base = server.fhir_base();
    let patient = crate::common::signed_in(
        &base,
        &dir.join("app.sqlite"),
        Arc::new(crate::common::MemoryKeychain::default()),
        DEMO_PATIENT,
    )
    .await;
    (server, Arc::new(patient))
}

/// Two free ophthalmology slots on one day 20 days ahead, after every seeded booking. The search
/// starts at that day's midnight in the hospital's zone so the whole day's clinics are offered
/// whatever the time of day the test runs.
async fn two_slots(patient: &Patient) -> (String, DateTime<Utc>, String, DateTime<Utc>) {
    let day = (Utc::now().with_timezone(&London) + Duration::days(20)).date_naive();
    let midnight = day
        .and_hms_opt(0, 0, 0)
        .and_then(|t| t.and_local_timezone(London).earliest())
        .expect("midnight exists in London")
        .with_timezone(&Utc);
    let query = SlotQuery {
        service_code: Some("394594003".into()),
        from: Some(midnight),
        count: 20,
        ..SlotQuery::default()
    };
    let page = patient.find_slots(&query).await.unwrap();
    let first = &page.slots[0];
    let later = page
        .slots
        .iter()
        .find(|s| {
            s.start >= first.start + Duration::hours(1)
                && s.start.date_naive() == first.start.date_naive()
        })
        .expect("a later slot the same day");
    (first.id.clone(), first.start, later.id.clone(), later.start)
}

fn hhmm(t: DateTime<Utc>) -> String {
    t.with_timezone(&London).format("%H:%M").to_string()
}

#[tokio::test]
async fn reminders_follow_a_booking_through_a_move_and_a_cancellation() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, patient) = setup(dir.path()).await;
    let recorder = Recorder::default();
    patient
        .set_reminder_leads(&[Lead::Days(1), Lead::Minutes(120)])
        .await
        .unwrap();
    let (slot, start, later_slot, later) = two_slots(&patient).await;
    let booked = patient
        .book(&slot, "req-reminder-1", Utc::now())
        .await
        .unwrap();

    // The day before, just after the reminder fell due: one reminder, for this appointment.
    let day_before = start - Duration::days(1) + Duration::minutes(1);
    let next = patient
        .remind(&recorder, &London, day_before)
        .await
        .unwrap();
    assert_eq!(
        recorder.bodies(),
        [format!(
            "You have a hospital appointment tomorrow at {}. Open Hale for the details.",
            hhmm(start)
        )]
    );
    assert_eq!(next, Some(start - Duration::hours(2)));

    // Asking again (or after a restart: the record is in the store) shows nothing new.
    patient
        .remind(&recorder, &London, day_before)
        .await
        .unwrap();
    assert_eq!(recorder.bodies().len(), 1);

    // Moved later the same day: the new time is announced once, the old one is never repeated.
    patient
        .reschedule(&booked.id, &later_slot, Utc::now())
        .await
        .unwrap();
    let after_move = later - Duration::days(1) + Duration::minutes(1);
    patient
        .remind(&recorder, &London, after_move)
        .await
        .unwrap();
    let bodies = recorder.bodies();
    assert_eq!(bodies.len(), 2, "{bodies:?}");
    assert!(bodies[1].contains(&format!("tomorrow at {}", hhmm(later))));

    // Cancelled: its two-hours-before reminder never comes.
    patient.cancel(&booked.id, Utc::now()).await.unwrap();
    let next = patient
        .remind(&recorder, &London, later - Duration::minutes(119))
        .await
        .unwrap();
    assert_eq!(recorder.bodies().len(), 2);
    assert_eq!(next, None);
}

#[tokio::test]
async fn a_reminder_that_could_not_be_shown_is_tried_again() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, patient) = setup(dir.path()).await;
    let recorder = Recorder::default();
    patient
        .set_reminder_leads(&[Lead::Minutes(60)])
        .await
        .unwrap();
    let (slot, start, _, _) = two_slots(&patient).await;
    patient
        .book(&slot, "req-reminder-2", Utc::now())
        .await
        .unwrap();
    let due = start - Duration::minutes(59);

    *recorder.failing.lock().unwrap() = true;
    patient.remind(&recorder, &London, due).await.unwrap();
    assert!(recorder.bodies().is_empty());

    *recorder.failing.lock().unwrap() = false;
    patient
        .remind(&recorder, &London, due + Duration::minutes(1))
        .await
        .unwrap();
    assert_eq!(recorder.bodies().len(), 1);
    assert!(recorder.bodies()[0].contains("today at"));
}

#[tokio::test]
async fn invalid_leads_are_refused_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, patient) = setup(dir.path()).await;
    assert_eq!(patient.reminder_leads().await.unwrap(), Lead::DEFAULT);
    let refused = patient.set_reminder_leads(&[Lead::Days(40)]).await;
    assert!(matches!(
        refused,
        Err(hale_core::CoreError::InvalidLeads(_))
    ));
    assert_eq!(patient.reminder_leads().await.unwrap(), Lead::DEFAULT);
}

#[tokio::test]
async fn the_watch_task_shows_a_reminder_when_a_booking_makes_one_due() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, patient) = setup(dir.path()).await;
    patient.set_reminder_leads(&[Lead::Days(1)]).await.unwrap();
    let (slot, start, _, _) = two_slots(&patient).await;
    // The clock stands just inside the day-before window of the slot about to be booked.
    let now = start - Duration::hours(23);
    let clock: watch::Clock = Arc::new(move || now);
    let recorder = Arc::new(Recorder::default());
    let handle = watch::spawn(
        patient.clone(),
        recorder.clone(),
        London,
        clock,
        watch::WatchOptions::default(),
    );

    // The demo patient's medicines may remind of doses too; this test follows appointments.
    let appointment_reminders = || {
        recorder
            .bodies()
            .into_iter()
            .filter(|b| b.starts_with("You have a hospital appointment"))
            .collect::<Vec<_>>()
    };
    tokio::time::sleep(StdDuration::from_millis(300)).await;
    assert!(
        appointment_reminders().is_empty(),
        "{:?}",
        recorder.bodies()
    );

    // Booking changes the local copy, which wakes the task at once (no minute-long sleep).
    patient
        .book(&slot, "req-reminder-3", Utc::now())
        .await
        .unwrap();
    let deadline = std::time::Instant::now() + StdDuration::from_secs(10);
    while appointment_reminders().is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "no reminder within 10 s"
        );
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }
    assert!(appointment_reminders()[0].contains(&format!("tomorrow at {}", hhmm(start))));
    handle.stop().await;
}
