//! Fuzz target: `cargo +nightly fuzz run grpc_request` (from `fuzz/`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| clusterdb_api::fuzzing::grpc_request(data));
