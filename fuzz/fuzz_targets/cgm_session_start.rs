//! Fuzzes CgmSessionStartTime, with the CRC on or off by the first byte: decode, then (on success) readings → assess →
//! FHIR Observation round trip; see `hale_fuzz::check`.
#![no_main]

use hale_domain::device::Characteristic;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| hale_fuzz::check_cgm(Characteristic::CgmSessionStartTime, data));
