//! The REST client: [`Client`] and the calls of one kind,
//! [`ResourceClient`].

use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{Stream, StreamExt as _};
use reqwest::{Method, RequestBuilder};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::auth::{AccessToken, Credentials};
use crate::error::{ClientError, api_error};
use crate::headers::{APPLY_OUTCOME, MIN_REVISION, REVISION, STALE};
use crate::local::LocalService;
use crate::resource::Resource;
use crate::retry::{Exchange, RetryPolicy};
use crate::sse::{Frame, frames};
use crate::transport::Transport;
use crate::wire::{Functions, Instances, InvocationOutput, Json};

/// A client of one ClusterDB server: cheap to clone (clones share the
/// connection pool and the OAuth token).
#[derive(Clone)]
pub struct Client {
    transport: Transport,
    /// The API root, `…/v1`.
    base: String,
    /// How every request authenticates.
    credentials: Credentials,
    retry: RetryPolicy,
    /// Per attempt of a call that is not a stream.
    timeout: Option<Duration>,
}

/// A call that takes longer than this is abandoned (and retried):
/// [`Client::with_timeout`] changes it.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

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
            transport: Transport::network(builder.build()?),
            base: format!("{}/v1", base_url.trim_end_matches('/')),
            credentials: Credentials::None,
            retry: RetryPolicy::default(),
            timeout: Some(DEFAULT_TIMEOUT),
        })
    }

    /// A client of `service`, a server in this process (e.g.
    /// `clusterdb_api::InProcess`): every call is the REST call it would
    /// be over the network, without one.
    pub fn in_process(service: impl LocalService) -> Result<Self, ClientError> {
        let client = Self::new("http://in-process")?;
        Ok(Client {
            transport: client.transport.clone().local(Arc::new(service)),
            ..client
        })
    }

    /// Authenticates every request with an API key (`cdb_…`) or access
    /// token.
    pub fn with_api_key(mut self, key: &str) -> Result<Self, ClientError> {
        self.credentials = Credentials::bearer(key)?;
        Ok(self)
    }

    /// Authenticates every request with an OAuth client's credentials:
    /// the client fetches an access token from the server's
    /// `/oauth/token`, caches it, fetches a new one when a fifth of its
    /// lifetime (at most a minute) is left, and once more if the server
    /// refuses it.
    pub fn with_client_credentials(mut self, client_id: &str, client_secret: &str) -> Self {
        let root = self.base.trim_end_matches("/v1");
        let token_url = format!("{root}/oauth/token");
        self.credentials = Credentials::client(token_url, client_id, client_secret);
        self
    }

    /// Retries with `policy` (default: 3 retries, waits of at most 30 s;
    /// `RetryPolicy { max_retries: 0, .. }` never retries).
    pub fn with_retries(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Abandons an attempt after `timeout` (default [`DEFAULT_TIMEOUT`];
    /// `None`: wait as long as it takes). Streams (watches, snapshots)
    /// have none.
    pub fn with_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeout = timeout;
        self
    }

    /// With OAuth client credentials: the access token requests are sent
    /// with now (fetched if there is none, or it is about to expire).
    /// `None` for any other credentials.
    pub async fn access_token(&self) -> Result<Option<AccessToken>, ClientError> {
        self.credentials.access_token(&self.transport).await
    }

    /// The calls for one resource kind.
    pub fn resources<K: Resource>(&self) -> ResourceClient<K> {
        self.resources_as()
    }

    /// The calls for one resource kind with other input and output types:
    /// `resources_as::<K, Value, Json>()` sends any JSON and returns
    /// every answer exactly as the server wrote it (the CLI's way).
    pub fn resources_as<K: Resource, I: Serialize, O: DeserializeOwned>(
        &self,
    ) -> ResourceClient<K, I, O> {
        ResourceClient {
            client: self.clone(),
            reads: ReadOptions::default(),
            kind: PhantomData,
        }
    }

    /// Fleets: `resources::<Fleets>()`.
    pub fn fleets(&self) -> ResourceClient<crate::Fleets> {
        self.resources()
    }

    /// Instances: `resources::<Instances>()`.
    pub fn instances(&self) -> ResourceClient<Instances> {
        self.resources()
    }

    /// Functions: `resources::<Functions>()`.
    pub fn functions(&self) -> ResourceClient<Functions> {
        self.resources()
    }

    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.transport
            .http()
            .request(method, format!("{}{path}", self.base))
    }

    /// Sends a request with credentials and retries; `stream` answers have
    /// no timeout.
    async fn exchange(
        &self,
        request: RequestBuilder,
        stream: bool,
    ) -> Result<reqwest::Response, ClientError> {
        let exchange = Exchange {
            transport: &self.transport,
            credentials: &self.credentials,
            policy: self.retry,
            timeout: if stream { None } else { self.timeout },
        };
        exchange.send(request.build()?).await
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
        let (headers, bytes) = self.answer(request).await?;
        let value =
            serde_json::from_slice(&bytes).map_err(|e| ClientError::Unexpected(e.to_string()))?;
        Ok((value, headers))
    }

    /// Sends a request whose success may have no body (`None`).
    async fn send_optional<T: DeserializeOwned>(
        &self,
        request: RequestBuilder,
    ) -> Result<Option<T>, ClientError> {
        let (_, bytes) = self.answer(request).await?;
        if bytes.is_empty() {
            return Ok(None);
        }
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| ClientError::Unexpected(e.to_string()))
    }

    /// A successful answer's headers and body, or the API's error.
    async fn answer(
        &self,
        request: RequestBuilder,
    ) -> Result<(reqwest::header::HeaderMap, bytes::Bytes), ClientError> {
        let response = self.exchange(request, false).await?;
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await?;
        if !status.is_success() {
            return Err(api_error(status, &headers, &bytes));
        }
        Ok((headers, bytes))
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
    /// `last_event_id`: each event as `(position, payload)`, over one
    /// connection — [`Client::follow_events`] resumes across dropped
    /// ones. Over the network only: an in-process client cannot stream.
    pub async fn watch_events(
        &self,
        after: &str,
        last_event_id: Option<&str>,
        query: &[(&str, &str)],
    ) -> Result<impl Stream<Item = Result<(String, Json), ClientError>> + Send + use<>, ClientError>
    {
        let frames = self.watch_frames(after, last_event_id, query).await?;
        Ok(frames.filter_map(|frame| async move {
            match frame {
                Ok(Frame::Event(id, json)) => Some(Ok((id, json))),
                Ok(Frame::Bookmark(_)) => None,
                Err(err) => Some(Err(err)),
            }
        }))
    }

    /// The frames of one watch connection.
    pub(crate) async fn watch_frames(
        &self,
        after: &str,
        last_event_id: Option<&str>,
        query: &[(&str, &str)],
    ) -> Result<impl Stream<Item = Result<Frame, ClientError>> + Send + use<>, ClientError> {
        if self.transport.is_local() {
            return Err(ClientError::Unexpected(
                "watching events needs a server: an in-process client cannot stream".into(),
            ));
        }
        let mut request = self
            .request(Method::GET, "/events:watch")
            .header(reqwest::header::ACCEPT, "text/event-stream")
            .query(&[("after", after)])
            .query(query);
        if let Some(id) = last_event_id {
            request = request.header("last-event-id", id);
        }
        let response = self.streamed(request).await?;
        Ok(frames(response.bytes_stream()))
    }

    /// Sends a request whose answer is a stream: its head, or the error.
    async fn streamed(&self, request: RequestBuilder) -> Result<reqwest::Response, ClientError> {
        let response = self.exchange(request, true).await?;
        let status = response.status();
        if !status.is_success() {
            let headers = response.headers().clone();
            let bytes = response.bytes().await?;
            return Err(api_error(status, &headers, &bytes));
        }
        Ok(response)
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
            impl Stream<Item = Result<bytes::Bytes, ClientError>> + use<>,
        ),
        ClientError,
    > {
        if self.transport.is_local() {
            return Err(ClientError::Unexpected(
                "a snapshot through the API needs a server; open the data file instead".into(),
            ));
        }
        let request = self
            .request(Method::GET, "/admin/snapshot")
            .query(&[("events", if events { "all" } else { "none" })]);
        let response = self.streamed(request).await?;
        let revision = response
            .headers()
            .get(REVISION)
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

/// The calls for one resource kind: [`Client::resources`]. `I` is what
/// writes send and `O` what they answer: by default the kind's typed
/// input and output.
pub struct ResourceClient<K: Resource, I = <K as Resource>::Input, O = <K as Resource>::Output> {
    client: Client,
    /// What its reads must reflect.
    reads: ReadOptions,
    kind: PhantomData<Types<K, I, O>>,
}

/// What a read must reflect: by default everything written before it,
/// proven with the store (a consistent read).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadOptions {
    /// At least this store revision (a write's `resource_version`): the
    /// server waits briefly to reach it, or answers 503.
    pub min_revision: Option<u64>,
    /// What the answering server has now, without proving it current.
    pub stale: bool,
}

impl ReadOptions {
    /// Adds the options to a read.
    fn apply(self, mut request: RequestBuilder) -> RequestBuilder {
        if let Some(revision) = self.min_revision {
            request = request.header(MIN_REVISION, revision.to_string());
        }
        if self.stale {
            request = request.header(STALE, "true");
        }
        request
    }
}

impl<K: Resource, I, O> Clone for ResourceClient<K, I, O> {
    fn clone(&self) -> Self {
        ResourceClient {
            client: self.client.clone(),
            reads: self.reads,
            kind: PhantomData,
        }
    }
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

impl<K: Resource, I: Serialize, O: DeserializeOwned> ResourceClient<K, I, O> {
    /// These calls with reads that reflect at least `revision` (say a
    /// write's `resource_version`, read from another server).
    pub fn at_least(mut self, revision: u64) -> Self {
        self.reads.min_revision = Some(revision);
        self
    }

    /// These calls with reads answered from what the server has now,
    /// without proving it current (cheaper; may lag behind a write made
    /// through another server).
    pub fn stale(mut self) -> Self {
        self.reads.stale = true;
        self
    }

    /// These calls with no per-attempt timeout: for an action the server
    /// bounds itself (an invocation runs up to its function's time limit,
    /// which may be 15 minutes).
    pub fn untimed(mut self) -> Self {
        self.client = self.client.with_timeout(None);
        self
    }

    /// A read of `path`, with this client's read options.
    fn read(&self, path: &str) -> RequestBuilder {
        self.reads.apply(self.client.request(Method::GET, path))
    }

    fn item(id: &str) -> String {
        format!("/{}/{id}", K::COLLECTION)
    }

    fn named(namespace: &str, name: &str) -> String {
        format!("/{}/{namespace}/{name}", K::COLLECTION)
    }

    /// Reads a resource of a namespaced kind by namespace and name.
    pub async fn get_in(&self, namespace: &str, name: &str) -> Result<O, ClientError> {
        self.client
            .send(self.read(&Self::named(namespace, name)))
            .await
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
        self.client.send(self.read(&Self::item(id))).await
    }

    /// One page; `query` pairs such as `("tag", "env:prod")`,
    /// `("name", "web")`, `("page_size", "10")`, `("page_token", …)`.
    pub async fn list(&self, query: &[(&str, &str)]) -> Result<Page<O>, ClientError> {
        let path = format!("/{}", K::COLLECTION);
        let request = self.read(&path).query(query);
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

    /// Every item of a list, page after page (a request per page, made as
    /// the stream is read): `query` as for [`ResourceClient::list`]; a
    /// `page_token` in it is where to start.
    pub fn list_all(
        &self,
        query: &[(&str, &str)],
    ) -> impl Stream<Item = Result<O, ClientError>> + use<K, I, O> {
        use futures_util::TryStreamExt as _;
        let mut start = None;
        let mut filters = Vec::new();
        for (key, value) in query {
            match *key {
                "page_token" => start = Some(value.to_string()),
                _ => filters.push((key.to_string(), value.to_string())),
            }
        }
        let query = filters;
        // `Some(token)`: a page to fetch (the first may have no token).
        let start: Option<Option<String>> = Some(start);
        futures_util::stream::try_unfold(
            (self.clone(), query, start),
            |(calls, query, next)| async move {
                let Some(token) = next else {
                    return Ok::<_, ClientError>(None);
                };
                let mut pairs: Vec<(&str, &str)> = query
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                if let Some(token) = &token {
                    pairs.push(("page_token", token));
                }
                let page = calls.list(&pairs).await?;
                let next = page.next_page_token.map(Some);
                let items = futures_util::stream::iter(page.items.into_iter().map(Ok));
                Ok(Some((items, (calls, query, next))))
            },
        )
        .try_flatten()
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

impl<I: Serialize, O: DeserializeOwned> ResourceClient<Instances, I, O> {
    /// Starts an instance.
    pub async fn start(&self, id: &str) -> Result<O, ClientError> {
        self.action_answer(Method::POST, id, "start", None).await
    }

    /// Stops an instance.
    pub async fn stop(&self, id: &str) -> Result<O, ClientError> {
        self.action_answer(Method::POST, id, "stop", None).await
    }
}

impl<I: Serialize, O: DeserializeOwned> ResourceClient<Functions, I, O> {
    /// Invokes a function with a JSON payload.
    pub async fn invoke(&self, id: &str, payload: &Value) -> Result<InvocationOutput, ClientError> {
        let body =
            serde_json::to_vec(payload).map_err(|e| ClientError::Unexpected(e.to_string()))?;
        self.clone()
            .untimed()
            .action_answer(Method::POST, id, "invoke", Some(body))
            .await
    }
}
