//! Signing in and out in the real app: nothing of the patient's shows before the sign-in, the
//! hospital's own page (in the test browser, standing in for the patient's) signs them in, the
//! local store on disk is encrypted (nothing of the patient's readable in its files, everything
//! readable with the key), and signing out with "remove everything" leaves nothing in it.

use std::time::Duration;

use std::path::Path;

use hale_e2e::{launch, Place};
use hale_store::{Owner, Store, StoreKey};

const BOOT: Duration = Duration::from_secs(60);

/// Whether the app's local store files hold `needle` as they are, without the key.
fn files_hold(app_dir: &Path, needle: &str) -> bool {
    ["hale.sqlite", "hale.sqlite-wal"].iter().any(|name| {
        std::fs::read(app_dir.join(name))
            .unwrap_or_default()
            .windows(needle.len())
            .any(|w| w == needle.as_bytes())
    })
}

/// What the store holds, read with its key: the saved patient's name and appointments. This
/// journey has no keychain, so the key is in the app's documented fallback, a private file.
async fn stored(app_dir: &Path) -> (Option<String>, usize) {
    let hex = std::fs::read_to_string(app_dir.join("hale.key")).expect("the key file");
    let key = StoreKey::from_hex(&hex).expect("a key");
    let store = Store::open(&app_dir.join("hale.sqlite"), &key)
        .await
        .unwrap();
    let profile = store.profile("embedded:demo").await.unwrap();
    let Some(profile) = profile else {
        return (None, 0);
    };
    let owner = Owner {
        hospital: "embedded:demo",
        patient_id: &profile.patient_id,
    };
    let appointments = store.appointments(owner).await.unwrap().records.len();
    (profile.patient_name, appointments)
}

#[tokio::test]
#[ignore = "end-to-end: needs the release app, Xvfb and tauri-driver (scripts/test.sh)"]
async fn the_patient_signs_in_through_the_hospitals_page_and_signs_out_removing_everything() {
    let data = tempfile::tempdir().unwrap();
    let app = launch(data.path(), &[("HALE_DEMO_SIMULATION", "off")]).await;

    // First start: the sign-in screen, and nothing else.
    app.wait_for_all("[data-testid=sign-in-page]", 1, BOOT)
        .await;
    assert!(!app.has("[data-testid=nav-today]").await);
    let page = app.client.source().await.unwrap();
    assert!(!page.contains("Alex"), "no patient data before sign-in");
    app.screenshot("sign-in").await;

    app.sign_in().await;
    assert_eq!(
        app.text_of("[data-testid=greeting]").await,
        "Hello, Alex Morgan"
    );
    // The patient window's capability grants the patient commands, not the kiosk's.
    let outcome = app.invoke_from_page("kiosk_check_in").await;
    assert!(outcome.contains("not allowed"), "{outcome}");
    assert_eq!(app.invoke_from_page("get_session").await, "allowed");
    app.go(Place::Appointments).await;
    app.wait_for_all("[data-testid=appointment]", 3, BOOT).await;
    let app_dir = data.path().join("org.hale.patient");
    let (name, appointments) = stored(&app_dir).await;
    assert_eq!(name.as_deref(), Some("Alex Morgan"), "the copy is saved");
    assert!(appointments >= 3);
    for needle in ["Alex Morgan", "Cardiology", "SQLite format 3"] {
        assert!(
            !files_hold(&app_dir, needle),
            "{needle} is readable on disk"
        );
    }

    // Sign out, removing everything kept on this device.
    app.go(Place::Settings).await;
    app.click("[data-testid=remove-local-data]").await;
    app.click("[data-testid=sign-out]").await;
    app.wait_until_text("[data-testid=signed-out]", "You are signed out.", BOOT)
        .await;
    assert!(!app.has("[data-testid=nav-today]").await);
    app.screenshot("signed-out").await;
    assert_eq!(stored(&app_dir).await, (None, 0), "nothing is left");

    // Signing in again works, and fetches afresh.
    app.sign_in().await;
    app.go(Place::Appointments).await;
    app.wait_for_all("[data-testid=appointment]", 3, BOOT).await;
    app.close().await;
}
