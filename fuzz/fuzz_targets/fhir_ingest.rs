//! Fuzzes the hospital server's first step with an upload: FHIR JSON → Resource → each
//! Observation's reading; see `hale_fuzz::ingest`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| hale_fuzz::ingest::check(data));
