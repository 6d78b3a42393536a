//! The storage contract of ClusterDB and its engines.
//!
//! ClusterDB keeps all state in a small *revisioned key-value store*: every
//! value carries the store revision at which it was last written, reads come
//! from consistent snapshots, and all writes go through one atomic
//! [`Engine::commit`] that checks preconditions, applies puts and deletes, and
//! appends event records — all or nothing. The event log is ordered by
//! revision and can be followed with [`Engine::events_since`] and
//! [`Engine::watch_revision`].
//!
//! Engines:
//! - [`RedbEngine`]: one redb file (or memory), with group commit.
//! - `EtcdEngine` (feature `etcd`): an etcd cluster, shared by many nodes.
//!
//! Values are usually encoded with [`envelope`], a versioned postcard frame.

mod contract;
pub mod envelope;
mod error;
#[cfg(feature = "etcd")]
mod etcd_engine;
pub mod freshness;
pub mod private_file;
mod read_cache;
mod redb_engine;
mod revision;
mod stats;

pub use contract::{
    Change, ChangeFeed, Commit, Engine, Entry, EventRecord, Leadership, Loader, MAX_EVENTS,
    MAX_KEY_LEN, MAX_VALUE_LEN, Op, Page, Precondition, Revision, Snapshot, SnapshotPoint,
};
pub use error::{CommitError, Error, FailedPrecondition};
#[cfg(feature = "etcd")]
pub use etcd_engine::{EtcdEngine, EtcdOptions};
pub use freshness::Freshness;
pub use read_cache::{ReadCache, ReadCacheOptions, ReadCacheStats, VERSION_OVERHEAD, Verification};
pub use redb_engine::{RedbEngine, RedbOptions};
pub use stats::{BATCH_SIZE_BOUNDS, COMMIT_SECONDS_BOUNDS, WriteRecorder, WriteStats};
