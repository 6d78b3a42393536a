//! Fuzz target: `cargo +nightly fuzz run function_code` (from `fuzz/`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| clusterdb::fuzzing::function_code(data));
