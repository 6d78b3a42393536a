//! [`ReadCache`]: an engine that serves reads from memory, kept current by
//! the wrapped engine's change feed, at the freshness the caller's scope
//! asks for (see [`crate::freshness`]).
//!
//! - Filled by one snapshot at start, then follows [`Engine::changes`]; a
//!   broken feed is replaced by a fresh snapshot and feed.
//! - A consistent read first learns the store's current revision — from
//!   memory for a sole writer, else one revision read shared by every
//!   reader that arrived meanwhile — then waits until the cache has
//!   applied it; when the feed is quiet, a progress write proves it. The
//!   wait is bounded: then [`Error::Unavailable`], never a stale answer.
//! - Versions are kept for a while, so a list can go on across pages at
//!   one revision ([`Freshness::Exactly`]).
//! - Keys outside the cached prefixes, commits, the log and everything
//!   else go to the wrapped engine.

mod follow;
mod history;
mod rounds;
mod verify;

use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::contract::{
    ChangeFeed, Commit, Engine, Entry, EventRecord, Leadership, Loader, Page, Revision, Snapshot,
};
use crate::error::{CommitError, Error};
use crate::freshness::{self, Freshness};
use history::History;
pub use history::VERSION_OVERHEAD;
use rounds::Rounds;
pub use verify::Verification;

/// What a [`ReadCache`] holds and how long reads wait.
#[derive(Debug, Clone)]
pub struct ReadCacheOptions {
    /// Key prefixes the cache holds (empty: every key).
    pub prefixes: Vec<Vec<u8>>,
    /// Most bytes the cache may hold (keys, values and
    /// [`VERSION_OVERHEAD`] per version); a store that needs more is
    /// refused at start, and older versions are dropped early to stay
    /// under it.
    pub max_bytes: usize,
    /// How long a read waits for the revision it needs.
    pub wait: Duration,
    /// How long versions are kept for reads at an older revision.
    pub history: Duration,
    /// Most revisions of history kept, however recent.
    pub max_history_revisions: usize,
}

impl Default for ReadCacheOptions {
    fn default() -> Self {
        ReadCacheOptions {
            prefixes: Vec::new(),
            max_bytes: 4 << 30,
            wait: Duration::from_secs(5),
            history: Duration::from_secs(120),
            max_history_revisions: 100_000,
        }
    }
}

/// The cache's figures, for metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadCacheStats {
    /// Keys that exist at the applied revision.
    pub keys: usize,
    /// Bytes held, as counted for the limit.
    pub bytes: usize,
    /// Every change at or below this revision is applied.
    pub applied: Revision,
    /// The oldest revision a read can be served at.
    pub horizon: Revision,
    /// Times the cache was filled from a snapshot (1 after start).
    pub fills: u64,
}

/// The state the reads and the follower share.
pub(crate) struct Shared {
    inner: Arc<dyn Engine>,
    options: ReadCacheOptions,
    history: RwLock<History>,
    /// The applied revision, for waiting readers.
    applied: watch::Sender<Revision>,
    /// Shared revision reads.
    current: Arc<Rounds>,
    /// Shared progress writes.
    progress: Arc<Rounds>,
    fills: std::sync::atomic::AtomicU64,
}

/// An engine serving reads from memory (see the module's documentation).
pub struct ReadCache {
    shared: Arc<Shared>,
    closed: std::sync::atomic::AtomicBool,
    follower: Mutex<Option<JoinHandle<()>>>,
}

impl ReadCache {
    /// Fills a cache of `inner` and starts following its changes. Fails
    /// when the engine has no change feed, or when the store needs more
    /// than [`ReadCacheOptions::max_bytes`] (naming both sizes).
    pub async fn start(inner: Arc<dyn Engine>, options: ReadCacheOptions) -> Result<Self, Error> {
        let current = {
            let inner = Arc::clone(&inner);
            Rounds::new(Arc::new(move || {
                let inner = Arc::clone(&inner);
                Box::pin(async move { inner.current_revision().await })
            }))
        };
        let progress = {
            let inner = Arc::clone(&inner);
            Rounds::new(Arc::new(move || {
                let inner = Arc::clone(&inner);
                Box::pin(async move { inner.progress().await })
            }))
        };
        let (history, feed) = follow::fill(&*inner, &options).await?;
        let shared = Arc::new(Shared {
            applied: watch::channel(history.applied()).0,
            history: RwLock::new(history),
            inner,
            options,
            current,
            progress,
            fills: std::sync::atomic::AtomicU64::new(1),
        });
        let follower = tokio::spawn(follow::run(Arc::downgrade(&shared), feed));
        Ok(ReadCache {
            shared,
            closed: std::sync::atomic::AtomicBool::new(false),
            follower: Mutex::new(Some(follower)),
        })
    }

    /// The cache's figures now.
    pub fn stats(&self) -> ReadCacheStats {
        let history = self.shared.read();
        ReadCacheStats {
            keys: history.live(),
            bytes: history.bytes(),
            applied: history.applied(),
            horizon: history.horizon(),
            fills: self.shared.fills.load(std::sync::atomic::Ordering::Relaxed),
        }
    }

    /// Compares the cache with a snapshot of the store read directly, at
    /// the snapshot's revision (the inconsistency detector).
    pub async fn verify(&self) -> Result<Verification, Error> {
        verify::run(&self.shared).await
    }

    fn check_open(&self) -> Result<(), Error> {
        if self.closed.load(std::sync::atomic::Ordering::Acquire) {
            return Err(Error::Closed);
        }
        Ok(())
    }

    fn cached(&self, key: &[u8]) -> bool {
        let prefixes = &self.shared.options.prefixes;
        prefixes.is_empty() || prefixes.iter().any(|p| key.starts_with(p))
    }
}

impl Shared {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, History> {
        self.history.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, History> {
        self.history.write().unwrap_or_else(|p| p.into_inner())
    }

    /// The revision the store has reached, as a consistent read must see it.
    async fn store_revision(&self) -> Result<Revision, Error> {
        if self.inner.sole_writer() {
            // The writer publishes a revision before anyone hears of it.
            return Ok(*self.inner.watch_revision().borrow());
        }
        self.current.join().await
    }

    /// Waits (bounded) until the cache has applied `revision`; returns the
    /// applied revision then.
    async fn reach(&self, revision: Revision) -> Result<Revision, Error> {
        let mut applied = self.applied.subscribe();
        let now = *applied.borrow_and_update();
        if now >= revision {
            return Ok(now);
        }
        let deadline = tokio::time::Instant::now() + self.options.wait;
        // A quiet feed gets a progress write after a short while.
        let quiet = tokio::time::Instant::now() + Duration::from_millis(20);
        let mut asked = self.inner.sole_writer();
        loop {
            let until = if asked { deadline } else { quiet };
            let waited = tokio::time::timeout_at(until, applied.wait_for(|a| *a >= revision))
                .await
                .map(|reached| reached.map(|r| *r));
            match waited {
                Ok(Ok(reached)) => return Ok(reached),
                Ok(Err(_)) => return Err(Error::Closed),
                Err(_) if !asked => {
                    asked = true;
                    let progress = Arc::clone(&self.progress);
                    tokio::spawn(async move {
                        if let Err(err) = progress.join().await {
                            tracing::debug!(error = %err, "a progress write failed");
                        }
                    });
                }
                Err(_) => {
                    return Err(Error::Behind {
                        wanted: revision,
                        reached: *applied.borrow(),
                        waited: self.options.wait,
                    });
                }
            }
        }
    }

    /// The revision a read in the current scope is served at.
    async fn read_revision(&self) -> Result<Revision, Error> {
        let scope = freshness::current();
        let freshness = scope
            .as_ref()
            .map_or(Freshness::Consistent, |s| s.freshness);
        let floor = scope.as_ref().and_then(|s| s.floor()).unwrap_or(0);
        let at = match freshness {
            Freshness::Consistent => {
                let need = match scope.as_ref().and_then(|s| s.floor()) {
                    Some(settled) => settled,
                    None => self.store_revision().await?,
                };
                let at = self.reach(need).await?;
                if let Some(scope) = &scope {
                    scope.raise_floor(at);
                }
                at
            }
            Freshness::AtLeast(revision) => self.reach(revision.max(floor)).await?,
            Freshness::Stale => self.reach(floor).await?,
            Freshness::Exactly(revision) => {
                self.reach(revision).await?;
                let horizon = self.read().horizon();
                if revision < horizon {
                    return Err(Error::Compacted {
                        requested: revision,
                        compacted_through: horizon.saturating_sub(1),
                    });
                }
                revision
            }
        };
        if let Some(scope) = &scope {
            scope.observe(at);
        }
        Ok(at)
    }
}

#[async_trait]
impl Engine for ReadCache {
    async fn get(&self, key: &[u8]) -> Result<Option<Entry>, Error> {
        self.check_open()?;
        if !self.cached(key) {
            return self.shared.inner.get(key).await;
        }
        let at = self.shared.read_revision().await?;
        Ok(self.shared.read().get(key, at))
    }

    async fn range(
        &self,
        prefix: &[u8],
        start_after: Option<&[u8]>,
        limit: usize,
    ) -> Result<Page, Error> {
        self.check_open()?;
        if !self.cached(prefix) {
            return self.shared.inner.range(prefix, start_after, limit).await;
        }
        let at = self.shared.read_revision().await?;
        Ok(self.shared.read().range(prefix, start_after, limit, at))
    }

    async fn commit(&self, commit: Commit) -> Result<Revision, CommitError> {
        let revision = self.shared.inner.commit(commit).await?;
        if let Some(scope) = freshness::current() {
            scope.raise_floor(revision);
            scope.observe(revision);
        }
        Ok(revision)
    }

    async fn events_since(&self, after: Revision, limit: usize) -> Result<Vec<EventRecord>, Error> {
        self.shared.inner.events_since(after, limit).await
    }

    async fn compact_events(&self, before: Revision) -> Result<(), Error> {
        self.shared.inner.compact_events(before).await
    }

    async fn current_revision(&self) -> Result<Revision, Error> {
        self.shared.inner.current_revision().await
    }

    fn watch_revision(&self) -> watch::Receiver<Revision> {
        self.shared.inner.watch_revision()
    }

    async fn changes(&self) -> Result<(Revision, ChangeFeed), Error> {
        self.shared.inner.changes().await
    }

    async fn read_revision(&self) -> Result<Revision, Error> {
        self.check_open()?;
        self.shared.read_revision().await
    }

    async fn progress(&self) -> Result<Revision, Error> {
        self.shared.inner.progress().await
    }

    fn name(&self) -> &'static str {
        self.shared.inner.name()
    }

    fn sole_writer(&self) -> bool {
        self.shared.inner.sole_writer()
    }

    fn write_stats(&self) -> Option<crate::WriteStats> {
        self.shared.inner.write_stats()
    }

    fn failure(&self) -> watch::Receiver<Option<String>> {
        self.shared.inner.failure()
    }

    async fn campaign(&self, key: &[u8], ttl: Duration) -> Result<Leadership, Error> {
        self.shared.inner.campaign(key, ttl).await
    }

    async fn snapshot(&self) -> Result<Box<dyn Snapshot>, Error> {
        self.shared.inner.snapshot().await
    }

    async fn load(&self) -> Result<Box<dyn Loader>, Error> {
        self.shared.inner.load().await
    }

    async fn close(&self) -> Result<(), Error> {
        self.closed
            .store(true, std::sync::atomic::Ordering::Release);
        if let Some(follower) = self
            .follower
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
        {
            follower.abort();
        }
        self.shared.inner.close().await
    }
}

impl Drop for ReadCache {
    fn drop(&mut self) {
        if let Some(follower) = self
            .follower
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
        {
            follower.abort();
        }
    }
}
