//! What a patient may do with an appointment now, under the hospital's own rules and within
//! what it offers in the app: the app shows "Move", "Cancel", "Wait for an earlier time" and
//! "Check in" only where the hospital would say yes.

use chrono::{DateTime, Utc};

use crate::{Appointment, AppointmentStatus, ArrivalWindow, BookingRules, Feature, Offers};

/// The hospital's rules for changing and checking in, as it publishes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AppointmentRules {
    pub booking: BookingRules,
    pub arrival: ArrivalWindow,
}

/// What the patient may do with one appointment at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Allowed {
    /// The rules still let it change (outside the change cut-off, not over), whether or not the
    /// hospital offers changes in the app: the app then says whom to call.
    pub changeable: bool,
    pub can_move: bool,
    pub can_cancel: bool,
    /// The patient may ask to be offered an earlier time.
    pub can_wait: bool,
    /// Check-in is open for it, in the app.
    pub can_check_in: bool,
}

impl AppointmentRules {
    /// What the patient may do with `appointment` at `now` at a hospital offering `offers`.
    pub fn allowed(
        &self,
        appointment: &Appointment,
        now: DateTime<Utc>,
        offers: Offers,
    ) -> Allowed {
        let changeable = self
            .booking
            .check_change(now, appointment.start, appointment.status)
            .is_ok();
        Allowed {
            changeable,
            can_move: changeable && offers.contains(Feature::Moving),
            can_cancel: changeable && offers.contains(Feature::Cancelling),
            can_wait: changeable && offers.contains(Feature::Waitlist),
            can_check_in: appointment.status == AppointmentStatus::Booked
                && self.arrival.is_open(now, appointment.start)
                && offers.contains(Feature::CheckIn),
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

    /// Everything a change allows.
    const CHANGEABLE: Allowed = Allowed {
        changeable: true,
        can_move: true,
        can_cancel: true,
        can_wait: true,
        can_check_in: false,
    };

    fn noon() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 4, 12, 0, 0).unwrap()
    }

    #[test]
    fn an_appointment_far_ahead_can_be_changed_but_not_checked_in() {
        let a = booked_at(noon() + Duration::days(3));
        assert_eq!(
            AppointmentRules::default().allowed(&a, noon(), Offers::all()),
            Allowed {
                can_check_in: false,
                ..CHANGEABLE
            }
        );
    }

    #[test]
    fn near_its_start_it_can_be_checked_in_and_no_longer_changed() {
        let a = booked_at(noon() + Duration::minutes(20));
        assert_eq!(
            AppointmentRules::default().allowed(&a, noon(), Offers::all()),
            Allowed {
                can_check_in: true,
                ..Allowed::default()
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
        assert!(
            AppointmentRules::default()
                .allowed(&a, noon(), Offers::all())
                .changeable
        );
        assert_eq!(
            strict.allowed(&a, noon(), Offers::all()),
            Allowed {
                can_check_in: true,
                ..Allowed::default()
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
            AppointmentRules::default().allowed(&a, noon(), Offers::all()),
            Allowed::default()
        );
    }

    #[test]
    fn what_the_hospital_does_not_offer_is_not_allowed_even_inside_its_rules() {
        let far = booked_at(noon() + Duration::days(3));
        let soon = booked_at(noon() + Duration::minutes(20));
        let only_cancelling = Offers::NONE.with(Feature::Cancelling);
        assert_eq!(
            AppointmentRules::default().allowed(&far, noon(), only_cancelling),
            Allowed {
                changeable: true,
                can_cancel: true,
                ..Allowed::default()
            }
        );
        assert_eq!(
            AppointmentRules::default().allowed(&soon, noon(), Offers::NONE),
            Allowed::default()
        );
    }
}
