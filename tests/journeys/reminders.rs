//! Appointment reminders reach a real `org.freedesktop.Notifications` service (on a private
//! session bus) through the app's own notifier, follow the patient's settings, and are not
//! repeated after a restart.

use std::time::Duration;

use hale_e2e::notifications::NotificationBus;
use hale_e2e::{launch_signed_in, Place};

const BOOT: Duration = Duration::from_secs(60);

#[tokio::test]
#[ignore = "end-to-end: needs the release app, Xvfb and tauri-driver (scripts/test.sh)"]
async fn a_reminder_follows_the_settings_and_is_not_repeated_after_a_restart() {
    let bus = NotificationBus::start().await;
    let data = tempfile::tempdir().unwrap();
    let env = [("DBUS_SESSION_BUS_ADDRESS", bus.address())];
    let app = launch_signed_in(data.path(), &env).await;

    // The demo patient's soonest appointment is at least two days ahead: with the default
    // leads (1 day, 2 hours) nothing is due yet.
    app.go(Place::Appointments).await;
    let cards = app.wait_for_all("[data-testid=appointment]", 3, BOOT).await;
    let soonest = cards[0].text().await.unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    const REMINDER: &str = "Appointment reminder";
    assert_eq!(bus.received_as(REMINDER), []);

    app.go(Place::Settings).await;
    app.wait_for_all("[data-testid=reminders]", 1, BOOT).await;
    let checked = |lead: &'static str| {
        let app = &app;
        async move {
            let css = format!("[data-testid=lead-{lead}]");
            let input = app.wait_for_all(&css, 1, BOOT).await;
            input[0].prop("checked").await.unwrap().as_deref() == Some("true")
        }
    };
    assert!(checked("1d").await && checked("120m").await && !checked("7d").await);
    app.screenshot("settings").await;

    // A week ahead: the soonest appointment is inside that, so its reminder is due at once.
    app.click("[data-testid=lead-7d]").await;
    app.wait_until_text("[data-testid=reminders-saved]", "Saved", BOOT)
        .await;
    assert!(checked("7d").await);
    let received = bus
        .wait_for_summary(REMINDER, 1, Duration::from_secs(20))
        .await;
    let first = &received[0];
    assert!(
        first.body.starts_with("You have a hospital appointment "),
        "{first:?}"
    );
    // Several appointments may fall inside a week; notifications arrive in no set order.
    let time_of = |body: &str| body.split(" at ").nth(1).map(|rest| rest[..5].to_owned());
    let started = std::time::Instant::now();
    let received = loop {
        let received = bus.received_as(REMINDER);
        if received
            .iter()
            .filter_map(|r| time_of(&r.body))
            .any(|t| soonest.contains(&t))
        {
            break received;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "no reminder for the soonest appointment ({soonest}): {received:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    for r in &received {
        for clinic in [
            "Cardiology",
            "endocrinology",
            "Ophthalmology",
            "Dermatology",
        ] {
            assert!(
                !r.body.contains(clinic),
                "no clinic on a lock screen: {r:?}"
            );
        }
    }
    app.close().await;
    let shown = bus.received_as(REMINDER).len();

    // After a restart the reminders already shown stay shown once.
    let app = launch_signed_in(data.path(), &env).await;
    app.go(Place::Appointments).await;
    app.wait_for_all("[data-testid=appointment]", 3, BOOT).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        bus.received_as(REMINDER).len(),
        shown,
        "{:?}",
        bus.received()
    );
    app.close().await;
}
