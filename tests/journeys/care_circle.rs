//! The care circle through two apps on one hospital: Alex's and Jordan's (Alex's partner), each
//! with its own data directory and notification bus, signed in as themselves.
//!
//! 1. Alex, whose app is paired with a simulated blood pressure cuff, invites Jordan to see
//!    medicines and readings and be alerted; Jordan accepts with the code and Alex's date of
//!    birth.
//! 2. Jordan looks after Alex and sees today's doses under a banner saying so.
//! 3. Alex's app relays a red blood pressure: Jordan's app is notified once, naming Alex and the
//!    kind of alert, never the value.
//! 4. Alex's app closes. A day on, the hospital alone finds Alex's doses unlogged and the planned
//!    readings missing: Jordan is notified once for each. (When, to the minute, a dose counts
//!    as missed is the server's test: `care_circle::a_helper_is_told_once_...`.)
//! 5. Alex, signed in again, stops sharing: at Jordan's next step the banner and Alex's records
//!    are gone, from the screens and from Jordan's store, and the hospital audited Jordan's reads
//!    as Jordan's.

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::Utc;
use hale_bluez_sim::{blood_pressure_monitor, Simulator};
use hale_e2e::devices::{pair_and_listen, wait_for_reading_from};
use hale_e2e::notifications::NotificationBus;
use hale_e2e::{hospital_on_file, launch, launch_signed_in, Place, RunningApp};
use hale_server::demo::seed::{DEMO_HELPER, DEMO_PATIENT};
use hale_store::{Owner, Store, StoreKey};

const BOOT: Duration = Duration::from_secs(60);
const CUFF: &str = "00:5F:BF:3A:51:BD";
const MISSED: &str = "A dose has not been logged";
const RED: &str = "Urgent: a reading needs attention";
const NO_DATA: &str = "A reading has not arrived";

async fn count(db: &sqlx::AnyPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(db).await.unwrap()
}

async fn helper_alerts_of(db: &sqlx::AnyPool, kind: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM helper_alert WHERE kind = $1")
        .bind(kind)
        .fetch_one(db)
        .await
        .unwrap()
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

/// Waits until `bus` has shown `count` notifications titled `summary`, then a while more, and
/// checks no more came: each alert is told once.
async fn told_exactly(bus: &NotificationBus, summary: &str, count: i64) {
    assert!(count > 0, "nothing to be told of as {summary:?}");
    let told = bus.wait_for_summary(summary, count as usize, BOOT).await;
    for n in &told {
        assert!(
            n.body.starts_with("Alex Morgan has "),
            "the person and the kind: {n:?}"
        );
        assert!(
            !n.body.chars().any(|c| c.is_ascii_digit()) && !n.body.contains("Metformin"),
            "never a medicine or a value: {n:?}"
        );
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        bus.received_as(summary).len() as i64,
        count,
        "told once each"
    );
}

/// What Jordan's store holds of Alex after Jordan's app closed: Alex's medicines, and whether
/// the store holds Jordan's own profile at this hospital (so the right place was looked in).
async fn jordan_keeps(jordan_home: &Path, hospital: &str) -> (usize, bool) {
    let app_dir = jordan_home.join("org.hale.patient");
    let hex = std::fs::read_to_string(app_dir.join("hale.key")).expect("the key file");
    let key = StoreKey::from_hex(&hex).expect("a key");
    let store = Store::open(&app_dir.join("hale.sqlite"), &key)
        .await
        .unwrap();
    let own = store
        .profile(hospital)
        .await
        .unwrap()
        .is_some_and(|p| p.patient_id == DEMO_HELPER.id);
    let alex = Owner {
        hospital,
        patient_id: DEMO_PATIENT.id,
    };
    let medicines = store.medicines(alex).await.unwrap();
    (medicines.records.len(), own)
}

#[tokio::test]
#[ignore = "end-to-end: needs the release app, Xvfb and tauri-driver (scripts/test.sh)"]
async fn a_partner_invited_in_the_app_is_alerted_once_and_looks_after_the_patient_until_the_patient_stops_sharing(
) {
    let data = tempfile::tempdir().unwrap();
    let (server, _, db) = hospital_on_file(data.path()).await;
    let url = server.fhir_base();
    let (alex_home, jordan_home) = (data.path().join("alex"), data.path().join("jordan"));
    std::fs::create_dir_all(&alex_home).unwrap();
    std::fs::create_dir_all(&jordan_home).unwrap();
    let sim = Simulator::start().await;
    sim.add_device(blood_pressure_monitor(CUFF, "Omron X7"))
        .await;

    // 1. Alex, with the cuff paired, chooses what Jordan may see and gets a code.
    let alex_bus = NotificationBus::start().await;
    let alex_env = [
        ("HALE_HOSPITAL_URL", url.as_str()),
        ("DBUS_SESSION_BUS_ADDRESS", alex_bus.address()),
        ("DBUS_SYSTEM_BUS_ADDRESS", sim.bus_address()),
    ];
    let alex = launch_signed_in(&alex_home, &alex_env).await;
    pair_and_listen(&alex, &sim, "Omron X7", CUFF, 0x2A35).await;
    alex.go(Place::CareCircle).await;
    alex.click("[data-testid=permission-medicines]").await;
    alex.click("[data-testid=permission-readings]").await;
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
    let accepted = Utc::now();
    jordan.click("[data-testid=accept-invitation]").await;
    jordan
        .wait_until_text("[data-testid=helping]", "Alex Morgan", BOOT)
        .await;
    jordan
        .wait_until_text(
            "[data-testid=helping]",
            "Shares medicines and doses, readings and alerts.",
            BOOT,
        )
        .await;

    // 2. Jordan looks after Alex: the banner says so on every screen, with what is not shared,
    // and Alex's doses for today show.
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

    // 3. The cuff measures 185/125 mmHg (mean 145); Alex's app relays it, the care team's rule
    // raises a red alert, and Jordan's app, looking after Alex, is told once.
    assert!(
        sim.notify(CUFF, 0x2A35, &[0x00, 185, 0x00, 125, 0x00, 145, 0x00])
            .await
    );
    wait_for_reading_from(&db, CUFF).await;
    told_exactly(&bus, RED, 1).await;
    assert_eq!(helper_alerts_of(&db, "beyond-limits").await, 1);
    jordan.go(Place::CareCircle).await;
    jordan
        .wait_until_text(
            "[data-testid=helper-alerts]",
            "Alex Morgan: blood pressure is far beyond the limits",
            BOOT,
        )
        .await;

    // 4. Alex's app closes. A day on, the hospital's own timer finds the planned readings
    // missing, and Jordan's app (which asks at the real time; here the hospital is asked as if
    // then) hears of every dose with no record.
    alex.close().await;
    let later = accepted + chrono::Duration::days(1);
    server.monitoring_pass(later).await.unwrap();
    server.helper_alerts(DEMO_HELPER.id, later).await.unwrap();
    told_exactly(&bus, MISSED, helper_alerts_of(&db, "missed-dose").await).await;
    told_exactly(&bus, NO_DATA, helper_alerts_of(&db, "no-data").await).await;
    // Asked again, the hospital raises nothing twice, and the red reading was told once.
    server.helper_alerts(DEMO_HELPER.id, later).await.unwrap();
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        bus.received_as(MISSED).len() as i64,
        helper_alerts_of(&db, "missed-dose").await
    );
    assert_eq!(bus.received_as(RED).len(), 1);
    jordan
        .wait_until_text(
            "[data-testid=helper-alerts]",
            "dose has not been logged",
            BOOT,
        )
        .await;
    jordan.screenshot("care-circle-helper-alerts").await;
    let audited = count(
        &db,
        "SELECT COUNT(*) FROM audit_event WHERE actor_kind = 'related-person'",
    )
    .await;
    assert!(audited > 0, "Jordan's reads are audited as Jordan's");

    // 5. Alex opens the app again, sees Jordan, and stops sharing.
    let alex = launch_signed_in(&alex_home, &alex_env).await;
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
    assert_eq!(
        jordan_keeps(&jordan_home, &url).await,
        (0, true),
        "Jordan's own store keeps none of Alex's medicines"
    );
}
