//! Parking in the real app: save a vehicle, pay for parking in the car park nearest the next
//! appointment at the price on the button, see the time left, extend with the saved card (never
//! typed again), end, and read the receipts; a declined card charges nothing and says so; an
//! approved concession changes the price on the button.

use std::time::Duration;

use hale_e2e::layout::{DESKTOP, PHONE};
use hale_e2e::{launch_signed_in, Place, RunningApp};

const BOOT: Duration = Duration::from_secs(60);

async fn type_into(app: &RunningApp, css: &str, text: &str) {
    let field = app.wait_for_all(css, 1, BOOT).await;
    field[0].clear().await.expect("clearing");
    field[0].send_keys(text).await.expect("typing");
}

async fn card(app: &RunningApp, prefix: &str, number: &str) {
    type_into(app, &format!("[data-testid={prefix}-card-number]"), number).await;
    type_into(app, &format!("[data-testid={prefix}-card-expiry]"), "12/30").await;
    type_into(app, &format!("[data-testid={prefix}-card-cvc]"), "123").await;
}

#[tokio::test]
#[ignore = "end-to-end: needs the release app, Xvfb and tauri-driver (scripts/test.sh)"]
async fn add_a_vehicle_pay_extend_end_and_read_the_receipts() {
    let data = tempfile::tempdir().unwrap();
    let app = launch_signed_in(data.path(), &[("HALE_DEMO_SIMULATION", "off")]).await;
    app.go(Place::Appointments).await;
    app.wait_for_all("[data-testid=appointment]", 3, BOOT).await;
    app.go(Place::Parking).await;

    // A registration that is not one is refused; a real one is saved.
    app.wait_for_all("[data-testid=no-vehicle]", 1, BOOT).await;
    type_into(&app, "[data-testid=new-registration]", "NOT A CAR").await;
    app.click("[data-testid=add-vehicle]").await;
    app.wait_until_text("[data-testid=vehicle-error]", "not a UK registration", BOOT)
        .await;
    type_into(&app, "[data-testid=new-registration]", "ab12cde").await;
    type_into(&app, "[data-testid=new-label]", "Blue Fiesta").await;
    app.click("[data-testid=add-vehicle]").await;
    app.wait_until_text("[data-testid=vehicles]", "AB12 CDE (Blue Fiesta)", BOOT)
        .await;

    // The next appointment is cardiology: the main car park is suggested, at the tariff's price.
    app.wait_for_all("[data-testid=start-form]", 1, BOOT).await;
    let suggested = app
        .text_of("[data-testid=car-park] option:first-child")
        .await;
    assert!(
        suggested.contains("Main car park (nearest to Cardiology)"),
        "{suggested}"
    );
    app.wait_until_text("[data-testid=car-park-detail]", "spaces free", BOOT)
        .await;
    app.wait_until_text("[data-testid=price]", "£4.00", BOOT)
        .await;
    app.wait_until_text("[data-testid=start-parking]", "Pay £4.00", BOOT)
        .await;
    // The form and its car park list fit a phone, nothing cut off or overlapping.
    for size in [PHONE, DESKTOP] {
        app.set_size(size).await;
        app.screenshot(&format!("parking-{}x{}-pay", size.0, size.1))
            .await;
        let problems = app.layout_problems().await;
        assert!(problems.is_empty(), "{size:?}: {problems:?}");
    }

    // A declined card: a clear error, nothing charged, no session.
    card(&app, "start", "4000 0000 0000 0002").await;
    app.click("[data-testid=start-parking]").await;
    app.wait_until_text(
        "[data-testid=parking-error]",
        "declined. Nothing was charged",
        BOOT,
    )
    .await;
    assert!(!app.has("[data-testid=parked]").await);

    // A good card: parked for two hours.
    card(&app, "start", "4242 4242 4242 4242").await;
    app.click("[data-testid=start-parking]").await;
    app.wait_until_text("[data-testid=time-left]", "left", BOOT)
        .await;
    let left = app.text_of("[data-testid=time-left]").await;
    assert!(
        left.contains("1 hour 59 minutes left") || left.contains("2 hours left"),
        "{left}"
    );
    app.screenshot("parking").await;
    app.set_size(PHONE).await;
    app.screenshot("parking-390x844-parked").await;
    let problems = app.layout_problems().await;
    assert!(problems.is_empty(), "parked, on a phone: {problems:?}");
    app.set_size(DESKTOP).await;

    // Extend by an hour: £7.00 in all, £3.00 more, with the card saved at the hospital's card
    // processor: no card number is asked for again.
    assert!(!app.has("[data-testid=extend-card-number]").await);
    app.wait_until_text(
        "[data-testid=extend-parking]",
        "Pay £3.00 with card ending 4242",
        BOOT,
    )
    .await;
    app.click("[data-testid=extend-parking]").await;
    app.wait_until_text("[data-testid=parked]", "paid £7.00", BOOT)
        .await;

    // While parked, the session is the screen; ending asks first, and says nothing is refunded.
    assert!(!app.has("[data-testid=start-form]").await);
    app.click("[data-testid=end-parking]").await;
    let question = app.text_of("[data-testid=end-question]").await;
    assert!(question.contains("not refunded"), "{question}");
    app.click("[data-testid=confirm-end]").await;
    // Ended, the session moves to the history with both receipts.
    let receipts = app
        .wait_for_all(
            "[data-testid=parking-history] [data-testid=receipt]",
            2,
            BOOT,
        )
        .await;
    let first = receipts[0].text().await.unwrap();
    let second = receipts[1].text().await.unwrap();
    assert!(
        first.contains("Parking, 2 hours, £4.00, card ending 4242"),
        "{first}"
    );
    assert!(second.contains("Extension, 1 hour, £3.00"), "{second}");
    assert!(!app.has("[data-testid=parked]").await);

    // The demo patient visits often: the hospital approves half-price parking and says why.
    app.click("[data-testid=apply-concession]").await;
    app.wait_until_text("[data-testid=concessions]", "Half price", BOOT)
        .await;
    let decided = app.text_of("[data-testid=concession]").await;
    assert!(
        decided.contains("hospital visits in the last 30 days"),
        "{decided}"
    );
    // The pay button now asks the price after the concession, as the hospital will charge.
    app.wait_until_text("[data-testid=price]", "£2.00 with your concession", BOOT)
        .await;
    app.wait_until_text("[data-testid=start-parking]", "Pay £2.00", BOOT)
        .await;
    app.close().await;
}
