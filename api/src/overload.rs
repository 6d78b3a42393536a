//! The in-flight request cap: a request beyond it is refused at once with
//! `503 UNAVAILABLE` and `Retry-After` (gRPC: `UNAVAILABLE` with the same
//! metadata) instead of queueing without bound.

use std::sync::Arc;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::rest::error::ApiError;

/// Seconds a refused client is asked to wait.
const RETRY_AFTER_SECONDS: u32 = 1;

/// The permits of one server's in-flight requests.
#[derive(Clone)]
pub struct InFlight(Arc<Semaphore>);

impl InFlight {
    /// At most `limit` requests at once (at least one).
    pub fn new(limit: usize) -> Self {
        InFlight(Arc::new(Semaphore::new(limit.max(1))))
    }

    /// A permit for one more request, held while it runs; `None` at the
    /// cap.
    pub(crate) fn admit(&self) -> Option<OwnedSemaphorePermit> {
        Arc::clone(&self.0).try_acquire_owned().ok()
    }
}

/// The answer to a request over the cap.
pub(crate) fn refuse(grpc: bool) -> Response {
    let message = "the server is at its limit of requests in flight; retry shortly";
    let mut response = if grpc {
        tonic::Status::unavailable(message).into_http()
    } else {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "UNAVAILABLE", message).into_response()
    };
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECONDS));
    response
}
