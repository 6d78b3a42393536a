//! Helpers: the REST app with test handlers, and one call through it.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use clusterdb::{ClusterDb, NativeRuntime};
use clusterdb_api::{RestConfig, rest_app as app};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

/// A response, its body parsed as JSON.
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
    /// The body as sent.
    pub raw: String,
}

impl Reply {
    /// Asserts the spec's error format and returns `(code, details)`.
    pub fn error(&self, status: StatusCode, code: &str) -> &Value {
        assert_eq!(self.status, status, "{}", self.body);
        assert_eq!(self.headers[header::CONTENT_TYPE], "application/json");
        assert_eq!(self.body["error"]["code"], code, "{}", self.body);
        assert!(self.body["error"]["message"].is_string());
        &self.body["error"]["details"]
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap())
            .unwrap_or("")
    }
}

/// `app` with every request authenticated as the bootstrap admin of `db`
/// unless it carries its own `Authorization` header (so tests of
/// authentication still send exactly what they mean to).
pub async fn as_admin(db: &ClusterDb, app: Router) -> Router {
    let key = admin_key(db).await;
    app.layer(axum::middleware::map_request(
        move |mut request: axum::extract::Request| {
            let key = key.clone();
            async move {
                if !request.headers().contains_key(header::AUTHORIZATION) {
                    request.headers_mut().insert(
                        header::AUTHORIZATION,
                        format!("Bearer {key}").parse().unwrap(),
                    );
                }
                request
            }
        },
    ))
}

/// The bootstrap admin's key of `db` (bootstrapping it if needed).
pub async fn admin_key(db: &ClusterDb) -> String {
    match db.identity().bootstrap().await.unwrap() {
        Some(key) => key,
        None => db.identity().reset_bootstrap().await.unwrap(),
    }
}

pub async fn test_app(body_limit: usize) -> Router {
    let native = Arc::new(NativeRuntime::new());
    native.register("double", |req| async move {
        let n: i64 = serde_json::from_slice(&req.payload).map_err(|e| e.to_string())?;
        Ok((n * 2).to_string().into_bytes())
    });
    native.register("fail", |_| async { Err("no luck".to_string()) });
    let db = ClusterDb::builder()
        .runtime(native)
        .reconcile(false)
        .open_in_memory()
        .await
        .unwrap();
    let router = app(
        db.clone(),
        &RestConfig {
            body_limit,
            ..RestConfig::default()
        },
    );
    as_admin(&db, router).await
}

pub async fn call(
    app: &Router,
    method: Method,
    uri: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> Reply {
    let mut request = Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let has_body = body.is_some();
    if has_body
        && !headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("content-type"))
    {
        request = request.header(header::CONTENT_TYPE, "application/json");
    }
    let request = request
        .body(body.map(|b| Body::from(b.to_string())).unwrap_or_default())
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap()
    };
    let raw = String::from_utf8_lossy(&bytes).into_owned();
    Reply {
        status,
        headers,
        body,
        raw,
    }
}
