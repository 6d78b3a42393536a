//! Authentication, the rate limit, and the authorization of routes: the
//! [`guard`] middleware in front of REST and gRPC alike, and the
//! [`Caller`] it leaves for handlers.
//!
//! The guard reads `Authorization: Bearer <token>` — an API key
//! (`cdb_…`) or an access token from `POST /oauth/token` — and resolves
//! the principal through core, then draws the request from the principal's
//! rate-limit bucket (or the client IP's, when there is no principal).
//! Public routes (health, reflection, `/.well-known/*`, `/oauth/token`,
//! the OpenAPI document) need no credentials. Authorization is core's one
//! policy ([`clusterdb::identity::authorize`]): REST applies it per route
//! ([`authorize_route`]), gRPC in each method ([`crate::grpc::auth`]).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use clusterdb::ClusterDb;
use clusterdb::identity::{Principal, Verb};

pub use crate::caller::Caller;
use crate::oauth::Issuer;
use crate::rate_limit::{ClientLimits, RateLimiters, rate_limited};
use crate::rest::error::ApiError;

/// Turns a bearer token into a principal: API keys (`cdb_…`) and access
/// tokens, both through core.
#[derive(Clone)]
pub struct Authenticator {
    db: ClusterDb,
    issuer: Issuer,
}

impl Authenticator {
    /// API keys of `db` and access tokens of `issuer`.
    pub fn new(db: ClusterDb, issuer: Issuer) -> Self {
        Authenticator { db, issuer }
    }

    /// The issuer of the access tokens it accepts.
    pub fn issuer(&self) -> &Issuer {
        &self.issuer
    }

    /// The principal holding `token`.
    pub async fn principal(&self, token: &str) -> clusterdb::Result<Arc<Principal>> {
        if token.starts_with(clusterdb::identity::API_KEY_PREFIX) {
            return self.db.identity().authenticate_api_key(token).await;
        }
        let tokens = self.issuer.tokens().await?;
        self.db.identity().authenticate_token(&tokens, token).await
    }
}

/// What the guard needs.
#[derive(Clone)]
pub struct Guard {
    /// Resolves credentials.
    pub authenticator: Authenticator,
    /// The rate limiter; `None` is off.
    pub limiters: Option<Arc<RateLimiters>>,
    /// `GET /metrics` is served without credentials.
    pub public_metrics: bool,
    /// Peers whose `Forwarded` / `X-Forwarded-For` name the client.
    pub trusted_proxies: crate::client_ip::TrustedProxies,
}

/// The credential id a bearer token names, unverified: an API key's id,
/// or an access token's `client_id` — what failed authentications are
/// charged to besides the address.
fn named_credential(token: &str) -> Option<String> {
    if token.starts_with(clusterdb::identity::API_KEY_PREFIX) {
        return clusterdb::identity::parse_key(token).map(|(id, _)| id);
    }
    use base64::Engine as _;
    if token.len() > clusterdb::identity::MAX_TOKEN_LEN {
        return None;
    }
    let claims = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(claims)
        .ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let id = claims.get("client_id").or_else(|| claims.get("sub"))?;
    id.as_str().filter(|id| id.len() <= 128).map(str::to_string)
}

/// Whether `path` is served without credentials.
pub fn is_public(path: &str, grpc: bool) -> bool {
    if grpc {
        return path.starts_with("/grpc.health.v1.Health/")
            || path.starts_with("/grpc.reflection.");
    }
    path.starts_with("/.well-known/")
        || crate::ui::is_console(path)
        || path == "/oauth/token"
        || path == "/openapi.json"
        || path
            .strip_suffix("/openapi.json")
            .is_some_and(|version| version.starts_with("/v") && !version[1..].contains('/'))
}

/// The bearer token of a request: `Ok(None)` without an `Authorization`
/// header, `Err` for one that is not `Bearer <token>`.
fn bearer(request: &Request) -> Result<Option<&str>, &'static str> {
    let Some(value) = request.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| "the Authorization header is not text")?;
    let (scheme, token) = value
        .split_once(' ')
        .ok_or("the Authorization header must be `Bearer <token>`")?;
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
        return Err("the Authorization header must be `Bearer <token>`");
    }
    Ok(Some(token))
}

fn peer_ip(request: &Request) -> IpAddr {
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip())
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

fn unauthenticated_error(message: &str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED", message)
}

/// The refusal of a request without valid credentials.
fn unauthenticated(message: &str, grpc: bool, token_given: bool) -> Response {
    let mut response = if grpc {
        tonic::Status::unauthenticated(message).into_http()
    } else {
        unauthenticated_error(message).into_response()
    };
    let challenge = if token_given {
        r#"Bearer realm="clusterdb", error="invalid_token""#
    } else {
        r#"Bearer realm="clusterdb""#
    };
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static(challenge),
    );
    response
}

/// The middleware: authenticates, rate-limits, and leaves a [`Caller`].
pub async fn guard(State(guard): State<Arc<Guard>>, mut request: Request, next: Next) -> Response {
    let grpc = crate::is_grpc(&request);
    let ip = guard
        .trusted_proxies
        .client_ip(peer_ip(&request), request.headers());
    let check_ip = |guard: &Guard| guard.limiters.as_ref().map(|l| l.check_ip(ip));
    let path = request.uri().path();
    let public = is_public(path, grpc) || (guard.public_metrics && !grpc && path == "/metrics");
    let decision = if public && !grpc && path == "/oauth/token" {
        // Charged by the endpoint: to the client it authenticates, or to
        // the address and the client id it named.
        request.extensions_mut().insert(ClientLimits {
            ip,
            limiters: guard.limiters.clone(),
        });
        None
    } else if public && !grpc && path != "/metrics" {
        // Documents, served from memory, limited apart from logins.
        guard.limiters.as_ref().map(|l| l.check_documents(ip))
    } else if public {
        check_ip(&guard)
    } else {
        let token = match bearer(&request) {
            Ok(Some(token)) => Ok(token),
            Ok(None) => Err((
                "authentication required: send `Authorization: Bearer <API key or token>`",
                false,
            )),
            Err(message) => Err((message, true)),
        };
        // A refusal carries the credential id the token named (read only
        // then: a valid token costs no extra decoding).
        let principal = match token {
            Ok(token) => match guard.authenticator.principal(token).await {
                Ok(principal) => Ok(principal),
                Err(err) if err.code() == clusterdb::ErrorCode::Unauthenticated => {
                    Err((err.to_string(), true, named_credential(token)))
                }
                Err(err) => return ApiError::from(err).into_response(),
            },
            Err((message, given)) => Err((message.to_string(), given, None)),
        };
        match principal {
            Ok(principal) => {
                let decision = guard
                    .limiters
                    .as_ref()
                    .map(|l| l.check_principal(&principal));
                request.extensions_mut().insert(Caller {
                    db: guard.authenticator.db.acting_for(Arc::clone(&principal)),
                    principal,
                });
                decision
            }
            Err((message, given, named)) => {
                // Failed authentications draw from the client IP's bucket
                // and the named credential's.
                crate::metrics::counters().authentication_failed();
                let checked = guard
                    .limiters
                    .as_ref()
                    .map(|l| l.check_failure(ip, named.as_deref()));
                if let Some((decision, by)) = checked.filter(|(d, _)| !d.allowed) {
                    return rate_limited(&decision, grpc, by);
                }
                let decision = checked.map(|(d, _)| d);
                let mut response = unauthenticated(&message, grpc, given);
                if let Some(decision) = decision {
                    decision.write_headers(response.headers_mut());
                }
                return response;
            }
        }
    };
    if let Some(decision) = decision.filter(|d| !d.allowed) {
        let by = if public { "ip" } else { "principal" };
        return rate_limited(&decision, grpc, by);
    }
    let mut response = next.run(request).await;
    if let Some(decision) = decision {
        decision.write_headers(response.headers_mut());
    }
    response
}

/// The verb of an HTTP method: reads are GET and HEAD.
pub fn verb_of(method: &Method) -> Verb {
    if method == Method::GET || method == Method::HEAD {
        Verb::Read
    } else {
        Verb::Write
    }
}

/// Per-route authorization: the caller must be allowed to `verb`
/// resources of `kind`.
pub async fn authorize_route(
    kind: &'static str,
    verb: Verb,
    request: Request,
    next: Next,
) -> Response {
    let Some(caller) = request.extensions().get::<Caller>() else {
        return unauthenticated("authentication required", false, false);
    };
    if let Err(err) = caller.authorize(kind, verb) {
        return ApiError::from(err).into_response();
    }
    next.run(request).await
}
