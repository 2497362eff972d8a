//! Bluetooth LE medical devices: the Bluetooth SIG health profiles decoded to their published
//! layouts ([`heart_rate`], [`blood_pressure`], [`thermometer`], [`glucose`] with [`racp`],
//! [`pulse_oximeter`], [`weight`]), the readings a measurement gives ([`reading`]), and the
//! thresholds that make a reading an alert ([`alert`]).
//!
//! Decoding is total: every byte string gives a measurement or a [`DecodeError`], never a panic
//! (fuzzed in `fuzz/`). IEEE 11073 special values (NaN, NRes, ±INF) stay explicit
//! ([`numeric::Numeric`]) and never become numbers; a reading whose value is one of them is
//! not produced.

pub mod alert;
pub mod blood_pressure;
mod bytes;
pub mod glucose;
pub mod heart_rate;
pub mod numeric;
pub mod pulse_oximeter;
pub mod racp;
pub mod reading;
pub mod thermometer;
pub mod weight;

use serde::{Deserialize, Serialize};

pub use alert::{Assessment, Interpretation, Thresholds};
pub use numeric::Numeric;
pub use reading::{Quantity, Reading, ReadingKind, Unit, Vital};

/// Why a characteristic value could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error(
        "{field} needs {needed} bytes at offset {offset}, but the value is {length} bytes long"
    )]
    Truncated {
        field: &'static str,
        offset: usize,
        needed: usize,
        length: usize,
    },
    #[error("{count} unexpected bytes after the last field")]
    TrailingBytes { count: usize },
    #[error("unexpected {field} {value:#x}")]
    Unexpected { field: &'static str, value: u32 },
    #[error("characteristic {0:#06x} is not a measurement Hale reads")]
    UnknownCharacteristic(u16),
}

/// The kinds of device Hale pairs with, by the primary service they advertise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceType {
    HeartRate,
    BloodPressure,
    Thermometer,
    Glucose,
    PulseOximeter,
    WeightScale,
}

impl DeviceType {
    pub const ALL: [Self; 6] = [
        Self::HeartRate,
        Self::BloodPressure,
        Self::Thermometer,
        Self::Glucose,
        Self::PulseOximeter,
        Self::WeightScale,
    ];

    /// The 16-bit UUID of the service (GATT base UUID 0000xxxx-0000-1000-8000-00805f9b34fb).
    pub fn service(self) -> u16 {
        match self {
            Self::HeartRate => 0x180D,
            Self::BloodPressure => 0x1810,
            Self::Thermometer => 0x1809,
            Self::Glucose => 0x1808,
            Self::PulseOximeter => 0x1822,
            Self::WeightScale => 0x181D,
        }
    }

    pub fn from_service(uuid16: u16) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.service() == uuid16)
    }

    /// The characteristics to subscribe to, measurement first.
    pub fn measurements(self) -> &'static [Characteristic] {
        use Characteristic as C;
        match self {
            Self::HeartRate => &[C::HeartRateMeasurement],
            Self::BloodPressure => &[C::BloodPressureMeasurement, C::IntermediateCuffPressure],
            Self::Thermometer => &[C::TemperatureMeasurement],
            Self::Glucose => &[C::GlucoseMeasurement, C::GlucoseMeasurementContext],
            Self::PulseOximeter => &[C::PlxSpotCheck, C::PlxContinuous],
            Self::WeightScale => &[C::WeightMeasurement],
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::HeartRate => "Heart rate monitor",
            Self::BloodPressure => "Blood pressure monitor",
            Self::Thermometer => "Thermometer",
            Self::Glucose => "Glucose meter",
            Self::PulseOximeter => "Pulse oximeter",
            Self::WeightScale => "Weight scale",
        }
    }
}

/// The characteristics Hale subscribes to or writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Characteristic {
    HeartRateMeasurement,
    BloodPressureMeasurement,
    IntermediateCuffPressure,
    TemperatureMeasurement,
    GlucoseMeasurement,
    GlucoseMeasurementContext,
    RecordAccessControlPoint,
    PlxSpotCheck,
    PlxContinuous,
    WeightMeasurement,
}

impl Characteristic {
    const ALL: [Self; 10] = [
        Self::HeartRateMeasurement,
        Self::BloodPressureMeasurement,
        Self::IntermediateCuffPressure,
        Self::TemperatureMeasurement,
        Self::GlucoseMeasurement,
        Self::GlucoseMeasurementContext,
        Self::RecordAccessControlPoint,
        Self::PlxSpotCheck,
        Self::PlxContinuous,
        Self::WeightMeasurement,
    ];

    pub fn uuid16(self) -> u16 {
        match self {
            Self::HeartRateMeasurement => 0x2A37,
            Self::BloodPressureMeasurement => 0x2A35,
            Self::IntermediateCuffPressure => 0x2A36,
            Self::TemperatureMeasurement => 0x2A1C,
            Self::GlucoseMeasurement => 0x2A18,
            Self::GlucoseMeasurementContext => 0x2A34,
            Self::RecordAccessControlPoint => 0x2A52,
            Self::PlxSpotCheck => 0x2A5E,
            Self::PlxContinuous => 0x2A5F,
            Self::WeightMeasurement => 0x2A9D,
        }
    }

    pub fn from_uuid16(uuid16: u16) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.uuid16() == uuid16)
    }
}

/// A decoded characteristic value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type", content = "value")]
pub enum Measurement {
    HeartRate(heart_rate::HeartRateMeasurement),
    BloodPressure(blood_pressure::BloodPressureMeasurement),
    /// A cuff pressure while the monitor inflates: shown live, never stored.
    CuffPressure(blood_pressure::BloodPressureMeasurement),
    Temperature(thermometer::TemperatureMeasurement),
    Glucose(glucose::GlucoseMeasurement),
    GlucoseContext(glucose::GlucoseContext),
    RecordAccess(racp::Response),
    SpotCheck(pulse_oximeter::SpotCheck),
    Continuous(pulse_oximeter::Continuous),
    Weight(weight::WeightMeasurement),
}

/// Decodes a notification or indication from `characteristic`.
pub fn decode(characteristic: Characteristic, data: &[u8]) -> Result<Measurement, DecodeError> {
    use Characteristic as C;
    Ok(match characteristic {
        C::HeartRateMeasurement => Measurement::HeartRate(heart_rate::decode(data)?),
        C::BloodPressureMeasurement => Measurement::BloodPressure(blood_pressure::decode(data)?),
        C::IntermediateCuffPressure => Measurement::CuffPressure(blood_pressure::decode(data)?),
        C::TemperatureMeasurement => Measurement::Temperature(thermometer::decode(data)?),
        C::GlucoseMeasurement => Measurement::Glucose(glucose::decode_measurement(data)?),
        C::GlucoseMeasurementContext => Measurement::GlucoseContext(glucose::decode_context(data)?),
        C::RecordAccessControlPoint => Measurement::RecordAccess(racp::decode_response(data)?),
        C::PlxSpotCheck => Measurement::SpotCheck(pulse_oximeter::decode_spot_check(data)?),
        C::PlxContinuous => Measurement::Continuous(pulse_oximeter::decode_continuous(data)?),
        C::WeightMeasurement => Measurement::Weight(weight::decode(data)?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_round_trip() {
        for t in DeviceType::ALL {
            assert_eq!(DeviceType::from_service(t.service()), Some(t));
            for c in t.measurements() {
                assert_eq!(Characteristic::from_uuid16(c.uuid16()), Some(*c));
            }
        }
        assert_eq!(DeviceType::from_service(0x180F), None);
        assert_eq!(Characteristic::from_uuid16(0x2A19), None);
    }

    #[test]
    fn decode_dispatches_by_characteristic() {
        assert!(matches!(
            decode(Characteristic::HeartRateMeasurement, &[0, 60]),
            Ok(Measurement::HeartRate(_))
        ));
        assert!(matches!(
            decode(
                Characteristic::IntermediateCuffPressure,
                &[0, 0x96, 0, 0xFF, 0x07, 0xFF, 0x07]
            ),
            Ok(Measurement::CuffPressure(_))
        ));
        assert!(decode(Characteristic::WeightMeasurement, &[]).is_err());
    }
}
