//! The Today screen's choices and words: which doses to show now, how far away an appointment
//! is, the live wait at its clinic, and the newest reading. Plain functions of the views the
//! shell sent and the time now.

use chrono::{DateTime, FixedOffset, NaiveDate};
use hale_api::{AppointmentView, ClinicWaitView, DoseStateView, DoseView, ReadingView};

/// Today's doses as the patient acts on them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DoseGroups {
    /// Past their time and not logged (late or missed, including yesterday's).
    pub overdue: Vec<DoseView>,
    /// Due now, or snoozed.
    pub due_now: Vec<DoseView>,
    /// Still to come today, soonest first.
    pub later: Vec<DoseView>,
    /// Taken or skipped.
    pub done: Vec<DoseView>,
}

impl DoseGroups {
    pub fn is_empty(&self) -> bool {
        self.overdue.is_empty() && self.due_now.is_empty() && self.later.is_empty()
    }
}

/// Sorts the doses into Overdue, Due now, Later and Done. `is_empty` asks of the open ones.
pub fn dose_groups(doses: &[DoseView]) -> DoseGroups {
    let mut groups = DoseGroups::default();
    for dose in doses {
        match dose.state {
            DoseStateView::Late | DoseStateView::Missed => groups.overdue.push(dose.clone()),
            DoseStateView::Due | DoseStateView::Snoozed { .. } => groups.due_now.push(dose.clone()),
            DoseStateView::Upcoming => groups.later.push(dose.clone()),
            DoseStateView::Taken { .. } | DoseStateView::Skipped => groups.done.push(dose.clone()),
        }
    }
    groups
}

/// "08:00" for today's dose, "Yesterday 22:00" for yesterday's, "Wed 2 Dec 22:00" before that.
pub fn dose_time(due: DateTime<FixedOffset>, today: NaiveDate) -> String {
    let time = due.format("%H:%M");
    match (today - due.date_naive()).num_days() {
        0 => time.to_string(),
        1 => format!("Yesterday {time}"),
        -1 => format!("Tomorrow {time}"),
        _ => format!("{} {time}", due.format("%a %-d %b")),
    }
}

/// "Today", "Tomorrow", "In 3 days", "Yesterday", "4 days ago": a date from today's.
pub fn relative_day(date: NaiveDate, today: NaiveDate) -> String {
    match (date - today).num_days() {
        0 => "Today".to_owned(),
        1 => "Tomorrow".to_owned(),
        -1 => "Yesterday".to_owned(),
        n if n > 1 => format!("In {n} days"),
        n => format!("{} days ago", -n),
    }
}

/// "Today at 14:30", "Tomorrow at 09:00", "In 3 days · Tue 8 Dec at 10:00".
pub fn appointment_when(start: DateTime<FixedOffset>, today: NaiveDate) -> String {
    let date = start.date_naive();
    let relative = relative_day(date, today);
    let time = start.format("%H:%M");
    match (date - today).num_days() {
        -1..=1 => format!("{relative} at {time}"),
        _ => format!("{relative} · {} at {time}", start.format("%a %-d %b")),
    }
}

/// The board's line for the clinic of `appointment`, when it is today and the board has it.
pub fn clinic_wait<'a>(
    appointment: &AppointmentView,
    clinics: &'a [ClinicWaitView],
    today: NaiveDate,
) -> Option<&'a ClinicWaitView> {
    if appointment.start.date_naive() != today {
        return None;
    }
    let location = appointment.location.as_deref()?;
    clinics.iter().find(|c| c.location == location)
}

/// "Running 15 minutes late · about 20 minutes' wait", or "On time · about 5 minutes' wait".
pub fn clinic_wait_words(clinic: &ClinicWaitView) -> String {
    let late = if clinic.running_late_minutes > 0 {
        format!(
            "Running {} late",
            super::minutes(clinic.running_late_minutes)
        )
    } else {
        "On time".to_owned()
    };
    format!(
        "{late} · about {} wait",
        super::minutes(clinic.estimate_minutes.max(0))
    )
}

/// The newest reading of any kind.
pub fn newest_reading(latest: &[ReadingView]) -> Option<&ReadingView> {
    latest.iter().max_by_key(|r| r.at)
}

/// Minutes from `now` until `end`, rounded up (a session with 30 s left has "1 minute" left).
pub fn minutes_until(end: DateTime<FixedOffset>, now: DateTime<FixedOffset>) -> i64 {
    let seconds = (end - now).num_seconds();
    if seconds <= 0 {
        0
    } else {
        (seconds + 59) / 60
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(day: u32, hour: u32, minute: u32) -> DateTime<FixedOffset> {
        FixedOffset::east_opt(0)
            .unwrap()
            .with_ymd_and_hms(2026, 12, day, hour, minute, 0)
            .unwrap()
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 4).unwrap()
    }

    fn dose(slot: &str, due: DateTime<FixedOffset>, state: DoseStateView) -> DoseView {
        DoseView {
            medicine_id: "rx:1".into(),
            name: "Metformin".into(),
            slot: slot.into(),
            due,
            dose: Some(1.0),
            unit: Some("tablet".into()),
            state,
        }
    }

    #[test]
    fn doses_are_grouped_as_overdue_due_now_later_and_done() {
        let doses = [
            dose("a", at(3, 22, 0), DoseStateView::Missed),
            dose("g", at(4, 6, 0), DoseStateView::Late),
            dose("b", at(4, 8, 0), DoseStateView::Due),
            dose(
                "c",
                at(4, 8, 0),
                DoseStateView::Taken {
                    at: at(4, 8, 5),
                    late: false,
                },
            ),
            dose(
                "d",
                at(4, 9, 0),
                DoseStateView::Snoozed {
                    until: at(4, 9, 30),
                },
            ),
            dose("e", at(4, 18, 0), DoseStateView::Upcoming),
            dose("f", at(4, 12, 0), DoseStateView::Skipped),
        ];
        let groups = dose_groups(&doses);
        let slots = |v: &[DoseView]| v.iter().map(|d| d.slot.clone()).collect::<Vec<_>>();
        assert_eq!(slots(&groups.overdue), ["a", "g"]);
        assert_eq!(slots(&groups.due_now), ["b", "d"]);
        assert_eq!(slots(&groups.later), ["e"]);
        assert_eq!(slots(&groups.done), ["c", "f"]);
        assert!(
            dose_groups(&doses[3..4]).is_empty(),
            "only a settled dose: nothing open"
        );
    }

    #[test]
    fn yesterdays_dose_is_labelled_as_yesterdays() {
        assert_eq!(dose_time(at(4, 8, 0), today()), "08:00");
        assert_eq!(dose_time(at(3, 22, 0), today()), "Yesterday 22:00");
        assert_eq!(dose_time(at(2, 22, 0), today()), "Wed 2 Dec 22:00");
    }

    #[test]
    fn appointments_are_dated_relative_to_today() {
        assert_eq!(appointment_when(at(4, 14, 30), today()), "Today at 14:30");
        assert_eq!(appointment_when(at(5, 9, 0), today()), "Tomorrow at 09:00");
        assert_eq!(
            appointment_when(at(7, 10, 0), today()),
            "In 3 days · Mon 7 Dec at 10:00"
        );
        assert_eq!(
            relative_day(at(1, 0, 0).date_naive(), today()),
            "3 days ago"
        );
    }

    fn appointment(start: DateTime<FixedOffset>, location: &str) -> AppointmentView {
        AppointmentView {
            id: "a1".into(),
            reference: None,
            status: hale_api::AppointmentStage::Booked,
            start,
            end: start + chrono::Duration::minutes(20),
            service: "Cardiology".into(),
            clinician: None,
            location: Some(location.into()),
            waitlist: None,
            can_check_in: false,
            changeable: true,
            can_move: true,
            can_cancel: true,
            can_wait: true,
            has_form: false,
        }
    }

    fn clinic(location: &str, late: i64) -> ClinicWaitView {
        ClinicWaitView {
            name: "Cardiology".into(),
            location: location.into(),
            waiting: 3,
            estimate_minutes: 20,
            running_late_minutes: late,
        }
    }

    #[test]
    fn the_live_wait_is_shown_only_for_todays_appointment_at_its_own_clinic() {
        let board = [clinic("Level 2, Outpatients B", 0), clinic("Level 1", 15)];
        let today_at_level_1 = appointment(at(4, 14, 0), "Level 1");
        let found = clinic_wait(&today_at_level_1, &board, today()).unwrap();
        assert_eq!(
            clinic_wait_words(found),
            "Running 15 minutes late · about 20 minutes wait"
        );
        assert!(clinic_wait(&appointment(at(5, 14, 0), "Level 1"), &board, today()).is_none());
        assert!(clinic_wait(&appointment(at(4, 14, 0), "Level 9"), &board, today()).is_none());
    }

    #[test]
    fn time_left_rounds_up_to_the_minute_and_stops_at_zero() {
        assert_eq!(minutes_until(at(4, 10, 1), at(4, 10, 0)), 1);
        assert_eq!(
            minutes_until(at(4, 10, 0) + chrono::Duration::seconds(30), at(4, 10, 0)),
            1
        );
        assert_eq!(minutes_until(at(4, 9, 0), at(4, 10, 0)), 0);
    }
}
