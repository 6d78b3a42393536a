//! The `wasm` runtime: uploads checked and stored once, WASI stdin/stdout,
//! environment, exit codes, traps, and the limits (time inside the engine,
//! memory, output, concurrency, module size).

use std::time::{Duration, Instant};

use clusterdb::compute::{FunctionLimits, ModuleRef, WasmRuntime};
use clusterdb::{
    ClusterDb, Draft, Error, ErrorCode, FunctionRuntime, FunctionSpec, RetentionPolicy,
};
use clusterdb_testkit::wasm;

use crate::support::{TestDb, db_with};

async fn wasm_db() -> TestDb {
    db_with(ClusterDb::builder().reconcile(false)).await
}

async fn upload(db: &ClusterDb, code: &str) -> ModuleRef {
    db.functions()
        .upload_code("wasm", "_start", code.as_bytes())
        .await
        .unwrap()
}

/// Creates a wasm function running `code` and returns its id.
async fn function(
    db: &ClusterDb,
    name: &str,
    code: &str,
    edit: impl FnOnce(&mut FunctionSpec),
) -> String {
    let mut spec = FunctionSpec::new("wasm", "_start");
    spec.code = Some(upload(db, code).await);
    edit(&mut spec);
    db.functions()
        .create(Draft::new(name, spec))
        .await
        .unwrap()
        .meta
        .id
}

fn failure(err: &Error) -> &str {
    match err {
        Error::FunctionFailed { message, .. } => message,
        other => panic!("expected FUNCTION_ERROR, got {other:?}"),
    }
}

#[tokio::test]
async fn echo_and_uppercase_read_stdin_and_write_stdout() {
    let db = wasm_db().await;
    let echo = function(&db, "echo", wasm::ECHO, |_| {}).await;
    let result = db
        .functions()
        .invoke(&echo, b"{\"a\": 1}".to_vec())
        .await
        .unwrap();
    assert_eq!(result.output, b"{\"a\": 1}");
    assert!(result.fuel_used.unwrap() > 0, "{result:?}");
    // Larger than one read: the module loops.
    let big: Vec<u8> = (0..200_000u32).map(|i| b'a' + (i % 26) as u8).collect();
    let result = db.functions().invoke(&echo, big.clone()).await.unwrap();
    assert_eq!(result.output, big);
    // No payload is empty stdin.
    let result = db.functions().invoke(&echo, Vec::new()).await.unwrap();
    assert!(result.output.is_empty());

    let upper = function(&db, "upper", wasm::UPPERCASE, |_| {}).await;
    let result = db
        .functions()
        .invoke(&upper, b"hello, World".to_vec())
        .await
        .unwrap();
    assert_eq!(result.output, b"HELLO, WORLD");
    let stats = db.functions().stats(&echo);
    assert_eq!((stats.invocations, stats.errors, stats.timeouts), (3, 0, 0));
    let all = db.functions().all_stats();
    assert_eq!(all.len(), 2);
    assert!(all.contains(&(echo.clone(), stats)));
    assert_eq!(stats.duration_buckets.iter().sum::<u64>(), 3);
    assert!(stats.duration_quantile_ms(0.5).is_some());
}

#[tokio::test]
async fn the_environment_is_the_functions_env_only() {
    let db = wasm_db().await;
    let id = function(&db, "env", wasm::ENV, |spec| {
        spec.env.insert("GREETING".into(), "hello".into());
        spec.env.insert("LEVEL".into(), "3".into());
    })
    .await;
    let result = db.functions().invoke(&id, Vec::new()).await.unwrap();
    assert_eq!(
        String::from_utf8(result.output).unwrap(),
        "GREETING=hello\nLEVEL=3\n"
    );
}

#[tokio::test]
async fn exit_codes_traps_and_memory_are_function_errors() {
    let db = wasm_db().await;
    let exit = function(&db, "exit3", wasm::EXIT3, |_| {}).await;
    let err = db.functions().invoke(&exit, Vec::new()).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::FunctionError);
    assert_eq!(
        failure(&err),
        "exited with code 3; stderr: bad input: expected a number"
    );

    let trap = function(&db, "trap", wasm::TRAP, |_| {}).await;
    let err = db.functions().invoke(&trap, Vec::new()).await.unwrap_err();
    assert!(failure(&err).starts_with("trapped:"), "{err}");
    assert!(failure(&err).contains("unreachable"), "{err}");

    // 256 MiB more is refused under memory_mb = 128; the module traps.
    let grow = function(&db, "grow", wasm::GROW, |_| {}).await;
    let err = db.functions().invoke(&grow, Vec::new()).await.unwrap_err();
    assert!(
        failure(&err).contains("a memory growth past memory_mb = 128 MiB was refused"),
        "{err}"
    );
    // With room, the same module succeeds.
    let roomy = function(&db, "roomy", wasm::GROW, |spec| spec.memory_mb = 512).await;
    db.functions().invoke(&roomy, Vec::new()).await.unwrap();

    let huge = function(&db, "huge", wasm::HUGE, |_| {}).await;
    let err = db.functions().invoke(&huge, Vec::new()).await.unwrap_err();
    assert!(
        failure(&err).starts_with("its output passed the limit of 6291456 bytes"),
        "{err}"
    );
    let stats = db.functions().stats(&exit);
    assert_eq!((stats.invocations, stats.errors), (1, 1));
}

#[tokio::test]
async fn an_endless_loop_stops_at_the_time_limit_inside_the_engine() {
    let db = wasm_db().await;
    let id = function(&db, "loop", wasm::LOOP, |spec| spec.timeout_ms = 200).await;
    let started = Instant::now();
    let err = db.functions().invoke(&id, Vec::new()).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::DeadlineExceeded, "{err}");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(db.functions().stats(&id).timeouts, 1);
    // The slot is given back only when the run ends: a second invocation
    // with max_concurrency 1 is accepted, so the first one stopped.
    let single = function(&db, "single", wasm::LOOP, |spec| {
        spec.timeout_ms = 100;
        spec.max_concurrency = 1;
    })
    .await;
    for _ in 0..3 {
        let err = db
            .functions()
            .invoke(&single, Vec::new())
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::DeadlineExceeded, "{err}");
    }
}

#[tokio::test]
async fn the_runtime_itself_stops_a_loop_at_its_deadline() {
    // Without the core's timer around it: the interpreter checks the
    // deadline between fuel slices.
    let runtime = WasmRuntime::new();
    let bytes = runtime
        .prepare_code(wasm::LOOP.as_bytes(), "_start")
        .unwrap();
    let db = wasm_db().await;
    let module = db
        .functions()
        .upload_code("wasm", "_start", &bytes)
        .await
        .unwrap();
    let mut spec = FunctionSpec::new("wasm", "_start");
    spec.code = Some(module);
    spec.timeout_ms = 300;
    let id = db
        .functions()
        .create(Draft::new("loop", spec))
        .await
        .unwrap()
        .meta
        .id;
    let started = Instant::now();
    let err = db.functions().invoke(&id, Vec::new()).await.unwrap_err();
    let elapsed = started.elapsed();
    assert_eq!(err.code(), ErrorCode::DeadlineExceeded);
    assert!(elapsed >= Duration::from_millis(300), "{elapsed:?}");
}

#[tokio::test]
async fn concurrency_is_limited_per_function() {
    let db = wasm_db().await;
    let echo = function(&db, "echo", wasm::ECHO, |_| {}).await;
    let calls = (0..64).map(|i| {
        let db = db.clone();
        let echo = echo.clone();
        async move {
            db.functions()
                .invoke(&echo, format!("call {i}").into_bytes())
                .await
        }
    });
    let results = join_all(calls).await;
    for (i, result) in results.into_iter().enumerate() {
        assert_eq!(result.unwrap().output, format!("call {i}").into_bytes());
    }

    let busy = function(&db, "busy", wasm::LOOP, |spec| {
        spec.timeout_ms = 1500;
        spec.max_concurrency = 2;
    })
    .await;
    let running: Vec<_> = (0..2)
        .map(|_| {
            let db = db.clone();
            let busy = busy.clone();
            tokio::spawn(async move { db.functions().invoke(&busy, Vec::new()).await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let err = db.functions().invoke(&busy, Vec::new()).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Overloaded {
                retry_after_secs: 1,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.code(), ErrorCode::Unavailable);
    assert!(err.to_string().contains("max_concurrency"), "{err}");
    for task in running {
        assert_eq!(
            task.await.unwrap().unwrap_err().code(),
            ErrorCode::DeadlineExceeded
        );
    }
    assert_eq!(db.functions().stats(&busy).throttled, 1);
}

#[tokio::test]
async fn the_server_wide_limit_refuses_past_it() {
    let db = db_with(
        ClusterDb::builder()
            .reconcile(false)
            .function_limits(FunctionLimits {
                max_concurrent: 1,
                ..FunctionLimits::default()
            }),
    )
    .await;
    let busy = function(&db, "busy", wasm::LOOP, |spec| spec.timeout_ms = 1000).await;
    let echo = function(&db, "echo", wasm::ECHO, |_| {}).await;
    let running = {
        let db = db.clone();
        let busy = busy.clone();
        tokio::spawn(async move { db.functions().invoke(&busy, Vec::new()).await })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    let err = db.functions().invoke(&echo, Vec::new()).await.unwrap_err();
    assert!(
        err.to_string()
            .contains("at most 1 function invocations at once"),
        "{err}"
    );
    running.await.unwrap().unwrap_err();
    db.functions().invoke(&echo, b"x".to_vec()).await.unwrap();
}

#[tokio::test]
async fn uploads_are_checked_with_the_field_at_fault() {
    let db = wasm_db().await;
    let functions = db.functions();
    let field = |err: Error| {
        let (field, reason) = err.field_violation().expect("INVALID_REQUEST");
        (field.to_string(), reason.to_string())
    };
    let (f, reason) = field(
        functions
            .upload_code("wasm", "_start", wasm::SOCKET.as_bytes())
            .await
            .unwrap_err(),
    );
    assert_eq!(f, "code");
    assert!(
        reason.starts_with(
            "imports wasi_snapshot_preview1.sock_accept, which a function may not use"
        ),
        "{reason}"
    );
    let other_module = r#"(module (import "env" "now" (func)) (func (export "_start")))"#;
    let (f, reason) = field(
        functions
            .upload_code("wasm", "_start", other_module.as_bytes())
            .await
            .unwrap_err(),
    );
    assert_eq!(
        (f.as_str(), reason.starts_with("imports env.now")),
        ("code", true),
        "{reason}"
    );
    let (f, reason) = field(
        functions
            .upload_code("wasm", "main", wasm::ECHO.as_bytes())
            .await
            .unwrap_err(),
    );
    assert_eq!(f, "handler");
    assert_eq!(
        reason,
        "names no exported function of the module (it exports: _start)"
    );
    let (f, reason) = field(
        functions
            .upload_code(
                "wasm",
                "_start",
                b"(module (func (export \"_start\") (i32.const 1)))",
            )
            .await
            .unwrap_err(),
    );
    assert_eq!(f, "code");
    assert!(
        reason.starts_with("is not a valid WebAssembly module"),
        "{reason}"
    );
    let (f, reason) = field(
        functions
            .upload_code("wasm", "_start", b"hello")
            .await
            .unwrap_err(),
    );
    assert_eq!(f, "code");
    assert!(
        reason.starts_with("is neither a WebAssembly module nor WebAssembly text"),
        "{reason}"
    );
    let (f, _) = field(
        functions
            .upload_code("native", "_start", wasm::ECHO.as_bytes())
            .await
            .unwrap_err(),
    );
    assert_eq!(f, "code");

    // A native function cannot carry code.
    let module = upload(&db, wasm::ECHO).await;
    let mut spec = FunctionSpec::new("native", "resize");
    spec.code = Some(module);
    let (f, reason) = field(functions.create(Draft::new("n", spec)).await.unwrap_err());
    assert_eq!(
        (f.as_str(), reason.as_str()),
        ("code", "is not accepted: the native runtime takes no code")
    );
    // A wasm function without code cannot run.
    let id = functions
        .create(Draft::new("empty", FunctionSpec::new("wasm", "_start")))
        .await
        .unwrap()
        .meta
        .id;
    let err = functions.invoke(&id, Vec::new()).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::FailedPrecondition);
}

#[tokio::test]
async fn the_module_size_is_a_quota() {
    let db = db_with(
        ClusterDb::builder()
            .reconcile(false)
            .function_limits(FunctionLimits {
                max_module_bytes: 200,
                ..FunctionLimits::default()
            }),
    )
    .await;
    let err = db
        .functions()
        .upload_code("wasm", "_start", wasm::ECHO.as_bytes())
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::QuotaExceeded);
    assert!(
        matches!(
            err,
            Error::QuotaExceeded {
                quota: "function_module_bytes",
                limit: 200,
                ..
            }
        ),
        "{err:?}"
    );
    db.functions()
        .upload_code("wasm", "_start", wasm::TRAP.as_bytes())
        .await
        .unwrap();
}

#[tokio::test]
async fn modules_are_stored_once_referred_to_by_digest_and_collected() {
    let db = wasm_db().await;
    let a = function(&db, "a", wasm::ECHO, |_| {}).await;
    let b = function(&db, "b", wasm::ECHO, |_| {}).await;
    let spec_a = db.functions().get(&a).await.unwrap().spec;
    let spec_b = db.functions().get(&b).await.unwrap().spec;
    let module = spec_a.code.clone().unwrap();
    assert_eq!(spec_a.code, spec_b.code);
    assert_eq!(module.sha256.len(), 64);

    // A replace without code keeps it.
    let mut spec = spec_a.clone();
    spec.code = None;
    spec.timeout_ms = 1000;
    let replaced = db
        .functions()
        .update(&a, Draft::new("a", spec), None)
        .await
        .unwrap();
    assert_eq!(replaced.spec.code, Some(module.clone()));

    let eager = RetentionPolicy {
        unreferenced_module_grace: Duration::ZERO,
        ..RetentionPolicy::default()
    };
    // Referred to: kept.
    assert_eq!(db.apply_retention(&eager).await.unwrap().modules_removed, 0);
    db.functions().delete(&a, None).await.unwrap();
    assert_eq!(db.apply_retention(&eager).await.unwrap().modules_removed, 0);
    db.functions()
        .invoke(&b, b"still here".to_vec())
        .await
        .unwrap();
    // Unreferenced, but uploaded within the grace period: kept.
    let orphan = upload(&db, wasm::UPPERCASE).await;
    assert_eq!(
        db.apply_retention(&RetentionPolicy::default())
            .await
            .unwrap()
            .modules_removed,
        0
    );
    // Past it: removed, and a write naming it is refused.
    db.functions().delete(&b, None).await.unwrap();
    assert_eq!(db.apply_retention(&eager).await.unwrap().modules_removed, 2);
    let mut spec = FunctionSpec::new("wasm", "_start");
    spec.code = Some(orphan);
    let err = db
        .functions()
        .create(Draft::new("late", spec))
        .await
        .unwrap_err();
    assert_eq!(
        err.field_violation().map(|(f, _)| f),
        Some("code"),
        "{err:?}"
    );
    // Uploading again stores it again.
    function(&db, "again", wasm::UPPERCASE, |_| {}).await;
}

#[tokio::test]
async fn a_module_larger_than_a_chunk_round_trips() {
    // 1.2 MiB of data segment: three chunks (etcd takes at most 1.5 MiB
    // per request).
    let data = "x".repeat(1_200_000);
    let code =
        format!(r#"(module (memory 32) (data (i32.const 0) "{data}") (func (export "_start")))"#);
    let db = wasm_db().await;
    let id = function(&db, "big", &code, |_| {}).await;
    let module = db.functions().get(&id).await.unwrap().spec.code.unwrap();
    assert!(module.size > 1_200_000, "{module:?}");
    db.functions().invoke(&id, Vec::new()).await.unwrap();
    // The event carries the digest and size, not the module.
    let events = db.engine().events_since(0, 100).await.unwrap();
    assert!(!events.is_empty());
    assert!(
        events.iter().all(|e| e.payload.len() < 2048),
        "{:?}",
        events.iter().map(|e| e.payload.len()).collect::<Vec<_>>()
    );
    // Another process (a cold cache) loads the module from the store.
    let other = ClusterDb::builder()
        .reconcile(false)
        .master_key(db.master_key().clone())
        .open_with(std::sync::Arc::clone(db.engine()))
        .await
        .unwrap();
    other.functions().invoke(&id, Vec::new()).await.unwrap();
}

/// Awaits every future (each on a task of its own), in order.
async fn join_all<F>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.into_iter().map(tokio::spawn).collect();
    let mut out = Vec::with_capacity(handles.len());
    for handle in handles {
        out.push(handle.await.unwrap());
    }
    out
}
