//! The in-flight request cap: a request beyond it is refused at once with
//! `503 UNAVAILABLE` and `Retry-After` (gRPC: `UNAVAILABLE` with the same
//! metadata) instead of queueing without bound.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::Semaphore;

use crate::rest::ApiError;

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
}

/// The middleware.
pub async fn limit_in_flight(
    State(in_flight): State<InFlight>,
    request: Request,
    next: Next,
) -> Response {
    let Ok(_permit) = Arc::clone(&in_flight.0).try_acquire_owned() else {
        return refuse(crate::is_grpc(&request));
    };
    next.run(request).await
}

fn refuse(grpc: bool) -> Response {
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
