//! A monitoring plan: what a clinician asks a patient to measure, when, and the limits that
//! raise an alert for this patient. FHIR carries it as a `CarePlan` whose activities are the
//! planned measurements, with `Goal`s for the limits (see `docs/hospital-api.md`).

use chrono::NaiveTime;
use serde::{Deserialize, Serialize};

use super::limits::{validate_all, InvalidLimits, VitalLimits};
use super::trend::TrendRule;
use crate::device::ReadingKind;

/// One measurement the patient is asked to take, at local times each day ("blood pressure
/// morning and evening" is 08:00 and 20:00).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedMeasurement {
    pub kind: ReadingKind,
    /// Ascending, each once.
    pub times: Vec<NaiveTime>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonitoringPlan {
    pub measurements: Vec<PlannedMeasurement>,
    pub limits: Vec<VitalLimits>,
    /// The early warnings that apply to this patient.
    pub trends: Vec<TrendRule>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum InvalidPlan {
    #[error("a plan asks for at least one measurement")]
    Empty,
    #[error("a planned measurement needs at least one time of day")]
    NoTimes,
    #[error("a measurement is planned twice")]
    Repeated,
    #[error("at most {MAX_TIMES_A_DAY} times a day")]
    TooOften,
    #[error(transparent)]
    Limits(#[from] InvalidLimits),
}

/// More than this is not home monitoring.
pub const MAX_TIMES_A_DAY: usize = 6;

impl MonitoringPlan {
    /// Checks the plan, putting each measurement's times in order.
    pub fn validated(mut self) -> Result<Self, InvalidPlan> {
        if self.measurements.is_empty() {
            return Err(InvalidPlan::Empty);
        }
        for m in &mut self.measurements {
            m.times.sort();
            m.times.dedup();
            if m.times.is_empty() {
                return Err(InvalidPlan::NoTimes);
            }
            if m.times.len() > MAX_TIMES_A_DAY {
                return Err(InvalidPlan::TooOften);
            }
        }
        let kinds: Vec<ReadingKind> = self.measurements.iter().map(|m| m.kind).collect();
        if kinds
            .iter()
            .enumerate()
            .any(|(i, k)| kinds[..i].contains(k))
        {
            return Err(InvalidPlan::Repeated);
        }
        validate_all(&self.limits)?;
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::Vital;
    use crate::monitoring::limits::Band;

    fn t(h: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, 0, 0).unwrap()
    }

    fn plan(measurements: Vec<PlannedMeasurement>) -> MonitoringPlan {
        MonitoringPlan {
            measurements,
            limits: vec![VitalLimits {
                vital: Vital::Systolic,
                amber: Band {
                    high: Some(160.0),
                    low: None,
                },
                red: Band {
                    high: Some(180.0),
                    low: None,
                },
            }],
            trends: TrendRule::defaults(),
        }
    }

    #[test]
    fn a_plan_puts_its_times_in_order_once_each() {
        let p = plan(vec![PlannedMeasurement {
            kind: ReadingKind::BloodPressure,
            times: vec![t(20), t(8), t(20)],
        }])
        .validated()
        .unwrap();
        assert_eq!(p.measurements[0].times, [t(8), t(20)]);
        assert_eq!(p.trends[0].key(), "rise:body_weight:3d");
    }

    #[test]
    fn a_plan_that_asks_nothing_or_twice_or_too_often_is_refused() {
        let bp = |times: Vec<NaiveTime>| PlannedMeasurement {
            kind: ReadingKind::BloodPressure,
            times,
        };
        let cases = [
            (plan(vec![]), InvalidPlan::Empty),
            (plan(vec![bp(vec![])]), InvalidPlan::NoTimes),
            (
                plan(vec![bp(vec![t(8)]), bp(vec![t(9)])]),
                InvalidPlan::Repeated,
            ),
            (
                plan(vec![bp((1..=7).map(t).collect())]),
                InvalidPlan::TooOften,
            ),
        ];
        for (p, error) in cases {
            assert_eq!(p.validated(), Err(error));
        }
    }
}
