//! Fuzz target: `cargo +nightly fuzz run headers` (from `fuzz/`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| clusterdb_api::fuzzing::headers(data));
