//! [`Store`]: the handle every service of one open database shares — the
//! storage engine, the validation context and the compute domain's
//! in-process state. The bottom of core's module graph: it imports no
//! service.

use std::sync::Arc;

use clusterdb_storage::{Commit, CommitError, Engine, Op, Precondition};
use tokio::sync::watch;

use crate::compute::stats::{FunctionLimits, InvocationStats};
use crate::error::Result;
use crate::identity::policy::{Confers, Principal};
use crate::markers::Markers;
use crate::registry::KindRegistry;
use crate::txn::{Txn, TxnError};
use crate::validation::Context;

/// The future of a [`GrantCheck`].
pub(crate) type GrantFuture<'a> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<()>> + Send + 'a>>;

/// Checks that a principal holds all that an object confers (identity's
/// grant rule), naming the object; kept here so the generic write path
/// calls it without importing the identity domain.
pub(crate) type GrantCheck =
    for<'a> fn(&'a Arc<Store>, &'a Principal, Confers, String) -> GrantFuture<'a>;

/// State shared by every service of one open database.
pub(crate) struct Store {
    /// The storage engine (behind the read cache, if on); every key
    /// written to it is made in `keys.rs`.
    pub engine: Arc<dyn Engine>,
    /// The read cache the engine is behind, if on.
    pub read_cache: Option<Arc<clusterdb_storage::ReadCache>>,
    /// The engine's name (`redb`, `etcd`, …), not the read cache's.
    pub engine_name: &'static str,
    /// What validation consults.
    pub context: Context,
    /// The kinds this database reads and writes.
    pub kinds: Arc<KindRegistry>,
    /// Function invocation counters and running invocations (in memory,
    /// per process).
    pub invocations: InvocationStats,
    /// Server-wide function limits.
    pub function_limits: FunctionLimits,
    /// The key the store's secrets are sealed under (held apart from the
    /// store).
    pub master_key: crate::seal::MasterKey,
    /// Identity's grant rule (`identity::check_grant`).
    pub grants: GrantCheck,
    /// Recently authenticated credentials.
    pub principals: crate::identity::cache::PrincipalCache,
    /// The mesh index last built.
    pub mesh: crate::mesh::evaluate::IndexCache,
    /// The change markers' revisions as this process last wrote or read
    /// them.
    pub markers: Markers,
    /// The metrics history's series and unflushed samples.
    pub history: crate::monitoring::history::History,
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
    pub leadership: watch::Sender<Option<Leader>>,
}

/// This process's term as leader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leader {
    /// The fencing token: a commit carrying it as a precondition lands
    /// only while this term lasts.
    pub fence: Precondition,
    /// Counts this process's terms (1 for the first).
    pub term: u64,
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
    /// The revision of the change marker `marker` (0 before its first
    /// write): from memory when this process is the store's sole writer
    /// and has seen it, else read from the store.
    pub async fn marker_revision(&self, marker: &'static str) -> Result<u64> {
        let sole_writer = self.engine.sole_writer();
        if sole_writer && let Some(revision) = self.markers.get(marker) {
            return Ok(revision);
        }
        let revision = self
            .engine
            .get(&crate::keys::marker(marker))
            .await?
            .map_or(0, |entry| entry.mod_revision);
        if sole_writer {
            self.markers.note(marker, revision);
        }
        Ok(revision)
    }

    /// Applies `op` (a put or delete of `key`) on the condition that `key`
    /// is at revision `version` (`None`: absent), with no event — the
    /// conditional write of a system record. The new revision, or `None`
    /// when another writer changed the key first.
    pub async fn write_if(&self, key: &[u8], version: Option<u64>, op: Op) -> Result<Option<u64>> {
        let precondition = match version {
            Some(v) => Precondition::AtRevision(key.to_vec(), v),
            None => Precondition::Absent(key.to_vec()),
        };
        let commit = Commit {
            preconditions: vec![precondition],
            ops: vec![op],
            events: Vec::new(),
        };
        match self.engine.commit(commit).await {
            Ok(revision) => Ok(Some(revision)),
            Err(CommitError::PreconditionFailed(_)) => Ok(None),
            Err(CommitError::Storage(err)) => Err(err.into()),
        }
    }

    /// Commits `txn` to the engine; the change markers it touched are
    /// noted at the new revision before the caller hears of it.
    pub async fn commit(
        &self,
        txn: Txn,
    ) -> std::result::Result<clusterdb_storage::Revision, TxnError> {
        txn.commit(&*self.engine, &self.markers).await
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    /// Notes may arrive out of order (a read noting what it saw, a commit
    /// noting its revision): the marker never moves back.
    #[test]
    fn a_marker_only_moves_forward() {
        let markers = Markers::default();
        assert_eq!(markers.get("identity"), None);
        markers.note("identity", 7);
        markers.note("identity", 5);
        assert_eq!(markers.get("identity"), Some(7));
        markers.note("identity", 9);
        assert_eq!(markers.get("identity"), Some(9));
        assert_eq!(markers.get("mesh"), None);
    }
}
