//! Request ids: every request gets one — the caller's valid `X-Request-Id`
//! (1–128 of `A-Z a-z 0-9 . _ -`), or a fresh one — and every response
//! carries it back. Log lines of the request carry it (a tracing span),
//! and so do 5xx error bodies, whose details stay in the log: a client
//! quotes the id, an operator finds the cause.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue};
use axum::response::Response;
use tracing::Instrument;

/// The header, as requests and responses carry it.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
/// Longest caller-chosen id kept.
const MAX_LEN: usize = 128;

tokio::task_local! {
    static CURRENT: HeaderValue;
}

/// The id of the request being handled on this task, if any.
pub fn current() -> Option<String> {
    CURRENT
        .try_with(|id| id.to_str().ok().map(str::to_string))
        .ok()
        .flatten()
}

fn is_valid(id: &str) -> bool {
    (1..=MAX_LEN).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// A fresh id: this process's random prefix and a counter — unique without
/// a system call per request.
fn fresh() -> HeaderValue {
    static PREFIX: OnceLock<String> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let prefix = PREFIX.get_or_init(|| {
        let mut bytes = [0u8; 6];
        // Without an entropy source the prefix is only less unique.
        let _ = ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes);
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    });
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let id = format!("{prefix}-{n:x}");
    // Hex digits and a dash: always a valid header value.
    HeaderValue::from_maybe_shared(bytes::Bytes::from(id)).expect("a valid header value")
}

/// The id of `request`: the client's `X-Request-Id` when it is valid,
/// else a fresh one. A header value, so that passing it on (to the task
/// local, the response) copies no bytes.
pub(crate) fn of(request: &Request) -> HeaderValue {
    request
        .headers()
        .get(&REQUEST_ID)
        .filter(|v| v.to_str().is_ok_and(is_valid))
        .cloned()
        .unwrap_or_else(fresh)
}

/// Runs `handling` with `id` as the current request id (for logs and
/// error bodies) and stamps the id on its response.
pub(crate) async fn within(id: HeaderValue, handling: impl Future<Output = Response>) -> Response {
    // `of` only returns visible ASCII.
    let span = tracing::info_span!("request", request_id = id.to_str().unwrap_or_default());
    let mut response = CURRENT.scope(id.clone(), handling.instrument(span)).await;
    response
        .headers_mut()
        .insert(REQUEST_ID, crate::volatile_header::volatile(id));
    response
}

/// `future` with the current request's id and log span, for a task
/// spawned on the request's behalf (its log lines and error bodies name
/// the request as the request's own do).
pub(crate) fn carry<F: Future>(future: F) -> impl Future<Output = F::Output> {
    let id = CURRENT.try_with(Clone::clone).ok();
    let future = future.instrument(tracing::Span::current());
    async move {
        match id {
            Some(id) => CURRENT.scope(id, future).await,
            None => future.await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_checked_and_fresh_ones_differ() {
        assert!(is_valid("abc-123_x.y"));
        assert!(!is_valid(""));
        assert!(!is_valid("has space"));
        assert!(!is_valid(&"a".repeat(129)));
        let (a, b) = (fresh(), fresh());
        assert_ne!(a, b);
        assert!(is_valid(a.to_str().unwrap()));
    }

    #[tokio::test]
    async fn a_spawned_task_carries_the_request_id() {
        let id = HeaderValue::from_static("req-7");
        let seen = CURRENT
            .scope(id, async {
                tokio::spawn(carry(async { current() })).await.unwrap()
            })
            .await;
        assert_eq!(seen.as_deref(), Some("req-7"));
        assert_eq!(
            tokio::spawn(carry(async { current() })).await.unwrap(),
            None
        );
    }
}
