//! Fuzz target: `cargo +nightly fuzz run metrics_text` (from `fuzz/`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| clusterdb::fuzzing::metrics_text(data));
