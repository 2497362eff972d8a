//! The state of each dose at a moment, and adherence: how many of the doses that fell due were
//! taken.
//!
//! A dose is *due* from its time until [`DosePolicy::late_after`], *late* (overdue) from then
//! until [`DosePolicy::missed_after`], then *missed* unless the patient logged it. A dose taken
//! more than [`DosePolicy::late_after`] after its time counts as taken, and late: so a dose the
//! screen calls due is never recorded late. Adherence counts only settled doses (taken, skipped or missed): a dose still
//! due is neither kept nor broken yet.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use super::{DoseRecord, Outcome};

/// When a dose turns late, and when missed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DosePolicy {
    pub late_after: Duration,
    pub missed_after: Duration,
}

impl Default for DosePolicy {
    fn default() -> Self {
        Self {
            late_after: Duration::hours(1),
            missed_after: Duration::hours(4),
        }
    }
}

/// Where one scheduled dose stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DoseState {
    Upcoming,
    /// Due now: taken now, it counts as on time.
    Due,
    /// Past its time by more than `late_after` and not logged: taken now, it counts as late.
    Late,
    /// Due, but the patient asked to be reminded again at `until`.
    Snoozed {
        until: DateTime<Utc>,
    },
    Missed,
    Taken {
        at: DateTime<Utc>,
        late: bool,
    },
    Skipped,
}

impl DosePolicy {
    /// The state at `now` of a dose due at `due`, given what was logged and any snooze.
    pub fn state(
        &self,
        due: DateTime<Utc>,
        record: Option<&DoseRecord>,
        snoozed_until: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> DoseState {
        match record.map(|r| (r.outcome, r.at)) {
            Some((Outcome::Taken { .. }, at)) => DoseState::Taken {
                at,
                late: at - due > self.late_after,
            },
            Some((Outcome::Skipped { .. }, _)) => DoseState::Skipped,
            None if now < due => DoseState::Upcoming,
            None if now - due >= self.missed_after => DoseState::Missed,
            None => match snoozed_until {
                Some(until) if until > now => DoseState::Snoozed { until },
                _ if now - due > self.late_after => DoseState::Late,
                _ => DoseState::Due,
            },
        }
    }
}

/// Counts of settled doses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Tally {
    pub taken: u32,
    /// Of `taken`, how many late.
    pub late: u32,
    pub skipped: u32,
    pub missed: u32,
}

impl Tally {
    /// Doses whose outcome is settled.
    pub fn settled(&self) -> u32 {
        self.taken + self.skipped + self.missed
    }

    /// Taken as a whole percentage of the settled doses (rounded down, so 99.9 % is not shown
    /// as perfect); `None` when nothing has settled yet.
    pub fn percent(&self) -> Option<u8> {
        let settled = self.settled();
        (settled > 0).then(|| (u64::from(self.taken) * 100 / u64::from(settled)) as u8)
    }

    fn add(&mut self, state: DoseState) {
        match state {
            DoseState::Taken { late, .. } => {
                self.taken += 1;
                self.late += u32::from(late);
            }
            DoseState::Skipped => self.skipped += 1,
            DoseState::Missed => self.missed += 1,
            DoseState::Upcoming | DoseState::Due | DoseState::Late | DoseState::Snoozed { .. } => {}
        }
    }
}

/// The tally of `doses` (due time and record) at `now`.
pub fn tally<'a>(
    doses: impl IntoIterator<Item = (DateTime<Utc>, Option<&'a DoseRecord>)>,
    now: DateTime<Utc>,
    policy: &DosePolicy,
) -> Tally {
    let mut t = Tally::default();
    for (due, record) in doses {
        t.add(policy.state(due, record, None, now));
    }
    t
}

/// One tally per local day for the `days` days ending with today (oldest first), for a chart.
pub fn daily<'a, Tz: TimeZone>(
    doses: impl IntoIterator<Item = (DateTime<Utc>, Option<&'a DoseRecord>)>,
    now: DateTime<Utc>,
    zone: &Tz,
    days: u32,
    policy: &DosePolicy,
) -> Vec<(NaiveDate, Tally)> {
    let today = now.with_timezone(zone).date_naive();
    let first = today - Duration::days(i64::from(days.max(1)) - 1);
    let mut out: Vec<(NaiveDate, Tally)> = first
        .iter_days()
        .take(days.max(1) as usize)
        .map(|d| (d, Tally::default()))
        .collect();
    for (due, record) in doses {
        let day = due.with_timezone(zone).date_naive();
        if let Some(index) = day
            .signed_duration_since(first)
            .num_days()
            .try_into()
            .ok()
            .filter(|i: &usize| *i < out.len())
        {
            out[index].1.add(policy.state(due, record, None, now));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::medication::SkipReason;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 2, h, m, 0).unwrap()
    }

    fn taken(when: DateTime<Utc>) -> DoseRecord {
        DoseRecord {
            medicine_id: "rx:1".into(),
            slot: "s".into(),
            due: None,
            outcome: Outcome::Taken { amount: None },
            at: when,
        }
    }

    fn skipped() -> DoseRecord {
        DoseRecord {
            outcome: Outcome::Skipped {
                reason: SkipReason::FeltUnwell,
            },
            ..taken(at(8, 0))
        }
    }

    #[test]
    fn a_dose_moves_from_upcoming_to_due_to_late_to_missed() {
        let p = DosePolicy::default();
        let due = at(8, 0);
        let cases = [
            (at(7, 59), DoseState::Upcoming),
            (at(8, 0), DoseState::Due),
            (at(11, 59), DoseState::Late),
            (at(12, 0), DoseState::Missed),
        ];
        for (now, expected) in cases {
            assert_eq!(p.state(due, None, None, now), expected, "at {now}");
        }
    }

    #[test]
    fn a_snooze_holds_a_due_dose_until_its_time_but_not_past_missed() {
        let p = DosePolicy::default();
        let due = at(8, 0);
        let until = at(8, 15);
        assert_eq!(
            p.state(due, None, Some(until), at(8, 5)),
            DoseState::Snoozed { until }
        );
        assert_eq!(p.state(due, None, Some(until), at(8, 15)), DoseState::Due);
        assert_eq!(
            p.state(due, None, Some(at(13, 0)), at(12, 0)),
            DoseState::Missed
        );
    }

    #[test]
    fn a_dose_taken_more_than_an_hour_after_its_time_is_late() {
        let p = DosePolicy::default();
        let due = at(8, 0);
        let on_time = taken(at(9, 0));
        let late = taken(at(9, 1));
        assert_eq!(
            p.state(due, Some(&on_time), None, at(10, 0)),
            DoseState::Taken {
                at: at(9, 0),
                late: false
            }
        );
        assert_eq!(
            p.state(due, Some(&late), None, at(10, 0)),
            DoseState::Taken {
                at: at(9, 1),
                late: true
            }
        );
        // Logged in advance (a patient taking the evening dose early) is still taken.
        let early = taken(at(7, 0));
        assert!(matches!(
            p.state(due, Some(&early), None, at(7, 30)),
            DoseState::Taken { late: false, .. }
        ));
    }

    /// Regression: a dose shown as "Due now" up to four hours after its time was recorded as
    /// late when taken after the first hour. The screen now calls it overdue from then on.
    #[test]
    fn a_dose_due_now_is_never_late_when_taken_and_one_overdue_is() {
        let p = DosePolicy::default();
        let due = at(8, 0);
        for now in [at(8, 0), at(8, 30), at(9, 0)] {
            assert_eq!(p.state(due, None, None, now), DoseState::Due, "{now}");
            let taken_now = taken(now);
            assert!(matches!(
                p.state(due, Some(&taken_now), None, now),
                DoseState::Taken { late: false, .. }
            ));
        }
        for now in [at(9, 1), at(11, 59)] {
            assert_eq!(p.state(due, None, None, now), DoseState::Late, "{now}");
            let taken_now = taken(now);
            assert!(matches!(
                p.state(due, Some(&taken_now), None, now),
                DoseState::Taken { late: true, .. }
            ));
        }
        assert_eq!(p.state(due, None, None, at(12, 0)), DoseState::Missed);
        // A snooze keeps it quiet until its time, late or not.
        assert!(matches!(
            p.state(due, None, Some(at(10, 0)), at(9, 30)),
            DoseState::Snoozed { .. }
        ));
    }

    #[test]
    fn adherence_counts_settled_doses_only() {
        let p = DosePolicy::default();
        let t1 = taken(at(8, 0));
        let t2 = taken(at(14, 0));
        let s = skipped();
        let doses = [
            (at(8, 0), Some(&t1)),
            (at(12, 0), Some(&t2)),
            (at(0, 0), None),      // missed
            (at(16, 0), Some(&s)), // skipped
            (at(17, 0), None),     // still due at 18:00
            (at(20, 0), None),     // upcoming
        ];
        let t = tally(doses, at(18, 0), &p);
        assert_eq!(
            t,
            Tally {
                taken: 2,
                late: 1,
                skipped: 1,
                missed: 1
            }
        );
        assert_eq!(t.percent(), Some(50));
        assert_eq!(Tally::default().percent(), None);
        let almost = Tally {
            taken: 999,
            missed: 1,
            ..Tally::default()
        };
        assert_eq!(almost.percent(), Some(99));
    }

    #[test]
    fn daily_tallies_fall_on_local_days() {
        let p = DosePolicy::default();
        let zone = chrono::FixedOffset::east_opt(10 * 3600).unwrap();
        let t = taken(at(8, 0));
        // 15:00 UTC on the 1st is 01:00 on the 2nd at UTC+10.
        let doses = [
            (Utc.with_ymd_and_hms(2026, 12, 1, 15, 0, 0).unwrap(), None),
            (
                Utc.with_ymd_and_hms(2026, 12, 1, 12, 0, 0).unwrap(),
                Some(&t),
            ),
            (Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap(), None),
        ];
        let days = daily(doses, at(12, 0), &zone, 7, &p);
        assert_eq!(days.len(), 7);
        assert_eq!(days[6].0.to_string(), "2026-12-02");
        assert_eq!(days[6].1.missed, 1);
        assert_eq!(days[5].1.taken, 1);
        assert_eq!(days.iter().map(|d| d.1.settled()).sum::<u32>(), 2);
    }
}
