//! Bluetooth LE medical devices: the Bluetooth SIG health profiles decoded to their published
//! layouts ([`heart_rate`], [`blood_pressure`], [`thermometer`], [`glucose`] with [`racp`],
//! [`cgm`], [`pulse_oximeter`], [`weight`]), whether a value is patient data by the device's
//! own status bits ([`validity`]), the readings a measurement gives ([`reading`]), and the
//! thresholds that make a reading an alert ([`alert`]).
//!
//! A value ends at its last field: extra bytes are an error, unless a flag the specification
//! reserves for future use is set, the one way a later version of a characteristic grows.
//!
//! Decoding is total: every byte string gives a measurement or a [`DecodeError`], never a panic
//! (fuzzed in `fuzz/`). IEEE 11073 special values (NaN, NRes, ±INF) stay explicit
//! ([`numeric::Numeric`]) and never become numbers; a reading whose value is one of them is
//! not produced.

pub mod alert;
pub mod blood_pressure;
mod bytes;
pub mod cgm;
pub mod glucose;
pub mod heart_rate;
pub mod numeric;
#[cfg(test)]
mod published_vectors;
pub mod pulse_oximeter;
pub mod racp;
pub mod reading;
pub mod thermometer;
pub mod time_in_range;
pub mod validity;
pub mod weight;

use serde::{Deserialize, Serialize};

pub use alert::{Assessment, Interpretation, Thresholds};
pub use numeric::Numeric;
pub use reading::{Quantity, Reading, ReadingKind, Readings, Unit, Vital, Withheld};
pub use validity::NotPatientData;

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
    ContinuousGlucose,
    PulseOximeter,
    WeightScale,
}

impl DeviceType {
    pub const ALL: [Self; 7] = [
        Self::HeartRate,
        Self::BloodPressure,
        Self::Thermometer,
        Self::Glucose,
        Self::ContinuousGlucose,
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
            Self::ContinuousGlucose => 0x181F,
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
            Self::Thermometer => &[C::TemperatureMeasurement, C::IntermediateTemperature],
            Self::Glucose => &[C::GlucoseMeasurement, C::GlucoseMeasurementContext],
            Self::ContinuousGlucose => &[C::CgmMeasurement],
            Self::PulseOximeter => &[C::PlxSpotCheck, C::PlxContinuous],
            Self::WeightScale => &[C::WeightMeasurement],
        }
    }

    /// Whether the device keeps stored records, downloaded through the Record Access Control
    /// Point after the newest one Hale has (by sequence number, or a CGM's time offset).
    pub fn keeps_records(self) -> bool {
        matches!(self, Self::Glucose | Self::ContinuousGlucose)
    }

    /// The characteristics read once per connection, in order, before any value is decoded.
    pub fn context(self) -> &'static [Characteristic] {
        match self {
            // The features first: they say whether the session start ends in a CRC.
            Self::ContinuousGlucose => &[
                Characteristic::CgmFeature,
                Characteristic::CgmSessionStartTime,
            ],
            _ => &[],
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::HeartRate => "Heart rate monitor",
            Self::BloodPressure => "Blood pressure monitor",
            Self::Thermometer => "Thermometer",
            Self::Glucose => "Glucose meter",
            Self::ContinuousGlucose => "Continuous glucose monitor",
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
    IntermediateTemperature,
    GlucoseMeasurement,
    GlucoseMeasurementContext,
    RecordAccessControlPoint,
    CgmMeasurement,
    CgmFeature,
    CgmSessionStartTime,
    PlxSpotCheck,
    PlxContinuous,
    WeightMeasurement,
}

impl Characteristic {
    const ALL: [Self; 14] = [
        Self::HeartRateMeasurement,
        Self::BloodPressureMeasurement,
        Self::IntermediateCuffPressure,
        Self::TemperatureMeasurement,
        Self::IntermediateTemperature,
        Self::GlucoseMeasurement,
        Self::GlucoseMeasurementContext,
        Self::RecordAccessControlPoint,
        Self::CgmMeasurement,
        Self::CgmFeature,
        Self::CgmSessionStartTime,
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
            Self::IntermediateTemperature => 0x2A1E,
            Self::GlucoseMeasurement => 0x2A18,
            Self::GlucoseMeasurementContext => 0x2A34,
            Self::RecordAccessControlPoint => 0x2A52,
            Self::CgmMeasurement => 0x2AA7,
            Self::CgmFeature => 0x2AA8,
            Self::CgmSessionStartTime => 0x2AAA,
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
    /// A thermometer's value while it measures: shown live, never stored.
    IntermediateTemperature(thermometer::TemperatureMeasurement),
    Glucose(glucose::GlucoseMeasurement),
    GlucoseContext(glucose::GlucoseContext),
    RecordAccess(racp::Response),
    Cgm(cgm::CgmMeasurement),
    /// Read once per connection: whether a CGM sends E2E-CRCs.
    CgmFeatures(cgm::CgmFeatures),
    /// Read once per connection: when the CGM's session started.
    CgmSessionStart(cgm::SessionStart),
    SpotCheck(pulse_oximeter::SpotCheck),
    Continuous(pulse_oximeter::Continuous),
    Weight(weight::WeightMeasurement),
}

/// How far a device's stored records have been received in full: the newest record's number (a
/// glucose meter's sequence number, a CGM's time offset) and the CGM session it belongs to. The
/// next download asks for the records after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordProgress {
    pub last: u16,
    pub session: Option<String>,
}

impl Measurement {
    /// The newest stored-record number this measurement carries, if it is a stored record.
    pub fn record_number(&self) -> Option<u16> {
        match self {
            Self::Glucose(g) => Some(g.sequence),
            Self::Cgm(c) => c.records.iter().map(|r| r.time_offset).max(),
            _ => None,
        }
    }
}

/// What a device said earlier in the connection that decoding its values needs: a CGM's
/// features (whether an E2E-CRC follows each value) and its session start.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Context {
    pub cgm_e2e_crc: bool,
    pub cgm_session: Option<cgm::SessionStart>,
}

impl Context {
    /// Learns from a value read or received (a CGM's features or session start).
    pub fn learn(&mut self, measurement: &Measurement) {
        match measurement {
            Measurement::CgmFeatures(f) => self.cgm_e2e_crc = f.e2e_crc(),
            Measurement::CgmSessionStart(s) => self.cgm_session = Some(*s),
            _ => {}
        }
    }
}

/// Decodes a notification or indication from `characteristic`, for a device about which
/// nothing else is known (no CGM context).
pub fn decode(characteristic: Characteristic, data: &[u8]) -> Result<Measurement, DecodeError> {
    decode_with(characteristic, data, &Context::default())
}

/// Decodes a value from `characteristic` with what the connection has learnt (`context`).
pub fn decode_with(
    characteristic: Characteristic,
    data: &[u8],
    context: &Context,
) -> Result<Measurement, DecodeError> {
    use Characteristic as C;
    Ok(match characteristic {
        C::HeartRateMeasurement => Measurement::HeartRate(heart_rate::decode(data)?),
        C::BloodPressureMeasurement => Measurement::BloodPressure(blood_pressure::decode(data)?),
        C::IntermediateCuffPressure => Measurement::CuffPressure(blood_pressure::decode(data)?),
        C::TemperatureMeasurement => Measurement::Temperature(thermometer::decode(data)?),
        C::IntermediateTemperature => {
            Measurement::IntermediateTemperature(thermometer::decode(data)?)
        }
        C::GlucoseMeasurement => Measurement::Glucose(glucose::decode_measurement(data)?),
        C::GlucoseMeasurementContext => Measurement::GlucoseContext(glucose::decode_context(data)?),
        C::RecordAccessControlPoint => Measurement::RecordAccess(racp::decode_response(data)?),
        C::CgmMeasurement => Measurement::Cgm(cgm::CgmMeasurement {
            records: cgm::decode_measurement(data, context.cgm_e2e_crc)?,
            session: context.cgm_session,
        }),
        C::CgmFeature => Measurement::CgmFeatures(cgm::decode_features(data)?),
        C::CgmSessionStartTime => {
            Measurement::CgmSessionStart(cgm::decode_session_start(data, context.cgm_e2e_crc)?)
        }
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

    #[test]
    fn regression_every_decoder_refuses_trailing_bytes_unless_a_reserved_flag_is_set() {
        use Characteristic as C;
        // (characteristic, a minimal valid value, the flags byte with a reserved bit set)
        let cases: [(Characteristic, &[u8], u8); 9] = [
            (C::HeartRateMeasurement, &[0x00, 60], 0x20),
            (
                C::BloodPressureMeasurement,
                &[0x00, 0x79, 0, 0x51, 0, 0x5F, 0],
                0x20,
            ),
            (
                C::IntermediateCuffPressure,
                &[0x00, 0x96, 0, 0xFF, 0x07, 0xFF, 0x07],
                0x20,
            ),
            (
                C::TemperatureMeasurement,
                &[0x00, 0x6C, 0x01, 0x00, 0xFF],
                0x08,
            ),
            (
                C::IntermediateTemperature,
                &[0x00, 0x6C, 0x01, 0x00, 0xFF],
                0x08,
            ),
            (
                C::GlucoseMeasurement,
                &[0x00, 1, 0, 0xEA, 0x07, 12, 2, 12, 0, 0],
                0x20,
            ),
            (C::PlxSpotCheck, &[0x00, 0x61, 0x00, 0x48, 0x00], 0x20),
            (C::PlxContinuous, &[0x00, 0x62, 0x00, 0x3C, 0x00], 0x20),
            (C::WeightMeasurement, &[0x00, 0xA4, 0x38], 0x10),
        ];
        for (characteristic, valid, reserved) in cases {
            assert!(decode(characteristic, valid).is_ok(), "{characteristic:?}");
            let mut longer = valid.to_vec();
            longer.push(0xAA);
            assert_eq!(
                decode(characteristic, &longer),
                Err(DecodeError::TrailingBytes { count: 1 }),
                "{characteristic:?}"
            );
            longer[0] |= reserved;
            assert!(
                decode(characteristic, &longer).is_ok(),
                "{characteristic:?}"
            );
        }
        // The context grows only through its Extended Flags, all of them reserved.
        assert_eq!(
            decode(C::GlucoseMeasurementContext, &[0x00, 1, 0, 0xAA]),
            Err(DecodeError::TrailingBytes { count: 1 })
        );
        assert!(decode(C::GlucoseMeasurementContext, &[0x80, 1, 0, 0x01, 0xAA]).is_ok());
        assert!(decode(C::GlucoseMeasurementContext, &[0x80, 1, 0, 0x00, 0xAA]).is_err());
    }

    #[test]
    fn a_cgm_measurement_is_decoded_with_what_the_connection_learnt() {
        use Characteristic as C;
        let mut context = Context::default();
        // Features: E2E-CRC supported.
        let mut features = vec![0x00, 0x10, 0x00, 0x59];
        features.extend(cgm::e2e_crc(&features).to_le_bytes());
        context.learn(&decode(C::CgmFeature, &features).unwrap());
        assert!(context.cgm_e2e_crc);
        let mut start = vec![0xEA, 0x07, 12, 4, 8, 0, 0, 0x00, 0x00];
        start.extend(cgm::e2e_crc(&start).to_le_bytes());
        context.learn(&decode_with(C::CgmSessionStartTime, &start, &context).unwrap());
        let mut record = vec![0x08, 0x00, 0x64, 0x00, 0x05, 0x00];
        record.extend(cgm::e2e_crc(&record).to_le_bytes());
        let Measurement::Cgm(m) = decode_with(C::CgmMeasurement, &record, &context).unwrap() else {
            panic!("a CGM measurement")
        };
        assert_eq!(m.records[0].time_offset, 5);
        assert_eq!(m.session, context.cgm_session);
        // Without the context the CRC reads as two unexplained bytes.
        assert!(decode(C::CgmMeasurement, &record).is_err());
    }
}
