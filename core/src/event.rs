//! The event log as resources see it: typed events, listing, subscriptions.
//!
//! Every mutation writes its events in the same commit as the change
//! (transactional outbox), so the log is exactly the history of writes.
//! An event's id is derived from its position, `evt_{revision}_{index}`,
//! so it is stable and names the same event on every read.

use std::collections::VecDeque;
use std::sync::Arc;

use clusterdb_storage::{Engine, EventRecord, Revision, envelope};
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use crate::codec::decode_object;
use crate::compute::{Fleet, Function, Instance};
use crate::error::{Error, Result};
use crate::resource::{Kind, Object};
use crate::timestamp::Timestamp;

/// Schema version of stored events.
pub(crate) const EVENT_SCHEMA: u16 = 1;
/// Most events one `list` returns.
pub const MAX_EVENT_PAGE: usize = 1000;
/// Events a subscription reads from the store at a time.
const SUBSCRIPTION_BATCH: usize = 256;

/// An event as stored in the log.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct StoredEvent {
    pub event_type: String,
    pub kind: String,
    pub timestamp: Timestamp,
    /// The enveloped object snapshot.
    pub object: Vec<u8>,
}

/// One event of the log.
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
    /// When the change was made.
    pub timestamp: Timestamp,
    /// The resource as it was right after the change (for deletes: as it
    /// was when removed), with `resource_version` equal to `revision`.
    pub data: EventData,
}

/// The resource an event is about.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum EventData {
    /// A fleet.
    Fleet(Fleet),
    /// An instance.
    Instance(Instance),
    /// A function.
    Function(Function),
}

impl EventData {
    /// The resource's id.
    pub fn id(&self) -> &str {
        match self {
            EventData::Fleet(o) => o.id(),
            EventData::Instance(o) => o.id(),
            EventData::Function(o) => o.id(),
        }
    }
}

fn decode_data<K: Kind>(
    object: &[u8],
    revision: Revision,
    wrap: fn(Object<K>) -> EventData,
) -> Result<EventData> {
    Ok(wrap(decode_object::<K>(object, revision)?))
}

/// Decodes one record of the log.
pub(crate) fn decode_event(record: &EventRecord) -> Result<Event> {
    let (_, stored) = envelope::decode::<StoredEvent>(&record.payload, EVENT_SCHEMA)?;
    use crate::compute::{FleetKind, FunctionKind, InstanceKind};
    let data = match stored.kind.as_str() {
        FleetKind::NAME => {
            decode_data::<FleetKind>(&stored.object, record.revision, EventData::Fleet)
        }
        InstanceKind::NAME => {
            decode_data::<InstanceKind>(&stored.object, record.revision, EventData::Instance)
        }
        FunctionKind::NAME => {
            decode_data::<FunctionKind>(&stored.object, record.revision, EventData::Function)
        }
        other => Err(Error::Internal(format!("event of unknown kind {other:?}"))),
    }?;
    Ok(Event {
        id: format!("evt_{}_{}", record.revision, record.index),
        revision: record.revision,
        index: record.index,
        event_type: stored.event_type,
        timestamp: stored.timestamp,
        data,
    })
}

/// The event-log service: `ClusterDb::events()`.
#[derive(Clone)]
pub struct Events {
    engine: Arc<dyn Engine>,
}

impl Events {
    pub(crate) fn new(engine: Arc<dyn Engine>) -> Self {
        Events { engine }
    }

    /// Events after revision `since` (0: from the start), oldest first: up to
    /// `limit` (1..=1000), but a commit's events are never split.
    pub async fn list(&self, since: Revision, limit: usize) -> Result<Vec<Event>> {
        if !(1..=MAX_EVENT_PAGE).contains(&limit) {
            return Err(Error::invalid(
                "event list request",
                "limit",
                format!("must be between 1 and {MAX_EVENT_PAGE}"),
            ));
        }
        let records = self.engine.events_since(since, limit).await?;
        records.iter().map(decode_event).collect()
    }

    /// The latest revision: subscribe from it to see only new events.
    pub async fn current_revision(&self) -> Result<Revision> {
        Ok(self.engine.current_revision().await?)
    }

    /// Follows the log from after revision `since`: every later event,
    /// exactly once, in order — first the stored ones, then new ones as
    /// they are committed.
    pub fn subscribe(&self, since: Revision) -> Subscription {
        Subscription {
            engine: Arc::clone(&self.engine),
            revision: self.engine.watch_revision(),
            cursor: since,
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
pub struct Subscription {
    engine: Arc<dyn Engine>,
    revision: watch::Receiver<Revision>,
    /// Every event up to and including this revision was read from the store.
    cursor: Revision,
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
                .events_since(self.cursor, SUBSCRIPTION_BATCH)
                .await?;
            if let Some(last) = records.last() {
                // Whole commits only (the engine never splits one), so the
                // cursor can move to the last revision read.
                self.cursor = last.revision;
                for record in &records {
                    self.buffer.push_back(decode_event(record)?);
                }
                continue;
            }
            self.revision
                .changed()
                .await
                .map_err(|_| Error::Unavailable("the store was closed".into()))?;
        }
    }

    /// The revision up to which events have been read from the store.
    pub fn cursor(&self) -> Revision {
        self.cursor
    }
}
