//! What a patient may do with an appointment now, under the hospital's own rules: the app shows
//! "Move", "Cancel" and "Check in" only where the hospital would say yes.

use chrono::{DateTime, Utc};

use crate::{Appointment, AppointmentStatus, ArrivalWindow, BookingRules};

/// The hospital's rules for changing and checking in, as it publishes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AppointmentRules {
    pub booking: BookingRules,
    pub arrival: ArrivalWindow,
}

/// What the patient may do with one appointment at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Allowed {
    /// It can still be moved or cancelled in the app (outside the change cut-off).
    pub changeable: bool,
    /// Check-in is open for it.
    pub can_check_in: bool,
}

impl AppointmentRules {
    /// What the patient may do with `appointment` at `now`.
    pub fn allowed(&self, appointment: &Appointment, now: DateTime<Utc>) -> Allowed {
        Allowed {
            changeable: self
                .booking
                .check_change(now, appointment.start, appointment.status)
                .is_ok(),
            can_check_in: appointment.status == AppointmentStatus::Booked
                && self.arrival.is_open(now, appointment.start),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;

    fn booked_at(start: DateTime<Utc>) -> Appointment {
        Appointment {
            id: "ap-1".into(),
            reference: None,
            status: AppointmentStatus::Booked,
            start,
            end: start + Duration::minutes(20),
            service: "Cardiology".into(),
            clinician: None,
            location: None,
            form: None,
        }
    }

    fn noon() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 4, 12, 0, 0).unwrap()
    }

    #[test]
    fn an_appointment_far_ahead_can_be_changed_but_not_checked_in() {
        let a = booked_at(noon() + Duration::days(3));
        assert_eq!(
            AppointmentRules::default().allowed(&a, noon()),
            Allowed {
                changeable: true,
                can_check_in: false
            }
        );
    }

    #[test]
    fn near_its_start_it_can_be_checked_in_and_no_longer_changed() {
        let a = booked_at(noon() + Duration::minutes(20));
        assert_eq!(
            AppointmentRules::default().allowed(&a, noon()),
            Allowed {
                changeable: false,
                can_check_in: true
            }
        );
    }

    #[test]
    fn the_hospitals_own_rules_decide_not_the_defaults() {
        let a = booked_at(noon() + Duration::hours(30));
        let strict = AppointmentRules {
            booking: BookingRules {
                change_cutoff: Duration::hours(48),
                ..BookingRules::default()
            },
            arrival: ArrivalWindow {
                before: Duration::hours(31),
                after: Duration::minutes(15),
            },
        };
        assert!(AppointmentRules::default().allowed(&a, noon()).changeable);
        assert_eq!(
            strict.allowed(&a, noon()),
            Allowed {
                changeable: false,
                can_check_in: true
            }
        );
    }

    #[test]
    fn an_arrived_appointment_is_neither_changed_nor_checked_in_again() {
        let a = Appointment {
            status: AppointmentStatus::Arrived,
            ..booked_at(noon() + Duration::minutes(10))
        };
        assert_eq!(
            AppointmentRules::default().allowed(&a, noon()),
            Allowed::default()
        );
    }
}
