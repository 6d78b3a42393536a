//! Change feeds on etcd: one watch of the engine's whole prefix per feed.
//!
//! Data keys' changes are grouped by revision into [`Change::Commit`]s;
//! every watch response then ends with a [`Change::Progress`] at its newest
//! revision, whatever key it touched (the mover's log keys, the progress
//! key), since etcd delivers a watcher's events in revision order. A
//! feed's proof of freshness while nothing changes is a write of its own:
//! [`progress`] puts the progress key and returns that revision, which
//! every watch of the prefix then reports (etcd's own progress requests
//! are not ordered with the stream before etcd 3.4.25, etcd issue 15220).

use std::sync::Arc;

use etcd_client::{EventType, WatchResponse};
use tokio::sync::mpsc::UnboundedSender;

use super::errors::read_error;
use super::follow::{self, Then};
use super::keys::Keys;
use super::members::Members;
use super::revisions::Revisions;
use crate::contract::{Change, Revision};
use crate::error::Error;

/// One commit's writes: each key and its new value (`None`: deleted).
type Writes = Vec<(Vec<u8>, Option<Vec<u8>>)>;

/// Follows the prefix from after `after` (an engine revision) into `feed`
/// until the feed's reader goes away; a compacted history ends the feed
/// with [`Error::Compacted`].
pub(super) async fn run(
    members: Arc<Members>,
    keys: Keys,
    revisions: Revisions,
    after: Revision,
    feed: UnboundedSender<Result<Change, Error>>,
) {
    let data = keys.data(b"");
    let offset = keys.offset();
    let mut next = revisions.etcd(after) + 1;
    let start = next;
    let handle = |response: &WatchResponse| {
        if response.compact_revision() > 0 {
            let _ = feed.send(Err(Error::Compacted {
                requested: revisions.ours(next - 1),
                compacted_through: revisions.ours(response.compact_revision() - 1),
            }));
            return Then::Stop;
        }
        let mut newest = None;
        let mut commit: Option<(i64, Writes)> = None;
        for event in response.events() {
            let Some(kv) = event.kv() else { continue };
            if kv.key() == offset.as_slice() {
                // A load renumbered the revisions: start over.
                let _ = feed.send(Err(Error::Backend("a copy was loaded".into())));
                return Then::Stop;
            }
            newest = Some(kv.mod_revision());
            let Some(key) = kv.key().strip_prefix(data.as_slice()) else {
                continue;
            };
            let value = match event.event_type() {
                EventType::Put => Some(kv.value().to_vec()),
                EventType::Delete => None,
            };
            match &mut commit {
                Some((revision, writes)) if *revision == kv.mod_revision() => {
                    writes.push((key.to_vec(), value));
                }
                _ => {
                    if let Some(done) = commit.take() {
                        send_commit(&feed, &revisions, done);
                    }
                    commit = Some((kv.mod_revision(), vec![(key.to_vec(), value)]));
                }
            }
        }
        if let Some(done) = commit.take() {
            send_commit(&feed, &revisions, done);
        }
        if let Some(revision) = newest {
            next = next.max(revision + 1);
            let progress = Change::Progress(revisions.ours(revision));
            if feed.send(Ok(progress)).is_err() {
                return Then::Stop;
            }
        }
        Then::ResumeFrom(next)
    };
    let closed = feed.clone();
    follow::prefix(&members, &keys, start, handle, async move {
        closed.closed().await
    })
    .await;
}

fn send_commit(
    feed: &UnboundedSender<Result<Change, Error>>,
    revisions: &Revisions,
    (revision, mut writes): (i64, Writes),
) {
    writes.sort_by(|a, b| a.0.cmp(&b.0));
    let _ = feed.send(Ok(Change::Commit {
        revision: revisions.ours(revision),
        writes,
    }));
}

/// Writes the progress key: every feed will report its revision.
pub(super) async fn progress(
    members: &Members,
    keys: &Keys,
    revisions: &Revisions,
) -> Result<Revision, Error> {
    let key = keys.progress();
    // A put of a key no reader reads: safe to send again.
    let response = members
        .read(|client| {
            let key = key.clone();
            async move { client.kv_client().put(key, Vec::new(), None).await }
        })
        .await
        .map_err(read_error)?;
    Ok(revisions.ours(response.header().map_or(0, |h| h.revision())))
}
