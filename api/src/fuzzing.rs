//! Bodies of the fuzz targets in `fuzz/`: every parser of untrusted input
//! at the API edge. Each must return (an error is fine) and never panic.
//! They also run as ordinary tests over a corpus (`tests/it/fuzz_bodies.rs`).

use axum::http::{HeaderMap, HeaderValue, header};
use clusterdb_proto::compute::v1 as pb;
use prost::Message;

use crate::grpc::convert::{FunctionFields, fleet_draft, instance_draft, list_options};
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
    let _ = ListQuery::parse(Some(&String::from_utf8_lossy(data)), &["fleet_id"]);
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
        let _ = crate::rest::idempotency::key_of(&headers);
    }
}

/// gRPC request messages and their conversion to core drafts.
pub fn grpc_request(data: &[u8]) {
    if let Ok(r) = pb::CreateFleetRequest::decode(data) {
        let _ = fleet_draft(r.name, r.description, r.capacity, r.instance_type, r.tags);
    }
    if let Ok(r) = pb::CreateInstanceRequest::decode(data) {
        let _ = instance_draft(r.name, r.instance_type, r.tags);
    }
    if let Ok(r) = pb::CreateFunctionRequest::decode(data) {
        let _: clusterdb::Draft<clusterdb::FunctionSpec> = FunctionFields::from(r).into();
    }
    if let Ok(r) = pb::UpdateFunctionRequest::decode(data) {
        let (_, fields, _) = crate::grpc::convert::function_update(r);
        let _: clusterdb::Draft<clusterdb::FunctionSpec> = fields.into();
    }
    if let Ok(r) = pb::ListInstancesRequest::decode(data) {
        let _ = list_options(r.page_size, r.page_token, r.tags);
    }
    let _ = pb::UpdateFleetRequest::decode(data);
    let _ = pb::InvokeFunctionRequest::decode(data);
}
