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
    app(
        db,
        &RestConfig {
            body_limit,
            ..RestConfig::default()
        },
    )
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
