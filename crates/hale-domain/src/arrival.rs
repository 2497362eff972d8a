//! Arriving for an appointment: when check-in is open, and what a clinic's queue means for the
//! people in it.
//!
//! Check-in opens [`ArrivalWindow::before`] the appointment and closes [`ArrivalWindow::after`]
//! its start; outside it the patient is sent to reception, which can still help.
//!
//! A clinic's queue holds its checked-in patients who have not been called, in the order the
//! clinic calls them: by appointment time, then by arrival. The estimates follow one model:
//! - the *service time* is the median of the clinic's recent real consultations (called →
//!   finished), divided by the clinicians seeing patients, i.e. the time between two calls;
//! - the *lateness* is how far behind its appointment times the clinic called its last patient;
//! - a patient with `k` people ahead is called at the later of "after those `k`" (`k` × service
//!   time from now) and "at their own time plus the clinic's lateness": a patient who came early
//!   is not told they will be seen before their appointment.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::{AppointmentStatus, RefusalCode};

/// When check-in is open around an appointment's start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArrivalWindow {
    pub before: Duration,
    pub after: Duration,
}

impl Default for ArrivalWindow {
    fn default() -> Self {
        Self {
            before: Duration::minutes(30),
            after: Duration::minutes(15),
        }
    }
}

/// Why a check-in is refused. Each sends the patient to reception.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArrivalRefusal {
    #[error("check-in opens at {opens}")]
    TooEarly { opens: DateTime<Utc> },
    #[error("check-in for this appointment has closed")]
    TooLate,
    #[error("an appointment that is {0} cannot be checked in")]
    NotCheckable(&'static str),
}

impl ArrivalRefusal {
    /// Its kind on the wire.
    pub fn refusal_code(&self) -> RefusalCode {
        match self {
            Self::TooEarly { .. } => RefusalCode::ArrivalTooEarly,
            Self::TooLate => RefusalCode::ArrivalTooLate,
            Self::NotCheckable(_) => RefusalCode::NotCheckable,
        }
    }

    /// Its stable wire code (FHIR `OperationOutcome.issue.details`).
    pub fn code(&self) -> &'static str {
        self.refusal_code().code()
    }
}

impl ArrivalWindow {
    /// Whether an appointment starting at `start`, with `status`, may be checked in at `now`.
    /// An appointment already checked in passes: checking in twice is not an error.
    pub fn check(
        &self,
        now: DateTime<Utc>,
        start: DateTime<Utc>,
        status: AppointmentStatus,
    ) -> Result<(), ArrivalRefusal> {
        match status {
            AppointmentStatus::Booked | AppointmentStatus::Arrived => {}
            other => return Err(ArrivalRefusal::NotCheckable(other.fhir_code())),
        }
        let opens = start - self.before;
        if now < opens {
            return Err(ArrivalRefusal::TooEarly { opens });
        }
        if now > start + self.after {
            return Err(ArrivalRefusal::TooLate);
        }
        Ok(())
    }

    /// Whether check-in is open at `now` for an appointment starting at `start`.
    pub fn is_open(&self, now: DateTime<Utc>, start: DateTime<Utc>) -> bool {
        now >= start - self.before && now <= start + self.after
    }
}

/// The notification that the patient is called: where to go, nothing else.
pub fn called_text(room: &str) -> crate::reminder::ReminderText {
    crate::reminder::ReminderText {
        title: "It's your turn".to_owned(),
        body: format!("Please go to {room} now."),
        about: crate::notice::About::Shown(crate::notice::Place::Appointments),
    }
}

/// How many recent consultations the service time is learned from.
pub const RECENT_CONSULTATIONS: usize = 20;
/// The service time assumed before a clinic has seen anyone today.
pub const DEFAULT_CONSULTATION: Duration = Duration::minutes(15);

/// The median of `durations` (the mean of the middle two for an even count), or `None`.
pub fn median(durations: &[Duration]) -> Option<Duration> {
    let mut sorted: Vec<Duration> = durations.to_vec();
    sorted.sort();
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2),
    }
}

/// A patient waiting to be called.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queued {
    /// The encounter's id.
    pub id: String,
    pub scheduled: DateTime<Utc>,
    pub arrived: DateTime<Utc>,
}

/// What a clinic knows about itself at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClinicQueue {
    /// Checked in, not yet called, in any order.
    pub waiting: Vec<Queued>,
    /// Durations of the most recent consultations, newest last (only the last
    /// [`RECENT_CONSULTATIONS`] count).
    pub recent: Vec<Duration>,
    /// How many clinicians see patients in parallel (at least one is assumed).
    pub clinicians: u32,
    /// The last call: when the patient was due and when they were called.
    pub last_call: Option<(DateTime<Utc>, DateTime<Utc>)>,
}

/// A patient's place in the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    /// 1 for the next to be called.
    pub position: usize,
    pub estimate: Duration,
}

/// A clinic's queue summed up for a waiting-times board.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClinicWait {
    pub waiting: usize,
    /// How long the last person in the queue now can expect to wait.
    pub estimate: Duration,
    /// How far behind its appointment times the clinic runs.
    pub running_late: Duration,
}

impl ClinicQueue {
    /// The waiting patients in calling order: appointment time, then arrival, then id.
    pub fn in_order(&self) -> Vec<&Queued> {
        let mut order: Vec<&Queued> = self.waiting.iter().collect();
        order.sort_by(|a, b| (a.scheduled, a.arrived, &a.id).cmp(&(b.scheduled, b.arrived, &b.id)));
        order
    }

    /// Time between two calls: the median consultation over the clinicians seeing patients.
    pub fn service_time(&self) -> Duration {
        let start = self.recent.len().saturating_sub(RECENT_CONSULTATIONS);
        let per_clinician = median(&self.recent[start..]).unwrap_or(DEFAULT_CONSULTATION);
        per_clinician / i32::try_from(self.clinicians.max(1)).unwrap_or(1)
    }

    /// How late the clinic called its last patient, never negative.
    pub fn lateness(&self) -> Duration {
        self.last_call
            .map(|(due, called)| (called - due).max(Duration::zero()))
            .unwrap_or_else(Duration::zero)
    }

    /// The place of encounter `id` at `now`, if it is waiting.
    pub fn place(&self, id: &str, now: DateTime<Utc>) -> Option<Place> {
        let order = self.in_order();
        let ahead = order.iter().position(|q| q.id == id)?;
        let me = order[ahead];
        let after_those_ahead = self.service_time() * i32::try_from(ahead).unwrap_or(i32::MAX);
        let own_time = me.scheduled + self.lateness() - now;
        Some(Place {
            position: ahead + 1,
            estimate: after_those_ahead.max(own_time).max(Duration::zero()),
        })
    }

    /// The board's summary at `now`.
    pub fn summary(&self, now: DateTime<Utc>) -> ClinicWait {
        let last = self.in_order().last().map(|q| q.id.clone());
        ClinicWait {
            waiting: self.waiting.len(),
            estimate: last
                .and_then(|id| self.place(&id, now))
                .map_or_else(Duration::zero, |p| p.estimate),
            running_late: self.lateness(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, h, m, 0).unwrap()
    }

    fn mins(m: i64) -> Duration {
        Duration::minutes(m)
    }

    #[test]
    fn check_in_is_open_from_thirty_minutes_before_to_fifteen_after() {
        let w = ArrivalWindow::default();
        let start = t(10, 0);
        use AppointmentStatus::*;
        assert_eq!(
            w.check(t(9, 29), start, Booked),
            Err(ArrivalRefusal::TooEarly { opens: t(9, 30) })
        );
        assert_eq!(w.check(t(9, 30), start, Booked), Ok(()));
        assert_eq!(w.check(t(10, 15), start, Booked), Ok(()));
        assert_eq!(
            w.check(t(10, 16), start, Booked),
            Err(ArrivalRefusal::TooLate)
        );
        assert_eq!(w.check(t(10, 0), start, Arrived), Ok(()), "twice is fine");
        assert_eq!(
            w.check(t(10, 0), start, Cancelled),
            Err(ArrivalRefusal::NotCheckable("cancelled"))
        );
        assert!(w.is_open(t(9, 45), start) && !w.is_open(t(9, 0), start));
    }

    #[test]
    fn refusal_codes_are_stable() {
        assert_eq!(ArrivalRefusal::TooLate.code(), "arrival-too-late");
        assert_eq!(
            ArrivalRefusal::TooEarly { opens: t(9, 0) }.code(),
            "arrival-too-early"
        );
        assert_eq!(ArrivalRefusal::NotCheckable("x").code(), "not-checkable");
    }

    #[test]
    fn median_of_odd_even_and_empty_lists() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[mins(9), mins(3), mins(30)]), Some(mins(9)));
        assert_eq!(median(&[mins(10), mins(20)]), Some(mins(15)));
    }

    /// (encounter id, scheduled (h, m), arrived (h, m)).
    type Visit<'a> = (&'a str, (u32, u32), (u32, u32));

    fn queue(waiting: &[Visit<'_>]) -> ClinicQueue {
        ClinicQueue {
            waiting: waiting
                .iter()
                .map(|(id, s, a)| Queued {
                    id: (*id).into(),
                    scheduled: t(s.0, s.1),
                    arrived: t(a.0, a.1),
                })
                .collect(),
            recent: vec![],
            clinicians: 1,
            last_call: None,
        }
    }

    #[test]
    fn the_queue_is_called_by_appointment_time_then_arrival() {
        let q = queue(&[
            ("late-slot", (10, 40), (9, 50)),
            ("early-slot-came-late", (10, 0), (10, 5)),
            ("early-slot-came-early", (10, 0), (9, 40)),
        ]);
        let ids: Vec<&str> = q.in_order().iter().map(|x| x.id.as_str()).collect();
        assert_eq!(
            ids,
            ["early-slot-came-early", "early-slot-came-late", "late-slot"]
        );
    }

    #[test]
    fn the_service_time_is_the_median_of_recent_consultations_per_clinician() {
        let mut q = queue(&[]);
        assert_eq!(q.service_time(), DEFAULT_CONSULTATION);
        q.recent = vec![mins(12), mins(30), mins(18)];
        assert_eq!(q.service_time(), mins(18));
        q.clinicians = 2;
        assert_eq!(q.service_time(), mins(9));
        // Only the most recent consultations count.
        q.clinicians = 1;
        q.recent = vec![mins(60); 5];
        q.recent.extend(vec![mins(10); RECENT_CONSULTATIONS]);
        assert_eq!(q.service_time(), mins(10));
    }

    #[test]
    fn an_estimate_is_the_later_of_the_queue_ahead_and_ones_own_time_plus_lateness() {
        let mut q = queue(&[
            ("a", (10, 0), (9, 40)),
            ("b", (10, 20), (9, 45)),
            ("c", (11, 0), (9, 50)),
        ]);
        q.recent = vec![mins(20)];
        let now = t(10, 0);
        // a is next and due now.
        assert_eq!(
            q.place("a", now),
            Some(Place {
                position: 1,
                estimate: mins(0)
            })
        );
        // b: one ahead (20 min) vs own time 10:20 (20 min): 20.
        assert_eq!(q.place("b", now).unwrap().estimate, mins(20));
        // c: two ahead (40 min) vs own time 11:00 (60 min): not before their own time.
        assert_eq!(
            q.place("c", now),
            Some(Place {
                position: 3,
                estimate: mins(60)
            })
        );
        // The clinic called its last patient 25 minutes late: own times slip by that.
        q.last_call = Some((t(9, 40), t(10, 5)));
        assert_eq!(q.lateness(), mins(25));
        assert_eq!(q.place("c", now).unwrap().estimate, mins(85));
        assert_eq!(q.place("nobody", now), None);
    }

    #[test]
    fn the_board_sums_up_a_clinic() {
        let mut q = queue(&[("a", (10, 0), (9, 40)), ("b", (10, 0), (9, 45))]);
        q.recent = vec![mins(15)];
        q.last_call = Some((t(9, 40), t(9, 35)));
        let board = q.summary(t(10, 0));
        assert_eq!(
            board,
            ClinicWait {
                waiting: 2,
                estimate: mins(15),
                running_late: mins(0)
            }
        );
        assert_eq!(queue(&[]).summary(t(10, 0)).estimate, mins(0));
    }
}
