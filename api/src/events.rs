//! The event log for clients, whatever the transport: events in the
//! webhook payload's shape (`id`, `type`, `data`, `timestamp`, plus
//! `revision`), filtered to the types and kinds asked for and to the kinds
//! the caller may read, listed a page at a time or followed live with
//! exact resume.

use std::collections::HashMap;
use std::sync::OnceLock;
use std::time::Duration;

use clusterdb::identity::{Principal, Verb, authorize};
use clusterdb::{ClusterDb, Error, Event};
use futures_util::Stream;
use serde_json::{Map, Value, json};
use tokio::sync::watch;

use crate::rest::kind::{KindSet, KindVisitor, RestKind, ServedKinds};

/// How often a live watch reports the revision it has read through.
pub const BOOKMARK_INTERVAL: Duration = Duration::from_secs(10);

/// A position in the log: an event (revision and index within its commit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    /// The commit's revision.
    pub revision: u64,
    /// The event's index within it.
    pub index: u32,
}

impl Position {
    /// Parses `REV-INDEX` (an SSE event id).
    pub fn parse(text: &str) -> Option<Position> {
        let (revision, index) = text.trim().split_once('-')?;
        Some(Position {
            revision: revision.parse().ok()?,
            index: index.parse().ok()?,
        })
    }

    /// `REV-INDEX`.
    pub fn id(self) -> String {
        format!("{}-{}", self.revision, self.index)
    }
}

/// Where a watch starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// After every event of commit `REV` (0: from the beginning).
    After(u64),
    /// After this event: the rest of its commit, then later ones.
    AfterEvent(Position),
    /// After the head: only new events.
    Now,
}

/// Which events a caller gets.
#[derive(Debug, Clone)]
pub struct Filter {
    /// Event types, e.g. `fleet.created`; empty for all.
    pub types: Vec<String>,
    /// Kinds, e.g. `fleet`; empty for all.
    pub kinds: Vec<String>,
    /// The caller: events of kinds they may not read are left out.
    pub principal: std::sync::Arc<Principal>,
}

impl Filter {
    /// Whether `event` goes to the caller.
    pub fn admits(&self, event: &Event) -> bool {
        (self.types.is_empty() || self.types.contains(&event.event_type))
            && (self.kinds.is_empty() || self.kinds.contains(&event.kind))
            && authorize(&self.principal, &event.kind, Verb::Read).is_ok()
    }
}

/// A kind's event data: its REST representation plus `{kind}_id`.
type Render = fn(&Event) -> Option<Map<String, Value>>;

fn render<K: RestKind>(event: &Event) -> Option<Map<String, Value>> {
    let object = event.object::<K>().ok().flatten()?;
    match serde_json::to_value(K::output(&object)).ok()? {
        Value::Object(mut map) => {
            map.insert(
                format!("{}_id", K::NAME),
                Value::String(object.meta.id.clone()),
            );
            Some(map)
        }
        _ => None,
    }
}

/// An alert's event data: the alert as `GET /monitoring/alerts` shows it
/// (alerts are written by the evaluator, not served as a collection).
fn render_alert(event: &Event) -> Option<Map<String, Value>> {
    use clusterdb::monitoring::AlertKind;
    let object = event.object::<AlertKind>().ok().flatten()?;
    match serde_json::to_value(crate::rest::wire::alert_output(&object)).ok()? {
        Value::Object(mut map) => {
            map.insert("alert_id".into(), Value::String(object.meta.id.clone()));
            Some(map)
        }
        _ => None,
    }
}

fn renderers() -> &'static HashMap<&'static str, Render> {
    static RENDERERS: OnceLock<HashMap<&'static str, Render>> = OnceLock::new();
    RENDERERS.get_or_init(|| {
        struct Collect(HashMap<&'static str, Render>);
        impl KindVisitor for Collect {
            fn kind<K: RestKind>(&mut self) {
                self.0.insert(K::NAME, render::<K>);
            }
        }
        let mut collect = Collect(HashMap::new());
        ServedKinds::visit(&mut collect);
        collect.0.insert(
            <clusterdb::monitoring::AlertKind as clusterdb::Kind>::NAME,
            render_alert,
        );
        collect.0
    })
}

/// An event as clients get it: `id`, `type`, `data` (the resource as the
/// REST API shows it, with `{kind}_id`), `timestamp`, `revision`.
pub fn payload(event: &Event) -> Value {
    let data = renderers()
        .get(event.kind.as_str())
        .and_then(|render| render(event))
        .map(Value::Object)
        .unwrap_or_else(|| {
            json!({
                format!("{}_id", event.kind): event.meta.id,
                "name": event.meta.name,
            })
        });
    json!({
        "id": event.id,
        "type": event.event_type,
        "data": data,
        "timestamp": event.timestamp.to_string(),
        "revision": event.revision,
    })
}

/// One page of events after `after`, filtered; and the revision to
/// continue after.
pub async fn list(
    db: &ClusterDb,
    after: u64,
    limit: usize,
    filter: &Filter,
) -> Result<(Vec<(Position, Value)>, u64), Error> {
    let events = db.events().list(after, limit).await?;
    let next = events.last().map(|e| e.revision).unwrap_or(after);
    let items = events
        .iter()
        .filter(|e| filter.admits(e))
        .map(|e| {
            (
                Position {
                    revision: e.revision,
                    index: e.index,
                },
                payload(e),
            )
        })
        .collect();
    Ok((items, next))
}

/// What a live watch yields.
#[derive(Debug, Clone, PartialEq)]
pub enum WatchItem {
    /// An event for the caller.
    Event(Position, Value),
    /// Every event up to this revision has been sent (or filtered out).
    Bookmark(u64),
}

/// Where a subscription starts for `start`, and the events of that
/// commit to skip.
async fn origin(db: &ClusterDb, start: Start) -> Result<(u64, Option<Position>), Error> {
    let (since, skip_through) = match start {
        Start::After(revision) => (revision, None),
        Start::AfterEvent(position) => (position.revision.saturating_sub(1), Some(position)),
        Start::Now => (db.events().current_revision().await?, None),
    };
    // A position older than the history kept fails here, before the
    // stream starts (HTTP 410, gRPC OUT_OF_RANGE).
    db.events().list(since, 1).await?;
    Ok((since, skip_through))
}

/// Follows the log from `start`: every later event for the caller exactly
/// once, in order, with a bookmark every [`BOOKMARK_INTERVAL`]; ends when
/// `shutdown` turns true (the server is stopping) or on an error (after
/// yielding it).
pub async fn watch(
    db: ClusterDb,
    start: Start,
    filter: Filter,
    shutdown: Option<watch::Receiver<bool>>,
) -> Result<impl Stream<Item = Result<WatchItem, Error>> + Send + 'static, Error> {
    let (since, skip_through) = origin(&db, start).await?;
    let subscription = db.events().subscribe(since);
    let mut bookmarks = tokio::time::interval(BOOKMARK_INTERVAL);
    bookmarks.reset();
    let filter = std::sync::Arc::new(filter);
    let state = (subscription, bookmarks, shutdown, skip_through, false);
    Ok(futures_util::stream::unfold(
        state,
        move |(mut subscription, mut bookmarks, mut shutdown, skip_through, done)| {
            let filter = std::sync::Arc::clone(&filter);
            async move {
                if done {
                    return None;
                }
                loop {
                    let stopping = async {
                        match shutdown.as_mut() {
                            Some(receiver) => {
                                let _ = receiver.wait_for(|stop| *stop).await;
                            }
                            None => std::future::pending::<()>().await,
                        }
                    };
                    let item = tokio::select! {
                        () = stopping => return None,
                        _ = bookmarks.tick() => Ok(WatchItem::Bookmark(subscription.cursor())),
                        event = subscription.next() => match event {
                            Ok(event) => {
                                let position = Position { revision: event.revision, index: event.index };
                                if skip_through.is_some_and(|skip| position <= skip) || !filter.admits(&event) {
                                    continue;
                                }
                                Ok(WatchItem::Event(position, payload(&event)))
                            }
                            Err(err) => Err(err),
                        },
                    };
                    let done = item.is_err();
                    return Some((
                        item,
                        (subscription, bookmarks, shutdown, skip_through, done),
                    ));
                }
            }
        },
    ))
}
