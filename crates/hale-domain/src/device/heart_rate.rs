//! Heart Rate Measurement (0x2A37), Heart Rate Service 1.0 §3.1 and the GATT Specification
//! Supplement §3.113.

use serde::{Deserialize, Serialize};

use super::bytes::Bytes;
use super::DecodeError;

/// What the sensor says about skin contact (flags bits 1–2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SensorContact {
    NotSupported,
    NotDetected,
    Detected,
}

/// One Heart Rate Measurement notification.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeartRateMeasurement {
    /// Beats per minute.
    pub bpm: u16,
    pub contact: SensorContact,
    /// Energy expended since the last reset, in kilojoules.
    pub energy_kj: Option<u16>,
    /// RR intervals in seconds (sent in units of 1/1024 s), oldest first.
    pub rr_intervals_s: Vec<f64>,
}

const FORMAT_U16: u8 = 0x01;
const CONTACT_DETECTED: u8 = 0x02;
const CONTACT_SUPPORTED: u8 = 0x04;
const ENERGY: u8 = 0x08;
const RR: u8 = 0x10;
/// Flags bits 5–7, reserved for future use.
const RESERVED: u8 = 0xE0;

pub fn decode(data: &[u8]) -> Result<HeartRateMeasurement, DecodeError> {
    let mut bytes = Bytes::new(data);
    let flags = bytes.u8("flags")?;
    let bpm = if flags & FORMAT_U16 != 0 {
        bytes.u16("heart rate (uint16)")?
    } else {
        u16::from(bytes.u8("heart rate (uint8)")?)
    };
    let contact = match (
        flags & CONTACT_SUPPORTED != 0,
        flags & CONTACT_DETECTED != 0,
    ) {
        (false, _) => SensorContact::NotSupported,
        (true, false) => SensorContact::NotDetected,
        (true, true) => SensorContact::Detected,
    };
    let energy_kj = if flags & ENERGY != 0 {
        Some(bytes.u16("energy expended")?)
    } else {
        None
    };
    let mut rr_intervals_s = Vec::new();
    if flags & RR != 0 {
        if bytes.remaining() < 2 {
            return Err(DecodeError::Truncated {
                field: "RR interval",
                offset: data.len() - bytes.remaining(),
                needed: 2,
                length: data.len(),
            });
        }
        // A notification carries as many intervals as fit; an odd byte at the end is malformed.
        while bytes.remaining() >= 2 {
            rr_intervals_s.push(f64::from(bytes.u16("RR interval")?) / 1024.0);
        }
    }
    bytes.finish(flags & RESERVED != 0)?;
    Ok(HeartRateMeasurement {
        bpm,
        contact,
        energy_kj,
        rr_intervals_s,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // Vectors are laid out from HRS 1.0 §3.1.1 (flags, then fields in order).

    #[test]
    fn uint8_rate_without_options() {
        let m = decode(&[0x00, 72]).unwrap();
        assert_eq!(m.bpm, 72);
        assert_eq!(m.contact, SensorContact::NotSupported);
        assert_eq!(m.energy_kj, None);
        assert!(m.rr_intervals_s.is_empty());
    }

    #[test]
    fn uint16_rate_contact_energy_and_rr_intervals() {
        // flags 0x1F: uint16 rate, contact supported + detected, energy, RR present.
        let m = decode(&[0x1F, 0x2C, 0x01, 0x10, 0x00, 0x00, 0x04, 0x00, 0x02]).unwrap();
        assert_eq!(m.bpm, 300);
        assert_eq!(m.contact, SensorContact::Detected);
        assert_eq!(m.energy_kj, Some(16));
        assert_eq!(m.rr_intervals_s, vec![1.0, 0.5]);
    }

    #[test]
    fn contact_supported_but_lost() {
        assert_eq!(
            decode(&[0x04, 60]).unwrap().contact,
            SensorContact::NotDetected
        );
        // Bit 1 alone (detected, feature not supported) means "not supported" per the spec.
        assert_eq!(
            decode(&[0x02, 60]).unwrap().contact,
            SensorContact::NotSupported
        );
    }

    #[test]
    fn malformed_packets_are_typed_errors() {
        assert!(matches!(
            decode(&[]),
            Err(DecodeError::Truncated { field: "flags", .. })
        ));
        assert!(matches!(
            decode(&[0x01, 0x48]),
            Err(DecodeError::Truncated { .. })
        ));
        assert!(matches!(
            decode(&[0x08, 70, 0x01]),
            Err(DecodeError::Truncated { .. })
        ));
        assert!(matches!(
            decode(&[0x10, 70]),
            Err(DecodeError::Truncated {
                field: "RR interval",
                ..
            })
        ));
        assert_eq!(
            decode(&[0x10, 70, 0x00, 0x04, 0x01]),
            Err(DecodeError::TrailingBytes { count: 1 })
        );
        assert_eq!(
            decode(&[0x00, 70, 0x00]),
            Err(DecodeError::TrailingBytes { count: 1 })
        );
    }
}
