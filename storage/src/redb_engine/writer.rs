//! The single writer thread and its group commit.
//!
//! The writer waits for one request, then drains every request already
//! queued (up to `max_batch`) into one redb write transaction. Each commit's
//! preconditions are checked against the state left by the commits before it
//! in the batch; a commit whose precondition fails is answered on its own and
//! leaves no trace. The transaction is committed once — one fsync for the
//! whole batch — and only then is every caller answered and the new revision
//! published.
//!
//! Fail-stop: if the batch cannot be made durable (an I/O or commit error,
//! or a panic of this thread), its callers are told the outcome is unknown,
//! the failure is published, and the writer stops: redb refuses writes
//! after an I/O error anyway, and recovery is its job on the next open.

use std::sync::Arc;

use redb::{Database, Durability, ReadableTable, WriteTransaction};
use tokio::sync::{mpsc, oneshot, watch};

use super::layout::{COMPACTED_THROUGH, EVENTS, KV, META, REVISION};
use super::options::RedbOptions;
use crate::contract::{Commit, Revision};
use crate::error::{CommitError, Error, FailedPrecondition};

/// A commit made ready for the writer by the caller's task, so the single
/// writer thread only checks and applies: one final op per key.
pub(super) struct Prepared {
    preconditions: Vec<crate::contract::Precondition>,
    ops: Vec<(Vec<u8>, Option<Vec<u8>>)>,
    events: Vec<Vec<u8>>,
}

impl Prepared {
    /// Bytes of keys, values and events the commit carries.
    pub(super) fn size(&self) -> usize {
        let ops: usize = self
            .ops
            .iter()
            .map(|(key, value)| key.len() + value.as_ref().map_or(0, Vec::len))
            .sum();
        ops + self.events.iter().map(Vec::len).sum::<usize>()
    }
}

impl From<Commit> for Prepared {
    fn from(commit: Commit) -> Self {
        // One final op per key, the last winning; moved, not copied.
        let ops: std::collections::BTreeMap<Vec<u8>, Option<Vec<u8>>> = commit
            .ops
            .into_iter()
            .map(|op| match op {
                crate::contract::Op::Put(key, value) => (key, Some(value)),
                crate::contract::Op::Delete(key) => (key, None),
            })
            .collect();
        let ops = ops.into_iter().collect();
        Prepared {
            preconditions: commit.preconditions,
            ops,
            events: commit.events,
        }
    }
}

/// A unit of work for the writer.
pub(super) enum Request {
    Commit(Prepared, oneshot::Sender<Result<Revision, CommitError>>),
    CompactEvents(Revision, oneshot::Sender<Result<(), Error>>),
    /// A step of loading a copy into the (empty) store.
    Load(LoadStep, oneshot::Sender<Result<(), Error>>),
}

/// What one step of a load writes.
pub(super) enum LoadStep {
    /// Data keys with their original `mod_revision`.
    Data(Vec<(Vec<u8>, crate::contract::Entry)>),
    /// Events at their positions.
    Events(Vec<crate::contract::EventRecord>),
    /// The store's revision and log start.
    Finish(crate::contract::SnapshotPoint),
}

/// What one request will be answered once the batch is durable.
enum Outcome {
    Committed(Revision),
    Failed(FailedPrecondition),
    Compacted,
    Loaded,
}

/// Where the writer publishes its state.
pub(super) struct Channels {
    /// The latest committed revision.
    pub revision: watch::Sender<Revision>,
    /// `Some(reason)` once the writer has failed for good.
    pub failure: Arc<watch::Sender<Option<String>>>,
    /// Where batch sizes are recorded.
    pub stats: Arc<crate::WriteRecorder>,
    /// The open change feeds.
    pub feeds: Arc<Feeds>,
}

/// The change feeds a batch's commits are published to.
#[derive(Default)]
pub(super) struct Feeds(std::sync::Mutex<Vec<tokio::sync::mpsc::UnboundedSender<FeedItem>>>);

/// One item of a change feed.
pub(super) type FeedItem = Result<crate::contract::Change, Error>;

impl Feeds {
    /// Opens a feed; `revision` reads the revision it starts after while
    /// no batch can be published.
    pub fn open(&self, revision: impl FnOnce() -> Revision) -> (Revision, crate::ChangeFeed) {
        let mut feeds = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let (sender, receiver) = tokio::sync::mpsc::unbounded_channel();
        feeds.push(sender);
        (revision(), receiver)
    }

    /// Ends every feed (the engine closed).
    pub fn close(&self) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }

    /// Sends every commit of a durable batch that made a new revision (in
    /// order; a load ends every feed), then publishes the batch's last
    /// revision — under the feeds' lock, so a feed opens either before
    /// the batch or after its revision is published.
    fn publish(
        &self,
        batch: &mut [Request],
        outcomes: &[Outcome],
        before: Revision,
        published: &watch::Sender<Revision>,
        after: Revision,
    ) {
        let mut feeds = self.0.lock().unwrap_or_else(|p| p.into_inner());
        feeds.retain(|feed| !feed.is_closed());
        Self::send(&mut feeds, batch, outcomes, before);
        published.send_if_modified(|current| {
            let changed = *current != after;
            *current = after;
            changed
        });
    }

    fn send(
        feeds: &mut Vec<tokio::sync::mpsc::UnboundedSender<FeedItem>>,
        batch: &mut [Request],
        outcomes: &[Outcome],
        before: Revision,
    ) {
        if feeds.is_empty() {
            return;
        }
        let mut last = before;
        for (request, outcome) in batch.iter_mut().zip(outcomes) {
            match (request, outcome) {
                (Request::Commit(commit, _), Outcome::Committed(revision)) if *revision > last => {
                    last = *revision;
                    // The writes are durable and the writer is done with
                    // them: moved to the (usually one) feed, not copied.
                    let change = crate::contract::Change::Commit {
                        revision: *revision,
                        writes: std::mem::take(&mut commit.ops),
                    };
                    if let Some((last_feed, others)) = feeds.split_last() {
                        for feed in others {
                            let _ = feed.send(Ok(change.clone()));
                        }
                        let _ = last_feed.send(Ok(change));
                    }
                }
                (_, Outcome::Loaded) => {
                    for feed in feeds.drain(..) {
                        let _ = feed.send(Err(Error::Backend("a copy was loaded".into())));
                    }
                    return;
                }
                _ => {}
            }
        }
    }
}

pub(super) fn spawn(
    db: Arc<Database>,
    requests: mpsc::Receiver<Request>,
    channels: Channels,
    revision: Revision,
    options: RedbOptions,
) -> Result<std::thread::JoinHandle<()>, Error> {
    std::thread::Builder::new()
        .name("clusterdb-redb-writer".into())
        .spawn(move || run(&db, requests, &channels, revision, &options))
        .map_err(|err| Error::Backend(format!("cannot start the writer thread: {err}")))
}

/// The message of a panic payload.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".into())
}

fn run(
    db: &Database,
    mut requests: mpsc::Receiver<Request>,
    channels: &Channels,
    mut revision: Revision,
    options: &RedbOptions,
) {
    let max_batch = options.max_batch.max(1);
    let mut batch = Vec::with_capacity(max_batch);
    while let Some(first) = requests.blocking_recv() {
        batch.push(first);
        while batch.len() < max_batch {
            match requests.try_recv() {
                Ok(request) => batch.push(request),
                Err(_) => break,
            }
        }
        channels.stats.batch(batch.len());
        let applied = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            apply(db, &batch, revision, options.durable)
        }))
        .unwrap_or_else(|panic| {
            Err(Error::Backend(format!(
                "the writer thread panicked: {}",
                panic_message(&*panic)
            )))
        });
        match applied {
            Ok((outcomes, last)) => {
                // Feeds hear of a commit before its revision is published
                // (a reader of the store itself may see it earlier: a
                // read cache waits for the store's revision, not this one).
                channels
                    .feeds
                    .publish(&mut batch, &outcomes, revision, &channels.revision, last);
                revision = last;
                for (request, outcome) in batch.drain(..).zip(outcomes) {
                    answer(request, outcome);
                }
            }
            Err(err) => {
                let reason = err.to_string();
                tracing::error!(
                    error = %reason,
                    commits = batch.len(),
                    "group commit failed; the store stops taking writes (fail-stop)"
                );
                channels.failure.send_replace(Some(reason.clone()));
                let unknown = Error::OutcomeUnknown(reason);
                for request in batch.drain(..) {
                    match request {
                        Request::Commit(_, reply) => drop(reply.send(Err(unknown.clone().into()))),
                        Request::CompactEvents(_, reply) | Request::Load(_, reply) => {
                            drop(reply.send(Err(unknown.clone())))
                        }
                    }
                }
                // Whatever is still queued never reached the store.
                requests.close();
                while let Ok(request) = requests.try_recv() {
                    let failed = Error::Failed(err.to_string());
                    match request {
                        Request::Commit(_, reply) => drop(reply.send(Err(failed.into()))),
                        Request::CompactEvents(_, reply) | Request::Load(_, reply) => {
                            drop(reply.send(Err(failed)))
                        }
                    }
                }
                return;
            }
        }
    }
}

fn answer(request: Request, outcome: Outcome) {
    // A caller that stopped waiting is no error: its commit is durable anyway.
    match (request, outcome) {
        (Request::Commit(_, reply), Outcome::Committed(rev)) => drop(reply.send(Ok(rev))),
        (Request::Commit(_, reply), Outcome::Failed(failed)) => {
            drop(reply.send(Err(CommitError::PreconditionFailed(failed))))
        }
        (Request::CompactEvents(_, reply) | Request::Load(_, reply), _) => drop(reply.send(Ok(()))),
        (Request::Commit(_, reply), Outcome::Compacted | Outcome::Loaded) => {
            drop(reply.send(Err(Error::Backend("writer outcome mismatch".into()).into())))
        }
    }
}

/// Applies a batch in one write transaction. Returns each request's outcome
/// and the latest revision, or an error if nothing could be made durable.
fn apply(
    db: &Database,
    batch: &[Request],
    mut revision: Revision,
    durable: bool,
) -> Result<(Vec<Outcome>, Revision), Error> {
    let mut txn = db.begin_write()?;
    let durability = if durable {
        Durability::Immediate
    } else {
        Durability::None
    };
    txn.set_durability(durability)
        .map_err(|err| Error::Backend(err.to_string()))?;
    let mut outcomes = Vec::with_capacity(batch.len());
    let mut changed = false;
    {
        let mut kv = txn.open_table(KV)?;
        let mut events = txn.open_table(EVENTS)?;
        for request in batch {
            match request {
                Request::Commit(commit, _) => {
                    if let Some(failed) = first_failed_precondition(&kv, commit)? {
                        outcomes.push(Outcome::Failed(failed));
                        continue;
                    }
                    let next = revision + 1;
                    let mut modified = !commit.events.is_empty();
                    for (key, value) in &commit.ops {
                        match value {
                            Some(value) => {
                                kv.insert(key.as_slice(), (next, value.as_slice()))?;
                                modified = true;
                            }
                            None => modified |= kv.remove(key.as_slice())?.is_some(),
                        }
                    }
                    if !modified {
                        // Nothing changed: no new revision.
                        outcomes.push(Outcome::Committed(revision));
                        continue;
                    }
                    revision = next;
                    // `check_size` bounded the count to u32 in the caller.
                    for (index, payload) in (0u32..).zip(&commit.events) {
                        events.insert((revision, index), payload.as_slice())?;
                    }
                    changed = true;
                    outcomes.push(Outcome::Committed(revision));
                }
                Request::CompactEvents(before, _) => {
                    compact(&txn, &mut events, *before)?;
                    changed = true;
                    outcomes.push(Outcome::Compacted);
                }
                Request::Load(step, _) => {
                    match step {
                        LoadStep::Data(entries) => {
                            for (key, entry) in entries {
                                kv.insert(
                                    key.as_slice(),
                                    (entry.mod_revision, entry.value.as_slice()),
                                )?;
                            }
                        }
                        LoadStep::Events(records) => {
                            for record in records {
                                events.insert(
                                    (record.revision, record.index),
                                    record.payload.as_slice(),
                                )?;
                            }
                        }
                        LoadStep::Finish(point) => {
                            revision = point.revision;
                            txn.open_table(META)?
                                .insert(COMPACTED_THROUGH, point.compacted_through)?;
                        }
                    }
                    changed = true;
                    outcomes.push(Outcome::Loaded);
                }
            }
        }
        if changed {
            txn.open_table(META)?.insert(REVISION, revision)?;
        }
    }
    finish(txn, changed)?;
    Ok((outcomes, revision))
}

fn finish(txn: WriteTransaction, changed: bool) -> Result<(), Error> {
    if changed {
        txn.commit()?;
    } else {
        txn.abort()?;
    }
    Ok(())
}

fn first_failed_precondition(
    kv: &redb::Table<&[u8], (u64, &[u8])>,
    commit: &Prepared,
) -> Result<Option<FailedPrecondition>, Error> {
    for (index, precondition) in commit.preconditions.iter().enumerate() {
        let actual = kv.get(precondition.key())?.map(|guard| guard.value().0);
        if !precondition.holds(actual) {
            return Ok(Some(FailedPrecondition {
                index,
                key: precondition.key().to_vec(),
                actual,
            }));
        }
    }
    Ok(None)
}

fn compact(
    txn: &WriteTransaction,
    events: &mut redb::Table<(u64, u32), &[u8]>,
    before: Revision,
) -> Result<(), Error> {
    let newest_removed = match events.range(..(before, 0u32))?.next_back() {
        Some(entry) => entry?.0.value().0,
        None => return Ok(()),
    };
    events.retain_in(..(before, 0u32), |_, _| false)?;
    let mut meta = txn.open_table(META)?;
    let through = meta.get(COMPACTED_THROUGH)?.map(|v| v.value()).unwrap_or(0);
    meta.insert(COMPACTED_THROUGH, through.max(newest_removed))?;
    Ok(())
}
