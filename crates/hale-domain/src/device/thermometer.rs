//! Temperature Measurement (0x2A1C), Health Thermometer Service 1.0 §3.1 and the GATT
//! Specification Supplement §3.216 (Temperature Type, §3.219).

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use super::bytes::Bytes;
use super::numeric::Numeric;
use super::DecodeError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TemperatureUnit {
    Celsius,
    Fahrenheit,
}

/// Where on the body the temperature was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TemperatureSite {
    Armpit,
    Body,
    Ear,
    Finger,
    GastroIntestinal,
    Mouth,
    Rectum,
    Toe,
    Tympanum,
    /// A code the specification reserves.
    Other(u8),
}

impl TemperatureSite {
    pub fn from_code(code: u8) -> Self {
        match code {
            1 => Self::Armpit,
            2 => Self::Body,
            3 => Self::Ear,
            4 => Self::Finger,
            5 => Self::GastroIntestinal,
            6 => Self::Mouth,
            7 => Self::Rectum,
            8 => Self::Toe,
            9 => Self::Tympanum,
            other => Self::Other(other),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemperatureMeasurement {
    pub value: Numeric,
    pub unit: TemperatureUnit,
    pub time: Option<NaiveDateTime>,
    pub site: Option<TemperatureSite>,
}

const FAHRENHEIT: u8 = 0x01;
const TIME: u8 = 0x02;
const SITE: u8 = 0x04;
/// Flags bits 3–7, reserved for future use.
const RESERVED: u8 = 0xF8;

pub fn decode(data: &[u8]) -> Result<TemperatureMeasurement, DecodeError> {
    let mut bytes = Bytes::new(data);
    let flags = bytes.u8("flags")?;
    let value = bytes.float("temperature")?.decode();
    let unit = if flags & FAHRENHEIT != 0 {
        TemperatureUnit::Fahrenheit
    } else {
        TemperatureUnit::Celsius
    };
    let time = if flags & TIME != 0 {
        bytes.date_time("time stamp")?
    } else {
        None
    };
    let site = if flags & SITE != 0 {
        Some(TemperatureSite::from_code(bytes.u8("temperature type")?))
    } else {
        None
    };
    bytes.finish(flags & RESERVED != 0)?;
    Ok(TemperatureMeasurement {
        value,
        unit,
        time,
        site,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn celsius_without_options() {
        // 36.4 °C: FLOAT 0xFF00016C, little-endian.
        let m = decode(&[0x00, 0x6C, 0x01, 0x00, 0xFF]).unwrap();
        assert_eq!(m.value, Numeric::Value(36.4));
        assert_eq!(m.unit, TemperatureUnit::Celsius);
        assert_eq!((m.time, m.site), (None, None));
    }

    #[test]
    fn fahrenheit_with_time_and_site() {
        let m = decode(&[
            0x07, 0xDA, 0x03, 0x00, 0xFF, 0xEA, 0x07, 12, 2, 21, 5, 9, 0x06,
        ])
        .unwrap();
        assert_eq!(m.value, Numeric::Value(98.6));
        assert_eq!(m.unit, TemperatureUnit::Fahrenheit);
        assert_eq!(m.time.unwrap().to_string(), "2026-12-02 21:05:09");
        assert_eq!(m.site, Some(TemperatureSite::Mouth));
    }

    #[test]
    fn nan_temperature_is_no_value() {
        let m = decode(&[0x00, 0xFF, 0xFF, 0x7F, 0x00]).unwrap();
        assert_eq!(m.value, Numeric::NotANumber);
    }

    #[test]
    fn short_packets_are_errors() {
        assert!(decode(&[0x00, 0x6C, 0x01, 0x00]).is_err());
        assert!(decode(&[0x04, 0x6C, 0x01, 0x00, 0xFF]).is_err());
        assert_eq!(
            decode(&[0x04, 0x6C, 0x01, 0x00, 0xFF, 0x0C]).unwrap().site,
            Some(TemperatureSite::Other(12))
        );
    }
}
