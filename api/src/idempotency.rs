//! `Idempotency-Key` (after the IETF httpapi draft) on REST `POST`s and on
//! the calls of ClusterDB's gRPC services (metadata `idempotency-key`),
//! one store for both: a retry
//! with the same key and request gets the first answer again, exactly.
//!
//! 1. The key is reserved before the handler runs, so two retries never
//!    both execute; the same key with a different request is refused
//!    (`422 IDEMPOTENCY_KEY_REUSED`), a retry while the first runs too
//!    (`409 IDEMPOTENCY_KEY_IN_USE`).
//! 2. Reserve → handler → record runs in a task of its own: a client that
//!    goes away cannot stop it halfway. While the handler runs the
//!    reservation's lease is renewed, so a handler slower than the lease
//!    (an invocation may run 15 minutes) is never run twice.
//! 3. What is recorded follows what the answer says about the write:
//!    - a success, or a definitive failure of the work itself (a function's
//!      error or time-out), is stored and replayed;
//!    - a refusal (4xx) or a server failure that certainly applied nothing
//!      releases the key: a retry runs again;
//!    - a server failure of unknown outcome keeps the key, and a retry gets
//!      `409 IDEMPOTENCY_OUTCOME_UNKNOWN` (read the resource to find out);
//!      so does a retry that finds a reservation whose server died (its
//!      lease ran out);
//!    - a response larger than [`MAX_RECORDED`] (a big function output)
//!      keeps only its status: a retry gets `409
//!      IDEMPOTENCY_RESPONSE_NOT_RECORDED`.
//! 4. Only matched routes take part; records expire after 24 hours.

use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use clusterdb::storage::{envelope, freshness};
use clusterdb::{ClusterDb, Error, Timestamp};
use http_body_util::{BodyExt, Full, Limited};
use serde::{Deserialize, Serialize};
use tonic::Code;

use crate::rest::error::{ApiError, OUTCOME_HEADER};

/// How long a key is remembered.
pub const RETENTION_MS: i64 = 24 * 60 * 60 * 1000;
/// The default lease of a reservation; it is renewed every third of it
/// while the handler runs, and a reservation whose lease ran out belongs
/// to a server that died.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(60);
/// Largest response kept for replay (records must fit one store write,
/// etcd's included).
pub const MAX_RECORDED: usize = 1 << 20;
/// Largest response read back from a handler.
const MAX_RESPONSE: usize = 32 << 20;
const SCHEMA: u16 = 2;
/// REST response headers replayed with the body.
const REPLAYED_HEADERS: [&str; 5] = [
    "content-type",
    "etag",
    "location",
    "apply-outcome",
    crate::headers::REVISION,
];

/// The layer's settings (shared: the middleware's state is copied per
/// request).
pub struct Idempotency {
    /// Where the records live.
    pub db: ClusterDb,
    /// Largest request body read.
    pub body_limit: usize,
    /// A reservation's lease.
    pub lease: Duration,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Record {
    /// SHA-256 of method, path and body.
    fingerprint: Vec<u8>,
    created_at_ms: i64,
    state: RecordState,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum RecordState {
    /// The first request is running; its server renews the lease.
    InFlight { lease_until_ms: i64 },
    /// Replay this.
    Completed(StoredResponse),
    /// The first request's write may or may not have happened.
    OutcomeUnknown,
    /// Applied, but the response was too large to keep.
    NotRecorded { status: u16 },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct StoredResponse {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    /// gRPC trailers (`grpc-status` …).
    trailers: Vec<(String, String)>,
}

fn sha256(parts: &[&[u8]]) -> Vec<u8> {
    let mut context = ring::digest::Context::new(&ring::digest::SHA256);
    for part in parts {
        context.update(&(part.len() as u64).to_le_bytes());
        context.update(part);
    }
    context.finish().as_ref().to_vec()
}

/// The record's address in the store: the hex SHA-256 of the caller's id
/// and the key — keys are per caller, as Stripe's are per account, so one
/// caller's key never replays another's answer.
fn digest(caller: &str, key: &str) -> String {
    sha256(&[caller.as_bytes(), key.as_bytes()])
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn now_ms() -> i64 {
    Timestamp::now().unix_millis()
}

/// An answer of the layer itself, in either protocol.
#[derive(Debug)]
enum Refusal {
    BadKey,
    TooLarge,
    Reused,
    InUse,
    OutcomeUnknown,
    NotRecorded(u16),
    Failed(Error),
}

impl Refusal {
    fn api_error(self) -> ApiError {
        let conflict = |code, message: &str| ApiError::new(StatusCode::CONFLICT, code, message);
        match self {
            Refusal::BadKey => ApiError::invalid(
                "Invalid Idempotency-Key header",
                "Idempotency-Key",
                "must be 1 to 255 visible ASCII characters",
            ),
            Refusal::TooLarge => ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "PAYLOAD_TOO_LARGE",
                "the request body is larger than the server accepts",
            ),
            Refusal::Reused => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "IDEMPOTENCY_KEY_REUSED",
                "this Idempotency-Key was used for a different request",
            ),
            Refusal::InUse => conflict(
                "IDEMPOTENCY_KEY_IN_USE",
                "a request with this Idempotency-Key is still being processed; retry later",
            ),
            Refusal::OutcomeUnknown => conflict(
                "IDEMPOTENCY_OUTCOME_UNKNOWN",
                "the request with this Idempotency-Key failed without knowing whether it was \
                 applied; read the resource to find out, then use a new key",
            ),
            Refusal::NotRecorded(status) => conflict(
                "IDEMPOTENCY_RESPONSE_NOT_RECORDED",
                "the request with this Idempotency-Key was applied, but its response was too \
                 large to keep; read the resource",
            )
            .detail("status", status),
            Refusal::Failed(err) => err.into(),
        }
    }

    fn into_response(self, grpc: bool) -> Response {
        let api = self.api_error();
        if !grpc {
            return api.into_response();
        }
        let code = match api.status {
            StatusCode::BAD_REQUEST => Code::InvalidArgument,
            StatusCode::PAYLOAD_TOO_LARGE => Code::ResourceExhausted,
            StatusCode::UNPROCESSABLE_ENTITY => Code::FailedPrecondition,
            StatusCode::CONFLICT if api.code == "IDEMPOTENCY_RESPONSE_NOT_RECORDED" => {
                Code::FailedPrecondition
            }
            StatusCode::CONFLICT => Code::Aborted,
            StatusCode::SERVICE_UNAVAILABLE => Code::Unavailable,
            _ => Code::Internal,
        };
        let mut details = tonic_types::ErrorDetails::new();
        let metadata: std::collections::HashMap<String, String> = Default::default();
        details.set_error_info(api.code, crate::grpc::status::DOMAIN, metadata);
        use tonic_types::StatusExt;
        tonic::Status::with_error_details(code, api.message, details).into_http()
    }
}

impl From<Error> for Refusal {
    fn from(err: Error) -> Self {
        Refusal::Failed(err)
    }
}

/// The key from the header: 1–255 visible ASCII characters.
pub(crate) fn key_of(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    match key(headers) {
        Ok(key) => Ok(key),
        Err(refusal) => Err(refusal.api_error()),
    }
}

fn key(headers: &HeaderMap) -> Result<Option<String>, Refusal> {
    let Some(value) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let key = value
        .to_str()
        .ok()
        .filter(|k| (1..=255).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()))
        .ok_or(Refusal::BadKey)?;
    Ok(Some(key.to_string()))
}

/// Removes the handler's outcome marker before a response leaves.
fn strip(mut response: Response) -> Response {
    response.headers_mut().remove(OUTCOME_HEADER);
    response
}

/// The middleware, for REST (POSTs) and gRPC (every call) alike.
pub async fn idempotency(
    State(idem): State<Arc<Idempotency>>,
    request: Request,
    next: Next,
) -> Response {
    let grpc = crate::is_grpc(&request);
    // gRPC: ClusterDB's own services, whose calls are unary (a streaming
    // call such as reflection cannot be buffered and replayed).
    let applies = if grpc {
        request.uri().path().starts_with("/clusterdb.")
    } else {
        request.method() == Method::POST
    } && request.extensions().get::<MatchedPath>().is_some();
    if !applies {
        return strip(next.run(request).await);
    }
    match key(request.headers()) {
        Ok(None) => strip(next.run(request).await),
        Ok(Some(key)) => match guarded(idem, &key, request, next).await {
            Ok(response) => strip(response),
            Err(refusal) => refusal.into_response(grpc),
        },
        Err(refusal) => refusal.into_response(grpc),
    }
}

fn decode(value: &[u8]) -> Result<Record, envelope::EnvelopeError> {
    envelope::decode::<Record>(value, SCHEMA).map(|(_, record)| record)
}

async fn guarded(
    idem: Arc<Idempotency>,
    key: &str,
    request: Request,
    next: Next,
) -> Result<Response, Refusal> {
    let (parts, body) = request.into_parts();
    let bytes = to_bytes(body, idem.body_limit)
        .await
        .map_err(|_| Refusal::TooLarge)?;
    let target = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("");
    let fingerprint = sha256(&[parts.method.as_str().as_bytes(), target.as_bytes(), &bytes]);
    let records = idem.db.idempotency();
    let caller = parts
        .extensions
        .get::<crate::caller::Caller>()
        .map(|c| c.principal.id.as_str())
        .unwrap_or_default();
    let digest = digest(caller, key);
    let now = now_ms();
    let mut expected = None;
    if let Some(stored) = records.get(&digest).await? {
        // A record this release cannot read (an older layout) counts as
        // expired: it is replaced.
        let record = decode(&stored.value).ok();
        if let Some(record) = record.filter(|r| now - r.created_at_ms < RETENTION_MS) {
            if record.fingerprint != fingerprint {
                return Err(Refusal::Reused);
            }
            return match record.state {
                RecordState::Completed(response) => Ok(replay(response)),
                RecordState::OutcomeUnknown => Err(Refusal::OutcomeUnknown),
                RecordState::NotRecorded { status } => Err(Refusal::NotRecorded(status)),
                RecordState::InFlight { lease_until_ms } if now < lease_until_ms => {
                    Err(Refusal::InUse)
                }
                RecordState::InFlight { .. } => {
                    // Its server died mid-request: what it did is unknown.
                    let unknown = Record {
                        state: RecordState::OutcomeUnknown,
                        ..record
                    };
                    let encoded = envelope::encode(SCHEMA, &unknown);
                    records.put(&digest, encoded, Some(stored.version)).await?;
                    Err(Refusal::OutcomeUnknown)
                }
            };
        }
        expected = Some(stored.version);
    }
    let reservation = Record {
        fingerprint,
        created_at_ms: now,
        state: RecordState::InFlight {
            lease_until_ms: now + idem.lease.as_millis() as i64,
        },
    };
    let encoded = envelope::encode(SCHEMA, &reservation);
    let Some(version) = records.put(&digest, encoded, expected).await? else {
        return Err(Refusal::InUse);
    };
    let request = Request::from_parts(parts, Body::from(bytes));
    // A task of its own: the caller going away must not stop it halfway.
    // It carries the request's id, so its log lines and error bodies name
    // the request; the handler carries the request's read scope, so the
    // revision the answer reports is its write's (not the reservation's,
    // nor the recorded answer's).
    let run = Run {
        idem,
        digest,
        reservation,
        version,
    };
    let handler = freshness::carry(async move {
        let response = next.run(request).await;
        (response, freshness::observed())
    });
    tokio::spawn(crate::request_id::carry(run.complete(handler)))
        .await
        .map_err(|err| Refusal::Failed(Error::Internal(format!("idempotent request: {err}"))))?
}

/// A reserved request being run to completion.
struct Run {
    idem: Arc<Idempotency>,
    digest: String,
    reservation: Record,
    /// The reservation's current version.
    version: u64,
}

/// What to do with the key once the handler answered.
enum Finish {
    Release,
    Keep(RecordState),
}

impl Run {
    /// Runs `handler` (which answers with the revision its answer
    /// reflects), renewing the lease meanwhile, and records the answer —
    /// with that revision, so that a replay names it too.
    async fn complete(
        mut self,
        handler: impl Future<Output = (Response, Option<u64>)>,
    ) -> Result<Response, Refusal> {
        tokio::pin!(handler);
        let mut renew = tokio::time::interval(self.idem.lease / 3);
        renew.tick().await;
        let (response, revision) = loop {
            tokio::select! {
                answer = &mut handler => break answer,
                _ = renew.tick() => self.renew().await,
            }
        };
        let (mut parts, body) = response.into_parts();
        if let Some(revision) = revision {
            parts
                .headers
                .entry(crate::headers::REVISION)
                .or_insert_with(|| crate::volatile_header::volatile(HeaderValue::from(revision)));
        }
        let collected = Limited::new(body, MAX_RESPONSE)
            .collect()
            .await
            .map_err(|err| Refusal::Failed(Error::Internal(format!("response body: {err}"))))?;
        let trailers = collected.trailers().cloned();
        let body = collected.to_bytes();
        let outcome = parts.headers.remove(OUTCOME_HEADER).or_else(|| {
            trailers
                .as_ref()
                .and_then(|t| t.get(OUTCOME_HEADER).cloned())
        });
        let finish = finish(&parts, trailers.as_ref(), outcome.as_ref(), &body);
        self.finish(finish).await;
        Ok(rebuild(parts, body, trailers))
    }

    /// Extends the lease while the handler runs.
    async fn renew(&mut self) {
        let lease_until_ms = now_ms() + self.idem.lease.as_millis() as i64;
        self.reservation.state = RecordState::InFlight { lease_until_ms };
        let encoded = envelope::encode(SCHEMA, &self.reservation);
        match self
            .idem
            .db
            .idempotency()
            .put(&self.digest, encoded, Some(self.version))
            .await
        {
            Ok(Some(version)) => self.version = version,
            Ok(None) => tracing::warn!("an idempotency reservation was taken over while renewing"),
            Err(err) => tracing::warn!(error = %err, "renewing an idempotency lease failed"),
        }
    }

    async fn finish(self, finish: Finish) {
        let records = self.idem.db.idempotency();
        let result = match finish {
            Finish::Release => records.remove(&self.digest, self.version).await.map(|_| ()),
            Finish::Keep(state) => {
                let record = Record {
                    state,
                    ..self.reservation
                };
                let encoded = envelope::encode(SCHEMA, &record);
                records
                    .put(&self.digest, encoded, Some(self.version))
                    .await
                    .map(|_| ())
            }
        };
        if let Err(err) = result {
            tracing::warn!(error = %err, "could not record the answer of an idempotent request");
        }
    }
}

/// The gRPC status of a response (`None` for REST).
fn grpc_status(parts: &axum::http::response::Parts, trailers: Option<&HeaderMap>) -> Option<Code> {
    let is_grpc = parts
        .headers
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/grpc"));
    if !is_grpc {
        return None;
    }
    let value = trailers
        .and_then(|t| t.get("grpc-status"))
        .or_else(|| parts.headers.get("grpc-status"))?;
    let code = std::str::from_utf8(value.as_bytes())
        .ok()?
        .parse::<i32>()
        .ok()?;
    Some(Code::from_i32(code))
}

/// Decides what the key keeps, from what the answer says about the write.
fn finish(
    parts: &axum::http::response::Parts,
    trailers: Option<&HeaderMap>,
    outcome: Option<&HeaderValue>,
    body: &Bytes,
) -> Finish {
    match outcome.map(HeaderValue::as_bytes) {
        Some(b"not-applied") => return Finish::Release,
        Some(b"unknown") => return Finish::Keep(RecordState::OutcomeUnknown),
        _ => {}
    }
    let status = parts.status;
    let refused = match grpc_status(parts, trailers) {
        Some(Code::Ok) => false,
        // The work's own result (a function's error or time-out): kept.
        Some(Code::Unknown | Code::DeadlineExceeded) => false,
        Some(Code::Internal | Code::Unavailable | Code::DataLoss) => {
            return Finish::Keep(RecordState::OutcomeUnknown);
        }
        Some(_) => true,
        None if status.is_client_error() => true,
        None if status == StatusCode::INTERNAL_SERVER_ERROR
            || status == StatusCode::SERVICE_UNAVAILABLE =>
        {
            return Finish::Keep(RecordState::OutcomeUnknown);
        }
        None => false,
    };
    if refused {
        return Finish::Release;
    }
    let headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .filter(|(name, _)| {
            grpc_status(parts, trailers).is_some() || REPLAYED_HEADERS.contains(&name.as_str())
        })
        .filter_map(|(name, value)| Some((name.to_string(), value.to_str().ok()?.to_string())))
        .collect();
    let trailers: Vec<(String, String)> = trailers
        .into_iter()
        .flatten()
        .filter(|(name, _)| name.as_str() != OUTCOME_HEADER)
        .filter_map(|(name, value)| Some((name.to_string(), value.to_str().ok()?.to_string())))
        .collect();
    let size = body.len()
        + headers
            .iter()
            .chain(&trailers)
            .map(|(n, v)| n.len() + v.len())
            .sum::<usize>();
    if size > MAX_RECORDED {
        return Finish::Keep(RecordState::NotRecorded {
            status: status.as_u16(),
        });
    }
    Finish::Keep(RecordState::Completed(StoredResponse {
        status: status.as_u16(),
        headers,
        body: body.to_vec(),
        trailers,
    }))
}

fn header_map(pairs: Vec<(String, String)>) -> HeaderMap {
    pairs
        .into_iter()
        .filter_map(|(name, value)| {
            Some((
                HeaderName::try_from(name).ok()?,
                HeaderValue::try_from(value).ok()?,
            ))
        })
        .collect()
}

/// A response from its parts, body and trailers.
fn rebuild(
    parts: axum::http::response::Parts,
    body: Bytes,
    trailers: Option<HeaderMap>,
) -> Response {
    let body = match trailers {
        Some(trailers) => {
            Body::new(Full::new(body).with_trailers(async move { Some(Ok(trailers)) }))
        }
        None => Body::from(body),
    };
    Response::from_parts(parts, body)
}

fn replay(stored: StoredResponse) -> Response {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let trailers = (!stored.trailers.is_empty()).then(|| header_map(stored.trailers));
    let mut response = rebuild(
        Response::new(()).into_parts().0,
        Bytes::from(stored.body),
        trailers,
    );
    *response.status_mut() = status;
    response.headers_mut().extend(header_map(stored.headers));
    response
        .headers_mut()
        .insert("idempotent-replayed", HeaderValue::from_static("true"));
    response
}

/// Deletes expired records; returns how many. Run it now and then.
pub async fn sweep_expired(db: &ClusterDb) -> Result<usize, Error> {
    sweep(db, now_ms()).await
}

async fn sweep(db: &ClusterDb, now: i64) -> Result<usize, Error> {
    let records = db.idempotency();
    let mut after: Option<String> = None;
    let mut removed = 0;
    loop {
        let page = records.scan(after.as_deref(), 500).await?;
        for (digest, record) in &page.records {
            // An unreadable record (an older layout) is expired too.
            let expired = envelope::decode::<Record>(&record.value, SCHEMA)
                .map(|(_, r)| now - r.created_at_ms >= RETENTION_MS)
                .unwrap_or(true);
            // A record rewritten meanwhile is no longer expired.
            if expired && records.remove(digest, record.version).await? {
                removed += 1;
            }
        }
        after = page.records.last().map(|(digest, _)| digest.clone());
        if !page.more {
            return Ok(removed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(age_ms: i64, now: i64, state: RecordState) -> Vec<u8> {
        envelope::encode(
            SCHEMA,
            &Record {
                fingerprint: vec![1],
                created_at_ms: now - age_ms,
                state,
            },
        )
    }

    #[tokio::test]
    async fn expired_records_are_swept_and_fresh_ones_kept() {
        let db = ClusterDb::builder()
            .reconcile(false)
            .open_in_memory()
            .await
            .unwrap();
        let now = 10 * RETENTION_MS;
        let lease = RecordState::InFlight { lease_until_ms: 0 };
        for (key, age) in [("old", RETENTION_MS + 1), ("fresh", 1000)] {
            let encoded = record(age, now, lease.clone());
            let stored = db.idempotency().put(&digest("", key), encoded, None).await;
            assert!(stored.unwrap().is_some());
        }
        assert_eq!(sweep(&db, now).await.unwrap(), 1);
        let records = db.idempotency();
        assert!(records.get(&digest("", "old")).await.unwrap().is_none());
        assert!(records.get(&digest("", "fresh")).await.unwrap().is_some());
    }

    /// A reservation whose lease ran out belongs to a server that died
    /// mid-request: a retry must not run again, but learn that the outcome
    /// is unknown.
    #[tokio::test]
    async fn a_dead_servers_reservation_is_an_unknown_outcome() {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicUsize, Ordering};
        use tower::ServiceExt as _;
        let db = ClusterDb::builder()
            .reconcile(false)
            .open_in_memory()
            .await
            .unwrap();
        let runs = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&runs);
        let idem = Idempotency {
            db: db.clone(),
            body_limit: 1 << 20,
            lease: DEFAULT_LEASE,
        };
        let app = axum::Router::new()
            .route(
                "/v1/x",
                axum::routing::post(move || async move {
                    counter.fetch_add(1, Ordering::SeqCst);
                    "ran"
                }),
            )
            .layer(axum::middleware::from_fn_with_state(
                Arc::new(idem),
                idempotency,
            ));
        let now = now_ms();
        let abandoned = Record {
            fingerprint: sha256(&[b"POST", b"/v1/x", b""]),
            created_at_ms: now - 120_000,
            state: RecordState::InFlight {
                lease_until_ms: now - 60_000,
            },
        };
        let encoded = envelope::encode(SCHEMA, &abandoned);
        db.idempotency()
            .put(&digest("", "k"), encoded, None)
            .await
            .unwrap();
        for _ in 0..2 {
            let request = axum::http::Request::post("/v1/x")
                .header("idempotency-key", "k")
                .body(Body::empty())
                .unwrap();
            let response = app.clone().oneshot(request).await.unwrap();
            assert_eq!(response.status(), StatusCode::CONFLICT);
            let body = to_bytes(response.into_body(), 1 << 16).await.unwrap();
            let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(body["error"]["code"], "IDEMPOTENCY_OUTCOME_UNKNOWN");
        }
        assert_eq!(runs.load(Ordering::SeqCst), 0);

        // A record of a layout this release cannot read is replaced.
        db.idempotency()
            .put(&digest("", "old-layout"), b"\xc7\x01garbage".to_vec(), None)
            .await
            .unwrap();
        let request = axum::http::Request::post("/v1/x")
            .header("idempotency-key", "old-layout")
            .body(Body::empty())
            .unwrap();
        let response = app.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(runs.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn keys_are_checked() {
        let mut headers = HeaderMap::new();
        assert_eq!(key_of(&headers).unwrap(), None);
        headers.insert("idempotency-key", HeaderValue::from_static("abc-123"));
        assert_eq!(key_of(&headers).unwrap().as_deref(), Some("abc-123"));
        headers.insert("idempotency-key", HeaderValue::from_static("has space"));
        assert!(key_of(&headers).is_err());
    }

    fn parts(status: StatusCode, headers: &[(&str, &str)]) -> axum::http::response::Parts {
        let mut response = Response::new(());
        *response.status_mut() = status;
        for (name, value) in headers {
            response.headers_mut().insert(
                HeaderName::try_from(*name).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        response.into_parts().0
    }

    fn kept(finish: Finish) -> Option<RecordState> {
        match finish {
            Finish::Release => None,
            Finish::Keep(state) => Some(state),
        }
    }

    #[test]
    fn what_the_key_keeps_follows_the_answer() {
        let body = Bytes::from_static(b"{}");
        let rest = |status, marker: Option<&str>| {
            let marker = marker.map(HeaderValue::from_str).transpose().unwrap();
            kept(finish(&parts(status, &[]), None, marker.as_ref(), &body))
        };
        assert!(matches!(
            rest(StatusCode::OK, None),
            Some(RecordState::Completed(_))
        ));
        assert_eq!(rest(StatusCode::NOT_FOUND, None), None);
        assert_eq!(rest(StatusCode::CONFLICT, None), None);
        assert_eq!(
            rest(StatusCode::SERVICE_UNAVAILABLE, Some("not-applied")),
            None
        );
        assert_eq!(
            rest(StatusCode::SERVICE_UNAVAILABLE, Some("unknown")),
            Some(RecordState::OutcomeUnknown)
        );
        assert_eq!(
            rest(StatusCode::INTERNAL_SERVER_ERROR, None),
            Some(RecordState::OutcomeUnknown)
        );
        // A function's own failure is its result: replayed.
        assert!(matches!(
            rest(StatusCode::BAD_GATEWAY, None),
            Some(RecordState::Completed(_))
        ));
        let big = Bytes::from(vec![b' '; MAX_RECORDED + 1]);
        assert_eq!(
            kept(finish(&parts(StatusCode::OK, &[]), None, None, &big)),
            Some(RecordState::NotRecorded { status: 200 })
        );

        let grpc = |code: &str| {
            let headers = [("content-type", "application/grpc"), ("grpc-status", code)];
            kept(finish(&parts(StatusCode::OK, &headers), None, None, &body))
        };
        assert!(matches!(grpc("0"), Some(RecordState::Completed(_))));
        assert_eq!(grpc("5"), None); // NOT_FOUND
        assert_eq!(grpc("13"), Some(RecordState::OutcomeUnknown));
    }
}
