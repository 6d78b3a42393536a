//! ClusterDB: a control-plane database — the system of record for a
//! cluster's state, with an ordered event log — usable in-process.
//!
//! Exports: every kind lives in its domain module (`compute`, `identity`,
//! `mesh`, `monitoring`, `webhooks`) with its spec, status and service;
//! the crate root re-exports every kind type (`FleetKind`, `UserKind`,
//! `VirtualServiceKind`, …) beside the generic machinery (`Resources`,
//! `Kind`, `Draft`, …), and, as before, the compute domain's main types.
//!
//! Open a [`ClusterDb`] on a data file ([`ClusterDb::open`]), in memory
//! ([`ClusterDb::open_in_memory`]) or on any storage engine
//! ([`ClusterDb::open_with`]), then use its typed services:
//! [`ClusterDb::fleets`], [`ClusterDb::instances`], [`ClusterDb::functions`]
//! and [`ClusterDb::events`].
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> clusterdb::Result<()> {
//! use clusterdb::{ClusterDb, Draft, FleetSpec, ListOptions};
//!
//! let db = ClusterDb::open_in_memory().await?;
//! let spec = FleetSpec {
//!     description: "Web application fleet".into(),
//!     capacity: 3,
//!     instance_type: "t3.medium".into(),
//! };
//! let fleet = db
//!     .fleets()
//!     .create(Draft::new("web-fleet", spec).tag("environment", "production"))
//!     .await?;
//! assert!(fleet.id().starts_with("fleet-"));
//! let page = db.fleets().list(&ListOptions::default().tag("environment", "production")).await?;
//! assert_eq!(page.items[0].name(), "web-fleet");
//! # Ok(()) }
//! ```

mod actor;
pub mod backup;
mod builtin;
mod codec;
pub mod compute;
mod db;
mod error;
mod event;
#[doc(hidden)]
pub mod fuzzing;
mod idempotency;
pub mod identity;
mod keys;
mod kind;
mod leader;
mod list;
mod markers;
pub mod mesh;
mod meta;
pub mod monitoring;
mod reconciler;
mod references;
mod registry;
mod resources;
mod retention;
mod seal;
mod sealing;
mod store;
mod timestamp;
mod txn;
mod validation;
pub mod webhooks;

pub use clusterdb_storage as storage;
pub use clusterdb_storage::freshness;
pub use clusterdb_storage::{Freshness, ReadCacheOptions, ReadCacheStats};
pub use compute::{
    Fleet, FleetKind, FleetSpec, FleetState, FleetStatus, Function, FunctionKind, FunctionRuntime,
    FunctionSpec, Instance, InstanceKind, InstanceSpec, InstanceState, InstanceTypeCatalog,
    Invocation, NativeRuntime,
};
pub use db::{Builder, ClusterDb};
// Every kind type at the root too (each is also in its domain module).
pub use error::{Error, ErrorCode, Result};
pub use event::{Event, Events, MAX_EVENT_PAGE, Subscription};
pub use idempotency::{IdempotencyPage, IdempotencyRecord, IdempotencyRecords};
pub use identity::{ApiKeyKind, GroupKind, OAuthClientKind, UserKind};
pub use kind::{Draft, Kind, Object, OnDelete, Reference};
pub use leader::{LEASE_TTL, Leader};
pub use list::{
    DEFAULT_PAGE_SIZE, Filter, ListOptions, ListPage, MAX_FILTERS, MAX_PAGE_BYTES, MAX_PAGE_SIZE,
};
pub use mesh::{SecurityPolicyKind, VirtualServiceKind};
pub use meta::{
    DEFAULT_NAMESPACE, MAX_NAME_LEN, MAX_NAMESPACE_LEN, MAX_TAG_KEY_LEN, MAX_TAG_VALUE_LEN,
    MAX_TAGS, Meta, SYSTEM_ACTOR, Tags, validate_tag_key,
};
pub use monitoring::{AlertKind, AlertRuleKind, SilenceKind};
pub use references::MAX_REFERRERS;
pub use resources::{Applied, ApplyOutcome, Resources};
pub use retention::{EVENTS_PER_STEP, INSTANCES_PER_STEP, RetentionPolicy, RetentionReport};
pub use seal::MasterKey;
pub use sealing::default_key_file;
pub use timestamp::Timestamp;
pub use validation::{Context, MAX_DESCRIPTION_LEN};
pub use webhooks::WebhookKind;

/// The README's Rust examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
