//! The etcd engine: the same contract on an etcd cluster, so several
//! ClusterDB nodes can share one store.
//!
//! - A commit is one etcd transaction: every precondition is a compare
//!   (absent: `version == 0`; at revision R: `mod_revision == R`), the puts,
//!   deletes and event records are its success branch, and its failure
//!   branch reads the compared keys so a failed commit names the failed
//!   precondition exactly. The revision is etcd's.
//! - Commits run concurrently over one multiplexed gRPC connection per
//!   member; the engine takes no lock. Which member a request goes to, and
//!   when it is sent to another, is [`members`]' job: any minority of
//!   members may be dead or hung.
//! - Events: see [`log`]. They live in ordinary keys, so etcd's own MVCC
//!   compaction never removes an event the log still promises.
//! - Errors: an unreachable cluster is [`Error::Unavailable`]; a commit
//!   whose fate is unknown (timeout, lost connection, leader change) is
//!   [`Error::OutcomeUnknown`] and is never retried by the engine.

mod copy;
mod errors;
mod feed;
mod follow;
mod keys;
mod leader;
mod log;
mod members;
mod options;
mod revisions;

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use etcd_client::{Compare, CompareOp, GetOptions, Txn, TxnOp, TxnOpResponse};
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;

use crate::contract::{
    Commit, Engine, Entry, EventRecord, Leadership, Loader, Page, Precondition, Revision, Snapshot,
};
use crate::error::{CommitError, Error, FailedPrecondition};
use errors::{commit_error, read_error};
use keys::{Keys, prefix_end};
use members::Members;
pub use options::EtcdOptions;
use revisions::Revisions;

/// The on-etcd format this release writes and the newest it reads.
const CURRENT_FORMAT: u64 = 1;

/// The etcd storage engine.
pub struct EtcdEngine {
    members: Arc<Members>,
    keys: Keys,
    closed: AtomicBool,
    published: Arc<watch::Sender<Revision>>,
    revision: watch::Receiver<Revision>,
    mover: Arc<Notify>,
    tasks: Mutex<Vec<JoinHandle<()>>>,
    /// The leaderships this engine holds: each lease and the task
    /// renewing it (ended ones are dropped at the next campaign); revoked
    /// on close.
    leases: Mutex<Vec<(i64, JoinHandle<()>)>>,
    /// Commit figures (each commit is its own transaction: a batch of 1).
    stats: crate::WriteRecorder,
    /// The engine's revisions and etcd's.
    revisions: Revisions,
}

/// A count (a limit) as etcd takes it.
fn to_i64(count: u64) -> i64 {
    i64::try_from(count).unwrap_or(i64::MAX)
}

impl EtcdEngine {
    /// Connects to the cluster at `endpoints` (e.g. `http://127.0.0.1:2379`)
    /// and checks (or, on an empty prefix, writes) the store's format.
    /// Members that cannot be reached are named in a warning and used once
    /// they answer; when none can be, the error names them all.
    pub async fn connect(endpoints: &[String], options: EtcdOptions) -> Result<Self, Error> {
        let keys = Keys::new(&options.prefix);
        let members = Members::connect(endpoints, &options, keys.format()).await?;
        let (revision, revisions) = Self::initialise(&members, &keys, endpoints).await?;
        let (published, revision_rx) = watch::channel(revision);
        let published = Arc::new(published);
        let mover = Arc::new(Notify::new());
        let tasks = vec![
            tokio::spawn(Members::run_prober(Arc::downgrade(&members))),
            tokio::spawn(log::run_mover(
                Arc::clone(&members),
                keys.clone(),
                revisions.clone(),
                Arc::clone(&mover),
            )),
            tokio::spawn(log::run_watch(
                Arc::clone(&members),
                keys.clone(),
                revisions.clone(),
                Arc::clone(&published),
            )),
        ];
        // Events left pending by a node that died are moved too.
        mover.notify_one();
        Ok(EtcdEngine {
            members,
            keys,
            closed: AtomicBool::new(false),
            published,
            revision: revision_rx,
            mover,
            tasks: Mutex::new(tasks),
            leases: Mutex::new(Vec::new()),
            stats: crate::WriteRecorder::default(),
            revisions,
        })
    }

    async fn initialise(
        members: &Members,
        keys: &Keys,
        endpoints: &[String],
    ) -> Result<(Revision, Revisions), Error> {
        let format = keys.format();
        let txn = Txn::new()
            .when([Compare::version(format.clone(), CompareOp::Equal, 0)])
            .and_then([TxnOp::put(format.clone(), CURRENT_FORMAT.to_string(), None)])
            .or_else([TxnOp::get(format, None), TxnOp::get(keys.offset(), None)]);
        // Conditioned on the marker's absence: safe to send again.
        let response = members
            .read(|client| {
                let txn = txn.clone();
                async move { client.kv_client().txn(txn).await }
            })
            .await
            .map_err(read_error)?;
        let etcd_revision = response.header().map_or(0, |h| h.revision());
        if response.succeeded() {
            let revisions = Revisions::default();
            return Ok((revisions.ours(etcd_revision), revisions));
        }
        let mut stored = response.op_responses().into_iter().map(|r| match r {
            TxnOpResponse::Get(get) => get.kvs().first().map(|kv| kv.value().to_vec()),
            _ => None,
        });
        let (format_value, offset_value) = (stored.next().flatten(), stored.next().flatten());
        let number = |value: &Option<Vec<u8>>| {
            value
                .as_deref()
                .and_then(|v| std::str::from_utf8(v).ok())
                .and_then(|v| v.parse::<u64>().ok())
        };
        let found = number(&format_value).ok_or_else(|| Error::NotAStore {
            path: format!("{endpoints:?}"),
            reason: "the prefix holds something that is not a ClusterDB format marker".into(),
        })?;
        if found > CURRENT_FORMAT {
            return Err(Error::UnsupportedFormat {
                found,
                supported: CURRENT_FORMAT,
            });
        }
        let offset = match &offset_value {
            None => 0,
            Some(_) => number(&offset_value).ok_or_else(|| {
                Error::Corrupt("the revision offset under the prefix is not a number".into())
            })?,
        };
        let revisions = Revisions::new(offset);
        Ok((revisions.ours(etcd_revision), revisions))
    }

    fn check_open(&self) -> Result<(), Error> {
        if self.closed.load(Ordering::Acquire) {
            Err(Error::Closed)
        } else {
            Ok(())
        }
    }
}

/// Raises the published revision to `revision` (never lowers it), waking
/// the watchers if it moved.
pub(super) fn publish(published: &watch::Sender<Revision>, revision: Revision) {
    published.send_if_modified(|current| {
        let newer = revision > *current;
        if newer {
            *current = revision;
        }
        newer
    });
}

fn precondition_compare(
    keys: &Keys,
    revisions: &Revisions,
    precondition: &Precondition,
) -> Compare {
    match precondition {
        Precondition::Absent(key) => Compare::version(keys.data(key), CompareOp::Equal, 0),
        Precondition::AtRevision(key, revision) => {
            Compare::mod_revision(keys.data(key), CompareOp::Equal, revisions.etcd(*revision))
        }
    }
}

impl EtcdEngine {
    /// One commit as one etcd transaction.
    async fn transact(&self, commit: Commit) -> Result<Revision, CommitError> {
        self.check_open()?;
        commit.check_size()?;
        let compares: Vec<Compare> = commit
            .preconditions
            .iter()
            .map(|p| precondition_compare(&self.keys, &self.revisions, p))
            .collect();
        // One op per key: etcd refuses a transaction naming a key twice.
        let mut ops: Vec<TxnOp> = commit
            .final_ops()
            .into_iter()
            .map(|(key, value)| match value {
                Some(value) => TxnOp::put(self.keys.data(key), value, None),
                None => TxnOp::delete(self.keys.data(key), None),
            })
            .collect();
        let has_events = !commit.events.is_empty();
        if has_events {
            let id = ulid::Ulid::new().to_string();
            for (index, payload) in commit.events.into_iter().enumerate() {
                let index = u32::try_from(index)
                    .map_err(|_| Error::Backend("too many events in one commit".into()))?;
                ops.push(TxnOp::put(self.keys.pending(&id, index), payload, None));
            }
        }
        let reads: Vec<TxnOp> = commit
            .preconditions
            .iter()
            .map(|p| TxnOp::get(self.keys.data(p.key()), None))
            .collect();
        let txn = Txn::new().when(compares).and_then(ops).or_else(reads);
        let response = self
            .members
            .write(|client| {
                let txn = txn.clone();
                async move { client.kv_client().txn(txn).await }
            })
            .await
            .map_err(commit_error)?;
        let revision = self
            .revisions
            .ours(response.header().map_or(0, |h| h.revision()));
        if response.succeeded() {
            publish(&self.published, revision);
            if has_events {
                self.mover.notify_one();
            }
            return Ok(revision);
        }
        // The failure branch read every compared key at the same revision.
        for (index, (precondition, read)) in commit
            .preconditions
            .iter()
            .zip(response.op_responses())
            .enumerate()
        {
            let actual = match read {
                TxnOpResponse::Get(get) => get
                    .kvs()
                    .first()
                    .map(|kv| self.revisions.ours(kv.mod_revision())),
                _ => None,
            };
            if !precondition.holds(actual) {
                return Err(CommitError::PreconditionFailed(FailedPrecondition {
                    index,
                    key: precondition.key().to_vec(),
                    actual,
                }));
            }
        }
        Err(Error::Backend("etcd refused a commit whose preconditions all hold".into()).into())
    }
}

#[async_trait]
impl Engine for EtcdEngine {
    fn name(&self) -> &'static str {
        "etcd"
    }

    async fn get(&self, key: &[u8]) -> Result<Option<Entry>, Error> {
        self.check_open()?;
        let key = self.keys.data(key);
        let response = self
            .members
            .read(|client| {
                let key = key.clone();
                async move { client.kv_client().get(key, None).await }
            })
            .await
            .map_err(read_error)?;
        Ok(response.kvs().first().map(|kv| Entry {
            value: kv.value().to_vec(),
            mod_revision: self.revisions.ours(kv.mod_revision()),
        }))
    }

    async fn range(
        &self,
        prefix: &[u8],
        start_after: Option<&[u8]>,
        limit: usize,
    ) -> Result<Page, Error> {
        self.check_open()?;
        let start = match start_after {
            Some(after) if after >= prefix => [self.keys.data(after).as_slice(), &[0]].concat(),
            _ => self.keys.data(prefix),
        };
        // etcd reads "limit 0" as "no limit".
        let options = GetOptions::new()
            .with_range(prefix_end(&self.keys.data(prefix)))
            .with_limit(to_i64(limit.max(1) as u64));
        let response = self
            .members
            .read(|client| {
                let (start, options) = (start.clone(), options.clone());
                async move { client.kv_client().get(start, Some(options)).await }
            })
            .await
            .map_err(read_error)?;
        let revision = self
            .revisions
            .ours(response.header().map_or(0, |h| h.revision()));
        let strip = self.keys.data_len();
        let mut entries: Vec<(Vec<u8>, Entry)> = response
            .kvs()
            .iter()
            .map(|kv| {
                (
                    kv.key()[strip..].to_vec(),
                    Entry {
                        value: kv.value().to_vec(),
                        mod_revision: self.revisions.ours(kv.mod_revision()),
                    },
                )
            })
            .collect();
        let mut more = response.more();
        if limit == 0 {
            more = !entries.is_empty();
            entries.clear();
        }
        Ok(Page {
            entries,
            more,
            revision,
        })
    }

    async fn commit(&self, commit: Commit) -> Result<Revision, CommitError> {
        let started = std::time::Instant::now();
        let _waiting = self.stats.waiting();
        let answered = self.transact(commit).await;
        self.stats.batch(1);
        self.stats.committed(started.elapsed());
        answered
    }

    fn write_stats(&self) -> Option<crate::WriteStats> {
        Some(self.stats.snapshot())
    }

    async fn events_since(&self, after: Revision, limit: usize) -> Result<Vec<EventRecord>, Error> {
        self.check_open()?;
        log::events_since(&self.members, &self.keys, &self.revisions, after, limit).await
    }

    async fn compact_events(&self, before: Revision) -> Result<(), Error> {
        self.check_open()?;
        log::compact(&self.members, &self.keys, &self.revisions, before).await
    }

    async fn load(&self) -> Result<Box<dyn Loader>, Error> {
        self.check_open()?;
        copy::check_empty(&self.members, &self.keys).await?;
        Ok(Box::new(copy::EtcdLoader {
            members: Arc::clone(&self.members),
            keys: self.keys.clone(),
            revisions: self.revisions.clone(),
            published: Arc::clone(&self.published),
        }))
    }

    async fn snapshot(&self) -> Result<Box<dyn Snapshot>, Error> {
        self.check_open()?;
        let snapshot = copy::EtcdSnapshot::start(
            Arc::clone(&self.members),
            self.keys.clone(),
            self.revisions.clone(),
        )
        .await?;
        Ok(Box::new(snapshot))
    }

    async fn current_revision(&self) -> Result<Revision, Error> {
        self.check_open()?;
        let format = self.keys.format();
        let response = self
            .members
            .read(|client| {
                let format = format.clone();
                let options = GetOptions::new().with_count_only();
                async move { client.kv_client().get(format, Some(options)).await }
            })
            .await
            .map_err(read_error)?;
        Ok(self
            .revisions
            .ours(response.header().map_or(0, |h| h.revision())))
    }

    fn watch_revision(&self) -> watch::Receiver<Revision> {
        self.revision.clone()
    }

    async fn changes(&self) -> Result<(Revision, crate::ChangeFeed), Error> {
        let after = self.current_revision().await?;
        let (sender, receiver) = tokio::sync::mpsc::unbounded_channel();
        let task = tokio::spawn(feed::run(
            Arc::clone(&self.members),
            self.keys.clone(),
            self.revisions.clone(),
            after,
            sender,
        ));
        let mut tasks = self.tasks.lock().unwrap_or_else(|p| p.into_inner());
        tasks.retain(|task| !task.is_finished());
        tasks.push(task);
        Ok((after, receiver))
    }

    async fn progress(&self) -> Result<Revision, Error> {
        self.check_open()?;
        feed::progress(&self.members, &self.keys, &self.revisions).await
    }

    async fn campaign(&self, key: &[u8], ttl: Duration) -> Result<Leadership, Error> {
        self.check_open()?;
        let (leadership, keeper, lease) = leader::campaign(
            &self.members,
            &self.revisions,
            key,
            self.keys.data(key),
            ttl,
        )
        .await?;
        let mut leases = self.leases.lock().unwrap_or_else(|p| p.into_inner());
        leases.retain(|(_, keeper)| !keeper.is_finished());
        leases.push((lease, keeper));
        Ok(leadership)
    }

    async fn close(&self) -> Result<(), Error> {
        self.closed.store(true, Ordering::Release);
        // Hand leadership over at once rather than after the lease's TTL.
        let leases = std::mem::take(&mut *self.leases.lock().unwrap_or_else(|p| p.into_inner()));
        for (lease, keeper) in leases {
            keeper.abort();
            leader::resign(&self.members, lease).await;
        }
        let tasks = std::mem::take(&mut *self.tasks.lock().unwrap_or_else(|p| p.into_inner()));
        for task in tasks {
            task.abort();
            let _ = task.await;
        }
        Ok(())
    }
}

impl Drop for EtcdEngine {
    fn drop(&mut self) {
        for task in self.tasks.lock().unwrap_or_else(|p| p.into_inner()).iter() {
            task.abort();
        }
        for (_, keeper) in self.leases.lock().unwrap_or_else(|p| p.into_inner()).iter() {
            keeper.abort();
        }
    }
}
