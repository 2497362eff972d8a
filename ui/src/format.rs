//! Words and times as the patient reads them. Plain functions, unit tested.

use chrono::{DateTime, FixedOffset, Utc};
use hale_api::{ApiError, ErrorCode, Freshness};

mod booking;
mod care_circle;
mod care_team;
mod devices;
mod forms;
mod medicines;
mod offers;
mod readings_chart;
mod record;
mod today;
mod visits;
pub use booking::*;
pub use care_circle::*;
pub use care_team::*;
pub use devices::*;
pub use forms::*;
pub use medicines::*;
pub use offers::*;
pub use readings_chart::*;
pub use record::*;
pub use today::*;
pub use visits::*;

/// "Tue 1 Dec, 10:00–10:20", in the offset the shell chose (the device's).
pub fn when(start: DateTime<FixedOffset>, end: DateTime<FixedOffset>) -> String {
    if start.date_naive() == end.date_naive() {
        format!(
            "{}–{}",
            start.format("%a %-d %b, %H:%M"),
            end.format("%H:%M")
        )
    } else {
        format!(
            "{} – {}",
            start.format("%a %-d %b, %H:%M"),
            end.format("%a %-d %b, %H:%M")
        )
    }
}

/// "Tue 1 Dec", the heading of a day in slot results.
pub fn day(t: DateTime<FixedOffset>) -> String {
    t.format("%a %-d %b").to_string()
}

/// "10:00", a slot's start in a day's list.
pub fn time(t: DateTime<FixedOffset>) -> String {
    t.format("%H:%M").to_string()
}

/// Groups items by their day (as `start_of` gives it), keeping the given order within each.
pub fn group_by_day<T: Clone>(
    items: &[T],
    start_of: impl Fn(&T) -> DateTime<FixedOffset>,
) -> Vec<(String, Vec<T>)> {
    let mut groups: Vec<(String, Vec<T>)> = Vec::new();
    for item in items {
        let label = day(start_of(item));
        match groups.last_mut() {
            Some((last, members)) if *last == label => members.push(item.clone()),
            _ => groups.push((label, vec![item.clone()])),
        }
    }
    groups
}

/// What to tell the patient about an error, chosen by its code, never its English message.
pub fn error_text(error: &ApiError) -> &'static str {
    match error.code {
        ErrorCode::HospitalUnreachable => "We can't reach the hospital right now.",
        ErrorCode::HospitalError => "The hospital's system had a problem.",
        ErrorCode::HospitalRejected => "The hospital could not handle that request.",
        ErrorCode::NotSignedIn => "You are signed out. Please sign in again.",
        ErrorCode::Forbidden => "The hospital says this is not available to you.",
        ErrorCode::NotOffered => "Your hospital does not offer this in the app.",
        ErrorCode::SlotTaken => "Someone else has just booked that time. Please choose another.",
        ErrorCode::TooLateToChange => {
            "This appointment starts too soon to change in the app. Please call the clinic."
        }
        ErrorCode::Overlaps => "That time overlaps another of your appointments.",
        ErrorCode::BeyondHorizon => "The hospital does not take bookings that far ahead yet.",
        ErrorCode::InThePast => "That time has already passed.",
        ErrorCode::NotChangeable => "This appointment can no longer be changed.",
        ErrorCode::OfferClosed => {
            "That time is no longer held for you: the offer expired or was already answered."
        }
        ErrorCode::TooEarlyToCheckIn => {
            "Check-in opens 30 minutes before your appointment. Please try again then."
        }
        ErrorCode::CannotCheckIn => "We could not check you in. Please see reception.",
        ErrorCode::InvalidRegistration => {
            "That is not a UK registration. Please check it, e.g. AB12 CDE."
        }
        ErrorCode::CarParkFull => "That car park is full. Please choose another.",
        ErrorCode::CardDeclined => "Your card was declined. Nothing was charged.",
        ErrorCode::InsufficientFunds => "Your card has insufficient funds. Nothing was charged.",
        ErrorCode::InvalidCard => "Please check the card number, expiry date and security code.",
        ErrorCode::PriceChanged => "The price has changed since it was shown. Nothing was charged: please check the new price.",
        ErrorCode::CardNeeded => "Please enter your card's details for this payment.",
        ErrorCode::InvitationInvalid => {
            "That code cannot be used: it may be mistyped, used or more than a day old, or the date of birth does not match. Please ask for a new code."
        }
        ErrorCode::InviteYourself => "That is your own invitation: send it to the person who will help you.",
        ErrorCode::AlreadyHelping => "You already help this person.",
        ErrorCode::MinorCannotInvite => {
            "Only adults can invite someone here. The hospital records a child's parents: please ask at reception."
        }
        ErrorCode::NothingChosen => "Please choose at least one thing this person may see or do.",
        ErrorCode::ConsentRevoked => "This person has stopped sharing their records with you.",
        ErrorCode::ConsentExpired => "Your access to this person's records has ended. They can invite you again.",
        ErrorCode::AssentNeeded => {
            "Now they are 13, the hospital needs this young person's agreement before you can see their records."
        }
        ErrorCode::NowAdult => "This person is now an adult, so a parent's access has ended. They can invite you.",
        ErrorCode::NotPermitted => "This person has not shared this with you, or not asked you to do it for them.",
        ErrorCode::ParkingOver => "This parking session has already ended.",
        ErrorCode::UnknownMedicine => "That dose is not on your medicine list any more.",
        ErrorCode::DoseAlreadyLogged => "That dose was already logged.",
        ErrorCode::InTheFuture => "That time has not come yet.",
        ErrorCode::Refused => "The hospital could not make that change.",
        ErrorCode::BluetoothUnavailable => {
            "Bluetooth is not available. Please switch it on and allow Hale to use it."
        }
        ErrorCode::DeviceUnreachable => {
            "The device did not answer. Switch it on, keep it close, and try again."
        }
        ErrorCode::InvalidArgument => "Something in the request was not valid.",
        ErrorCode::LooserThanPlan => {
            "Your care team set this alert. You can make it stricter, but not looser."
        }
        ErrorCode::LocalStorage => "Hale could not read or save data on this device.",
        ErrorCode::Internal => "Something went wrong inside Hale.",
        ErrorCode::SignInNotFinished => {
            "The sign-in was not finished. Please try again, and finish it in your browser."
        }
        ErrorCode::NoBrowser => "Hale could not open your web browser to sign in.",
        ErrorCode::TooLateToUndo => "That dose is already recorded; it can no longer be undone.",
        ErrorCode::NotOnThisSystem => "This is not available on this computer.",
        ErrorCode::FormClosed => "This form can no longer be changed.",
    }
}

/// Whether a change may have happened at the hospital although the app got no answer (the
/// connection dropped, or the hospital failed mid-way): the same request again is the safe next
/// step. A refusal is an answer, and repeating it would only be refused again.
pub fn outcome_unknown(error: &ApiError) -> bool {
    matches!(
        error.code,
        ErrorCode::HospitalUnreachable | ErrorCode::HospitalError
    )
}

/// What an approved concession does, e.g. "Half price" or "At most £3.00 a day".
pub fn relief_words(relief: hale_api::ReliefView) -> String {
    match relief {
        hale_api::ReliefView::Free => "Free parking".to_owned(),
        hale_api::ReliefView::PercentOff { percent: 50 } => "Half price".to_owned(),
        hale_api::ReliefView::PercentOff { percent } => format!("{percent}% off"),
        // Not `money`, which says "Free" for nothing: a cap is an amount.
        hale_api::ReliefView::DailyCap { pence } => {
            format!("At most £{}.{:02} a day", pence / 100, pence % 100)
        }
    }
}

/// A car park in a line: where it is, its free spaces, and the clinic it is nearest to.
pub fn car_park_detail(location: &str, free_spaces: u32, nearest_to: Option<&str>) -> String {
    let spaces = match free_spaces {
        0 => "full".to_owned(),
        1 => "1 space free".to_owned(),
        n => format!("{n} spaces free"),
    };
    match nearest_to {
        Some(clinic) => format!("{location} · {spaces} · nearest to {clinic}"),
        None => format!("{location} · {spaces}"),
    }
}

/// Pence as pounds: "£4.00", or "Free".
pub fn money(pence: u32) -> String {
    if pence == 0 {
        "Free".to_owned()
    } else {
        format!("£{}.{:02}", pence / 100, pence % 100)
    }
}

/// "1 hour 12 minutes left", or "Time is up" once it has run out.
pub fn time_left(minutes: i64) -> String {
    if minutes <= 0 {
        "Time is up".to_owned()
    } else {
        format!("{} left", self::minutes(minutes))
    }
}

/// The one main action an upcoming appointment offers now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MainAction {
    /// Checked in: the place in the queue.
    Queue,
    /// Inside the check-in window, with the hospital reachable.
    CheckIn,
    /// Otherwise: the check-in code, for the kiosk or reception.
    ShowCode,
}

/// The main action of `appointment`; `offline` when the hospital cannot be reached (checking in
/// needs it; the code does not).
pub fn main_action(appointment: &hale_api::AppointmentView, offline: bool) -> MainAction {
    if appointment.status == hale_api::AppointmentStage::Arrived {
        MainAction::Queue
    } else if appointment.can_check_in && !offline {
        MainAction::CheckIn
    } else {
        MainAction::ShowCode
    }
}

/// The label an appointment card shows beside its title, and its tone (a class), unless it is
/// simply booked.
pub fn stage_label(
    stage: hale_api::AppointmentStage,
    waitlisted: bool,
) -> Option<(&'static str, &'static str)> {
    use hale_api::AppointmentStage as S;
    match stage {
        S::Requested => Some(("Awaiting confirmation", "review")),
        S::Arrived => Some(("Checked in", "ok")),
        S::Finished => Some(("Attended", "neutral")),
        S::Cancelled => Some(("Cancelled", "urgent")),
        S::Missed => Some(("Missed", "review")),
        S::Booked if waitlisted => Some(("On the waiting list", "neutral")),
        S::Booked => None,
    }
}

/// Where a saved file went, in words: "Saved to your Downloads folder as visit.ics. Open it to
/// add it to your calendar."
pub fn saved_file_words(path: &str) -> String {
    let (place, name) = saved_where(path);
    format!("Saved to {place} as {name}. Open it to add it to your calendar.")
}

/// Where a saved file is, in words, and its name: "your Downloads folder", "visit.ics".
pub fn saved_where(path: &str) -> (String, &str) {
    let (folder, name) = path.rsplit_once(['/', '\\']).unwrap_or(("", path));
    let folder_name = folder.rsplit(['/', '\\']).next().unwrap_or_default();
    let place = match folder_name {
        "" => "your files".to_owned(),
        "Downloads" => "your Downloads folder".to_owned(),
        other => format!("the folder {other}"),
    };
    (place, name)
}

/// The hospital's name, or a kind stand-in when it has not said.
pub fn hospital_name(name: Option<&str>) -> String {
    name.unwrap_or("Your hospital").to_owned()
}

/// One receipt in a line.
pub fn receipt_line(r: &hale_api::ReceiptView) -> String {
    let what = match r.purpose {
        hale_api::ReceiptPurposeView::Start => "Parking",
        hale_api::ReceiptPurposeView::Extend => "Extension",
    };
    // A free stay or extension charges no card.
    let card = if r.card_last4.is_empty() {
        String::new()
    } else {
        format!(", card ending {}", r.card_last4)
    };
    format!(
        "Receipt {}: {what}, {}, {}{card}, {}",
        r.number,
        minutes(i64::from(r.minutes)),
        money(r.amount_pence),
        r.created.format("%-d %b %Y %H:%M")
    )
}

/// A department's wait in words: "No wait", "1 waiting, about 5 minutes".
pub fn wait_words(waiting: u32, estimate_minutes: i64) -> String {
    match (waiting, estimate_minutes) {
        (0, _) => "No one waiting".to_owned(),
        (n, m) => format!("{n} waiting, about {}", minutes(m)),
    }
}

/// "1 minute", "5 minutes", "1 hour 5 minutes".
pub fn minutes(m: i64) -> String {
    let m = m.max(0);
    let plural = |n: i64, one: &str| {
        if n == 1 {
            format!("1 {one}")
        } else {
            format!("{n} {one}s")
        }
    };
    match (m / 60, m % 60) {
        (0, r) => plural(r, "minute"),
        (h, 0) => plural(h, "hour"),
        (h, r) => format!("{} {}", plural(h, "hour"), plural(r, "minute")),
    }
}

/// A checked-in patient's status card in words.
pub fn queue_words(q: &hale_api::QueueView) -> String {
    match q.state {
        hale_api::QueueState::Called => match &q.room {
            Some(room) => format!("It's your turn: please go to {room} now."),
            None => "It's your turn: please go to the clinic now.".to_owned(),
        },
        hale_api::QueueState::Finished => "Your visit is over.".to_owned(),
        hale_api::QueueState::Waiting => match (q.position, q.estimate_minutes) {
            (Some(1), Some(m)) if m <= 0 => "You're checked in and next to be called.".to_owned(),
            (Some(p), Some(m)) => format!(
                "You're checked in: number {p} in the queue, about {} to wait.",
                minutes(m)
            ),
            _ => "You're checked in. Please take a seat.".to_owned(),
        },
    }
}

/// A short stable name for a reminder lead, for test ids: `1d`, `120m`.
pub fn lead_key(lead: hale_api::ReminderLead) -> String {
    match lead {
        hale_api::ReminderLead::Days(d) => format!("{d}d"),
        hale_api::ReminderLead::Minutes(m) => format!("{m}m"),
    }
}

/// The notice shown above cached data, or `None` when the data is live.
pub fn offline_notice(freshness: &Freshness, offset: FixedOffset) -> Option<String> {
    let Freshness::Offline { cached_at, error } = freshness else {
        return None;
    };
    let saved = match cached_at {
        Some(t) => format!(
            "Showing what was saved on {}.",
            t.with_timezone(&offset).format("%a %-d %b at %H:%M")
        ),
        None => "Nothing has been saved on this device yet.".to_owned(),
    };
    Some(format!("{} {saved}", error_text(error)))
}

/// What the patient is told when this start found the data kept on the device unusable.
pub fn local_data_reset(reason: hale_api::LocalDataReset) -> &'static str {
    match reason {
        hale_api::LocalDataReset::Damaged => {
            "The information saved on this device was damaged, so Hale has set it aside and \
             started afresh. Your records are being fetched from the hospital again."
        }
        hale_api::LocalDataReset::Unreadable => {
            "The information saved on this device could not be opened, so Hale has set it \
             aside and started afresh. Your records are being fetched from the hospital again."
        }
    }
}

/// When data was last confirmed live, for the page footer.
pub fn updated(as_of: DateTime<Utc>, offset: FixedOffset) -> String {
    format!("Updated {}", as_of.with_timezone(&offset).format("%H:%M"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_calendar_file_is_described_in_words_not_as_a_raw_path() {
        assert_eq!(
            saved_file_words("/home/alex/Downloads/hale-cardiology-2026-12-08.ics"),
            "Saved to your Downloads folder as hale-cardiology-2026-12-08.ics. Open it to add it to your calendar."
        );
        assert_eq!(
            saved_file_words("C:\\Users\\alex\\Documents\\visit.ics"),
            "Saved to the folder Documents as visit.ics. Open it to add it to your calendar."
        );
        assert_eq!(
            saved_file_words("visit.ics"),
            "Saved to your files as visit.ics. Open it to add it to your calendar."
        );
    }

    #[test]
    fn only_cards_that_are_not_simply_booked_carry_a_status_label() {
        use hale_api::AppointmentStage as S;
        assert_eq!(stage_label(S::Booked, false), None);
        assert_eq!(
            stage_label(S::Booked, true).unwrap().0,
            "On the waiting list"
        );
        assert_eq!(stage_label(S::Cancelled, false).unwrap().0, "Cancelled");
        assert_eq!(stage_label(S::Finished, false).unwrap().0, "Attended");
    }

    #[test]
    fn a_concession_says_what_it_does() {
        use hale_api::ReliefView;
        assert_eq!(relief_words(ReliefView::Free), "Free parking");
        assert_eq!(
            relief_words(ReliefView::PercentOff { percent: 50 }),
            "Half price"
        );
        assert_eq!(
            relief_words(ReliefView::PercentOff { percent: 20 }),
            "20% off"
        );
        assert_eq!(
            relief_words(ReliefView::DailyCap { pence: 300 }),
            "At most £3.00 a day"
        );
        assert_eq!(
            relief_words(ReliefView::DailyCap { pence: 0 }),
            "At most £0.00 a day"
        );
    }

    #[test]
    fn a_hospital_that_has_not_named_itself_is_your_hospital() {
        assert_eq!(hospital_name(Some("St Elsewhere")), "St Elsewhere");
        assert_eq!(hospital_name(None), "Your hospital");
    }

    #[test]
    fn money_and_time_left_read_as_words() {
        assert_eq!(money(0), "Free");
        assert_eq!(money(250), "£2.50");
        assert_eq!(money(1005), "£10.05");
        assert_eq!(time_left(72), "1 hour 12 minutes left");
        assert_eq!(time_left(0), "Time is up");
        let r = hale_api::ReceiptView {
            number: "HALE-PK-000001".into(),
            purpose: hale_api::ReceiptPurposeView::Extend,
            minutes: 60,
            amount_pence: 300,
            card_last4: "4242".into(),
            created: "2026-12-01T10:05:00+00:00".parse().unwrap(),
        };
        assert_eq!(
            receipt_line(&r),
            "Receipt HALE-PK-000001: Extension, 1 hour, £3.00, card ending 4242, 1 Dec 2026 10:05"
        );
        let free = hale_api::ReceiptView {
            amount_pence: 0,
            card_last4: String::new(),
            ..r
        };
        assert_eq!(
            receipt_line(&free),
            "Receipt HALE-PK-000001: Extension, 1 hour, Free, 1 Dec 2026 10:05",
            "no card is named when none paid"
        );
    }

    #[test]
    fn only_a_missing_answer_is_worth_the_same_request_again() {
        let e = |code| ApiError::new(code, "detail");
        assert!(outcome_unknown(&e(ErrorCode::HospitalUnreachable)));
        assert!(outcome_unknown(&e(ErrorCode::HospitalError)));
        for answered in [
            ErrorCode::SlotTaken,
            ErrorCode::CardDeclined,
            ErrorCode::NotSignedIn,
            ErrorCode::HospitalRejected,
        ] {
            assert!(!outcome_unknown(&e(answered)), "{answered:?}");
        }
    }

    #[test]
    fn a_local_data_reset_is_explained_without_jargon() {
        for reason in [
            hale_api::LocalDataReset::Damaged,
            hale_api::LocalDataReset::Unreadable,
        ] {
            let text = local_data_reset(reason);
            assert!(text.contains("fetched from the hospital again"), "{text}");
            for jargon in ["SQLite", "database", "key", "corrupt", "error"] {
                assert!(
                    !text.to_lowercase().contains(&jargon.to_lowercase()),
                    "{text}"
                );
            }
        }
        assert_ne!(
            local_data_reset(hale_api::LocalDataReset::Damaged),
            local_data_reset(hale_api::LocalDataReset::Unreadable)
        );
    }

    #[test]
    fn a_car_park_reads_in_one_line_with_its_spaces() {
        assert_eq!(
            car_park_detail("By the main entrance", 34, Some("Cardiology")),
            "By the main entrance · 34 spaces free · nearest to Cardiology"
        );
        assert_eq!(
            car_park_detail("Level 2", 1, None),
            "Level 2 · 1 space free"
        );
        assert_eq!(car_park_detail("Level 2", 0, None), "Level 2 · full");
    }

    #[test]
    fn waits_read_as_words() {
        assert_eq!(wait_words(0, 0), "No one waiting");
        assert_eq!(wait_words(3, 25), "3 waiting, about 25 minutes");
        assert_eq!(minutes(1), "1 minute");
        assert_eq!(minutes(60), "1 hour");
        assert_eq!(minutes(125), "2 hours 5 minutes");
        assert_eq!(minutes(-3), "0 minutes");
    }

    #[test]
    fn a_queue_place_reads_as_words() {
        let mut q = hale_api::QueueView {
            encounter_id: "en-1".into(),
            appointment_id: None,
            state: hale_api::QueueState::Waiting,
            clinic: "Cardiology".into(),
            location: "Outpatients B".into(),
            position: Some(2),
            estimate_minutes: Some(15),
            room: None,
            updated: "2026-12-01T10:00:00+00:00".parse().unwrap(),
        };
        assert_eq!(
            queue_words(&q),
            "You're checked in: number 2 in the queue, about 15 minutes to wait."
        );
        q.position = Some(1);
        q.estimate_minutes = Some(0);
        assert_eq!(queue_words(&q), "You're checked in and next to be called.");
        q.state = hale_api::QueueState::Called;
        q.room = Some("Room 3".into());
        assert_eq!(queue_words(&q), "It's your turn: please go to Room 3 now.");
    }

    #[test]
    fn lead_keys_are_short_and_distinct() {
        use hale_api::ReminderLead::{Days, Minutes};
        assert_eq!(lead_key(Days(1)), "1d");
        assert_eq!(lead_key(Minutes(120)), "120m");
        assert_ne!(lead_key(Days(2)), lead_key(Minutes(2)));
    }

    fn t(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    #[test]
    fn when_shows_one_day_once() {
        assert_eq!(
            when(
                t("2026-12-01T10:00:00+00:00"),
                t("2026-12-01T10:20:00+00:00")
            ),
            "Tue 1 Dec, 10:00–10:20"
        );
        assert_eq!(
            when(
                t("2026-12-01T23:50:00+00:00"),
                t("2026-12-02T00:10:00+00:00")
            ),
            "Tue 1 Dec, 23:50 – Wed 2 Dec, 00:10"
        );
    }

    #[test]
    fn slots_group_under_their_day_in_order() {
        let starts = [
            t("2026-12-01T09:00:00+00:00"),
            t("2026-12-01T09:20:00+00:00"),
            t("2026-12-03T14:00:00+00:00"),
        ];
        let groups = group_by_day(&starts, |s| *s);
        let shape: Vec<(String, usize)> =
            groups.iter().map(|(d, v)| (d.clone(), v.len())).collect();
        assert_eq!(
            shape,
            [("Tue 1 Dec".to_owned(), 2), ("Thu 3 Dec".to_owned(), 1)]
        );
        assert_eq!(time(groups[0].1[1]), "09:20");
    }

    #[test]
    fn live_data_has_no_notice() {
        let live = Freshness::Live {
            as_of: t("2026-11-25T09:12:00Z").with_timezone(&Utc),
        };
        assert_eq!(
            offline_notice(&live, FixedOffset::east_opt(0).unwrap()),
            None
        );
    }

    #[test]
    fn offline_notices_say_why_and_how_old() {
        let error = ApiError::new(ErrorCode::HospitalUnreachable, "connection refused");
        let cached = Freshness::Offline {
            cached_at: Some(t("2026-11-25T09:12:00Z").with_timezone(&Utc)),
            error: error.clone(),
        };
        let plus_one = FixedOffset::east_opt(3600).unwrap();
        assert_eq!(
            offline_notice(&cached, plus_one).unwrap(),
            "We can't reach the hospital right now. Showing what was saved on Wed 25 Nov at 10:12."
        );
        let never = Freshness::Offline {
            cached_at: None,
            error,
        };
        assert!(offline_notice(&never, plus_one)
            .unwrap()
            .ends_with("Nothing has been saved on this device yet."));
    }

    #[test]
    fn the_english_message_never_reaches_the_patient() {
        let e = ApiError::new(ErrorCode::HospitalError, "sqlx: database is locked");
        assert!(!error_text(&e).contains("sqlx"));
    }
}
