//! Signing in and out in the real app: nothing of the patient's shows before the sign-in, the
//! hospital's own page (in the test browser, standing in for the patient's) signs them in, and
//! signing out with "remove everything" leaves the app's files without the patient's data.

use std::time::Duration;

use hale_e2e::launch;

const BOOT: Duration = Duration::from_secs(60);

/// Whether the app's local store files hold `needle`.
fn store_holds(app_dir: &std::path::Path, needle: &str) -> bool {
    ["hale.sqlite", "hale.sqlite-wal"].iter().any(|name| {
        std::fs::read(app_dir.join(name))
            .unwrap_or_default()
            .windows(needle.len())
            .any(|w| w == needle.as_bytes())
    })
}

#[tokio::test]
#[ignore = "end-to-end: needs the release app, Xvfb and tauri-driver (scripts/test.sh)"]
async fn the_patient_signs_in_through_the_hospitals_page_and_signs_out_removing_everything() {
    let data = tempfile::tempdir().unwrap();
    let app = launch(data.path(), &[("HALE_DEMO_SIMULATION", "off")]).await;

    // First start: the sign-in screen, and nothing else.
    app.wait_for_all("[data-testid=sign-in-page]", 1, BOOT)
        .await;
    assert!(!app.has("[data-testid=nav-home]").await);
    let page = app.client.source().await.unwrap();
    assert!(!page.contains("Alex"), "no patient data before sign-in");
    app.screenshot("sign-in").await;

    app.sign_in().await;
    assert_eq!(
        app.text_of("[data-testid=greeting]").await,
        "Hello, Alex Morgan"
    );
    app.wait_for_all("[data-testid=appointment]", 3, BOOT).await;
    let app_dir = data.path().join("org.hale.patient");
    assert!(store_holds(&app_dir, "Alex Morgan"), "the copy is saved");

    // Sign out, removing everything kept on this device.
    app.click("[data-testid=nav-settings]").await;
    app.click("[data-testid=remove-local-data]").await;
    app.click("[data-testid=sign-out]").await;
    app.wait_until_text("[data-testid=signed-out]", "You are signed out.", BOOT)
        .await;
    assert!(!app.has("[data-testid=nav-home]").await);
    app.screenshot("signed-out").await;
    assert!(!store_holds(&app_dir, "Alex Morgan"), "the name is gone");
    assert!(
        !store_holds(&app_dir, "Cardiology"),
        "the appointments are gone"
    );

    // Signing in again works, and fetches afresh.
    app.sign_in().await;
    app.wait_for_all("[data-testid=appointment]", 3, BOOT).await;
    app.close().await;
}
