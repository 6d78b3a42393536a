//! Fuzz target: `cargo +nightly fuzz run list_query` (from `fuzz/`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| clusterdb_api::fuzzing::list_query(data));
