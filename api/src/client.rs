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
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::rest::APPLY_OUTCOME;
use crate::rest::wire::{InstanceOutput, InvocationOutput, RestKind};

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
    base: String,
    /// How every request authenticates.
    credentials: Credentials,
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
        let http = reqwest::Client::builder()
            .user_agent(concat!("clusterdb-rust/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Client {
            http,
            base: format!("{}/v1", base_url.trim_end_matches('/')),
            credentials: Credentials::None,
        })
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
        }));
        self
    }

    /// Adds this client's credentials to `request`.
    async fn authorize(&self, request: RequestBuilder) -> Result<RequestBuilder, ClientError> {
        let value = match &self.credentials {
            Credentials::None => return Ok(request),
            Credentials::Bearer(value) => value.clone(),
            Credentials::Client(credentials) => self.access_token(credentials).await?,
        };
        Ok(request.header(reqwest::header::AUTHORIZATION, value))
    }

    /// The cached access token, fetched again when it is about to expire.
    async fn access_token(
        &self,
        credentials: &ClientCredentials,
    ) -> Result<reqwest::header::HeaderValue, ClientError> {
        let mut cached = credentials.cached.lock().await;
        if let Some((value, renew_at)) = cached.as_ref()
            && std::time::Instant::now() < *renew_at
        {
            return Ok(value.clone());
        }
        let response = self
            .http
            .post(&credentials.token_url)
            .basic_auth(&credentials.client_id, Some(&credentials.client_secret))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await?;
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
        Ok(value)
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
        let response = self.authorize(request).await?.send().await?;
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

    /// Sends a request whose success has no body to decode.
    async fn send_empty(&self, request: RequestBuilder) -> Result<(), ClientError> {
        let response = self.authorize(request).await?.send().await?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let bytes = response.bytes().await?;
        Err(api_error(status, &bytes))
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

/// The calls for one resource kind: [`Client::resources`].
pub struct ResourceClient<K: RestKind> {
    client: Client,
    kind: PhantomData<fn() -> K>,
}

/// What an apply did, as the server said (`Apply-Outcome`).
#[derive(Debug, Clone, PartialEq)]
pub struct Applied<T> {
    /// The resource as stored now.
    pub object: T,
    /// `created`, `configured` or `unchanged`.
    pub outcome: String,
}

impl<K: RestKind> ResourceClient<K> {
    fn item(id: &str) -> String {
        format!("/{}/{id}", K::COLLECTION)
    }

    fn named(namespace: &str, name: &str) -> String {
        format!("/{}/{namespace}/{name}", K::COLLECTION)
    }

    /// Reads a resource of a namespaced kind by namespace and name.
    pub async fn get_in(&self, namespace: &str, name: &str) -> Result<K::Output, ClientError> {
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
        input: &K::Input,
        if_match: Option<u64>,
    ) -> Result<Applied<K::Output>, ClientError> {
        let mut request = self
            .client
            .request(Method::PUT, &Self::named(namespace, name))
            .json(input);
        if let Some(version) = if_match {
            request = request.header("if-match", format!("\"{version}\""));
        }
        let (object, headers) = self.client.send_with_headers(request).await?;
        let outcome = headers
            .get(APPLY_OUTCOME)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| ClientError::Unexpected("an apply without Apply-Outcome".into()))?
            .to_string();
        Ok(Applied { object, outcome })
    }

    /// Deletes a resource of a namespaced kind by namespace and name.
    pub async fn delete_in(&self, namespace: &str, name: &str) -> Result<(), ClientError> {
        let request = self
            .client
            .request(Method::DELETE, &Self::named(namespace, name));
        self.client.send_empty(request).await
    }

    /// Creates a resource.
    pub async fn create(&self, input: &K::Input) -> Result<K::Output, ClientError> {
        let path = format!("/{}", K::COLLECTION);
        let request = self.client.request(Method::POST, &path).json(input);
        self.client.send(request).await
    }

    /// Reads a resource.
    pub async fn get(&self, id: &str) -> Result<K::Output, ClientError> {
        let request = self.client.request(Method::GET, &Self::item(id));
        self.client.send(request).await
    }

    /// One page; `query` pairs such as `("tag", "env:prod")`,
    /// `("page_size", "10")`, `("page_token", …)`.
    pub async fn list(&self, query: &[(&str, &str)]) -> Result<Page<K::Output>, ClientError> {
        let path = format!("/{}", K::COLLECTION);
        let request = self.client.request(Method::GET, &path).query(query);
        let mut body: Map<String, Value> = self.client.send(request).await?;
        let items = body
            .remove(K::LIST_FIELD)
            .ok_or_else(|| ClientError::Unexpected(format!("no `{}` in a list", K::LIST_FIELD)))?;
        let items =
            serde_json::from_value(items).map_err(|e| ClientError::Unexpected(e.to_string()))?;
        let next_page_token = body
            .get("next_page_token")
            .and_then(Value::as_str)
            .map(str::to_string);
        Ok(Page {
            items,
            next_page_token,
        })
    }

    /// Replaces a resource; with `if_match`, only at that version.
    pub async fn replace(
        &self,
        id: &str,
        input: &K::Input,
        if_match: Option<u64>,
    ) -> Result<K::Output, ClientError> {
        let mut request = self
            .client
            .request(Method::PUT, &Self::item(id))
            .json(input);
        if let Some(version) = if_match {
            request = request.header("if-match", format!("\"{version}\""));
        }
        self.client.send(request).await
    }

    /// Deletes a resource; with `if_match`, only at that version.
    pub async fn delete(&self, id: &str, if_match: Option<u64>) -> Result<(), ClientError> {
        let mut request = self.client.request(Method::DELETE, &Self::item(id));
        if let Some(version) = if_match {
            request = request.header("if-match", format!("\"{version}\""));
        }
        self.client.send_empty(request).await
    }
}

impl ResourceClient<InstanceKind> {
    /// Starts an instance.
    pub async fn start(&self, id: &str) -> Result<InstanceOutput, ClientError> {
        let request = self
            .client
            .request(Method::POST, &format!("{}/start", Self::item(id)));
        self.client.send(request).await
    }

    /// Stops an instance.
    pub async fn stop(&self, id: &str) -> Result<InstanceOutput, ClientError> {
        let request = self
            .client
            .request(Method::POST, &format!("{}/stop", Self::item(id)));
        self.client.send(request).await
    }
}

impl ResourceClient<FunctionKind> {
    /// Invokes a function with a JSON payload.
    pub async fn invoke(&self, id: &str, payload: &Value) -> Result<InvocationOutput, ClientError> {
        let path = format!("{}/invoke", Self::item(id));
        let request = self.client.request(Method::POST, &path).json(payload);
        self.client.send(request).await
    }
}
