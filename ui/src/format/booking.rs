//! Booking in words: the day strip's labels, times grouped by part of the day, and a warning
//! when a time falls on a day with another of the patient's appointments.

use chrono::{DateTime, FixedOffset, NaiveDate, Timelike};
use hale_api::{AppointmentView, SlotView};

/// A day in the strip: ("Today" | "Tomorrow" | "Fri", "4 Dec"), day before month as in en-GB.
pub fn strip_day(day: NaiveDate, today: NaiveDate) -> (String, String) {
    let weekday = match (day - today).num_days() {
        0 => "Today".to_owned(),
        1 => "Tomorrow".to_owned(),
        _ => day.format("%a").to_string(),
    };
    (weekday, day.format("%-d %b").to_string())
}

/// "Morning" before noon, "Afternoon" until five, "Evening" after.
pub fn part_of_day(t: DateTime<FixedOffset>) -> &'static str {
    match t.hour() {
        0..=11 => "Morning",
        12..=16 => "Afternoon",
        _ => "Evening",
    }
}

/// One day's slots grouped by part of the day, in order, keeping the slots' own order.
pub fn by_part_of_day(slots: &[SlotView]) -> Vec<(&'static str, Vec<SlotView>)> {
    let mut groups: Vec<(&'static str, Vec<SlotView>)> = Vec::new();
    for slot in slots {
        let part = part_of_day(slot.start);
        match groups.iter_mut().find(|(p, _)| *p == part) {
            Some((_, members)) => members.push(slot.clone()),
            None => groups.push((part, vec![slot.clone()])),
        }
    }
    groups
}

/// "You already have Cardiology at 10:00 that day." when `slot` falls on the day of another
/// upcoming appointment (not the one being moved, `except`).
pub fn same_day(
    slot: &SlotView,
    appointments: &[AppointmentView],
    except: Option<String>,
) -> Option<String> {
    let day = slot.start.date_naive();
    let others: Vec<String> = appointments
        .iter()
        .filter(|a| a.start.date_naive() == day && Some(&a.id) != except.as_ref())
        .map(|a| format!("{} at {}", a.service, a.start.format("%H:%M")))
        .collect();
    (!others.is_empty()).then(|| format!("You already have {} that day.", others.join(" and ")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(day: u32, hour: u32) -> DateTime<FixedOffset> {
        FixedOffset::east_opt(0)
            .unwrap()
            .with_ymd_and_hms(2026, 12, day, hour, 0, 0)
            .unwrap()
    }

    fn slot(id: &str, start: DateTime<FixedOffset>) -> SlotView {
        SlotView {
            id: id.into(),
            start,
            end: start + chrono::Duration::minutes(20),
            service: "Cardiology".into(),
            clinician: None,
            location: None,
        }
    }

    #[test]
    fn the_day_strip_puts_the_day_before_the_month() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        assert_eq!(strip_day(today, today), ("Today".into(), "4 Dec".into()));
        let later = NaiveDate::from_ymd_opt(2026, 12, 8).unwrap();
        assert_eq!(strip_day(later, today), ("Tue".into(), "8 Dec".into()));
    }

    #[test]
    fn times_are_grouped_as_morning_afternoon_and_evening() {
        let slots = [
            slot("a", at(4, 9)),
            slot("b", at(4, 11)),
            slot("c", at(4, 14)),
            slot("d", at(4, 17)),
        ];
        let groups: Vec<(&str, usize)> = by_part_of_day(&slots)
            .into_iter()
            .map(|(p, s)| (p, s.len()))
            .collect();
        assert_eq!(groups, [("Morning", 2), ("Afternoon", 1), ("Evening", 1)]);
    }

    #[test]
    fn a_time_on_the_day_of_another_appointment_is_warned_of_but_not_the_one_being_moved() {
        let booked = AppointmentView {
            id: "a1".into(),
            reference: None,
            status: hale_api::AppointmentStage::Booked,
            start: at(8, 10),
            end: at(8, 11),
            service: "Ophthalmology".into(),
            clinician: None,
            location: None,
            waitlist: None,
            can_check_in: false,
            changeable: true,
            can_move: true,
            can_cancel: true,
            can_wait: true,
            has_form: false,
        };
        let appointments = [booked];
        assert_eq!(
            same_day(&slot("s", at(8, 15)), &appointments, None).as_deref(),
            Some("You already have Ophthalmology at 10:00 that day.")
        );
        assert_eq!(same_day(&slot("s", at(9, 15)), &appointments, None), None);
        assert_eq!(
            same_day(&slot("s", at(8, 15)), &appointments, Some("a1".into())),
            None,
            "moving that one"
        );
    }
}
