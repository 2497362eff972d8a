//! When a pre-visit form can be filled in: from a week before the appointment until it ends
//! (the kiosk offers it right after checking in), and only while the appointment is live.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::Appointment;

/// How long before the appointment its form opens.
pub const OPENS_BEFORE: Duration = Duration::days(7);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FormWindow {
    pub opens: DateTime<Utc>,
    pub closes: DateTime<Utc>,
}

/// Where a form stands for the patient at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum FormState {
    NotYet {
        opens: DateTime<Utc>,
    },
    Open,
    /// The appointment has ended or is no longer live.
    Closed,
}

impl FormWindow {
    pub fn of(appointment: &Appointment) -> Self {
        Self {
            opens: appointment.start - OPENS_BEFORE,
            closes: appointment.end,
        }
    }

    pub fn state(appointment: &Appointment, now: DateTime<Utc>) -> FormState {
        let window = Self::of(appointment);
        if !appointment.status.is_live() || now >= window.closes {
            FormState::Closed
        } else if now < window.opens {
            FormState::NotYet {
                opens: window.opens,
            }
        } else {
            FormState::Open
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AppointmentStatus;
    use chrono::TimeZone;

    fn appointment(status: AppointmentStatus) -> Appointment {
        let start = Utc.with_ymd_and_hms(2026, 12, 14, 9, 40, 0).unwrap();
        Appointment {
            id: "a".into(),
            reference: None,
            status,
            start,
            end: start + Duration::minutes(20),
            service: "Cardiology".into(),
            clinician: None,
            location: None,
            form: Some("q".into()),
        }
    }

    #[test]
    fn a_form_opens_a_week_ahead_and_closes_when_the_visit_ends() {
        let a = appointment(AppointmentStatus::Booked);
        let check = |now: DateTime<Utc>, expect: FormState| {
            assert_eq!(FormWindow::state(&a, now), expect, "{now}");
        };
        let opens = a.start - Duration::days(7);
        check(opens - Duration::seconds(1), FormState::NotYet { opens });
        check(opens, FormState::Open);
        check(a.start + Duration::minutes(5), FormState::Open);
        check(a.end, FormState::Closed);
    }

    #[test]
    fn a_cancelled_appointments_form_is_closed() {
        let a = appointment(AppointmentStatus::Cancelled);
        assert_eq!(
            FormWindow::state(&a, a.start - Duration::days(1)),
            FormState::Closed
        );
        let arrived = appointment(AppointmentStatus::Arrived);
        assert_eq!(
            FormWindow::state(&arrived, arrived.start),
            FormState::Open,
            "the kiosk offers it after checking in"
        );
    }
}
