//! The in-process API's integration tests — the same modules as `tests/it`
//! — on the etcd engine, each database on its own etcd member.

/// The engine these tests run on.
pub const ENGINE: support::EngineKind = support::EngineKind::Etcd;

#[path = "../it/backup.rs"]
mod backup;
#[path = "../it/concurrency.rs"]
mod concurrency;
#[path = "../it/crud.rs"]
mod crud;
#[path = "../it/events.rs"]
mod events;
#[path = "../it/functions.rs"]
mod functions;
#[path = "../it/identity.rs"]
mod identity;
#[path = "../it/instances.rs"]
mod instances;
#[path = "../it/kinds.rs"]
mod kinds;
#[path = "../it/monitoring.rs"]
mod monitoring;
#[path = "../it/reconciler.rs"]
mod reconciler;
mod shared_store;
#[path = "../it/support.rs"]
mod support;
#[path = "../it/wasm.rs"]
mod wasm;
#[path = "../it/webhooks.rs"]
mod webhooks;
