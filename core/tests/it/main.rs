//! Integration tests of the in-process API, on the redb engine. The etcd
//! binary (`tests/etcd`) runs the engine-independent modules again on etcd.

/// The engine these tests run on.
pub const ENGINE: support::EngineKind = support::EngineKind::Redb;

mod backup;
mod bounds;
mod compat;
mod concurrency;
mod crud;
mod events;
mod functions;
mod fuzz_bodies;
mod grants;
mod identity;
mod instances;
mod kinds;
mod mesh;
mod monitoring;
mod persistence;
mod reconciler;
mod retention;
mod support;
mod wasm;
mod webhooks;
