//! [`ReadCache`]: an engine that serves reads from memory, kept current by
//! the wrapped engine's change feed, at the freshness the caller's scope
//! asks for (see [`crate::freshness`]).
//!
//! - Filled by one snapshot at start, then follows [`Engine::changes`]; a
//!   broken feed is replaced by a fresh snapshot and feed.
//! - A consistent read first learns the store's current revision — a
//!   local read for a sole writer, else one revision read shared by every
//!   reader that arrived meanwhile — then waits until the cache has
//!   applied it; when the feed is quiet, a progress write proves it. The
//!   wait is bounded: then [`Error::Behind`], never a stale answer.
//! - Versions are kept for a while, so a list can go on across pages at
//!   one revision ([`Freshness::Exactly`]).
//! - Keys outside the cached prefixes, commits, the log and everything
//!   else go to the wrapped engine.

mod follow;
mod history;
mod options;
mod rounds;
mod shared;
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
use crate::freshness;
pub use history::VERSION_OVERHEAD;
pub use options::{ReadCacheOptions, ReadCacheStats};
use rounds::Rounds;
use shared::Shared;
pub use verify::Verification;

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
        self.shared.options.holds(key)
    }
}

#[async_trait]
impl Engine for ReadCache {
    async fn get(&self, key: &[u8]) -> Result<Option<Entry>, Error> {
        self.check_open()?;
        if !self.cached(key) {
            self.shared.reach_scope_minimum().await?;
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
            self.shared.reach_scope_minimum().await?;
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
