//! Exact idempotency: a keyed request runs once whatever its client does,
//! for every kind of POST, not only creates.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::http::{Method, StatusCode};
use clusterdb::{ClusterDb, NativeRuntime};
use clusterdb_api::{RestConfig, rest_app};

use crate::support::call;

/// An app whose `slow` function counts its runs and takes `millis`, with
/// a short idempotency lease.
async fn slow_app(millis: u64) -> (Router, Arc<AtomicUsize>, String) {
    let runs = Arc::new(AtomicUsize::new(0));
    let native = Arc::new(NativeRuntime::new());
    let counter = Arc::clone(&runs);
    native.register("slow", move |_| {
        let counter = Arc::clone(&counter);
        async move {
            let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
            tokio::time::sleep(Duration::from_millis(millis)).await;
            Ok(format!("run {n}").into_bytes())
        }
    });
    let db = ClusterDb::builder()
        .runtime(native)
        .reconcile(false)
        .open_in_memory()
        .await
        .unwrap();
    let config = RestConfig {
        idempotency_lease: Duration::from_millis(300),
        ..RestConfig::default()
    };
    let app = crate::support::as_admin(&db, rest_app(db.clone(), &config)).await;
    let created = call(
        &app,
        Method::POST,
        "/v1/functions",
        &[],
        Some(r#"{"name":"slow","runtime":"native","handler":"slow","timeout_ms":10000}"#),
    )
    .await;
    let path = format!(
        "/v1/functions/{}/invoke",
        created.body["id"].as_str().unwrap()
    );
    (app, runs, path)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handler_slower_than_the_lease_still_runs_once() {
    let (app, runs, invoke) = slow_app(1000).await;
    let key = [("idempotency-key", "slow-1")];
    let first = {
        let (app, invoke) = (app.clone(), invoke.clone());
        tokio::spawn(async move { call(&app, Method::POST, &invoke, &key, Some("1")).await })
    };
    // Well past the 300 ms lease: renewed, so still in use, not taken over.
    tokio::time::sleep(Duration::from_millis(700)).await;
    let during = call(&app, Method::POST, &invoke, &key, Some("1")).await;
    during.error(StatusCode::CONFLICT, "IDEMPOTENCY_KEY_IN_USE");
    let first = first.await.unwrap();
    assert_eq!(first.status, StatusCode::OK, "{}", first.raw);
    let after = call(&app, Method::POST, &invoke, &key, Some("1")).await;
    assert_eq!(after.body, first.body);
    assert_eq!(after.header("idempotent-replayed"), "true");
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_goes_away_does_not_stop_the_request_halfway() {
    let (app, runs, invoke) = slow_app(400).await;
    let key = [("idempotency-key", "gone-1")];
    // The client gives up after 50 ms and drops the request.
    let gave_up = tokio::time::timeout(
        Duration::from_millis(50),
        call(&app, Method::POST, &invoke, &key, Some("1")),
    )
    .await;
    assert!(gave_up.is_err());
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(runs.load(Ordering::SeqCst), 1, "it ran to completion");
    // The retry gets what the first run answered, without a second run.
    let retry = call(&app, Method::POST, &invoke, &key, Some("1")).await;
    assert_eq!(retry.status, StatusCode::OK, "{}", retry.raw);
    assert_eq!(retry.header("idempotent-replayed"), "true");
    assert_eq!(retry.body["output"], "run 1");
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn lifecycle_actions_replay_instead_of_running_again() {
    let app = crate::support::test_app(1 << 20).await;
    let vm = call(
        &app,
        Method::POST,
        "/v1/instances",
        &[],
        Some(r#"{"name":"vm","instance_type":"t3.micro"}"#),
    )
    .await;
    let id = vm.body["id"].as_str().unwrap().to_string();
    let start = format!("/v1/instances/{id}/start");
    let stop = format!("/v1/instances/{id}/stop");
    let started = call(
        &app,
        Method::POST,
        &start,
        &[("idempotency-key", "s1")],
        None,
    )
    .await;
    assert_eq!(started.body["state"], "running");
    let stopped = call(
        &app,
        Method::POST,
        &stop,
        &[("idempotency-key", "s2")],
        None,
    )
    .await;
    assert_eq!(stopped.body["state"], "stopped");
    // A late retry of the start replays it; the instance stays stopped.
    let retried = call(
        &app,
        Method::POST,
        &start,
        &[("idempotency-key", "s1")],
        None,
    )
    .await;
    assert_eq!(retried.body, started.body);
    assert_eq!(retried.header("idempotent-replayed"), "true");
    let now = call(&app, Method::GET, &format!("/v1/instances/{id}"), &[], None).await;
    assert_eq!(now.body["state"], "stopped");
    // A refused transition keeps no record: fixed state, same key, runs.
    let refused = call(
        &app,
        Method::POST,
        &stop,
        &[("idempotency-key", "s3")],
        None,
    )
    .await;
    refused.error(StatusCode::CONFLICT, "FAILED_PRECONDITION");
    let ok = call(
        &app,
        Method::POST,
        &start,
        &[("idempotency-key", "s3")],
        None,
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.raw);
}
