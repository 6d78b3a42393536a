//! `Idempotency-Key` on POST (after the IETF httpapi draft): a retry with
//! the same key and the same request gets the stored response again; the
//! same key with a different request is refused (422); a retry while the
//! first is still running is refused (409). Records live in the store, so
//! they survive restarts, and expire after 24 hours.
//!
//! A key is reserved before the handler runs (so two retries can never both
//! execute) and the response is stored when it completes. A 5xx answer
//! releases the key so the request can be retried. A reservation left by a
//! crashed server can be taken over after [`LEASE_MS`]; creates stay safe
//! then because names are unique.

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use clusterdb::storage::envelope;
use clusterdb::{ClusterDb, Error, Timestamp};
use serde::{Deserialize, Serialize};

use super::AppState;
use super::error::ApiError;

/// How long a key is remembered.
pub const RETENTION_MS: i64 = 24 * 60 * 60 * 1000;
/// How long a reservation blocks retries before it counts as abandoned.
pub const LEASE_MS: i64 = 60 * 1000;
const SCHEMA: u16 = 1;
/// Largest response stored for replay.
const MAX_RESPONSE: usize = 16 << 20;
/// Response headers replayed with the body.
const REPLAYED_HEADERS: [HeaderName; 3] = [header::CONTENT_TYPE, header::ETAG, header::LOCATION];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Record {
    /// SHA-256 of method, path and body.
    fingerprint: Vec<u8>,
    created_at_ms: i64,
    lease_until_ms: i64,
    response: Option<StoredResponse>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct StoredResponse {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

fn sha256(parts: &[&[u8]]) -> Vec<u8> {
    let mut context = ring::digest::Context::new(&ring::digest::SHA256);
    for part in parts {
        context.update(&(part.len() as u64).to_le_bytes());
        context.update(part);
    }
    context.finish().as_ref().to_vec()
}

/// The record's address in the store: the hex SHA-256 of the key.
fn digest(key: &str) -> String {
    sha256(&[key.as_bytes()])
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn internal(err: impl std::fmt::Display) -> ApiError {
    Error::Internal(format!("idempotency record: {err}")).into()
}

/// The key from the header: 1–255 visible ASCII characters.
pub(crate) fn key_of(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let key = value
        .to_str()
        .ok()
        .filter(|k| (1..=255).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()))
        .ok_or_else(|| {
            ApiError::invalid(
                "Invalid Idempotency-Key header",
                "Idempotency-Key",
                "must be 1 to 255 visible ASCII characters",
            )
        })?;
    Ok(Some(key.to_string()))
}

/// The middleware: applies to POST requests that carry the header.
pub async fn idempotency(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    match key_of(request.headers()) {
        Ok(None) => next.run(request).await,
        Ok(Some(key)) => guarded(&state, &key, request, next, Timestamp::now().unix_millis())
            .await
            .unwrap_or_else(IntoResponse::into_response),
        Err(err) => err.into_response(),
    }
}

async fn guarded(
    state: &AppState,
    key: &str,
    request: Request,
    next: Next,
    now: i64,
) -> Result<Response, ApiError> {
    let (parts, body) = request.into_parts();
    let bytes = to_bytes(body, state.body_limit).await.map_err(|_| {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PAYLOAD_TOO_LARGE",
            "the request body is larger than the server accepts",
        )
    })?;
    let target = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("");
    let fingerprint = sha256(&[parts.method.as_str().as_bytes(), target.as_bytes(), &bytes]);
    let records = state.db.idempotency();
    let digest = digest(key);
    let expected = match records.get(&digest).await? {
        None => None,
        Some(stored) => {
            let (_, record) =
                envelope::decode::<Record>(&stored.value, SCHEMA).map_err(internal)?;
            let expired = now - record.created_at_ms >= RETENTION_MS;
            if !expired {
                if record.fingerprint != fingerprint {
                    return Err(ApiError::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "IDEMPOTENCY_KEY_REUSED",
                        "this Idempotency-Key was used for a different request",
                    ));
                }
                if let Some(stored) = record.response {
                    return Ok(replay(stored));
                }
                if now < record.lease_until_ms {
                    return Err(in_use());
                }
            }
            Some(stored.version)
        }
    };
    let reservation = Record {
        fingerprint,
        created_at_ms: now,
        lease_until_ms: now + LEASE_MS,
        response: None,
    };
    let encoded = envelope::encode(SCHEMA, &reservation);
    let Some(reserved_at) = records.put(&digest, encoded, expected).await? else {
        return Err(in_use());
    };

    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    let (parts, body) = response.into_parts();
    let body = to_bytes(body, MAX_RESPONSE).await.map_err(internal)?;
    let finished = if parts.status.is_server_error() {
        // Nothing was promised: let a retry run again.
        records.remove(&digest, reserved_at).await.map(|_| ())
    } else {
        let stored = StoredResponse {
            status: parts.status.as_u16(),
            headers: REPLAYED_HEADERS
                .iter()
                .filter_map(|name| {
                    let value = parts.headers.get(name)?.to_str().ok()?;
                    Some((name.as_str().to_string(), value.to_string()))
                })
                .collect(),
            body: body.to_vec(),
        };
        let done = Record {
            response: Some(stored),
            ..reservation
        };
        let encoded = envelope::encode(SCHEMA, &done);
        records
            .put(&digest, encoded, Some(reserved_at))
            .await
            .map(|_| ())
    };
    if let Err(err) = finished {
        tracing::warn!(error = %err, "could not record the response of an idempotent request");
    }
    Ok(Response::from_parts(parts, Body::from(body)))
}

fn in_use() -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "IDEMPOTENCY_KEY_IN_USE",
        "a request with this Idempotency-Key is still being processed; retry later",
    )
}

fn replay(stored: StoredResponse) -> Response {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let mut response = (status, stored.body).into_response();
    for (name, value) in stored.headers {
        if let (Ok(name), Ok(value)) = (HeaderName::try_from(name), HeaderValue::try_from(value)) {
            response.headers_mut().insert(name, value);
        }
    }
    response
        .headers_mut()
        .insert("idempotent-replayed", HeaderValue::from_static("true"));
    response
}

/// Deletes expired records; returns how many. Run it now and then.
pub async fn sweep_expired(db: &ClusterDb) -> Result<usize, Error> {
    sweep(db, Timestamp::now().unix_millis()).await
}

async fn sweep(db: &ClusterDb, now: i64) -> Result<usize, Error> {
    let records = db.idempotency();
    let mut after: Option<String> = None;
    let mut removed = 0;
    loop {
        let page = records.scan(after.as_deref(), 500).await?;
        for (digest, record) in &page.records {
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

    #[tokio::test]
    async fn expired_records_are_swept_and_fresh_ones_kept() {
        let db = ClusterDb::builder()
            .reconcile(false)
            .open_in_memory()
            .await
            .unwrap();
        let now = 10 * RETENTION_MS;
        for (key, age) in [("old", RETENTION_MS + 1), ("fresh", 1000)] {
            let record = Record {
                fingerprint: vec![1],
                created_at_ms: now - age,
                lease_until_ms: 0,
                response: None,
            };
            let encoded = envelope::encode(SCHEMA, &record);
            let stored = db.idempotency().put(&digest(key), encoded, None).await;
            assert!(stored.unwrap().is_some());
        }
        assert_eq!(sweep(&db, now).await.unwrap(), 1);
        let records = db.idempotency();
        assert!(records.get(&digest("old")).await.unwrap().is_none());
        assert!(records.get(&digest("fresh")).await.unwrap().is_some());
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
}
