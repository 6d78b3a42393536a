//! ClusterDB's API adapters over the transport-agnostic core: REST (axum)
//! and gRPC (tonic), served together on one port and routed by content
//! type. Handlers are thin: extract, call the core, convert at the edge.

#[cfg(feature = "client")]
pub mod client;
#[doc(hidden)]
pub mod fuzzing;
pub mod grpc;
pub mod request_id;
pub mod rest;

use axum::Router;
use axum::extract::Request;
use axum::http::header;
use clusterdb::ClusterDb;
use tower::{Layer as _, ServiceExt as _};

pub use rest::{ApiError, RestConfig};

/// Whether a request is gRPC (`content-type: application/grpc…`).
fn is_grpc(request: &Request) -> bool {
    request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/grpc"))
}

/// The REST application alone: the versioned router behind the routing of
/// unversioned paths by `Accept: application/json;version=…` (which must
/// rewrite the path before routing, hence the outer router).
pub fn rest_app(db: ClusterDb, config: &RestConfig) -> Router {
    rest_app_of::<rest::kind::ServedKinds>(db, config)
}

/// [`rest_app`] for another set of kinds (an application's own, or a
/// test's).
pub fn rest_app_of<S: rest::kind::KindSet>(db: ClusterDb, config: &RestConfig) -> Router {
    let versioned = rest::router_of::<S>(db, config);
    let service = axum::middleware::from_fn(rest::route_unversioned).layer(versioned);
    Router::new()
        .fallback_service(service)
        .layer(axum::middleware::from_fn(request_id::request_id))
}

/// REST and gRPC on one port: gRPC requests go to the gRPC services,
/// everything else to REST.
pub async fn app(db: ClusterDb, config: &RestConfig) -> Router {
    let grpc = grpc::router(db.clone())
        .await
        .layer(axum::middleware::from_fn(request_id::request_id));
    let rest = rest_app(db, config);
    let dispatch = tower::service_fn(move |request: Request| {
        let target = if is_grpc(&request) {
            grpc.clone()
        } else {
            rest.clone()
        };
        target.oneshot(request)
    });
    Router::new().fallback_service(dispatch)
}
