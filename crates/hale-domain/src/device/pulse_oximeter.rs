//! PLX Spot-Check Measurement (0x2A5E) and PLX Continuous Measurement (0x2A5F), Pulse Oximeter
//! Service 1.0 §3.1–3.2 and the GATT Specification Supplement §3.171 / §3.170.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use super::bytes::Bytes;
use super::numeric::Numeric;
use super::validity::{self, NotPatientData};
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
    /// The raw Measurement Status bits (bit 5 "measurement ongoing", bit 8 "fully qualified
    /// data", bit 14 "questionable", …), decided by [`validity::plx`].
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
    /// Why this is not patient data, if the oximeter says it is not.
    pub fn not_patient_data(&self) -> Option<NotPatientData> {
        validity::plx(self.measurement_status, self.device_status)
    }

    /// The device time, unless the device says its clock is not set.
    pub fn trusted_time(&self) -> Option<NaiveDateTime> {
        if self.clock_not_set {
            None
        } else {
            self.time
        }
    }
}

impl Continuous {
    /// Why this is not patient data, if the oximeter says it is not.
    pub fn not_patient_data(&self) -> Option<NotPatientData> {
        validity::plx(self.measurement_status, self.device_status)
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

/// Flags bits 5–7 of both characteristics, reserved for future use.
const RESERVED: u8 = 0xE0;

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
    bytes.finish(flags & RESERVED != 0)?;
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
    bytes.finish(flags & RESERVED != 0)?;
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
            0x00, 0x40, // bit 14: questionable measurement detected
            0x01, 0x00, 0x00, // device status bit 0
            0x2D, 0xF0, // PAI 4.5
        ])
        .unwrap();
        assert_eq!(m.measurement_status, Some(0x4000));
        assert_eq!(m.not_patient_data(), Some(NotPatientData::Questionable));
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
        assert_eq!(m.measurement_status, Some(0x0020));
        assert_eq!(m.not_patient_data(), Some(NotPatientData::Ongoing));
    }

    #[test]
    fn unavailable_spo2_and_short_packets() {
        let m = decode_continuous(&[0x00, 0xFF, 0x07, 0xFF, 0x07]).unwrap();
        assert_eq!(m.normal.spo2, Numeric::NotANumber);
        assert!(decode_continuous(&[0x01, 0x62, 0x00, 0x3C, 0x00, 0x61]).is_err());
        assert!(decode_spot_check(&[0x04, 0x61, 0x00, 0x48, 0x00, 0x01, 0x00]).is_err());
    }

    #[test]
    fn regression_fully_qualified_spot_check_is_patient_data() {
        // flags 0x02 (measurement status present), 97 %, 72 bpm, status 0x0100: bit 8 "Fully
        // Qualified Data" (PLXS 1.0.1 §3.1.1.4), which an earlier decoder took for
        // "questionable" and dropped.
        let m = decode_spot_check(&[0x02, 0x61, 0x00, 0x48, 0x00, 0x00, 0x01]).unwrap();
        assert_eq!(m.not_patient_data(), None);
        // Bit 15: Invalid Measurement Detected.
        let m = decode_spot_check(&[0x02, 0x61, 0x00, 0x48, 0x00, 0x00, 0x80]).unwrap();
        assert_eq!(m.not_patient_data(), Some(NotPatientData::Invalid));
    }

    #[test]
    fn demonstration_data_from_a_continuous_oximeter_is_not_patient_data() {
        // flags 0x0C: measurement status and device status; status bit 10 (demonstration).
        let m = decode_continuous(&[0x0C, 0x62, 0x00, 0x3C, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00])
            .unwrap();
        assert_eq!(m.not_patient_data(), Some(NotPatientData::Demonstration));
        // Device status bit 15: sensor disconnected.
        let m = decode_continuous(&[0x08, 0x62, 0x00, 0x3C, 0x00, 0x00, 0x80, 0x00]).unwrap();
        assert_eq!(m.not_patient_data(), Some(NotPatientData::SensorFault));
    }

    #[test]
    fn regression_trailing_bytes_are_refused_unless_a_reserved_flag_is_set() {
        assert_eq!(
            decode_spot_check(&[0x00, 0x61, 0x00, 0x48, 0x00, 0x00]),
            Err(DecodeError::TrailingBytes { count: 1 })
        );
        assert_eq!(
            decode_continuous(&[0x00, 0x62, 0x00, 0x3C, 0x00, 0x01, 0x02]),
            Err(DecodeError::TrailingBytes { count: 2 })
        );
        // Flag bit 5 is reserved: a later version's field may follow, and is skipped.
        assert!(decode_spot_check(&[0x20, 0x61, 0x00, 0x48, 0x00, 0x00]).is_ok());
    }
}
