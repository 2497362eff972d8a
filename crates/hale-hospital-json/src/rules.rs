//! `GET /api/rules` (Hale JSON, public): the hospital's rules for changing an appointment and
//! checking in, so the app offers only what the hospital will allow.

use chrono::Duration;
use hale_domain::{AppointmentRules, ArrivalWindow, BookingRules};
use serde::{Deserialize, Serialize};

/// The rules as they travel, in whole minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct HospitalRules {
    /// How far ahead a slot may be booked.
    pub booking_horizon_minutes: i64,
    /// How long before its start an appointment can still be moved or cancelled in the app.
    pub change_cutoff_minutes: i64,
    /// How long before its start check-in opens, and after its start it closes.
    pub check_in_opens_minutes_before: i64,
    pub check_in_closes_minutes_after: i64,
}

impl From<AppointmentRules> for HospitalRules {
    fn from(r: AppointmentRules) -> Self {
        Self {
            booking_horizon_minutes: r.booking.horizon.num_minutes(),
            change_cutoff_minutes: r.booking.change_cutoff.num_minutes(),
            check_in_opens_minutes_before: r.arrival.before.num_minutes(),
            check_in_closes_minutes_after: r.arrival.after.num_minutes(),
        }
    }
}

impl From<HospitalRules> for AppointmentRules {
    fn from(r: HospitalRules) -> Self {
        // Negative spans make no sense; read as zero rather than refusing the whole document.
        let minutes = |m: i64| Duration::minutes(m.max(0));
        Self {
            booking: BookingRules {
                horizon: minutes(r.booking_horizon_minutes),
                change_cutoff: minutes(r.change_cutoff_minutes),
            },
            arrival: ArrivalWindow {
                before: minutes(r.check_in_opens_minutes_before),
                after: minutes(r.check_in_closes_minutes_after),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rules_travel_in_minutes_and_read_back_whole() {
        let rules = AppointmentRules::default();
        let wire = HospitalRules::from(rules);
        assert_eq!(wire.change_cutoff_minutes, 24 * 60);
        assert_eq!(wire.check_in_opens_minutes_before, 30);
        let json = serde_json::to_value(wire).unwrap();
        assert_eq!(json["booking_horizon_minutes"], 90 * 24 * 60);
        assert_eq!(AppointmentRules::from(wire), rules);
    }

    #[test]
    fn a_negative_span_reads_as_zero() {
        let wire = HospitalRules {
            change_cutoff_minutes: -5,
            ..HospitalRules::from(AppointmentRules::default())
        };
        assert_eq!(
            AppointmentRules::from(wire).booking.change_cutoff,
            Duration::zero()
        );
    }
}
