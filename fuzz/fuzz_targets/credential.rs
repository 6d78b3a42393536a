//! Fuzz target: `cargo +nightly fuzz run credential` (from `fuzz/`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| clusterdb::fuzzing::credential(data));
