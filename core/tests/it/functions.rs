//! Function invocation through the native runtime.

use std::sync::Arc;
use std::time::Duration;

use clusterdb::compute::InvocationStatus;
use clusterdb::{ClusterDb, Draft, Error, ErrorCode, FunctionSpec, NativeRuntime};

use crate::support::{TestDb, db_with};

async fn db_with_handlers() -> TestDb {
    let native = Arc::new(NativeRuntime::new());
    native.register("echo", |req| async move {
        let greeting = req.env.get("GREETING").cloned().unwrap_or_default();
        Ok([greeting.as_bytes(), &req.payload].concat())
    });
    native.register("fail", |_| async { Err("bad input".to_string()) });
    native.register("slow", |_| async {
        tokio::time::sleep(Duration::from_secs(30)).await;
        Ok(Vec::new())
    });
    native.register("panic", |_| async { panic!("handler bug") });
    db_with(ClusterDb::builder().runtime(native).reconcile(false)).await
}

async fn function(db: &ClusterDb, name: &str, handler: &str, timeout_ms: u32) -> String {
    let mut spec = FunctionSpec::new("native", handler);
    spec.timeout_ms = timeout_ms;
    spec.env.insert("GREETING".into(), "hello ".into());
    db.functions()
        .create(Draft::new(name, spec))
        .await
        .unwrap()
        .meta
        .id
}

#[tokio::test]
async fn invoke_returns_output_status_and_duration() {
    let db = db_with_handlers().await;
    let id = function(&db, "echo", "echo", 1000).await;
    let result = db.functions().invoke(&id, b"world".to_vec()).await.unwrap();
    assert_eq!(result.output, b"hello world");
    assert_eq!(result.status, InvocationStatus::Succeeded);
    assert!(result.duration < Duration::from_secs(1));
    let stats = db.functions().stats(&id);
    assert_eq!((stats.invocations, stats.errors, stats.timeouts), (1, 0, 0));
    // Invocations write no events.
    assert_eq!(db.events().list(0, 100).await.unwrap().len(), 1);
}

#[tokio::test]
async fn failures_are_distinct_errors() {
    let db = db_with_handlers().await;
    let missing = function(&db, "missing", "no-such-handler", 1000).await;
    let err = db.functions().invoke(&missing, vec![]).await.unwrap_err();
    assert_eq!(
        err,
        Error::HandlerNotFound {
            runtime: "native".into(),
            handler: "no-such-handler".into()
        }
    );
    assert_eq!(err.code(), ErrorCode::FailedPrecondition);

    let failing = function(&db, "failing", "fail", 1000).await;
    let err = db.functions().invoke(&failing, vec![]).await.unwrap_err();
    assert_eq!(
        err,
        Error::FunctionFailed {
            function: failing.clone(),
            message: "bad input".into()
        }
    );
    assert_eq!(err.code(), ErrorCode::FunctionError);

    let slow = function(&db, "slow", "slow", 50).await;
    let err = db.functions().invoke(&slow, vec![]).await.unwrap_err();
    assert_eq!(
        err,
        Error::FunctionTimedOut {
            function: slow.clone(),
            timeout_ms: 50
        }
    );
    assert_eq!(err.code(), ErrorCode::DeadlineExceeded);
    assert_eq!(db.functions().stats(&slow).timeouts, 1);

    let panicking = function(&db, "panicking", "panic", 1000).await;
    let err = db.functions().invoke(&panicking, vec![]).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::FunctionError);
    assert!(err.to_string().contains("panicked"));
    assert_eq!(db.functions().stats(&panicking).errors, 1);

    let err = db
        .functions()
        .invoke("function-nope", vec![])
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);
}

#[tokio::test]
async fn handlers_registered_after_open_are_found() {
    let native = Arc::new(NativeRuntime::new());
    let db = db_with(
        ClusterDb::builder()
            .runtime(native.clone())
            .reconcile(false),
    )
    .await;
    let id = function(&db, "late", "late", 1000).await;
    assert!(db.functions().invoke(&id, vec![]).await.is_err());
    native.register("late", |_| async { Ok(b"here".to_vec()) });
    assert_eq!(
        db.functions().invoke(&id, vec![]).await.unwrap().output,
        b"here"
    );
}

#[tokio::test]
async fn oversized_payloads_are_refused_before_running() {
    let db = db_with_handlers().await;
    let id = function(&db, "echo", "echo", 1000).await;
    let err = db
        .functions()
        .invoke(&id, vec![0; (6 << 20) + 1])
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidRequest);
    assert_eq!(
        err.field_violation(),
        Some(("payload", "must be at most 6291456 bytes"))
    );
    assert_eq!(db.functions().stats(&id).invocations, 0);
}

#[tokio::test]
async fn unknown_runtimes_are_refused() {
    let db = db_with_handlers().await;
    let err = db
        .functions()
        .create(Draft::new("w", FunctionSpec::new("python", "main")))
        .await
        .unwrap_err();
    assert_eq!(
        err.field_violation(),
        Some((
            "runtime",
            "must be one of the registered runtimes: native, wasm"
        ))
    );
    // A server offers only the runtimes it keeps.
    let wasm_only = db_with(
        ClusterDb::builder()
            .without_runtime("native")
            .reconcile(false),
    )
    .await;
    let err = wasm_only
        .functions()
        .create(Draft::new("n", FunctionSpec::new("native", "resize")))
        .await
        .unwrap_err();
    assert_eq!(
        err.field_violation(),
        Some(("runtime", "must be one of the registered runtimes: wasm"))
    );
}

/// An invocation whose caller went away is cancelled, not left running.
#[tokio::test]
async fn an_abandoned_invocation_is_cancelled() {
    use std::sync::atomic::{AtomicBool, Ordering};
    struct SetOnDrop(Arc<AtomicBool>);
    impl Drop for SetOnDrop {
        fn drop(&mut self) {
            self.0.store(true, Ordering::SeqCst);
        }
    }
    let dropped = Arc::new(AtomicBool::new(false));
    let finished = Arc::new(AtomicBool::new(false));
    let native = Arc::new(NativeRuntime::new());
    let (d, f) = (Arc::clone(&dropped), Arc::clone(&finished));
    native.register("slow", move |_| {
        let (d, f) = (Arc::clone(&d), Arc::clone(&f));
        async move {
            let _guard = SetOnDrop(d);
            tokio::time::sleep(Duration::from_millis(300)).await;
            f.store(true, Ordering::SeqCst);
            Ok(Vec::new())
        }
    });
    let db = db_with(ClusterDb::builder().runtime(native).reconcile(false)).await;
    let function = db
        .functions()
        .create(Draft::new("slow", FunctionSpec::new("native", "slow")))
        .await
        .unwrap();
    // The caller gives up after 50 ms (as a disconnected client does).
    let functions = db.functions();
    let call = functions.invoke(function.id(), Vec::new());
    assert!(
        tokio::time::timeout(Duration::from_millis(50), call)
            .await
            .is_err()
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        dropped.load(Ordering::SeqCst),
        "the handler was not cancelled"
    );
    assert!(!finished.load(Ordering::SeqCst), "the handler ran on");
}
