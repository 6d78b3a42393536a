//! The first thing every request (REST or gRPC) passes, as one layer: it
//! gets its request id, is counted in the metrics with its latency, and
//! is admitted under the in-flight cap — in that order, so a refusal
//! carries the id and is counted too — and an HTTP/1.1 answer given
//! before the request's body was read says `Connection: close`
//! ([`crate::unread_body`]). The request's reads run at the freshness it
//! asks for ([`crate::read_options`]), and its answer names the revision
//! they and its writes reflect (`X-ClusterDB-Revision`). One layer
//! instead of several: each layer costs every request a clone of the
//! service below and a boxed future.

use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use clusterdb::freshness;

use crate::headers;
use crate::rest::error::ApiError;

use crate::metrics::Observation;
use crate::overload::{self, InFlight};
use crate::{request_id, unread_body};

/// The state of the edge of one app.
#[derive(Clone)]
pub(crate) struct Edge {
    /// The in-flight cap; `None` for an app that is not served on its own
    /// (the cap is the outer app's).
    pub in_flight: Option<InFlight>,
}

/// The middleware.
pub(crate) async fn edge(State(edge): State<Edge>, request: Request, next: Next) -> Response {
    let id = request_id::of(&request);
    let observation = Observation::start(&request);
    let (request, body_end) = unread_body::track(request);
    let response = request_id::within(id, async move {
        let _permit = match &edge.in_flight {
            Some(in_flight) => match in_flight.admit() {
                Some(permit) => Some(permit),
                None => return overload::refuse(crate::is_grpc(&request)),
            },
            None => None,
        };
        let freshness = match crate::read_options::of(&request) {
            Ok(freshness) => freshness,
            Err(invalid) => return refuse_read_options(&invalid, crate::is_grpc(&request)),
        };
        let (mut response, revision) = freshness::scoped(freshness, next.run(request)).await;
        if let Some(revision) = revision
            && !response.headers().contains_key(headers::REVISION)
        {
            response.headers_mut().insert(
                headers::REVISION,
                crate::volatile_header::volatile(HeaderValue::from(revision)),
            );
        }
        response
    })
    .await;
    let mut response = response;
    unread_body::close_if_unread(body_end, &mut response);
    observation.finish(&response);
    response
}

/// `400 INVALID_REQUEST` (gRPC: `INVALID_ARGUMENT`) naming the option.
fn refuse_read_options(invalid: &crate::read_options::Invalid, grpc: bool) -> Response {
    if grpc {
        let message = format!("{} {}", invalid.field, invalid.reason);
        return tonic::Status::invalid_argument(message).into_http();
    }
    ApiError::invalid("Invalid read options", invalid.field, invalid.reason).into_response()
}

/// `router` behind the edge.
pub(crate) fn layer(router: axum::Router, in_flight: Option<InFlight>) -> axum::Router {
    router.layer(axum::middleware::from_fn_with_state(
        Edge { in_flight },
        edge,
    ))
}
