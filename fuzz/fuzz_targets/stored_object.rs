//! Fuzz target: `cargo +nightly fuzz run stored_object` (from `fuzz/`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| clusterdb::fuzzing::stored_object(data));
