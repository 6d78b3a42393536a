//! WebAssembly functions over REST: code uploaded as WAT or base64 and
//! shown by digest, the raw-body invocation and its output encodings, the
//! statistics, and the limits' answers (400 with the field, 429 quota,
//! 503 with `Retry-After`, 413).

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use base64::Engine as _;
use clusterdb::ClusterDb;
use clusterdb::compute::FunctionLimits;
use clusterdb_api::{RestConfig, rest_app as app};
use clusterdb_testkit::wasm;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::support::{as_admin, call};

async fn wasm_app(limits: FunctionLimits) -> Router {
    let db = ClusterDb::builder()
        .without_runtime("native")
        .function_limits(limits)
        .reconcile(false)
        .open_in_memory()
        .await
        .unwrap();
    as_admin(&db, app(db.clone(), &RestConfig::default())).await
}

/// Creates a wasm function with `code` (WAT text) and returns its JSON.
async fn create(app: &Router, name: &str, code: &str, extra: Value) -> Value {
    let mut body = json!({"name": name, "runtime": "wasm", "handler": "_start", "code": code});
    body.as_object_mut()
        .unwrap()
        .extend(extra.as_object().cloned().unwrap_or_default());
    let reply = call(
        app,
        Method::POST,
        "/v1/functions",
        &[],
        Some(&body.to_string()),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.body
}

/// `POST …/invoke` with raw bytes and a content type.
async fn invoke(
    app: &Router,
    id: &str,
    content_type: &str,
    body: Vec<u8>,
) -> (StatusCode, axum::http::HeaderMap, Value) {
    let request = Request::builder()
        .method(Method::POST)
        .uri(format!("/v1/functions/{id}/invoke"))
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, headers, serde_json::from_slice(&bytes).unwrap())
}

#[tokio::test]
async fn code_is_uploaded_as_text_or_base64_and_shown_by_digest() {
    let app = wasm_app(FunctionLimits::default()).await;
    let echo = create(&app, "echo", wasm::ECHO, json!({})).await;
    let digest = echo["code_sha256"].as_str().unwrap();
    assert_eq!(digest.len(), 64);
    assert!(echo["code_size"].as_u64().unwrap() > 50);
    assert!(echo.get("code").is_none(), "write-only: {echo}");
    assert_eq!(echo["max_concurrency"], 64);

    // The same module as base64 of its binary: the same digest.
    let binary = binary_of(wasm::ECHO);
    let encoded = base64::engine::general_purpose::STANDARD.encode(&binary);
    let again = create(&app, "echo2", &encoded, json!({})).await;
    assert_eq!(again["code_sha256"], digest);

    // A replace without code keeps it; with other code, changes it.
    let id = echo["id"].as_str().unwrap();
    let body = json!({"name": "echo", "runtime": "wasm", "handler": "_start", "timeout_ms": 500});
    let reply = call(
        &app,
        Method::PUT,
        &format!("/v1/functions/{id}"),
        &[],
        Some(&body.to_string()),
    )
    .await;
    assert_eq!(reply.body["code_sha256"], digest, "{}", reply.body);
    let body =
        json!({"name": "echo", "runtime": "wasm", "handler": "_start", "code": wasm::UPPERCASE});
    let reply = call(
        &app,
        Method::PUT,
        &format!("/v1/functions/{id}"),
        &[],
        Some(&body.to_string()),
    )
    .await;
    assert_ne!(reply.body["code_sha256"], digest, "{}", reply.body);
    let (status, _, answer) = invoke(&app, id, "text/plain", b"shout".to_vec()).await;
    assert_eq!(
        (status, &answer["output"]),
        (StatusCode::OK, &json!("SHOUT"))
    );
    // A merge patch (v2beta1) without code keeps it too.
    let reply = call(
        &app,
        Method::PATCH,
        &format!("/v2beta1/functions/{id}"),
        &[("content-type", "application/merge-patch+json")],
        Some(r#"{"timeout_ms": 700}"#),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["timeout_ms"], 700);
    assert_ne!(reply.body["code_sha256"], digest);
}

/// The binary of a WAT module, made the way the server makes it.
fn binary_of(wat: &str) -> Vec<u8> {
    use clusterdb::FunctionRuntime as _;
    clusterdb::compute::WasmRuntime::new()
        .prepare_code(wat.as_bytes(), "_start")
        .unwrap()
}

#[tokio::test]
async fn the_payload_is_the_raw_body_and_the_output_says_its_encoding() {
    let app = wasm_app(FunctionLimits::default()).await;
    let echo = create(&app, "echo", wasm::ECHO, json!({})).await;
    let id = echo["id"].as_str().unwrap();
    // JSON stays JSON.
    let (status, _, answer) =
        invoke(&app, id, "application/json", br#"{"n": [1, 2]}"#.to_vec()).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["output"], json!({"n": [1, 2]}));
    assert_eq!(answer["status"], "succeeded");
    assert!(answer.get("output_encoding").is_none());
    assert!(answer["fuel_used"].as_u64().unwrap() > 0);
    assert!(answer["duration_ms"].is_u64());
    assert_eq!(answer["logs"], "");
    // Text that is not JSON is a string.
    let (_, _, answer) = invoke(&app, id, "text/plain", b"plain words".to_vec()).await;
    assert_eq!(answer["output"], "plain words");
    // Bytes that are not text come back as base64.
    let bytes = vec![0u8, 159, 146, 150, 255];
    let (_, _, answer) = invoke(&app, id, "application/octet-stream", bytes.clone()).await;
    assert_eq!(answer["output_encoding"], "base64");
    assert_eq!(
        base64::engine::general_purpose::STANDARD
            .decode(answer["output"].as_str().unwrap())
            .unwrap(),
        bytes
    );
    // No body: empty stdin.
    let (_, _, answer) = invoke(&app, id, "application/octet-stream", Vec::new()).await;
    assert_eq!(answer["output"], "");

    // GET shows this process's statistics.
    let reply = call(&app, Method::GET, &format!("/v1/functions/{id}"), &[], None).await;
    let stats = &reply.body["stats"];
    assert_eq!(stats["invocations"], 4, "{}", reply.body);
    assert_eq!(stats["errors"], 0);
    assert!(stats["p50_duration_ms"].is_u64());
    let buckets = stats["duration_histogram"].as_array().unwrap();
    assert_eq!(
        buckets
            .iter()
            .map(|b| b["count"].as_u64().unwrap())
            .sum::<u64>(),
        4
    );
    assert!(buckets.last().unwrap()["le_ms"].is_null());
    // Lists stay cheap: no statistics there.
    let reply = call(&app, Method::GET, "/v1/functions", &[], None).await;
    assert!(reply.body["functions"][0].get("stats").is_none());
}

#[tokio::test]
async fn failures_answer_in_the_error_format() {
    let app = wasm_app(FunctionLimits::default()).await;
    let exit = create(&app, "exit3", wasm::EXIT3, json!({})).await;
    let (status, _, answer) =
        invoke(&app, exit["id"].as_str().unwrap(), "text/plain", Vec::new()).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert_eq!(answer["error"]["code"], "FUNCTION_ERROR");
    let message = answer["error"]["message"].as_str().unwrap();
    assert!(
        message.ends_with("failed: exited with code 3; stderr: bad input: expected a number"),
        "{message}"
    );

    let looping = create(&app, "loop", wasm::LOOP, json!({"timeout_ms": 100})).await;
    let (status, _, answer) = invoke(
        &app,
        looping["id"].as_str().unwrap(),
        "text/plain",
        Vec::new(),
    )
    .await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (StatusCode::GATEWAY_TIMEOUT, Some("DEADLINE_EXCEEDED"))
    );

    // Each refusal names the field at fault.
    let cases = [
        (json!({"handler": "_start", "code": wasm::SOCKET}), "code"),
        (json!({"handler": "main", "code": wasm::ECHO}), "handler"),
        (
            json!({"handler": "_start", "max_concurrency": 0, "code": wasm::ECHO}),
            "max_concurrency",
        ),
    ];
    for (fields, field) in cases {
        let mut bad = json!({"name": "s", "runtime": "wasm"});
        bad.as_object_mut()
            .unwrap()
            .extend(fields.as_object().cloned().unwrap());
        let reply = call(
            &app,
            Method::POST,
            "/v1/functions",
            &[],
            Some(&bad.to_string()),
        )
        .await;
        let details = reply.error(StatusCode::BAD_REQUEST, "INVALID_REQUEST");
        assert_eq!(details["field"], field, "{bad}");
    }
    // A wasm function without code exists but cannot run.
    let empty = json!({"name": "empty", "runtime": "wasm", "handler": "_start"});
    let reply = call(
        &app,
        Method::POST,
        "/v1/functions",
        &[],
        Some(&empty.to_string()),
    )
    .await;
    let (status, _, answer) = invoke(
        &app,
        reply.body["id"].as_str().unwrap(),
        "text/plain",
        Vec::new(),
    )
    .await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("FAILED_PRECONDITION"))
    );
}

#[tokio::test]
async fn limits_answer_429_503_and_413() {
    let app = wasm_app(FunctionLimits {
        max_concurrent: 1,
        max_module_bytes: 600,
    })
    .await;
    // The module size is a quota.
    let big =
        json!({"name": "big", "runtime": "wasm", "handler": "_start", "code": wasm::UPPERCASE});
    let reply = call(
        &app,
        Method::POST,
        "/v1/functions",
        &[],
        Some(&big.to_string()),
    )
    .await;
    let details = reply.error(StatusCode::TOO_MANY_REQUESTS, "QUOTA_EXCEEDED");
    assert_eq!(details["quota"], "function_module_bytes");
    assert_eq!(details["limit"], 600);

    // One invocation at a time on this server: a second gets 503.
    let looping = create(&app, "loop", wasm::LOOP, json!({"timeout_ms": 1000})).await;
    let echo = create(&app, "echo", wasm::TRAP, json!({})).await;
    let busy = {
        let app = app.clone();
        let id = looping["id"].as_str().unwrap().to_string();
        tokio::spawn(async move { invoke(&app, &id, "text/plain", Vec::new()).await })
    };
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let (status, headers, answer) =
        invoke(&app, echo["id"].as_str().unwrap(), "text/plain", Vec::new()).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{answer}");
    assert_eq!(answer["error"]["code"], "UNAVAILABLE");
    assert_eq!(headers[header::RETRY_AFTER], "1");
    assert_eq!(answer["error"]["details"]["retry_after_seconds"], 1);
    assert_eq!(busy.await.unwrap().0, StatusCode::GATEWAY_TIMEOUT);

    // A payload over the function routes' limit is 413.
    let too_big = vec![b'x'; 8 << 20];
    let (status, _, answer) = invoke(
        &app,
        echo["id"].as_str().unwrap(),
        "application/octet-stream",
        too_big,
    )
    .await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, Some("PAYLOAD_TOO_LARGE"))
    );
}

/// A `wasm` function's `handler` defaults to `_start` (a WASI command's
/// entry) on create and on replace; another runtime needs one, and the
/// refusal names the field.
#[tokio::test]
async fn a_wasm_handler_defaults_to_start() {
    let app = wasm_app(FunctionLimits::default()).await;
    let body = json!({"name": "echo", "runtime": "wasm", "code": wasm::ECHO});
    let reply = call(
        &app,
        Method::POST,
        "/v1/functions",
        &[],
        Some(&body.to_string()),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["handler"], "_start");
    let id = reply.body["id"].as_str().unwrap().to_string();
    let (status, _, output) = invoke(&app, &id, "text/plain", b"hi".to_vec()).await;
    assert_eq!(status, StatusCode::OK, "{output}");
    let replaced = json!({"name": "echo", "runtime": "wasm", "timeout_ms": 900});
    let reply = call(
        &app,
        Method::PUT,
        &format!("/v1/functions/{id}"),
        &[],
        Some(&replaced.to_string()),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["handler"], "_start");
    assert_eq!(reply.body["timeout_ms"], 900);
    // Left out is the default; `null` is not a handler (as the document
    // says: a string).
    let null = json!({"name": "n2", "runtime": "wasm", "handler": null});
    let reply = call(
        &app,
        Method::POST,
        "/v1/functions",
        &[],
        Some(&null.to_string()),
    )
    .await;
    let details = reply.error(StatusCode::BAD_REQUEST, "INVALID_REQUEST");
    assert_eq!(details["field"], "handler", "{}", reply.body);
    let native = json!({"name": "n", "runtime": "native"});
    let db = ClusterDb::builder()
        .reconcile(false)
        .open_in_memory()
        .await
        .unwrap();
    let both = as_admin(&db, app_of(&db)).await;
    let reply = call(
        &both,
        Method::POST,
        "/v1/functions",
        &[],
        Some(&native.to_string()),
    )
    .await;
    let details = reply.error(StatusCode::BAD_REQUEST, "INVALID_REQUEST");
    assert_eq!(details["field"], "handler", "{}", reply.body);
}

fn app_of(db: &ClusterDb) -> Router {
    app(db.clone(), &RestConfig::default())
}
