//! The engine contract: what every storage engine promises.

use async_trait::async_trait;
use tokio::sync::watch;

use crate::error::{CommitError, Error};
pub use crate::revision::Revision;

/// A stored value and the revision at which it was last written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The value bytes.
    pub value: Vec<u8>,
    /// Revision of the commit that last wrote this key (etcd's `mod_revision`).
    pub mod_revision: Revision,
}

/// One page of a [`Engine::range`] read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// Keys in ascending byte order, each with its entry.
    pub entries: Vec<(Vec<u8>, Entry)>,
    /// Whether more keys under the prefix follow the last one returned.
    pub more: bool,
    /// The store revision the page was read at.
    pub revision: Revision,
}

/// A condition a commit requires of the current state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Precondition {
    /// The key must not exist.
    Absent(Vec<u8>),
    /// The key must exist and have been last written at exactly this revision.
    AtRevision(Vec<u8>, Revision),
}

impl Precondition {
    /// The key the precondition is about.
    pub fn key(&self) -> &[u8] {
        match self {
            Precondition::Absent(key) | Precondition::AtRevision(key, _) => key,
        }
    }

    /// Whether the condition holds given the key's current revision (`None`
    /// when the key is absent).
    pub fn holds(&self, current: Option<Revision>) -> bool {
        match self {
            Precondition::Absent(_) => current.is_none(),
            Precondition::AtRevision(_, want) => current == Some(*want),
        }
    }
}

/// A write operation. Several ops on one key: the last one wins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// Set `key` to `value`.
    Put(Vec<u8>, Vec<u8>),
    /// Remove `key` (no effect if it is absent).
    Delete(Vec<u8>),
}

/// One atomic unit of work: preconditions, then writes, then events.
///
/// Either every precondition holds and everything is applied at one new
/// revision, or nothing is applied. A commit that changes nothing — no
/// event, no put, and only deletes of absent keys — creates no revision.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Commit {
    /// Conditions checked against the state before the commit.
    pub preconditions: Vec<Precondition>,
    /// Writes applied in order.
    pub ops: Vec<Op>,
    /// Event payloads appended to the event log at the commit's revision.
    pub events: Vec<Vec<u8>>,
}

impl Commit {
    /// Whether the commit writes nothing and appends no event.
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty() && self.events.is_empty()
    }

    /// Checks the size rules every engine enforces before a commit goes
    /// anywhere, so a malformed commit fails alone and never the batch it
    /// would have been part of.
    pub fn check_size(&self) -> Result<(), Error> {
        let keys = self
            .preconditions
            .iter()
            .map(Precondition::key)
            .chain(self.ops.iter().map(|op| match op {
                Op::Put(key, _) | Op::Delete(key) => key.as_slice(),
            }));
        for key in keys {
            if key.is_empty() || key.len() > MAX_KEY_LEN {
                return Err(Error::TooLarge(format!(
                    "a key must be 1 to {MAX_KEY_LEN} bytes, not {}",
                    key.len()
                )));
            }
        }
        let values = self.ops.iter().filter_map(|op| match op {
            Op::Put(_, value) => Some(value),
            Op::Delete(_) => None,
        });
        for value in values.chain(&self.events) {
            if value.len() > MAX_VALUE_LEN {
                return Err(Error::TooLarge(format!(
                    "a value or event is at most {MAX_VALUE_LEN} bytes, not {}",
                    value.len()
                )));
            }
        }
        if self.events.len() > MAX_EVENTS {
            return Err(Error::TooLarge(format!(
                "a commit carries at most {MAX_EVENTS} events, not {}",
                self.events.len()
            )));
        }
        Ok(())
    }

    /// The effect of [`Commit::ops`]: for each key, the value it is set to
    /// (`None`: deleted), the last op on a key winning.
    pub fn final_ops(&self) -> std::collections::BTreeMap<&[u8], Option<&[u8]>> {
        self.ops
            .iter()
            .map(|op| match op {
                Op::Put(key, value) => (key.as_slice(), Some(value.as_slice())),
                Op::Delete(key) => (key.as_slice(), None),
            })
            .collect()
    }
}

/// Longest key, in bytes.
pub const MAX_KEY_LEN: usize = 4096;
/// Largest value or event payload, in bytes.
pub const MAX_VALUE_LEN: usize = 64 << 20;
/// Most events one commit carries (their index is a `u32`).
pub const MAX_EVENTS: usize = 65_536;

/// An event record in the log, identified by `(revision, index)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRecord {
    /// Revision of the commit that appended the event.
    pub revision: Revision,
    /// Position of the event within its commit.
    pub index: u32,
    /// The payload as given to [`Commit::events`].
    pub payload: Vec<u8>,
}

/// A claim to lead the work only one process sharing a store may do (see
/// [`Engine::campaign`]).
#[derive(Debug, Clone)]
pub struct Leadership {
    /// The fencing token: the leader key at the revision the claim wrote
    /// it. A commit carrying it as a precondition fails once the claim has
    /// passed to another process, so a deposed leader that has not yet
    /// noticed cannot overwrite its successor's work.
    pub fence: Precondition,
    /// Turns true when the claim is lost (its lease expired or could not
    /// be renewed). A closed channel means the claim lasts as long as the
    /// engine.
    pub lost: watch::Receiver<bool>,
}

/// One item of a change feed (see [`Engine::changes`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// One commit's writes to data keys: each key with its new value
    /// (`None`: deleted), in key order.
    Commit {
        /// The commit's revision.
        revision: Revision,
        /// The keys it wrote.
        writes: Vec<(Vec<u8>, Option<Vec<u8>>)>,
    },
    /// Every change at or below this revision has been delivered.
    Progress(Revision),
}

/// A feed of changes in revision order. An `Err` item ends it (the engine
/// could not go on, e.g. its history was compacted): the reader starts
/// over from a fresh snapshot.
pub type ChangeFeed = tokio::sync::mpsc::UnboundedReceiver<Result<Change, Error>>;

/// A revisioned key-value store with an ordered event log.
///
/// Every engine must behave identically under this contract; the
/// conformance tests in `tests/it` check it.
#[async_trait]
pub trait Engine: Send + Sync + 'static {
    /// Reads one key.
    async fn get(&self, key: &[u8]) -> Result<Option<Entry>, Error>;

    /// Reads up to `limit` keys that start with `prefix`, in ascending order,
    /// beginning after `start_after` (or at the start of the prefix), from one
    /// consistent snapshot.
    async fn range(
        &self,
        prefix: &[u8],
        start_after: Option<&[u8]>,
        limit: usize,
    ) -> Result<Page, Error>;

    /// Applies `commit` atomically and returns its new revision, or applies
    /// nothing and names the first precondition that failed. A commit that
    /// writes nothing and appends no event creates no revision: when its
    /// preconditions hold it returns the current revision.
    async fn commit(&self, commit: Commit) -> Result<Revision, CommitError>;

    /// Event records with a revision greater than `after`, in
    /// `(revision, index)` order: up to `limit` of them, except that a
    /// commit's events are never split (the last commit is returned whole),
    /// so a reader can resume from the last revision it saw. Fails with
    /// [`Error::Compacted`] when an event after `after` has been removed by
    /// [`Engine::compact_events`].
    async fn events_since(&self, after: Revision, limit: usize) -> Result<Vec<EventRecord>, Error>;

    /// Removes event records with a revision lower than `before` (and no
    /// event committed after the call started). Readers behind the newest
    /// removed event then get [`Error::Compacted`]; readers at or past it
    /// lose nothing.
    async fn compact_events(&self, before: Revision) -> Result<(), Error>;

    /// The latest committed revision.
    async fn current_revision(&self) -> Result<Revision, Error>;

    /// A receiver that always holds the latest committed revision and wakes
    /// on every commit; the basis of event subscriptions.
    fn watch_revision(&self) -> watch::Receiver<Revision>;

    /// Starts a feed of every later change to data keys, for a read
    /// cache; returns the revision the feed starts after (a snapshot taken
    /// once this returns is at or past it). [`Error::Unsupported`] by default.
    async fn changes(&self) -> Result<(Revision, ChangeFeed), Error> {
        Err(Error::Unsupported("change feeds".into()))
    }

    /// The revision a read made now would be served at, at the freshness
    /// of the caller's scope (see [`crate::freshness`]): how a reader pins
    /// several reads to one revision. The default, for engines whose reads
    /// are always current, is the current revision.
    async fn read_revision(&self) -> Result<Revision, Error> {
        self.current_revision().await
    }

    /// Makes every open feed deliver a [`Change::Progress`] at or past the
    /// returned revision, which is at or past the store's current one —
    /// how a cache proves it is fresh while nothing else changes.
    async fn progress(&self) -> Result<Revision, Error> {
        self.current_revision().await
    }

    /// The engine's name, as a snapshot's header records it (`redb`, `etcd`).
    fn name(&self) -> &'static str {
        "custom"
    }

    /// Whether this process is the store's only writer (a redb file is
    /// locked by the process that opened it): then every change to the
    /// store is a commit through this engine, and what this process last
    /// committed to a key is what the store holds. `false` (the default)
    /// for a store shared by processes, such as etcd.
    fn sole_writer(&self) -> bool {
        false
    }

    /// The write path's figures since the engine opened (commits, their
    /// latency, batch sizes, the queue), for metrics; `None` for an engine
    /// that does not record them.
    fn write_stats(&self) -> Option<crate::WriteStats> {
        None
    }

    /// Holds `Some(reason)` once the engine has failed for good
    /// ([`Error::Failed`]); a supervisor waits on it to stop the process.
    /// Engines that never fail-stop keep the default, which stays `None`.
    fn failure(&self) -> watch::Receiver<Option<String>> {
        watch::channel(None).1
    }

    /// Waits until this process leads under `key` (a data key no commit
    /// writes otherwise), claimed with a lease of `ttl` that the engine
    /// keeps renewing: if the process dies, another campaigner takes over
    /// within about `ttl`. The default — for engines whose store one process
    /// holds, such as a redb file — leads at once and for good, writing the
    /// key once for its fencing revision.
    async fn campaign(&self, key: &[u8], _ttl: std::time::Duration) -> Result<Leadership, Error> {
        let commit = Commit {
            preconditions: Vec::new(),
            ops: vec![Op::Put(key.to_vec(), b"leader".to_vec())],
            events: Vec::new(),
        };
        let revision = self.commit(commit).await.map_err(|err| match err {
            CommitError::Storage(err) => err,
            CommitError::PreconditionFailed(_) => {
                Error::Backend("an unconditional commit failed a precondition".into())
            }
        })?;
        Ok(Leadership {
            fence: Precondition::AtRevision(key.to_vec(), revision),
            lost: watch::channel(false).1,
        })
    }

    /// A consistent view of the whole store at its current revision, for a
    /// backup: reading it never blocks writers.
    async fn snapshot(&self) -> Result<Box<dyn Snapshot>, Error> {
        Err(Error::Unsupported("snapshots".into()))
    }

    /// Starts writing a copy of a store into this one, which must be empty
    /// (no data key, no event; else [`Error::NotEmpty`]) and must not be
    /// written to by anything else until the load finishes.
    async fn load(&self) -> Result<Box<dyn Loader>, Error> {
        Err(Error::Unsupported("loading a copy".into()))
    }

    /// Finishes pending commits and releases the store (file locks,
    /// connections). Later calls fail with [`Error::Closed`].
    async fn close(&self) -> Result<(), Error>;
}

// Whole-store copies: a [`Snapshot`] reads every key and event of a store
// as of one revision while writers go on; a [`Loader`] writes such a copy
// into an empty store.

/// Where a snapshot stands: the revision it reads at and the log's start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SnapshotPoint {
    /// The store revision every read of the snapshot reflects.
    pub revision: Revision,
    /// Every event at or below this revision had been compacted away.
    pub compacted_through: Revision,
}

/// A consistent view of a whole store at [`Snapshot::point`]. Reading it
/// never blocks writers.
#[async_trait]
pub trait Snapshot: Send {
    /// The revision and log start of the view.
    fn point(&self) -> SnapshotPoint;

    /// Up to `limit` data keys after `start_after` (from the first key when
    /// `None`), in ascending order, as of the snapshot's revision.
    async fn data(&mut self, start_after: Option<&[u8]>, limit: usize) -> Result<Page, Error>;

    /// Up to about `limit` events after `after` (a commit never split) and
    /// at or below the snapshot's revision, in `(revision, index)` order.
    async fn events(&mut self, after: Revision, limit: usize) -> Result<Vec<EventRecord>, Error>;
}

/// Writes a copy of a store into an empty one (see [`crate::Engine::load`]).
/// Data and events come in ascending order; nothing is visible as a store
/// revision until [`Loader::finish`].
#[async_trait]
pub trait Loader: Send {
    /// Writes data keys, each with the `mod_revision` it had.
    async fn data(&mut self, entries: Vec<(Vec<u8>, Entry)>) -> Result<(), Error>;

    /// Writes events at their positions.
    async fn events(&mut self, events: Vec<EventRecord>) -> Result<(), Error>;

    /// Sets the store's revision and log start and makes it all durable.
    async fn finish(self: Box<Self>, point: SnapshotPoint) -> Result<(), Error>;
}
