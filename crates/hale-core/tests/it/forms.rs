//! Pre-visit forms from the app's use cases against a real reference hospital and a real
//! SQLite store: the cardiology form prefilled from the device's medicines and the hospital's
//! allergies, answers checked as given, a send refused while required answers are missing, a
//! form sent offline that reaches the hospital exactly once, and a draft that outlives a restart.

use crate::common::{demo, restarted};
use chrono::{Duration, Utc};
use chrono_tz::Europe::London;
use hale_core::forms::{FormError, FormStage, PreVisitForm};
use hale_core::CoreError;
use hale_domain::questionnaire::{Answer, Line, ProblemKind};

async fn cardiology(d: &crate::common::Demo) -> String {
    let home = d.patient.home(Utc::now()).await.unwrap();
    home.appointments
        .iter()
        .find(|u| u.appointment.service == "Cardiology")
        .expect("the demo's cardiology appointment, two days ahead")
        .appointment
        .id
        .clone()
}

fn question<'a>(form: &'a PreVisitForm, path: &str) -> &'a Line {
    form.lines
        .iter()
        .find(|l| matches!(l, Line::Question { path: p, .. } if p.to_string() == path))
        .unwrap_or_else(|| panic!("no question at {path}"))
}

fn answers(form: &PreVisitForm, path: &str) -> Vec<Answer> {
    match question(form, path) {
        Line::Question { answers, .. } => answers.clone(),
        _ => unreachable!(),
    }
}

fn problem(form: &PreVisitForm, path: &str) -> Option<ProblemKind> {
    match question(form, path) {
        Line::Question { problem, .. } => *problem,
        _ => unreachable!(),
    }
}

fn medicine_count(form: &PreVisitForm) -> usize {
    form.lines
        .iter()
        .filter(|l| matches!(l, Line::Group { path, .. } if path.link_id() == "medicines"))
        .count()
}

async fn responses_held(db_url: &str) -> Vec<String> {
    let db = hale_server::open_database(db_url).await.unwrap();
    sqlx::query_scalar("SELECT resource FROM questionnaire_response")
        .fetch_all(&db)
        .await
        .unwrap()
}

/// Answers every required question of the cardiology form, keeping each medicine as prescribed.
async fn fill_in(p: &hale_core::Patient, id: &str, form: &PreVisitForm) -> PreVisitForm {
    let now = Utc::now();
    p.answer_form(id, "symptoms#0/chest-pain#0", &["false".into()], now)
        .await
        .unwrap();
    let mut last = p
        .answer_form(id, "symptoms#0/breathless#0", &["heavy".into()], now)
        .await
        .unwrap();
    for n in 0..medicine_count(form) {
        last = p
            .answer_form(
                id,
                &format!("medicines#{n}/taking#0"),
                &["as-prescribed".into()],
                now,
            )
            .await
            .unwrap();
    }
    last
}

#[tokio::test]
async fn the_form_begins_with_the_patients_medicines_and_recorded_allergies() {
    let dir = tempfile::tempdir().unwrap();
    let d = demo(dir.path()).await;
    d.patient
        .refresh_medicines(&London, Utc::now())
        .await
        .unwrap();
    let id = cardiology(&d).await;
    let form = d.patient.pre_visit_form(&id, Utc::now()).await.unwrap();
    assert_eq!(form.stage, FormStage::Open);
    assert_eq!(
        form.title.as_deref(),
        Some("Before your heart clinic visit")
    );
    assert_eq!(
        answers(&form, "allergies#0"),
        [
            Answer::String("Penicillin".into()),
            Answer::String("Latex".into())
        ]
    );
    assert_eq!(
        medicine_count(&form),
        6,
        "one filling-in per demo prescription"
    );
    let Answer::String(first) = &answers(&form, "medicines#0/medicine#0")[0] else {
        panic!("a medicine's name and instructions")
    };
    assert!(!first.is_empty());
    assert!(
        !form.lines.iter().any(
            |l| matches!(l, Line::Question { path, .. } if path.link_id() == "chest-pain-when")
        ),
        "asked only after chest pain"
    );
    // Opening it again finds the same draft, not a new one.
    let again = d.patient.pre_visit_form(&id, Utc::now()).await.unwrap();
    assert_eq!(again.lines, form.lines);
    d.server.stop().await.unwrap();
}

#[tokio::test]
async fn a_value_that_does_not_fit_is_refused_at_its_question_and_keeps_the_earlier_answer() {
    let dir = tempfile::tempdir().unwrap();
    let d = demo(dir.path()).await;
    let id = cardiology(&d).await;
    let now = Utc::now();
    d.patient.pre_visit_form(&id, now).await.unwrap();
    d.patient
        .answer_form(&id, "readings#0/weight#0", &["82.5".into()], now)
        .await
        .unwrap();
    let refused = d
        .patient
        .answer_form(&id, "readings#0/weight#0", &["eighty".into()], now)
        .await
        .unwrap();
    assert_eq!(
        problem(&refused, "readings#0/weight#0"),
        Some(ProblemKind::NotANumber)
    );
    assert_eq!(
        answers(&refused, "readings#0/weight#0"),
        [Answer::Decimal(82.5)]
    );
    let err = d
        .patient
        .answer_form(&id, "medicines#0/medicine#0", &["Aspirin".into()], now)
        .await
        .unwrap_err();
    assert!(
        matches!(err, CoreError::Form(FormError::Path(_))),
        "read-only: {err:?}"
    );
    let err = d
        .patient
        .answer_form(&id, "nowhere#0", &["x".into()], now)
        .await
        .unwrap_err();
    assert!(
        matches!(err, CoreError::Form(FormError::Path(_))),
        "{err:?}"
    );
    d.server.stop().await.unwrap();
}

#[tokio::test]
async fn a_form_sent_offline_reaches_the_hospital_once_with_its_answers() {
    let dir = tempfile::tempdir().unwrap();
    let d = demo(dir.path()).await;
    d.patient
        .refresh_medicines(&London, Utc::now())
        .await
        .unwrap();
    let id = cardiology(&d).await;
    let form = d.patient.pre_visit_form(&id, Utc::now()).await.unwrap();

    let refused = d.patient.submit_form(&id, Utc::now()).await.unwrap();
    assert_eq!(
        refused.stage,
        FormStage::Open,
        "required answers are missing"
    );
    assert!(refused.problems >= 2, "{}", refused.problems);
    assert_eq!(
        problem(&refused, "symptoms#0/chest-pain#0"),
        Some(ProblemKind::Required)
    );

    // The hospital goes away; the patient fills the form in and sends it.
    let addr = d.server.addr;
    d.server.stop().await.unwrap();
    fill_in(&d.patient, &id, &form).await;
    let sent = d.patient.submit_form(&id, Utc::now()).await.unwrap();
    assert!(
        matches!(
            sent.stage,
            FormStage::Submitted {
                confirmed: false,
                ..
            }
        ),
        "{:?}",
        sent.stage
    );
    let twice = d.patient.submit_form(&id, Utc::now()).await.unwrap();
    assert_eq!(twice.stage, sent.stage, "a second tap changes nothing");
    let err = d
        .patient
        .answer_form(&id, "questions#0", &["Can I drive?".into()], Utc::now())
        .await
        .unwrap_err();
    assert!(
        matches!(err, CoreError::Form(FormError::AlreadySent)),
        "{err:?}"
    );

    // The app starts again with the hospital still away: the form waits in the outbox.
    let again = restarted(&d.base, &dir.path().join("app.sqlite"), d.keychain.clone()).await;
    assert!(again.sync_forms(Utc::now()).await.is_err());

    // The hospital comes back on the same address.
    let mut options = hale_server::ServerOptions::embedded_demo(d.db_url.clone());
    options.bind = addr;
    options.simulate_demo_day = false;
    let server = hale_server::start(&options).await.unwrap();
    assert_eq!(again.sync_forms(Utc::now()).await.unwrap(), 1);
    assert_eq!(
        again.sync_forms(Utc::now()).await.unwrap(),
        0,
        "nothing left to send"
    );
    let confirmed = again.pre_visit_form(&id, Utc::now()).await.unwrap();
    assert!(matches!(
        confirmed.stage,
        FormStage::Submitted {
            confirmed: true,
            ..
        }
    ));

    let held = responses_held(&d.db_url).await;
    assert_eq!(held.len(), 1);
    let qr: serde_json::Value = serde_json::from_str(&held[0]).unwrap();
    assert_eq!(qr["status"], "completed");
    assert_eq!(qr["subject"]["reference"], "Patient/pt-0001");
    assert_eq!(qr["item"][0]["linkId"], "symptoms");
    assert_eq!(qr["item"][0]["item"][0]["answer"][0]["valueBoolean"], false);
    assert_eq!(
        qr["extension"][0]["valueReference"]["reference"],
        format!("Appointment/{id}")
    );
    server.stop().await.unwrap();
}

#[tokio::test]
async fn a_form_opens_a_week_before_its_appointment_and_not_before() {
    let dir = tempfile::tempdir().unwrap();
    let d = demo(dir.path()).await;
    let start = Utc::now() + Duration::days(20);
    let id = d.appointment_at("cl-dermatology", start).await;
    d.patient.home(Utc::now()).await.unwrap();
    let early = d.patient.pre_visit_form(&id, Utc::now()).await.unwrap();
    assert!(
        matches!(early.stage, FormStage::NotYet { .. }),
        "{:?}",
        early.stage
    );
    assert!(early.lines.is_empty());
    let opened = d
        .patient
        .pre_visit_form(&id, start - Duration::days(6))
        .await
        .unwrap();
    assert_eq!(opened.stage, FormStage::Open);
    assert_eq!(opened.title.as_deref(), Some("Before your visit"));
    d.server.stop().await.unwrap();
}

#[tokio::test]
async fn two_answers_given_at_once_both_stay() {
    let dir = tempfile::tempdir().unwrap();
    let d = demo(dir.path()).await;
    let id = cardiology(&d).await;
    let now = Utc::now();
    d.patient.pre_visit_form(&id, now).await.unwrap();
    let p = &d.patient;
    let (yes, drive) = (vec!["true".to_owned()], vec!["Can I drive?".to_owned()]);
    let (a, b) = tokio::join!(
        p.answer_form(&id, "symptoms#0/chest-pain#0", &yes, now),
        p.answer_form(&id, "questions#0", &drive, now),
    );
    a.unwrap();
    b.unwrap();
    let form = p.pre_visit_form(&id, now).await.unwrap();
    assert_eq!(
        answers(&form, "symptoms#0/chest-pain#0"),
        [Answer::Boolean(true)]
    );
    assert_eq!(
        answers(&form, "questions#0"),
        [Answer::String("Can I drive?".into())]
    );
    d.server.stop().await.unwrap();
}

#[tokio::test]
async fn answers_the_hospital_refuses_for_good_leave_the_outbox_and_the_screen_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let d = demo(dir.path()).await;
    d.patient
        .refresh_medicines(&London, Utc::now())
        .await
        .unwrap();
    let id = cardiology(&d).await;
    let form = d.patient.pre_visit_form(&id, Utc::now()).await.unwrap();
    let addr = d.server.addr;
    d.server.stop().await.unwrap();
    fill_in(&d.patient, &id, &form).await;
    d.patient.submit_form(&id, Utc::now()).await.unwrap();

    // Meanwhile the hospital withdrew the form the answers were given to.
    let mut options = hale_server::ServerOptions::embedded_demo(d.db_url.clone());
    options.bind = addr;
    options.simulate_demo_day = false;
    let server = hale_server::start(&options).await.unwrap();
    let db = hale_server::open_database(&d.db_url).await.unwrap();
    sqlx::query("UPDATE questionnaire SET url = 'https://elsewhere.example/withdrawn' WHERE id = 'pre-visit-cardiology'")
        .execute(&db)
        .await
        .unwrap();
    assert_eq!(d.patient.sync_forms(Utc::now()).await.unwrap(), 0);
    let refused = d.patient.pre_visit_form(&id, Utc::now()).await.unwrap();
    assert!(
        matches!(refused.stage, FormStage::Refused { .. }),
        "{:?}",
        refused.stage
    );
    assert_eq!(
        d.patient.sync_forms(Utc::now()).await.unwrap(),
        0,
        "not sent again"
    );
    assert!(responses_held(&d.db_url).await.is_empty());
    server.stop().await.unwrap();
}
