//! When a reading is dangerous: thresholds with clinical defaults the patient (with their care
//! team's advice) can adjust, and the interpretation a reading then carries.
//!
//! Defaults: blood pressure at or above 180/120 mmHg (hypertensive crisis), SpO2 below 92 %,
//! heart rate above 120 bpm, glucose below 3.9 or above 13.9 mmol/L (hypo- and hyperglycaemia),
//! temperature at or above 39.5 °C or below 35.0 °C.

use serde::{Deserialize, Serialize};

use super::reading::{Reading, ReadingKind, Unit, Vital};

/// FHIR v3-ObservationInterpretation: only set when a threshold is crossed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Interpretation {
    /// "H": above the high threshold.
    High,
    /// "L": below the low threshold.
    Low,
}

impl Interpretation {
    pub fn code(self) -> &'static str {
        match self {
            Self::High => "H",
            Self::Low => "L",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "H" => Some(Self::High),
            "L" => Some(Self::Low),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Thresholds {
    /// Alert at or above, mmHg.
    pub systolic_high: f64,
    /// Alert at or above, mmHg.
    pub diastolic_high: f64,
    /// Alert below, %.
    pub spo2_low: f64,
    /// Alert above, bpm.
    pub heart_rate_high: f64,
    /// Alert below, mmol/L.
    pub glucose_low: f64,
    /// Alert above, mmol/L.
    pub glucose_high: f64,
    /// Alert at or above, °C.
    pub temperature_high: f64,
    /// Alert below, °C.
    pub temperature_low: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            systolic_high: 180.0,
            diastolic_high: 120.0,
            spo2_low: 92.0,
            heart_rate_high: 120.0,
            glucose_low: 3.9,
            glucose_high: 13.9,
            temperature_high: 39.5,
            temperature_low: 35.0,
        }
    }
}

/// A threshold the patient set outside what Hale accepts.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{field} must be between {min} and {max}")]
pub struct InvalidThreshold {
    pub field: &'static str,
    pub min: f64,
    pub max: f64,
}

impl Thresholds {
    /// Checks every threshold lies in a range where an alert still means danger, so a slip of
    /// the finger cannot silence alerts (e.g. a systolic threshold of 1,800).
    pub fn validate(&self) -> Result<(), InvalidThreshold> {
        let checks = [
            ("systolic", self.systolic_high, 120.0, 250.0),
            ("diastolic", self.diastolic_high, 80.0, 150.0),
            ("oxygen saturation", self.spo2_low, 80.0, 98.0),
            ("heart rate", self.heart_rate_high, 90.0, 220.0),
            ("low glucose", self.glucose_low, 2.5, 6.0),
            ("high glucose", self.glucose_high, 8.0, 30.0),
            ("high temperature", self.temperature_high, 37.5, 42.0),
            ("low temperature", self.temperature_low, 32.0, 36.5),
        ];
        for (field, value, min, max) in checks {
            if !(min..=max).contains(&value) {
                return Err(InvalidThreshold { field, min, max });
            }
        }
        Ok(())
    }

    /// Whether `reading` crosses a threshold, and which way.
    pub fn assess(&self, reading: &Reading) -> Option<Assessment> {
        let v = |vital| reading.value(vital);
        let (interpretation, message) = match reading.kind {
            ReadingKind::BloodPressure => {
                let (sys, dia) = (v(Vital::Systolic)?, v(Vital::Diastolic)?);
                (sys >= self.systolic_high || dia >= self.diastolic_high).then(|| {
                    (
                        Interpretation::High,
                        format!("Blood pressure {sys:.0}/{dia:.0} mmHg is very high."),
                    )
                })?
            }
            ReadingKind::OxygenSaturation => {
                let spo2 = v(Vital::OxygenSaturation)?;
                (spo2 < self.spo2_low).then(|| {
                    (
                        Interpretation::Low,
                        format!("Oxygen saturation {spo2:.0} % is low."),
                    )
                })?
            }
            ReadingKind::HeartRate => {
                let bpm = v(Vital::HeartRate)?;
                (bpm > self.heart_rate_high).then(|| {
                    (
                        Interpretation::High,
                        format!("Heart rate {bpm:.0} bpm is high."),
                    )
                })?
            }
            ReadingKind::BloodGlucose | ReadingKind::InterstitialGlucose => {
                let vital = if reading.kind == ReadingKind::BloodGlucose {
                    Vital::BloodGlucose
                } else {
                    Vital::InterstitialGlucose
                };
                let g = v(vital)?;
                let label = reading.kind.label();
                if g < self.glucose_low {
                    (
                        Interpretation::Low,
                        format!("{label} {g:.1} mmol/L is low."),
                    )
                } else if g > self.glucose_high {
                    (
                        Interpretation::High,
                        format!("{label} {g:.1} mmol/L is high."),
                    )
                } else {
                    return None;
                }
            }
            ReadingKind::BodyTemperature => {
                let q = reading.values.first()?;
                let celsius = if q.unit == Unit::Fahrenheit {
                    (q.value - 32.0) * 5.0 / 9.0
                } else {
                    q.value
                };
                let shown = format!("{:.1} {}", q.value, q.unit.symbol());
                if celsius >= self.temperature_high {
                    (
                        Interpretation::High,
                        format!("Temperature {shown} is high."),
                    )
                } else if celsius < self.temperature_low {
                    (Interpretation::Low, format!("Temperature {shown} is low."))
                } else {
                    return None;
                }
            }
            ReadingKind::BodyWeight | ReadingKind::BodyHeight | ReadingKind::Bmi => return None,
        };
        Some(Assessment {
            interpretation,
            message,
        })
    }
}

/// A reading that crossed a threshold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assessment {
    pub interpretation: Interpretation,
    /// Plain words for the notification, e.g. "Blood pressure 185/95 mmHg is very high."
    pub message: String,
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};

    use super::*;
    use crate::device::reading::Quantity;

    fn reading(kind: ReadingKind, values: &[(Vital, f64, Unit)]) -> Reading {
        Reading {
            key: "k".into(),
            device: "d".into(),
            kind,
            effective: DateTime::<Utc>::MIN_UTC,
            device_clock: false,
            values: values
                .iter()
                .map(|&(vital, value, unit)| Quantity { vital, value, unit })
                .collect(),
            context: None,
        }
    }

    fn bp(sys: f64, dia: f64) -> Reading {
        reading(
            ReadingKind::BloodPressure,
            &[
                (Vital::Systolic, sys, Unit::MmHg),
                (Vital::Diastolic, dia, Unit::MmHg),
            ],
        )
    }

    #[test]
    fn blood_pressure_at_the_threshold_alerts() {
        let t = Thresholds::default();
        assert_eq!(t.assess(&bp(179.0, 119.0)), None);
        assert_eq!(
            t.assess(&bp(180.0, 90.0)).unwrap().interpretation,
            Interpretation::High
        );
        let a = t.assess(&bp(150.0, 120.0)).unwrap();
        assert_eq!(a.message, "Blood pressure 150/120 mmHg is very high.");
    }

    #[test]
    fn each_kind_against_its_defaults() {
        let t = Thresholds::default();
        let spo2 = |v| {
            reading(
                ReadingKind::OxygenSaturation,
                &[(Vital::OxygenSaturation, v, Unit::Percent)],
            )
        };
        assert_eq!(t.assess(&spo2(92.0)), None);
        assert_eq!(
            t.assess(&spo2(91.0)).unwrap().interpretation,
            Interpretation::Low
        );
        let hr = |v| {
            reading(
                ReadingKind::HeartRate,
                &[(Vital::HeartRate, v, Unit::PerMinute)],
            )
        };
        assert_eq!(t.assess(&hr(120.0)), None);
        assert!(t.assess(&hr(121.0)).is_some());
        let g = |v| {
            reading(
                ReadingKind::BloodGlucose,
                &[(Vital::BloodGlucose, v, Unit::MmolPerL)],
            )
        };
        assert_eq!(
            t.assess(&g(3.8)).unwrap().interpretation,
            Interpretation::Low
        );
        assert_eq!(t.assess(&g(3.9)), None);
        assert_eq!(t.assess(&g(13.9)), None);
        assert_eq!(
            t.assess(&g(14.0)).unwrap().interpretation,
            Interpretation::High
        );
        let temp = |v, u| {
            reading(
                ReadingKind::BodyTemperature,
                &[(Vital::BodyTemperature, v, u)],
            )
        };
        assert_eq!(
            t.assess(&temp(39.5, Unit::Celsius)).unwrap().interpretation,
            Interpretation::High
        );
        // 103.1 °F is 39.5 °C.
        assert_eq!(
            t.assess(&temp(103.1, Unit::Fahrenheit)).unwrap().message,
            "Temperature 103.1 °F is high."
        );
        assert_eq!(t.assess(&temp(98.6, Unit::Fahrenheit)), None);
        let w = reading(
            ReadingKind::BodyWeight,
            &[(Vital::BodyWeight, 300.0, Unit::Kilogram)],
        );
        assert_eq!(t.assess(&w), None);
    }

    #[test]
    fn adjusted_thresholds_apply_and_are_bounded() {
        let t = Thresholds {
            systolic_high: 160.0,
            ..Thresholds::default()
        };
        assert!(t.validate().is_ok());
        assert!(t.assess(&bp(165.0, 80.0)).is_some());
        let silly = Thresholds {
            systolic_high: 1800.0,
            ..Thresholds::default()
        };
        assert_eq!(silly.validate().unwrap_err().field, "systolic");
        assert!(Thresholds {
            spo2_low: f64::NAN,
            ..Thresholds::default()
        }
        .validate()
        .is_err());
        assert!(Thresholds::default().validate().is_ok());
    }
}
