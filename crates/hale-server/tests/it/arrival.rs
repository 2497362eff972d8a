//! Arrival over real HTTP on a real SQLite file: check-in from the app and from a kiosk, the
//! arrival window, queue positions and estimates, staff calling and finishing visits, kiosk
//! rate limits, device scopes, and the live waiting-times stream.

use std::time::{Duration as StdDuration, Instant};

use crate::common::*;
use hale_server::demo::seed::{DEMO_KIOSK, DEMO_PATIENT, DEMO_STAFF, OTHER_PATIENT};
use reqwest::Method;
use serde_json::{json, Value};

async fn check_in(h: &Hospital, token: &str, appointment: &str) -> (u16, Value) {
    h.post(
        token,
        &format!("Appointment/{appointment}/$check-in"),
        json!({}),
    )
    .await
}

async fn status(h: &Hospital, token: &str, encounter: &str) -> Value {
    let (code, body) = h
        .api(Method::GET, token, &format!("queue/{encounter}"), None)
        .await;
    assert_eq!(code, 200, "{body}");
    body
}

async fn board(h: &Hospital, clinic: &str) -> Value {
    let (code, body) = h.api(Method::GET, "", "waiting-times", None).await;
    assert_eq!(code, 200, "{body}");
    body["clinics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["clinic"] == clinic)
        .cloned()
        .unwrap()
}

async fn kiosk(h: &Hospital, token: &str, reference: &str, born: &str) -> (u16, Value) {
    h.api(
        Method::POST,
        token,
        "kiosk/check-in",
        Some(json!({ "reference": reference, "birth_date": born })),
    )
    .await
}

#[tokio::test]
async fn check_in_opens_one_encounter_and_the_queue_follows_appointment_times_and_calls() {
    let h = hospital().await;
    let alex = h.token(&DEMO_PATIENT).await;
    let sam = h.token(&OTHER_PATIENT).await;
    let staff = h.device_token(&DEMO_STAFF).await;
    let (alex_appt, _) = h.appointment_in(DEMO_PATIENT.id, "cl-cardiology", 10).await;
    let (sam_appt, _) = h.appointment_in(OTHER_PATIENT.id, "cl-cardiology", 5).await;

    let (code, encounter) = check_in(&h, &alex, &alex_appt).await;
    assert_eq!(code, 201, "{encounter}");
    assert_eq!(encounter["resourceType"], "Encounter");
    assert_eq!(encounter["status"], "arrived");
    assert_eq!(encounter["class"]["code"], "AMB");
    assert_eq!(
        encounter["appointment"][0]["reference"],
        format!("Appointment/{alex_appt}")
    );
    let alex_enc = encounter["id"].as_str().unwrap().to_owned();
    // Checking in twice opens nothing new.
    let (code, again) = check_in(&h, &alex, &alex_appt).await;
    assert_eq!((code, again["id"].as_str()), (200, Some(alex_enc.as_str())));
    let (_, appointment) = h.get(&alex, &format!("Appointment/{alex_appt}")).await;
    assert_eq!(appointment["status"], "arrived");

    let (_, sam_enc) = check_in(&h, &sam, &sam_appt).await;
    let sam_enc = sam_enc["id"].as_str().unwrap().to_owned();
    // Sam's appointment is earlier, so Sam is called first though Alex came first.
    assert_eq!(status(&h, &sam, &sam_enc).await["position"], 1);
    let mine = status(&h, &alex, &alex_enc).await;
    assert_eq!(
        (mine["state"].as_str(), mine["position"].as_u64()),
        (Some("waiting"), Some(2))
    );
    assert!(
        mine["estimate_minutes"].as_i64().unwrap() >= 9,
        "not before their own time: {mine}"
    );
    // Nobody sees another patient's place.
    let (code, _) = h
        .api(Method::GET, &sam, &format!("queue/{alex_enc}"), None)
        .await;
    assert_eq!(code, 404);
    assert_eq!(board(&h, "cl-cardiology").await["waiting"], 2);

    // Staff call the next patient to a room: Sam.
    let (code, called) = h
        .api(
            Method::POST,
            &staff,
            "clinics/cl-cardiology/call-next",
            Some(json!({"room": "Room 4"})),
        )
        .await;
    assert_eq!(code, 200, "{called}");
    assert_eq!(called["encounter"], sam_enc.as_str());
    let sams = status(&h, &sam, &sam_enc).await;
    assert_eq!(
        (sams["state"].as_str(), sams["room"].as_str()),
        (Some("called"), Some("Room 4"))
    );
    assert_eq!(status(&h, &alex, &alex_enc).await["position"], 1);
    assert_eq!(board(&h, "cl-cardiology").await["waiting"], 1);

    // The visit ends: the appointment is fulfilled and its length joins the learned service time.
    let (code, _) = h
        .api(
            Method::POST,
            &staff,
            &format!("encounters/{sam_enc}/finish"),
            None,
        )
        .await;
    assert_eq!(code, 204);
    let (_, appointment) = h.get(&sam, &format!("Appointment/{sam_appt}")).await;
    assert_eq!(appointment["status"], "fulfilled");
    assert_eq!(status(&h, &sam, &sam_enc).await["state"], "finished");
    // Finishing twice is not found: the visit is no longer in progress.
    let (code, _) = h
        .api(
            Method::POST,
            &staff,
            &format!("encounters/{sam_enc}/finish"),
            None,
        )
        .await;
    assert_eq!(code, 404);
}

#[tokio::test]
async fn devices_can_do_only_their_job() {
    let h = hospital().await;
    let alex = h.token(&DEMO_PATIENT).await;
    let kiosk_token = h.device_token(&DEMO_KIOSK).await;
    let staff = h.device_token(&DEMO_STAFF).await;
    let call = |token: String| {
        let h = &h;
        async move {
            h.api(
                Method::POST,
                &token,
                "clinics/cl-cardiology/call-next",
                Some(json!({"room": "1"})),
            )
            .await
            .0
        }
    };
    assert_eq!(
        call(kiosk_token.clone()).await,
        403,
        "a kiosk cannot call patients"
    );
    assert_eq!(
        call(alex.clone()).await,
        403,
        "a patient token is no device token"
    );
    assert_eq!(call(staff.clone()).await, 404, "staff may; nobody waits");
    assert_eq!(kiosk(&h, &staff, "7K3M-9Q2C", "1984-06-12").await.0, 403);
    assert_eq!(kiosk(&h, &alex, "7K3M-9Q2C", "1984-06-12").await.0, 403);
    // A wrong device secret buys nothing.
    let r = h
        .http
        .post(format!("http://{}/auth/token", h.server.addr))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", DEMO_KIOSK.id),
            ("client_secret", "guess"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
}

#[tokio::test]
async fn check_in_outside_the_window_is_refused_with_a_code() {
    let h = hospital().await;
    let alex = h.token(&DEMO_PATIENT).await;
    let (early, _) = h
        .appointment_in(DEMO_PATIENT.id, "cl-dermatology", 120)
        .await;
    let (late, _) = h
        .appointment_in(DEMO_PATIENT.id, "cl-dermatology", -30)
        .await;
    let (code, outcome) = check_in(&h, &alex, &early).await;
    assert_eq!((code, refusal(&outcome)), (422, "arrival-too-early"));
    let (code, outcome) = check_in(&h, &alex, &late).await;
    assert_eq!((code, refusal(&outcome)), (422, "arrival-too-late"));
    let (sams, _) = h
        .appointment_in(OTHER_PATIENT.id, "cl-dermatology", 5)
        .await;
    assert_eq!(check_in(&h, &alex, &sams).await.0, 404);
}

#[tokio::test]
async fn a_kiosk_answers_every_attempt_explicitly_and_limits_failures() {
    let h = hospital().await;
    let k = h.device_token(&DEMO_KIOSK).await;
    let (_, reference) = h
        .appointment_in(DEMO_PATIENT.id, "cl-ophthalmology", 10)
        .await;
    let (_, early_ref) = h
        .appointment_in(DEMO_PATIENT.id, "cl-cardiology", 180)
        .await;
    let born = DEMO_PATIENT.birth_date;

    let (code, outcome) = kiosk(&h, &k, &reference, "1999-01-01").await;
    assert_eq!((code, outcome), (200, json!({"outcome": "not_matched"})));
    assert_eq!(
        kiosk(&h, &k, "not a reference", born).await.1["outcome"],
        "not_matched"
    );

    // Scanned or typed, with or without the dash, in any case.
    let typed = reference.replace('-', " ").to_lowercase();
    let (code, outcome) = kiosk(&h, &k, &typed, born).await;
    assert_eq!(code, 200, "{outcome}");
    assert_eq!(outcome["outcome"], "checked_in");
    assert_eq!(outcome["clinic"], "Ophthalmology");
    assert_eq!(outcome["location"], "Eye unit, level 3");
    assert_eq!(outcome["position"], 1);
    assert_eq!(
        kiosk(&h, &k, &reference, born).await.1["outcome"],
        "checked_in",
        "twice is fine"
    );

    // Too early: the person has matched, so the kiosk may say when check-in opens (half an
    // hour before the appointment, three hours from now).
    let (_, outcome) = kiosk(&h, &k, &early_ref, born).await;
    assert_eq!(outcome["outcome"], "see_reception", "{outcome}");
    assert_eq!(outcome["reason"], "arrival-too-early", "{outcome}");
    let opens: chrono::DateTime<chrono::Utc> = outcome["opens"].as_str().unwrap().parse().unwrap();
    let expected = chrono::Utc::now() + chrono::Duration::minutes(150);
    assert!(
        (opens - expected).num_seconds().abs() < 120,
        "{opens} vs {expected}"
    );

    // Five wrong dates of birth for one reference lock it, even with the right one after.
    for _ in 0..4 {
        kiosk(&h, &k, &early_ref, "2000-02-02").await;
    }
    let (code, outcome) = kiosk(&h, &k, &early_ref, "2000-02-02").await;
    assert_eq!(code, 200, "the fifth failure is still answered: {outcome}");
    let (code, outcome) = kiosk(&h, &k, &early_ref, born).await;
    assert_eq!(
        (code, outcome),
        (429, json!({"outcome": "too_many_attempts"}))
    );
    // Another reference from the same kiosk is not locked yet.
    assert_eq!(kiosk(&h, &k, &reference, born).await.0, 200);
}

#[tokio::test]
async fn a_kiosk_is_locked_after_too_many_failures_across_references() {
    let h = hospital().await;
    let k = h.device_token(&DEMO_KIOSK).await;
    let (_, reference) = h
        .appointment_in(DEMO_PATIENT.id, "cl-ophthalmology", 10)
        .await;
    for n in 0..20 {
        kiosk(&h, &k, &format!("guess-{n}"), "2000-01-01").await;
    }
    let (code, _) = kiosk(&h, &k, &reference, DEMO_PATIENT.birth_date).await;
    assert_eq!(code, 429);
}

#[tokio::test]
async fn live_streams_push_the_board_and_the_patients_call() {
    let h = hospital().await;
    let alex = h.token(&DEMO_PATIENT).await;
    let staff = h.device_token(&DEMO_STAFF).await;
    let mut board = h
        .http
        .get(format!("http://{}/api/waiting-times/events", h.server.addr))
        .send()
        .await
        .unwrap();
    assert_eq!(
        board.headers()["content-type"].to_str().unwrap(),
        "text/event-stream"
    );
    let first = next_event(&mut board, |_| true).await;
    assert_eq!(waiting_in(&first, "cl-cardiology"), 0);

    let (appt, _) = h.appointment_in(DEMO_PATIENT.id, "cl-cardiology", 10).await;
    let (_, encounter) = check_in(&h, &alex, &appt).await;
    let encounter = encounter["id"].as_str().unwrap().to_owned();
    next_event(&mut board, |b| waiting_in(b, "cl-cardiology") == 1).await;

    let mut mine = h
        .http
        .get(format!(
            "http://{}/api/queue/{encounter}/events",
            h.server.addr
        ))
        .bearer_auth(&alex)
        .send()
        .await
        .unwrap();
    assert_eq!(next_event(&mut mine, |_| true).await["position"], 1);
    h.api(
        Method::POST,
        &staff,
        "clinics/cl-cardiology/call-next",
        Some(json!({"room": "Room 2"})),
    )
    .await;
    let called = next_event(&mut mine, |s| s["state"] == "called").await;
    assert_eq!(called["room"], "Room 2");
    next_event(&mut board, |b| waiting_in(b, "cl-cardiology") == 0).await;

    // Without the patient's token, no stream.
    let r = h
        .http
        .get(format!(
            "http://{}/api/queue/{encounter}/events",
            h.server.addr
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
}

#[tokio::test]
async fn the_demo_day_moves_the_queues_by_itself() {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database(&dir).await;
    let server = hale_server::start(&hale_server::ServerOptions::embedded_demo(url))
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let deadline = Instant::now() + StdDuration::from_secs(30);
    loop {
        let board: Value = http
            .get(format!("http://{}/api/waiting-times", server.addr))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let anyone = board["clinics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["waiting"].as_u64().unwrap_or(0) > 0);
        if anyone {
            break;
        }
        assert!(Instant::now() < deadline, "nobody arrived in 30 s: {board}");
        tokio::time::sleep(StdDuration::from_millis(500)).await;
    }
    server.stop().await.unwrap();
}

#[tokio::test]
async fn stopping_the_server_ends_live_streams_instead_of_waiting_for_them() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("h.sqlite").display());
    let mut options = hale_server::ServerOptions::embedded_demo(url);
    options.simulate_demo_day = false;
    let server = hale_server::start(&options).await.unwrap();
    let mut board = reqwest::Client::new()
        .get(format!("http://{}/api/waiting-times/events", server.addr))
        .send()
        .await
        .unwrap();
    next_event(&mut board, |_| true).await;
    let started = Instant::now();
    server.stop().await.unwrap();
    assert!(
        started.elapsed() < StdDuration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    // The client sees its stream end.
    let end = tokio::time::timeout(StdDuration::from_secs(2), board.chunk()).await;
    assert!(matches!(end, Ok(Ok(None)) | Ok(Err(_))), "{end:?}");
}

#[tokio::test]
async fn many_rooms_calling_at_once_each_get_an_answer_and_no_one_is_called_twice() {
    // A call reads the queue inside its writing transaction, on that transaction's connection:
    // reading it through a second pool connection deadlocked once every pool connection was
    // held by a call waiting for the write lock (found by the bookings benchmark).
    let h = hospital().await;
    let staff = h.device_token(&DEMO_STAFF).await;
    let mut waiting = Vec::new();
    for (patient, minutes) in [(&DEMO_PATIENT, 10), (&OTHER_PATIENT, 5)] {
        let token = h.token(patient).await;
        let (appointment, _) = h.appointment_in(patient.id, "cl-cardiology", minutes).await;
        let (code, encounter) = check_in(&h, &token, &appointment).await;
        assert_eq!(code, 201, "{encounter}");
        waiting.push(id(&encounter));
    }
    let calls = (0..24).map(|n| {
        let (h, staff) = (&h, staff.clone());
        async move {
            h.api(
                Method::POST,
                &staff,
                "clinics/cl-cardiology/call-next",
                Some(json!({"room": format!("Room {n}")})),
            )
            .await
        }
    });
    let answers = futures_join_all(calls).await;
    let mut called: Vec<String> = answers
        .iter()
        .filter(|(code, _)| *code == 200)
        .map(|(_, body)| body["encounter"].as_str().unwrap().to_owned())
        .collect();
    called.sort();
    waiting.sort();
    assert_eq!(called, waiting, "{answers:?}");
    assert!(
        answers.iter().all(|(code, _)| *code == 200 || *code == 404),
        "{answers:?}"
    );
}
