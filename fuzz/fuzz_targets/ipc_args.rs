//! Fuzzes the decoding of every IPC command's arguments; see `hale_fuzz::ipc`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| hale_fuzz::ipc::check(data));
