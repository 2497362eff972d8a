//! Glucose Measurement (0x2A18) and Glucose Measurement Context (0x2A34), Glucose Service 1.0
//! §3.106–3.107 and the GATT Specification Supplement §3.103–3.104.
//!
//! The concentration travels in kg/L or mol/L; [`GlucoseMeasurement::mmol_per_l`] gives the
//! clinical unit. In the Type-Sample Location byte the *type* is the low nibble and the sample
//! location the high one (a known trap in other parsers).

use chrono::{Duration, NaiveDateTime};
use serde::{Deserialize, Serialize};

use super::bytes::Bytes;
use super::numeric::Numeric;
use super::DecodeError;

/// Molar mass of glucose (C6H12O6), g/mol, to convert mg/dL to mmol/L.
pub const GLUCOSE_G_PER_MOL: f64 = 180.156;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConcentrationUnit {
    KgPerL,
    MolPerL,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SampleType {
    CapillaryWholeBlood,
    CapillaryPlasma,
    VenousWholeBlood,
    VenousPlasma,
    ArterialWholeBlood,
    ArterialPlasma,
    UndeterminedWholeBlood,
    UndeterminedPlasma,
    InterstitialFluid,
    ControlSolution,
    Reserved(u8),
}

impl SampleType {
    pub(crate) fn from_code(code: u8) -> Self {
        match code {
            1 => Self::CapillaryWholeBlood,
            2 => Self::CapillaryPlasma,
            3 => Self::VenousWholeBlood,
            4 => Self::VenousPlasma,
            5 => Self::ArterialWholeBlood,
            6 => Self::ArterialPlasma,
            7 => Self::UndeterminedWholeBlood,
            8 => Self::UndeterminedPlasma,
            9 => Self::InterstitialFluid,
            10 => Self::ControlSolution,
            other => Self::Reserved(other),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SampleLocation {
    Finger,
    AlternateSite,
    Earlobe,
    ControlSolution,
    /// Under the skin, where a continuous glucose monitor's sensor sits.
    SubcutaneousTissue,
    NotAvailable,
    Reserved(u8),
}

impl SampleLocation {
    pub(crate) fn from_code(code: u8) -> Self {
        match code {
            1 => Self::Finger,
            2 => Self::AlternateSite,
            3 => Self::Earlobe,
            4 => Self::ControlSolution,
            5 => Self::SubcutaneousTissue,
            15 => Self::NotAvailable,
            other => Self::Reserved(other),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Concentration {
    pub value: Numeric,
    pub unit: ConcentrationUnit,
    pub sample_type: SampleType,
    pub location: SampleLocation,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GlucoseMeasurement {
    /// The meter's record number, which increases with each record; the relay's identity.
    pub sequence: u16,
    /// Base time plus time offset, on the meter's clock; `None` when the meter's clock is unset.
    pub time: Option<NaiveDateTime>,
    pub concentration: Option<Concentration>,
    /// Sensor Status Annunciation bits (battery low, strip error, result out of range, …).
    pub sensor_status: Option<u16>,
    /// A Glucose Measurement Context with the same sequence number follows.
    pub context_follows: bool,
    /// That context, once it arrived: the decoder leaves this empty and the device service
    /// attaches the context that follows (matched by sequence number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<GlucoseContext>,
}

impl Concentration {
    /// The value in mmol/L, or `None` for a special value.
    pub fn mmol_per_l(&self) -> Option<f64> {
        let value = self.value.value()?;
        Some(match self.unit {
            ConcentrationUnit::MolPerL => value * 1000.0,
            // kg/L → mg/dL is × 10⁵; mg/dL → mmol/L is × 10 / molar mass.
            ConcentrationUnit::KgPerL => value * 100_000.0 * 10.0 / GLUCOSE_G_PER_MOL,
        })
    }

    /// A control-solution test, which says nothing about the patient.
    pub fn is_control_solution(&self) -> bool {
        self.sample_type == SampleType::ControlSolution
            || self.location == SampleLocation::ControlSolution
    }
}

impl GlucoseMeasurement {
    /// The concentration in mmol/L, or `None` when absent, a special value, or a control
    /// solution test.
    pub fn mmol_per_l(&self) -> Option<f64> {
        let c = self.concentration.as_ref()?;
        if c.is_control_solution() {
            return None;
        }
        c.mmol_per_l()
    }
}

pub fn decode_measurement(data: &[u8]) -> Result<GlucoseMeasurement, DecodeError> {
    let mut bytes = Bytes::new(data);
    let flags = bytes.u8("flags")?;
    let sequence = bytes.u16("sequence number")?;
    let base = bytes.date_time("base time")?;
    let offset = if flags & 0x01 != 0 {
        Some(bytes.i16("time offset")?)
    } else {
        None
    };
    let time = base.map(|base| base + Duration::minutes(i64::from(offset.unwrap_or(0))));
    let concentration = if flags & 0x02 != 0 {
        let value = bytes.sfloat("glucose concentration")?.decode();
        let type_location = bytes.u8("type-sample location")?;
        Some(Concentration {
            value,
            unit: if flags & 0x04 != 0 {
                ConcentrationUnit::MolPerL
            } else {
                ConcentrationUnit::KgPerL
            },
            sample_type: SampleType::from_code(type_location & 0x0F),
            location: SampleLocation::from_code(type_location >> 4),
        })
    } else {
        None
    };
    let sensor_status = if flags & 0x08 != 0 {
        Some(bytes.u16("sensor status annunciation")?)
    } else {
        None
    };
    // Flags bits 5–7 are reserved for future use.
    bytes.finish(flags & 0xE0 != 0)?;
    Ok(GlucoseMeasurement {
        sequence,
        time,
        concentration,
        sensor_status,
        context_follows: flags & 0x10 != 0,
        context: None,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Meal {
    BeforeMeal,
    AfterMeal,
    Fasting,
    Casual,
    Bedtime,
    Reserved(u8),
}

impl Meal {
    /// How a person says it.
    pub fn label(self) -> &'static str {
        match self {
            Self::BeforeMeal => "Before a meal",
            Self::AfterMeal => "After a meal",
            Self::Fasting => "Fasting",
            Self::Casual => "Casual",
            Self::Bedtime => "At bedtime",
            Self::Reserved(_) => "Meal not stated",
        }
    }
}

/// What a glucose meter recorded about the circumstances of a measurement (GSS §3.104), in the
/// units the specification sends: carbohydrate and a medication's mass in kilograms, a
/// medication's volume in litres.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GlucoseContext {
    pub sequence: u16,
    pub extended_flags: Option<u8>,
    /// Carbohydrate ID (1 breakfast … 7 brunch) and kilograms.
    pub carbohydrate: Option<(u8, Numeric)>,
    pub meal: Option<Meal>,
    /// Tester (low nibble) and health (high nibble) codes.
    pub tester_health: Option<(u8, u8)>,
    /// Exercise duration in seconds (0xFFFF = overrun) and intensity in percent.
    pub exercise: Option<(u16, u8)>,
    /// Medication ID, amount, and whether the amount is a volume (litres) rather than mass (kg).
    pub medication: Option<(u8, Numeric, bool)>,
    /// HbA1c in percent.
    pub hba1c: Option<Numeric>,
}

pub fn decode_context(data: &[u8]) -> Result<GlucoseContext, DecodeError> {
    let mut bytes = Bytes::new(data);
    let flags = bytes.u8("flags")?;
    let sequence = bytes.u16("sequence number")?;
    let extended_flags = if flags & 0x80 != 0 {
        Some(bytes.u8("extended flags")?)
    } else {
        None
    };
    let carbohydrate = if flags & 0x01 != 0 {
        Some((
            bytes.u8("carbohydrate id")?,
            bytes.sfloat("carbohydrate")?.decode(),
        ))
    } else {
        None
    };
    let meal = if flags & 0x02 != 0 {
        Some(match bytes.u8("meal")? {
            1 => Meal::BeforeMeal,
            2 => Meal::AfterMeal,
            3 => Meal::Fasting,
            4 => Meal::Casual,
            5 => Meal::Bedtime,
            other => Meal::Reserved(other),
        })
    } else {
        None
    };
    let tester_health = if flags & 0x04 != 0 {
        let byte = bytes.u8("tester-health")?;
        Some((byte & 0x0F, byte >> 4))
    } else {
        None
    };
    let exercise = if flags & 0x08 != 0 {
        Some((
            bytes.u16("exercise duration")?,
            bytes.u8("exercise intensity")?,
        ))
    } else {
        None
    };
    let medication = if flags & 0x10 != 0 {
        Some((
            bytes.u8("medication id")?,
            bytes.sfloat("medication")?.decode(),
            flags & 0x20 != 0,
        ))
    } else {
        None
    };
    let hba1c = if flags & 0x40 != 0 {
        Some(bytes.sfloat("HbA1c")?.decode())
    } else {
        None
    };
    // Every flag is defined; the Extended Flags are all reserved, so one set there is the only
    // sign of a later version's fields.
    bytes.finish(extended_flags.is_some_and(|f| f != 0))?;
    Ok(GlucoseContext {
        sequence,
        extended_flags,
        carbohydrate,
        meal,
        tester_health,
        exercise,
        medication,
        hba1c,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // Layouts per GLS 1.0 §3.106 (measurement) and §3.107 (context).

    #[test]
    fn measurement_in_kg_per_l_with_offset() {
        let m = decode_measurement(&[
            0x03, // time offset + concentration (kg/L)
            0x05, 0x00, // sequence 5
            0xEA, 0x07, 12, 2, 7, 30, 0, // 2026-12-02 07:30:00
            0x3C, 0x00, // +60 minutes
            0x5A, 0xB0, // 90 × 10⁻⁵ kg/L = 90 mg/dL
            0xF1, // type 1 (capillary whole blood, low nibble), location 15 (n/a, high nibble)
        ])
        .unwrap();
        assert_eq!(m.sequence, 5);
        assert_eq!(m.time.unwrap().to_string(), "2026-12-02 08:30:00");
        let c = m.concentration.as_ref().unwrap();
        assert_eq!(c.sample_type, SampleType::CapillaryWholeBlood);
        assert_eq!(c.location, SampleLocation::NotAvailable);
        let mmol = m.mmol_per_l().unwrap();
        assert!((mmol - 4.996).abs() < 0.001, "{mmol}");
    }

    #[test]
    fn measurement_in_mol_per_l_with_status_and_context() {
        let m = decode_measurement(&[
            0x1E, 0x2A, 0x01, 0xEA, 0x07, 12, 2, 12, 0, 0, // seq 298
            0x38, 0xC0, // 56 × 10⁻⁴ mol/L = 5.6 mmol/L
            0x12, // type 2 capillary plasma, location 1 finger
            0x01, 0x00, // battery low
        ])
        .unwrap();
        assert_eq!(m.sequence, 298);
        assert!(m.context_follows);
        assert_eq!(m.sensor_status, Some(1));
        assert!((m.mmol_per_l().unwrap() - 5.6).abs() < 1e-9);
        let c = m.concentration.unwrap();
        assert_eq!(
            (c.sample_type, c.location),
            (SampleType::CapillaryPlasma, SampleLocation::Finger)
        );
    }

    #[test]
    fn control_solution_is_not_a_patient_value() {
        let m = decode_measurement(&[0x06, 1, 0, 0xEA, 0x07, 12, 2, 12, 0, 0, 0x38, 0xC0, 0x4A])
            .unwrap();
        assert_eq!(
            m.concentration.as_ref().unwrap().sample_type,
            SampleType::ControlSolution
        );
        assert_eq!(m.mmol_per_l(), None);
    }

    #[test]
    fn unknown_meter_clock_gives_no_time() {
        let m = decode_measurement(&[0x00, 1, 0, 0, 0, 0, 0, 0, 0, 0]).unwrap();
        assert_eq!(m.time, None);
        assert_eq!(m.concentration, None);
    }

    #[test]
    fn context_with_every_field() {
        let c = decode_context(&[
            0xFF, 0x2A, 0x01, // all flags, seq 298
            0x00, // extended flags
            0x01, 0x32, 0x00, // breakfast, 50 (kg per the specification)
            0x01, // before meal
            0x51, // tester self (1), health "no issues" (5)
            0x10, 0x0E, 0x32, // 3600 s at 50 %
            0x01, 0x0A, 0xD0, // rapid-acting insulin, 10 × 10⁻³ l
            0x3A, 0xF0, // HbA1c 5.8 %
        ])
        .unwrap();
        assert_eq!(c.sequence, 298);
        // 50 as the specification's kilograms: what a meter sends here is its own business;
        // the relay converts to grams.
        assert_eq!(c.carbohydrate, Some((1, Numeric::Value(50.0))));
        assert_eq!(c.meal, Some(Meal::BeforeMeal));
        assert_eq!(c.tester_health, Some((1, 5)));
        assert_eq!(c.exercise, Some((3600, 50)));
        assert_eq!(c.medication, Some((1, Numeric::Value(0.01), true)));
        assert_eq!(c.hba1c, Some(Numeric::Value(5.8)));
    }

    #[test]
    fn short_packets_are_errors() {
        assert!(decode_measurement(&[0x00, 1, 0, 0xEA, 0x07, 12, 2, 12, 0]).is_err());
        assert!(
            decode_measurement(&[0x02, 1, 0, 0xEA, 0x07, 12, 2, 12, 0, 0, 0x38, 0xC0]).is_err()
        );
        assert!(decode_context(&[0x02, 1, 0]).is_err());
        assert!(decode_context(&[0x00, 1]).is_err());
    }
}
