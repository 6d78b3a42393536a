//! Bodies of the fuzz targets in `fuzz/`: every parser of untrusted bytes.
//! Each must return (an error is fine) and never panic, whatever the input.
//! They also run as ordinary tests over a corpus (`tests/it/fuzz_bodies.rs`).

use clusterdb_storage::EventRecord;

use crate::compute::{FleetKind, FunctionKind, InstanceKind};
use crate::list::{ListOptions, Query};

/// A stored object record of every kind.
pub fn stored_object(data: &[u8]) {
    use crate::identity::{ApiKeyKind, GroupKind, OAuthClientKind, UserKind};
    let _ = crate::codec::decode_object::<FleetKind>(data, 1);
    let _ = crate::codec::decode_object::<InstanceKind>(data, 1);
    let _ = crate::codec::decode_object::<FunctionKind>(data, 1);
    let _ = crate::codec::decode_object::<UserKind>(data, 1);
    let _ = crate::codec::decode_object::<GroupKind>(data, 1);
    let _ = crate::codec::decode_object::<ApiKeyKind>(data, 1);
    let _ = crate::codec::decode_object::<OAuthClientKind>(data, 1);
}

/// A bearer credential as a client sends it: an access token (compact
/// JWS, header and claims checks) and an API key.
pub fn credential(data: &[u8]) {
    crate::identity::fuzz_access_token(data);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = crate::identity::parse_key(text);
    }
}

/// A stored event record.
pub fn stored_event(data: &[u8]) {
    let record = EventRecord {
        revision: 1,
        index: 0,
        payload: data.to_vec(),
    };
    let _ = crate::event::decode_event(&record);
}

/// Function code as a client uploads it (a WebAssembly module or text):
/// parsed, validated and checked by the wasm runtime.
#[cfg(feature = "wasm")]
pub fn function_code(data: &[u8]) {
    use crate::compute::FunctionRuntime as _;
    static RUNTIME: std::sync::OnceLock<crate::compute::WasmRuntime> = std::sync::OnceLock::new();
    let _ = RUNTIME
        .get_or_init(crate::compute::WasmRuntime::new)
        .prepare_code(data, "_start");
}

/// A Prometheus text exposition as a service pushes it, and a stored
/// metrics block.
pub fn metrics_text(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let _ = crate::monitoring::parse_exposition(&text, "fuzz");
    let _ = crate::monitoring::decode_block(data);
}

/// A page token as a client sends it.
pub fn page_token(data: &[u8]) {
    let token = String::from_utf8_lossy(data);
    let _ = Query::parse::<FleetKind>(&ListOptions::default().page_token(token.as_ref()));
}
