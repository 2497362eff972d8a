//! The earlier-slot waitlist: who is offered a slot that frees up, and for how long.
//!
//! A patient with a booked appointment may ask to be offered an earlier time. When a slot of the
//! same service frees up, the waiting patients are considered in the order they asked; the first
//! whose wishes and bookings fit is offered the slot, which is held for them for
//! [`WaitlistPolicy::hold`]. Accepting moves their appointment (a reschedule, with its rules);
//! declining or letting the hold run out passes the slot to the next patient who fits.

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use crate::notice::About;
use crate::reminder::{spoken_when, ReminderText};
use crate::{AppointmentStatus, BookingRules, Span};

/// A hospital's waitlist policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitlistPolicy {
    /// How long an offered slot is held for the patient before it passes on.
    pub hold: Duration,
    /// Slots starting sooner than this are not offered: nobody can reach a clinic in minutes.
    pub min_notice: Duration,
}

impl Default for WaitlistPolicy {
    fn default() -> Self {
        Self {
            hold: Duration::minutes(15),
            min_notice: Duration::hours(2),
        }
    }
}

/// A patient waiting for an earlier slot, as the matching needs to see them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiting {
    /// The waitlist entry's id.
    pub entry: String,
    /// When the patient asked; earlier askers are offered first.
    pub since: DateTime<Utc>,
    /// The start of the appointment they hold now.
    pub current_start: DateTime<Utc>,
    pub current_status: AppointmentStatus,
    /// Nothing starting before this is wanted (e.g. they cannot come before Monday).
    pub not_before: DateTime<Utc>,
    /// The patient's other live appointments, which an offer must not overlap.
    pub others: Vec<Span>,
}

impl WaitlistPolicy {
    /// Whether `freed` could be offered to `w` at `now`.
    pub fn fits(&self, rules: &BookingRules, now: DateTime<Utc>, freed: Span, w: &Waiting) -> bool {
        freed.start < w.current_start
            && freed.start >= w.not_before
            && freed.start >= now + self.min_notice
            && rules
                .check_reschedule(now, w.current_start, w.current_status, freed, &w.others)
                .is_ok()
    }

    /// The patient to offer `freed` to: the longest-waiting one it fits, if any.
    pub fn first_fit<'a>(
        &self,
        rules: &BookingRules,
        now: DateTime<Utc>,
        freed: Span,
        waiting: &'a [Waiting],
    ) -> Option<&'a Waiting> {
        waiting
            .iter()
            .filter(|w| self.fits(rules, now, freed, w))
            .min_by(|a, b| a.since.cmp(&b.since).then_with(|| a.entry.cmp(&b.entry)))
    }
}

/// Where a patient's waitlist entry stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntryStatus {
    /// Still looking for an earlier slot.
    Waiting,
    /// An offer was accepted: the appointment moved.
    Fulfilled,
    /// The patient left the waitlist, or the appointment ended.
    Withdrawn,
}

/// A patient's request for an earlier time, with the offer open to them, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitlistEntry {
    pub id: String,
    /// The booked appointment an earlier time is wanted for.
    pub appointment: String,
    pub not_before: DateTime<Utc>,
    pub created: DateTime<Utc>,
    pub status: EntryStatus,
    pub offer: Option<WaitlistOffer>,
}

/// An earlier slot held for the patient until `expires`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitlistOffer {
    pub id: String,
    /// The held slot's id.
    pub slot: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub service: String,
    pub clinician: Option<String>,
    pub location: Option<String>,
    pub expires: DateTime<Utc>,
}

/// The notification of an offer: when the earlier time is and until when it is held. Like a
/// reminder, it never names the clinic, since it can show on a locked screen.
pub fn offer_text<Tz: TimeZone>(
    about: About,
    start: DateTime<Utc>,
    expires: DateTime<Utc>,
    now: DateTime<Utc>,
    zone: &Tz,
) -> ReminderText
where
    Tz::Offset: std::fmt::Display,
{
    ReminderText {
        title: "An earlier appointment is available".to_owned(),
        body: format!(
            "An earlier time {} is held for you until {}.",
            spoken_when(start, now, zone),
            expires.with_timezone(zone).format("%H:%M")
        ),
        about,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(day: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, day, h, 0, 0).unwrap()
    }

    fn span(day: u32, h: u32) -> Span {
        Span {
            start: t(day, h),
            end: t(day, h) + Duration::minutes(20),
        }
    }

    fn waiting(entry: &str, since_h: u32, current: DateTime<Utc>) -> Waiting {
        Waiting {
            entry: entry.into(),
            since: t(1, since_h),
            current_start: current,
            current_status: AppointmentStatus::Booked,
            not_before: t(1, 0),
            others: vec![],
        }
    }

    const NOW_DAY: u32 = 2;

    fn now() -> DateTime<Utc> {
        t(NOW_DAY, 8)
    }

    #[test]
    fn the_longest_waiting_patient_it_fits_is_offered_the_slot() {
        let policy = WaitlistPolicy::default();
        let rules = BookingRules::default();
        let list = [
            waiting("late-asker", 10, t(20, 9)),
            waiting("early-asker", 9, t(20, 9)),
        ];
        let chosen = policy.first_fit(&rules, now(), span(10, 9), &list).unwrap();
        assert_eq!(chosen.entry, "early-asker");
    }

    #[test]
    fn only_an_earlier_slot_is_offered() {
        let policy = WaitlistPolicy::default();
        let rules = BookingRules::default();
        let w = waiting("a", 9, t(10, 9));
        assert!(!policy.fits(&rules, now(), span(10, 9), &w), "same time");
        assert!(!policy.fits(&rules, now(), span(11, 9), &w), "later");
        assert!(policy.fits(&rules, now(), span(9, 9), &w));
    }

    #[test]
    fn the_patients_own_limits_and_other_bookings_are_respected() {
        let policy = WaitlistPolicy::default();
        let rules = BookingRules::default();
        let mut w = waiting("a", 9, t(20, 9));
        w.not_before = t(8, 0);
        assert!(
            !policy.fits(&rules, now(), span(7, 9), &w),
            "before not_before"
        );
        assert!(policy.fits(&rules, now(), span(8, 9), &w));
        w.others = vec![span(8, 9)];
        assert!(!policy.fits(&rules, now(), span(8, 9), &w), "overlap");
    }

    #[test]
    fn no_offer_too_soon_to_reach_or_for_an_appointment_past_its_cutoff() {
        let policy = WaitlistPolicy::default();
        let rules = BookingRules::default();
        let w = waiting("a", 9, t(20, 9));
        // One hour's notice is less than the two hours' minimum.
        assert!(!policy.fits(&rules, now(), span(NOW_DAY, 9), &w));
        assert!(policy.fits(&rules, now(), span(NOW_DAY, 10), &w));
        // The current appointment is inside the 24-hour change cut-off: it cannot be moved.
        let soon = waiting("b", 9, t(NOW_DAY, 20));
        assert!(!policy.fits(&rules, now(), span(NOW_DAY, 12), &soon));
        let mut cancelled = waiting("c", 9, t(20, 9));
        cancelled.current_status = AppointmentStatus::Cancelled;
        assert!(!policy.fits(&rules, now(), span(10, 9), &cancelled));
    }

    #[test]
    fn an_offer_says_when_and_until_when_in_local_time() {
        let about = About::Offer {
            patient: "p1".into(),
            offer_id: "o1".into(),
        };
        let text = offer_text(
            about,
            t(4, 9),
            t(2, 8) + Duration::minutes(15),
            now(),
            &chrono_tz::Europe::London,
        );
        assert_eq!(
            text.body_for(false),
            "An earlier time on Friday at 09:00 is held for you until 08:15. Open Hale to accept or decline it."
        );
        // Beside its Accept and Decline buttons it need not say how to answer it.
        assert_eq!(
            text.body_for(true),
            "An earlier time on Friday at 09:00 is held for you until 08:15."
        );
    }

    #[test]
    fn nobody_fits_means_no_offer() {
        let policy = WaitlistPolicy::default();
        let rules = BookingRules::default();
        let list = [waiting("a", 9, t(5, 9))];
        assert!(policy
            .first_fit(&rules, now(), span(10, 9), &list)
            .is_none());
        assert!(policy.first_fit(&rules, now(), span(10, 9), &[]).is_none());
    }
}
