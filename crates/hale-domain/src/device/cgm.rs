//! Continuous Glucose Monitoring Service 1.0.1: CGM Measurement (0x2AA7), CGM Feature (0x2AA8)
//! and CGM Session Start Time (0x2AAA), with the E2E-CRC that protects each when the sensor
//! supports it.
//!
//! A CGM reading carries no time of its own: its Time Offset counts minutes since the session
//! started, and the session start is read once per connection. One notification may carry
//! several measurement records, each led by its own size.

use chrono::{DateTime, Duration, FixedOffset, NaiveDateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use super::bytes::Bytes;
use super::glucose::{SampleLocation, SampleType};
use super::numeric::Numeric;
use super::validity::{self, NotPatientData};
use super::DecodeError;

/// The CRC the CGM Service puts at the end of each value (CGMS 1.0.1 §2.6): CRC-CCITT,
/// polynomial x¹⁶ + x¹² + x⁵ + 1, seed 0xFFFF, bits taken least significant first (the
/// reflected form, also known as CRC-16/MCRF4XX), sent little-endian.
pub fn e2e_crc(data: &[u8]) -> u16 {
    let mut crc: u16 = 0xFFFF;
    for byte in data {
        crc ^= u16::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0x8408
            } else {
                crc >> 1
            };
        }
    }
    crc
}

/// Reads the E2E-CRC after the fields read so far and checks it covers them.
fn check_crc(bytes: &mut Bytes<'_>) -> Result<(), DecodeError> {
    let expected = e2e_crc(bytes.consumed());
    let sent = bytes.u16("E2E-CRC")?;
    if sent == expected {
        Ok(())
    } else {
        Err(DecodeError::Unexpected {
            field: "E2E-CRC",
            value: u32::from(sent),
        })
    }
}

/// One CGM measurement record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CgmRecord {
    /// Glucose concentration in mg/dL.
    pub glucose: Numeric,
    /// Minutes since the session started; the record's identity within a session, and the
    /// filter the control point downloads stored records by.
    pub time_offset: u16,
    /// The Sensor Status Annunciation as one 24-bit field (Status octet bits 0–7, Cal/Temp
    /// octet bits 8–15, Warning octet bits 16–23); octets not sent read as zero.
    pub status: u32,
    /// Rate of change in (mg/dL)/min.
    pub trend: Option<Numeric>,
    /// Quality in percent.
    pub quality: Option<Numeric>,
}

impl CgmRecord {
    /// Why this is not patient data, if the sensor says it is not.
    pub fn not_patient_data(&self) -> Option<NotPatientData> {
        validity::cgm(self.status)
    }

    /// The concentration in mmol/L (the clinical unit Hale stores), if the sensor gave a number.
    pub fn mmol_per_l(&self) -> Option<f64> {
        self.glucose
            .value()
            .map(|mg_dl| mg_dl * 10.0 / super::glucose::GLUCOSE_G_PER_MOL)
    }
}

const TREND: u8 = 0x01;
const QUALITY: u8 = 0x02;
/// Flags bits 2–4, reserved for future use.
const RESERVED: u8 = 0x1C;
const WARNING_OCTET: u8 = 0x20;
const CAL_TEMP_OCTET: u8 = 0x40;
const STATUS_OCTET: u8 = 0x80;

/// The size of a record with no optional field and no CRC: size, flags, glucose, time offset.
const MIN_RECORD: usize = 6;

/// Decodes a CGM Measurement notification: one or more records, each led by its size (which
/// counts the size byte itself and the CRC). `e2e_crc` is whether the sensor's CGM Feature says
/// it sends an E2E-CRC; a record whose CRC does not match is an error.
pub fn decode_measurement(data: &[u8], e2e_crc: bool) -> Result<Vec<CgmRecord>, DecodeError> {
    let mut records = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        let size = usize::from(rest[0]);
        if size < MIN_RECORD {
            return Err(DecodeError::Unexpected {
                field: "CGM record size",
                value: u32::from(rest[0]),
            });
        }
        let Some(record) = rest.get(..size) else {
            return Err(DecodeError::Truncated {
                field: "CGM record",
                offset: data.len() - rest.len(),
                needed: size,
                length: data.len(),
            });
        };
        records.push(decode_record(record, e2e_crc)?);
        rest = &rest[size..];
    }
    if records.is_empty() {
        return Err(DecodeError::Truncated {
            field: "CGM record size",
            offset: 0,
            needed: 1,
            length: 0,
        });
    }
    Ok(records)
}

/// One record of exactly its stated size.
fn decode_record(record: &[u8], e2e_crc: bool) -> Result<CgmRecord, DecodeError> {
    let mut bytes = Bytes::new(record);
    let _size = bytes.u8("size")?;
    let flags = bytes.u8("flags")?;
    let glucose = bytes.sfloat("glucose concentration")?.decode();
    let time_offset = bytes.u16("time offset")?;
    // The annunciation octets follow in this order when present (CGMS 1.0.1 §3.2.1.4).
    let mut status = 0u32;
    if flags & STATUS_OCTET != 0 {
        status |= u32::from(bytes.u8("status octet")?);
    }
    if flags & CAL_TEMP_OCTET != 0 {
        status |= u32::from(bytes.u8("cal/temp octet")?) << 8;
    }
    if flags & WARNING_OCTET != 0 {
        status |= u32::from(bytes.u8("warning octet")?) << 16;
    }
    let trend = if flags & TREND != 0 {
        Some(bytes.sfloat("trend")?.decode())
    } else {
        None
    };
    let quality = if flags & QUALITY != 0 {
        Some(bytes.sfloat("quality")?.decode())
    } else {
        None
    };
    let crc_len = if e2e_crc { 2 } else { 0 };
    if flags & RESERVED != 0 {
        // A later version's fields sit between the known ones and the CRC: skip them.
        let extra = bytes.remaining().saturating_sub(crc_len);
        bytes.skip(extra, "reserved fields")?;
    }
    if e2e_crc {
        check_crc(&mut bytes)?;
    }
    bytes.finish(false)?;
    Ok(CgmRecord {
        glucose,
        time_offset,
        status,
        trend,
        quality,
    })
}

/// What the sensor says it can do (CGM Feature, 0x2AA8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CgmFeatures {
    /// The 24 feature bits.
    pub features: u32,
    pub sample_type: SampleType,
    pub location: SampleLocation,
}

/// CGM Feature bit 12: the sensor protects its values with an E2E-CRC.
pub const FEATURE_E2E_CRC: u32 = 1 << 12;

impl CgmFeatures {
    pub fn e2e_crc(&self) -> bool {
        self.features & FEATURE_E2E_CRC != 0
    }
}

/// Decodes CGM Feature: 24 feature bits, the type and sample location (type in the low
/// nibble), and an E2E-CRC that is checked when the features say it is supported and is
/// 0xFFFF otherwise.
pub fn decode_features(data: &[u8]) -> Result<CgmFeatures, DecodeError> {
    let mut bytes = Bytes::new(data);
    let features = bytes.u24("CGM feature")?;
    let type_location = bytes.u8("type-sample location")?;
    let found = CgmFeatures {
        features,
        sample_type: SampleType::from_code(type_location & 0x0F),
        location: SampleLocation::from_code(type_location >> 4),
    };
    if found.e2e_crc() {
        check_crc(&mut bytes)?;
    } else {
        // The field is always there; without the feature it must read 0xFFFF.
        let field = bytes.u16("E2E-CRC")?;
        if field != 0xFFFF {
            return Err(DecodeError::Unexpected {
                field: "E2E-CRC without the feature",
                value: u32::from(field),
            });
        }
    }
    bytes.finish(false)?;
    Ok(found)
}

/// When the sensor's session started (CGM Session Start Time, 0x2AAA).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionStart {
    /// The start on the sensor's clock; `None` when the sensor does not know it.
    pub local: Option<NaiveDateTime>,
    /// The sensor clock's offset from UTC in minutes (time zone plus daylight saving), when the
    /// sensor knows both.
    pub utc_offset_min: Option<i32>,
}

impl SessionStart {
    /// The start as an instant: by the sensor's own offset where it gave one, else read on the
    /// patient's zone (the zone the collector set the sensor's clock in).
    pub fn instant<Tz: TimeZone>(&self, zone: &Tz) -> Option<DateTime<Utc>> {
        let local = self.local?;
        match self.utc_offset_min {
            Some(minutes) => FixedOffset::east_opt(minutes * 60)?
                .from_local_datetime(&local)
                .single()
                .map(|at| at.with_timezone(&Utc)),
            None => zone
                .from_local_datetime(&local)
                .earliest()
                .map(|at| at.with_timezone(&Utc)),
        }
    }

    /// The session's name, as the sensor states its start. A new sensor session has a new
    /// name, and its time offsets count from 0 again: stored records are then downloaded from
    /// the start, whatever offset the last session reached. `None` when the start is unknown.
    pub fn id(&self) -> Option<String> {
        let local = self.local?.format("%Y%m%dT%H%M%S");
        // East or west of UTC as a letter: a '+' would read as a space in the conditional
        // create's query string that carries the reading key.
        Some(match self.utc_offset_min {
            Some(minutes) if minutes >= 0 => format!("{local}e{minutes}"),
            Some(minutes) => format!("{local}w{}", minutes.unsigned_abs()),
            None => local.to_string(),
        })
    }

    /// The instant of a record `time_offset` minutes into this session.
    pub fn at<Tz: TimeZone>(&self, time_offset: u16, zone: &Tz) -> Option<DateTime<Utc>> {
        Some(self.instant(zone)? + Duration::minutes(i64::from(time_offset)))
    }
}

/// Time Zone "unknown" (GSS §3.231).
const TIME_ZONE_UNKNOWN: i8 = -128;
/// DST Offset "unknown" (GSS §3.72).
const DST_UNKNOWN: u8 = 255;

/// Decodes CGM Session Start Time: Date Time, Time Zone (sint8, 15-minute steps), DST Offset
/// (uint8, 15-minute steps: 0, 2, 4 or 8), then the E2E-CRC if the sensor supports it.
pub fn decode_session_start(data: &[u8], e2e_crc: bool) -> Result<SessionStart, DecodeError> {
    let mut bytes = Bytes::new(data);
    let local = bytes.date_time("session start time")?;
    let time_zone = bytes.u8("time zone")? as i8;
    let dst = bytes.u8("DST offset")?;
    if e2e_crc {
        check_crc(&mut bytes)?;
    }
    bytes.finish(false)?;
    let zone_known = time_zone != TIME_ZONE_UNKNOWN && (-48..=56).contains(&time_zone);
    let dst_minutes = match dst {
        0 => Some(0),
        2 => Some(30),
        4 => Some(60),
        8 => Some(120),
        DST_UNKNOWN => None,
        other => {
            return Err(DecodeError::Unexpected {
                field: "DST offset",
                value: u32::from(other),
            })
        }
    };
    Ok(SessionStart {
        local,
        utc_offset_min: dst_minutes
            .filter(|_| zone_known)
            .map(|dst| i32::from(time_zone) * 15 + dst),
    })
}

/// A CGM Measurement notification with the session it belongs to, as the device service hands
/// it on: the records, and the session start read at connection (`None` when unknown).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CgmMeasurement {
    pub records: Vec<CgmRecord>,
    pub session: Option<SessionStart>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A record as a sensor sends it, with its size and, if asked, its CRC.
    fn record(flags: u8, fields: &[u8], crc: bool) -> Vec<u8> {
        let size = 2 + fields.len() + if crc { 2 } else { 0 };
        let mut out = vec![size as u8, flags];
        out.extend_from_slice(fields);
        if crc {
            let c = e2e_crc(&out);
            out.extend_from_slice(&c.to_le_bytes());
        }
        out
    }

    #[test]
    fn the_e2e_crc_is_crc_ccitt_seeded_with_ffff_least_significant_bit_first() {
        // The CRC-16/MCRF4XX check value: "123456789" gives 0x6F91.
        assert_eq!(e2e_crc(b"123456789"), 0x6F91);
        assert_eq!(e2e_crc(&[]), 0xFFFF);
    }

    #[test]
    fn one_record_without_options() {
        // 100 mg/dL at 15 minutes.
        let r = decode_measurement(&record(0x00, &[0x64, 0x00, 0x0F, 0x00], false), false).unwrap();
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].glucose, Numeric::Value(100.0));
        assert_eq!(r[0].time_offset, 15);
        assert_eq!((r[0].status, r[0].trend, r[0].quality), (0, None, None));
        assert!((r[0].mmol_per_l().unwrap() - 5.55).abs() < 0.01);
    }

    #[test]
    fn every_option_and_a_checked_crc() {
        let fields = [
            0x5A, 0x00, // 90 mg/dL
            0x1E, 0x00, // 30 minutes
            0x01, // status octet: session stopped
            0x08, // cal/temp octet: calibration required
            0x40, // warning octet: lower than the device can process
            0xFE, 0x0F, // trend -2 (mg/dL)/min
            0x5F, 0x00, // quality 95 %
        ];
        let data = record(0xE3, &fields, true);
        let r = decode_measurement(&data, true).unwrap();
        assert_eq!(r[0].status, 0x40_08_01);
        assert_eq!(r[0].trend, Some(Numeric::Value(-2.0)));
        assert_eq!(r[0].quality, Some(Numeric::Value(95.0)));
        assert_eq!(r[0].not_patient_data(), Some(NotPatientData::Invalid));

        let mut corrupted = data.clone();
        corrupted[2] ^= 0x01;
        assert!(matches!(
            decode_measurement(&corrupted, true),
            Err(DecodeError::Unexpected {
                field: "E2E-CRC",
                ..
            })
        ));
    }

    #[test]
    fn several_records_in_one_notification() {
        let mut data = record(0x00, &[0x64, 0x00, 0x01, 0x00], true);
        data.extend(record(0x01, &[0x66, 0x00, 0x02, 0x00, 0x02, 0x00], true));
        data.extend(record(0x00, &[0x68, 0x00, 0x03, 0x00], true));
        let r = decode_measurement(&data, true).unwrap();
        let offsets: Vec<u16> = r.iter().map(|r| r.time_offset).collect();
        assert_eq!(offsets, vec![1, 2, 3]);
        assert_eq!(r[1].trend, Some(Numeric::Value(2.0)));
    }

    #[test]
    fn sizes_that_do_not_fit_are_errors() {
        // A size below the smallest record, a size past the end, and a record whose size leaves
        // bytes its flags do not account for.
        assert!(decode_measurement(&[0x05, 0x00, 0x64, 0x00, 0x01], false).is_err());
        assert!(decode_measurement(&[0x08, 0x00, 0x64, 0x00, 0x01, 0x00], false).is_err());
        assert_eq!(
            decode_measurement(&[0x07, 0x00, 0x64, 0x00, 0x01, 0x00, 0xAA], false),
            Err(DecodeError::TrailingBytes { count: 1 })
        );
        // Flags promise a trend the size has no room for.
        assert!(decode_measurement(&[0x06, 0x01, 0x64, 0x00, 0x01, 0x00], false).is_err());
        assert!(decode_measurement(&[], false).is_err());
        // With the CRC feature on, a record without a CRC is cut short.
        assert!(decode_measurement(&record(0x00, &[0x64, 0x00, 0x01, 0x00], false), true).is_err());
    }

    #[test]
    fn a_reserved_flag_lets_a_later_versions_field_through() {
        let data = record(0x04, &[0x64, 0x00, 0x01, 0x00, 0xAA, 0xBB], true);
        assert_eq!(decode_measurement(&data, true).unwrap()[0].time_offset, 1);
    }

    #[test]
    fn features_with_and_without_the_crc() {
        // E2E-CRC supported (bit 12), interstitial fluid (9) on the subcutaneous tissue (5).
        let mut data = vec![0x00, 0x10, 0x00, 0x59];
        data.extend(e2e_crc(&data).to_le_bytes());
        let f = decode_features(&data).unwrap();
        assert!(f.e2e_crc());
        assert_eq!(f.sample_type, SampleType::InterstitialFluid);
        let mut wrong = data.clone();
        wrong[4] ^= 0xFF;
        assert!(decode_features(&wrong).is_err());
        // Without the feature the CRC field is 0xFFFF and not checked.
        let f = decode_features(&[0x00, 0x00, 0x00, 0x59, 0xFF, 0xFF]).unwrap();
        assert!(!f.e2e_crc());
        assert!(decode_features(&[0x00, 0x00, 0x00, 0x59]).is_err());
    }

    #[test]
    fn session_start_in_its_own_zone() {
        // 2026-12-04 08:00:00, time zone +4 (+1 h), DST 0.
        let data = [0xEA, 0x07, 12, 4, 8, 0, 0, 0x04, 0x00];
        let s = decode_session_start(&data, false).unwrap();
        assert_eq!(s.utc_offset_min, Some(60));
        let utc = s.instant(&Utc).unwrap();
        assert_eq!(utc.to_rfc3339(), "2026-12-04T07:00:00+00:00");
        assert_eq!(
            s.at(90, &Utc).unwrap().to_rfc3339(),
            "2026-12-04T08:30:00+00:00"
        );
        // With a CRC, checked.
        let mut with_crc = data.to_vec();
        with_crc.extend(e2e_crc(&data).to_le_bytes());
        assert_eq!(decode_session_start(&with_crc, true).unwrap(), s);
        assert_eq!(s.id().as_deref(), Some("20261204T080000e60"));
        with_crc[9] ^= 1;
        assert!(decode_session_start(&with_crc, true).is_err());
    }

    #[test]
    fn session_start_with_unknown_zone_reads_on_the_patients_zone() {
        let data = [0xEA, 0x07, 12, 4, 8, 0, 0, 0x80, 0xFF];
        let s = decode_session_start(&data, false).unwrap();
        assert_eq!(s.utc_offset_min, None);
        let zone = FixedOffset::east_opt(2 * 3600).unwrap();
        assert_eq!(
            s.instant(&zone).unwrap().to_rfc3339(),
            "2026-12-04T06:00:00+00:00"
        );
        // An unknown start (year 0) places nothing.
        let s = decode_session_start(&[0, 0, 0, 0, 0, 0, 0, 0x00, 0x00], false).unwrap();
        assert_eq!(s.instant(&Utc), None);
        // A DST offset the specification does not define is an error.
        assert!(decode_session_start(&[0xEA, 0x07, 12, 4, 8, 0, 0, 0, 3], false).is_err());
        assert!(decode_session_start(&[0xEA, 0x07, 12, 4, 8, 0, 0, 0, 0, 9], false).is_err());
    }
}
