//! ClusterDB's API adapters: REST (axum) over the transport-agnostic core.
//! Handlers are thin: extract, call the core, convert at the edge.

#[cfg(feature = "client")]
pub mod client;
pub mod rest;

use axum::Router;
use clusterdb::ClusterDb;
use tower::Layer as _;

pub use rest::{ApiError, RestConfig};

/// The whole HTTP application: the REST router, behind the routing of
/// unversioned paths by `Accept: application/json;version=…` (which must
/// rewrite the path before routing, hence the outer router).
pub fn app(db: ClusterDb, config: &RestConfig) -> Router {
    let versioned = rest::router(db, config);
    let service = axum::middleware::from_fn(rest::route_unversioned).layer(versioned);
    Router::new().fallback_service(service)
}
