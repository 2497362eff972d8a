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
    self, reading::readings, Characteristic, Measurement, Reading, Thresholds,
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
    let Ok(measurement) = device::decode(characteristic, data) else {
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
    let mut checked: Vec<Reading> = Vec::new();
    for reading in readings(DEVICE, &measurement, received, &Utc)
        .into_iter()
        .chain(readings(DEVICE, &measurement, received, &east))
        .chain(readings(DEVICE, &measurement, received, &west))
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
