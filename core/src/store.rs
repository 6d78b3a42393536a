//! [`Store`]: the handle every service of one open database shares — the
//! storage engine, the validation context and the compute domain's
//! in-process state. The bottom of core's module graph: it imports no
//! service.

use std::sync::Arc;

use clusterdb_storage::Engine;
use tokio::sync::watch;

use crate::compute::{FunctionLimits, InvocationStats};
use crate::kinds::KindRegistry;
use crate::validation::Context;

/// State shared by every service of one open database.
pub(crate) struct Store {
    /// The storage engine; every key written to it is made in `keys.rs`.
    pub engine: Arc<dyn Engine>,
    /// What validation consults.
    pub context: Context,
    /// The kinds this database reads and writes.
    pub kinds: Arc<KindRegistry>,
    /// Function invocation counters and running invocations (in memory,
    /// per process).
    pub invocations: InvocationStats,
    /// Server-wide function limits.
    pub function_limits: FunctionLimits,
    /// Recently authenticated credentials.
    pub principals: crate::identity::PrincipalCache,
    /// The mesh index last built.
    pub mesh: crate::mesh::IndexCache,
    /// The metrics history's series and unflushed samples.
    pub history: crate::monitoring::History,
    /// `Some(reason)` once the database has failed for good: its engine
    /// failed, or a background task panicked.
    pub failure: watch::Sender<Option<String>>,
    /// The fleet reconciler's saved cursor, as this process last read or
    /// wrote it (unknown until its reconciler runs here).
    pub reconciler_cursor: KnownRevision,
    /// The oldest revision the event log keeps, as the last retention step
    /// here found it.
    pub oldest_event: KnownRevision,
    /// This process's current term as leader of the background work, if
    /// it leads.
    pub leadership: watch::Sender<Option<crate::leader::Leader>>,
}

/// A revision known in memory, or not yet known.
#[derive(Debug)]
pub(crate) struct KnownRevision(std::sync::atomic::AtomicU64);

impl Default for KnownRevision {
    fn default() -> Self {
        KnownRevision(std::sync::atomic::AtomicU64::new(u64::MAX))
    }
}

impl KnownRevision {
    /// Records the revision.
    pub fn publish(&self, revision: u64) {
        self.0.store(revision, std::sync::atomic::Ordering::Relaxed);
    }

    /// The revision, if recorded.
    pub fn get(&self) -> Option<u64> {
        let revision = self.0.load(std::sync::atomic::Ordering::Relaxed);
        (revision != u64::MAX).then_some(revision)
    }
}

impl Store {
    /// Records a failure for good (the first reason wins) and logs it.
    pub fn fail(&self, reason: String) {
        self.failure.send_if_modified(|current| {
            if current.is_some() {
                return false;
            }
            tracing::error!(%reason, "the database has failed");
            *current = Some(reason);
            true
        });
    }
}
