//! Blood Pressure Measurement (0x2A35) and Intermediate Cuff Pressure (0x2A36), Blood Pressure
//! Service 1.1 §3.1–3.2 and the GATT Specification Supplement §3.31 / §3.131. Both share one
//! layout; in an intermediate cuff pressure the systolic field carries the current cuff
//! pressure and the diastolic and mean fields are NaN.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use super::bytes::Bytes;
use super::numeric::Numeric;
use super::DecodeError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PressureUnit {
    MmHg,
    KPa,
}

/// Pulse rate against the device's range (status bits 3–4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PulseRange {
    Within,
    AboveUpper,
    BelowLower,
    Reserved,
}

/// The Measurement Status field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeasurementStatus {
    /// The field as sent, decided by [`super::validity::bp`].
    pub bits: u16,
    pub body_movement: bool,
    pub cuff_too_loose: bool,
    pub irregular_pulse: bool,
    pub pulse_range: PulseRange,
    pub improper_position: bool,
}

impl MeasurementStatus {
    fn from_bits(bits: u16) -> Self {
        Self {
            bits,
            body_movement: bits & 0x0001 != 0,
            cuff_too_loose: bits & 0x0002 != 0,
            irregular_pulse: bits & 0x0004 != 0,
            pulse_range: match (bits >> 3) & 0x3 {
                0 => PulseRange::Within,
                1 => PulseRange::AboveUpper,
                2 => PulseRange::BelowLower,
                _ => PulseRange::Reserved,
            },
            improper_position: bits & 0x0020 != 0,
        }
    }
}

/// One blood pressure measurement (or intermediate cuff pressure).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BloodPressureMeasurement {
    pub unit: PressureUnit,
    pub systolic: Numeric,
    pub diastolic: Numeric,
    pub mean_arterial: Numeric,
    /// The device clock's time of the measurement, local to the device; `None` when absent or
    /// not set.
    pub time: Option<NaiveDateTime>,
    /// Beats per minute.
    pub pulse: Option<Numeric>,
    /// The device's user index; 0xFF ("unknown user") reads as `None`.
    pub user: Option<u8>,
    pub status: Option<MeasurementStatus>,
}

const KPA: u8 = 0x01;
const TIME: u8 = 0x02;
const PULSE: u8 = 0x04;
const USER: u8 = 0x08;
const STATUS: u8 = 0x10;
/// Flags bits 5–7, reserved for future use.
const RESERVED: u8 = 0xE0;

pub fn decode(data: &[u8]) -> Result<BloodPressureMeasurement, DecodeError> {
    let mut bytes = Bytes::new(data);
    let flags = bytes.u8("flags")?;
    let unit = if flags & KPA != 0 {
        PressureUnit::KPa
    } else {
        PressureUnit::MmHg
    };
    let systolic = bytes.sfloat("systolic")?.decode();
    let diastolic = bytes.sfloat("diastolic")?.decode();
    let mean_arterial = bytes.sfloat("mean arterial pressure")?.decode();
    let time = if flags & TIME != 0 {
        bytes.date_time("time stamp")?
    } else {
        None
    };
    let pulse = if flags & PULSE != 0 {
        Some(bytes.sfloat("pulse rate")?.decode())
    } else {
        None
    };
    let user = if flags & USER != 0 {
        Some(bytes.u8("user id")?).filter(|user| *user != 0xFF)
    } else {
        None
    };
    let status = if flags & STATUS != 0 {
        Some(MeasurementStatus::from_bits(
            bytes.u16("measurement status")?,
        ))
    } else {
        None
    };
    bytes.finish(flags & RESERVED != 0)?;
    Ok(BloodPressureMeasurement {
        unit,
        systolic,
        diastolic,
        mean_arterial,
        time,
        pulse,
        user,
        status,
    })
}

/// kPa to mmHg (1 mmHg = 0.133322 kPa), so every pressure is relayed and compared in mmHg.
pub fn kpa_to_mmhg(kpa: f64) -> f64 {
    kpa / 0.133_322_387_415
}

#[cfg(test)]
mod tests {
    use super::*;

    // Layout per BLS 1.1 §3.1.1 / GSS §3.31: flags, three SFLOATs, then the optional fields.

    #[test]
    fn minimal_mmhg_measurement() {
        let m = decode(&[0x00, 0x79, 0x00, 0x51, 0x00, 0x5F, 0x00]).unwrap();
        assert_eq!(m.unit, PressureUnit::MmHg);
        assert_eq!(m.systolic, Numeric::Value(121.0));
        assert_eq!(m.diastolic, Numeric::Value(81.0));
        assert_eq!(m.mean_arterial, Numeric::Value(95.0));
        assert_eq!(
            (m.time, m.pulse, m.user, m.status),
            (None, None, None, None)
        );
    }

    #[test]
    fn every_optional_field() {
        let m = decode(&[
            0x1E, // mmHg, time, pulse, user, status
            0x8C, 0x00, 0x5A, 0x00, 0x6A, 0x00, // 140 / 90 / 106
            0xEA, 0x07, 0x0C, 0x02, 0x07, 0x2D, 0x00, // 2026-12-02 07:45:00
            0x48, 0x00, // pulse 72
            0x02, // user 2
            0x25, 0x00, // body movement, irregular pulse, improper position
        ])
        .unwrap();
        assert_eq!(m.systolic.value(), Some(140.0));
        assert_eq!(m.time.unwrap().to_string(), "2026-12-02 07:45:00");
        assert_eq!(m.pulse, Some(Numeric::Value(72.0)));
        assert_eq!(m.user, Some(2));
        let status = m.status.unwrap();
        assert!(status.body_movement && status.irregular_pulse && status.improper_position);
        assert!(!status.cuff_too_loose);
        assert_eq!(status.pulse_range, PulseRange::Within);
    }

    #[test]
    fn kpa_with_decimal_exponent_and_unknown_user() {
        // 16.0 / 10.7 / 12.5 kPa as mantissa × 10⁻¹.
        let m = decode(&[0x09, 0xA0, 0xF0, 0x6B, 0xF0, 0x7D, 0xF0, 0xFF]).unwrap();
        assert_eq!(m.unit, PressureUnit::KPa);
        assert_eq!(m.systolic, Numeric::Value(16.0));
        assert_eq!(m.user, None);
        assert!((kpa_to_mmhg(16.0) - 120.0).abs() < 0.05);
    }

    #[test]
    fn intermediate_cuff_pressure_has_nan_fields() {
        let m = decode(&[0x00, 0x96, 0x00, 0xFF, 0x07, 0xFF, 0x07]).unwrap();
        assert_eq!(m.systolic, Numeric::Value(150.0));
        assert_eq!(m.diastolic, Numeric::NotANumber);
        assert_eq!(m.mean_arterial.value(), None);
    }

    #[test]
    fn pulse_range_bits() {
        let m = decode(&[0x10, 0x78, 0, 0x50, 0, 0x5D, 0, 0x08, 0x00]).unwrap();
        assert_eq!(m.status.unwrap().pulse_range, PulseRange::AboveUpper);
        let m = decode(&[0x10, 0x78, 0, 0x50, 0, 0x5D, 0, 0x10, 0x00]).unwrap();
        assert_eq!(m.status.unwrap().pulse_range, PulseRange::BelowLower);
    }

    #[test]
    fn short_packets_are_errors() {
        for len in 0..7 {
            let data = [0x00, 0x79, 0x00, 0x51, 0x00, 0x5F, 0x00];
            assert!(decode(&data[..len]).is_err(), "length {len}");
        }
        // The time stamp flag set but only part of it present.
        assert!(matches!(
            decode(&[0x02, 0x79, 0, 0x51, 0, 0x5F, 0, 0xEA, 0x07]),
            Err(DecodeError::Truncated {
                field: "time stamp",
                ..
            })
        ));
    }
}
