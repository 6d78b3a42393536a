//! The state a cache's reads and its follower share, and how a read
//! finds the revision it is served at.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use tokio::sync::watch;

use super::history::History;
use super::options::ReadCacheOptions;
use super::rounds::Rounds;
use crate::contract::{Engine, Revision};
use crate::error::Error;
use crate::freshness::{self, Freshness};

/// The state the reads and the follower share.
pub(super) struct Shared {
    /// The engine the cache is in front of.
    pub inner: Arc<dyn Engine>,
    pub options: ReadCacheOptions,
    /// The cached keys' versions.
    pub history: RwLock<History>,
    /// The applied revision, for waiting readers.
    pub applied: watch::Sender<Revision>,
    /// Shared revision reads.
    pub current: Arc<Rounds>,
    /// Shared progress writes.
    pub progress: Arc<Rounds>,
    /// Times the cache was filled from a snapshot.
    pub fills: std::sync::atomic::AtomicU64,
}

impl Shared {
    /// The history, for reading.
    pub fn read(&self) -> std::sync::RwLockReadGuard<'_, History> {
        self.history.read().unwrap_or_else(|p| p.into_inner())
    }

    /// The history, for applying changes.
    pub fn write(&self) -> std::sync::RwLockWriteGuard<'_, History> {
        self.history.write().unwrap_or_else(|p| p.into_inner())
    }

    /// The revision the store has reached, as a consistent read must see it.
    async fn store_revision(&self) -> Result<Revision, Error> {
        if self.inner.sole_writer() {
            // A local read of what is durable — not the published revision,
            // which trails it while the writer hands a batch to the feeds:
            // a reader of the store itself (the event log) may already
            // have seen that batch.
            return self.inner.current_revision().await;
        }
        self.current.join().await
    }

    /// Waits (bounded) until the cache has applied `revision`; returns the
    /// applied revision then.
    pub async fn reach(&self, revision: Revision) -> Result<Revision, Error> {
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

    /// Before a read the engine serves itself (always current): waits
    /// until the store has reached the scope's `min_revision`, if any.
    pub async fn reach_scope_minimum(&self) -> Result<(), Error> {
        let scope = freshness::current();
        if let Some(Freshness::AtLeast(revision)) = scope.as_ref().map(|s| s.freshness) {
            self.reach(revision).await?;
        }
        Ok(())
    }

    /// The revision a read in the current scope is served at.
    pub async fn read_revision(&self) -> Result<Revision, Error> {
        let scope = freshness::current();
        let freshness = scope
            .as_ref()
            .map_or(Freshness::Consistent, |s| s.freshness);
        // What the scope's reads and commits have settled already.
        let settled = scope.as_ref().and_then(|s| s.floor());
        let floor = settled.unwrap_or(0);
        let at = match freshness {
            Freshness::Consistent => {
                let need = match settled {
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
