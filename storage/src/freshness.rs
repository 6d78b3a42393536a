//! How fresh a read must be, and the scope one request's reads share.
//!
//! A caller runs a request's work inside [`scoped`]: its reads then honour
//! the scope's [`Freshness`], the scope's first consistent read settles the
//! revision the later ones need not wait for again, a commit raises that
//! floor (a request reads its own writes), and the scope reports the
//! newest revision its reads and writes reflect. Reads outside any scope
//! are each [`Freshness::Consistent`].

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::revision::Revision;

/// How fresh a read must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Freshness {
    /// Reflect every commit that completed before the read began (the
    /// default): the cache proves it has seen the store's current
    /// revision, waiting a bounded time, and never answers stale.
    #[default]
    Consistent,
    /// Reflect at least this revision, waiting a bounded time for it.
    AtLeast(Revision),
    /// Whatever this server has now, without waiting.
    Stale,
    /// Exactly this revision (a list continuing across pages), while the
    /// cache retains it; else [`crate::Error::Compacted`].
    Exactly(Revision),
}

/// The state one scope's reads share.
#[derive(Debug)]
pub(crate) struct ReadScope {
    pub freshness: Freshness,
    /// The revision every read of the scope must reflect at least: the
    /// first consistent read's, raised by the scope's commits.
    floor: AtomicU64,
    /// The newest revision a read or commit of the scope reflected.
    observed: AtomicU64,
}

const NONE: u64 = u64::MAX;

impl ReadScope {
    /// The floor, once settled.
    pub fn floor(&self) -> Option<Revision> {
        Some(self.floor.load(Ordering::Acquire)).filter(|r| *r != NONE)
    }

    /// Raises the floor to `revision`.
    pub fn raise_floor(&self, revision: Revision) {
        let _ = self
            .floor
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |floor| {
                (floor == NONE || floor < revision).then_some(revision)
            });
    }

    /// Records that a read or commit reflected `revision`.
    pub fn observe(&self, revision: Revision) {
        let _ = self
            .observed
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |seen| {
                (seen == NONE || seen < revision).then_some(revision)
            });
    }

    fn observed(&self) -> Option<Revision> {
        Some(self.observed.load(Ordering::Acquire)).filter(|r| *r != NONE)
    }
}

tokio::task_local! {
    static SCOPE: Arc<ReadScope>;
}

/// Runs `future` with its reads at `freshness`; returns its output and the
/// newest revision its reads and commits reflected (`None` when it read
/// and wrote nothing through a read cache). A nested scope's revision
/// becomes the enclosing one's: what the answer reflects is what the
/// nested reads (a list pinned to one revision) saw.
pub async fn scoped<F: Future>(freshness: Freshness, future: F) -> (F::Output, Option<Revision>) {
    let outer = current();
    let scope = Arc::new(ReadScope {
        freshness,
        floor: AtomicU64::new(outer.as_ref().and_then(|o| o.floor()).unwrap_or(NONE)),
        observed: AtomicU64::new(NONE),
    });
    let output = SCOPE.scope(Arc::clone(&scope), future).await;
    let revision = scope.observed();
    if let (Some(outer), Some(revision)) = (outer, revision) {
        outer.observed.store(revision, Ordering::Release);
    }
    (output, revision)
}

/// Runs `future` with its reads at `freshness`, apart from the enclosing
/// scope: they neither rely on nor raise its floor, and what they reflect
/// is not reported to it. For reads whose freshness is not the request's
/// to choose — authentication is consistent even in a request that asks
/// for stale reads, so a revoked credential is refused at once.
pub async fn apart<F: Future>(freshness: Freshness, future: F) -> F::Output {
    let scope = Arc::new(ReadScope {
        freshness,
        floor: AtomicU64::new(NONE),
        observed: AtomicU64::new(NONE),
    });
    SCOPE.scope(scope, future).await
}

/// `future` in the read scope the calling task runs in, if any, wherever
/// it is polled: for work spawned on the scope's behalf, whose reads keep
/// the scope's freshness and floor and whose reads and commits are
/// reported to it.
pub fn carry<F: Future>(future: F) -> impl Future<Output = F::Output> {
    let scope = current();
    async move {
        match scope {
            Some(scope) => SCOPE.scope(scope, future).await,
            None => future.await,
        }
    }
}

/// The newest revision the current scope's reads and commits have
/// reflected so far (`None` outside a scope, or before any).
pub fn observed() -> Option<Revision> {
    current().and_then(|scope| scope.observed())
}

/// The scope the current task runs in, if any.
pub(crate) fn current() -> Option<Arc<ReadScope>> {
    SCOPE.try_with(Arc::clone).ok()
}

/// Records in the current scope (if any) that its answer reflects
/// `revision` — for a caller that read or wrote around a cache.
pub fn observe(revision: Revision) {
    if let Some(scope) = current() {
        scope.observe(revision);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_spawned_task_carries_the_scope() {
        let (carried, revision) = scoped(Freshness::AtLeast(4), async {
            tokio::spawn(carry(async {
                observe(7);
                current().map(|scope| scope.freshness)
            }))
            .await
            .unwrap()
        })
        .await;
        assert_eq!((carried, revision), (Some(Freshness::AtLeast(4)), Some(7)));
        let (seen, _) = scoped(Freshness::Consistent, async {
            observe(3);
            observed()
        })
        .await;
        assert_eq!((seen, observed()), (Some(3), None));
        // Outside any scope it runs as it is.
        assert!(
            tokio::spawn(carry(async { current().is_none() }))
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn a_scope_reports_the_newest_revision_and_nests() {
        let ((), none) = scoped(Freshness::Stale, async {}).await;
        assert_eq!(none, None);
        let (inner, outer) = scoped(Freshness::Consistent, async {
            observe(11);
            observe(2);
            let ((), inner) = scoped(Freshness::Exactly(9), async {
                assert_eq!(current().unwrap().freshness, Freshness::Exactly(9));
                observe(9);
            })
            .await;
            assert_eq!(current().unwrap().freshness, Freshness::Consistent);
            inner
        })
        .await;
        assert_eq!((inner, outer), (Some(9), Some(9)));
        // Outside a scope, nothing is recorded and nothing fails.
        observe(3);
        assert!(current().is_none());
    }

    #[tokio::test]
    async fn a_scope_apart_neither_inherits_nor_reports() {
        let ((), outer) = scoped(Freshness::Stale, async {
            current().unwrap().raise_floor(5);
            observe(5);
            apart(Freshness::Consistent, async {
                let inner = current().unwrap();
                assert_eq!(inner.freshness, Freshness::Consistent);
                assert_eq!(inner.floor(), None);
                observe(40);
            })
            .await;
            assert_eq!(current().unwrap().freshness, Freshness::Stale);
        })
        .await;
        assert_eq!(outer, Some(5));
    }

    #[test]
    fn the_floor_only_rises() {
        let scope = ReadScope {
            freshness: Freshness::Consistent,
            floor: AtomicU64::new(NONE),
            observed: AtomicU64::new(NONE),
        };
        assert_eq!(scope.floor(), None);
        scope.raise_floor(5);
        scope.raise_floor(3);
        assert_eq!(scope.floor(), Some(5));
    }
}
