//! Readings: what a measurement means clinically, in the units Hale stores, charts and relays.
//!
//! A measurement gives zero or more readings (a blood pressure with a pulse gives two). Each has
//! a **key** that names it for good: device, kind, and the meter's sequence number or the
//! device clock's time, or else the time it was received. The key is stored with the reading
//! and becomes the FHIR Observation's identifier, so a reading sent twice (a retry, a crash
//! mid-upload, a cuff re-sending its memory on reconnect) is created once on the server.

use chrono::{DateTime, Duration, NaiveDateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use super::blood_pressure::{kpa_to_mmhg, PressureUnit};
use super::glucose::GlucoseContext;
use super::thermometer::TemperatureUnit;
use super::validity::{self, NotPatientData};
use super::weight::WeightUnits;
use super::Measurement;

/// What is measured: one value of a reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Vital {
    HeartRate,
    Systolic,
    Diastolic,
    MeanArterial,
    OxygenSaturation,
    BodyTemperature,
    BodyWeight,
    BodyHeight,
    Bmi,
    BloodGlucose,
    /// Glucose in the interstitial fluid, as a continuous glucose monitor measures it.
    InterstitialGlucose,
}

impl Vital {
    /// The kind of reading this value is part of.
    pub fn kind(self) -> ReadingKind {
        match self {
            Self::HeartRate => ReadingKind::HeartRate,
            Self::Systolic | Self::Diastolic | Self::MeanArterial => ReadingKind::BloodPressure,
            Self::OxygenSaturation => ReadingKind::OxygenSaturation,
            Self::BodyTemperature => ReadingKind::BodyTemperature,
            Self::BodyWeight => ReadingKind::BodyWeight,
            Self::BodyHeight => ReadingKind::BodyHeight,
            Self::Bmi => ReadingKind::Bmi,
            Self::BloodGlucose => ReadingKind::BloodGlucose,
            Self::InterstitialGlucose => ReadingKind::InterstitialGlucose,
        }
    }
}

/// A reading's kind: one chart, one FHIR Observation code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReadingKind {
    HeartRate,
    BloodPressure,
    OxygenSaturation,
    BodyTemperature,
    BodyWeight,
    BodyHeight,
    Bmi,
    BloodGlucose,
    InterstitialGlucose,
}

impl ReadingKind {
    pub const ALL: [Self; 9] = [
        Self::HeartRate,
        Self::BloodPressure,
        Self::OxygenSaturation,
        Self::BodyTemperature,
        Self::BodyWeight,
        Self::BodyHeight,
        Self::Bmi,
        Self::BloodGlucose,
        Self::InterstitialGlucose,
    ];

    /// The short, stable name used in keys and storage.
    pub fn slug(self) -> &'static str {
        match self {
            Self::HeartRate => "heart-rate",
            Self::BloodPressure => "blood-pressure",
            Self::OxygenSaturation => "spo2",
            Self::BodyTemperature => "temperature",
            Self::BodyWeight => "weight",
            Self::BodyHeight => "height",
            Self::Bmi => "bmi",
            Self::BloodGlucose => "glucose",
            Self::InterstitialGlucose => "cgm-glucose",
        }
    }

    pub fn from_slug(slug: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.slug() == slug)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::HeartRate => "Heart rate",
            Self::BloodPressure => "Blood pressure",
            Self::OxygenSaturation => "Oxygen saturation",
            Self::BodyTemperature => "Temperature",
            Self::BodyWeight => "Weight",
            Self::BodyHeight => "Height",
            Self::Bmi => "BMI",
            Self::BloodGlucose => "Blood glucose",
            Self::InterstitialGlucose => "Sensor glucose",
        }
    }
}

/// Units as UCUM codes name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    PerMinute,
    MmHg,
    Percent,
    Celsius,
    Fahrenheit,
    Kilogram,
    Pound,
    Centimetre,
    Inch,
    KgPerM2,
    MmolPerL,
}

impl Unit {
    /// The UCUM code (FHIR `Quantity.code` with system `http://unitsofmeasure.org`).
    pub fn ucum(self) -> &'static str {
        match self {
            Self::PerMinute => "/min",
            Self::MmHg => "mm[Hg]",
            Self::Percent => "%",
            Self::Celsius => "Cel",
            Self::Fahrenheit => "[degF]",
            Self::Kilogram => "kg",
            Self::Pound => "[lb_av]",
            Self::Centimetre => "cm",
            Self::Inch => "[in_i]",
            Self::KgPerM2 => "kg/m2",
            Self::MmolPerL => "mmol/L",
        }
    }

    pub fn from_ucum(code: &str) -> Option<Self> {
        [
            Self::PerMinute,
            Self::MmHg,
            Self::Percent,
            Self::Celsius,
            Self::Fahrenheit,
            Self::Kilogram,
            Self::Pound,
            Self::Centimetre,
            Self::Inch,
            Self::KgPerM2,
            Self::MmolPerL,
        ]
        .into_iter()
        .find(|u| u.ucum() == code)
    }

    /// How a person reads it.
    pub fn symbol(self) -> &'static str {
        match self {
            Self::PerMinute => "bpm",
            Self::MmHg => "mmHg",
            Self::Percent => "%",
            Self::Celsius => "°C",
            Self::Fahrenheit => "°F",
            Self::Kilogram => "kg",
            Self::Pound => "lb",
            Self::Centimetre => "cm",
            Self::Inch => "in",
            Self::KgPerM2 => "kg/m²",
            Self::MmolPerL => "mmol/L",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Quantity {
    pub vital: Vital,
    pub value: f64,
    pub unit: Unit,
}

impl Quantity {
    /// Whether the value is one a living person can have, generously: a device that sends a
    /// body temperature of 6.6 × 10⁶² °C (a valid 11073 number) is faulty, and its value must
    /// not reach a chart, an alert or the hospital.
    pub fn plausible(&self) -> bool {
        let (low, high) = match (self.vital, self.unit) {
            (Vital::HeartRate, _) => (20.0, 300.0),
            (Vital::Systolic, _) => (40.0, 300.0),
            (Vital::Diastolic | Vital::MeanArterial, _) => (20.0, 250.0),
            (Vital::OxygenSaturation, _) => (50.0, 100.0),
            (Vital::BodyTemperature, Unit::Fahrenheit) => (77.0, 113.0),
            (Vital::BodyTemperature, _) => (25.0, 45.0),
            (Vital::BodyWeight, Unit::Pound) => (1.0, 1450.0),
            (Vital::BodyWeight, _) => (0.5, 650.0),
            (Vital::BodyHeight, Unit::Inch) => (12.0, 108.0),
            (Vital::BodyHeight, _) => (30.0, 275.0),
            (Vital::Bmi, _) => (5.0, 150.0),
            (Vital::BloodGlucose | Vital::InterstitialGlucose, _) => (0.5, 50.0),
        };
        self.value.is_finite() && (low..=high).contains(&self.value)
    }
}

/// One reading, ready to store, chart and relay.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reading {
    /// Stable identity: `{device}/{kind}/{s<sequence>|t<device time>|r<received ms>}`.
    pub key: String,
    /// The device's stable id (its Bluetooth address).
    pub device: String,
    pub kind: ReadingKind,
    /// When it was measured: the device clock where it gave one, else when it was received.
    pub effective: DateTime<Utc>,
    /// Whether `effective` came from the device's own clock.
    pub device_clock: bool,
    /// One value, or the systolic/diastolic/mean components of a blood pressure.
    pub values: Vec<Quantity>,
    /// A glucose meter's record of the circumstances (meal, carbohydrate, exercise, medication,
    /// HbA1c), when it sent one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<GlucoseContext>,
}

impl Reading {
    pub fn value(&self, vital: Vital) -> Option<f64> {
        self.values
            .iter()
            .find(|q| q.vital == vital)
            .map(|q| q.value)
    }
}

/// A value a device sent that is not patient data (its own status bits say so): shown to the
/// patient for what it is, never stored, alerted on or relayed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Withheld {
    pub device: String,
    pub kind: ReadingKind,
    /// The value as the device gave it; empty where the device gave no usable number (a
    /// result beyond its range, a failed weighing).
    pub values: Vec<Quantity>,
    pub reason: NotPatientData,
}

/// What a measurement gives: readings of the patient, and values withheld from them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Readings {
    pub kept: Vec<Reading>,
    pub withheld: Vec<Withheld>,
}

/// A device time later than this after receipt is a wrong clock, not a measurement.
const CLOCK_TOLERANCE_MIN: i64 = 10;

/// The time a measurement carries, read on the patient's zone, trusted if not in the future.
fn measured_at<Tz: TimeZone>(
    device_time: Option<NaiveDateTime>,
    received: DateTime<Utc>,
    zone: &Tz,
) -> Option<DateTime<Utc>> {
    let local = device_time?;
    // In a DST fold the earlier instant is taken; in a gap the time does not exist.
    let at = zone
        .from_local_datetime(&local)
        .earliest()?
        .with_timezone(&Utc);
    (at <= received + Duration::minutes(CLOCK_TOLERANCE_MIN)).then_some(at)
}

struct Builder<'a> {
    device: &'a str,
    received: DateTime<Utc>,
    effective: Option<DateTime<Utc>>,
    /// The identity part after the kind, shared by every reading of one measurement.
    id: String,
    /// The context the measurement came with, kept with its readings.
    context: Option<GlucoseContext>,
    out: Readings,
}

impl Builder<'_> {
    /// Keeps `values` as a reading, or withholds them when `not_patient_data` says why.
    fn push_or_withhold(
        &mut self,
        kind: ReadingKind,
        values: Vec<Quantity>,
        not_patient_data: Option<NotPatientData>,
    ) {
        match not_patient_data {
            Some(reason) => self.withhold(kind, values, reason),
            None => self.push(kind, values),
        }
    }

    fn withhold(&mut self, kind: ReadingKind, values: Vec<Quantity>, reason: NotPatientData) {
        // A number beyond a device's range is no number; an implausible one is not shown.
        let values = match reason {
            NotPatientData::AboveRange | NotPatientData::BelowRange => Vec::new(),
            _ => values.into_iter().filter(Quantity::plausible).collect(),
        };
        self.out.withheld.push(Withheld {
            device: self.device.to_owned(),
            kind,
            values,
            reason,
        });
    }

    fn push(&mut self, kind: ReadingKind, values: Vec<Quantity>) {
        if values.is_empty() || !values.iter().all(Quantity::plausible) {
            return;
        }
        self.out.kept.push(Reading {
            key: format!("{}/{}/{}", self.device, kind.slug(), self.id),
            device: self.device.to_owned(),
            kind,
            effective: self.effective.unwrap_or(self.received),
            device_clock: self.effective.is_some(),
            values,
            context: self.context.clone(),
        });
    }

    fn one(&mut self, kind: ReadingKind, vital: Vital, value: Option<f64>, unit: Unit) {
        self.one_unless(kind, vital, value, unit, None);
    }

    /// One value, kept unless the device says it is not patient data. A withheld value is
    /// reported even when the device sent no number (a "HI" glucose).
    fn one_unless(
        &mut self,
        kind: ReadingKind,
        vital: Vital,
        value: Option<f64>,
        unit: Unit,
        not_patient_data: Option<NotPatientData>,
    ) {
        let values: Vec<Quantity> = value
            .filter(|v| v.is_finite())
            .map(|value| Quantity { vital, value, unit })
            .into_iter()
            .collect();
        if values.is_empty() && not_patient_data.is_none() {
            return;
        }
        self.push_or_withhold(kind, values, not_patient_data);
    }
}

fn round(value: f64, places: i32) -> f64 {
    let factor = 10f64.powi(places);
    (value * factor).round() / factor
}

/// The readings in `measurement` from `device`, received at `received`, with the device's
/// clock read in `zone` (the device's clock keeps the patient's local time).
///
/// Intermediate cuff pressures and temperatures, glucose contexts, RACP responses and CGM
/// features give nothing. Values the device's status bits say are not patient data
/// ([`validity`]), control-solution tests and failed weighings are withheld. Special values and
/// implausible values give nothing.
pub fn readings<Tz: TimeZone>(
    device: &str,
    measurement: &Measurement,
    received: DateTime<Utc>,
    zone: &Tz,
) -> Readings {
    let device_time = match measurement {
        Measurement::BloodPressure(m) => m.time,
        Measurement::Temperature(m) => m.time,
        // A meter that says its clock was wrong when it measured gives no time to trust.
        Measurement::Glucose(m) => m
            .time
            .filter(|_| !m.sensor_status.is_some_and(validity::glucose_time_fault)),
        Measurement::SpotCheck(m) => m.trusted_time(),
        Measurement::Weight(m) => m.time,
        _ => None,
    };
    let effective = measured_at(device_time, received, zone);
    let id = match (measurement, effective, device_time) {
        (Measurement::Glucose(m), _, _) => format!("s{}", m.sequence),
        (_, Some(_), Some(local)) => format!("t{}", local.format("%Y%m%dT%H%M%S")),
        _ => format!("r{}", received.timestamp_millis()),
    };
    let mut b = Builder {
        device,
        received,
        effective,
        id,
        context: match measurement {
            Measurement::Glucose(m) => m.context.clone(),
            _ => None,
        },
        out: Readings::default(),
    };
    match measurement {
        Measurement::HeartRate(m) => {
            b.one(
                ReadingKind::HeartRate,
                Vital::HeartRate,
                Some(f64::from(m.bpm)).filter(|v| *v > 0.0),
                Unit::PerMinute,
            );
        }
        Measurement::BloodPressure(m) => {
            let mmhg = |v: f64| match m.unit {
                PressureUnit::MmHg => v,
                PressureUnit::KPa => round(kpa_to_mmhg(v), 0),
            };
            let components = [
                (Vital::Systolic, m.systolic),
                (Vital::Diastolic, m.diastolic),
                (Vital::MeanArterial, m.mean_arterial),
            ];
            let values: Vec<Quantity> = components
                .into_iter()
                .filter_map(|(vital, n)| {
                    n.value().map(|v| Quantity {
                        vital,
                        value: mmhg(v),
                        unit: Unit::MmHg,
                    })
                })
                .collect();
            let status = m.status.map_or(0, |s| s.bits);
            // A panel without both systolic and diastolic is not a blood pressure.
            if values.iter().any(|q| q.vital == Vital::Systolic)
                && values.iter().any(|q| q.vital == Vital::Diastolic)
            {
                b.push_or_withhold(ReadingKind::BloodPressure, values, validity::bp(status));
            }
            if let Some(pulse) = m.pulse {
                // A pulse goes with its panel: withheld with it, or alone when beyond the
                // monitor's range.
                let reason = validity::bp(status).or(validity::bp_pulse(status));
                b.one_unless(
                    ReadingKind::HeartRate,
                    Vital::HeartRate,
                    pulse.value(),
                    Unit::PerMinute,
                    reason,
                );
            }
        }
        Measurement::Temperature(m) => {
            let unit = match m.unit {
                TemperatureUnit::Celsius => Unit::Celsius,
                TemperatureUnit::Fahrenheit => Unit::Fahrenheit,
            };
            b.one(
                ReadingKind::BodyTemperature,
                Vital::BodyTemperature,
                m.value.value(),
                unit,
            );
        }
        Measurement::Glucose(m) => {
            let control = m
                .concentration
                .as_ref()
                .is_some_and(|c| c.is_control_solution());
            let reason = if control {
                Some(NotPatientData::ControlSolution)
            } else {
                m.sensor_status.and_then(validity::glucose)
            };
            let value = m
                .concentration
                .as_ref()
                .and_then(|c| c.mmol_per_l())
                .map(|v| round(v, 1));
            if m.concentration.is_some() {
                b.one_unless(
                    ReadingKind::BloodGlucose,
                    Vital::BloodGlucose,
                    value,
                    Unit::MmolPerL,
                    reason,
                );
            }
        }
        Measurement::Cgm(m) => {
            for record in &m.records {
                let at = m.session.and_then(|s| s.at(record.time_offset, zone));
                // Placed by the session start; a record that would lie in the future is not.
                b.effective =
                    at.filter(|at| *at <= received + Duration::minutes(CLOCK_TOLERANCE_MIN));
                // Keyed by the session as the sensor names it (not by an instant computed in
                // the patient's zone, which travel would change) and the record's offset.
                let session = m.session.and_then(|s| s.id());
                let placed = b.effective.is_some() && session.is_some();
                b.id = format!("c{}o{}", session.unwrap_or_default(), record.time_offset);
                // A record with no place in time is shown, never stored: at its receipt time a
                // download would misdate hours of history.
                let reason = record
                    .not_patient_data()
                    .or((!placed).then_some(NotPatientData::UnknownTime));
                b.one_unless(
                    ReadingKind::InterstitialGlucose,
                    Vital::InterstitialGlucose,
                    record.mmol_per_l().map(|v| round(v, 1)),
                    Unit::MmolPerL,
                    reason,
                );
            }
        }
        Measurement::SpotCheck(m) => {
            b.one_unless(
                ReadingKind::OxygenSaturation,
                Vital::OxygenSaturation,
                m.reading.spo2.value(),
                Unit::Percent,
                m.not_patient_data(),
            );
            b.one_unless(
                ReadingKind::HeartRate,
                Vital::HeartRate,
                m.reading.pulse.value(),
                Unit::PerMinute,
                m.not_patient_data(),
            );
        }
        Measurement::Continuous(m) => {
            b.one_unless(
                ReadingKind::OxygenSaturation,
                Vital::OxygenSaturation,
                m.normal.spo2.value(),
                Unit::Percent,
                m.not_patient_data(),
            );
            b.one_unless(
                ReadingKind::HeartRate,
                Vital::HeartRate,
                m.normal.pulse.value(),
                Unit::PerMinute,
                m.not_patient_data(),
            );
        }
        Measurement::Weight(m) => {
            let (mass, length, height) = match m.units {
                WeightUnits::Si => (
                    Unit::Kilogram,
                    Unit::Centimetre,
                    m.height.map(|h| round(h * 100.0, 1)),
                ),
                WeightUnits::Imperial => (Unit::Pound, Unit::Inch, m.height),
            };
            match m.weight {
                Some(weight) => {
                    b.one(
                        ReadingKind::BodyWeight,
                        Vital::BodyWeight,
                        Some(round(weight, 3)),
                        mass,
                    );
                    b.one(ReadingKind::Bmi, Vital::Bmi, m.bmi, Unit::KgPerM2);
                    b.one(ReadingKind::BodyHeight, Vital::BodyHeight, height, length);
                }
                // "Measurement unsuccessful": the BMI beside it was computed from no weight.
                None => b.withhold(
                    ReadingKind::BodyWeight,
                    Vec::new(),
                    NotPatientData::Unsuccessful,
                ),
            }
        }
        Measurement::CuffPressure(_)
        | Measurement::IntermediateTemperature(_)
        | Measurement::GlucoseContext(_)
        | Measurement::RecordAccess(_)
        | Measurement::CgmFeatures(_)
        | Measurement::CgmSessionStart(_) => {}
    }
    b.out
}

#[cfg(test)]
mod tests {
    use chrono::FixedOffset;

    use super::*;
    use crate::device::{decode, Characteristic};

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn zone() -> FixedOffset {
        FixedOffset::east_opt(3600).unwrap()
    }

    #[test]
    fn blood_pressure_gives_a_panel_and_a_pulse_on_the_device_clock() {
        let m = decode(
            Characteristic::BloodPressureMeasurement,
            &[
                0x06, 0x8C, 0, 0x5A, 0, 0x6A, 0, 0xEA, 0x07, 12, 2, 7, 45, 0, 0x48, 0,
            ],
        )
        .unwrap();
        let r = readings("AA:BB", &m, at("2026-12-02T07:00:00Z"), &zone()).kept;
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].kind, ReadingKind::BloodPressure);
        assert_eq!(r[0].key, "AA:BB/blood-pressure/t20261202T074500");
        // 07:45 at UTC+1 is 06:45 UTC.
        assert_eq!(r[0].effective, at("2026-12-02T06:45:00Z"));
        assert!(r[0].device_clock);
        assert_eq!(r[0].value(Vital::Systolic), Some(140.0));
        assert_eq!(r[0].value(Vital::Diastolic), Some(90.0));
        assert_eq!(r[1].kind, ReadingKind::HeartRate);
        assert_eq!(r[1].key, "AA:BB/heart-rate/t20261202T074500");
        assert_eq!(r[1].value(Vital::HeartRate), Some(72.0));
    }

    #[test]
    fn same_measurement_twice_gives_the_same_keys() {
        let data = [0x02, 0x8C, 0, 0x5A, 0, 0x6A, 0, 0xEA, 0x07, 12, 2, 7, 45, 0];
        let m = decode(Characteristic::BloodPressureMeasurement, &data).unwrap();
        let first = readings("AA:BB", &m, at("2026-12-02T07:00:00Z"), &zone()).kept;
        let again = readings("AA:BB", &m, at("2026-12-02T09:00:00Z"), &zone()).kept;
        assert_eq!(first[0].key, again[0].key);
    }

    #[test]
    fn no_device_time_uses_the_receipt_time() {
        let m = decode(Characteristic::HeartRateMeasurement, &[0x00, 64]).unwrap();
        let r = readings("AA:BB", &m, at("2026-12-02T07:00:00.250Z"), &zone()).kept;
        assert_eq!(
            r[0].key,
            format!(
                "AA:BB/heart-rate/r{}",
                at("2026-12-02T07:00:00.250Z").timestamp_millis()
            )
        );
        assert!(!r[0].device_clock);
        assert_eq!(r[0].effective, at("2026-12-02T07:00:00.250Z"));
    }

    #[test]
    fn a_device_clock_in_the_future_is_not_trusted() {
        let m = decode(
            Characteristic::TemperatureMeasurement,
            &[0x02, 0x6C, 0x01, 0x00, 0xFF, 0xEB, 0x07, 1, 1, 0, 0, 0],
        )
        .unwrap();
        let r = readings("T", &m, at("2026-12-02T07:00:00Z"), &zone()).kept;
        assert!(!r[0].device_clock);
        assert!(r[0].key.contains("/r"));
    }

    #[test]
    fn glucose_is_keyed_by_sequence_in_mmol_per_l() {
        let m = decode(
            Characteristic::GlucoseMeasurement,
            &[
                0x02, 0x2A, 0x01, 0xEA, 0x07, 12, 1, 7, 0, 0, 0x5A, 0xB0, 0x11,
            ],
        )
        .unwrap();
        let r = readings("GL", &m, at("2026-12-02T07:00:00Z"), &zone()).kept;
        assert_eq!(r[0].key, "GL/glucose/s298");
        assert_eq!(r[0].value(Vital::BloodGlucose), Some(5.0));
        assert_eq!(r[0].values[0].unit, Unit::MmolPerL);
    }

    #[test]
    fn unusable_and_special_values_give_no_reading() {
        // Strip insertion error.
        let m = decode(
            Characteristic::GlucoseMeasurement,
            &[
                0x0A, 1, 0, 0xEA, 0x07, 12, 1, 7, 0, 0, 0x5A, 0xB0, 0x11, 0x08, 0x00,
            ],
        )
        .unwrap();
        assert!(readings("GL", &m, at("2026-12-02T07:00:00Z"), &zone())
            .kept
            .is_empty());
        // NaN systolic: no panel.
        let m = decode(
            Characteristic::BloodPressureMeasurement,
            &[0x00, 0xFF, 0x07, 0x5A, 0, 0x6A, 0],
        )
        .unwrap();
        assert!(readings("BP", &m, at("2026-12-02T07:00:00Z"), &zone())
            .kept
            .is_empty());
        // Cuff pressure while inflating.
        let m = decode(
            Characteristic::IntermediateCuffPressure,
            &[0x00, 0x96, 0, 0xFF, 0x07, 0xFF, 0x07],
        )
        .unwrap();
        assert!(readings("BP", &m, at("2026-12-02T07:00:00Z"), &zone())
            .kept
            .is_empty());
        // A heart rate of zero is a lost contact, not a reading.
        let m = decode(Characteristic::HeartRateMeasurement, &[0x00, 0]).unwrap();
        assert!(readings("HR", &m, at("2026-12-02T07:00:00Z"), &zone())
            .kept
            .is_empty());
    }

    #[test]
    fn implausible_values_give_no_reading() {
        // 6.6026 × 10⁶² °C: a valid FLOAT, found by fuzzing, and no body temperature.
        let m = decode(
            Characteristic::TemperatureMeasurement,
            &[0x6C, 0xEA, 0x01, 0x01, 0x3A, 0xFF],
        )
        .unwrap();
        assert!(readings("T", &m, at("2026-12-02T07:00:00Z"), &zone())
            .kept
            .is_empty());
        // A pulse of 2,000 bpm beside a plausible pressure: the panel stays, the pulse goes.
        let m = decode(
            Characteristic::BloodPressureMeasurement,
            &[0x04, 0x78, 0x00, 0x50, 0x00, 0x5D, 0x00, 0xC8, 0x10],
        )
        .unwrap();
        let r = readings("BP", &m, at("2026-12-02T07:00:00Z"), &zone()).kept;
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].kind, ReadingKind::BloodPressure);
        let q = |vital, value, unit| Quantity { vital, value, unit };
        assert!(q(Vital::BodyTemperature, 98.6, Unit::Fahrenheit).plausible());
        assert!(!q(Vital::BodyTemperature, 98.6, Unit::Celsius).plausible());
        assert!(!q(Vital::OxygenSaturation, 101.0, Unit::Percent).plausible());
        assert!(!q(Vital::HeartRate, f64::NAN, Unit::PerMinute).plausible());
    }

    #[test]
    fn kpa_pressures_are_relayed_in_mmhg() {
        let m = decode(
            Characteristic::BloodPressureMeasurement,
            &[0x01, 0xA0, 0xF0, 0x6B, 0xF0, 0x7D, 0xF0],
        )
        .unwrap();
        let r = readings("BP", &m, at("2026-12-02T07:00:00Z"), &zone()).kept;
        assert_eq!(r[0].value(Vital::Systolic), Some(120.0));
        assert_eq!(r[0].value(Vital::Diastolic), Some(80.0));
    }

    #[test]
    fn weight_with_bmi_and_height() {
        let m = decode(
            Characteristic::WeightMeasurement,
            &[0x08, 0xA4, 0x38, 0xE6, 0x00, 0xE2, 0x06],
        )
        .unwrap();
        let r = readings("WS", &m, at("2026-12-02T07:00:00Z"), &zone()).kept;
        let kinds: Vec<_> = r.iter().map(|r| r.kind).collect();
        assert_eq!(
            kinds,
            vec![
                ReadingKind::BodyWeight,
                ReadingKind::Bmi,
                ReadingKind::BodyHeight
            ]
        );
        assert_eq!(r[2].value(Vital::BodyHeight), Some(176.2));
        assert_eq!(r[2].values[0].unit, Unit::Centimetre);
    }

    #[test]
    fn oximeter_questionable_or_ongoing_is_skipped() {
        let ok = decode(
            Characteristic::PlxSpotCheck,
            &[0x00, 0x61, 0x00, 0x48, 0x00],
        )
        .unwrap();
        assert_eq!(
            readings("OX", &ok, at("2026-12-02T07:00:00Z"), &zone())
                .kept
                .len(),
            2
        );
        let ongoing = decode(
            Characteristic::PlxSpotCheck,
            &[0x02, 0x61, 0x00, 0x48, 0x00, 0x20, 0x00],
        )
        .unwrap();
        assert!(
            readings("OX", &ongoing, at("2026-12-02T07:00:00Z"), &zone())
                .kept
                .is_empty()
        );
    }

    #[test]
    fn units_round_trip_through_ucum() {
        for kind in ReadingKind::ALL {
            assert_eq!(ReadingKind::from_slug(kind.slug()), Some(kind));
        }
        for unit in [
            Unit::PerMinute,
            Unit::MmHg,
            Unit::Fahrenheit,
            Unit::Pound,
            Unit::MmolPerL,
        ] {
            assert_eq!(Unit::from_ucum(unit.ucum()), Some(unit));
        }
    }

    #[test]
    fn regression_a_fully_qualified_oximeter_reading_is_kept_and_a_questionable_one_withheld() {
        // Measurement Status 0x0100 is bit 8, Fully Qualified Data (PLXS 1.0.1 §3.1.1.4).
        let fully_qualified = decode(
            Characteristic::PlxSpotCheck,
            &[0x02, 0x61, 0x00, 0x48, 0x00, 0x00, 0x01],
        )
        .unwrap();
        let r = readings("OX", &fully_qualified, at("2026-12-02T07:00:00Z"), &zone());
        assert_eq!(r.kept.len(), 2);
        assert!(r.withheld.is_empty());
        // Bit 14, Questionable Measurement Detected: shown with its value, never kept.
        let questionable = decode(
            Characteristic::PlxSpotCheck,
            &[0x02, 0x5B, 0x00, 0x48, 0x00, 0x00, 0x40],
        )
        .unwrap();
        let r = readings("OX", &questionable, at("2026-12-02T07:00:00Z"), &zone());
        assert!(r.kept.is_empty());
        assert_eq!(r.withheld.len(), 2);
        assert_eq!(r.withheld[0].kind, ReadingKind::OxygenSaturation);
        assert_eq!(r.withheld[0].reason, NotPatientData::Questionable);
        assert_eq!(r.withheld[0].values[0].value, 91.0);
    }

    #[test]
    fn a_glucose_result_beyond_the_meters_range_is_withheld_without_a_number() {
        // Sensor status bit 6: result lower than the device can process; the field holds 20 mg/dL.
        let m = decode(
            Characteristic::GlucoseMeasurement,
            &[
                0x0A, 1, 0, 0xEA, 0x07, 12, 1, 7, 0, 0, 0x14, 0xB0, 0x11, 0x40, 0x00,
            ],
        )
        .unwrap();
        let r = readings("GL", &m, at("2026-12-02T07:00:00Z"), &zone());
        assert!(r.kept.is_empty());
        assert_eq!(r.withheld[0].reason, NotPatientData::BelowRange);
        assert!(r.withheld[0].values.is_empty());
        // A control-solution test is withheld for what it is.
        let m = decode(
            Characteristic::GlucoseMeasurement,
            &[0x06, 1, 0, 0xEA, 0x07, 12, 2, 12, 0, 0, 0x38, 0xC0, 0x4A],
        )
        .unwrap();
        let r = readings("GL", &m, at("2026-12-02T13:00:00Z"), &zone());
        assert_eq!(r.withheld[0].reason, NotPatientData::ControlSolution);
    }

    #[test]
    fn a_glucose_time_fault_places_the_reading_at_its_receipt() {
        // Sensor status bit 11 (time fault): the value stands, the meter's clock does not.
        let m = decode(
            Characteristic::GlucoseMeasurement,
            &[
                0x0A, 7, 0, 0xEA, 0x07, 12, 1, 7, 0, 0, 0x5A, 0xB0, 0x11, 0x00, 0x08,
            ],
        )
        .unwrap();
        let r = readings("GL", &m, at("2026-12-02T07:00:00Z"), &zone()).kept;
        assert_eq!(r[0].key, "GL/glucose/s7");
        assert!(!r[0].device_clock);
        assert_eq!(r[0].effective, at("2026-12-02T07:00:00Z"));
    }

    #[test]
    fn blood_pressure_status_withholds_the_panel_or_only_the_pulse() {
        // Cuff fit too loose (bit 1): the panel and its pulse are withheld.
        let m = decode(
            Characteristic::BloodPressureMeasurement,
            &[0x14, 0x78, 0, 0x50, 0, 0x5D, 0, 0x48, 0, 0x02, 0x00],
        )
        .unwrap();
        let r = readings("BP", &m, at("2026-12-02T07:00:00Z"), &zone());
        assert!(r.kept.is_empty());
        assert_eq!(r.withheld.len(), 2);
        assert!(r
            .withheld
            .iter()
            .all(|w| w.reason == NotPatientData::CuffTooLoose));
        // Pulse above the monitor's range (bits 3–4 = 1): the panel stands, the pulse goes.
        let m = decode(
            Characteristic::BloodPressureMeasurement,
            &[0x14, 0x78, 0, 0x50, 0, 0x5D, 0, 0xFA, 0, 0x08, 0x00],
        )
        .unwrap();
        let r = readings("BP", &m, at("2026-12-02T07:00:00Z"), &zone());
        assert_eq!(r.kept.len(), 1);
        assert_eq!(r.kept[0].kind, ReadingKind::BloodPressure);
        assert_eq!(r.withheld[0].reason, NotPatientData::AboveRange);
        // An irregular pulse (bit 2) is a finding: both are kept.
        let m = decode(
            Characteristic::BloodPressureMeasurement,
            &[0x14, 0x78, 0, 0x50, 0, 0x5D, 0, 0x48, 0, 0x04, 0x00],
        )
        .unwrap();
        assert_eq!(
            readings("BP", &m, at("2026-12-02T07:00:00Z"), &zone())
                .kept
                .len(),
            2
        );
    }

    #[test]
    fn an_unsuccessful_weighing_keeps_no_bmi() {
        let m = decode(
            Characteristic::WeightMeasurement,
            &[0x08, 0xFF, 0xFF, 0xE6, 0x00, 0xE2, 0x06],
        )
        .unwrap();
        let r = readings("WS", &m, at("2026-12-02T07:00:00Z"), &zone());
        assert!(r.kept.is_empty());
        assert_eq!(r.withheld[0].reason, NotPatientData::Unsuccessful);
    }

    #[test]
    fn cgm_records_are_placed_and_keyed_by_the_session_start_and_their_offset() {
        use crate::device::cgm::{CgmMeasurement, CgmRecord, SessionStart};
        use crate::device::Numeric;
        let session = SessionStart {
            local: Some("2026-12-02T06:00:00".parse().unwrap()),
            utc_offset_min: Some(60),
        };
        let record = |offset, mg_dl, status| CgmRecord {
            glucose: Numeric::Value(mg_dl),
            time_offset: offset,
            status,
            trend: None,
            quality: None,
        };
        let m = Measurement::Cgm(CgmMeasurement {
            records: vec![
                record(60, 100.0, 0),
                record(61, 54.0, 0),
                record(62, 40.0, 1 << 22),
            ],
            session: Some(session),
        });
        let r = readings("CG", &m, at("2026-12-02T06:10:00Z"), &zone());
        assert_eq!(r.kept.len(), 2);
        // 06:00 at UTC+1 is 05:00 UTC; 60 minutes later.
        assert_eq!(r.kept[0].effective, at("2026-12-02T06:00:00Z"));
        assert_eq!(r.kept[0].key, "CG/cgm-glucose/c20261202T060000e60o60");
        // Regression: a '+' in the key read as a space in the conditional create's query.
        assert!(r.kept[0]
            .key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ":/-".contains(c)));
        assert_eq!(r.kept[0].kind, ReadingKind::InterstitialGlucose);
        assert_eq!(r.kept[0].value(Vital::InterstitialGlucose), Some(5.6));
        assert_eq!(r.kept[1].value(Vital::InterstitialGlucose), Some(3.0));
        assert_eq!(r.withheld[0].reason, NotPatientData::BelowRange);
        // Without a session start the records have no place in time: shown, never kept.
        let m = Measurement::Cgm(CgmMeasurement {
            records: vec![record(60, 100.0, 0)],
            session: None,
        });
        let r = readings("CG", &m, at("2026-12-02T06:10:00Z"), &zone());
        assert!(r.kept.is_empty());
        assert_eq!(r.withheld[0].reason, NotPatientData::UnknownTime);
        // The key does not depend on the patient's zone when the sensor states its offset.
        let m = Measurement::Cgm(CgmMeasurement {
            records: vec![record(60, 100.0, 0)],
            session: Some(session),
        });
        let elsewhere = FixedOffset::west_opt(5 * 3600).unwrap();
        assert_eq!(
            readings("CG", &m, at("2026-12-02T06:10:00Z"), &elsewhere).kept[0].key,
            "CG/cgm-glucose/c20261202T060000e60o60"
        );
    }
}
