//! Arrival from the app's use cases against a real reference hospital: check in, follow one's
//! place live, be told once when called, and see the board move.

use std::sync::{Arc, Mutex};
use std::time::{Duration as StdDuration, Instant};

use chrono::{Duration, Utc};
use hale_core::arrival::{follow_board, follow_queue, LiveSink};
use hale_core::watch::Notifier;
use hale_domain::queue::{QueueState, QueueStatus, WaitingTimes};
use hale_domain::reminder::ReminderText;
use hale_server::demo::seed::DEMO_STAFF;

#[derive(Default)]
struct Recorder {
    boards: Mutex<Vec<WaitingTimes>>,
    queue: Mutex<Vec<QueueStatus>>,
    shown: Mutex<Vec<ReminderText>>,
}

impl LiveSink for Recorder {
    fn waiting_times(&self, board: &WaitingTimes) {
        self.boards.lock().unwrap().push(board.clone());
    }
    fn queue(&self, status: &QueueStatus) {
        self.queue.lock().unwrap().push(status.clone());
    }
}

impl Notifier for Recorder {
    fn show(&self, text: &ReminderText) -> Result<(), String> {
        self.shown.lock().unwrap().push(text.clone());
        Ok(())
    }
}

async fn until(what: &str, check: impl Fn() -> bool) {
    let deadline = Instant::now() + StdDuration::from_secs(10);
    while !check() {
        assert!(Instant::now() < deadline, "not within 10 s: {what}");
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }
}

fn cardiology_waiting(board: &WaitingTimes) -> u32 {
    board
        .clinics
        .iter()
        .find(|c| c.clinic == "cl-cardiology")
        .map_or(0, |c| c.waiting)
}

#[tokio::test]
async fn a_checked_in_patient_follows_their_place_and_is_told_once_when_called() {
    let dir = tempfile::tempdir().unwrap();
    let demo = crate::common::demo(dir.path()).await;
    let (server, patient) = (&demo.server, demo.patient.clone());
    let appointment = demo
        .appointment_at("cl-cardiology", Utc::now() + Duration::minutes(10))
        .await;
    let recorder = Arc::new(Recorder::default());
    let _board = follow_board(patient.clone(), recorder.clone());
    until("a first board", || {
        !recorder.boards.lock().unwrap().is_empty()
    })
    .await;

    let status = patient.check_in(&appointment, Utc::now()).await.unwrap();
    assert_eq!(
        (status.state, status.position),
        (QueueState::Waiting, Some(1))
    );
    assert_eq!(status.clinic, "Cardiology");
    // The local copy knows the appointment is arrived.
    let home = patient.home(Utc::now()).await.unwrap();
    let mine = home
        .appointments
        .iter()
        .map(|u| &u.appointment)
        .find(|a| a.id == appointment)
        .unwrap();
    assert_eq!(mine.status, hale_domain::AppointmentStatus::Arrived);
    // Checking in again finds the same encounter.
    let again = patient.check_in(&appointment, Utc::now()).await.unwrap();
    assert_eq!(again.encounter, status.encounter);
    until("the board shows the arrival", || {
        recorder
            .boards
            .lock()
            .unwrap()
            .iter()
            .any(|b| cardiology_waiting(b) == 1)
    })
    .await;

    let _queue = follow_queue(
        patient.clone(),
        status.encounter.clone(),
        recorder.clone(),
        recorder.clone(),
    );
    until("the first status", || {
        !recorder.queue.lock().unwrap().is_empty()
    })
    .await;

    // Staff call the patient to a room.
    let http = reqwest::Client::new();
    let token: serde_json::Value = http
        .post(format!("http://{}/auth/token", server.addr))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", DEMO_STAFF.id),
            ("client_secret", DEMO_STAFF.secret),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let staff = token["access_token"].as_str().unwrap();
    let called = http
        .post(format!(
            "http://{}/api/clinics/cl-cardiology/call-next",
            server.addr
        ))
        .bearer_auth(staff)
        .json(&serde_json::json!({"room": "Room 3"}))
        .send()
        .await
        .unwrap();
    assert_eq!(called.status().as_u16(), 200);
    until("the call is announced", || {
        !recorder.shown.lock().unwrap().is_empty()
    })
    .await;
    let shown = recorder.shown.lock().unwrap().clone();
    assert_eq!(shown[0].body, "Please go to Room 3 now.");
    let last = recorder.queue.lock().unwrap().last().cloned().unwrap();
    assert_eq!(
        (last.state, last.room.as_deref()),
        (QueueState::Called, Some("Room 3"))
    );

    // A second follower (e.g. after a restart) does not announce the call again.
    let _again = follow_queue(
        patient.clone(),
        status.encounter.clone(),
        recorder.clone(),
        recorder.clone(),
    );
    tokio::time::sleep(StdDuration::from_millis(500)).await;
    assert_eq!(recorder.shown.lock().unwrap().len(), 1);
}
