//! `GET /admin/snapshot`: a consistent snapshot of the whole store,
//! streamed (admins only).

use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use clusterdb::backup::SnapshotOptions;
use clusterdb::identity::Verb;

use super::error::ApiError;
use super::state::AppState;
use crate::caller::Caller;

/// `GET /admin/snapshot?events=all|none`.
pub async fn snapshot(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    caller.authorize(SNAPSHOT_KIND, Verb::Read)?;
    let events = events_wanted(query.as_deref())?;
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

/// The snapshot's `events=all|none` parameter (default `all`): whether the
/// retained event log is in it.
fn events_wanted(query: Option<&str>) -> Result<bool, ApiError> {
    super::extract::single_choice(
        query,
        "Invalid snapshot request",
        "events",
        &[("all", true), ("none", false)],
        true,
        "must be `all` or `none`",
    )
}

#[cfg(test)]
mod tests {
    use super::events_wanted;

    #[test]
    fn the_events_parameter_beside_the_read_options_and_nothing_else() {
        assert!(events_wanted(None).unwrap());
        assert!(events_wanted(Some("events=all")).unwrap());
        assert!(!events_wanted(Some("events=none&stale=true")).unwrap());
        assert!(!events_wanted(Some("min_revision=3&events=none")).unwrap());
        for (query, field) in [
            ("events=some", "events"),
            ("event=none", "event"),
            ("events=none&format=tar", "format"),
        ] {
            let error = events_wanted(Some(query)).unwrap_err();
            assert_eq!(error.details["field"], field, "{query}");
        }
    }
}
