//! The REST adapter: axum routes over the core, one generic handler set for
//! every resource kind.

pub mod admin;
pub(crate) mod error;
pub mod events;
pub(crate) mod extract;
pub(crate) mod handlers;
pub mod kind;
pub mod openapi;
pub mod server_status;
pub(crate) mod state;
pub(crate) mod version;
pub mod whoami;
pub mod wire;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get};

use clusterdb::ClusterDb;

use crate::auth::verb_of;
pub use crate::headers::APPLY_OUTCOME;
pub use error::{ApiError, OUTCOME_HEADER, WriteOutcome};
use kind::{Access, KindSet, KindVisitor, RestKind, ServedKinds};
pub use state::AppState;
pub use version::VERSIONS;

/// Settings of the API adapters.
#[derive(Debug, Clone)]
pub struct RestConfig {
    /// Largest request body in bytes (default 1 MiB); larger is 413.
    pub body_limit: usize,
    /// Requests handled at once by [`crate::app`] (default 4096); beyond it
    /// a request is refused with 503 and `Retry-After`.
    pub max_in_flight: usize,
    /// The lease of an idempotency reservation (default 60 s); renewed while
    /// the request runs, it bounds how long a dead server's reservation
    /// blocks its key.
    pub idempotency_lease: std::time::Duration,
    /// Rate limits (default [`crate::rate_limit::RateLimits::default`]);
    /// `None` turns rate limiting off.
    pub rate_limits: Option<crate::rate_limit::RateLimits>,
    /// The server's public URL: the `iss` of its access tokens and the
    /// base of its discovery document (default `http://127.0.0.1:7070`).
    pub issuer: String,
    /// How long the access tokens of `/oauth/token` live (at most an hour).
    pub access_token_lifetime: std::time::Duration,
    /// Turns true when the server stops, ending live streams (event
    /// watches) so that the drain is not held up by them.
    pub shutdown: Option<tokio::sync::watch::Receiver<bool>>,
    /// How webhook deliveries (here: redeliveries) are made.
    pub webhooks: crate::webhooks::DeliveryOptions,
    /// Serve `GET /metrics` without credentials (default: viewers and
    /// clients with `metrics:read`).
    pub metrics_public: bool,
    /// Peers (reverse proxies) whose `Forwarded` / `X-Forwarded-For`
    /// headers name the client address rate limits see.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Serve the web console at `/ui` (default on).
    pub ui: bool,
}

impl Default for RestConfig {
    fn default() -> Self {
        RestConfig {
            body_limit: 1 << 20,
            max_in_flight: 4096,
            idempotency_lease: crate::idempotency::DEFAULT_LEASE,
            rate_limits: Some(crate::rate_limit::RateLimits::default()),
            issuer: "http://127.0.0.1:7070".to_string(),
            access_token_lifetime: std::time::Duration::from_secs(
                clusterdb::identity::ACCESS_TOKEN_TTL_S,
            ),
            shutdown: None,
            webhooks: crate::webhooks::DeliveryOptions::default(),
            metrics_public: false,
            trusted_proxies: Vec::new(),
            ui: true,
        }
    }
}

/// A router under construction and the (path, method) pairs it serves,
/// recorded as routes are added so the OpenAPI document can be checked
/// against what is really served.
struct Routes {
    router: Router<AppState>,
    served: Vec<(String, Method)>,
}

impl Routes {
    fn new() -> Self {
        Routes {
            router: Router::new(),
            served: Vec::new(),
        }
    }

    fn add(&mut self, path: &str, methods: &[Method], route: MethodRouter<AppState>) {
        self.served
            .extend(methods.iter().map(|m| (path.to_string(), m.clone())));
        self.router = std::mem::take(&mut self.router).route(path, route);
    }

    /// Every route of one kind: collection, item by id (with PATCH in
    /// beta), item by namespace and name for namespaced kinds, actions.
    /// Each is authorized by core's policy for the kind (reads: GET) before
    /// its handler runs, except actions that authorize in their handler.
    fn resource<K: RestKind>(&mut self, beta: bool) {
        let by_method = || {
            axum::middleware::from_fn(
                |request: axum::extract::Request, next: axum::middleware::Next| {
                    crate::auth::authorize_route(K::NAME, verb_of(request.method()), request, next)
                },
            )
        };
        let collection = format!("/{}", K::COLLECTION);
        let item = format!("{collection}/{{id}}");
        let create = match K::create_route() {
            Some(route) => route,
            None => axum::routing::post(handlers::create::<K>),
        };
        self.add(
            &collection,
            &[Method::GET, Method::POST],
            get(handlers::list::<K>).merge(create).layer(by_method()),
        );
        let mut item_methods = vec![Method::GET, Method::PUT, Method::DELETE];
        let mut item_routes: MethodRouter<AppState> = get(handlers::get_one::<K>)
            .put(handlers::replace::<K>)
            .delete(handlers::delete::<K>);
        if beta {
            item_methods.push(Method::PATCH);
            item_routes = item_routes.patch(handlers::patch::<K>);
        }
        self.add(&item, &item_methods, item_routes.layer(by_method()));
        if K::NAMESPACED {
            self.add(
                &format!("{collection}/{{namespace}}/{{name}}"),
                &[Method::GET, Method::PUT, Method::DELETE],
                get(handlers::get_named::<K>)
                    .put(handlers::apply::<K>)
                    .delete(handlers::delete_named::<K>)
                    .layer(by_method()),
            );
        }
        for action in K::actions() {
            let route = match action.access {
                Access::Kind(verb) => action.route.layer(axum::middleware::from_fn(
                    move |request: axum::extract::Request, next: axum::middleware::Next| {
                        crate::auth::authorize_route(K::NAME, verb, request, next)
                    },
                )),
                Access::Handler => action.route,
            };
            self.add(&format!("{item}/{}", action.path), &[action.method], route);
        }
        for query in K::queries() {
            let route = match query.access {
                Access::Kind(verb) => query.route.layer(axum::middleware::from_fn(
                    move |request: axum::extract::Request, next: axum::middleware::Next| {
                        crate::auth::authorize_route(K::NAME, verb, request, next)
                    },
                )),
                Access::Handler => query.route,
            };
            self.add(&format!("/{}", query.path), &[query.method], route);
        }
    }

    /// Every route of one API version, relative to its prefix.
    fn version<S: KindSet>(beta: bool) -> Self {
        struct AddKind {
            routes: Routes,
            beta: bool,
        }
        impl KindVisitor for AddKind {
            fn kind<K: RestKind>(&mut self) {
                self.routes.resource::<K>(self.beta);
            }
        }
        let mut visitor = AddKind {
            routes: Routes::new(),
            beta,
        };
        S::visit(&mut visitor);
        let mut routes = visitor.routes;
        // The event log: every caller may list and watch it, and gets the
        // events of the kinds they may read.
        routes.add("/events", &[Method::GET], get(events::list));
        routes.add("/events:watch", &[Method::GET], get(events::watch));
        // A snapshot of the whole store (admins only).
        routes.add("/admin/snapshot", &[Method::GET], get(admin::snapshot));
        // Who the caller is and what it may do (any caller).
        routes.add("/auth/whoami", &[Method::GET], get(whoami::whoami));
        // The answering server's version, engine and role (any caller).
        routes.add("/server", &[Method::GET], get(server_status::server));
        routes
    }

    fn nest(&mut self, prefix: &str, inner: Routes) {
        self.served.extend(
            inner
                .served
                .into_iter()
                .map(|(path, method)| (format!("{prefix}{path}"), method)),
        );
        self.router = std::mem::take(&mut self.router).nest(prefix, inner.router);
    }
}

/// All versions of the kinds `S`: `/v1` (with its OpenAPI document),
/// `/v2beta1`, `/v0`.
fn all_routes<S: KindSet>() -> Routes {
    let mut v1 = Routes::version::<S>(false);
    v1.add("/openapi.json", &[Method::GET], get(openapi::serve));
    let mut v0 = Routes::version::<S>(false);
    v0.router = v0
        .router
        .layer(axum::middleware::from_fn(version::deprecate_v0));
    let mut all = Routes::new();
    all.nest("/v1", v1);
    all.nest("/v2beta1", Routes::version::<S>(true));
    all.nest("/v0", v0);
    all
}

/// Every (path, method) the REST router serves, paths as templates such
/// as `/v1/fleets/{id}`.
pub fn served_routes() -> Vec<(String, Method)> {
    served_routes_of::<ServedKinds>()
}

/// The unversioned routes [`crate::oauth::Issuer::routes`] serves.
pub fn oauth_routes() -> Vec<(String, Method)> {
    crate::oauth::ROUTES
        .iter()
        .map(|(path, method)| (path.to_string(), method.clone()))
        .collect()
}

/// [`served_routes`] for another set of kinds.
pub fn served_routes_of<S: KindSet>() -> Vec<(String, Method)> {
    all_routes::<S>().served
}

/// Unknown paths: 404 in the spec's format.
async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "NOT_FOUND", "no such endpoint")
}

/// Gives every error response that is not already in the spec's format —
/// axum's 405 (which carries `Allow`) and its extractor rejections — that
/// format, keeping the status and the `Allow` header.
async fn normalize_errors(response: Response) -> Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let allow = response.headers().get(header::ALLOW).cloned();
    let body = axum::body::to_bytes(response.into_body(), 64 << 10)
        .await
        .unwrap_or_default();
    let text = String::from_utf8_lossy(&body).trim().to_string();
    let (code, message) = match status {
        StatusCode::METHOD_NOT_ALLOWED => (
            "METHOD_NOT_ALLOWED",
            "this endpoint does not support the method".to_string(),
        ),
        StatusCode::NOT_FOUND => ("NOT_FOUND", "no such endpoint".to_string()),
        StatusCode::PAYLOAD_TOO_LARGE => (
            "PAYLOAD_TOO_LARGE",
            "the request body is larger than the server accepts".to_string(),
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ("UNSUPPORTED_MEDIA_TYPE", text),
        s if s.is_client_error() => ("INVALID_REQUEST", text),
        _ => ("INTERNAL", "internal error".to_string()),
    };
    let mut error = ApiError::new(status, code, message);
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
    router_of::<ServedKinds>(db, config)
}

/// [`router`] for another set of kinds (an application's own, or a test's).
pub fn router_of<S: KindSet>(db: ClusterDb, config: &RestConfig) -> Router {
    let document = openapi::document_of::<S>(db.context());
    let body_limits = BodyLimits {
        default: config.body_limit,
        functions: config.body_limit.max(upload_limit(&db)),
    };
    let idempotency = std::sync::Arc::new(crate::idempotency::Idempotency {
        db: db.clone(),
        body_limit: body_limits.functions,
        lease: config.idempotency_lease,
    });
    let state = AppState {
        openapi: serde_json::to_vec(&document).unwrap_or_default().into(),
        db,
        shutdown: config.shutdown.clone(),
        webhooks: std::sync::Arc::new(crate::webhooks::Sender::new(config.webhooks.clone())),
    };
    let edge = RouteEdge {
        limits: body_limits,
        idempotency,
    };
    all_routes::<S>()
        .router
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(edge, route_edge))
        .layer(DefaultBodyLimit::disable())
        .with_state(state)
}

/// What the versioned router runs around every route (and the fallback),
/// as one layer: the route's body limit, idempotency keys, the spec's
/// error format for axum's own errors, and the matched route as the
/// metrics' label.
#[derive(Clone)]
struct RouteEdge {
    limits: BodyLimits,
    idempotency: std::sync::Arc<crate::idempotency::Idempotency>,
}

async fn route_edge(
    axum::extract::State(edge): axum::extract::State<RouteEdge>,
    matched: Option<axum::extract::MatchedPath>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let request = edge.limits.apply(request);
    let response =
        crate::idempotency::idempotency(axum::extract::State(edge.idempotency), request, next)
            .await;
    let mut response = normalize_errors(response).await;
    if let Some(matched) = &matched {
        crate::metrics::label_route(&mut response, matched);
    }
    response
}

/// The largest request bodies: `--body-limit` for most routes; for the
/// function routes (code uploads, invocation payloads) enough for the
/// largest module in base64 or the largest payload.
#[derive(Debug, Clone, Copy)]
struct BodyLimits {
    default: usize,
    functions: usize,
}

/// The body a function route may need to carry: the largest module as
/// base64 in JSON, or the largest payload, with room for the rest.
pub fn upload_limit(db: &ClusterDb) -> usize {
    let module = db.function_limits().max_module_bytes;
    (module.div_ceil(3) * 4).max(clusterdb::compute::MAX_PAYLOAD) + (1 << 20)
}

impl BodyLimits {
    /// Limits `request`'s body to its route's limit.
    fn apply(&self, request: axum::extract::Request) -> axum::extract::Request {
        let is_function_route = request
            .uri()
            .path()
            .split('/')
            .nth(2)
            .is_some_and(|collection| collection == "functions");
        let limit = if is_function_route {
            self.functions
        } else {
            self.default
        };
        request.map(|body| axum::body::Body::new(http_body_util::Limited::new(body, limit)))
    }
}

pub(crate) use version::route_unversioned;
