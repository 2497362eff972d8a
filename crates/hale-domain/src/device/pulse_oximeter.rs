//! PLX Spot-Check Measurement (0x2A5E) and PLX Continuous Measurement (0x2A5F), Pulse Oximeter
//! Service 1.0 §3.1–3.2 and the GATT Specification Supplement §3.171 / §3.170.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use super::bytes::Bytes;
use super::numeric::Numeric;
use super::DecodeError;

/// One SpO2 (%) and pulse rate (bpm) pair.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SpO2Pr {
    pub spo2: Numeric,
    pub pulse: Numeric,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpotCheck {
    pub reading: SpO2Pr,
    pub time: Option<NaiveDateTime>,
    /// The raw Measurement Status bits (e.g. bit 5 "measurement ongoing", bit 8 "questionable").
    pub measurement_status: Option<u16>,
    /// The raw 24-bit Device and Sensor Status bits.
    pub device_status: Option<u32>,
    pub pulse_amplitude_index: Option<Numeric>,
    /// Flags bit 4: the device's clock is not set, so its time stamp is not to be trusted.
    pub clock_not_set: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Continuous {
    pub normal: SpO2Pr,
    pub fast: Option<SpO2Pr>,
    pub slow: Option<SpO2Pr>,
    pub measurement_status: Option<u16>,
    pub device_status: Option<u32>,
    pub pulse_amplitude_index: Option<Numeric>,
}

impl SpotCheck {
    /// The device time, unless the device says its clock is not set.
    pub fn trusted_time(&self) -> Option<NaiveDateTime> {
        if self.clock_not_set {
            None
        } else {
            self.time
        }
    }
}

fn pair(
    bytes: &mut Bytes<'_>,
    spo2: &'static str,
    pulse: &'static str,
) -> Result<SpO2Pr, DecodeError> {
    Ok(SpO2Pr {
        spo2: bytes.sfloat(spo2)?.decode(),
        pulse: bytes.sfloat(pulse)?.decode(),
    })
}

/// Measurement Status bit 5: the measurement is still going on, so the values are not final.
pub const STATUS_ONGOING: u16 = 0x0020;
/// Measurement Status bit 8: the data is questionable.
pub const STATUS_QUESTIONABLE: u16 = 0x0100;

pub fn decode_spot_check(data: &[u8]) -> Result<SpotCheck, DecodeError> {
    let mut bytes = Bytes::new(data);
    let flags = bytes.u8("flags")?;
    let reading = pair(&mut bytes, "SpO2", "pulse rate")?;
    let time = if flags & 0x01 != 0 {
        bytes.date_time("time stamp")?
    } else {
        None
    };
    let measurement_status = if flags & 0x02 != 0 {
        Some(bytes.u16("measurement status")?)
    } else {
        None
    };
    let device_status = if flags & 0x04 != 0 {
        Some(bytes.u24("device and sensor status")?)
    } else {
        None
    };
    let pulse_amplitude_index = if flags & 0x08 != 0 {
        Some(bytes.sfloat("pulse amplitude index")?.decode())
    } else {
        None
    };
    Ok(SpotCheck {
        reading,
        time,
        measurement_status,
        device_status,
        pulse_amplitude_index,
        clock_not_set: flags & 0x10 != 0,
    })
}

pub fn decode_continuous(data: &[u8]) -> Result<Continuous, DecodeError> {
    let mut bytes = Bytes::new(data);
    let flags = bytes.u8("flags")?;
    let normal = pair(&mut bytes, "SpO2 (normal)", "pulse rate (normal)")?;
    let fast = if flags & 0x01 != 0 {
        Some(pair(&mut bytes, "SpO2 (fast)", "pulse rate (fast)")?)
    } else {
        None
    };
    let slow = if flags & 0x02 != 0 {
        Some(pair(&mut bytes, "SpO2 (slow)", "pulse rate (slow)")?)
    } else {
        None
    };
    let measurement_status = if flags & 0x04 != 0 {
        Some(bytes.u16("measurement status")?)
    } else {
        None
    };
    let device_status = if flags & 0x08 != 0 {
        Some(bytes.u24("device and sensor status")?)
    } else {
        None
    };
    let pulse_amplitude_index = if flags & 0x10 != 0 {
        Some(bytes.sfloat("pulse amplitude index")?.decode())
    } else {
        None
    };
    Ok(Continuous {
        normal,
        fast,
        slow,
        measurement_status,
        device_status,
        pulse_amplitude_index,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spot_check_minimal_and_full() {
        let m = decode_spot_check(&[0x00, 0x61, 0x00, 0x48, 0x00]).unwrap();
        assert_eq!(m.reading.spo2, Numeric::Value(97.0));
        assert_eq!(m.reading.pulse, Numeric::Value(72.0));

        let m = decode_spot_check(&[
            0x1F, 0x5B, 0x00, 0x6E, 0x00, // 91 %, 110 bpm
            0xEA, 0x07, 12, 2, 9, 15, 0, // time
            0x00, 0x01, // questionable
            0x01, 0x00, 0x00, // device status bit 0
            0x2D, 0xF0, // PAI 4.5
        ])
        .unwrap();
        assert_eq!(m.measurement_status, Some(STATUS_QUESTIONABLE));
        assert_eq!(m.device_status, Some(1));
        assert_eq!(m.pulse_amplitude_index, Some(Numeric::Value(4.5)));
        assert!(m.clock_not_set);
        assert_eq!(m.trusted_time(), None);
        assert!(m.time.is_some());
    }

    #[test]
    fn continuous_with_fast_and_slow() {
        let m = decode_continuous(&[
            0x07, 0x62, 0x00, 0x3C, 0x00, // normal 98 / 60
            0x61, 0x00, 0x3D, 0x00, // fast 97 / 61
            0x63, 0x00, 0x3B, 0x00, // slow 99 / 59
            0x20, 0x00, // ongoing
        ])
        .unwrap();
        assert_eq!(m.normal.spo2.value(), Some(98.0));
        assert_eq!(m.fast.unwrap().pulse.value(), Some(61.0));
        assert_eq!(m.slow.unwrap().spo2.value(), Some(99.0));
        assert_eq!(m.measurement_status, Some(STATUS_ONGOING));
    }

    #[test]
    fn unavailable_spo2_and_short_packets() {
        let m = decode_continuous(&[0x00, 0xFF, 0x07, 0xFF, 0x07]).unwrap();
        assert_eq!(m.normal.spo2, Numeric::NotANumber);
        assert!(decode_continuous(&[0x01, 0x62, 0x00, 0x3C, 0x00, 0x61]).is_err());
        assert!(decode_spot_check(&[0x04, 0x61, 0x00, 0x48, 0x00, 0x01, 0x00]).is_err());
    }
}
