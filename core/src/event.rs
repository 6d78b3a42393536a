//! The event log as resources see it: typed events, listing, subscriptions.
//!
//! Every mutation writes its events in the same commit as the change
//! (transactional outbox), so the log is exactly the history of writes.
//! An event's id is derived from its position, `evt_{revision}_{index}`,
//! so it is stable and names the same event on every read.

use std::collections::VecDeque;
use std::sync::Arc;

use clusterdb_storage::{Engine, EventRecord, Revision};
use tokio::sync::watch;

use crate::codec::{StoredEvent, decode_meta, decode_object, kind_schema};
use crate::error::{Error, Result};
use crate::kind::{Kind, Object};
use crate::meta::Meta;
use crate::registry::KindRegistry;
use crate::timestamp::Timestamp;

/// Most events one `list` returns.
pub const MAX_EVENT_PAGE: usize = 1000;
/// Events a subscription reads from the store at a time.
const SUBSCRIPTION_BATCH: usize = 256;

/// One event of the log. Kind-neutral: every event carries its kind, the
/// resource's metadata, and a snapshot that [`Event::object`] decodes as
/// the kind's type.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// `evt_{revision}_{index}`.
    pub id: String,
    /// Revision of the commit that wrote it; resume a subscription after it.
    pub revision: Revision,
    /// Position within the commit.
    pub index: u32,
    /// E.g. `fleet.created`, `instance.started`.
    pub event_type: String,
    /// The resource's kind, e.g. `fleet`.
    pub kind: String,
    /// When the change was made.
    pub timestamp: Timestamp,
    /// Who made it: a user id, an OAuth client id, or `system`
    /// (reconcilers); empty for events written before actors were recorded.
    pub actor: String,
    /// The resource's metadata right after the change (for deletes: as it
    /// was when removed), with `resource_version` equal to `revision`.
    pub meta: Meta,
    /// The enveloped snapshot of the whole resource.
    pub(crate) snapshot: Vec<u8>,
}

impl Event {
    /// Whether the event is about a resource of kind `K`.
    pub fn is<K: Kind>(&self) -> bool {
        self.kind == K::NAME
    }

    /// The resource as it was right after the change, if the event is about
    /// kind `K` (`None` for another kind).
    pub fn object<K: Kind>(&self) -> Result<Option<Object<K>>> {
        if !self.is::<K>() {
            return Ok(None);
        }
        decode_object::<K>(&self.snapshot, self.revision).map(Some)
    }
}

/// Decodes one record of the log, whatever its kind.
pub(crate) fn decode_event(record: &EventRecord) -> Result<Event> {
    decode_event_at(record.revision, record.index, &record.payload)
}

/// [`decode_event`] of the event at (`revision`, `index`) with `payload`.
pub(crate) fn decode_event_at(revision: Revision, index: u32, payload: &[u8]) -> Result<Event> {
    let stored = StoredEvent::decode(payload)?;
    let meta = decode_meta(&stored.object, revision)?;
    Ok(Event {
        id: format!("evt_{revision}_{index}"),
        revision,
        index,
        event_type: stored.event_type,
        kind: stored.kind,
        timestamp: stored.timestamp,
        actor: stored.actor,
        meta,
        snapshot: stored.object,
    })
}

/// Decodes one record for a consumer: `None`, with a warning, for an event
/// this binary cannot read — a kind it does not know, a schema version
/// newer than it knows, or a corrupt record — so one such event never
/// stalls the consumer.
pub(crate) fn known_event(record: &EventRecord, kinds: &KindRegistry) -> Option<Event> {
    let skip = |reason: String| {
        tracing::warn!(
            revision = record.revision,
            index = record.index,
            "skipping an event this binary cannot read: {reason}"
        );
        None
    };
    let event = match decode_event(record) {
        Ok(event) => event,
        Err(err) => return skip(err.to_string()),
    };
    let Some(info) = kinds.get(&event.kind) else {
        return skip(format!("unknown kind {:?}", event.kind));
    };
    match kind_schema(&event.snapshot) {
        Ok(schema) if schema <= info.schema => Some(event),
        Ok(schema) => skip(format!(
            "{} schema version {schema} is newer than supported {}",
            event.kind, info.schema
        )),
        Err(err) => skip(err.to_string()),
    }
}

/// The event-log service: `ClusterDb::events()`.
#[derive(Clone)]
pub struct Events {
    engine: Arc<dyn Engine>,
    kinds: Arc<KindRegistry>,
}

impl Events {
    pub(crate) fn new(engine: Arc<dyn Engine>, kinds: Arc<KindRegistry>) -> Self {
        Events { engine, kinds }
    }

    /// Events after revision `since` (0: from the start), oldest first: up to
    /// `limit` (1..=1000), but a commit's events are never split. Events
    /// this binary cannot read are left out (see [`Subscription`]).
    pub async fn list(&self, since: Revision, limit: usize) -> Result<Vec<Event>> {
        if !(1..=MAX_EVENT_PAGE).contains(&limit) {
            return Err(Error::invalid(
                "event list request",
                "limit",
                format!("must be between 1 and {MAX_EVENT_PAGE}"),
            ));
        }
        let records = self.engine.events_since(since, limit).await?;
        Ok(records
            .iter()
            .filter_map(|r| known_event(r, &self.kinds))
            .collect())
    }

    /// The latest revision: subscribe from it to see only new events.
    pub async fn current_revision(&self) -> Result<Revision> {
        Ok(self.engine.current_revision().await?)
    }

    /// The latest revision this process has seen committed, from memory
    /// (no store read; on a shared store it may trail other servers'
    /// commits by the watch delay).
    pub fn head_revision(&self) -> Revision {
        *self.engine.watch_revision().borrow()
    }

    /// Follows the log from after revision `since`: every later event,
    /// exactly once, in order — first the stored ones, then new ones as
    /// they are committed.
    pub fn subscribe(&self, since: Revision) -> Subscription {
        Subscription {
            engine: Arc::clone(&self.engine),
            kinds: Arc::clone(&self.kinds),
            revision: self.engine.watch_revision(),
            read_through: since,
            buffer: VecDeque::new(),
        }
    }

    /// Drops events with a revision below `before` from the log. Readers
    /// asking for them get [`Error::EventsCompacted`].
    pub async fn compact(&self, before: Revision) -> Result<()> {
        Ok(self.engine.compact_events(before).await?)
    }
}

/// A live, resumable read of the event log. See [`Events::subscribe`].
///
/// An event of a kind this database does not know (not registered, or a
/// newer schema version than this binary reads) is skipped with a warning.
pub struct Subscription {
    engine: Arc<dyn Engine>,
    kinds: Arc<KindRegistry>,
    revision: watch::Receiver<Revision>,
    /// Every event up to and including this revision was read from the
    /// store (and is delivered, skipped, or waiting in `buffer`).
    read_through: Revision,
    buffer: VecDeque<Event>,
}

impl Subscription {
    /// The next event, waiting for one to be committed if need be.
    pub async fn next(&mut self) -> Result<Event> {
        loop {
            if let Some(event) = self.buffer.pop_front() {
                return Ok(event);
            }
            // Mark the current revision seen *before* reading, so a commit
            // landing after the read still wakes us.
            self.revision.borrow_and_update();
            let records = self
                .engine
                .events_since(self.read_through, SUBSCRIPTION_BATCH)
                .await?;
            if let Some(last) = records.last() {
                // Whole commits only (the engine never splits one), so the
                // read position can move to the last revision read.
                self.read_through = last.revision;
                self.buffer.extend(
                    records
                        .iter()
                        .filter_map(|record| known_event(record, &self.kinds)),
                );
                continue;
            }
            self.revision
                .changed()
                .await
                .map_err(|_| Error::Unavailable("the store was closed".into()))?;
        }
    }

    /// Where to resume so that nothing undelivered is missed: every commit
    /// up to and including this revision has been delivered by
    /// [`Subscription::next`] (or skipped as unreadable). Events read from
    /// the store but not yet returned are after it; a commit whose events
    /// were only partly returned is after it too, so a resumed
    /// subscription sees it again, whole.
    pub fn cursor(&self) -> Revision {
        match self.buffer.front() {
            Some(next) => next.revision.saturating_sub(1),
            None => self.read_through,
        }
    }
}
