//! `clusterdb.events.v1.EventService`: the event log as a server stream,
//! the same as `GET /events:watch` (see [`crate::events`]).

use std::pin::Pin;

use clusterdb_proto::events::v1 as pb;
use futures_util::{Stream, StreamExt as _};
use tokio::sync::watch;
use tonic::{Request, Response, Status};

use super::auth::caller_of;
use super::convert::timestamp;
use super::kind::Reply;
use super::status::{invalid, status};
use crate::events::{self, Filter, Position, Start, WatchItem};

/// The event service; live streams end when `shutdown` turns true.
#[derive(Clone, Default)]
pub struct EventApi {
    /// The server's stop signal.
    pub shutdown: Option<watch::Receiver<bool>>,
}

type WatchStream = Pin<Box<dyn Stream<Item = Result<pb::WatchResponse, Status>> + Send>>;

fn message(item: Result<WatchItem, clusterdb::Error>) -> Result<pb::WatchResponse, Status> {
    use pb::watch_response::Item;
    match item.map_err(status)? {
        WatchItem::Event(position, payload) => {
            let at = payload["timestamp"]
                .as_str()
                .and_then(clusterdb::Timestamp::parse_rfc3339)
                .map(timestamp);
            Ok(pb::WatchResponse {
                item: Some(Item::Event(pb::Event {
                    id: payload["id"].as_str().unwrap_or_default().to_string(),
                    r#type: payload["type"].as_str().unwrap_or_default().to_string(),
                    position: position.id(),
                    revision: position.revision,
                    index: position.index,
                    timestamp: at,
                    data_json: payload["data"].to_string(),
                })),
            })
        }
        WatchItem::Bookmark(revision) => Ok(pb::WatchResponse {
            item: Some(Item::Bookmark(pb::Bookmark { revision })),
        }),
    }
}

#[tonic::async_trait]
impl pb::EventService for EventApi {
    type WatchStream = WatchStream;

    async fn watch(&self, request: Request<pb::WatchRequest>) -> Reply<WatchStream> {
        let caller = caller_of(&request)?.clone();
        let r = request.into_inner();
        let start =
            if !r.after_event.is_empty() {
                Start::AfterEvent(Position::parse(&r.after_event).ok_or_else(|| {
                    invalid("after_event", "must be an event's position (REV-INDEX)")
                })?)
            } else if r.from_now {
                Start::Now
            } else {
                Start::After(r.after)
            };
        let filter = Filter {
            types: r.types,
            kinds: r.kinds,
            principal: caller.principal.clone(),
        };
        let stream = events::watch(caller.db.clone(), start, filter, self.shutdown.clone())
            .await
            .map_err(status)?;
        Ok(Response::new(Box::pin(stream.map(message))))
    }
}
