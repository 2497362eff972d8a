//! How long a medicine's supply lasts, and when to ask for a refill.
//!
//! The patient says how much they have ("28 tablets"), once or whenever they count. Every dose
//! logged as taken since then comes off it. The daily use is read from the schedule itself over
//! the coming [`LOOKAHEAD_DAYS`], so a tapering course that is about to step down is not refilled
//! at its current rate, and a course that ends soon asks for no refill at all.

use chrono::{DateTime, Utc};

use super::timing::ScheduledDose;

/// How far ahead the schedule is read to estimate daily use.
pub const LOOKAHEAD_DAYS: u32 = 14;

/// A refill reminder comes when the supply lasts fewer days than this.
pub const REFILL_WARNING_DAYS: u32 = 7;

/// What is left of `supply` after the doses taken since it was counted (never below zero).
pub fn remaining(supply: f64, taken_since: impl IntoIterator<Item = f64>) -> f64 {
    (supply - taken_since.into_iter().sum::<f64>()).max(0.0)
}

/// How the supply stands against the schedule.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Outlook {
    pub remaining: f64,
    /// Whole days the supply lasts at the coming schedule; `None` when no scheduled dose comes
    /// in the lookahead (an as-needed medicine, or a course that has ended).
    pub days_left: Option<u32>,
    /// Whether the patient should ask for more now.
    pub refill: bool,
}

/// The outlook of `remaining`, given the doses due in the next [`LOOKAHEAD_DAYS`] from `now`.
///
/// The supply runs out at the first upcoming dose it cannot cover; the days until then are the
/// days left. A refill is due when that is fewer than [`REFILL_WARNING_DAYS`] away, or when
/// nothing is left while doses are still to come. A dose without a stated amount counts as one
/// unit.
pub fn outlook(remaining: f64, upcoming: &[ScheduledDose], now: DateTime<Utc>) -> Outlook {
    let mut left = remaining;
    let mut runs_out = None;
    for dose in upcoming.iter().filter(|d| d.due >= now) {
        let amount = dose.dose.unwrap_or(1.0);
        if left + 1e-9 < amount {
            runs_out = Some(dose.due);
            break;
        }
        left -= amount;
    }
    let last = upcoming.iter().map(|d| d.due).max();
    let days_left = match (runs_out, last) {
        (Some(t), _) => Some(((t - now).num_hours().max(0) / 24) as u32),
        // Covered to the end of the lookahead (or of the course).
        (None, Some(_)) => Some(LOOKAHEAD_DAYS),
        (None, None) => None,
    };
    Outlook {
        remaining,
        days_left,
        refill: runs_out
            .is_some_and(|t| t - now < chrono::Duration::days(i64::from(REFILL_WARNING_DAYS))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::medication::timing::DoseSlot;
    use chrono::{Duration, TimeZone};

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 2, 7, 0, 0).unwrap()
    }

    /// `per_day` doses of `amount` a day for `days` days from tomorrow-ish.
    fn schedule(per_day: u32, amount: Option<f64>, days: u32) -> Vec<ScheduledDose> {
        (0..days * per_day)
            .map(|i| {
                let due = now()
                    + Duration::hours(1)
                    + Duration::minutes(i64::from(i) * 24 * 60 / i64::from(per_day));
                ScheduledDose {
                    slot: DoseSlot::Instant(due),
                    due,
                    step: 0,
                    dose: amount,
                }
            })
            .collect()
    }

    #[test]
    fn taken_doses_come_off_the_supply_and_it_never_goes_negative() {
        assert_eq!(remaining(28.0, [1.0, 1.0, 0.5]), 25.5);
        assert_eq!(remaining(1.0, [2.0]), 0.0);
    }

    #[test]
    fn days_left_follow_the_schedule() {
        // Two tablets a day, 10 left: five days, so a refill is due.
        let o = outlook(10.0, &schedule(2, Some(1.0), 14), now());
        assert_eq!(o.days_left, Some(5));
        assert!(o.refill);
        // 28 left at one a day covers the whole lookahead: no refill yet.
        let o = outlook(28.0, &schedule(1, Some(1.0), 14), now());
        assert_eq!((o.days_left, o.refill), (Some(LOOKAHEAD_DAYS), false));
        // Exactly seven days' worth is not yet "fewer than seven days".
        let o = outlook(7.0, &schedule(1, None, 14), now());
        assert_eq!((o.days_left, o.refill), (Some(7), false));
    }

    #[test]
    fn a_course_ending_before_the_supply_does_needs_no_refill() {
        let o = outlook(5.0, &schedule(1, Some(1.0), 3), now());
        assert!(!o.refill);
    }

    #[test]
    fn nothing_scheduled_means_no_estimate() {
        let o = outlook(3.0, &[], now());
        assert_eq!((o.days_left, o.refill), (None, false));
    }

    #[test]
    fn an_empty_supply_with_doses_to_come_asks_for_a_refill_now() {
        let o = outlook(0.0, &schedule(1, Some(1.0), 14), now());
        assert_eq!((o.days_left, o.refill), (Some(0), true));
    }
}
