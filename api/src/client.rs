//! The typed Rust client of the REST API (the Rust SDK).
//!
//! ```no_run
//! # async fn run() -> Result<(), clusterdb_api::client::ClientError> {
//! use clusterdb_api::client::Client;
//! use clusterdb_api::rest::wire::FleetInput;
//!
//! let client = Client::new("http://127.0.0.1:7070")?;
//! let fleet = client
//!     .fleets()
//!     .create(&FleetInput {
//!         name: "web-fleet".into(),
//!         description: "Web application fleet".into(),
//!         capacity: 3,
//!         instance_type: "t3.medium".into(),
//!         tags: [("environment".to_string(), "production".to_string())].into(),
//!     })
//!     .await?;
//! println!("created {}", fleet.id);
//! # Ok(()) }
//! ```
//!
//! The gRPC client is the generated, typed [`grpc::ComputeServiceClient`];
//! [`connect_grpc`] opens one.

use std::marker::PhantomData;
use std::sync::Arc;

use clusterdb::{FleetKind, FunctionKind, InstanceKind};
use reqwest::{Method, RequestBuilder, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::headers::APPLY_OUTCOME;
use crate::rest::wire::{InvocationOutput, RestKind};

/// Why a call failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The server answered with an error in the API's error format.
    #[error("{status} {code}: {message}")]
    Api {
        /// HTTP status.
        status: StatusCode,
        /// `error.code`, e.g. `NOT_FOUND`.
        code: String,
        /// `error.message`.
        message: String,
        /// `error.details`.
        details: Map<String, Value>,
    },
    /// The request did not complete (connection, timeout, TLS).
    #[error("transport: {0}")]
    Transport(#[from] reqwest::Error),
    /// A gRPC connection could not be made.
    #[error("grpc transport: {0}")]
    Grpc(#[from] tonic::transport::Error),
    /// The response was not what the API promises.
    #[error("unexpected response: {0}")]
    Unexpected(String),
    /// The credentials given cannot be sent.
    #[error("credentials: {0}")]
    Credentials(String),
}

impl ClientError {
    /// The API error code, if the server answered with one.
    pub fn code(&self) -> Option<&str> {
        match self {
            ClientError::Api { code, .. } => Some(code),
            _ => None,
        }
    }
}

/// The generated gRPC messages and the typed `ComputeServiceClient`.
pub use clusterdb_proto::compute::v1 as grpc;

/// Sends `authorization: Bearer <token>` with every gRPC call.
#[derive(Clone)]
pub struct BearerAuth(tonic::metadata::MetadataValue<tonic::metadata::Ascii>);

impl BearerAuth {
    /// For an API key or access token.
    pub fn new(token: &str) -> Result<Self, ClientError> {
        let value = format!("Bearer {token}")
            .parse()
            .map_err(|_| ClientError::Credentials("the token is not valid header text".into()))?;
        Ok(BearerAuth(value))
    }
}

impl tonic::service::Interceptor for BearerAuth {
    fn call(
        &mut self,
        mut request: tonic::Request<()>,
    ) -> Result<tonic::Request<()>, tonic::Status> {
        request
            .metadata_mut()
            .insert("authorization", self.0.clone());
        Ok(request)
    }
}

/// A compute client that authenticates every call.
pub type ComputeClient = grpc::ComputeServiceClient<
    tonic::service::interceptor::InterceptedService<tonic::transport::Channel, BearerAuth>,
>;

/// Connects a gRPC client to the server at `url`, e.g.
/// `http://127.0.0.1:7070` (REST and gRPC share the port), authenticating
/// with `token` (an API key or access token).
pub async fn connect_grpc(url: &str, token: &str) -> Result<ComputeClient, ClientError> {
    let endpoint = tonic::transport::Endpoint::from_shared(url.to_string())?;
    let channel = endpoint.connect().await?;
    Ok(grpc::ComputeServiceClient::with_interceptor(
        channel,
        BearerAuth::new(token)?,
    ))
}

/// A client of one ClusterDB server.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    /// Where requests go.
    transport: Transport,
    base: String,
    /// How every request authenticates.
    credentials: Credentials,
}

/// Where a client's requests go.
#[derive(Clone)]
enum Transport {
    /// Over the network.
    Http,
    /// To a router in this process (an embedded database): the same
    /// requests and answers, no socket.
    InProcess(axum::Router),
}

/// How a client authenticates.
#[derive(Clone)]
enum Credentials {
    None,
    /// An API key (or a token obtained elsewhere): `Authorization` as is.
    Bearer(reqwest::header::HeaderValue),
    /// OAuth client credentials: a token from `/oauth/token`, cached and
    /// fetched again shortly before it expires.
    Client(Arc<ClientCredentials>),
}

struct ClientCredentials {
    token_url: String,
    client_id: String,
    client_secret: String,
    cached: tokio::sync::Mutex<Option<(reqwest::header::HeaderValue, std::time::Instant)>>,
    /// The last token fetched, for [`Client::access_token`].
    issued: std::sync::Mutex<Option<AccessToken>>,
}

/// An access token from the server's `/oauth/token`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessToken {
    /// The JWT, sent as `Authorization: Bearer <token>`.
    pub token: String,
    /// When the server stops accepting it.
    pub expires_at: std::time::SystemTime,
}

/// A cached token is renewed this long before it expires.
const RENEW_BEFORE: std::time::Duration = std::time::Duration::from_secs(60);

/// One page of a list.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The items.
    pub items: Vec<T>,
    /// Pass back as `page_token` for the next page.
    pub next_page_token: Option<String>,
}

impl Client {
    /// A client of the server at `base_url`, e.g. `http://127.0.0.1:7070`.
    pub fn new(base_url: &str) -> Result<Self, ClientError> {
        Self::with_root_certificates(base_url, &[])
    }

    /// [`Client::new`], also trusting the CA certificates in `pem` (for a
    /// server with a private CA).
    pub fn with_root_certificates(base_url: &str, pem: &[u8]) -> Result<Self, ClientError> {
        let mut builder = reqwest::Client::builder()
            .user_agent(concat!("clusterdb-rust/", env!("CARGO_PKG_VERSION")));
        if !pem.is_empty() {
            let certificates = reqwest::Certificate::from_pem_bundle(pem).map_err(|e| {
                ClientError::Credentials(format!("the CA certificate is not PEM: {e}"))
            })?;
            if certificates.is_empty() {
                return Err(ClientError::Credentials(
                    "the CA certificate file holds no certificate".into(),
                ));
            }
            for certificate in certificates {
                builder = builder.add_root_certificate(certificate);
            }
        }
        Ok(Client {
            http: builder.build()?,
            transport: Transport::Http,
            base: format!("{}/v1", base_url.trim_end_matches('/')),
            credentials: Credentials::None,
        })
    }

    /// A client of `app`, a router in this process (e.g.
    /// `clusterdb_api::embedded_app`): every call is the REST call it
    /// would be over the network, without one.
    pub fn in_process(app: axum::Router) -> Result<Self, ClientError> {
        Ok(Client {
            transport: Transport::InProcess(app),
            ..Self::new("http://in-process")?
        })
    }

    /// Sends `request` over this client's transport.
    async fn execute(&self, request: RequestBuilder) -> Result<reqwest::Response, ClientError> {
        let request = request.build()?;
        match &self.transport {
            Transport::Http => Ok(self.http.execute(request).await?),
            Transport::InProcess(app) => call_in_process(app, request).await,
        }
    }

    /// Authenticates every request with an OAuth client's credentials:
    /// the client fetches an access token from the server's
    /// `/oauth/token`, caches it, and fetches a new one a minute before it
    /// expires.
    pub fn with_client_credentials(mut self, client_id: &str, client_secret: &str) -> Self {
        let root = self.base.trim_end_matches("/v1").to_string();
        self.credentials = Credentials::Client(Arc::new(ClientCredentials {
            token_url: format!("{root}/oauth/token"),
            client_id: client_id.to_string(),
            client_secret: client_secret.to_string(),
            cached: tokio::sync::Mutex::new(None),
            issued: std::sync::Mutex::new(None),
        }));
        self
    }

    /// Adds this client's credentials to `request`.
    async fn authorize(&self, request: RequestBuilder) -> Result<RequestBuilder, ClientError> {
        let value = match &self.credentials {
            Credentials::None => return Ok(request),
            Credentials::Bearer(value) => value.clone(),
            Credentials::Client(credentials) => self.client_bearer(credentials).await?,
        };
        Ok(request.header(reqwest::header::AUTHORIZATION, value))
    }

    /// The cached access token, fetched again when it is about to expire.
    async fn client_bearer(
        &self,
        credentials: &ClientCredentials,
    ) -> Result<reqwest::header::HeaderValue, ClientError> {
        let mut cached = credentials.cached.lock().await;
        if let Some((value, renew_at)) = cached.as_ref()
            && std::time::Instant::now() < *renew_at
        {
            return Ok(value.clone());
        }
        let request = self
            .http
            .post(&credentials.token_url)
            .basic_auth(&credentials.client_id, Some(&credentials.client_secret))
            .form(&[("grant_type", "client_credentials")]);
        let response = self.execute(request).await?;
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            return Err(ClientError::Credentials(format!(
                "the token endpoint answered {status}: {}",
                body["error_description"]
                    .as_str()
                    .unwrap_or("no description")
            )));
        }
        let token = body["access_token"].as_str().ok_or_else(|| {
            ClientError::Unexpected("no access_token in the token response".into())
        })?;
        let lifetime = std::time::Duration::from_secs(body["expires_in"].as_u64().unwrap_or(0));
        let mut value = reqwest::header::HeaderValue::from_str(&format!("Bearer {token}"))
            .map_err(|_| ClientError::Unexpected("the access token is not header text".into()))?;
        value.set_sensitive(true);
        let renew_at = std::time::Instant::now() + lifetime.saturating_sub(RENEW_BEFORE);
        *cached = Some((value.clone(), renew_at));
        *credentials.issued.lock().unwrap_or_else(|e| e.into_inner()) = Some(AccessToken {
            token: token.to_string(),
            expires_at: std::time::SystemTime::now() + lifetime,
        });
        Ok(value)
    }

    /// With OAuth client credentials: the access token requests are sent
    /// with now (fetched if there is none, or it is about to expire).
    /// `None` for any other credentials.
    pub async fn access_token(&self) -> Result<Option<AccessToken>, ClientError> {
        let Credentials::Client(credentials) = &self.credentials else {
            return Ok(None);
        };
        self.client_bearer(credentials).await?;
        Ok(credentials
            .issued
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone())
    }

    /// Authenticates every request with an API key (`cdb_…`) or access
    /// token.
    pub fn with_api_key(mut self, key: &str) -> Result<Self, ClientError> {
        let mut value =
            reqwest::header::HeaderValue::from_str(&format!("Bearer {}", key.trim()))
                .map_err(|_| ClientError::Credentials("the key is not valid header text".into()))?;
        value.set_sensitive(true);
        self.credentials = Credentials::Bearer(value);
        Ok(self)
    }

    /// The calls for one resource kind.
    pub fn resources<K: RestKind>(&self) -> ResourceClient<K> {
        self.resources_as()
    }

    /// The calls for one resource kind with other input and output types:
    /// `resources_as::<K, Value, Json>()` sends any JSON and returns
    /// every answer exactly as the server wrote it (the CLI's way).
    pub fn resources_as<K: RestKind, I: Serialize, O: DeserializeOwned>(
        &self,
    ) -> ResourceClient<K, I, O> {
        ResourceClient {
            client: self.clone(),
            kind: PhantomData,
        }
    }

    /// Fleets: `resources::<FleetKind>()`.
    pub fn fleets(&self) -> ResourceClient<FleetKind> {
        self.resources()
    }

    /// Instances: `resources::<InstanceKind>()`.
    pub fn instances(&self) -> ResourceClient<InstanceKind> {
        self.resources()
    }

    /// Functions: `resources::<FunctionKind>()`.
    pub fn functions(&self) -> ResourceClient<FunctionKind> {
        self.resources()
    }

    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.http.request(method, format!("{}{path}", self.base))
    }

    /// Sends a request and decodes a JSON answer (or the API error).
    async fn send<T: DeserializeOwned>(&self, request: RequestBuilder) -> Result<T, ClientError> {
        Ok(self.send_with_headers(request).await?.0)
    }

    /// [`Client::send`], also returning the response headers.
    async fn send_with_headers<T: DeserializeOwned>(
        &self,
        request: RequestBuilder,
    ) -> Result<(T, reqwest::header::HeaderMap), ClientError> {
        let response = self.execute(self.authorize(request).await?).await?;
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await?;
        if !status.is_success() {
            return Err(api_error(status, &bytes));
        }
        let value =
            serde_json::from_slice(&bytes).map_err(|e| ClientError::Unexpected(e.to_string()))?;
        Ok((value, headers))
    }

    /// Sends a request whose success may have no body (`None`).
    async fn send_optional<T: DeserializeOwned>(
        &self,
        request: RequestBuilder,
    ) -> Result<Option<T>, ClientError> {
        let response = self.execute(self.authorize(request).await?).await?;
        let status = response.status();
        let bytes = response.bytes().await?;
        if !status.is_success() {
            return Err(api_error(status, &bytes));
        }
        if bytes.is_empty() {
            return Ok(None);
        }
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| ClientError::Unexpected(e.to_string()))
    }

    /// `POST` to a kind-level query below the version root, such as
    /// `mesh/routes:resolve`, with a JSON body.
    pub async fn query<T: DeserializeOwned>(
        &self,
        path: &str,
        body: &impl Serialize,
    ) -> Result<T, ClientError> {
        let request = self.request(Method::POST, &format!("/{path}")).json(body);
        self.send(request).await
    }

    /// `GET` a kind-level route below the version root, such as
    /// `monitoring/metrics`, with query parameters.
    pub async fn get_query<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<T, ClientError> {
        let request = self.request(Method::GET, &format!("/{path}")).query(query);
        self.send(request).await
    }

    /// `POST` a body of any content type to a kind-level route below the
    /// version root, such as `monitoring/samples` with the Prometheus text
    /// format.
    pub async fn post_body<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
        content_type: &str,
        body: Vec<u8>,
    ) -> Result<T, ClientError> {
        let request = self
            .request(Method::POST, &format!("/{path}"))
            .query(query)
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(body);
        self.send(request).await
    }

    /// One page of the event log after revision `after` (`GET /events`):
    /// the events as the server wrote them, and the revision to continue
    /// after.
    pub async fn events(
        &self,
        after: u64,
        query: &[(&str, &str)],
    ) -> Result<(Vec<Json>, u64), ClientError> {
        #[derive(serde::Deserialize)]
        struct EventPage {
            events: Vec<Json>,
            next_after: u64,
        }
        let after = after.to_string();
        let request = self
            .request(Method::GET, "/events")
            .query(&[("after", after.as_str())])
            .query(query);
        let page: EventPage = self.send(request).await?;
        Ok((page.events, page.next_after))
    }

    /// Follows the event log live (`GET /events:watch`, server-sent
    /// events) from `after` (a revision or `now`), or after the event
    /// `last_event_id`: each event as `(position, payload)`. Over the
    /// network only: an in-process client cannot stream.
    pub async fn watch_events(
        &self,
        after: &str,
        last_event_id: Option<&str>,
        query: &[(&str, &str)],
    ) -> Result<impl futures_util::Stream<Item = Result<(String, Json), ClientError>>, ClientError>
    {
        if matches!(self.transport, Transport::InProcess(_)) {
            return Err(ClientError::Unexpected(
                "watching events needs a server: an in-process client cannot stream".into(),
            ));
        }
        let mut request = self
            .request(Method::GET, "/events:watch")
            .query(&[("after", after)])
            .query(query);
        if let Some(id) = last_event_id {
            request = request.header("last-event-id", id);
        }
        let response = self.execute(self.authorize(request).await?).await?;
        let status = response.status();
        if !status.is_success() {
            let bytes = response.bytes().await?;
            return Err(api_error(status, &bytes));
        }
        let lines = sse_events(response.bytes_stream());
        Ok(lines)
    }

    /// A snapshot of the whole store (`GET /admin/snapshot`, admins only):
    /// the revision it reflects and its bytes as they arrive, to be
    /// written to a file in order. A stream that ends in an error is an
    /// incomplete snapshot. Over the network only.
    pub async fn snapshot(
        &self,
        events: bool,
    ) -> Result<
        (
            u64,
            impl futures_util::Stream<Item = Result<axum::body::Bytes, ClientError>> + use<>,
        ),
        ClientError,
    > {
        if matches!(self.transport, Transport::InProcess(_)) {
            return Err(ClientError::Unexpected(
                "a snapshot through the API needs a server; open the data file instead".into(),
            ));
        }
        let request = self
            .request(Method::GET, "/admin/snapshot")
            .query(&[("events", if events { "all" } else { "none" })]);
        let response = self.execute(self.authorize(request).await?).await?;
        let status = response.status();
        if !status.is_success() {
            let bytes = response.bytes().await?;
            return Err(api_error(status, &bytes));
        }
        let revision = response
            .headers()
            .get(crate::headers::REVISION)
            .and_then(|v| v.to_str().ok()?.parse().ok())
            .ok_or_else(|| ClientError::Unexpected("the snapshot names no revision".into()))?;
        let bytes = futures_util::StreamExt::map(response.bytes_stream(), |chunk| {
            chunk.map_err(ClientError::from)
        });
        Ok((revision, bytes))
    }

    /// `GET /v1/openapi.json`'s `info.version`: the server's version.
    pub async fn server_version(&self) -> Result<String, ClientError> {
        let document: Value = self
            .send(self.request(Method::GET, "/openapi.json"))
            .await?;
        document["info"]["version"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| {
                ClientError::Unexpected("no info.version in the OpenAPI document".into())
            })
    }
}

fn api_error(status: StatusCode, body: &[u8]) -> ClientError {
    let parsed: Option<Value> = serde_json::from_slice(body).ok();
    let error = parsed.as_ref().and_then(|v| v.get("error"));
    match error {
        Some(error) => ClientError::Api {
            status,
            code: error["code"].as_str().unwrap_or("UNKNOWN").to_string(),
            message: error["message"].as_str().unwrap_or_default().to_string(),
            details: error
                .get("details")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default(),
        },
        None => ClientError::Unexpected(format!(
            "{status} without an error body: {}",
            String::from_utf8_lossy(body)
        )),
    }
}

/// A JSON answer exactly as the server wrote it (key order, numbers):
/// the output type of [`Client::resources_as`] for a caller that passes
/// answers on.
pub type Json = Box<serde_json::value::RawValue>;

/// The calls for one resource kind: [`Client::resources`]. `I` is what
/// writes send and `O` what they answer: by default the kind's typed
/// input and output.
pub struct ResourceClient<K: RestKind, I = <K as RestKind>::Input, O = <K as RestKind>::Output> {
    client: Client,
    kind: PhantomData<Types<K, I, O>>,
}

/// The types a [`ResourceClient`] is about (sends `I`, gets `O`).
type Types<K, I, O> = fn(&I) -> (K, O);

/// What an apply did, as the server said (`Apply-Outcome`).
#[derive(Debug, Clone, PartialEq)]
pub struct Applied<T> {
    /// The resource as stored now.
    pub object: T,
    /// `created`, `configured` or `unchanged`.
    pub outcome: String,
}

/// Adds `If-Match` for `version`, if any.
fn if_match(request: RequestBuilder, version: Option<u64>) -> RequestBuilder {
    match version {
        Some(version) => request.header("if-match", format!("\"{version}\"")),
        None => request,
    }
}

impl<K: RestKind, I: Serialize, O: DeserializeOwned> ResourceClient<K, I, O> {
    fn item(id: &str) -> String {
        format!("/{}/{id}", K::COLLECTION)
    }

    fn named(namespace: &str, name: &str) -> String {
        format!("/{}/{namespace}/{name}", K::COLLECTION)
    }

    /// Reads a resource of a namespaced kind by namespace and name.
    pub async fn get_in(&self, namespace: &str, name: &str) -> Result<O, ClientError> {
        let request = self
            .client
            .request(Method::GET, &Self::named(namespace, name));
        self.client.send(request).await
    }

    /// Creates or updates a resource of a namespaced kind by namespace and
    /// name; with `if_match`, it must exist at that version.
    pub async fn apply(
        &self,
        namespace: &str,
        name: &str,
        input: &I,
        version: Option<u64>,
    ) -> Result<Applied<O>, ClientError> {
        self.apply_as(namespace, name, input, version, false).await
    }

    /// What [`ResourceClient::apply`] would do, without writing (the
    /// server's dry run): the outcome and the resource as it would be.
    pub async fn plan(
        &self,
        namespace: &str,
        name: &str,
        input: &I,
        version: Option<u64>,
    ) -> Result<Applied<O>, ClientError> {
        self.apply_as(namespace, name, input, version, true).await
    }

    async fn apply_as(
        &self,
        namespace: &str,
        name: &str,
        input: &I,
        version: Option<u64>,
        dry_run: bool,
    ) -> Result<Applied<O>, ClientError> {
        let mut request = self
            .client
            .request(Method::PUT, &Self::named(namespace, name))
            .json(input);
        if dry_run {
            request = request.query(&[("dry_run", "true")]);
        }
        let (object, headers) = self
            .client
            .send_with_headers(if_match(request, version))
            .await?;
        let outcome = headers
            .get(APPLY_OUTCOME)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| ClientError::Unexpected("an apply without Apply-Outcome".into()))?
            .to_string();
        Ok(Applied { object, outcome })
    }

    /// Deletes a resource of a namespaced kind by namespace and name.
    pub async fn delete_in(&self, namespace: &str, name: &str) -> Result<Option<O>, ClientError> {
        let request = self
            .client
            .request(Method::DELETE, &Self::named(namespace, name));
        self.client.send_optional(request).await
    }

    /// Creates a resource.
    pub async fn create(&self, input: &I) -> Result<O, ClientError> {
        let path = format!("/{}", K::COLLECTION);
        let request = self.client.request(Method::POST, &path).json(input);
        self.client.send(request).await
    }

    /// Reads a resource.
    pub async fn get(&self, id: &str) -> Result<O, ClientError> {
        let request = self.client.request(Method::GET, &Self::item(id));
        self.client.send(request).await
    }

    /// One page; `query` pairs such as `("tag", "env:prod")`,
    /// `("name", "web")`, `("page_size", "10")`, `("page_token", …)`.
    pub async fn list(&self, query: &[(&str, &str)]) -> Result<Page<O>, ClientError> {
        let path = format!("/{}", K::COLLECTION);
        let request = self.client.request(Method::GET, &path).query(query);
        let mut body: std::collections::HashMap<String, Json> = self.client.send(request).await?;
        let items = body
            .remove(K::LIST_FIELD)
            .ok_or_else(|| ClientError::Unexpected(format!("no `{}` in a list", K::LIST_FIELD)))?;
        let items = serde_json::from_str(items.get())
            .map_err(|e| ClientError::Unexpected(e.to_string()))?;
        let next_page_token = match body.remove("next_page_token") {
            Some(token) => serde_json::from_str(token.get())
                .map_err(|e| ClientError::Unexpected(e.to_string()))?,
            None => None,
        };
        Ok(Page {
            items,
            next_page_token,
        })
    }

    /// Replaces a resource; with `if_match`, only at that version.
    pub async fn replace(
        &self,
        id: &str,
        input: &I,
        version: Option<u64>,
    ) -> Result<O, ClientError> {
        let request = self
            .client
            .request(Method::PUT, &Self::item(id))
            .json(input);
        self.client.send(if_match(request, version)).await
    }

    /// Deletes a resource; with `if_match`, only at that version. A kind
    /// deleted in the background answers the resource as it is now (e.g.
    /// `deleting`); the others answer nothing (`None`).
    pub async fn delete(&self, id: &str, version: Option<u64>) -> Result<Option<O>, ClientError> {
        let request = self.client.request(Method::DELETE, &Self::item(id));
        self.client.send_optional(if_match(request, version)).await
    }

    /// Calls an action of a resource: `method` on `/{collection}/{id}/{path}`
    /// with query pairs and an optional JSON body; `None` when the answer
    /// has no body.
    pub async fn action<T: DeserializeOwned>(
        &self,
        method: Method,
        id: &str,
        path: &str,
        query: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> Result<Option<T>, ClientError> {
        let mut request = self
            .client
            .request(method, &format!("{}/{path}", Self::item(id)))
            .query(query);
        if let Some(body) = body {
            request = request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body);
        }
        self.client.send_optional(request).await
    }

    /// [`ResourceClient::action`] whose answer must have a body.
    async fn action_answer<T: DeserializeOwned>(
        &self,
        method: Method,
        id: &str,
        path: &str,
        body: Option<Vec<u8>>,
    ) -> Result<T, ClientError> {
        self.action(method, id, path, &[], body)
            .await?
            .ok_or_else(|| ClientError::Unexpected(format!("`{path}` answered no body")))
    }
}

impl<I: Serialize, O: DeserializeOwned> ResourceClient<InstanceKind, I, O> {
    /// Starts an instance.
    pub async fn start(&self, id: &str) -> Result<O, ClientError> {
        self.action_answer(Method::POST, id, "start", None).await
    }

    /// Stops an instance.
    pub async fn stop(&self, id: &str) -> Result<O, ClientError> {
        self.action_answer(Method::POST, id, "stop", None).await
    }
}

impl<I: Serialize, O: DeserializeOwned> ResourceClient<FunctionKind, I, O> {
    /// Invokes a function with a JSON payload.
    pub async fn invoke(&self, id: &str, payload: &Value) -> Result<InvocationOutput, ClientError> {
        let body =
            serde_json::to_vec(payload).map_err(|e| ClientError::Unexpected(e.to_string()))?;
        self.action_answer(Method::POST, id, "invoke", Some(body))
            .await
    }
}

/// The data events of a server-sent-events body: `(id, data)` for each
/// event without an `event:` name (bookmarks and errors are named; an
/// `error` event ends the stream with its error).
fn sse_events(
    body: impl futures_util::Stream<Item = Result<bytes::Bytes, reqwest::Error>> + Send + 'static,
) -> impl futures_util::Stream<Item = Result<(String, Json), ClientError>> {
    use futures_util::StreamExt as _;
    let state = (Box::pin(body), String::new(), false);
    futures_util::stream::unfold(state, |(mut body, mut text, done)| async move {
        if done {
            return None;
        }
        loop {
            if let Some(end) = text.find("\n\n") {
                let block: String = text.drain(..end + 2).collect();
                let (mut id, mut data, mut name) = (None, String::new(), None);
                for line in block.lines() {
                    if let Some(value) = line.strip_prefix("id:") {
                        id = Some(value.trim().to_string());
                    } else if let Some(value) = line.strip_prefix("data:") {
                        data.push_str(value.trim_start());
                    } else if let Some(value) = line.strip_prefix("event:") {
                        name = Some(value.trim().to_string());
                    }
                }
                match (name.as_deref(), id) {
                    (Some("error"), _) => {
                        let error = api_error(StatusCode::OK, data.as_bytes());
                        return Some((Err(error), (body, text, true)));
                    }
                    (None, Some(id)) if !data.is_empty() => {
                        let parsed = serde_json::value::RawValue::from_string(data)
                            .map(|json| (id, json))
                            .map_err(|e| ClientError::Unexpected(e.to_string()));
                        return Some((parsed, (body, text, false)));
                    }
                    _ => continue,
                }
            }
            match body.next().await {
                Some(Ok(chunk)) => text.push_str(&String::from_utf8_lossy(&chunk)),
                Some(Err(err)) => return Some((Err(err.into()), (body, text, true))),
                None => return None,
            }
        }
    })
}

/// Sends `request` to `app` in this process and returns its answer as a
/// network response would be.
async fn call_in_process(
    app: &axum::Router,
    request: reqwest::Request,
) -> Result<reqwest::Response, ClientError> {
    use http_body_util::BodyExt as _;
    use tower::ServiceExt as _;
    let body = match request.body() {
        Some(body) => axum::body::Body::from(
            body.as_bytes()
                .ok_or_else(|| ClientError::Unexpected("a streamed body in process".into()))?
                .to_vec(),
        ),
        None => axum::body::Body::empty(),
    };
    let url = request.url();
    let target = match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_string(),
    };
    let mut builder = axum::http::Request::builder()
        .method(request.method().clone())
        .uri(target);
    for (name, value) in request.headers() {
        builder = builder.header(name, value);
    }
    let http_request = builder
        .body(body)
        .map_err(|e| ClientError::Unexpected(e.to_string()))?;
    let response = match app.clone().oneshot(http_request).await {
        Ok(response) => response,
        Err(never) => match never {},
    };
    let (parts, body) = response.into_parts();
    let bytes = body
        .collect()
        .await
        .map_err(|e| ClientError::Unexpected(format!("reading an in-process answer: {e}")))?
        .to_bytes();
    Ok(reqwest::Response::from(axum::http::Response::from_parts(
        parts, bytes,
    )))
}
