//! The plan on the patient's own device: the care team's red limits bound the app's own alerts
//! (the patient may make one stricter, never looser), and the planned times become reminders to
//! measure, each shown once and skipped when the measurement was already taken.

use chrono::{DateTime, TimeZone, Utc};

use super::limits::VitalLimits;
use super::missing::MeasurementWindow;
use super::plan::MonitoringPlan;
use crate::device::{ReadingKind, Thresholds, Vital};

fn red(plan: &MonitoringPlan, vital: Vital) -> Option<&VitalLimits> {
    plan.limits.iter().find(|l| l.vital == vital)
}

/// Each of the app's alert thresholds, and the plan's red limit for it: (name, the patient's
/// value, the plan's value, whether higher is stricter).
fn pairs(t: &Thresholds, plan: &MonitoringPlan) -> Vec<(&'static str, f64, f64, bool)> {
    let high = |v| red(plan, v).and_then(|l| l.red.high);
    let low = |v| red(plan, v).and_then(|l| l.red.low);
    [
        ("systolic", t.systolic_high, high(Vital::Systolic), false),
        ("diastolic", t.diastolic_high, high(Vital::Diastolic), false),
        (
            "oxygen saturation",
            t.spo2_low,
            low(Vital::OxygenSaturation),
            true,
        ),
        (
            "heart rate",
            t.heart_rate_high,
            high(Vital::HeartRate),
            false,
        ),
        ("low glucose", t.glucose_low, low(Vital::BloodGlucose), true),
        (
            "high glucose",
            t.glucose_high,
            high(Vital::BloodGlucose),
            false,
        ),
        (
            "high temperature",
            t.temperature_high,
            high(Vital::BodyTemperature),
            false,
        ),
        (
            "low temperature",
            t.temperature_low,
            low(Vital::BodyTemperature),
            true,
        ),
    ]
    .into_iter()
    .filter_map(|(name, mine, plan, low)| Some((name, mine, plan?, low)))
    .collect()
}

/// The thresholds the app alerts at: the patient's, tightened to the plan's red limits where
/// those are stricter.
pub fn tightened(t: &Thresholds, plan: &MonitoringPlan) -> Thresholds {
    let mut out = *t;
    let pick = |mine: f64, theirs: Option<f64>, low: bool| match theirs {
        Some(p) if low => mine.max(p),
        Some(p) => mine.min(p),
        None => mine,
    };
    let high = |v| red(plan, v).and_then(|l| l.red.high);
    let low = |v| red(plan, v).and_then(|l| l.red.low);
    out.systolic_high = pick(t.systolic_high, high(Vital::Systolic), false);
    out.diastolic_high = pick(t.diastolic_high, high(Vital::Diastolic), false);
    out.spo2_low = pick(t.spo2_low, low(Vital::OxygenSaturation), true);
    out.heart_rate_high = pick(t.heart_rate_high, high(Vital::HeartRate), false);
    out.glucose_low = pick(t.glucose_low, low(Vital::BloodGlucose), true);
    out.glucose_high = pick(t.glucose_high, high(Vital::BloodGlucose), false);
    out.temperature_high = pick(t.temperature_high, high(Vital::BodyTemperature), false);
    out.temperature_low = pick(t.temperature_low, low(Vital::BodyTemperature), true);
    out
}

/// A threshold the patient set looser than their care team's plan allows.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("your care team alerts at {plan} for {field}: this alert can be stricter, not looser")]
pub struct LooserThanPlan {
    pub field: &'static str,
    pub plan: f64,
}

/// Refuses thresholds that would alert later than the plan's red limits.
pub fn check_not_looser(t: &Thresholds, plan: &MonitoringPlan) -> Result<(), LooserThanPlan> {
    for (field, mine, theirs, low) in pairs(t, plan) {
        let looser = if low { mine < theirs } else { mine > theirs };
        if looser {
            return Err(LooserThanPlan {
                field,
                plan: theirs,
            });
        }
    }
    Ok(())
}

/// A planned measurement to remind the patient of now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeasureNow {
    pub kind: ReadingKind,
    pub planned: DateTime<Utc>,
    /// Shown once under this key.
    pub key: String,
}

/// The measurements due at `now` (from their planned time until their window closes, unless
/// one was taken since the window opened), and when the next planned time comes.
pub fn measurements_due<Tz: TimeZone>(
    plan: &MonitoringPlan,
    last: impl Fn(ReadingKind) -> Option<DateTime<Utc>>,
    zone: &Tz,
    window: MeasurementWindow,
    now: DateTime<Utc>,
) -> (Vec<MeasureNow>, Option<DateTime<Utc>>) {
    let today = now.with_timezone(zone).date_naive();
    let days = [today.pred_opt(), Some(today), today.succ_opt()];
    let mut due = Vec::new();
    let mut next: Option<DateTime<Utc>> = None;
    for m in &plan.measurements {
        for day in days.iter().flatten() {
            for time in &m.times {
                let Some(planned) = zone
                    .from_local_datetime(&day.and_time(*time))
                    .earliest()
                    .map(|t| t.with_timezone(&Utc))
                else {
                    continue;
                };
                if planned > now {
                    next = Some(next.map_or(planned, |n| n.min(planned)));
                } else if now < planned + window.after {
                    let taken = last(m.kind).is_some_and(|at| at >= planned - window.before);
                    if !taken {
                        due.push(MeasureNow {
                            kind: m.kind,
                            planned,
                            key: format!("measure:{}@{}", m.kind.slug(), planned.timestamp()),
                        });
                    }
                }
            }
        }
    }
    (due, next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::monitoring::limits::Band;
    use crate::monitoring::plan::PlannedMeasurement;
    use chrono::NaiveTime;
    use chrono_tz::Europe::London;

    fn plan() -> MonitoringPlan {
        MonitoringPlan {
            measurements: vec![PlannedMeasurement {
                kind: ReadingKind::BloodPressure,
                times: vec![
                    NaiveTime::from_hms_opt(8, 0, 0).unwrap(),
                    NaiveTime::from_hms_opt(20, 0, 0).unwrap(),
                ],
            }],
            limits: vec![
                VitalLimits {
                    vital: Vital::Systolic,
                    amber: Band {
                        high: Some(150.0),
                        low: None,
                    },
                    red: Band {
                        high: Some(170.0),
                        low: None,
                    },
                },
                VitalLimits {
                    vital: Vital::OxygenSaturation,
                    amber: Band {
                        high: None,
                        low: Some(94.0),
                    },
                    red: Band {
                        high: None,
                        low: Some(93.0),
                    },
                },
            ],
            trends: Vec::new(),
        }
    }

    #[test]
    fn the_plan_tightens_the_apps_alerts_and_refuses_looser_ones() {
        let mine = Thresholds::default();
        let t = tightened(&mine, &plan());
        assert_eq!(
            t.systolic_high, 170.0,
            "the plan's red is stricter than 180"
        );
        assert_eq!(t.spo2_low, 93.0, "below 93 is stricter than below 92");
        assert_eq!(
            t.diastolic_high, mine.diastolic_high,
            "no plan limit: the patient's"
        );
        // Stricter than the plan is the patient's to choose.
        let stricter = Thresholds {
            systolic_high: 160.0,
            ..mine
        };
        assert_eq!(tightened(&stricter, &plan()).systolic_high, 160.0);
        assert_eq!(
            check_not_looser(&stricter, &plan()).map_err(|e| e.field),
            Err("oxygen saturation")
        );
        let fine = Thresholds {
            systolic_high: 160.0,
            spo2_low: 94.0,
            ..mine
        };
        assert!(check_not_looser(&fine, &plan()).is_ok());
        let looser = Thresholds {
            systolic_high: 175.0,
            spo2_low: 94.0,
            ..mine
        };
        assert_eq!(
            check_not_looser(&looser, &plan()),
            Err(LooserThanPlan {
                field: "systolic",
                plan: 170.0
            })
        );
    }

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn a_planned_measurement_is_due_from_its_time_until_its_window_closes_unless_taken() {
        let window = MeasurementWindow::default();
        // 08:00 in London in December is 08:00 UTC.
        let cases = [
            // (now, last reading, due?, next)
            ("2026-12-04T07:59:00Z", None, false, "2026-12-04T08:00:00Z"),
            ("2026-12-04T08:00:00Z", None, true, "2026-12-04T20:00:00Z"),
            ("2026-12-04T09:59:00Z", None, true, "2026-12-04T20:00:00Z"),
            ("2026-12-04T10:00:00Z", None, false, "2026-12-04T20:00:00Z"),
            (
                "2026-12-04T08:30:00Z",
                Some("2026-12-04T07:10:00Z"),
                false,
                "2026-12-04T20:00:00Z",
            ),
            (
                "2026-12-04T08:30:00Z",
                Some("2026-12-04T05:00:00Z"),
                true,
                "2026-12-04T20:00:00Z",
            ),
            ("2026-12-04T21:00:00Z", None, true, "2026-12-05T08:00:00Z"),
        ];
        for (now, last, is_due, next) in cases {
            let last = last.map(t);
            let (due, after) = measurements_due(&plan(), |_| last, &London, window, t(now));
            assert_eq!(!due.is_empty(), is_due, "at {now}");
            assert_eq!(after, Some(t(next)), "at {now}");
            if let Some(d) = due.first() {
                assert!(d.key.starts_with("measure:blood-pressure@"));
            }
        }
    }
}
