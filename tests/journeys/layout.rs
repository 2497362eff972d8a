//! Every screen of the patient app at a desktop's size (1280 × 800) and a phone's (390 × 844):
//! each is photographed (`target/e2e/screen-{size}-{place}.png`, not committed), its element
//! boxes are checked for overlap, clipping and touch-target size, the tab bar stays in view
//! while the page scrolls, and axe-core finds no serious or critical violation.

use std::time::{Duration, Instant};

use hale_e2e::layout::{DESKTOP, PHONE};
use hale_e2e::{launch, Place, RunningApp};

const BOOT: Duration = Duration::from_secs(60);

/// Waits until the screen has loaded (no "Loading…" left).
async fn settle(app: &RunningApp) {
    let started = Instant::now();
    while app.has(".loading").await {
        assert!(started.elapsed() < BOOT, "the screen is still loading");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Photographs the screen and records what is wrong with it.
async fn check(
    app: &RunningApp,
    size: (u32, u32),
    what: &str,
    axe: &str,
    problems: &mut Vec<String>,
) {
    settle(app).await;
    let label = format!("{}x{}", size.0, size.1);
    app.screenshot(&format!("screen-{label}-{what}")).await;
    for p in app.layout_problems().await {
        problems.push(format!("{label} {what}: {p}"));
    }
    let findings = crate::accessibility::audit(app, axe).await;
    for b in findings.blocking {
        problems.push(format!("{label} {what}: axe-core {b}"));
    }
}

#[tokio::test]
#[ignore = "end-to-end: needs the release app, Xvfb and tauri-driver (scripts/test.sh)"]
async fn every_screen_is_sound_on_a_desktop_and_a_phone_with_the_tab_bar_always_in_view() {
    let axe = crate::accessibility::axe_source();
    let data = tempfile::tempdir().unwrap();
    let app = launch(data.path(), &[("HALE_DEMO_SIMULATION", "off")]).await;
    app.sign_in().await;
    let mut problems = Vec::new();
    for size in [DESKTOP, PHONE] {
        app.set_size(size).await;
        for place in Place::ALL {
            app.go(place).await;
            check(&app, size, &format!("{place:?}"), &axe, &mut problems).await;
        }
        // This machine's app has no Bluetooth (no system bus): the Devices screen says so
        // plainly, at once, and offers no scan; no platform message shows.
        app.go(Place::Devices).await;
        let said = app.text_of("[data-testid=bluetooth-unavailable]").await;
        assert!(said.contains("This computer has no Bluetooth"), "{said}");
        let page = app.text_of("body").await.to_lowercase();
        for raw in ["dbus", "socket", "org.", "error:"] {
            assert!(
                !page.contains(raw),
                "the Devices screen shows '{raw}': {page}"
            );
        }
        let scan = app.wait_for_all("[data-testid=scan]", 1, BOOT).await;
        assert!(
            !scan[0].is_enabled().await.unwrap(),
            "no scanning without Bluetooth"
        );
        // An appointment card with its "Change" menu open, and the check-in code full screen.
        app.go(Place::Appointments).await;
        app.wait_for_all("[data-testid=appointment]", 1, BOOT).await;
        app.click("[data-testid=change]").await;
        check(&app, size, "Appointments-change", &axe, &mut problems).await;
        app.click("[data-testid=show-code]").await;
        check(&app, size, "check-in-code", &axe, &mut problems).await;
        app.click("[data-testid=close-code]").await;
        // The pre-visit form, as it opens and once a send points out what is missing.
        let card = app.card_with("Cardiology").await;
        app.click_element(
            &card
                .find(fantoccini::Locator::Css("[data-testid=open-form]"))
                .await
                .expect("the cardiology card offers its form"),
            "open the form",
        )
        .await;
        app.wait_for_all("[data-testid=form-question]", 1, BOOT)
            .await;
        check(&app, size, "pre-visit-form", &axe, &mut problems).await;
        app.click("[data-testid=send-form]").await;
        app.wait_for_all("[data-testid=form-problem]", 1, BOOT)
            .await;
        check(&app, size, "pre-visit-form-problems", &axe, &mut problems).await;
    }
    app.close().await;
    assert!(problems.is_empty(), "{problems:#?}");
}
