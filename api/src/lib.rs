//! ClusterDB's API adapters over the transport-agnostic core: REST (axum)
//! and gRPC (tonic), served together on one port and routed by content
//! type. Handlers are thin: extract, call the core, convert at the edge.

pub mod auth;
pub mod caller;
pub mod client_ip;
mod edge;
pub mod events;
#[doc(hidden)]
pub mod fuzzing;
pub mod grpc;
pub use clusterdb_client::headers;
pub mod idempotency;
mod in_process;
pub mod metrics;
pub mod oauth;
pub mod overload;
pub mod rate_limit;
pub mod read_options;
pub mod request_id;
pub mod rest;
pub mod snapshot_stream;
pub mod ui;
mod unread_body;
mod volatile_header;
pub mod webhooks;

use axum::Router;
use axum::extract::Request;
use axum::http::header;
use clusterdb::ClusterDb;
use tower::{Layer as _, ServiceExt as _};

pub use in_process::InProcess;

pub use rest::{ApiError, RestConfig};

/// Whether a request is gRPC (`content-type: application/grpc…`).
pub(crate) fn is_grpc(request: &Request) -> bool {
    request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/grpc"))
}

/// The guard of one server: authentication through `db`, and the rate
/// limiter `config` asks for (shared by REST and gRPC, and by every
/// request: the middleware's state is copied per request).
fn guard_of(db: &ClusterDb, config: &RestConfig) -> std::sync::Arc<auth::Guard> {
    std::sync::Arc::new(auth::Guard {
        authenticator: auth::Authenticator::new(
            db.clone(),
            oauth::Issuer::new(db.clone(), &config.issuer, config.access_token_lifetime),
        ),
        limiters: config
            .rate_limits
            .clone()
            .map(rate_limit::RateLimiters::new),
        public_metrics: config.metrics_public,
        trusted_proxies: client_ip::TrustedProxies::new(config.trusted_proxies.clone()),
    })
}

/// The REST application alone: the versioned router behind the guard
/// (authentication, rate limit) and the routing of unversioned paths by
/// `Accept: application/json;version=…` (which must rewrite the path
/// before routing, hence the outer router).
pub fn rest_app(db: ClusterDb, config: &RestConfig) -> Router {
    rest_app_of::<rest::kind::ServedKinds>(db, config)
}

/// [`rest_app`] for another set of kinds (an application's own, or a
/// test's).
pub fn rest_app_of<S: rest::kind::KindSet>(db: ClusterDb, config: &RestConfig) -> Router {
    let guard = guard_of(&db, config);
    edge::layer(rest_with_guard::<S>(db, config, guard), None)
}

fn rest_with_guard<S: rest::kind::KindSet>(
    db: ClusterDb,
    config: &RestConfig,
    guard: std::sync::Arc<auth::Guard>,
) -> Router {
    let metrics = metrics::MetricsRoute {
        db: db.clone(),
        public: config.metrics_public,
    };
    let versioned = rest::router_of::<S>(db, config);
    let service = axum::middleware::from_fn(rest::route_unversioned).layer(versioned);
    guard
        .authenticator
        .issuer()
        .routes()
        .merge(
            Router::new()
                .route("/metrics", axum::routing::get(metrics::serve))
                .with_state(metrics),
        )
        .merge(if config.ui {
            ui::routes()
        } else {
            Router::new()
        })
        .fallback_service(service)
        .layer(axum::middleware::from_fn_with_state(guard, auth::guard))
}

/// The actor an embedded caller's writes record.
pub const LOCAL_ACTOR: &str = "local";

/// The REST application for a database opened in this process (the CLI's
/// embedded mode, through [`InProcess`]): the same routes
/// and answers as [`rest_app`], but every request acts as [`LOCAL_ACTOR`]
/// with the admin role — whoever can open the data file owns it anyway —
/// with no credentials and no rate limit. Never serve it on a socket.
pub fn embedded_app(db: ClusterDb) -> Router {
    let caller = auth::Caller {
        principal: std::sync::Arc::new(clusterdb::identity::Principal::user(
            LOCAL_ACTOR,
            [clusterdb::identity::Role::Admin],
        )),
        db: db.acting_as(LOCAL_ACTOR),
    };
    let config = RestConfig {
        rate_limits: None,
        ..RestConfig::default()
    };
    let versioned = rest::router_of::<rest::kind::ServedKinds>(db, &config);
    let service = axum::middleware::from_fn(rest::route_unversioned).layer(versioned);
    let app = Router::new()
        .fallback_service(service)
        .layer(axum::middleware::from_fn(
            move |mut request: Request, next: axum::middleware::Next| {
                request.extensions_mut().insert(caller.clone());
                next.run(request)
            },
        ));
    edge::layer(app, None)
}

/// The gRPC services behind the guard, with idempotency keys.
async fn grpc_with_layers(
    db: ClusterDb,
    config: &RestConfig,
    guard: std::sync::Arc<auth::Guard>,
) -> Router {
    let idem = idempotency::Idempotency {
        db: db.clone(),
        // gRPC carries function code too.
        body_limit: config.body_limit.max(rest::upload_limit(&db)),
        lease: config.idempotency_lease,
    };
    let sender = std::sync::Arc::new(webhooks::Sender::new(config.webhooks.clone()));
    grpc::router(db, config.shutdown.clone(), sender)
        .await
        .layer(axum::middleware::from_fn_with_state(
            std::sync::Arc::new(idem),
            idempotency::idempotency,
        ))
        .layer(axum::middleware::from_fn_with_state(guard, auth::guard))
}

/// gRPC alone (for a gRPC-only port), behind the guard, with idempotency
/// keys, request ids and the in-flight cap.
pub async fn grpc_app(db: ClusterDb, config: &RestConfig) -> Router {
    let in_flight = overload::InFlight::new(config.max_in_flight);
    let guard = guard_of(&db, config);
    edge::layer(grpc_with_layers(db, config, guard).await, Some(in_flight))
}

/// REST and gRPC on one port: gRPC requests go to the gRPC services,
/// everything else to REST, both behind one guard (one rate-limit bucket
/// per caller); at most `config.max_in_flight` requests at once.
pub async fn app(db: ClusterDb, config: &RestConfig) -> Router {
    let in_flight = overload::InFlight::new(config.max_in_flight);
    let guard = guard_of(&db, config);
    let grpc = grpc_with_layers(db.clone(), config, guard.clone()).await;
    let rest = rest_with_guard::<rest::kind::ServedKinds>(db, config, guard);
    let dispatch = tower::service_fn(move |request: Request| {
        let target = if is_grpc(&request) {
            grpc.clone()
        } else {
            rest.clone()
        };
        target.oneshot(request)
    });
    edge::layer(Router::new().fallback_service(dispatch), Some(in_flight))
}
