//! What Hale says at a glance while its window is closed (the tray menu): when the next dose is
//! and when the next appointment is. Like a notification it says when, never what: a tray menu
//! can be opened by whoever stands at the screen.

use std::fmt;

use chrono::{DateTime, TimeZone, Utc};

use crate::medication::adherence::DoseState;
use crate::medication::overview::DoseItem;
use crate::reminder::spoken_when;

/// The next dose the patient has to act on today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextDose {
    /// At least one dose is due (or late, or its snooze is over) now.
    DueNow,
    At(DateTime<Utc>),
    /// Nothing more today.
    NoneToday,
}

/// The next dose among today's, as the medicines screen lists them.
pub fn next_dose(doses: &[DoseItem], now: DateTime<Utc>) -> NextDose {
    let mut next: Option<DateTime<Utc>> = None;
    for dose in doses {
        let at = match dose.state {
            DoseState::Due | DoseState::Late => return NextDose::DueNow,
            DoseState::Snoozed { until } if until <= now => return NextDose::DueNow,
            DoseState::Snoozed { until } => until,
            DoseState::Upcoming => dose.due,
            DoseState::Missed | DoseState::Taken { .. } | DoseState::Skipped => continue,
        };
        next = Some(next.map_or(at, |n| n.min(at)));
    }
    next.map_or(NextDose::NoneToday, NextDose::At)
}

/// "Next dose: today at 20:00", "A dose is due now", "No more doses today".
pub fn dose_line<Tz: TimeZone>(next: NextDose, now: DateTime<Utc>, zone: &Tz) -> String
where
    Tz::Offset: fmt::Display,
{
    match next {
        NextDose::DueNow => "A dose is due now".to_owned(),
        NextDose::At(at) => format!("Next dose: {}", spoken_when(at, now, zone)),
        NextDose::NoneToday => "No more doses today".to_owned(),
    }
}

/// "Next appointment: tomorrow at 09:40", or "No appointments booked".
pub fn appointment_line<Tz: TimeZone>(
    start: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    zone: &Tz,
) -> String
where
    Tz::Offset: fmt::Display,
{
    match start {
        Some(at) if at <= now => "An appointment is under way".to_owned(),
        Some(at) => format!("Next appointment: {}", spoken_when(at, now, zone)),
        None => "No appointments booked".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Europe::London;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 6, h, m, 0).unwrap()
    }

    fn dose(h: u32, state: DoseState) -> DoseItem {
        DoseItem {
            medicine_id: "rx:1".into(),
            name: "Metformin".into(),
            slot: format!("2026-12-06T{h:02}:00"),
            due: at(h, 0),
            dose: None,
            unit: None,
            state,
        }
    }

    #[test]
    fn the_next_dose_is_the_earliest_still_to_come() {
        let doses = [
            dose(
                8,
                DoseState::Taken {
                    at: at(8, 1),
                    late: false,
                },
            ),
            dose(20, DoseState::Upcoming),
            dose(13, DoseState::Upcoming),
        ];
        assert_eq!(next_dose(&doses, at(9, 0)), NextDose::At(at(13, 0)));
        assert_eq!(
            dose_line(next_dose(&doses, at(9, 0)), at(9, 0), &London),
            "Next dose: today at 13:00"
        );
    }

    #[test]
    fn a_dose_due_late_or_past_its_snooze_is_due_now() {
        assert_eq!(
            next_dose(&[dose(8, DoseState::Due)], at(8, 5)),
            NextDose::DueNow
        );
        assert_eq!(
            next_dose(&[dose(8, DoseState::Late)], at(10, 0)),
            NextDose::DueNow
        );
        let snoozed = dose(8, DoseState::Snoozed { until: at(8, 10) });
        assert_eq!(
            next_dose(std::slice::from_ref(&snoozed), at(8, 5)),
            NextDose::At(at(8, 10))
        );
        assert_eq!(next_dose(&[snoozed], at(8, 10)), NextDose::DueNow);
    }

    #[test]
    fn missed_taken_and_skipped_doses_are_not_next() {
        let doses = [
            dose(8, DoseState::Missed),
            dose(9, DoseState::Skipped),
            dose(
                10,
                DoseState::Taken {
                    at: at(10, 0),
                    late: false,
                },
            ),
        ];
        assert_eq!(next_dose(&doses, at(11, 0)), NextDose::NoneToday);
        assert_eq!(
            dose_line(NextDose::NoneToday, at(11, 0), &London),
            "No more doses today"
        );
    }

    #[test]
    fn the_appointment_line_says_when_and_never_where() {
        assert_eq!(
            appointment_line(
                Some(at(9, 40) + chrono::Duration::days(1)),
                at(12, 0),
                &London
            ),
            "Next appointment: tomorrow at 09:40"
        );
        assert_eq!(
            appointment_line(None, at(12, 0), &London),
            "No appointments booked"
        );
        assert_eq!(
            appointment_line(Some(at(11, 30)), at(12, 0), &London),
            "An appointment is under way"
        );
    }
}
