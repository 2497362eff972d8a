//! The rules a booking, a cancellation or a reschedule must pass, as plain functions of the
//! facts and the time. The hospital server enforces them; the app uses the same functions to
//! explain a refusal before it asks.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::{AppointmentStatus, RefusalCode};

/// A hospital's booking policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingRules {
    /// How far ahead a slot may be booked.
    pub horizon: Duration,
    /// How long before its start an appointment can still be cancelled or moved in the app.
    pub change_cutoff: Duration,
}

impl Default for BookingRules {
    fn default() -> Self {
        Self {
            horizon: Duration::days(90),
            change_cutoff: Duration::hours(24),
        }
    }
}

/// Why a booking, cancellation or reschedule is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("that time has already passed")]
    InThePast,
    #[error("bookings open {days} days ahead; that slot is further away")]
    BeyondHorizon { days: i64 },
    #[error("appointments can only be changed online until {hours} hours before they start")]
    TooLateToChange { hours: i64 },
    #[error("that time overlaps another of your appointments")]
    Overlaps,
    #[error("someone else has just booked that slot")]
    SlotTaken,
    #[error("an appointment that is {0} cannot be changed")]
    NotChangeable(&'static str),
    #[error("that offer is no longer open")]
    OfferClosed,
}

impl Refusal {
    /// Its kind on the wire.
    pub fn refusal_code(&self) -> RefusalCode {
        match self {
            Self::InThePast => RefusalCode::InThePast,
            Self::BeyondHorizon { .. } => RefusalCode::BeyondHorizon,
            Self::TooLateToChange { .. } => RefusalCode::TooLateToChange,
            Self::Overlaps => RefusalCode::Overlaps,
            Self::SlotTaken => RefusalCode::SlotTaken,
            Self::NotChangeable(_) => RefusalCode::NotChangeable,
            Self::OfferClosed => RefusalCode::OfferClosed,
        }
    }

    /// Its stable wire code (FHIR `OperationOutcome.issue.details`).
    pub fn code(&self) -> &'static str {
        self.refusal_code().code()
    }
}

/// A time span `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Span {
    pub fn overlaps(&self, other: &Span) -> bool {
        self.start < other.end && other.start < self.end
    }
}

impl BookingRules {
    /// May the patient book `slot`, given the spans of their other live appointments?
    pub fn check_booking(
        &self,
        now: DateTime<Utc>,
        slot: Span,
        others: &[Span],
    ) -> Result<(), Refusal> {
        if slot.start <= now {
            return Err(Refusal::InThePast);
        }
        if slot.start > now + self.horizon {
            return Err(Refusal::BeyondHorizon {
                days: self.horizon.num_days(),
            });
        }
        if others.iter().any(|o| o.overlaps(&slot)) {
            return Err(Refusal::Overlaps);
        }
        Ok(())
    }

    /// May the patient cancel or move an appointment in `status` that starts at `start`?
    pub fn check_change(
        &self,
        now: DateTime<Utc>,
        start: DateTime<Utc>,
        status: AppointmentStatus,
    ) -> Result<(), Refusal> {
        if !matches!(
            status,
            AppointmentStatus::Booked | AppointmentStatus::Pending | AppointmentStatus::Proposed
        ) {
            return Err(Refusal::NotChangeable(status.fhir_code()));
        }
        if start <= now {
            return Err(Refusal::InThePast);
        }
        if start - now < self.change_cutoff {
            return Err(Refusal::TooLateToChange {
                hours: self.change_cutoff.num_hours(),
            });
        }
        Ok(())
    }

    /// Moving an appointment: the old one must be changeable and the new slot bookable, the
    /// patient's other appointments (not the one being moved) counting as overlaps.
    pub fn check_reschedule(
        &self,
        now: DateTime<Utc>,
        current_start: DateTime<Utc>,
        current_status: AppointmentStatus,
        new_slot: Span,
        others: &[Span],
    ) -> Result<(), Refusal> {
        self.check_change(now, current_start, current_status)?;
        self.check_booking(now, new_slot, others)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(day: u32, h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, day, h, m, 0).unwrap()
    }

    fn span(day: u32, h: u32, m: u32, minutes: i64) -> Span {
        let start = t(day, h, m);
        Span {
            start,
            end: start + Duration::minutes(minutes),
        }
    }

    const RULES: BookingRules = BookingRules {
        horizon: Duration::days(90),
        change_cutoff: Duration::hours(24),
    };

    #[test]
    fn booking_checks_time_horizon_and_overlap() {
        let now = t(1, 9, 0);
        let cases: &[(Span, &[Span], Result<(), Refusal>)] = &[
            (span(2, 10, 0, 20), &[], Ok(())),
            (span(1, 9, 0, 20), &[], Err(Refusal::InThePast)),
            (span(1, 8, 40, 20), &[], Err(Refusal::InThePast)),
            (
                span(2, 10, 0, 20),
                &[span(2, 10, 10, 20)],
                Err(Refusal::Overlaps),
            ),
            // Back to back is not an overlap.
            (span(2, 10, 0, 20), &[span(2, 10, 20, 20)], Ok(())),
            (span(2, 10, 0, 20), &[span(2, 9, 40, 20)], Ok(())),
        ];
        for (slot, others, expect) in cases {
            assert_eq!(&RULES.check_booking(now, *slot, others), expect, "{slot:?}");
        }
    }

    #[test]
    fn the_horizon_is_inclusive() {
        let now = t(1, 9, 0);
        let at_horizon = Span {
            start: now + Duration::days(90),
            end: now + Duration::days(90) + Duration::minutes(20),
        };
        assert_eq!(RULES.check_booking(now, at_horizon, &[]), Ok(()));
        let beyond = Span {
            start: at_horizon.start + Duration::minutes(1),
            end: at_horizon.end + Duration::minutes(1),
        };
        assert_eq!(
            RULES.check_booking(now, beyond, &[]),
            Err(Refusal::BeyondHorizon { days: 90 })
        );
    }

    #[test]
    fn changes_close_at_the_cutoff() {
        use AppointmentStatus::*;
        let start = t(10, 10, 0);
        let just_in_time = start - Duration::hours(24);
        assert_eq!(RULES.check_change(just_in_time, start, Booked), Ok(()));
        assert_eq!(
            RULES.check_change(just_in_time + Duration::seconds(1), start, Booked),
            Err(Refusal::TooLateToChange { hours: 24 })
        );
        assert_eq!(
            RULES.check_change(start, start, Booked),
            Err(Refusal::InThePast)
        );
        assert_eq!(
            RULES.check_change(t(1, 9, 0), start, Cancelled),
            Err(Refusal::NotChangeable("cancelled"))
        );
        assert_eq!(
            RULES.check_change(t(1, 9, 0), start, Arrived),
            Err(Refusal::NotChangeable("arrived"))
        );
    }

    #[test]
    fn rescheduling_needs_both_ends_to_pass() {
        use AppointmentStatus::Booked;
        let now = t(1, 9, 0);
        let current = t(10, 10, 0);
        assert_eq!(
            RULES.check_reschedule(now, current, Booked, span(3, 9, 0, 20), &[]),
            Ok(())
        );
        assert_eq!(
            RULES.check_reschedule(now, t(1, 20, 0), Booked, span(3, 9, 0, 20), &[]),
            Err(Refusal::TooLateToChange { hours: 24 })
        );
        assert_eq!(
            RULES.check_reschedule(now, current, Booked, span(1, 8, 0, 20), &[]),
            Err(Refusal::InThePast)
        );
    }
}
