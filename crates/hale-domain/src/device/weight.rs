//! Weight Measurement (0x2A9D), Weight Scale Service 1.0 §3.1 and the GATT Specification
//! Supplement §3.259: weight in 0.005 kg (SI) or 0.01 lb (imperial) steps, BMI in 0.1 and
//! height in 0.001 m or 0.1 in steps.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use super::bytes::Bytes;
use super::DecodeError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WeightUnits {
    /// Kilograms and metres.
    Si,
    /// Pounds and inches.
    Imperial,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeightMeasurement {
    pub units: WeightUnits,
    /// kg or lb; `None` when the scale reports "measurement unsuccessful" (0xFFFF).
    pub weight: Option<f64>,
    pub time: Option<NaiveDateTime>,
    pub user: Option<u8>,
    pub bmi: Option<f64>,
    /// m or in.
    pub height: Option<f64>,
}

const IMPERIAL: u8 = 0x01;
const TIME: u8 = 0x02;
const USER: u8 = 0x04;
const BMI_HEIGHT: u8 = 0x08;
const UNSUCCESSFUL: u16 = 0xFFFF;
/// Flags bits 4–7, reserved for future use.
const RESERVED: u8 = 0xF0;

pub fn decode(data: &[u8]) -> Result<WeightMeasurement, DecodeError> {
    let mut bytes = Bytes::new(data);
    let flags = bytes.u8("flags")?;
    let units = if flags & IMPERIAL != 0 {
        WeightUnits::Imperial
    } else {
        WeightUnits::Si
    };
    let raw = bytes.u16("weight")?;
    let weight = (raw != UNSUCCESSFUL).then(|| match units {
        WeightUnits::Si => f64::from(raw) * 5.0 / 1000.0,
        WeightUnits::Imperial => f64::from(raw) / 100.0,
    });
    let time = if flags & TIME != 0 {
        bytes.date_time("time stamp")?
    } else {
        None
    };
    let user = if flags & USER != 0 {
        Some(bytes.u8("user id")?).filter(|u| *u != 0xFF)
    } else {
        None
    };
    let (bmi, height) = if flags & BMI_HEIGHT != 0 {
        let bmi = f64::from(bytes.u16("BMI")?) / 10.0;
        let raw_height = bytes.u16("height")?;
        let height = match units {
            WeightUnits::Si => f64::from(raw_height) / 1000.0,
            WeightUnits::Imperial => f64::from(raw_height) / 10.0,
        };
        (Some(bmi), Some(height))
    } else {
        (None, None)
    };
    bytes.finish(flags & RESERVED != 0)?;
    Ok(WeightMeasurement {
        units,
        weight,
        time,
        user,
        bmi,
        height,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn si_weight() {
        // 72.5 kg = 14500 × 0.005.
        let m = decode(&[0x00, 0xA4, 0x38]).unwrap();
        assert_eq!(m.units, WeightUnits::Si);
        assert_eq!(m.weight, Some(72.5));
    }

    #[test]
    fn imperial_with_everything() {
        let m = decode(&[
            0x0F, 0x7A, 0x3E, // 159.94 lb
            0xEA, 0x07, 12, 2, 7, 0, 0,    // 2026-12-02 07:00:00
            0x01, // user 1
            0xE6, 0x00, // BMI 23.0
            0xAE, 0x02, // 68.6 in
        ])
        .unwrap();
        assert_eq!(m.units, WeightUnits::Imperial);
        assert_eq!(m.weight, Some(159.94));
        assert_eq!(m.user, Some(1));
        assert_eq!(m.bmi, Some(23.0));
        assert_eq!(m.height, Some(68.6));
    }

    #[test]
    fn unsuccessful_measurement_is_no_value() {
        assert_eq!(decode(&[0x00, 0xFF, 0xFF]).unwrap().weight, None);
    }

    #[test]
    fn si_height_and_short_packets() {
        let m = decode(&[0x08, 0xA4, 0x38, 0xE6, 0x00, 0xE2, 0x06]).unwrap();
        assert_eq!(m.height, Some(1.762));
        assert!(decode(&[0x08, 0xA4, 0x38, 0xE6, 0x00, 0xE2]).is_err());
        assert!(decode(&[0x00, 0xA4]).is_err());
    }
}
