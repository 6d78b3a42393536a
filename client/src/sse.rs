//! Server-sent events, as `GET /v1/events:watch` streams them: each event
//! with its id, the bookmarks between them, and the `error` event that
//! ends a stream.

use futures_util::{Stream, StreamExt as _};
use reqwest::StatusCode;

use crate::ClientError;
use crate::error::api_error;
use crate::wire::Json;

/// One frame of a watch.
#[derive(Debug)]
pub(crate) enum Frame {
    /// An event: its id (to resume after) and payload.
    Event(String, Json),
    /// Everything up to this revision has been sent.
    Bookmark(u64),
}

/// The frames of a server-sent-events body; an `error` event ends the
/// stream with its error, comments and unknown events are skipped.
pub(crate) fn frames(
    body: impl Stream<Item = Result<bytes::Bytes, reqwest::Error>> + Send + 'static,
) -> impl Stream<Item = Result<Frame, ClientError>> + Send + 'static {
    let state = (Box::pin(body), String::new(), false);
    futures_util::stream::unfold(state, |(mut body, mut text, done)| async move {
        if done {
            return None;
        }
        loop {
            if let Some(end) = text.find("\n\n") {
                let block: String = text.drain(..end + 2).collect();
                if let Some(item) = frame(&block) {
                    let done = item.is_err();
                    return Some((item, (body, text, done)));
                }
                continue;
            }
            match body.next().await {
                Some(Ok(chunk)) => text.push_str(&String::from_utf8_lossy(&chunk)),
                Some(Err(err)) => return Some((Err(err.into()), (body, text, true))),
                None => return None,
            }
        }
    })
}

/// The frame one event block holds, if any.
fn frame(block: &str) -> Option<Result<Frame, ClientError>> {
    let (mut id, mut data, mut name) = (None, String::new(), None);
    for line in block.lines() {
        if let Some(value) = line.strip_prefix("id:") {
            id = Some(value.trim().to_string());
        } else if let Some(value) = line.strip_prefix("data:") {
            data.push_str(value.strip_prefix(' ').unwrap_or(value));
        } else if let Some(value) = line.strip_prefix("event:") {
            name = Some(value.trim().to_string());
        }
    }
    match (name.as_deref(), id) {
        (Some("error"), _) => {
            // The error's status is in its code; 410 for a position the
            // log no longer holds.
            let gone = data.contains("\"OUT_OF_RANGE\"");
            let status = if gone {
                StatusCode::GONE
            } else {
                StatusCode::OK
            };
            Some(Err(api_error(status, &Default::default(), data.as_bytes())))
        }
        (Some("bookmark"), _) => {
            let revision = serde_json::from_str::<serde_json::Value>(&data)
                .ok()?
                .get("revision")?
                .as_u64()?;
            Some(Ok(Frame::Bookmark(revision)))
        }
        (None, Some(id)) if !data.is_empty() => Some(
            serde_json::value::RawValue::from_string(data)
                .map(|json| Frame::Event(id, json))
                .map_err(|e| ClientError::Unexpected(e.to_string())),
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(text: &'static str) -> impl Stream<Item = Result<bytes::Bytes, reqwest::Error>> {
        // Split mid-line, as a network would.
        let (a, b) = text.split_at(text.len() / 2);
        futures_util::stream::iter([Ok(bytes::Bytes::from(a)), Ok(bytes::Bytes::from(b))])
    }

    #[tokio::test]
    async fn reads_events_bookmarks_and_the_error_that_ends_a_stream() {
        let text = ": keep-alive\n\nid: 7-0\ndata: {\"type\":\"fleet.created\"}\n\n\
                    event: bookmark\ndata: {\"revision\":9}\n\n\
                    event: error\ndata: {\"error\":{\"code\":\"OUT_OF_RANGE\",\"message\":\"compacted\"}}\n\n\
                    id: 10-0\ndata: {}\n\n";
        let frames: Vec<_> = frames(body(text)).collect().await;
        assert_eq!(frames.len(), 3, "{frames:?}");
        assert!(matches!(&frames[0], Ok(Frame::Event(id, json))
            if id == "7-0" && json.get() == "{\"type\":\"fleet.created\"}"));
        assert!(matches!(frames[1], Ok(Frame::Bookmark(9))));
        match &frames[2] {
            Err(ClientError::Api { status, code, .. }) => {
                assert_eq!((*status, code.as_str()), (StatusCode::GONE, "OUT_OF_RANGE"));
            }
            other => panic!("{other:?}"),
        }
    }
}
