//! The care circle through two apps on one hospital: Alex's and Jordan's (Alex's partner), each
//! with its own data directory, signed in as themselves. Alex invites Jordan to see medicines
//! and be alerted; Jordan accepts with the code and Alex's date of birth. A day passes at the
//! hospital with no reading from Alex: the hospital alone raises it, and Jordan's app shows one
//! notification per alert on its private notification bus, naming Alex and the kind of alert,
//! never a value. Jordan looks after Alex and sees Alex's doses under a banner saying so. Alex
//! stops sharing; at Jordan's next step the banner and Alex's records are gone from Jordan's
//! app, and the hospital audited Jordan's reads as Jordan's.

use std::time::{Duration, Instant};

use hale_e2e::notifications::NotificationBus;
use hale_e2e::{hospital_on_file, launch, launch_signed_in, Place, RunningApp};
use hale_server::demo::seed::{DEMO_HELPER, DEMO_PATIENT};

const BOOT: Duration = Duration::from_secs(60);

async fn count(db: &sqlx::AnyPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(db).await.unwrap()
}

/// Sets a form field as typing would, for inputs WebDriver cannot type into (a date).
async fn set_field(app: &RunningApp, css: &str, value: &str) {
    let script = "const e = document.querySelector(arguments[0]); e.value = arguments[1]; \
                  e.dispatchEvent(new Event('input', { bubbles: true }));";
    app.client
        .execute(script, vec![css.into(), value.into()])
        .await
        .expect("set the field");
}

async fn wait_until_gone(app: &RunningApp, css: &str, timeout: Duration) {
    let started = Instant::now();
    while app.has(css).await {
        assert!(started.elapsed() < timeout, "'{css}' still shows");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
#[ignore = "end-to-end: needs the release app, Xvfb and tauri-driver (scripts/test.sh)"]
async fn a_partner_invited_in_the_app_looks_after_the_patient_until_the_patient_stops_sharing() {
    let data = tempfile::tempdir().unwrap();
    let (server, _, db) = hospital_on_file(data.path()).await;
    let url = server.fhir_base();
    let (alex_home, jordan_home) = (data.path().join("alex"), data.path().join("jordan"));
    std::fs::create_dir_all(&alex_home).unwrap();
    std::fs::create_dir_all(&jordan_home).unwrap();

    // Alex chooses what Jordan may see, and gets a code.
    let alex = launch_signed_in(&alex_home, &[("HALE_HOSPITAL_URL", url.as_str())]).await;
    alex.go(Place::CareCircle).await;
    alex.click("[data-testid=permission-medicines]").await;
    alex.click("[data-testid=permission-alerts]").await;
    alex.click("[data-testid=make-invitation]").await;
    alex.wait_for_all("[data-testid=invitation-code]", 1, BOOT)
        .await;
    let code = alex.text_of("[data-testid=invitation-code]").await;
    assert_eq!(code.len(), 14, "grouped as XXXX-XXXX-XXXX: {code}");
    alex.screenshot("care-circle-invitation").await;

    // Jordan, signed in as Jordan in another app, accepts it as typed by hand.
    let login = format!("{}:{}", DEMO_HELPER.username, DEMO_HELPER.password);
    let bus = NotificationBus::start().await;
    let jordan_env = [
        ("HALE_HOSPITAL_URL", url.as_str()),
        ("HALE_TEST_BROWSER_LOGIN", login.as_str()),
        ("DBUS_SESSION_BUS_ADDRESS", bus.address()),
    ];
    let jordan = launch(&jordan_home, &jordan_env).await;
    jordan.sign_in().await;
    jordan.go(Place::CareCircle).await;
    let typed = code.to_lowercase().replace('-', " ");
    jordan
        .wait_for_all("[data-testid=invitation-code-input]", 1, BOOT)
        .await[0]
        .send_keys(&typed)
        .await
        .unwrap();
    set_field(
        &jordan,
        "[data-testid=invitation-born]",
        DEMO_PATIENT.birth_date,
    )
    .await;
    jordan.click("[data-testid=accept-invitation]").await;
    jordan
        .wait_until_text("[data-testid=helping]", "Alex Morgan", BOOT)
        .await;
    jordan
        .wait_until_text(
            "[data-testid=helping]",
            "Shares medicines and doses and alerts.",
            BOOT,
        )
        .await;

    // A day on, the hospital's own timer finds Alex's planned readings missing, with no app of
    // Alex's involved; Jordan's app is told at once and shows one notification per alert.
    server
        .monitoring_pass(chrono::Utc::now() + chrono::Duration::days(1))
        .await
        .unwrap();
    let told = bus
        .wait_for_summary("A reading has not arrived", 1, BOOT)
        .await;
    for n in &told {
        assert!(
            n.body.starts_with("Alex Morgan has a planned reading"),
            "the person and the kind, never a value: {n:?}"
        );
    }
    jordan
        .wait_until_text(
            "[data-testid=helper-alerts]",
            "Alex Morgan: a planned reading has not arrived",
            BOOT,
        )
        .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let raised = count(
        &db,
        "SELECT COUNT(*) FROM helper_alert WHERE kind = 'no-data'",
    )
    .await;
    assert!(raised > 0);
    assert_eq!(
        bus.received_as("A reading has not arrived").len() as i64,
        raised,
        "each alert told once"
    );
    jordan.screenshot("care-circle-helper-alerts").await;

    // Jordan looks after Alex: the banner says so on every screen, with what is not shared.
    jordan.click("[data-testid=look-after]").await;
    jordan
        .wait_until_text(
            "[data-testid=looking-after]",
            "You are looking after Alex Morgan",
            BOOT,
        )
        .await;
    jordan
        .wait_until_text(
            "[data-testid=looking-after]",
            "Not shared with you: appointments",
            BOOT,
        )
        .await;
    jordan.go(Place::Medicines).await;
    jordan.wait_for_all("[data-testid=dose]", 1, BOOT).await;
    jordan
        .wait_until_text("[data-testid=medicines]", "Metformin", BOOT)
        .await;
    assert!(jordan.has("[data-testid=looking-after]").await);
    jordan.screenshot("care-circle-looking-after").await;
    let audited = count(
        &db,
        "SELECT COUNT(*) FROM audit_event WHERE actor_kind = 'related-person'",
    )
    .await;
    assert!(audited > 0, "Jordan's reads are audited as Jordan's");

    // Alex sees Jordan and stops sharing.
    alex.go(Place::Today).await;
    alex.go(Place::CareCircle).await;
    alex.wait_until_text("[data-testid=helpers]", "Jordan Morgan", BOOT)
        .await;
    alex.click("[data-testid=end-grant]").await;
    alex.click("[data-testid=end-grant-confirm]").await;
    alex.wait_until_text("[data-testid=grant-status]", "Ended", BOOT)
        .await;
    alex.close().await;

    // Jordan's next step: refused, Alex's copy is deleted, and Jordan is back to Jordan.
    jordan.go(Place::Today).await;
    jordan.go(Place::Medicines).await;
    wait_until_gone(&jordan, "[data-testid=looking-after]", BOOT).await;
    jordan.go(Place::Medicines).await;
    jordan
        .wait_for_all("[data-testid=medicines]", 1, BOOT)
        .await;
    let page = jordan.client.source().await.unwrap();
    assert!(
        !page.contains("Metformin"),
        "none of Alex's medicines remain"
    );
    jordan.go(Place::CareCircle).await;
    jordan
        .wait_until_text("[data-testid=helping]", "Ended", BOOT)
        .await;
    jordan.screenshot("care-circle-helper-after").await;
    jordan.close().await;
}
