//! Fuzz target: `cargo +nightly fuzz run page_token` (from `fuzz/`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| clusterdb::fuzzing::page_token(data));
