//! Whether a value a device sent is patient data, as the device's own status fields say.
//!
//! Every status field Hale reads is decided here, bit by bit, in one place: the Pulse Oximeter
//! Measurement Status and Device and Sensor Status (PLXS 1.0.1 §3.1.1.4–3.1.1.5, GSS §3.170),
//! the Blood Pressure Measurement Status (BLS 1.1 §3.1.1.5, GSS §3.31), the Glucose Sensor Status
//! Annunciation (GLS 1.0 §3.106.5, GSS §3.103) and the CGM Sensor Status Annunciation (CGMS 1.0.1
//! §3.2.1.4). A value that is not patient data is never alerted on, stored as a reading or
//! relayed; it is shown to the patient for what it is ([`Withheld`]).

use serde::{Deserialize, Serialize};

/// Why a device's value is not a reading of the patient, in the device's own terms. Ordered
/// from the strongest reason to the weakest: where several bits are set, the first one named
/// here is the one reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotPatientData {
    /// The device is showing demonstration data, not a measurement.
    Demonstration,
    /// The device is being tested, not measuring a person.
    Testing,
    /// A control-solution test of a glucose meter.
    ControlSolution,
    /// The sensor or device reports a fault, or is not attached to the patient.
    SensorFault,
    /// The device says the measurement is invalid (a bad strip, too little sample, out of its
    /// operating temperature, interrupted).
    Invalid,
    /// The device has no measurement to give.
    Unavailable,
    /// The value cannot be placed in time: a CGM record whose session start the sensor does not
    /// know. Charted or relayed at its receipt it would misdate hours of history.
    UnknownTime,
    /// The device weighed, but the weighing failed.
    Unsuccessful,
    /// The result is above what the device can measure: shown as "HI", never as a number.
    AboveRange,
    /// The result is below what the device can measure: shown as "LO", never as a number.
    BelowRange,
    /// The device is calibrating.
    Calibrating,
    /// The device flags the measurement as questionable (a poor signal, low perfusion, a
    /// sensor that needs calibrating).
    Questionable,
    /// The blood pressure monitor detected body movement: measure again, keeping still.
    BodyMovement,
    /// The blood pressure cuff was fitted too loosely: refit it and measure again.
    CuffTooLoose,
    /// The arm was not at heart level: measure again in the right position.
    ImproperPosition,
    /// The measurement is still going on; the final value follows.
    Ongoing,
    /// An early estimate before the device has enough signal; the qualified value follows.
    EarlyEstimate,
}

/// The strongest reason among `reasons`, if any.
fn strongest(reasons: impl IntoIterator<Item = Option<NotPatientData>>) -> Option<NotPatientData> {
    reasons.into_iter().flatten().min()
}

/// Decides a bit field from a table of (mask, reason); `None` in a row means the bit is
/// known and does not stop the value being patient data.
fn decide(bits: u32, table: &[(u32, Option<NotPatientData>)]) -> Option<NotPatientData> {
    strongest(
        table
            .iter()
            .filter(|(mask, _)| bits & mask != 0)
            .map(|(_, reason)| *reason),
    )
}

use NotPatientData as N;

/// PLX Measurement Status (16 bits; bits 0–4 reserved), PLXS 1.0.1 §3.1.1.4 / GSS §3.170.
pub const PLX_MEASUREMENT_STATUS: [(u32, Option<NotPatientData>); 11] = [
    (1 << 5, Some(N::Ongoing)),        // Measurement Ongoing
    (1 << 6, Some(N::EarlyEstimate)),  // Early Estimated Data
    (1 << 7, None),                    // Validated Data
    (1 << 8, None),                    // Fully Qualified Data
    (1 << 9, None),                    // Data from Measurement Storage
    (1 << 10, Some(N::Demonstration)), // Data for Demonstration
    (1 << 11, Some(N::Testing)),       // Data for Testing
    (1 << 12, Some(N::Calibrating)),   // Calibration Ongoing
    (1 << 13, Some(N::Unavailable)),   // Measurement Unavailable
    (1 << 14, Some(N::Questionable)),  // Questionable Measurement Detected
    (1 << 15, Some(N::Invalid)),       // Invalid Measurement Detected
];

/// PLX Device and Sensor Status (24 bits; bits 16–23 reserved), PLXS 1.0.1 §3.1.1.5.
pub const PLX_DEVICE_AND_SENSOR_STATUS: [(u32, Option<NotPatientData>); 16] = [
    (1 << 0, None),                   // Extended Display Update Ongoing
    (1 << 1, Some(N::SensorFault)),   // Equipment Malfunction Detected
    (1 << 2, Some(N::Questionable)),  // Signal Processing Irregularity Detected
    (1 << 3, Some(N::Questionable)),  // Inadequate Signal Detected
    (1 << 4, Some(N::Questionable)),  // Poor Signal Detected
    (1 << 5, Some(N::Questionable)),  // Low Perfusion Detected
    (1 << 6, Some(N::Questionable)),  // Erratic Signal Detected
    (1 << 7, Some(N::Questionable)),  // Nonpulsatile Signal Detected
    (1 << 8, Some(N::Questionable)),  // Questionable Pulse Detected
    (1 << 9, Some(N::Ongoing)),       // Signal Analysis Ongoing
    (1 << 10, Some(N::Questionable)), // Sensor Interference Detected
    (1 << 11, Some(N::SensorFault)),  // Sensor Unconnected to User
    (1 << 12, Some(N::SensorFault)),  // Unknown Sensor Connected
    (1 << 13, Some(N::SensorFault)),  // Sensor Displaced
    (1 << 14, Some(N::SensorFault)),  // Sensor Malfunctioning
    (1 << 15, Some(N::SensorFault)),  // Sensor Disconnected
];

/// Blood Pressure Measurement Status (bits 6–15 reserved), BLS 1.1 §3.1.1.5. Bits 3–4 (the
/// pulse rate against the device's range) concern the pulse alone: [`bp_pulse`].
pub const BP_MEASUREMENT_STATUS: [(u32, Option<NotPatientData>); 4] = [
    (1 << 0, Some(N::BodyMovement)), // Body Movement Detected
    (1 << 1, Some(N::CuffTooLoose)), // Cuff Fit Too Loose
    // An irregular pulse is a clinical finding (possible atrial fibrillation), not a failed
    // measurement: the reading stands.
    (1 << 2, None),                      // Irregular Pulse Detected
    (1 << 5, Some(N::ImproperPosition)), // Improper Measurement Position
];

/// Glucose Sensor Status Annunciation (bits 12–15 reserved), GLS 1.0 §3.106.5.
pub const GLUCOSE_SENSOR_STATUS: [(u32, Option<NotPatientData>); 12] = [
    (1 << 0, None),                  // Device battery low at time of measurement
    (1 << 1, Some(N::SensorFault)),  // Sensor malfunction
    (1 << 2, Some(N::Invalid)),      // Sample size insufficient
    (1 << 3, Some(N::Invalid)),      // Strip insertion error
    (1 << 4, Some(N::Invalid)),      // Strip type incorrect for device
    (1 << 5, Some(N::AboveRange)),   // Result higher than the device can process
    (1 << 6, Some(N::BelowRange)),   // Result lower than the device can process
    (1 << 7, Some(N::Invalid)),      // Sensor temperature too high
    (1 << 8, Some(N::Invalid)),      // Sensor temperature too low
    (1 << 9, Some(N::Invalid)),      // Sensor read interrupted
    (1 << 10, Some(N::SensorFault)), // General device fault
    // The value stands; its time stamp does not ([`glucose_time_fault`]).
    (1 << 11, None), // Time fault
];

/// CGM Sensor Status Annunciation as one 24-bit field: the Status octet (bits 0–7), the
/// Cal/Temp octet (bits 8–15) and the Warning octet (bits 16–23), CGMS 1.0.1 §3.2.1.4.
pub const CGM_SENSOR_STATUS: [(u32, Option<NotPatientData>); 21] = [
    (1 << 0, Some(N::Invalid)),       // Session stopped
    (1 << 1, None),                   // Device battery low
    (1 << 2, Some(N::SensorFault)),   // Sensor type incorrect for device
    (1 << 3, Some(N::SensorFault)),   // Sensor malfunction
    (1 << 4, None),                   // Device specific alert
    (1 << 5, Some(N::SensorFault)),   // General device fault
    (1 << 8, None),                   // Time synchronization required
    (1 << 9, None),                   // Calibration not allowed
    (1 << 10, None),                  // Calibration recommended
    (1 << 11, Some(N::Questionable)), // Calibration required
    (1 << 12, Some(N::Invalid)),      // Sensor temperature too high
    (1 << 13, Some(N::Invalid)),      // Sensor temperature too low
    (1 << 14, Some(N::Calibrating)),  // Calibration pending
    // The patient-level warnings are clinical findings: Hale's own thresholds alert on them.
    (1 << 16, None),                // Result lower than the patient low level
    (1 << 17, None),                // Result higher than the patient high level
    (1 << 18, None),                // Result lower than the hypo level
    (1 << 19, None),                // Result higher than the hyper level
    (1 << 20, None),                // Rate of decrease exceeded
    (1 << 21, None),                // Rate of increase exceeded
    (1 << 22, Some(N::BelowRange)), // Result lower than the device can process
    (1 << 23, Some(N::AboveRange)), // Result higher than the device can process
];

/// A pulse oximeter's measurement: its Measurement Status and Device and Sensor Status.
pub fn plx(measurement_status: Option<u16>, device_status: Option<u32>) -> Option<NotPatientData> {
    strongest([
        measurement_status.and_then(|s| decide(u32::from(s), &PLX_MEASUREMENT_STATUS)),
        device_status.and_then(|s| decide(s, &PLX_DEVICE_AND_SENSOR_STATUS)),
    ])
}

/// A blood pressure panel, by its Measurement Status.
pub fn bp(status: u16) -> Option<NotPatientData> {
    decide(u32::from(status), &BP_MEASUREMENT_STATUS)
}

/// The pulse rate beside a blood pressure, by Measurement Status bits 3–4: a pulse beyond the
/// monitor's range is no number, whatever the field carries.
pub fn bp_pulse(status: u16) -> Option<NotPatientData> {
    match (status >> 3) & 0x3 {
        1 => Some(N::AboveRange),
        2 => Some(N::BelowRange),
        // 3 is reserved: the monitor says something Hale cannot read about the pulse.
        3 => Some(N::Questionable),
        _ => None,
    }
}

/// A glucose meter's result, by its Sensor Status Annunciation.
pub fn glucose(status: u16) -> Option<NotPatientData> {
    decide(u32::from(status), &GLUCOSE_SENSOR_STATUS)
}

/// Whether a glucose meter says its clock was wrong when it measured (bit 11).
pub fn glucose_time_fault(status: u16) -> bool {
    status & (1 << 11) != 0
}

/// A continuous glucose monitor's result, by its 24-bit Sensor Status Annunciation.
pub fn cgm(status: u32) -> Option<NotPatientData> {
    decide(status, &CGM_SENSOR_STATUS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_plx_measurement_status_bit_is_decided_as_the_specification_names_it() {
        // PLXS 1.0.1 §3.1.1.4: bit 5 ongoing … bit 15 invalid; 0–4 reserved.
        let expected = [
            (5, Some(N::Ongoing)),
            (6, Some(N::EarlyEstimate)),
            (7, None),
            (8, None),
            (9, None),
            (10, Some(N::Demonstration)),
            (11, Some(N::Testing)),
            (12, Some(N::Calibrating)),
            (13, Some(N::Unavailable)),
            (14, Some(N::Questionable)),
            (15, Some(N::Invalid)),
        ];
        for (bit, reason) in expected {
            assert_eq!(plx(Some(1 << bit), None), reason, "bit {bit}");
        }
        for reserved in 0..5 {
            assert_eq!(
                plx(Some(1 << reserved), None),
                None,
                "reserved bit {reserved}"
            );
        }
    }

    #[test]
    fn regression_fully_qualified_data_bit_8_is_patient_data() {
        // The old decoder named 0x0100 "questionable" and dropped every fully qualified value.
        assert_eq!(plx(Some(0x0100), None), None);
        assert_eq!(plx(Some(0x4000), None), Some(N::Questionable));
        assert_eq!(plx(Some(0x8000), None), Some(N::Invalid));
    }

    #[test]
    fn the_strongest_reason_wins_when_several_bits_are_set() {
        // Demonstration and questionable: it is demonstration data, whatever its quality.
        assert_eq!(plx(Some(0x4400), None), Some(N::Demonstration));
        // A sensor off the finger outweighs "signal analysis ongoing".
        assert_eq!(plx(None, Some((1 << 9) | (1 << 11))), Some(N::SensorFault));
        // Fully qualified by measurement status, but the sensor is displaced.
        assert_eq!(plx(Some(0x0100), Some(1 << 13)), Some(N::SensorFault));
    }

    #[test]
    fn each_plx_device_status_bit_and_the_reserved_high_octet() {
        assert_eq!(plx(None, Some(1)), None);
        for bit in 1..16 {
            assert!(plx(None, Some(1 << bit)).is_some(), "bit {bit}");
        }
        for reserved in 16..24 {
            assert_eq!(
                plx(None, Some(1 << reserved)),
                None,
                "reserved bit {reserved}"
            );
        }
    }

    #[test]
    fn blood_pressure_status_bits() {
        assert_eq!(bp(0x0001), Some(N::BodyMovement));
        assert_eq!(bp(0x0002), Some(N::CuffTooLoose));
        assert_eq!(bp(0x0004), None, "irregular pulse keeps the reading");
        assert_eq!(bp(0x0020), Some(N::ImproperPosition));
        assert_eq!(
            bp(0x0018),
            None,
            "the pulse range bits concern the pulse alone"
        );
        assert_eq!(bp(0xFFC0), None, "bits 6–15 are reserved");
        assert_eq!(bp_pulse(0x0008), Some(N::AboveRange));
        assert_eq!(bp_pulse(0x0010), Some(N::BelowRange));
        assert_eq!(bp_pulse(0x0018), Some(N::Questionable));
        assert_eq!(bp_pulse(0x0004), None);
    }

    #[test]
    fn glucose_sensor_status_bits() {
        assert_eq!(glucose(0x0001), None, "battery low keeps the result");
        for bit in [1, 10] {
            assert_eq!(glucose(1 << bit), Some(N::SensorFault), "bit {bit}");
        }
        for bit in [2, 3, 4, 7, 8, 9] {
            assert_eq!(glucose(1 << bit), Some(N::Invalid), "bit {bit}");
        }
        assert_eq!(glucose(1 << 5), Some(N::AboveRange));
        assert_eq!(glucose(1 << 6), Some(N::BelowRange));
        assert_eq!(glucose(1 << 11), None);
        assert!(glucose_time_fault(1 << 11));
        assert_eq!(glucose(0xF000), None, "bits 12–15 are reserved");
    }

    #[test]
    fn cgm_sensor_status_bits_across_the_three_octets() {
        assert_eq!(cgm(1 << 0), Some(N::Invalid));
        assert_eq!(cgm(1 << 1), None);
        assert_eq!(cgm(1 << 3), Some(N::SensorFault));
        assert_eq!(cgm(1 << 11), Some(N::Questionable));
        assert_eq!(cgm(1 << 14), Some(N::Calibrating));
        for warning in 16..22 {
            assert_eq!(cgm(1 << warning), None, "bit {warning}");
        }
        assert_eq!(cgm(1 << 22), Some(N::BelowRange));
        assert_eq!(cgm(1 << 23), Some(N::AboveRange));
        assert_eq!(cgm((1 << 6) | (1 << 7) | (1 << 15)), None, "reserved bits");
    }
}
