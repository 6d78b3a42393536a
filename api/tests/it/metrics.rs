//! `GET /metrics`: who may scrape, the negotiated format, and the metric
//! names a real Prometheus text parser finds in it.

use std::collections::BTreeSet;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use clusterdb::identity::{OAuthClientSpec, Role, UserSpec};
use clusterdb::{ClusterDb, Draft};
use clusterdb_api::{RestConfig, rest_app};
use http_body_util::BodyExt;
use tower::ServiceExt;

use crate::support::admin_key;

async fn db() -> ClusterDb {
    ClusterDb::builder()
        .reconcile(false)
        .open_in_memory()
        .await
        .unwrap()
}

/// `GET /metrics` with an optional bearer token and `Accept`; the status,
/// content type and body.
async fn scrape(
    app: &Router,
    token: Option<&str>,
    accept: Option<&str>,
) -> (StatusCode, String, String) {
    let mut request = Request::builder().method(Method::GET).uri("/metrics");
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    if let Some(accept) = accept {
        request = request.header(header::ACCEPT, accept);
    }
    let response = app
        .clone()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        content_type,
        String::from_utf8(body.to_vec()).unwrap(),
    )
}

async fn send(app: &Router, method: Method, uri: &str, token: &str, body: &str) -> StatusCode {
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    app.clone().oneshot(request).await.unwrap().status()
}

fn parse(text: &str) -> prometheus_parse::Scrape {
    prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_string()))).unwrap()
}

#[tokio::test]
async fn the_exposition_parses_and_names_what_the_server_does() {
    let db = db().await;
    let admin = admin_key(&db).await;
    let app = rest_app(db.clone(), &RestConfig::default());
    // Some traffic: a create, a read, a failed authentication, a function.
    let fleet = r#"{"name":"web","capacity":1,"instance_type":"t3.micro"}"#;
    assert_eq!(
        send(&app, Method::POST, "/v1/fleets", &admin, fleet).await,
        StatusCode::OK
    );
    assert_eq!(
        send(&app, Method::GET, "/v1/fleets", &admin, "").await,
        StatusCode::OK
    );
    assert_eq!(
        send(&app, Method::GET, "/v1/fleets", "nope", "").await,
        StatusCode::UNAUTHORIZED
    );
    let function = serde_json::json!({
        "name": "echo", "runtime": "wasm", "handler": "_start",
        "code": clusterdb_testkit::wasm::ECHO,
    });
    assert_eq!(
        send(
            &app,
            Method::POST,
            "/v1/functions",
            &admin,
            &function.to_string()
        )
        .await,
        StatusCode::OK
    );
    let id = db.functions().get_by_name("echo").await.unwrap().meta.id;
    assert_eq!(
        send(
            &app,
            Method::POST,
            &format!("/v1/functions/{id}/invoke"),
            &admin,
            "hi"
        )
        .await,
        StatusCode::OK
    );

    // The Prometheus text format unless OpenMetrics is asked for.
    let (status, content_type, text) = scrape(&app, Some(&admin), None).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(content_type, "text/plain; version=0.0.4; charset=utf-8");
    assert!(!text.contains("# EOF"));
    let scrape_result = parse(&text);
    let names: BTreeSet<&str> = scrape_result
        .samples
        .iter()
        .map(|s| s.metric.as_str())
        .collect();
    for name in [
        "clusterdb_http_requests_total",
        "clusterdb_http_request_duration_seconds",
        "clusterdb_authentication_failures_total",
        "clusterdb_function_invocations_total",
        "clusterdb_function_duration_seconds",
        "clusterdb_event_log_head_revision",
        "clusterdb_leader",
        "clusterdb_process_start_time_seconds",
        "clusterdb_process_resident_memory_bytes",
        "clusterdb_process_cpu_seconds_total",
        "clusterdb_store_commits_total",
        "clusterdb_store_commit_duration_seconds",
        "clusterdb_store_batch_size",
        "clusterdb_store_writer_queue_depth",
        "clusterdb_read_cache_keys",
        "clusterdb_read_cache_bytes",
        "clusterdb_read_cache_revision",
        "clusterdb_read_cache_oldest_revision",
        "clusterdb_read_cache_fills_total",
    ] {
        assert!(names.contains(name), "{name} missing from {names:?}");
    }
    // Counters are typed as such for their `_total` samples.
    assert!(text.contains("# TYPE clusterdb_http_requests_total counter"));
    let created = scrape_result
        .samples
        .iter()
        .find(|s| {
            s.metric == "clusterdb_http_requests_total"
                && s.labels.get("route") == Some("/v1/fleets")
                && s.labels.get("method") == Some("POST")
                && s.labels.get("status") == Some("200")
        })
        .expect("the create is counted under its route template");
    assert!(matches!(created.value, prometheus_parse::Value::Counter(n) if n >= 1.0));
    let invoked = scrape_result
        .samples
        .iter()
        .find(|s| {
            s.metric == "clusterdb_function_invocations_total"
                && s.labels.get("function") == Some(id.as_str())
        })
        .expect("the invocation is counted per function");
    assert!(matches!(invoked.value, prometheus_parse::Value::Counter(n) if n == 1.0));
    let head = scrape_result
        .samples
        .iter()
        .find(|s| s.metric == "clusterdb_event_log_head_revision")
        .unwrap();
    assert!(matches!(head.value, prometheus_parse::Value::Gauge(n) if n >= 2.0));
    let commits = scrape_result
        .samples
        .iter()
        .find(|s| s.metric == "clusterdb_store_commits_total")
        .unwrap();
    assert!(matches!(commits.value, prometheus_parse::Value::Counter(n) if n >= 3.0));
    // Item routes are counted by template, not by id.
    assert!(!text.contains(&id) || !text.contains(&format!("route=\"/v1/functions/{id}")));

    // OpenMetrics when asked for.
    let (status, content_type, text) = scrape(
        &app,
        Some(&admin),
        Some("application/openmetrics-text;version=1.0.0,text/plain;q=0.5"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        content_type,
        "application/openmetrics-text; version=1.0.0; charset=utf-8"
    );
    assert!(text.ends_with("# EOF\n"), "{text}");
    assert!(text.contains("# TYPE clusterdb_http_requests counter"));
}

#[tokio::test]
async fn scrapers_authenticate_unless_the_metrics_are_public() {
    let db = db().await;
    let admin = admin_key(&db).await;
    let app = rest_app(db.clone(), &RestConfig::default());
    let (status, _, _) = scrape(&app, None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // A viewer may; a user without a role may not.
    let identity = db.identity();
    let mut keys = Vec::new();
    for (name, roles) in [("viewer", vec![Role::Viewer]), ("nobody", vec![])] {
        let spec = UserSpec {
            roles: roles.into_iter().collect(),
            ..UserSpec::default()
        };
        let user = db.users().create(Draft::new(name, spec)).await.unwrap();
        keys.push(
            identity
                .create_api_key(user.id(), "k", None)
                .await
                .unwrap()
                .secret,
        );
    }
    assert_eq!(scrape(&app, Some(&keys[0]), None).await.0, StatusCode::OK);
    assert_eq!(
        scrape(&app, Some(&keys[1]), None).await.0,
        StatusCode::FORBIDDEN
    );
    // An OAuth client with metrics:read may; one with compute:read may not.
    let owner = db.users().get_by_name("admin").await.unwrap();
    let tokens = db.tokens("http://127.0.0.1:7070").await.unwrap();
    for (scope, want) in [
        ("metrics:read", StatusCode::OK),
        ("compute:read", StatusCode::FORBIDDEN),
    ] {
        let client = identity
            .create_oauth_client(Draft::new(
                scope.replace(':', "-"),
                OAuthClientSpec {
                    description: String::new(),
                    owner: owner.id().to_string(),
                    scopes: [scope.to_string()].into(),
                },
            ))
            .await
            .unwrap();
        let token = tokens
            .issue(client.client.id(), &[scope.to_string()].into())
            .await
            .unwrap()
            .access_token;
        assert_eq!(scrape(&app, Some(&token), None).await.0, want, "{scope}");
    }
    let _ = admin;

    // --metrics-public: no credentials needed.
    let public = rest_app(
        db.clone(),
        &RestConfig {
            metrics_public: true,
            ..RestConfig::default()
        },
    );
    let (status, _, text) = scrape(&public, None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(text.contains("clusterdb_http_requests_total"));
}
