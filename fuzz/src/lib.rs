//! The checks the fuzz targets run. The Bluetooth targets: decode one characteristic value and, when it decodes, take
//! it the whole way a notification goes in the app — readings, threshold assessment, and the FHIR
//! Observation relayed to the hospital and read back by the server.
//!
//! The contract fuzzed is the one `hale_domain::device` documents: every byte string gives a
//! measurement or a `DecodeError`, never a panic. Beyond "no panic", the check asserts what the
//! rest of the app relies on and a decoder bug would break:
//! - a decoded `Measurement` survives its JSON round trip (it crosses IPC as JSON), floats to
//!   within serde_json's parsing error (see [`same_f64`]);
//! - every reading carries only finite values;
//! - every reading's Observation survives JSON and `to_reading()` accepts it, giving back the
//!   same key, device, kind, time and values (the server validates uploads with `to_reading`,
//!   so a reading it rejects would never reach the hospital).
//!
//! Any failed assertion is a crash to libFuzzer, like a panic in a decoder; the panic message
//! says which.

pub mod ingest;
pub mod ipc;

use chrono::{DateTime, FixedOffset, TimeZone, Utc};
use hale_domain::device::{
    self, reading::readings, Characteristic, Context, Measurement, Reading, Thresholds,
};
use hale_fhir::Observation;
use serde_json::Value;

/// The device id readings are keyed by (a Bluetooth address).
const DEVICE: &str = "AA:BB:CC:DD:EE:FF";

/// The receipt time every reading is computed against (fixed so runs are reproducible).
fn received() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 2, 7, 0, 0)
        .single()
        .expect("a valid fixed time")
}

/// Decodes `data` as a value of `characteristic` and checks everything downstream.
pub fn check(characteristic: Characteristic, data: &[u8]) {
    check_with(characteristic, data, &Context::default());
}

/// The CGM characteristics are decoded with what the connection learnt: the first input byte
/// says whether the sensor sends E2E-CRCs (its low bit) and whether a session start is known
/// (the next bit, then read from the following 9 bytes as a Session Start Time), the rest is
/// the value.
pub fn check_cgm(characteristic: Characteristic, data: &[u8]) {
    let Some((&head, rest)) = data.split_first() else {
        return;
    };
    let mut context = Context {
        cgm_e2e_crc: head & 1 != 0,
        cgm_session: None,
    };
    let mut value = rest;
    if head & 2 != 0 && rest.len() >= 9 {
        if let Ok(start) = device::cgm::decode_session_start(&rest[..9], false) {
            context.cgm_session = Some(start);
        }
        value = &rest[9..];
    }
    check_with(characteristic, value, &context);
}

fn check_with(characteristic: Characteristic, data: &[u8], context: &Context) {
    let Ok(measurement) = device::decode_with(characteristic, data, context) else {
        return;
    };

    let json = serde_json::to_string(&measurement).expect("a Measurement serialises");
    let back: Measurement = serde_json::from_str(&json).expect("a Measurement deserialises");
    let (sent, received_back) = (
        serde_json::to_value(&measurement).expect("a Measurement is a JSON value"),
        serde_json::to_value(&back).expect("a Measurement is a JSON value"),
    );
    assert!(
        same_json(&sent, &received_back),
        "Measurement JSON round trip: {measurement:?} became {back:?} via {json}"
    );

    // The device clock is read in the patient's zone: UTC and the two extreme offsets. Zones
    // only change readings that carry a device time; each distinct reading is checked once.
    let received = received();
    let east = FixedOffset::east_opt(14 * 3600).expect("UTC+14");
    let west = FixedOffset::west_opt(12 * 3600).expect("UTC-12");
    for withheld in readings(DEVICE, &measurement, received, &Utc).withheld {
        assert!(
            withheld.values.iter().all(|q| q.value.is_finite() && q.plausible()),
            "a withheld value shown that is no plausible number: {withheld:?}"
        );
    }
    let mut checked: Vec<Reading> = Vec::new();
    for reading in readings(DEVICE, &measurement, received, &Utc)
        .kept
        .into_iter()
        .chain(readings(DEVICE, &measurement, received, &east).kept)
        .chain(readings(DEVICE, &measurement, received, &west).kept)
    {
        if !checked.contains(&reading) {
            check_reading(&reading);
            checked.push(reading);
        }
    }
}

/// One reading: finite values, an assessment, and the Observation relayed and read back.
fn check_reading(reading: &Reading) {
    assert!(!reading.values.is_empty(), "a reading without values");
    for q in &reading.values {
        assert!(q.value.is_finite(), "non-finite value in {reading:?}");
    }
    let interpretation = Thresholds::default()
        .assess(reading)
        .map(|assessment| assessment.interpretation);

    let observation = Observation::from_reading(reading, "p1", "device", interpretation);
    let json = serde_json::to_string(&observation).expect("an Observation serialises");
    let parsed: Observation = serde_json::from_str(&json).expect("an Observation deserialises");
    assert_eq!(parsed.interpretation(), interpretation);
    let relayed = parsed
        .to_reading()
        .unwrap_or_else(|e| panic!("to_reading rejected {json}: {e}"));
    assert_eq!(relayed.key, reading.key);
    assert_eq!(relayed.device, reading.device);
    assert_eq!(relayed.kind, reading.kind);
    assert_eq!(relayed.effective, reading.effective);
    assert_eq!(relayed.values.len(), reading.values.len(), "{json}");
    for (got, sent) in relayed.values.iter().zip(&reading.values) {
        assert_eq!((got.vital, got.unit), (sent.vital, sent.unit), "{json}");
        assert!(
            same_f64(got.value, sent.value),
            "{json}: {} became {}",
            sent.value,
            got.value
        );
    }
}

/// Whether two floats are equal up to serde_json's parsing error. Without its `float_roundtrip`
/// feature (which neither Hale nor this crate enables) serde_json parses a float with a large
/// decimal exponent to within an ulp or so, not exactly: 6.6026e62 comes back as
/// 6.602599999999999e62. Realistic readings (a few digits, small exponents) round-trip exactly.
fn same_f64(a: f64, b: f64) -> bool {
    a == b || (a - b).abs() <= 4.0 * f64::EPSILON * a.abs().max(b.abs())
}

/// JSON equality with floats compared by [`same_f64`].
fn same_json(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) if x.is_f64() || y.is_f64() => {
            matches!((x.as_f64(), y.as_f64()), (Some(x), Some(y)) if same_f64(x, y))
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_json(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_json(v, w)))
        }
        _ => a == b,
    }
}
