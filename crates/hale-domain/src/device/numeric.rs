//! IEEE 11073-20601 numbers as Bluetooth health profiles carry them: SFLOAT (16 bits) and FLOAT
//! (32 bits), each a signed base-10 exponent and a signed mantissa.
//!
//! The reserved mantissas (NaN, NRes, ±INF, reserved) are explicit variants, so a device saying
//! "no value" can never be read as a number. They are recognised with a zero exponent, the
//! encoding the GATT Specification Supplement (§2.2.2, "medfloat16"/"medfloat32") lists.

use serde::{Deserialize, Serialize};

/// A decoded 11073 number.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "value")]
pub enum Numeric {
    Value(f64),
    /// "Not a number": the device has no value for this field.
    NotANumber,
    /// "Not at this resolution": the value cannot be represented.
    NotAtThisResolution,
    PositiveInfinity,
    NegativeInfinity,
    /// A reserved code, which a conforming device does not send.
    Reserved,
}

impl Numeric {
    /// The number, or `None` for every special value.
    pub fn value(self) -> Option<f64> {
        match self {
            Self::Value(v) => Some(v),
            _ => None,
        }
    }
}

/// mantissa × 10^exponent, divided rather than multiplied for negative exponents so that
/// e.g. 366 × 10⁻¹ is the nearest double to 36.6 rather than 36.600000000000001.
fn scale(mantissa: i32, exponent: i32) -> f64 {
    let m = f64::from(mantissa);
    if exponent >= 0 {
        m * 10f64.powi(exponent)
    } else {
        m / 10f64.powi(-exponent)
    }
}

/// A 16-bit SFLOAT: 4-bit exponent (high nibble), 12-bit mantissa, both two's complement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SFloat(pub u16);

impl SFloat {
    pub fn from_raw(raw: u16) -> Self {
        Self(raw)
    }

    pub fn decode(self) -> Numeric {
        match self.0 {
            0x07FF => Numeric::NotANumber,
            0x0800 => Numeric::NotAtThisResolution,
            0x07FE => Numeric::PositiveInfinity,
            0x0802 => Numeric::NegativeInfinity,
            0x0801 => Numeric::Reserved,
            raw => {
                // Sign-extend by shifting the field to the top of an i16 and back.
                let mantissa = (((raw & 0x0FFF) << 4) as i16) >> 4;
                let exponent = (raw as i16) >> 12;
                Numeric::Value(scale(i32::from(mantissa), i32::from(exponent)))
            }
        }
    }
}

/// A 32-bit FLOAT: 8-bit exponent (high byte), 24-bit mantissa, both two's complement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Float(pub u32);

impl Float {
    pub fn from_raw(raw: u32) -> Self {
        Self(raw)
    }

    pub fn decode(self) -> Numeric {
        match self.0 {
            0x007F_FFFF => Numeric::NotANumber,
            0x0080_0000 => Numeric::NotAtThisResolution,
            0x007F_FFFE => Numeric::PositiveInfinity,
            0x0080_0002 => Numeric::NegativeInfinity,
            0x0080_0001 => Numeric::Reserved,
            raw => {
                let mantissa = (((raw & 0x00FF_FFFF) << 8) as i32) >> 8;
                let exponent = (raw as i32) >> 24;
                Numeric::Value(scale(mantissa, exponent))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sfloat_values_use_signed_exponent_and_mantissa() {
        // 120 mmHg as devices send it: exponent 0.
        assert_eq!(SFloat(0x0078).decode(), Numeric::Value(120.0));
        // 36.6 with exponent -1 (0xF): a signed exponent, not 15.
        assert_eq!(SFloat(0xF16E).decode(), Numeric::Value(36.6));
        // 5.6 mmol/L as mol/L: 56 × 10⁻⁴.
        assert_eq!(SFloat(0xC038).decode(), Numeric::Value(0.0056));
        // A negative mantissa: -1 × 10⁰.
        assert_eq!(SFloat(0x0FFF).decode(), Numeric::Value(-1.0));
        // The largest positive exponent: 7 → 1 × 10⁷.
        assert_eq!(SFloat(0x7001).decode(), Numeric::Value(10_000_000.0));
        // Most negative mantissa, -2048, at exponent -8.
        assert_eq!(
            SFloat(0x8800).decode(),
            Numeric::Value(-2048.0 / 100_000_000.0)
        );
    }

    #[test]
    fn sfloat_special_values_are_never_numbers() {
        for (raw, expected) in [
            (0x07FF, Numeric::NotANumber),
            (0x0800, Numeric::NotAtThisResolution),
            (0x07FE, Numeric::PositiveInfinity),
            (0x0802, Numeric::NegativeInfinity),
            (0x0801, Numeric::Reserved),
        ] {
            assert_eq!(SFloat(raw).decode(), expected);
            assert_eq!(SFloat(raw).decode().value(), None);
        }
    }

    #[test]
    fn float_values_and_specials() {
        // 36.4 °C: mantissa 364, exponent -1 (0xFF).
        assert_eq!(Float(0xFF00_016C).decode(), Numeric::Value(36.4));
        // 98.6 °F.
        assert_eq!(Float(0xFF00_03DA).decode(), Numeric::Value(98.6));
        // Negative mantissa -5, exponent 0.
        assert_eq!(Float(0x00FF_FFFB).decode(), Numeric::Value(-5.0));
        for (raw, expected) in [
            (0x007F_FFFF, Numeric::NotANumber),
            (0x0080_0000, Numeric::NotAtThisResolution),
            (0x007F_FFFE, Numeric::PositiveInfinity),
            (0x0080_0002, Numeric::NegativeInfinity),
            (0x0080_0001, Numeric::Reserved),
        ] {
            assert_eq!(Float(raw).decode(), expected);
        }
    }

    #[test]
    fn every_sfloat_decodes_to_a_finite_number_or_a_special() {
        for raw in 0..=u16::MAX {
            match SFloat(raw).decode() {
                Numeric::Value(v) => assert!(v.is_finite(), "{raw:#06x}"),
                _ => assert!(matches!(raw, 0x07FE..=0x0802)),
            }
        }
    }
}
