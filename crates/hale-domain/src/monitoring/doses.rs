//! Missed doses, as the hospital sees them: a scheduled dose of an active prescription with no
//! record (taken or skipped) some time after it was due. The schedule is expanded with the same
//! code as the patient's app, so both agree on which doses there are.

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::episode::Finding;
use super::limits::Tier;
use crate::medication::timing::{expand, DailyRoutine};
use crate::medication::Medicine;

/// How long after it was due a dose with no record counts as missed.
pub const MISSED_AFTER: Duration = Duration::hours(2);

/// How far back a pass looks for the latest due dose.
const LOOKBACK: Duration = Duration::hours(36);

/// One episode per medicine whose latest dose due at least [`MISSED_AFTER`] ago has no record.
/// `recorded` says whether a dose key (`Medicine::dose_key`) has a record.
pub fn missed_doses<Tz: TimeZone>(
    medicines: &[Medicine],
    recorded: impl Fn(&str) -> bool,
    routine: &DailyRoutine,
    zone: &Tz,
    now: DateTime<Utc>,
) -> Vec<Finding> {
    let until = now - MISSED_AFTER;
    medicines
        .iter()
        .filter(|m| m.active && !m.steps.is_empty())
        .filter_map(|m| {
            // `expand` is half-open: one second more takes in a dose due exactly at `until`.
            let latest = expand(
                &m.steps,
                routine,
                zone,
                until - LOOKBACK,
                until + Duration::seconds(1),
            )
            .into_iter()
            .filter(|d| d.due <= until)
            .max_by_key(|d| d.due)?;
            let key = m.dose_key(&latest.slot.key());
            (!recorded(&key)).then(|| Finding::missed_dose(&m.id, Tier::Amber))
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::medication::timing::{Bounds, DosageStep, PeriodUnit, Timing};
    use crate::medication::Source;
    use chrono::{NaiveDate, NaiveTime};
    use chrono_tz::Europe::London;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    /// Ramipril at 08:00 and 20:00 (London) from 1 Nov 2026; shared with the care circle's tests.
    pub(crate) fn twice_a_day() -> Medicine {
        Medicine {
            id: "rx:ramipril".into(),
            name: "Ramipril 5 mg".into(),
            instructions: None,
            source: Source::Prescription,
            steps: vec![DosageStep {
                timing: Timing {
                    frequency: 2,
                    period: 1,
                    period_unit: PeriodUnit::Day,
                    time_of_day: vec![
                        NaiveTime::from_hms_opt(8, 0, 0).unwrap(),
                        NaiveTime::from_hms_opt(20, 0, 0).unwrap(),
                    ],
                    day_of_week: Vec::new(),
                    when: Vec::new(),
                    offset_minutes: 0,
                    count: None,
                },
                bounds: Bounds {
                    start: NaiveDate::from_ymd_opt(2026, 11, 1)
                        .unwrap()
                        .and_hms_opt(0, 0, 0)
                        .unwrap(),
                    end: None,
                },
                dose: Some(1.0),
                unit: Some("tablet".into()),
            }],
            as_needed: None,
            unit: Some("tablet".into()),
            active: true,
        }
    }

    fn missed(recorded: &[&str], now: &str) -> Vec<Finding> {
        missed_doses(
            &[twice_a_day()],
            |key| recorded.contains(&key),
            &DailyRoutine::default(),
            &London,
            t(now),
        )
    }

    #[test]
    fn a_dose_with_no_record_two_hours_after_it_was_due_is_missed() {
        let morning = "rx:ramipril@2026-12-04T08:00";
        let evening = "rx:ramipril@2026-12-03T20:00";
        let cases: [(&[&str], &str, bool); 5] = [
            (&[evening], "2026-12-04T09:59:00Z", false), // not yet two hours
            (&[evening], "2026-12-04T10:00:00Z", true),
            (&[evening, morning], "2026-12-04T10:00:00Z", false),
            (&[], "2026-12-04T09:00:00Z", true), // last night's dose
            // The morning's is missed, but the evening's was taken: the episode has ended.
            (
                &["rx:ramipril@2026-12-04T20:00"],
                "2026-12-04T22:00:00Z",
                false,
            ),
        ];
        for (recorded, now, is_missed) in cases {
            assert_eq!(
                !missed(recorded, now).is_empty(),
                is_missed,
                "{recorded:?} at {now}"
            );
        }
    }

    #[test]
    fn a_stopped_prescription_is_never_missed() {
        let stopped = Medicine {
            active: false,
            ..twice_a_day()
        };
        let found = missed_doses(
            &[stopped],
            |_| false,
            &DailyRoutine::default(),
            &London,
            t("2026-12-04T12:00:00Z"),
        );
        assert!(found.is_empty());
    }
}
