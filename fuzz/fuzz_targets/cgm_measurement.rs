//! Fuzzes CgmMeasurement, decoded with a fuzzed context (CRC on or off, a session start or none): decode, then (on success) readings → assess →
//! FHIR Observation round trip; see `hale_fuzz::check`.
#![no_main]

use hale_domain::device::Characteristic;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| hale_fuzz::check_cgm(Characteristic::CgmMeasurement, data));
