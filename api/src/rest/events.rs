//! `GET /events` (a page of the log) and `GET /events:watch` (the log
//! live, as server-sent events, resumable with `Last-Event-ID`).

use std::convert::Infallible;

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt as _;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::error::ApiError;
use super::state::AppState;
use crate::caller::Caller;
use crate::events::{self, Filter, Position, Start, WatchItem};

/// Page size when none is given.
const DEFAULT_PAGE: usize = 100;
/// Longest `types` or `kinds` value.
pub const MAX_LIST_LEN: usize = 4096;

/// One page of events.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EventPage {
    /// The events, oldest first: `id`, `type`, `data`, `timestamp`,
    /// `revision`.
    pub events: Vec<Value>,
    /// Pass as `after` for the next page (the last revision read, whether
    /// or not its events were for you).
    pub next_after: u64,
}

/// The query of both routes: `after`, `types`, `kinds` (comma-separated,
/// or repeated) and, for the list, `page_size`.
struct EventQuery {
    after: Option<String>,
    page_size: usize,
    types: Vec<String>,
    kinds: Vec<String>,
}

fn invalid(field: &str, reason: &str) -> ApiError {
    ApiError::invalid("Invalid events request", field, reason)
}

impl EventQuery {
    fn parse(query: Option<&str>, paged: bool) -> Result<EventQuery, ApiError> {
        let pairs = super::extract::serde_urlencoded_pairs(query.unwrap_or(""))?;
        let mut parsed = EventQuery {
            after: None,
            page_size: DEFAULT_PAGE,
            types: Vec::new(),
            kinds: Vec::new(),
        };
        let split = |value: &str| {
            value
                .split(',')
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
                .collect::<Vec<_>>()
        };
        for (key, value) in pairs {
            if matches!(key.as_str(), "types" | "kinds") && value.chars().count() > MAX_LIST_LEN {
                return Err(invalid(
                    &key,
                    &format!("must be at most {MAX_LIST_LEN} characters"),
                ));
            }
            match key.as_str() {
                "after" => parsed.after = Some(value),
                "types" => parsed.types.extend(split(&value)),
                "kinds" => parsed.kinds.extend(split(&value)),
                "page_size" if paged => {
                    parsed.page_size = value
                        .parse()
                        .ok()
                        .filter(|n| (1..=clusterdb::MAX_EVENT_PAGE).contains(n))
                        .ok_or_else(|| {
                            invalid(
                                "page_size",
                                &format!("must be between 1 and {}", clusterdb::MAX_EVENT_PAGE),
                            )
                        })?;
                }
                read if crate::read_options::PARAMETERS.contains(&read) => {}
                other => return Err(invalid(other, "is not a known query parameter")),
            }
        }
        if parsed.types.len() + parsed.kinds.len() > 64 {
            return Err(invalid("types", "at most 64 types and kinds together"));
        }
        Ok(parsed)
    }

    fn filter(&self, caller: &Caller) -> Filter {
        Filter {
            types: self.types.clone(),
            kinds: self.kinds.clone(),
            principal: caller.principal.clone(),
        }
    }
}

/// A revision given as `after`.
fn revision(text: &str) -> Result<u64, ApiError> {
    text.parse().map_err(|_| {
        invalid(
            "after",
            "must be a revision (a non-negative integer) or `now`",
        )
    })
}

/// `GET /events`.
pub async fn list(caller: Caller, RawQuery(query): RawQuery) -> Result<Response, ApiError> {
    let query = EventQuery::parse(query.as_deref(), true)?;
    let after = match query.after.as_deref() {
        None => 0,
        Some(text) => revision(text)?,
    };
    let (items, next_after) =
        events::list(&caller.db, after, query.page_size, &query.filter(&caller)).await?;
    Ok(Json(EventPage {
        events: items.into_iter().map(|(_, payload)| payload).collect(),
        next_after,
    })
    .into_response())
}

/// `GET /events:watch`: `Last-Event-ID` (an event id sent earlier) wins
/// over `after` (`REV`, or `now`).
pub async fn watch(
    caller: Caller,
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let query = EventQuery::parse(query.as_deref(), false)?;
    let last_event = headers
        .get("last-event-id")
        .map(|v| {
            v.to_str().ok().and_then(Position::parse).ok_or_else(|| {
                invalid(
                    "Last-Event-ID",
                    "must be an event id sent by this stream (REV-INDEX)",
                )
            })
        })
        .transpose()?;
    let start = match (last_event, query.after.as_deref()) {
        (Some(position), _) => Start::AfterEvent(position),
        (None, Some("now")) => Start::Now,
        (None, Some(text)) => Start::After(revision(text)?),
        (None, None) => Start::After(0),
    };
    let stream = events::watch(
        caller.db.clone(),
        start,
        query.filter(&caller),
        state.shutdown.clone(),
    )
    .await?;
    let stream = stream.map(|item| {
        Ok::<_, Infallible>(match item {
            Ok(WatchItem::Event(position, payload)) => SseEvent::default()
                .id(position.id())
                .data(payload.to_string()),
            Ok(WatchItem::Bookmark(revision)) => SseEvent::default()
                .event("bookmark")
                .data(serde_json::json!({ "revision": revision }).to_string()),
            Err(err) => {
                let api = ApiError::from(err);
                SseEvent::default()
                    .event("error")
                    .data(api.body().to_string())
            }
        })
    });
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(std::time::Duration::from_secs(15)))
        .into_response())
}
