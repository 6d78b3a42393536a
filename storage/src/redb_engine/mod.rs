//! The redb engine: one redb file (or an in-memory redb), group commit.
//!
//! Layout: table `kv` maps a key to `(mod_revision, value)`; table `events`
//! maps `(revision, index)` to an event payload; table `clusterdb_meta` holds
//! the format version, the latest revision and the event-log compaction point.
//! Reads open a redb read transaction (a snapshot) and never wait for the
//! writer; all writes go through the single writer thread in [`writer`].

mod copy;
mod layout;
mod options;
mod writer;

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use async_trait::async_trait;
use redb::{Database, ReadTransaction, ReadableDatabase, ReadableTable, TableHandle};
use tokio::sync::{Semaphore, mpsc, oneshot, watch};

use crate::contract::{Commit, Engine, Entry, EventRecord, Loader, Page, Revision, Snapshot};
use crate::error::{CommitError, Error};
use layout::{
    COMPACTED_THROUGH, EVENTS, FORMAT_VERSION, KV, META, REVISION, meta_value, read_events,
    read_keys,
};
pub use options::RedbOptions;
use writer::Request;

/// The on-disk format this release writes and the newest it reads.
pub const CURRENT_FORMAT: u64 = 1;

/// The redb storage engine.
pub struct RedbEngine {
    db: RwLock<Option<Arc<Database>>>,
    requests: RwLock<Option<mpsc::Sender<Request>>>,
    /// The bytes of queued commits: a commit holds its size in permits
    /// until the writer has answered it.
    queued_bytes: Arc<Semaphore>,
    /// Permits of `queued_bytes`, to cap one commit's claim.
    queue_bytes: u32,
    /// `Some(reason)` once the writer failed for good.
    failure: watch::Receiver<Option<String>>,
    writer: Mutex<Option<std::thread::JoinHandle<()>>>,
    revision: watch::Receiver<Revision>,
    /// The newest revision a read of the file has been at: the file can be
    /// a group commit ahead of `revision` (see `current_revision`).
    observed: AtomicU64,
    /// The open change feeds (shared with the writer thread).
    feeds: Arc<writer::Feeds>,
    /// Commit and batch figures (shared with the writer thread).
    stats: Arc<crate::WriteRecorder>,
}

impl RedbEngine {
    /// Opens (creating if absent, mode 0600, in directories made 0700)
    /// the store in the file at `path`. A file others may read or write is
    /// refused unless [`RedbOptions::allow_insecure_permissions`].
    pub fn open(path: impl AsRef<Path>, options: RedbOptions) -> Result<Self, Error> {
        let path = path.as_ref();
        let existed = path.exists();
        if existed {
            if !options.allow_insecure_permissions {
                crate::private_file::check_private(path)?;
            }
        } else {
            crate::private_file::create_private(path).map_err(|err| {
                Error::Backend(format!("cannot create {}: {err}", path.display()))
            })?;
        }
        let db = redb::Builder::new()
            .set_cache_size(options.cache_bytes)
            .create(path)
            .map_err(|err| match err {
                redb::DatabaseError::DatabaseAlreadyOpen => Error::Locked,
                redb::DatabaseError::Storage(redb::StorageError::Io(io)) if !existed => {
                    Error::Backend(io.to_string())
                }
                other => Error::NotAStore {
                    path: path.display().to_string(),
                    reason: other.to_string(),
                },
            })?;
        Self::start(db, &path.display().to_string(), options)
    }

    /// Opens the store on any redb storage backend — a custom medium, or a
    /// backend that injects faults in tests.
    pub fn with_backend(
        backend: impl redb::StorageBackend,
        options: RedbOptions,
    ) -> Result<Self, Error> {
        let db = redb::Builder::new()
            .set_cache_size(options.cache_bytes)
            .create_with_backend(backend)?;
        Self::start(db, ":backend:", options)
    }

    /// Opens a fresh store that lives in memory only.
    pub fn in_memory() -> Self {
        let db = redb::Builder::new()
            .create_with_backend(redb::backends::InMemoryBackend::new())
            .expect("an in-memory redb always opens");
        let options = RedbOptions {
            durable: false,
            ..RedbOptions::default()
        };
        Self::start(db, ":memory:", options).expect("a fresh in-memory store always initialises")
    }

    fn start(db: Database, path: &str, options: RedbOptions) -> Result<Self, Error> {
        let revision = initialise(&db, path)?;
        let db = Arc::new(db);
        let (revision_tx, revision_rx) = watch::channel(revision);
        let (tx, rx) = mpsc::channel(options.queue_depth.max(1));
        let queue_bytes = u32::try_from(options.queue_bytes)
            .unwrap_or(u32::MAX)
            .clamp(1, Semaphore::MAX_PERMITS as u32);
        let (failure_tx, failure) = watch::channel(None);
        let stats = Arc::new(crate::WriteRecorder::default());
        let feeds = Arc::new(writer::Feeds::default());
        let channels = writer::Channels {
            revision: revision_tx,
            failure: Arc::new(failure_tx),
            stats: Arc::clone(&stats),
            feeds: Arc::clone(&feeds),
        };
        let writer = writer::spawn(Arc::clone(&db), rx, channels, revision, options)?;
        Ok(RedbEngine {
            failure,
            db: RwLock::new(Some(db)),
            requests: RwLock::new(Some(tx)),
            queued_bytes: Arc::new(Semaphore::new(queue_bytes as usize)),
            queue_bytes,
            writer: Mutex::new(Some(writer)),
            revision: revision_rx,
            observed: AtomicU64::new(revision),
            stats,
            feeds,
        })
    }

    fn read_txn(&self) -> Result<ReadTransaction, Error> {
        let guard = self.db.read().unwrap_or_else(|p| p.into_inner());
        let db = guard.as_ref().ok_or(Error::Closed)?;
        Ok(db.begin_read()?)
    }

    /// A read transaction and the revision it is at, noted as observed.
    fn read_at(&self) -> Result<(ReadTransaction, Revision), Error> {
        let txn = self.read_txn()?;
        let revision = meta_value(&txn, REVISION)?;
        self.observe(revision);
        Ok((txn, revision))
    }

    fn observe(&self, revision: Revision) {
        self.observed.fetch_max(revision, Ordering::SeqCst);
    }

    async fn send(&self, request: Request) -> Result<(), Error> {
        let sender = self
            .requests
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .ok_or(Error::Closed)?;
        sender
            .send(request)
            .await
            .map_err(|_| match self.failure.borrow().clone() {
                Some(reason) => Error::Failed(reason),
                None => Error::Closed,
            })
    }
}

/// Checks (or writes, for a new file) the meta table; returns the latest revision.
fn initialise(db: &Database, path: &str) -> Result<Revision, Error> {
    let not_a_store = |reason: &str| Error::NotAStore {
        path: path.to_string(),
        reason: reason.to_string(),
    };
    let txn = db.begin_write()?;
    let names: Vec<String> = txn.list_tables()?.map(|t| t.name().to_string()).collect();
    let revision = if names.is_empty() {
        txn.open_table(KV)?;
        txn.open_table(EVENTS)?;
        let mut meta = txn.open_table(META)?;
        meta.insert(FORMAT_VERSION, CURRENT_FORMAT)?;
        meta.insert(REVISION, 0)?;
        meta.insert(COMPACTED_THROUGH, 0)?;
        0
    } else {
        if !names.iter().any(|n| n == META.name()) {
            return Err(not_a_store("a redb file without ClusterDB metadata"));
        }
        let meta = txn
            .open_table(META)
            .map_err(|_| not_a_store("unreadable ClusterDB metadata"))?;
        let get =
            |key: &str| -> Result<Option<u64>, Error> { Ok(meta.get(key)?.map(|v| v.value())) };
        let format = get(FORMAT_VERSION)?.ok_or_else(|| not_a_store("no format version"))?;
        if format > CURRENT_FORMAT {
            return Err(Error::UnsupportedFormat {
                found: format,
                supported: CURRENT_FORMAT,
            });
        }
        get(REVISION)?.ok_or_else(|| not_a_store("no revision"))?
    };
    txn.commit()?;
    Ok(revision)
}

#[async_trait]
impl Engine for RedbEngine {
    fn name(&self) -> &'static str {
        "redb"
    }

    async fn changes(&self) -> Result<(Revision, crate::ChangeFeed), Error> {
        if self
            .requests
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .is_none()
        {
            return Err(Error::Closed);
        }
        let revision = &self.revision;
        Ok(self.feeds.open(|| *revision.borrow()))
    }

    fn sole_writer(&self) -> bool {
        true // redb locks the file for the process that opened it
    }

    async fn get(&self, key: &[u8]) -> Result<Option<Entry>, Error> {
        let (txn, _) = self.read_at()?;
        let kv = txn.open_table(KV)?;
        let found = kv.get(key)?;
        Ok(found.map(|guard| {
            let (mod_revision, value) = guard.value();
            Entry {
                value: value.to_vec(),
                mod_revision,
            }
        }))
    }

    async fn range(
        &self,
        prefix: &[u8],
        start_after: Option<&[u8]>,
        limit: usize,
    ) -> Result<Page, Error> {
        let (txn, revision) = self.read_at()?;
        read_keys(&txn, revision, prefix, start_after, limit)
    }

    async fn commit(&self, commit: Commit) -> Result<Revision, CommitError> {
        if let Some(reason) = self.failure.borrow().clone() {
            return Err(Error::Failed(reason).into());
        }
        commit.check_size()?;
        let started = std::time::Instant::now();
        let _waiting = self.stats.waiting();
        let prepared = writer::Prepared::from(commit);
        let claim = u32::try_from(prepared.size())
            .unwrap_or(u32::MAX)
            .clamp(1, self.queue_bytes);
        // Held until the writer has answered: the bytes are queued till then.
        let _queued = Arc::clone(&self.queued_bytes)
            .acquire_many_owned(claim)
            .await
            .map_err(|_| Error::Closed)?;
        let (reply, answer) = oneshot::channel();
        self.send(Request::Commit(prepared, reply)).await?;
        // The writer answers every request it took, unless its thread died.
        let answered = answer
            .await
            .map_err(|_| Error::OutcomeUnknown("the writer stopped before answering".into()))?;
        self.stats.committed(started.elapsed());
        answered
    }

    fn write_stats(&self) -> Option<crate::WriteStats> {
        Some(self.stats.snapshot())
    }

    async fn events_since(&self, after: Revision, limit: usize) -> Result<Vec<EventRecord>, Error> {
        let (txn, _) = self.read_at()?;
        let compacted_through = meta_value(&txn, COMPACTED_THROUGH)?;
        if after < compacted_through {
            return Err(Error::Compacted {
                requested: after,
                compacted_through,
            });
        }
        read_events(&txn, after, Revision::MAX, limit)
    }

    async fn compact_events(&self, before: Revision) -> Result<(), Error> {
        let (reply, answer) = oneshot::channel();
        self.send(Request::CompactEvents(before, reply)).await?;
        answer.await.map_err(|_| Error::Closed)?
    }

    /// From memory, not a read transaction (a consistent read through the
    /// read cache asks this per request): the revision the writer
    /// published — it publishes a group commit's last revision once the
    /// group is durable and before answering any of its commits, so every
    /// acknowledged commit is at or below it — or, if higher, the newest
    /// one a read of the file has been at (the file is a group ahead of
    /// the published revision until the writer publishes; whoever read
    /// that far, say a commit's events, must then find its keys).
    async fn current_revision(&self) -> Result<Revision, Error> {
        if self.db.read().unwrap_or_else(|p| p.into_inner()).is_none() {
            return Err(Error::Closed);
        }
        let published = *self.revision.borrow();
        Ok(published.max(self.observed.load(Ordering::SeqCst)))
    }

    fn watch_revision(&self) -> watch::Receiver<Revision> {
        self.revision.clone()
    }

    fn failure(&self) -> watch::Receiver<Option<String>> {
        self.failure.clone()
    }

    async fn snapshot(&self) -> Result<Box<dyn Snapshot>, Error> {
        let snapshot = copy::RedbSnapshot::new(self.read_txn()?)?;
        self.observe(snapshot.point().revision);
        Ok(Box::new(snapshot))
    }

    async fn load(&self) -> Result<Box<dyn Loader>, Error> {
        copy::check_empty(&self.read_txn()?)?;
        let requests = self
            .requests
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .ok_or(Error::Closed)?;
        Ok(Box::new(copy::RedbLoader { requests }))
    }

    async fn close(&self) -> Result<(), Error> {
        // Dropping the only sender lets the writer drain its queue and stop.
        self.requests
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        let writer = self.writer.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(writer) = writer {
            tokio::task::spawn_blocking(move || writer.join())
                .await
                .map_err(|err| Error::Backend(err.to_string()))?
                .map_err(|_| Error::Backend("the writer thread panicked".into()))?;
        }
        self.feeds.close();
        self.db.write().unwrap_or_else(|p| p.into_inner()).take();
        Ok(())
    }
}
