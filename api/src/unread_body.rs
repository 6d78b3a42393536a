//! An HTTP/1.1 request whose body was not read to its end when the answer
//! went out (refused by the in-flight cap, authentication or a rate limit
//! before the handler read it) leaves the connection unusable: hyper then
//! closes it. [`track`] marks such a request's body, and [`close_if_unread`]
//! says `Connection: close` on the answer, so the client knows before it
//! sends the next request down a closing connection.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::Request;
use axum::http::{HeaderValue, Version, header};
use axum::response::Response;
use http_body::{Frame, SizeHint};

/// Whether a tracked body was read to its end.
#[derive(Clone, Default)]
pub(crate) struct BodyEnd(Arc<AtomicBool>);

/// A body that records reaching its end.
struct Tracked {
    inner: Body,
    end: BodyEnd,
}

impl HttpBody for Tracked {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        if matches!(polled, Poll::Ready(None)) || self.inner.is_end_stream() {
            self.end.0.store(true, Ordering::Relaxed);
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Tracks the body of an HTTP/1.1 request that has one; `None` for every
/// other request (nothing to track, nothing allocated).
pub(crate) fn track(request: Request) -> (Request, Option<BodyEnd>) {
    if request.version() != Version::HTTP_11 || request.body().is_end_stream() {
        return (request, None);
    }
    let end = BodyEnd::default();
    let tracked = request.map(|inner| {
        Body::new(Tracked {
            inner,
            end: end.clone(),
        })
    });
    (tracked, Some(end))
}

/// Adds `Connection: close` to `response` when the tracked body was not
/// read to its end.
pub(crate) fn close_if_unread(end: Option<BodyEnd>, response: &mut Response) {
    if let Some(end) = end
        && !end.0.load(Ordering::Relaxed)
    {
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    fn post(body: &'static str) -> Request {
        Request::post("/v1/fleets")
            .version(Version::HTTP_11)
            .body(Body::from(body))
            .unwrap()
    }

    #[tokio::test]
    async fn an_answer_before_the_body_was_read_says_close() {
        let (_request, end) = track(post("{\"name\":\"x\"}"));
        let mut response = Response::new(Body::empty());
        close_if_unread(end, &mut response);
        assert_eq!(response.headers()[header::CONNECTION], "close");
    }

    #[tokio::test]
    async fn an_answer_after_the_body_was_read_keeps_the_connection() {
        let (request, end) = track(post("{\"name\":\"x\"}"));
        let read = request.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(&read[..], b"{\"name\":\"x\"}");
        let mut response = Response::new(Body::empty());
        close_if_unread(end, &mut response);
        assert!(response.headers().get(header::CONNECTION).is_none());
    }

    #[test]
    fn requests_without_a_body_or_over_http2_are_not_tracked() {
        let get = Request::get("/v1/fleets").body(Body::empty()).unwrap();
        assert!(track(get).1.is_none());
        let h2 = Request::post("/v1/fleets")
            .version(Version::HTTP_2)
            .body(Body::from("{}"))
            .unwrap();
        assert!(track(h2).1.is_none());
    }
}
