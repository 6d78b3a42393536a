//! Fuzz target: `cargo +nightly fuzz run rest_body` (from `fuzz/`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| clusterdb_api::fuzzing::rest_body(data));
