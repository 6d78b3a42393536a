//! OAuth 2.0 client credentials (RFC 6749 §4.4) and the documents other
//! services need to verify ClusterDB's access tokens:
//!
//! - `POST /oauth/token` — `grant_type=client_credentials`, the client
//!   authenticating with HTTP Basic or with `client_id`/`client_secret` form
//!   fields (not both); answers the RFC's JSON or its errors
//!   (`invalid_request`, `invalid_client` with 401 and `WWW-Authenticate`,
//!   `unsupported_grant_type`, `invalid_scope`);
//! - `GET /.well-known/jwks.json` — the signing keys' public halves;
//! - `GET /.well-known/openid-configuration` — discovery (issuer, token
//!   endpoint, JWKS URI, algorithms).
//!
//! Tokens are issued and verified by core ([`clusterdb::identity::AccessTokens`]).

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::Router;
use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use clusterdb::ClusterDb;
use clusterdb::identity::{AccessTokens, known_scopes};
use serde_json::json;
use tokio::sync::OnceCell;

use crate::rate_limit::{Charge, ClientLimits};
use crate::rest::error::ApiError;

/// The routes of [`Issuer::routes`], for the OpenAPI document's check.
pub const ROUTES: &[(&str, axum::http::Method)] = &[
    ("/oauth/token", axum::http::Method::POST),
    ("/.well-known/jwks.json", axum::http::Method::GET),
    ("/.well-known/openid-configuration", axum::http::Method::GET),
];

/// The token issuer of one server: its public URL and the access tokens,
/// opened (and the first signing key made) on first use.
#[derive(Clone)]
pub struct Issuer {
    db: ClusterDb,
    url: String,
    token_lifetime: std::time::Duration,
    tokens: Arc<OnceCell<Arc<AccessTokens>>>,
}

impl Issuer {
    /// The issuer at `url` (e.g. `https://clusterdb.example.com`) of
    /// tokens that live `token_lifetime`.
    pub fn new(db: ClusterDb, url: &str, token_lifetime: std::time::Duration) -> Self {
        Issuer {
            db,
            url: url.trim_end_matches('/').to_string(),
            token_lifetime,
            tokens: Arc::new(OnceCell::new()),
        }
    }

    /// The access tokens (opening the signing keys on first use).
    pub async fn tokens(&self) -> clusterdb::Result<Arc<AccessTokens>> {
        self.tokens
            .get_or_try_init(|| async {
                let tokens = self.db.tokens(self.url.clone()).await?;
                Ok(Arc::new(tokens.with_lifetime(self.token_lifetime)))
            })
            .await
            .cloned()
    }

    /// The routes: token endpoint and well-known documents (all public).
    pub fn routes(&self) -> Router {
        Router::new()
            .route("/oauth/token", post(token))
            .route("/.well-known/jwks.json", get(jwks))
            .route("/.well-known/openid-configuration", get(discovery))
            .with_state(self.clone())
    }
}

/// An error of the token endpoint, in RFC 6749 §5.2's format.
fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let mut response = (
        status,
        axum::Json(json!({"error": error, "error_description": description})),
    )
        .into_response();
    no_store(response.headers_mut());
    response
}

fn no_store(headers: &mut HeaderMap) {
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
}

fn invalid_client(basic: bool) -> Response {
    let mut response = oauth_error(
        StatusCode::UNAUTHORIZED,
        "invalid_client",
        "client authentication failed",
    );
    let challenge = if basic {
        r#"Basic realm="clusterdb""#
    } else {
        r#"Basic realm="clusterdb", Bearer realm="clusterdb""#
    };
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static(challenge),
    );
    response
}

/// Decodes one `application/x-www-form-urlencoded` component.
fn form_decode(text: &str) -> Option<String> {
    let uri = format!("/?v={text}").parse().ok()?;
    let pairs = axum::extract::Query::<Vec<(String, String)>>::try_from_uri(&uri).ok()?;
    pairs.0.into_iter().next().map(|(_, v)| v)
}

/// `(client_id, client_secret)` from `Authorization: Basic …`: `Ok(None)`
/// without one, `Err` for a malformed one.
fn basic_credentials(headers: &HeaderMap) -> Result<Option<(String, String)>, ()> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| ())?;
    let (scheme, encoded) = value.split_once(' ').ok_or(())?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(());
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .map_err(|_| ())?;
    let decoded = String::from_utf8(decoded).map_err(|_| ())?;
    let (id, secret) = decoded.split_once(':').ok_or(())?;
    Ok(Some((
        form_decode(id).ok_or(())?,
        form_decode(secret).ok_or(())?,
    )))
}

/// `POST /oauth/token`.
async fn token(State(issuer): State<Issuer>, request: Request) -> Response {
    let limits = request.extensions().get::<ClientLimits>().cloned();
    let (response, charge) = issue(issuer, request).await;
    match limits {
        Some(limits) => limits.apply(charge, response),
        None => response,
    }
}

/// The token endpoint's answer, and what the request is charged to: the
/// client it authenticated, else a failure naming the client id (if any).
async fn issue(issuer: Issuer, request: Request) -> (Response, Charge) {
    let failed = |response: Response, client: Option<&str>| {
        (response, Charge::Failure(client.map(str::to_string)))
    };
    let invalid_request =
        |description: &str| oauth_error(StatusCode::BAD_REQUEST, "invalid_request", description);
    let basic = match basic_credentials(request.headers()) {
        Ok(basic) => basic,
        Err(()) => return failed(invalid_client(true), None),
    };
    let form = match axum::Form::<Vec<(String, String)>>::from_request(request, &()).await {
        Ok(axum::Form(pairs)) => pairs,
        Err(_) => {
            return failed(
                invalid_request("the body must be application/x-www-form-urlencoded parameters"),
                None,
            );
        }
    };
    let mut seen = BTreeSet::new();
    for (name, _) in &form {
        if !seen.insert(name.as_str()) {
            return failed(
                invalid_request(&format!("the parameter {name} is repeated")),
                None,
            );
        }
    }
    let param = |name: &str| {
        form.iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let Some(grant_type) = param("grant_type") else {
        return failed(invalid_request("grant_type is required"), None);
    };
    if grant_type != "client_credentials" {
        let refusal = oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "only client_credentials is supported",
        );
        return failed(refusal, None);
    }
    let form_credentials = match (param("client_id"), param("client_secret")) {
        (Some(id), Some(secret)) => Some((id.to_string(), secret.to_string())),
        (None, None) => None,
        (Some(_), None) if basic.is_some() => None,
        _ => {
            let refusal = invalid_request("send both client_id and client_secret, or HTTP Basic");
            return failed(refusal, param("client_id"));
        }
    };
    let used_basic = basic.is_some();
    let (client_id, secret) = match (basic, form_credentials) {
        (Some(_), Some(_)) => {
            let refusal =
                invalid_request("authenticate with one method: HTTP Basic or form fields");
            return failed(refusal, param("client_id"));
        }
        (Some(credentials), None) | (None, Some(credentials)) => credentials,
        (None, None) => return failed(invalid_client(false), None),
    };
    if let Some(form_id) = param("client_id")
        && used_basic
        && form_id != client_id
    {
        let refusal = invalid_request("client_id does not match the authenticated client");
        return failed(refusal, Some(&client_id));
    }
    let client = match issuer
        .db
        .identity()
        .authenticate_client(&client_id, &secret)
        .await
    {
        Ok(client) => client,
        Err(err) if err.code() == clusterdb::ErrorCode::Unauthenticated => {
            return failed(invalid_client(used_basic), Some(&client_id));
        }
        Err(err) => return (ApiError::from(err).into_response(), Charge::Failure(None)),
    };
    let charge = Charge::Client(client.id().to_string());
    let scopes: BTreeSet<String> = match param("scope") {
        None => client.spec.scopes.clone(),
        Some(requested) => {
            let requested: BTreeSet<String> = requested
                .split(' ')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect();
            if let Some(bad) = requested.iter().find(|s| !client.spec.scopes.contains(*s)) {
                let refusal = oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_scope",
                    &format!("the client may not be granted {bad:?}"),
                );
                return (refusal, charge);
            }
            requested
        }
    };
    let tokens = match issuer.tokens().await {
        Ok(tokens) => tokens,
        Err(err) => return (ApiError::from(err).into_response(), charge),
    };
    let issued = match tokens.issue(client.id(), &scopes).await {
        Ok(issued) => issued,
        Err(err) => return (ApiError::from(err).into_response(), charge),
    };
    let mut response = axum::Json(json!({
        "access_token": issued.access_token,
        "token_type": "Bearer",
        "expires_in": issued.expires_in,
        "scope": issued.scope,
    }))
    .into_response();
    no_store(response.headers_mut());
    (response, charge)
}

/// `GET /.well-known/jwks.json`.
async fn jwks(State(issuer): State<Issuer>) -> Response {
    match issuer.tokens().await {
        Ok(tokens) => axum::Json(tokens.jwks()).into_response(),
        Err(err) => ApiError::from(err).into_response(),
    }
}

/// `GET /.well-known/openid-configuration`.
async fn discovery(State(issuer): State<Issuer>) -> Response {
    let url = &issuer.url;
    axum::Json(json!({
        "issuer": url,
        "token_endpoint": format!("{url}/oauth/token"),
        "jwks_uri": format!("{url}/.well-known/jwks.json"),
        "grant_types_supported": ["client_credentials"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "response_types_supported": ["token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["EdDSA"],
        "token_endpoint_auth_signing_alg_values_supported": ["EdDSA"],
        "scopes_supported": known_scopes(),
    }))
    .into_response()
}
