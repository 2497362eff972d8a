//! A patient's limits in two tiers, as their clinician sets them in a monitoring plan: **red**
//! (act now) and **amber** (review today). A value at or above a band's `high`, or below its
//! `low`, is outside it.

use serde::{Deserialize, Serialize};

use crate::device::{Interpretation, Reading, Vital};

/// How urgent an alert is. Ordered: red is worse than amber.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// Review today.
    Amber,
    /// Act now.
    Red,
}

impl Tier {
    pub fn code(self) -> &'static str {
        match self {
            Self::Amber => "amber",
            Self::Red => "red",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        [Self::Amber, Self::Red]
            .into_iter()
            .find(|t| t.code() == code)
    }
}

/// The values of one vital that are fine: below `high` and not below `low`.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Band {
    /// Outside at or above this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub high: Option<f64>,
    /// Outside below this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub low: Option<f64>,
}

impl Band {
    /// Which side of the band `value` is on, if outside it.
    pub fn outside(&self, value: f64) -> Option<Interpretation> {
        if self.high.is_some_and(|h| value >= h) {
            Some(Interpretation::High)
        } else if self.low.is_some_and(|l| value < l) {
            Some(Interpretation::Low)
        } else {
            None
        }
    }
}

/// One vital's limits in both tiers.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct VitalLimits {
    pub vital: Vital,
    pub amber: Band,
    pub red: Band,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum InvalidLimits {
    #[error("a limit is not a number")]
    NotANumber,
    #[error("a band's low limit must be below its high limit")]
    Inverted,
    #[error("red limits must be at least as far out as amber ones")]
    RedInsideAmber,
    #[error("the same vital has limits twice")]
    Repeated,
}

impl VitalLimits {
    /// Checks that the limits can mean something: numbers, low below high, and red no closer
    /// to normal than amber (a value past amber but not red is amber; past red is red).
    pub fn validate(&self) -> Result<(), InvalidLimits> {
        for band in [self.amber, self.red] {
            let values = [band.high, band.low];
            if values.iter().flatten().any(|v| !v.is_finite()) {
                return Err(InvalidLimits::NotANumber);
            }
            if let (Some(high), Some(low)) = (band.high, band.low) {
                if low >= high {
                    return Err(InvalidLimits::Inverted);
                }
            }
        }
        let red_high_ok = match (self.amber.high, self.red.high) {
            (Some(amber), Some(red)) => red >= amber,
            _ => true,
        };
        let red_low_ok = match (self.amber.low, self.red.low) {
            (Some(amber), Some(red)) => red <= amber,
            _ => true,
        };
        if red_high_ok && red_low_ok {
            Ok(())
        } else {
            Err(InvalidLimits::RedInsideAmber)
        }
    }

    /// The tier `value` falls in, and on which side.
    pub fn tier(&self, value: f64) -> Option<(Tier, Interpretation)> {
        if let Some(side) = self.red.outside(value) {
            Some((Tier::Red, side))
        } else {
            self.amber.outside(value).map(|side| (Tier::Amber, side))
        }
    }
}

/// Checks a whole set: each valid, no vital twice.
pub fn validate_all(limits: &[VitalLimits]) -> Result<(), InvalidLimits> {
    for (i, l) in limits.iter().enumerate() {
        l.validate()?;
        if limits[..i].iter().any(|o| o.vital == l.vital) {
            return Err(InvalidLimits::Repeated);
        }
    }
    Ok(())
}

/// What a reading crossed: its worst tier, and which value did it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Crossed {
    pub tier: Tier,
    pub vital: Vital,
    pub value: f64,
    pub side: Interpretation,
}

/// The worst tier any of the reading's values falls in under `limits` (a blood pressure is
/// red when either its systolic or its diastolic value is).
pub fn assess(limits: &[VitalLimits], reading: &Reading) -> Option<Crossed> {
    reading
        .values
        .iter()
        .filter_map(|q| {
            let l = limits.iter().find(|l| l.vital == q.vital)?;
            let (tier, side) = l.tier(q.value)?;
            Some(Crossed {
                tier,
                vital: q.vital,
                value: q.value,
                side,
            })
        })
        // The first value of the worst tier: a blood pressure names its systolic on a tie.
        .reduce(|worst, c| if c.tier > worst.tier { c } else { worst })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::{Quantity, ReadingKind, Unit};

    fn bp_limits() -> Vec<VitalLimits> {
        vec![
            VitalLimits {
                vital: Vital::Systolic,
                amber: Band {
                    high: Some(160.0),
                    low: Some(90.0),
                },
                red: Band {
                    high: Some(180.0),
                    low: Some(80.0),
                },
            },
            VitalLimits {
                vital: Vital::Diastolic,
                amber: Band {
                    high: Some(100.0),
                    low: None,
                },
                red: Band {
                    high: Some(120.0),
                    low: None,
                },
            },
        ]
    }

    fn bp(systolic: f64, diastolic: f64) -> Reading {
        Reading {
            key: "cuff/blood-pressure/s1".into(),
            device: "cuff".into(),
            kind: ReadingKind::BloodPressure,
            effective: "2026-12-04T08:00:00Z".parse().unwrap(),
            device_clock: true,
            values: vec![
                Quantity {
                    vital: Vital::Systolic,
                    value: systolic,
                    unit: Unit::MmHg,
                },
                Quantity {
                    vital: Vital::Diastolic,
                    value: diastolic,
                    unit: Unit::MmHg,
                },
            ],
            context: None,
        }
    }

    #[test]
    fn a_blood_pressure_takes_the_worst_tier_of_its_values() {
        use Interpretation::{High, Low};
        let cases = [
            // systolic, diastolic → tier, vital, side
            (130.0, 80.0, None),
            (159.9, 99.9, None),
            (160.0, 80.0, Some((Tier::Amber, Vital::Systolic, High))),
            (150.0, 100.0, Some((Tier::Amber, Vital::Diastolic, High))),
            (185.0, 125.0, Some((Tier::Red, Vital::Systolic, High))),
            (165.0, 121.0, Some((Tier::Red, Vital::Diastolic, High))),
            (89.0, 60.0, Some((Tier::Amber, Vital::Systolic, Low))),
            (79.0, 50.0, Some((Tier::Red, Vital::Systolic, Low))),
        ];
        for (s, d, expected) in cases {
            let got = assess(&bp_limits(), &bp(s, d)).map(|c| (c.tier, c.vital, c.side));
            assert_eq!(got, expected, "{s}/{d}");
        }
    }

    #[test]
    fn a_vital_without_limits_is_never_out_of_range() {
        let limits = [VitalLimits {
            vital: Vital::BodyWeight,
            amber: Band::default(),
            red: Band::default(),
        }];
        assert_eq!(assess(&limits, &bp(250.0, 150.0)), None);
    }

    #[test]
    fn limits_that_cannot_mean_anything_are_refused() {
        let ok = bp_limits()[0];
        assert_eq!(ok.validate(), Ok(()));
        let cases = [
            (
                VitalLimits {
                    red: Band {
                        high: Some(150.0),
                        ..ok.red
                    },
                    ..ok
                },
                InvalidLimits::RedInsideAmber,
            ),
            (
                VitalLimits {
                    red: Band {
                        low: Some(95.0),
                        ..ok.red
                    },
                    ..ok
                },
                InvalidLimits::RedInsideAmber,
            ),
            (
                VitalLimits {
                    amber: Band {
                        high: Some(80.0),
                        low: Some(90.0),
                    },
                    ..ok
                },
                InvalidLimits::Inverted,
            ),
            (
                VitalLimits {
                    amber: Band {
                        high: Some(f64::NAN),
                        low: None,
                    },
                    ..ok
                },
                InvalidLimits::NotANumber,
            ),
        ];
        for (limits, error) in cases {
            assert_eq!(limits.validate(), Err(error));
        }
        assert_eq!(validate_all(&[ok, ok]), Err(InvalidLimits::Repeated));
        assert_eq!(validate_all(&bp_limits()), Ok(()));
    }

    #[test]
    fn every_tier_reads_back_from_its_code() {
        for t in [Tier::Amber, Tier::Red] {
            assert_eq!(Tier::from_code(t.code()), Some(t));
        }
        assert!(Tier::Red > Tier::Amber);
    }
}
