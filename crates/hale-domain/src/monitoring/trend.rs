//! Early-warning trends over a patient's recent readings. Rules are data (a hospital can add
//! its own, or change the numbers for one patient's plan); each one looks back `days` from now.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::limits::Tier;
use crate::device::Vital;

/// One value of one vital at one moment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub at: DateTime<Utc>,
    pub value: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum TrendRule {
    /// The latest value is at least `amount` above the lowest of the `days` before it (weight up
    /// 2 kg in 3 days: fluid building up in heart failure).
    RiseWithin {
        vital: Vital,
        amount: f64,
        days: u32,
        tier: Tier,
    },
    /// The mean of the last `days` is at or above `target` (7-day mean blood pressure).
    MeanAtOrAbove {
        vital: Vital,
        target: f64,
        days: u32,
        min_readings: usize,
        tier: Tier,
    },
    /// The values of the last `days` fall by at least `per_day` a day (least-squares slope).
    Falling {
        vital: Vital,
        per_day: f64,
        days: u32,
        min_readings: usize,
        tier: Tier,
    },
    /// More than `max_share` of the last `days`' values are below `below` (glucose time below
    /// range above 4 %).
    ShareBelow {
        vital: Vital,
        below: f64,
        max_share: f64,
        days: u32,
        min_readings: usize,
        tier: Tier,
    },
}

/// What a trend rule found: how bad, and the figure that made it fire.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrendFinding {
    pub tier: Tier,
    /// The rise, the mean, the slope per day or the share, in the rule's terms.
    pub figure: f64,
}

impl TrendRule {
    /// The four early warnings Hale starts with.
    pub fn defaults() -> Vec<Self> {
        vec![
            Self::RiseWithin {
                vital: Vital::BodyWeight,
                amount: 2.0,
                days: 3,
                tier: Tier::Amber,
            },
            Self::MeanAtOrAbove {
                vital: Vital::Systolic,
                target: 140.0,
                days: 7,
                min_readings: 4,
                tier: Tier::Amber,
            },
            Self::Falling {
                vital: Vital::OxygenSaturation,
                per_day: 1.0,
                days: 5,
                min_readings: 5,
                tier: Tier::Amber,
            },
            Self::ShareBelow {
                vital: Vital::InterstitialGlucose,
                below: 3.9,
                max_share: 0.04,
                days: 14,
                min_readings: 96,
                tier: Tier::Amber,
            },
        ]
    }

    pub fn vital(&self) -> Vital {
        match self {
            Self::RiseWithin { vital, .. }
            | Self::MeanAtOrAbove { vital, .. }
            | Self::Falling { vital, .. }
            | Self::ShareBelow { vital, .. } => *vital,
        }
    }

    pub fn days(&self) -> u32 {
        match self {
            Self::RiseWithin { days, .. }
            | Self::MeanAtOrAbove { days, .. }
            | Self::Falling { days, .. }
            | Self::ShareBelow { days, .. } => *days,
        }
    }

    /// A stable name for the rule, which an alert's episode is kept under.
    pub fn key(&self) -> String {
        let vital = vital_slug(self.vital());
        let kind = match self {
            Self::RiseWithin { .. } => "rise",
            Self::MeanAtOrAbove { .. } => "mean",
            Self::Falling { .. } => "falling",
            Self::ShareBelow { .. } => "share-below",
        };
        format!("{kind}:{vital}:{}d", self.days())
    }

    /// Whether the rule holds at `now` over `points` (any order; only the rule's window
    /// counts).
    pub fn evaluate(&self, points: &[Point], now: DateTime<Utc>) -> Option<TrendFinding> {
        let from = now - Duration::days(i64::from(self.days()));
        let mut window: Vec<Point> = points
            .iter()
            .copied()
            .filter(|p| p.at >= from && p.at <= now && p.value.is_finite())
            .collect();
        window.sort_by_key(|p| p.at);
        match *self {
            Self::RiseWithin {
                amount, days, tier, ..
            } => {
                let latest = window.last()?;
                let since = latest.at - Duration::days(i64::from(days));
                let lowest = window
                    .iter()
                    .filter(|p| p.at >= since && p.at < latest.at)
                    .map(|p| p.value)
                    .reduce(f64::min)?;
                let rise = latest.value - lowest;
                (rise >= amount).then_some(TrendFinding { tier, figure: rise })
            }
            Self::MeanAtOrAbove {
                target,
                min_readings,
                tier,
                ..
            } => {
                if window.len() < min_readings.max(1) {
                    return None;
                }
                let mean = window.iter().map(|p| p.value).sum::<f64>() / window.len() as f64;
                (mean >= target).then_some(TrendFinding { tier, figure: mean })
            }
            Self::Falling {
                per_day,
                min_readings,
                tier,
                ..
            } => {
                if window.len() < min_readings.max(2) {
                    return None;
                }
                let slope = slope_per_day(&window)?;
                (slope <= -per_day).then_some(TrendFinding {
                    tier,
                    figure: slope,
                })
            }
            Self::ShareBelow {
                below,
                max_share,
                min_readings,
                tier,
                ..
            } => {
                if window.len() < min_readings.max(1) {
                    return None;
                }
                let low = window.iter().filter(|p| p.value < below).count();
                let share = low as f64 / window.len() as f64;
                (share > max_share).then_some(TrendFinding {
                    tier,
                    figure: share,
                })
            }
        }
    }
}

/// The vital as the rule keys name it (the same words as its serde form).
fn vital_slug(vital: Vital) -> &'static str {
    match vital {
        Vital::HeartRate => "heart_rate",
        Vital::Systolic => "systolic",
        Vital::Diastolic => "diastolic",
        Vital::MeanArterial => "mean_arterial",
        Vital::OxygenSaturation => "oxygen_saturation",
        Vital::BodyTemperature => "body_temperature",
        Vital::BodyWeight => "body_weight",
        Vital::BodyHeight => "body_height",
        Vital::Bmi => "bmi",
        Vital::BloodGlucose => "blood_glucose",
        Vital::InterstitialGlucose => "interstitial_glucose",
    }
}

/// The least-squares slope of the points, per day; `None` when they all share one moment.
fn slope_per_day(points: &[Point]) -> Option<f64> {
    let origin = points.first()?.at;
    let xs: Vec<f64> = points
        .iter()
        .map(|p| (p.at - origin).num_seconds() as f64 / 86_400.0)
        .collect();
    let n = points.len() as f64;
    let mean_x = xs.iter().sum::<f64>() / n;
    let mean_y = points.iter().map(|p| p.value).sum::<f64>() / n;
    let (mut num, mut den) = (0.0, 0.0);
    for (x, p) in xs.iter().zip(points) {
        num += (x - mean_x) * (p.value - mean_y);
        den += (x - mean_x) * (x - mean_x);
    }
    (den > 0.0).then(|| num / den)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        "2026-12-04T08:00:00Z".parse().unwrap()
    }

    /// Values a day apart, the last one now.
    fn daily(values: &[f64]) -> Vec<Point> {
        let n = values.len() as i64;
        values
            .iter()
            .enumerate()
            .map(|(i, v)| Point {
                at: now() - Duration::days(n - 1 - i as i64),
                value: *v,
            })
            .collect()
    }

    fn rule(i: usize) -> TrendRule {
        TrendRule::defaults()[i].clone()
    }

    #[test]
    fn weight_up_two_kilograms_within_three_days_is_an_early_warning() {
        let weight = rule(0);
        let cases: [(&[f64], Option<f64>); 6] = [
            (&[80.0, 80.2, 80.1, 80.3], None),
            (&[80.0, 81.0, 82.0], Some(2.0)),
            (&[80.0, 80.5, 81.0, 82.4], Some(2.4)),
            (&[79.0, 80.0, 80.5, 81.5], Some(2.5)),
            (&[80.0, 82.5], Some(2.5)),
            // Down again: the warning clears.
            (&[80.0, 82.5, 80.4], None),
        ];
        for (values, rise) in cases {
            let got = weight
                .evaluate(&daily(values), now())
                .map(|f| (f.figure * 10.0).round() / 10.0);
            assert_eq!(got, rise, "{values:?}");
        }
    }

    #[test]
    fn a_rise_older_than_its_window_does_not_count() {
        // 4 days ago 79 kg, now 81.5: only 3 days back count (80.0 the lowest), so 1.5 kg.
        let weight = rule(0);
        assert_eq!(
            weight.evaluate(&daily(&[79.0, 80.0, 80.5, 81.0, 81.5]), now()),
            None
        );
    }

    #[test]
    fn the_seven_day_mean_blood_pressure_is_compared_with_its_target() {
        let mean = rule(1);
        let cases: [(&[f64], bool); 4] = [
            (&[150.0, 150.0, 150.0], false), // too few to say
            (&[135.0, 138.0, 142.0, 139.0], false),
            (&[140.0, 140.0, 140.0, 140.0], true),
            (&[120.0, 150.0, 160.0, 145.0, 138.0], true),
        ];
        for (values, fires) in cases {
            assert_eq!(
                mean.evaluate(&daily(values), now()).is_some(),
                fires,
                "{values:?}"
            );
        }
    }

    #[test]
    fn spo2_falling_a_point_a_day_is_an_early_warning_but_a_noisy_steady_one_is_not() {
        let falling = rule(2);
        let cases: [(&[f64], bool); 4] = [
            (&[97.0, 96.0, 95.0, 94.0, 93.0], true),
            (&[97.0, 95.0, 97.0, 95.0, 97.0], false),
            (&[96.0, 95.0, 94.0, 93.0], false), // too few
            (&[93.0, 94.0, 95.0, 96.0, 97.0], false),
        ];
        for (values, fires) in cases {
            assert_eq!(
                falling.evaluate(&daily(values), now()).is_some(),
                fires,
                "{values:?}"
            );
        }
    }

    #[test]
    fn glucose_below_range_more_than_four_percent_of_the_time_is_an_early_warning() {
        let below = rule(3);
        let cgm = |low: usize, total: usize| -> Vec<Point> {
            (0..total)
                .map(|i| Point {
                    at: now() - Duration::minutes(15 * i as i64),
                    value: if i < low { 3.5 } else { 6.0 },
                })
                .collect()
        };
        assert_eq!(
            below.evaluate(&cgm(4, 100), now()),
            None,
            "4 % is the limit"
        );
        let finding = below.evaluate(&cgm(5, 100), now()).unwrap();
        assert!((finding.figure - 0.05).abs() < 1e-9);
        assert_eq!(below.evaluate(&cgm(50, 95), now()), None, "too few to say");
    }

    #[test]
    fn rules_are_data_that_read_back_and_have_stable_keys() {
        for r in TrendRule::defaults() {
            let json = serde_json::to_string(&r).unwrap();
            assert_eq!(serde_json::from_str::<TrendRule>(&json).unwrap(), r);
            // The key names the vital as its serde form does.
            let vital = serde_json::to_value(r.vital()).unwrap();
            assert!(r.key().contains(vital.as_str().unwrap()), "{}", r.key());
        }
        let keys: Vec<String> = TrendRule::defaults().iter().map(TrendRule::key).collect();
        assert_eq!(
            keys,
            [
                "rise:body_weight:3d",
                "mean:systolic:7d",
                "falling:oxygen_saturation:5d",
                "share-below:interstitial_glucose:14d"
            ]
        );
    }
}
