//! `GET /admin/snapshot`: a consistent snapshot of the whole store,
//! streamed (admins only).

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use clusterdb::backup::SnapshotOptions;
use clusterdb::identity::Verb;
use serde::Deserialize;

use super::error::ApiError;
use super::state::AppState;
use crate::caller::Caller;

/// The snapshot route's query.
#[derive(Debug, Deserialize)]
pub struct SnapshotQuery {
    /// `all` (default) or `none`: whether the retained event log is in it.
    events: Option<String>,
}

/// `GET /admin/snapshot?events=all|none`.
pub async fn snapshot(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<SnapshotQuery>,
) -> Result<Response, ApiError> {
    caller.authorize(SNAPSHOT_KIND, Verb::Read)?;
    let events = match query.events.as_deref() {
        None | Some("all") => true,
        Some("none") => false,
        Some(_) => {
            return Err(ApiError::invalid(
                "Invalid snapshot request",
                "events",
                "must be `all` or `none`",
            ));
        }
    };
    let options = SnapshotOptions {
        events,
        ..SnapshotOptions::default()
    };
    let (header, stream) = crate::snapshot_stream::start(&state.db, &options).await?;
    let file = file_name(header.revision);
    let mut response = Body::from_stream(stream).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{file}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(crate::headers::REVISION, HeaderValue::from(header.revision));
    Ok(response)
}

/// What the policy calls a snapshot: no resource kind, so admins only.
pub const SNAPSHOT_KIND: &str = "snapshot";

/// The file name a snapshot at `revision` is offered under.
pub fn file_name(revision: u64) -> String {
    format!("clusterdb-snapshot-r{revision}.cdbsnap")
}
