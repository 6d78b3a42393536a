//! Bodies of the fuzz targets in `fuzz/`: every parser of untrusted input
//! at the API edge. Each must return (an error is fine) and never panic.
//! They also run as ordinary tests over a corpus (`tests/it/fuzz_bodies.rs`).

use axum::http::{HeaderMap, HeaderValue, header};
use clusterdb_proto::compute::v1 as pb;
use prost::Message;

use crate::grpc::GrpcKind;
use crate::rest::extract::{ListQuery, parse_if_match, parse_json};
use crate::rest::wire::{FleetInput, FunctionInput, InstanceInput};

/// A REST request body, as every input type.
pub fn rest_body(data: &[u8]) {
    let _ = parse_json::<FleetInput>(data);
    let _ = parse_json::<InstanceInput>(data);
    let _ = parse_json::<FunctionInput>(data);
    let _ = parse_json::<serde_json::Value>(data);
}

/// A list query string.
pub fn list_query(data: &[u8]) {
    let _ = ListQuery::parse(Some(&String::from_utf8_lossy(data)), &["fleet_id"], true);
}

/// The request headers ClusterDB reads: `If-Match`, `Accept`,
/// `Idempotency-Key`.
pub fn headers(data: &[u8]) {
    let _ = parse_if_match(data);
    if let Ok(value) = HeaderValue::from_bytes(data) {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, value.clone());
        headers.insert("idempotency-key", value);
        let _ = crate::rest::version::accept_version(&headers);
        let _ = crate::idempotency::key_of(&headers);
    }
}

/// Every request message of a kind's CRUD, decoded and converted.
fn grpc_kind<K: GrpcKind>(data: &[u8])
where
    K::Create: Message + Default,
    K::Get: Message + Default,
    K::Update: Message + Default,
    K::Delete: Message + Default,
    K::List: Message + Default,
{
    if let Ok(r) = K::Create::decode(data) {
        let _ = K::create(r);
    }
    if let Ok(r) = K::Get::decode(data) {
        let _ = K::get(r);
    }
    if let Ok(r) = K::Update::decode(data) {
        let _ = K::update(r);
    }
    if let Ok(r) = K::Delete::decode(data) {
        let _ = K::delete(r);
    }
    if let Ok(r) = K::List::decode(data) {
        let _ = K::list(r);
    }
}

/// gRPC request messages and their conversion to core drafts.
pub fn grpc_request(data: &[u8]) {
    grpc_kind::<clusterdb::FleetKind>(data);
    grpc_kind::<clusterdb::InstanceKind>(data);
    grpc_kind::<clusterdb::FunctionKind>(data);
    let _ = pb::InvokeFunctionRequest::decode(data);
    let _ = pb::StartInstanceRequest::decode(data);
}
