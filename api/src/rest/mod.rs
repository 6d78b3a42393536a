//! The REST adapter: axum routes over the core, one generic handler set for
//! every resource kind.

mod error;
mod extract;
mod handlers;
pub mod idempotency;
mod version;
pub mod wire;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use clusterdb::{ClusterDb, FleetKind, FunctionKind, InstanceKind};

pub use error::ApiError;
pub use version::VERSIONS;
use wire::RestKind;

/// State every handler sees.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub db: ClusterDb,
    /// Largest request body in bytes.
    pub body_limit: usize,
}

/// Settings of the REST adapter.
#[derive(Debug, Clone)]
pub struct RestConfig {
    /// Largest request body in bytes (default 1 MiB); larger is 413.
    pub body_limit: usize,
}

impl Default for RestConfig {
    fn default() -> Self {
        RestConfig {
            body_limit: 1 << 20,
        }
    }
}

/// Collection and item routes of one kind.
fn resource_routes<K: RestKind>(router: Router<AppState>, beta: bool) -> Router<AppState> {
    let collection = format!("/{}", K::COLLECTION);
    let item = format!("/{}/{{id}}", K::COLLECTION);
    let mut item_routes: MethodRouter<AppState> = get(handlers::get_one::<K>)
        .put(handlers::replace::<K>)
        .delete(handlers::delete::<K>);
    if beta {
        item_routes = item_routes.patch(handlers::patch::<K>);
    }
    router
        .route(
            &collection,
            get(handlers::list::<K>).post(handlers::create::<K>),
        )
        .route(&item, item_routes)
}

/// Every route of one API version, relative to its prefix.
fn version_routes(beta: bool) -> Router<AppState> {
    let router = Router::new();
    let router = resource_routes::<FleetKind>(router, beta);
    let router = resource_routes::<InstanceKind>(router, beta);
    let router = resource_routes::<FunctionKind>(router, beta);
    router
        .route("/instances/{id}/start", post(handlers::start_instance))
        .route("/instances/{id}/stop", post(handlers::stop_instance))
        .route("/functions/{id}/invoke", post(handlers::invoke_function))
}

/// Unknown paths: 404 in the spec's format.
async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "NOT_FOUND", "no such endpoint")
}

/// Gives axum's bodiless 405 (which carries `Allow`) the spec's format.
async fn method_not_allowed(response: Response) -> Response {
    if response.status() != StatusCode::METHOD_NOT_ALLOWED {
        return response;
    }
    let allow = response.headers().get(header::ALLOW).cloned();
    let mut error = ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
        "this endpoint does not support the method",
    );
    if let Some(allow) = allow.as_ref().and_then(|a| a.to_str().ok()) {
        error = error.detail("allow", allow);
    }
    let mut replaced = error.into_response();
    if let Some(allow) = allow {
        replaced.headers_mut().insert(header::ALLOW, allow);
    }
    replaced
}

/// The versioned REST router: `/v1`, `/v2beta1`, `/v0`. [`crate::app`]
/// puts the routing of unversioned paths in front of it.
pub fn router(db: ClusterDb, config: &RestConfig) -> Router {
    let state = AppState {
        db,
        body_limit: config.body_limit,
    };
    let v1 = version_routes(false);
    Router::new()
        .nest("/v1", v1.clone())
        .nest("/v2beta1", version_routes(true))
        .nest(
            "/v0",
            v1.layer(axum::middleware::from_fn(version::deprecate_v0)),
        )
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            idempotency::idempotency,
        ))
        .layer(axum::middleware::map_response(method_not_allowed))
        .layer(DefaultBodyLimit::max(config.body_limit))
        .with_state(state)
}

pub(crate) use version::route_unversioned;
