//! The pre-visit form (issue 27): the patient opens the cardiology appointment's form, finds
//! their medicines and recorded allergies already in it, answers, loses the hospital, sends the
//! form anyway, and the hospital holds exactly one QuestionnaireResponse with those answers once
//! it is back.

use std::time::{Duration, Instant};

use fantoccini::Locator;
use hale_e2e::{hospital_on_file, launch_signed_in, Place, RunningApp};

const BOOT: Duration = Duration::from_secs(60);

async fn click_id(app: &RunningApp, id: &str) {
    app.wait_for_all(&format!("#{id}"), 1, BOOT).await;
    app.click(&format!("#{id}")).await;
}

/// The values in the inputs of the question at `path`.
async fn values_at(app: &RunningApp, path: &str) -> Vec<String> {
    let inputs = app
        .client
        .find_all(Locator::Css(&format!(
            "[data-testid=form-question][data-path='{path}'] input"
        )))
        .await
        .unwrap();
    let mut values = Vec::new();
    for input in inputs {
        let value = input.prop("value").await.unwrap().unwrap_or_default();
        if !value.is_empty() {
            values.push(value);
        }
    }
    values
}

async fn responses(db: &sqlx::AnyPool) -> Vec<String> {
    sqlx::query_scalar("SELECT resource FROM questionnaire_response")
        .fetch_all(db)
        .await
        .unwrap()
}

#[tokio::test]
#[ignore = "needs the built app, a display and WebKitWebDriver (scripts/test.sh)"]
async fn a_form_answered_and_sent_offline_reaches_the_hospital_once() {
    let dir = tempfile::tempdir().unwrap();
    let (server, options, db) = hospital_on_file(dir.path()).await;
    let base = server.fhir_base();
    let app = launch_signed_in(
        &dir.path().join("home"),
        &[("HALE_HOSPITAL_URL", base.as_str())],
    )
    .await;

    app.go(Place::Appointments).await;
    let card = app.card_with("Cardiology").await;
    card.find(Locator::Css("[data-testid=open-form]"))
        .await
        .expect("the cardiology card offers its form")
        .click()
        .await
        .unwrap();
    app.wait_until_text(
        "[data-testid=form-title]",
        "Before your heart clinic visit",
        BOOT,
    )
    .await;
    // What the hospital recorded and the device holds is already there, to confirm.
    assert_eq!(
        values_at(&app, "allergies#0").await,
        ["Penicillin", "Latex"]
    );
    let medicines = app
        .wait_for_all("[data-testid=form-group][data-path^='medicines#']", 6, BOOT)
        .await
        .len();
    assert_eq!(medicines, 6, "one per demo prescription");
    app.screenshot("form-begun").await;

    // Sent too early, it says what is missing, at each question.
    app.click("[data-testid=send-form]").await;
    app.wait_until_text("[data-testid=form-status]", "need your attention", BOOT)
        .await;
    let missing = app
        .wait_for_all("[data-testid=form-problem]", 1, BOOT)
        .await;
    assert_eq!(
        missing[0].text().await.unwrap(),
        "Please answer this question."
    );

    // Chest pain: no; so "When does it come on?" is never asked.
    click_id(&app, "q-symptoms-0-chest-pain-0-1").await;
    click_id(&app, "q-symptoms-0-breathless-0-1").await;
    for n in 0..medicines {
        click_id(&app, &format!("q-medicines-{n}-taking-0-0")).await;
    }
    let question = app.wait_for_all("#q-questions-0", 1, BOOT).await;
    question[0].send_keys("Can I still drive?").await.unwrap();
    // Leaving the field saves it, as the patient moving on does.
    click_id(&app, "q-symptoms-0-ankles-0-1").await;
    assert!(!app.has("[data-path='symptoms#0/chest-pain-when#0']").await);

    // The hospital goes away; the patient sends the form all the same.
    server.stop().await.unwrap();
    app.click("[data-testid=send-form]").await;
    app.wait_until_text(
        "[data-testid=form-status]",
        "will reach the hospital as soon as you are online",
        BOOT,
    )
    .await;
    app.screenshot("form-sent-offline").await;
    assert!(
        !app.has("[data-testid=send-form]").await,
        "sent once, then no more"
    );

    // The hospital comes back; the app delivers the form on its own.
    let server = hale_server::start(&options).await.unwrap();
    let started = Instant::now();
    let held = loop {
        let held = responses(&db).await;
        if !held.is_empty() {
            break held;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the form never arrived"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(responses(&db).await.len(), 1, "stored once");
    let qr: serde_json::Value = serde_json::from_str(&held[0]).unwrap();
    assert_eq!(qr["status"], "completed");
    let items = qr["item"].as_array().unwrap();
    let symptoms = items.iter().find(|i| i["linkId"] == "symptoms").unwrap();
    assert_eq!(symptoms["item"][0]["linkId"], "chest-pain");
    assert_eq!(symptoms["item"][0]["answer"][0]["valueBoolean"], false);
    let asked = items.iter().find(|i| i["linkId"] == "questions").unwrap();
    assert_eq!(asked["answer"][0]["valueString"], "Can I still drive?");
    let confirmed = items.iter().filter(|i| i["linkId"] == "medicines").count();
    assert_eq!(confirmed, medicines);

    // Opened again, the form says the hospital has it.
    app.click("[data-testid=back-to-appointments]").await;
    let card = app.card_with("Cardiology").await;
    card.find(Locator::Css("[data-testid=open-form]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    app.wait_until_text(
        "[data-testid=form-status]",
        "The hospital has your answers",
        BOOT,
    )
    .await;
    app.close().await;
    server.stop().await.unwrap();
}
