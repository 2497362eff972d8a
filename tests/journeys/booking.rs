//! Booking journeys in the real app on the embedded demo hospital: find a time, book it, see it
//! on the home screen, move it, and cancel it.

use std::time::Duration;

use fantoccini::Locator;
use hale_e2e::{launch_signed_in, Place};

const WAIT: Duration = Duration::from_secs(60);
const UPCOMING: &str = ".appointments:not(.past) [data-testid=appointment]";

#[tokio::test]
#[ignore = "end-to-end: needs the release app, Xvfb and tauri-driver (scripts/test.sh)"]
async fn book_move_and_cancel_an_appointment() {
    let data = tempfile::tempdir().unwrap();
    let app = launch_signed_in(data.path(), &[]).await;
    app.go(Place::Appointments).await;
    let before = app.wait_for_all(UPCOMING, 3, WAIT).await.len();

    // Book: the first free cardiology time a week from now (changes close 24 hours ahead).
    app.go(Place::Book).await;
    app.wait_for_all("[data-testid=service] option", 4, WAIT)
        .await;
    // The day strip speaks en-GB: the day before the month ("12 Dec", never "Dec 12").
    let day = chrono::Local::now().date_naive() + chrono::Days::new(7);
    let chip = app.text_of(&format!("[data-testid=day-{day}]")).await;
    assert!(chip.contains(&day.format("%-d %b").to_string()), "{chip}");
    app.choose_day(7).await;
    // Times come grouped by the part of the day.
    app.wait_until_any_text(
        ".part-of-day",
        &[
            "MORNING",
            "AFTERNOON",
            "EVENING",
            "Morning",
            "Afternoon",
            "Evening",
        ],
        WAIT,
    )
    .await;
    let slots = app.wait_for_all("[data-testid=slot]", 5, WAIT).await;
    app.click_element(&slots[0], "the first slot").await;
    let question = app.text_of("[data-testid=confirm]").await;
    assert!(question.contains("Book Cardiology on"), "{question}");
    app.click("[data-testid=confirm-booking]").await;
    let reference = app.text_of("[data-testid=booked-reference]").await;
    assert_eq!(
        reference.len(),
        9,
        "a booking reference like 7K3M-9Q2C: {reference}"
    );
    app.screenshot("booked").await;
    // The booked card offers the check-in code and the calendar.
    assert!(
        app.has("[data-testid=booked] [data-testid=show-code]")
            .await
    );
    assert!(
        app.has("[data-testid=booked] [data-testid=booked-calendar]")
            .await
    );

    // Home shows it.
    app.go(Place::Appointments).await;
    let cards = app.wait_for_all(UPCOMING, before + 1, WAIT).await;
    assert_eq!(cards.len(), before + 1);
    let card = app.card_with(&reference).await;

    // Add it to the calendar (under "Change"): an .ics file in ~/Downloads with this booking in
    // it, and the card says where it went in words.
    card.find(Locator::Css("[data-testid=change]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    card.find(Locator::Css("[data-testid=add-to-calendar]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let saved = app.text_of("[data-testid=calendar-saved]").await;
    assert!(
        saved.starts_with("Saved to your Downloads folder as "),
        "{saved}"
    );
    assert!(
        !saved.contains(&data.path().display().to_string()),
        "{saved}"
    );
    let name = saved
        .trim_start_matches("Saved to your Downloads folder as ")
        .split(". Open it")
        .next()
        .unwrap();
    let ics = std::fs::read_to_string(data.path().join("Downloads").join(name)).unwrap();
    assert!(ics.contains("BEGIN:VEVENT\r\n"), "{ics}");
    assert!(
        ics.contains(&format!("Booking reference {reference}")),
        "{ics}"
    );

    // Move it to another time.
    card.find(Locator::Css("[data-testid=move]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert!(app
        .text_of("[data-testid=moving]")
        .await
        .starts_with("Moving your Cardiology"));
    app.choose_day(7).await;
    app.click("[data-testid=search]").await;
    let slots = app.wait_for_all("[data-testid=slot]", 5, WAIT).await;
    slots[4].click().await.unwrap();
    assert!(app
        .text_of("[data-testid=confirm]")
        .await
        .contains("Move your Cardiology appointment"));
    app.click("[data-testid=confirm-booking]").await;
    assert!(app
        .text_of("[data-testid=booked]")
        .await
        .starts_with("Moved: Cardiology"));
    assert_eq!(
        app.text_of("[data-testid=booked-reference]").await,
        reference,
        "same booking"
    );

    // Cancel it, after a confirmation (the card's one destructive button).
    app.go(Place::Appointments).await;
    app.wait_for_all(UPCOMING, before + 1, WAIT).await;
    let card = app.card_with(&reference).await;
    card.find(Locator::Css("[data-testid=cancel]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    card.find(Locator::Css("[data-testid=confirm-cancel]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    app.wait_until_text("[data-testid=past]", &reference, WAIT)
        .await;
    let upcoming = app.client.find_all(Locator::Css(UPCOMING)).await.unwrap();
    assert_eq!(upcoming.len(), before);
    app.screenshot("cancelled").await;
    app.close().await;
}
