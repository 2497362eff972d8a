//! The kiosk's pre-visit form from the kiosk's use cases against a real reference hospital: a
//! check-in offers it, it opens blank (a public screen prefills nothing of the patient's), its
//! answers live in memory, it is sent once and then forgotten; one left untouched is forgotten
//! after the idle time, and the next check-in forgets the last person's.

use crate::common::demo;
use chrono::{Duration, NaiveDate, Utc};
use hale_client::HospitalClient;
use hale_core::forms::{FormError, FormStage};
use hale_core::kiosk::{Kiosk, KioskAnswer};
use hale_core::CoreError;
use hale_domain::questionnaire::Line;
use hale_domain::queue::KioskOutcome;
use hale_server::demo::seed::{DEMO_KIOSK, DEMO_PATIENT};

const IDLE: i64 = 120;

async fn kiosk_and_booking(d: &crate::common::Demo) -> (Kiosk, String, String) {
    let db = hale_server::open_database(&d.db_url).await.unwrap();
    let (appointment, reference) = hale_server::demo::seed::appointment_at(
        &db,
        DEMO_PATIENT.id,
        "cl-cardiology",
        Utc::now() + Duration::minutes(10),
    )
    .await
    .unwrap();
    let kiosk = Kiosk::new(
        HospitalClient::new(&d.base).unwrap(),
        DEMO_KIOSK.id.into(),
        DEMO_KIOSK.secret.into(),
        Duration::seconds(IDLE),
    );
    (kiosk, appointment, reference.to_string())
}

fn born() -> NaiveDate {
    DEMO_PATIENT.birth_date.parse().unwrap()
}

async fn stored_for(d: &crate::common::Demo, appointment: &str) -> i64 {
    let db = hale_server::open_database(&d.db_url).await.unwrap();
    sqlx::query_scalar("SELECT COUNT(*) FROM questionnaire_response WHERE appointment_id = $1")
        .bind(appointment)
        .fetch_one(&db)
        .await
        .unwrap()
}

fn closed(result: Result<hale_core::forms::PreVisitForm, CoreError>) -> bool {
    matches!(result, Err(CoreError::Form(FormError::Closed)))
}

#[tokio::test]
async fn a_kiosk_form_opens_blank_is_sent_once_and_is_then_forgotten() {
    let dir = tempfile::tempdir().unwrap();
    let d = demo(dir.path()).await;
    let (kiosk, appointment, reference) = kiosk_and_booking(&d).await;
    let now = Utc::now();
    let answer = kiosk.check_in(&reference, born(), now).await.unwrap();
    assert!(
        matches!(
            answer,
            KioskAnswer::Hospital(KioskOutcome::CheckedIn { form: Some(_), .. })
        ),
        "{answer:?}"
    );

    let form = kiosk.form(now).await.unwrap();
    assert_eq!(form.stage, FormStage::Open);
    assert_eq!(
        form.visit.appointment_id, None,
        "the kiosk is not told which"
    );
    assert_eq!(form.visit.service, "Cardiology");
    assert_eq!(
        form.title.as_deref(),
        Some("Before your heart clinic visit")
    );
    let answered = form
        .lines
        .iter()
        .filter(|l| matches!(l, Line::Question { answers, .. } if !answers.is_empty()))
        .count();
    assert_eq!(answered, 0, "nothing of the patient's is shown on a kiosk");
    assert_eq!(
        form.problems, 2,
        "chest pain and breathlessness are required"
    );

    // Refused while required answers are missing: nothing sent.
    let refused = kiosk.submit_form(now).await.unwrap();
    assert_eq!((refused.stage, refused.problems), (FormStage::Open, 2));
    assert_eq!(stored_for(&d, &appointment).await, 0);

    let form = kiosk
        .answer_form("symptoms#0/chest-pain#0", &["false".into()], now)
        .await
        .unwrap();
    assert_eq!(form.problems, 1);
    let typo = kiosk
        .answer_form("readings#0/weight#0", &["eighty".into()], now)
        .await
        .unwrap();
    assert_eq!(
        typo.problems, 2,
        "a value that does not fit is said at its question"
    );
    kiosk
        .answer_form("symptoms#0/breathless#0", &["heavy".into()], now)
        .await
        .unwrap();
    let sent = kiosk.submit_form(now).await.unwrap();
    assert_eq!(
        sent.stage,
        FormStage::Submitted {
            at: now,
            confirmed: true
        }
    );
    assert!(sent.lines.is_empty(), "the answers are not shown again");
    assert_eq!(stored_for(&d, &appointment).await, 1);
    assert!(closed(kiosk.form(now).await), "forgotten once sent");
    assert!(closed(kiosk.submit_form(now).await));
    assert_eq!(stored_for(&d, &appointment).await, 1);
}

#[tokio::test]
async fn an_untouched_kiosk_form_is_forgotten_after_the_idle_time_and_at_the_next_check_in() {
    let dir = tempfile::tempdir().unwrap();
    let d = demo(dir.path()).await;
    let (kiosk, appointment, reference) = kiosk_and_booking(&d).await;
    let now = Utc::now();
    kiosk.check_in(&reference, born(), now).await.unwrap();
    kiosk.form(now).await.unwrap();
    let later = now + Duration::seconds(IDLE - 1);
    kiosk
        .answer_form("symptoms#0/chest-pain#0", &["true".into()], later)
        .await
        .unwrap();
    // Each touch keeps it: twice almost the idle time, touched between.
    let still = later + Duration::seconds(IDLE - 1);
    assert!(kiosk.form(still).await.is_ok(), "touched since it opened");
    let too_late = still + Duration::seconds(IDLE + 1);
    assert!(
        closed(kiosk.form(too_late).await),
        "left untouched too long"
    );

    // Offered again; the next person's check-in (even one that does not match) forgets it.
    kiosk.check_in(&reference, born(), now).await.unwrap();
    kiosk.form(now).await.unwrap();
    let wrong = NaiveDate::from_ymd_opt(1999, 1, 1).unwrap();
    let answer = kiosk.check_in(&reference, wrong, now).await.unwrap();
    assert_eq!(answer, KioskAnswer::Hospital(KioskOutcome::NotMatched));
    assert!(closed(kiosk.form(now).await));
    // And the screen's "Done" forgets it too.
    kiosk.check_in(&reference, born(), now).await.unwrap();
    kiosk.form(now).await.unwrap();
    kiosk.forget().await;
    assert!(closed(kiosk.form(now).await));
    assert_eq!(stored_for(&d, &appointment).await, 0);
}

#[tokio::test]
async fn after_a_send_that_failed_the_answers_are_frozen_so_a_retry_sends_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let d = demo(dir.path()).await;
    let (kiosk, _, reference) = kiosk_and_booking(&d).await;
    let now = Utc::now();
    kiosk.check_in(&reference, born(), now).await.unwrap();
    kiosk.form(now).await.unwrap();
    for (path, value) in [
        ("symptoms#0/chest-pain#0", "false"),
        ("symptoms#0/breathless#0", "none"),
    ] {
        kiosk.answer_form(path, &[value.into()], now).await.unwrap();
    }
    d.server.stop().await.unwrap();
    let failed = kiosk.submit_form(now).await;
    assert!(matches!(failed, Err(CoreError::Hospital(_))), "{failed:?}");
    let changed = kiosk
        .answer_form("symptoms#0/chest-pain#0", &["true".into()], now)
        .await;
    assert!(
        matches!(changed, Err(CoreError::Form(FormError::AlreadySent))),
        "{changed:?}"
    );
    // Still there to send again, as it was.
    assert!(kiosk.form(now).await.is_ok());
}
