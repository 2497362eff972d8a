//! Byte vectors published in other projects' test suites, decoded by Hale's decoders: the check
//! a new user would make that the decoders read what the rest of the world sends. Each test
//! names its source (repository, file, test) and what that source asserts.
//!
//! Sources:
//! - NORDIC: NordicSemiconductor/Android-BLE-Common-Library @ c078e257,
//!   `ble-common/src/test/java/no/nordicsemi/android/ble/common/…`
//! - SPEZI: StanfordSpezi/SpeziBluetooth @ c52a6375, `Tests/SpeziBluetoothServicesTests/PLXTests.swift`

use super::cgm::{self, e2e_crc};
use super::numeric::Numeric;
use super::racp::{self, Response, ResponseCode};
use super::validity::NotPatientData;
use super::{blood_pressure, pulse_oximeter, thermometer, DecodeError};

fn close(a: Numeric, b: f64) -> bool {
    a.value().is_some_and(|a| (a - b).abs() < 1e-9)
}

#[test]
fn nordic_crc16_mcrf4xx_check_values() {
    // NORDIC util/CRC16Test.java: MCRF4XX_123456789, MCRF4XX_A, MCRF4XX_8552F189, MCRF4XX_CGMS
    // (the CGMS 1.0.1 §3.11 example).
    assert_eq!(e2e_crc(b"123456789"), 0x6F91);
    assert_eq!(e2e_crc(b"A"), 0x5C0A);
    assert_eq!(e2e_crc(&[0x58, 0x25, 0x1F, 0x98]), 0x07F1);
    assert_eq!(
        e2e_crc(&[0x3E, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09]),
        0x2F01
    );
}

#[test]
fn nordic_cgm_measurement_full_with_crc() {
    // NORDIC callback/cgm/ContinuousGlucoseMeasurementDataCallbackTest
    // .onContinuousGlucoseMeasurementReceived_full: 12.34 mg/dL at 5 min, battery low,
    // calibration recommended + temperature too high, every warning bit, trend 0.2, quality 99.7.
    let data = [
        0x0F, 0xE3, 0xD2, 0xE4, 0x05, 0x00, 0x02, 0x14, 0xFF, 0x02, 0xF0, 0xE5, 0xF3, 0x8E, 0x3F,
    ];
    let r = cgm::decode_measurement(&data, true).unwrap();
    assert!(close(r[0].glucose, 12.34));
    assert_eq!(r[0].time_offset, 5);
    assert_eq!(r[0].status, 0xFF_14_02);
    assert!(close(r[0].trend.unwrap(), 0.2));
    assert!(close(r[0].quality.unwrap(), 99.7));
    // Temperature too high "for a valid result": not patient data.
    assert_eq!(r[0].not_patient_data(), Some(NotPatientData::Invalid));
}

#[test]
fn nordic_cgm_measurements_small_double_and_invalid() {
    // NORDIC …_small: 120 mg/dL at 6 min, no CRC.
    let r = cgm::decode_measurement(&[0x06, 0x00, 0x0C, 0x10, 0x06, 0x00], false).unwrap();
    assert_eq!((r[0].glucose, r[0].time_offset), (Numeric::Value(120.0), 6));
    // NORDIC …_double: two records in one notification, offsets 5 then 6.
    let r = cgm::decode_measurement(
        &[
            0x06, 0x00, 0x0C, 0x10, 0x05, 0x00, 0x06, 0x00, 0x0C, 0x10, 0x06, 0x00,
        ],
        false,
    )
    .unwrap();
    assert_eq!(
        r.iter().map(|r| r.time_offset).collect::<Vec<_>>(),
        vec![5, 6]
    );
    // NORDIC …_crcError: the CRC field is 0x6F58, MCRF4XX of the record is 0x6F59.
    let wrong = [0x08, 0x00, 0x0C, 0x10, 0x06, 0x00, 0x58, 0x6F];
    assert_eq!(e2e_crc(&wrong[..6]), 0x6F59);
    assert!(matches!(
        cgm::decode_measurement(&wrong, true),
        Err(DecodeError::Unexpected {
            field: "E2E-CRC",
            ..
        })
    ));
    // NORDIC onInvalidDataReceived_tooShort: size 6, 5 bytes.
    assert!(cgm::decode_measurement(&[0x06, 0xE3, 0x0C, 0x10, 0x00], false).is_err());
    // NORDIC onInvalidDataReceived: flags 0xE3 need 13 bytes, the size says 7.
    assert!(cgm::decode_measurement(&[0x07, 0xE3, 0x0C, 0x10, 0x06, 0x00, 0x00], false).is_err());
}

#[test]
fn nordic_cgm_session_start_time() {
    // NORDIC callback/cgm/CGMSessionStartTimeDataCallbackTest: 2018-04-24 13:08:24, time zone
    // byte 8, DST byte 4, CRC 0xC2E0. The zone is in 15-minute steps (+2 h) and DST 4 is +1 h;
    // Nordic's own test reads the zone byte as minutes, which the specification does not.
    let data = [
        0xE2, 0x07, 0x04, 0x18, 0x0D, 0x08, 0x18, 0x08, 0x04, 0xE0, 0xC2,
    ];
    let s = cgm::decode_session_start(&data, true).unwrap();
    assert_eq!(s.local.unwrap().to_string(), "2018-04-24 13:08:24");
    assert_eq!(s.utc_offset_min, Some(180));
    // …ReceivedWithCrcError: the last byte changed.
    let mut wrong = data;
    wrong[10] = 0xC3;
    assert!(cgm::decode_session_start(&wrong, true).is_err());
    // onInvalidDataReceived: 10 bytes.
    assert!(cgm::decode_session_start(&data[..10], true).is_err());
    // …_noYear: year 0 is an unknown start; DST 2 is half an hour.
    let s = cgm::decode_session_start(
        &[0x00, 0x00, 0x04, 0x18, 0x0D, 0x08, 0x18, 0x08, 0x02],
        false,
    )
    .unwrap();
    assert_eq!((s.local, s.utc_offset_min), (None, Some(150)));
}

#[test]
fn nordic_cgm_feature() {
    // NORDIC callback/cgm/CGMFeatureDataCallbackTest._full: features 0x019E6E (E2E-CRC bit 12
    // set), arterial plasma (6) at the finger (1), CRC 0xC18A.
    let f = cgm::decode_features(&[0x6E, 0x9E, 0x01, 0x16, 0x8A, 0xC1]).unwrap();
    assert_eq!(f.features, 0x01_9E6E);
    assert!(f.e2e_crc());
    // _crcNotSupported: bit 12 clear, the field 0xFFFF.
    let f = cgm::decode_features(&[0x6E, 0x8E, 0x01, 0x16, 0xFF, 0xFF]).unwrap();
    assert!(!f.e2e_crc());
    // …WithCrcError, onInvalidDataReceived_noCrc, _wrongDefaultCrc.
    assert!(cgm::decode_features(&[0x6E, 0x9E, 0x01, 0x16, 0xAF, 0xBE]).is_err());
    assert!(cgm::decode_features(&[0x6E, 0x9E, 0x01, 0x16]).is_err());
    assert!(cgm::decode_features(&[0x6E, 0x8E, 0x01, 0x16, 0xAF, 0xBE]).is_err());
}

#[test]
fn nordic_record_access_control_point_responses() {
    // NORDIC callback/RecordAccessControlPointDataCallbackTest.
    assert_eq!(
        racp::decode_response(&[0x06, 0x00, 0x01, 0x01]).unwrap(),
        Response::Outcome {
            request: 1,
            code: ResponseCode::Success
        }
    );
    assert_eq!(
        racp::decode_response(&[0x06, 0x00, 0x01, 0x06]).unwrap(),
        Response::Outcome {
            request: 1,
            code: ResponseCode::NoRecordsFound
        }
    );
    assert_eq!(
        racp::decode_response(&[0x06, 0x00, 0x02, 0x08]).unwrap(),
        Response::Outcome {
            request: 2,
            code: ResponseCode::ProcedureNotCompleted
        }
    );
    // onNumberOfRecordsReceived_uint16: 258.
    assert_eq!(
        racp::decode_response(&[0x05, 0x00, 0x02, 0x01]).unwrap(),
        Response::NumberOfRecords { count: 258 }
    );
    // Nordic is lenient with 1- and 4-byte counts; the Glucose and CGM services define the
    // count as a uint16 (nRF Connect SDK cgms_racp.c builds it with a 16-bit count), so Hale
    // refuses both, as Nordic refuses the 3-byte one (…_unsupportedLength).
    assert!(racp::decode_response(&[0x05, 0x00, 0x01]).is_err());
    assert!(racp::decode_response(&[0x05, 0x00, 0x04, 0x03, 0x02, 0x01]).is_err());
    assert!(racp::decode_response(&[0x05, 0x00, 0x03, 0x02, 0x01]).is_err());
    // onInvalidDataReceived_tooShort, _wrongOpCode, _invalidOperator.
    assert!(racp::decode_response(&[0x01, 0x01]).is_err());
    assert!(racp::decode_response(&[0x01, 0x03, 0x01, 0x02, 0x00]).is_err());
    assert!(racp::decode_response(&[0x06, 0x01, 0x01]).is_err());
}

#[test]
fn spezi_plx_continuous_vectors_and_their_status_bits() {
    // SPEZI testSimpleMeasurementCoding: 95 %, 90 bpm, status 0x0020 (measurement ongoing).
    let m = pulse_oximeter::decode_continuous(&[
        0x1C, 0x5F, 0x00, 0x5A, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x57, 0xF0,
    ])
    .unwrap();
    assert_eq!(m.normal.spo2, Numeric::Value(95.0));
    assert!(close(m.pulse_amplitude_index.unwrap(), 8.7));
    assert_eq!(m.not_patient_data(), Some(NotPatientData::Ongoing));
    // SPEZI testFullMeasurementCoding: 99 % / 97 bpm, fast 97 / 137, slow 98 / 69, status
    // 0x0120 (ongoing + fully qualified).
    let m = pulse_oximeter::decode_continuous(&[
        0x1F, 0xDE, 0xF3, 0xCA, 0xF3, 0xCA, 0xF3, 0x5A, 0xF5, 0xD4, 0xF3, 0xB2, 0xF2, 0x20, 0x01,
        0x00, 0x00, 0x00, 0x7A, 0xE3,
    ])
    .unwrap();
    assert!(close(m.normal.spo2, 99.0));
    assert!(close(m.fast.unwrap().pulse, 137.0));
    assert!(close(m.slow.unwrap().pulse, 69.0));
    assert_eq!(m.measurement_status, Some(0x0120));
    assert_eq!(m.not_patient_data(), Some(NotPatientData::Ongoing));
}

#[test]
fn spezi_plx_spot_check_with_questionable_and_device_status() {
    // SPEZI testSpotCheckMeasurementCoding: 94 %, 147 bpm, 2024-11-29 23:08:57, status 0x4020
    // (ongoing + questionable), device status 0x000022 (equipment malfunction + low perfusion).
    let m = pulse_oximeter::decode_spot_check(&[
        0x0F, 0xAC, 0xF3, 0xBE, 0xF5, 0xE8, 0x07, 0x0B, 0x1D, 0x17, 0x08, 0x39, 0x20, 0x40, 0x22,
        0x00, 0x00, 0x66, 0xE3,
    ])
    .unwrap();
    assert!(close(m.reading.spo2, 94.0));
    assert!(close(m.reading.pulse, 147.0));
    assert_eq!(m.time.unwrap().to_string(), "2024-11-29 23:08:57");
    assert_eq!(
        (m.measurement_status, m.device_status),
        (Some(0x4020), Some(0x22))
    );
    assert_eq!(m.not_patient_data(), Some(NotPatientData::SensorFault));
}

#[test]
fn nordic_temperature_measurement() {
    // NORDIC callback/ht/TemperatureMeasurementDataCallbackTest.onTemperatureMeasurementReceived:
    // 37.60 °C, 2012-12-05 11:50:27, finger; onInvalidDataReceived: the type byte missing.
    let data = [
        0x06, 0xB0, 0x0E, 0x00, 0xFE, 0xDC, 0x07, 0x0C, 0x05, 0x0B, 0x32, 0x1B, 0x04,
    ];
    let m = thermometer::decode(&data).unwrap();
    assert!(close(m.value, 37.6));
    assert_eq!(m.time.unwrap().to_string(), "2012-12-05 11:50:27");
    assert_eq!(m.site, Some(thermometer::TemperatureSite::Finger));
    assert!(thermometer::decode(&data[..12]).is_err());
}

#[test]
fn nordic_blood_pressure_measurements_and_their_status() {
    // NORDIC callback/bps/BloodPressureMeasurementDataCallbackTest._full: 138/88/120 mmHg, year 0,
    // pulse 60, user 1, status 0x0027 (body movement, cuff too loose, irregular pulse, improper
    // position).
    let m = blood_pressure::decode(&[
        0x1E, 0x8A, 0x00, 0x58, 0x00, 0x78, 0x00, 0x00, 0x00, 0x04, 0x11, 0x14, 0x29, 0x3B, 0x3C,
        0x00, 0x01, 0x27, 0x00,
    ])
    .unwrap();
    assert_eq!(m.systolic, Numeric::Value(138.0));
    assert_eq!(m.time, None, "year 0 is an unknown time");
    assert_eq!((m.pulse, m.user), (Some(Numeric::Value(60.0)), Some(1)));
    let status = m.status.unwrap();
    assert!(status.body_movement && status.cuff_too_loose && status.irregular_pulse);
    assert_eq!(
        super::validity::bp(status.bits),
        Some(NotPatientData::BodyMovement)
    );
    // _some: 18.9/11/15.9 kPa, pulse 60, status 0x0012 (cuff too loose, pulse below range).
    let m = blood_pressure::decode(&[
        0x15, 0xBD, 0xF0, 0x0B, 0x00, 0x9F, 0xF0, 0x3C, 0x00, 0x12, 0x00,
    ])
    .unwrap();
    assert!(close(m.systolic, 18.9));
    assert_eq!(
        m.status.unwrap().pulse_range,
        blood_pressure::PulseRange::BelowLower
    );
    // onInvalidDataReceived_toShort, _noTimestamp.
    assert!(blood_pressure::decode(&[0x01, 0x02, 0x03, 0x04, 0x05, 0x06]).is_err());
    assert!(blood_pressure::decode(&[0x03, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07]).is_err());
}
