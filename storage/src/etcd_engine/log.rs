//! The event log on etcd.
//!
//! A commit's events are written in its transaction under *pending* keys
//! (`e/p/{commit}/{index}`), because the commit's revision — their
//! position in the log — is only known once it lands: it is the keys'
//! `mod_revision`. The mover then moves whole commits, in one transaction
//! each batch, to *log* keys ordered by revision (`e/l/{revision}/{index}`).
//! At every revision an event is in exactly one of the two places, so a
//! reader that reads both at one revision and merges them sees the log
//! exactly. Pending events are few (commits in flight plus mover lag), so
//! a read costs O(limit + in flight), never a scan of the whole log.
//!
//! Every node runs a mover; their moves are conditioned on what they read,
//! so they never conflict, and a node that died leaves nothing stuck.

use std::sync::Arc;
use std::time::Duration;

use etcd_client::{
    Compare, CompareOp, EventType, GetOptions, GetResponse, KeyValue, SortOrder, SortTarget, Txn,
    TxnOp, TxnOpResponse,
};
use tokio::sync::{Notify, watch};

use super::errors::read_error;
use super::follow::{self, Then};
use super::keys::{Keys, prefix_end};
use super::members::Members;
use super::revisions::Revisions;
use super::{publish, to_i64};
use crate::contract::{EventRecord, Revision};
use crate::error::Error;

/// Pending events one move reads at most (two operations each; etcd's
/// default limit is 128 operations per transaction).
const MOVE_BATCH: i64 = 60;

fn gets(responses: Vec<TxnOpResponse>) -> Vec<GetResponse> {
    responses
        .into_iter()
        .filter_map(|r| match r {
            TxnOpResponse::Get(get) => Some(get),
            _ => None,
        })
        .collect()
}

/// The compaction point and the revision of the key holding it.
fn compaction(get: &GetResponse) -> (Revision, i64) {
    match get.kvs().first() {
        None => (0, 0),
        Some(kv) => (
            std::str::from_utf8(kv.value())
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(0),
            kv.mod_revision(),
        ),
    }
}

fn unchanged_compaction(keys: &Keys, mod_revision: i64) -> Compare {
    if mod_revision == 0 {
        Compare::version(keys.compacted(), CompareOp::Equal, 0)
    } else {
        Compare::mod_revision(keys.compacted(), CompareOp::Equal, mod_revision)
    }
}

fn log_record(keys: &Keys, kv: &KeyValue) -> Result<EventRecord, Error> {
    let (revision, index) = keys
        .parse_log(kv.key())
        .ok_or_else(|| Error::Corrupt("malformed event log key".into()))?;
    Ok(EventRecord {
        revision,
        index,
        payload: kv.value().to_vec(),
    })
}

/// See [`crate::Engine::events_since`].
pub(super) async fn events_since(
    members: &Members,
    keys: &Keys,
    revisions: &Revisions,
    after: Revision,
    limit: usize,
) -> Result<Vec<EventRecord>, Error> {
    let first = after.saturating_add(1);
    let log_range = GetOptions::new()
        .with_range(prefix_end(&keys.log_prefix()))
        .with_limit(to_i64(limit.max(1) as u64));
    let read = Txn::new().and_then([
        TxnOp::get(keys.compacted(), None),
        TxnOp::get(keys.log(first, 0), Some(log_range)),
        TxnOp::get(keys.pending_prefix(), Some(GetOptions::new().with_prefix())),
    ]);
    let response = members.repeatable_txn(read).await.map_err(read_error)?;
    let at = response.header().map_or(0, |h| h.revision());
    let [compacted, log, pending]: [GetResponse; 3] = gets(response.op_responses())
        .try_into()
        .map_err(|_| Error::Backend("etcd answered a different number of reads".into()))?;
    let (compacted_through, _) = compaction(&compacted);
    if after < compacted_through {
        return Err(Error::Compacted {
            requested: after,
            compacted_through,
        });
    }
    if limit == 0 {
        return Ok(Vec::new());
    }
    let mut events = log
        .kvs()
        .iter()
        .map(|kv| log_record(keys, kv))
        .collect::<Result<Vec<_>, _>>()?;
    // When the log read was cut short, nothing past its last commit is
    // known; finish that commit (read at the same revision) and stop there.
    let bound = match (log.more(), events.last()) {
        (true, Some(last)) => {
            let (revision, index) = (last.revision, last.index);
            let rest = GetOptions::new()
                .with_range(keys.log(revision.saturating_add(1), 0))
                .with_revision(at);
            let tail = members
                .get(keys.log(revision, index.saturating_add(1)), Some(rest))
                .await
                .map_err(read_error)?;
            for kv in tail.kvs() {
                events.push(log_record(keys, kv)?);
            }
            Some(revision)
        }
        _ => None,
    };
    for kv in pending.kvs() {
        let revision = revisions.ours(kv.mod_revision());
        if revision <= after || bound.is_some_and(|b| revision > b) {
            continue;
        }
        let (_, index) = keys
            .parse_pending(kv.key())
            .ok_or_else(|| Error::Corrupt("malformed pending event key".into()))?;
        events.push(EventRecord {
            revision,
            index,
            payload: kv.value().to_vec(),
        });
    }
    events.sort_by_key(|e| (e.revision, e.index));
    // Up to `limit`, but never splitting a commit.
    let cut = (limit..events.len())
        .find(|&i| events[i].revision != events[i - 1].revision)
        .unwrap_or(events.len());
    events.truncate(cut);
    Ok(events)
}

/// See [`crate::Engine::compact_events`].
pub(super) async fn compact(
    members: &Members,
    keys: &Keys,
    revisions: &Revisions,
    before: Revision,
) -> Result<(), Error> {
    loop {
        let below = GetOptions::new()
            .with_range(keys.log(before, 0))
            .with_keys_only()
            .with_sort(SortTarget::Key, SortOrder::Descend)
            .with_limit(1);
        let read = Txn::new().and_then([
            TxnOp::get(keys.compacted(), None),
            TxnOp::get(keys.log(0, 0), Some(below)),
            TxnOp::get(keys.pending_prefix(), Some(GetOptions::new().with_prefix())),
        ]);
        let response = members.repeatable_txn(read).await.map_err(read_error)?;
        let seen = revisions.ours(response.header().map_or(0, |h| h.revision()));
        let [compacted, newest_log, pending]: [GetResponse; 3] = gets(response.op_responses())
            .try_into()
            .map_err(|_| Error::Backend("etcd answered a different number of reads".into()))?;
        // Events committed after this read have higher revisions; never
        // remove one unseen.
        let before = before.min(seen.saturating_add(1));
        let (through, version) = compaction(&compacted);
        let stale_pending: Vec<&KeyValue> = pending
            .kvs()
            .iter()
            .filter(|kv| revisions.ours(kv.mod_revision()) < before)
            .collect();
        let newest_removed = newest_log
            .kvs()
            .first()
            .and_then(|kv| keys.parse_log(kv.key()))
            .map(|(revision, _)| revision)
            .into_iter()
            .chain(
                stale_pending
                    .iter()
                    .map(|kv| revisions.ours(kv.mod_revision())),
            )
            .max();
        let Some(newest_removed) = newest_removed else {
            return Ok(());
        };
        let mut compares = vec![unchanged_compaction(keys, version)];
        let mut ops = vec![
            TxnOp::delete(
                keys.log(0, 0),
                Some(etcd_client::DeleteOptions::new().with_range(keys.log(before, 0))),
            ),
            TxnOp::put(
                keys.compacted(),
                through.max(newest_removed).to_string(),
                None,
            ),
        ];
        for kv in stale_pending {
            compares.push(Compare::mod_revision(
                kv.key(),
                CompareOp::Equal,
                kv.mod_revision(),
            ));
            ops.push(TxnOp::delete(kv.key(), None));
        }
        // Conditioned on the compaction point and each pending key.
        let response = members
            .repeatable_txn(Txn::new().when(compares).and_then(ops))
            .await
            .map_err(read_error)?;
        if response.succeeded() {
            return Ok(());
        }
    }
}

/// Moves pending events into the log, forever: woken after local commits,
/// and every half second for commits of other nodes.
pub(super) async fn run_mover(
    members: Arc<Members>,
    keys: Keys,
    revisions: Revisions,
    wake: Arc<Notify>,
) {
    let mut backoff = Duration::from_millis(50);
    loop {
        tokio::select! {
            _ = wake.notified() => {}
            _ = tokio::time::sleep(Duration::from_millis(500)) => {}
        }
        loop {
            match move_batch(&members, &keys, &revisions).await {
                Ok(true) => backoff = Duration::from_millis(50),
                Ok(false) => break,
                Err(err) => {
                    tracing::debug!(error = %err, "event mover will retry");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                    break;
                }
            }
        }
    }
}

/// Moves one batch of whole commits. Returns whether more may be pending.
async fn move_batch(members: &Members, keys: &Keys, revisions: &Revisions) -> Result<bool, Error> {
    let pending = members
        .get(
            keys.pending_prefix(),
            Some(GetOptions::new().with_prefix().with_limit(MOVE_BATCH)),
        )
        .await
        .map_err(read_error)?;
    let mut batch: Vec<KeyValue> = pending.kvs().to_vec();
    let more = pending.more();
    let commit_of = |kv: &KeyValue| keys.parse_pending(kv.key()).map(|(c, _)| c.to_string());
    if more && let (Some(first), Some(last)) = (batch.first(), batch.last()) {
        let (first, last) = (commit_of(first), commit_of(last));
        if first != last {
            // The last commit may be cut off: leave it for the next batch.
            batch.retain(|kv| commit_of(kv) != last);
        } else if let Some(commit) = last {
            // One commit larger than a batch: move it whole.
            let whole = members
                .get(
                    [keys.pending_prefix().as_slice(), commit.as_bytes(), b"/"].concat(),
                    Some(GetOptions::new().with_prefix()),
                )
                .await
                .map_err(read_error)?;
            batch = whole.kvs().to_vec();
        }
    }
    if batch.is_empty() {
        return Ok(false);
    }
    // Conditioned on each pending key as read: a move that races another
    // mover or a compaction fails and is looked at again.
    let mut compares = Vec::with_capacity(batch.len());
    let mut ops = Vec::with_capacity(batch.len() * 2);
    for kv in &batch {
        let (_, index) = keys
            .parse_pending(kv.key())
            .ok_or_else(|| Error::Corrupt("malformed pending event key".into()))?;
        let revision = revisions.ours(kv.mod_revision());
        compares.push(Compare::mod_revision(
            kv.key(),
            CompareOp::Equal,
            kv.mod_revision(),
        ));
        ops.push(TxnOp::put(keys.log(revision, index), kv.value(), None));
        ops.push(TxnOp::delete(kv.key(), None));
    }
    let moved = members
        .repeatable_txn(Txn::new().when(compares).and_then(ops))
        .await
        .map_err(read_error)?;
    // A failed compare means another mover got there first: look again.
    Ok(more || !moved.succeeded())
}

/// Follows etcd's watch on the engine's keys and publishes the revision of
/// every data write and new event, so subscribers on this node wake for
/// commits made by any node. On a broken stream it resumes from the next
/// revision; the log itself is read with [`events_since`], so a wake-up
/// carries no data and none can be lost.
pub(super) async fn run_watch(
    members: Arc<Members>,
    keys: Keys,
    revisions: Revisions,
    published: Arc<watch::Sender<Revision>>,
) {
    let data = keys.data(b"");
    let pending = keys.pending_prefix();
    let mut next = revisions.etcd(*published.borrow()) + 1;
    let start = next;
    let handle = |response: &etcd_client::WatchResponse| {
        if response.compact_revision() > 0 {
            // etcd compacted the history we asked for; wake-ups from
            // there on are all that matter.
            next = response.compact_revision();
            return Then::RestartFrom(next);
        }
        let newest = response
            .events()
            .iter()
            .filter_map(|e| Some((e.event_type(), e.kv()?)))
            .filter(|(kind, kv)| {
                kv.key().starts_with(&data)
                    || (*kind == EventType::Put && kv.key().starts_with(&pending))
            })
            .map(|(_, kv)| kv.mod_revision())
            .max();
        if let Some(revision) = newest {
            next = next.max(revision + 1);
            publish(&published, revisions.ours(revision));
        }
        Then::ResumeFrom(next)
    };
    follow::prefix(&members, &keys, start, handle, std::future::pending()).await;
}
