//! Filling the cache from a snapshot and following the change feed.

use std::sync::Weak;
use std::time::Duration;

use super::history::History;
use super::options::ReadCacheOptions;
use super::shared::Shared;
use crate::contract::{Change, ChangeFeed, Engine, Entry};
use crate::error::Error;

/// Keys one snapshot page reads.
const FILL_PAGE: usize = 1000;

/// A history filled from a snapshot taken after a feed was opened, and
/// that feed: the feed's changes at or below the snapshot's revision are
/// already in it (and [`apply`] passes over them).
pub(super) async fn fill(
    engine: &dyn Engine,
    options: &ReadCacheOptions,
) -> Result<(History, ChangeFeed), Error> {
    let (_, feed) = engine.changes().await?;
    let mut snapshot = engine.snapshot().await?;
    let revision = snapshot.point().revision;
    let mut entries: Vec<(Vec<u8>, Entry)> = Vec::new();
    let mut bytes = 0usize;
    let mut after: Option<Vec<u8>> = None;
    loop {
        let page = snapshot.data(after.as_deref(), FILL_PAGE).await?;
        after = page.entries.last().map(|(key, _)| key.clone());
        for (key, entry) in page.entries {
            if !options.holds(&key) {
                continue;
            }
            bytes += key.len() + entry.value.len() + super::history::VERSION_OVERHEAD;
            if bytes > options.max_bytes {
                return Err(Error::TooLarge(format!(
                    "the read cache would need more than its limit of {} bytes for this store \
                     (over {} keys read at revision {revision} so far, {} bytes each on average \
                     with {} bytes of overhead); raise the limit or turn the cache off",
                    options.max_bytes,
                    entries.len() + 1,
                    bytes / (entries.len() + 1),
                    super::history::VERSION_OVERHEAD,
                )));
            }
            entries.push((key, entry));
        }
        if !page.more || after.is_none() {
            break;
        }
    }
    Ok((History::new(revision, entries), feed))
}

/// Applies the feed to the shared history until the cache is dropped;
/// refills when the feed breaks.
pub(super) async fn run(shared: Weak<Shared>, mut feed: ChangeFeed) {
    let mut backoff = Duration::from_millis(100);
    loop {
        let item = feed.recv().await;
        let Some(shared) = shared.upgrade() else {
            return;
        };
        match item {
            Some(Ok(change)) => {
                apply(&shared, change);
                continue;
            }
            Some(Err(err)) => {
                tracing::warn!(error = %err, "the read cache's change feed broke; refilling")
            }
            None => tracing::warn!("the read cache's change feed ended; refilling"),
        }
        loop {
            match fill(&*shared.inner, &shared.options).await {
                Ok((history, fresh)) => {
                    let applied = history.applied();
                    *shared.write() = history;
                    shared.applied.send_replace(applied);
                    shared
                        .fills
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    feed = fresh;
                    backoff = Duration::from_millis(100);
                    break;
                }
                Err(Error::Closed) => return,
                Err(err) => {
                    tracing::warn!(error = %err, "cannot refill the read cache; retrying");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                }
            }
        }
    }
}

fn apply(shared: &Shared, change: Change) {
    let change = match change {
        Change::Commit { revision, writes } => Change::Commit {
            revision,
            // In place: the feed's vector is reused.
            writes: writes
                .into_iter()
                .filter(|(key, _)| shared.options.holds(key))
                .collect(),
        },
        progress => progress,
    };
    let applied = {
        let mut history = shared.write();
        match change {
            // At or below the applied revision: already in the snapshot
            // the cache was filled from.
            Change::Commit { revision, writes } if revision > history.applied() => {
                history.apply(revision, writes)
            }
            Change::Commit { .. } => {}
            Change::Progress(revision) => history.advance(revision),
        }
        history.prune(
            shared.options.history,
            shared.options.max_history_revisions,
            shared.options.max_bytes,
        );
        history.applied()
    };
    shared.applied.send_if_modified(|current| {
        let moved = *current < applied;
        *current = applied.max(*current);
        moved
    });
}
