//! Load harness: drives a server over loopback with N concurrent keep-alive
//! connections and reports requests/s, p50 and p99 per scenario: REST
//! create, REST get, gRPC create, gRPC get, REST invoke of a WebAssembly
//! echo function (64-byte payload), for N = 1 and 64.
//!
//! Run: `cargo bench -p clusterdb-benches --bench load`
//!
//! By default it starts the server in this process (its own 2-thread
//! runtime, a durable data file in a temporary directory here); set
//! `CLUSTERDB_URL=http://host:port` to load a running server instead, with
//! `CLUSTERDB_API_KEY` (e.g. its `<data>.admin-key`; start it with
//! `--rate-limit off`). The in-process server authenticates every request
//! with its bootstrap admin key and has rate limiting off.
//! `LOAD_SECONDS` (default 5) bounds each scenario. The load generator
//! shares the machine with the server: figures include both.
//! `LOAD_SCENARIOS` (e.g. `grpc_create,grpc_get`) runs only the scenarios
//! named, `LOAD_CONNECTIONS` (default `1,64`) sets the connection counts,
//! and with `LOAD_SERVER_PID` (a running server's process id, Linux) each
//! row also gives the server's CPU time (user + system) per request —
//! `benches/wrk/compare-etcd.sh` runs the gRPC scenarios so.
//!
//! Scale mode, `LOAD_MODE=scale` (in-process server only): 64 connections
//! create fleets of capacity 1 for `LOAD_SECONDS` (default here 70), with
//! the reconciler on (so every fleet brings an instance: about two
//! resources per create), and every 10 s it prints the window's creates/s,
//! p50, p99, the resources so far and the reconciler's lag (head revision
//! minus its saved cursor); at the end, the last window against the first.
//!
//! Metrics mode, `LOAD_MODE=metrics` (in-process server only): 64
//! connections push batches of 1,000 samples (JSON, no timestamps) over
//! 10,000 series (10 services of 1,000) for `LOAD_SECONDS` (default here
//! 60); every 10 s it prints the window's samples/s, the process's
//! resident memory, the samples waiting for the flush and the series
//! known — the memory should stay flat once every series exists.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use clusterdb::ClusterDb;
use clusterdb_api::{RestConfig, app};
use clusterdb_client::BearerAuth;
use clusterdb_client::compute::v1 as grpc;
use tonic::transport::{Channel, Endpoint};

/// The allocator `clusterdb serve` uses, so the figures are the server's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Latencies in microseconds, one entry per request.
type Samples = Vec<u32>;

struct Report {
    requests: usize,
    elapsed: Duration,
    p50: u32,
    p99: u32,
    errors: u64,
    /// The server's CPU time per request, in µs (with `LOAD_SERVER_PID`).
    server_cpu_us: Option<f64>,
}

fn report(mut samples: Samples, elapsed: Duration, errors: u64) -> Report {
    samples.sort_unstable();
    let at = |q: f64| {
        samples
            .get(((samples.len() as f64 * q) as usize).min(samples.len().saturating_sub(1)))
            .copied()
            .unwrap_or(0)
    };
    Report {
        requests: samples.len(),
        elapsed,
        p50: at(0.50),
        p99: at(0.99),
        errors,
        server_cpu_us: None,
    }
}

/// The CPU time (user + system) process `pid` has used, in seconds
/// (Linux `/proc`); `None` when it cannot be read.
fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The fields after the command name, which is in parentheses.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    // CLK_TCK: 100 on every Linux this runs on.
    Some(ticks / 100.0)
}

/// The process whose CPU time each row reports, from `LOAD_SERVER_PID`.
fn server_pid() -> Option<u32> {
    std::env::var("LOAD_SERVER_PID").ok()?.parse().ok()
}

/// Runs `call` from `tasks` tasks until `duration` has passed.
async fn drive<F, Fut>(tasks: usize, duration: Duration, call: F) -> Report
where
    F: Fn(usize, u64) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let cpu_before = server_pid().and_then(cpu_seconds);
    let call = Arc::new(call);
    let errors = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let handles: Vec<_> = (0..tasks)
        .map(|task| {
            let call = Arc::clone(&call);
            let errors = Arc::clone(&errors);
            tokio::spawn(async move {
                let mut samples = Samples::with_capacity(1 << 16);
                let mut i = 0u64;
                while start.elapsed() < duration {
                    let sent = Instant::now();
                    if call(task, i).await {
                        samples.push(sent.elapsed().as_micros().min(u32::MAX as u128) as u32);
                    } else {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                    i += 1;
                }
                samples
            })
        })
        .collect();
    let mut samples = Samples::new();
    for handle in handles {
        samples.extend(handle.await.unwrap());
    }
    let mut report = report(samples, start.elapsed(), errors.load(Ordering::Relaxed));
    let cpu_after = server_pid().and_then(cpu_seconds);
    if let (Some(before), Some(after)) = (cpu_before, cpu_after) {
        report.server_cpu_us = Some((after - before) * 1e6 / report.requests.max(1) as f64);
    }
    report
}

fn fleet_json(name: &str) -> serde_json::Value {
    serde_json::json!({"name": name, "capacity": 1, "instance_type": "t3.medium", "tags": {"environment": "load"}})
}

fn fleet_request(name: String) -> grpc::CreateFleetRequest {
    grpc::CreateFleetRequest {
        name,
        description: String::new(),
        capacity: 1,
        instance_type: "t3.medium".into(),
        tags: [("environment".to_string(), "load".to_string())].into(),
    }
}

/// An HTTP client sending `key` as the bearer token with every request.
fn authenticated_http(key: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {key}").parse().unwrap(),
    );
    reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .default_headers(headers)
        .build()
        .unwrap()
}

/// Starts the server in-process on its own runtime; returns its URL, the
/// database and the bootstrap admin's API key.
fn start_server(dir: &std::path::Path, reconcile: bool) -> (String, ClusterDb, String) {
    let path = dir.join("load.redb");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = two_thread_runtime();
        runtime.block_on(async move {
            // Reconcilers off unless asked for: fleet creates would also
            // start instances, and this measures the API's write path.
            let db = ClusterDb::builder()
                .reconcile(reconcile)
                .open(path)
                .await
                .unwrap();
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let url = format!("http://{}", listener.local_addr().unwrap());
            let key = db.identity().bootstrap().await.unwrap().unwrap();
            tx.send((url, db.clone(), key)).unwrap();
            let config = RestConfig {
                rate_limits: None,
                ..RestConfig::default()
            };
            let app = app(db, &config).await;
            axum::serve(listener, app).await.unwrap();
        });
    });
    rx.recv().unwrap()
}

/// A push of 1,000 samples without timestamps: 1,000 series of service
/// `push-{tag}-{part}` (metric `load_total`, label `series`).
fn push_body(tag: &str, part: usize) -> axum::body::Bytes {
    let samples: Vec<serde_json::Value> = (0..1000)
        .map(|i| {
            serde_json::json!({"service": format!("push-{tag}-{part}"), "metric": "load_total",
                "labels": {"series": i.to_string()}, "value": i})
        })
        .collect();
    axum::body::Bytes::from(serde_json::to_vec(&samples).unwrap())
}

/// A Tokio runtime with two worker threads (the server and the load
/// generator each get their own).
fn two_thread_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// This process's resident memory, in MiB (Linux).
fn resident_mib() -> f64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: f64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0.0);
    pages * 4096.0 / (1024.0 * 1024.0)
}

/// Metrics mode: pushes over 10,000 series for `duration`, reported per
/// 10 s window with the process's memory.
fn metrics(duration: Duration, dir: &std::path::Path) {
    let (url, db, key) = start_server(dir, true);
    let runtime = two_thread_runtime();
    runtime.block_on(async move {
        let http = authenticated_http(&key);
        let bodies: Arc<Vec<axum::body::Bytes>> =
            Arc::new((0..10).map(|p| push_body("mem", p)).collect());
        let window = Duration::from_secs(10);
        let windows = (duration.as_secs() / window.as_secs()).max(1);
        println!(
            "{:>6} {:>12} {:>10} {:>10} {:>12} {:>10} {:>8}",
            "t s", "samples/s", "p50 µs", "p99 µs", "RSS MiB", "buffered", "series"
        );
        let mut first_rss = None;
        let mut last_rss = 0.0;
        for w in 0..windows {
            let (client, base, bodies) = (http.clone(), url.clone(), Arc::clone(&bodies));
            let r = drive(64, window, move |task, i| {
                let body = bodies[(task + i as usize) % bodies.len()].clone();
                let request = client
                    .post(format!("{base}/v1/monitoring/samples"))
                    .header("content-type", "application/json")
                    .body(body);
                async move { matches!(request.send().await, Ok(r) if r.status().is_success()) }
            })
            .await;
            let (buffered, series) = db.monitoring().buffer_stats();
            let rss = resident_mib();
            println!(
                "{:>6} {:>12.0} {:>10} {:>10} {:>12.1} {:>10} {:>8}",
                (w + 1) * window.as_secs(),
                r.requests as f64 * 1000.0 / r.elapsed.as_secs_f64(),
                r.p50,
                r.p99,
                rss,
                buffered,
                series
            );
            // The first window creates the series; memory from the second on.
            if w == 1 {
                first_rss = Some(rss);
            }
            last_rss = rss;
        }
        if let Some(first) = first_rss {
            println!(
                "resident memory, last window / second: {:.2}x",
                last_rss / first
            );
        }
    });
}

/// Scale mode: creates for `duration`, reported per 10 s window.
fn scale(duration: Duration, dir: &std::path::Path) {
    let (url, db, key) = start_server(dir, true);
    let runtime = two_thread_runtime();
    runtime.block_on(async move {
        let http = authenticated_http(&key);
        let window = Duration::from_secs(10);
        let windows = (duration.as_secs() / window.as_secs()).max(1);
        let created = Arc::new(AtomicU64::new(0));
        println!(
            "{:>6} {:>10} {:>10} {:>10} {:>12} {:>14}",
            "t s", "creates/s", "p50 µs", "p99 µs", "fleets", "reconcile lag"
        );
        let mut first: Option<(f64, u32)> = None;
        let mut last = (0.0, 0);
        for w in 0..windows {
            let (client, base, created_now) = (http.clone(), url.clone(), Arc::clone(&created));
            let r = drive(64, window, move |task, i| {
                let request = client
                    .post(format!("{base}/v1/fleets"))
                    .json(&fleet_json(&format!("scale-{w}-{task}-{i}")));
                let created = Arc::clone(&created_now);
                async move {
                    let ok = matches!(request.send().await, Ok(r) if r.status().is_success());
                    if ok {
                        created.fetch_add(1, Ordering::Relaxed);
                    }
                    ok
                }
            })
            .await;
            let head = db.events().current_revision().await.unwrap();
            let cursors = db.consumer_cursors().await.unwrap();
            let lag = cursors
                .iter()
                .map(|(_, cursor)| head.saturating_sub(*cursor))
                .max()
                .unwrap_or(head);
            let rate = r.requests as f64 / r.elapsed.as_secs_f64();
            println!(
                "{:>6} {:>10.0} {:>10} {:>10} {:>12} {:>14}",
                (w + 1) * window.as_secs(),
                rate,
                r.p50,
                r.p99,
                created.load(Ordering::Relaxed),
                lag
            );
            first.get_or_insert((rate, r.p99));
            last = (rate, r.p99);
        }
        let (rate0, p99_0) = first.unwrap_or((1.0, 1));
        println!(
            "last window / first: create rate {:.2}x, p99 {:.2}x",
            last.0 / rate0,
            f64::from(last.1) / f64::from(p99_0.max(1))
        );
    });
}

fn main() {
    let seconds: u64 = std::env::var("LOAD_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let dir = tempfile::tempdir_in(".").unwrap();
    if std::env::var("LOAD_MODE").as_deref() == Ok("metrics") {
        let seconds = std::env::var("LOAD_SECONDS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(60);
        metrics(Duration::from_secs(seconds), dir.path());
        std::process::exit(0);
    }
    if std::env::var("LOAD_MODE").as_deref() == Ok("scale") {
        let seconds = std::env::var("LOAD_SECONDS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(70);
        scale(Duration::from_secs(seconds), dir.path());
        std::process::exit(0);
    }
    let duration = Duration::from_secs(seconds);
    let (url, key) = match std::env::var("CLUSTERDB_URL") {
        Ok(url) => (url, std::env::var("CLUSTERDB_API_KEY").unwrap_or_default()),
        Err(_) => {
            let (url, _, key) = start_server(dir.path(), false);
            (url, key)
        }
    };
    let runtime = two_thread_runtime();
    let run = format!(
        "{:x}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis()
    );
    let scenarios: Option<Vec<String>> = std::env::var("LOAD_SCENARIOS").ok().map(|list| {
        list.split(',')
            .map(|name| name.trim().to_string())
            .collect()
    });
    // A misspelt name would otherwise run nothing and print an empty table.
    const SCENARIOS: [&str; 6] = [
        "rest_create",
        "rest_get",
        "grpc_create",
        "grpc_get",
        "rest_invoke",
        "rest_push_1000",
    ];
    if let Some(unknown) = scenarios
        .iter()
        .flatten()
        .find(|name| !SCENARIOS.contains(&name.as_str()))
    {
        eprintln!("LOAD_SCENARIOS: no scenario {unknown:?}; the scenarios: {SCENARIOS:?}");
        std::process::exit(2);
    }
    let wanted = move |name: &str| {
        scenarios
            .as_ref()
            .is_none_or(|s| s.iter().any(|n| n == name))
    };
    let connection_counts: Vec<usize> = std::env::var("LOAD_CONNECTIONS")
        .ok()
        .map(|list| {
            list.split(',')
                .filter_map(|n| n.trim().parse().ok())
                .collect()
        })
        .unwrap_or_else(|| vec![1, 64]);
    runtime.block_on(async move {
        let http = authenticated_http(&key);
        // Fleets to read.
        let mut ids = Vec::new();
        let reads = if wanted("rest_get") || wanted("grpc_get") {
            1000
        } else {
            0
        };
        for i in 0..reads {
            let response = http
                .post(format!("{url}/v1/fleets"))
                .json(&fleet_json(&format!("read-{run}-{i}")))
                .send()
                .await
                .unwrap();
            let body: serde_json::Value = response.json().await.unwrap();
            ids.push(body["id"].as_str().unwrap().to_string());
        }
        let ids = Arc::new(ids);
        // A WebAssembly echo function to invoke.
        let echo = if wanted("rest_invoke") {
            Some(echo_function(&http, &url, &run).await)
        } else {
            None
        };
        println!(
            "{:<14} {:>5} {:>10} {:>10} {:>10} {:>8} {:>12}",
            "scenario", "conns", "req/s", "p50 µs", "p99 µs", "errors", "srv CPU µs"
        );
        for connections in connection_counts {
            let print = |name: &str, r: Report| {
                println!(
                    "{name:<14} {connections:>5} {:>10.0} {:>10} {:>10} {:>8} {:>12}",
                    r.requests as f64 / r.elapsed.as_secs_f64(),
                    r.p50,
                    r.p99,
                    r.errors,
                    r.server_cpu_us
                        .map_or("-".to_string(), |us| format!("{us:.1}"))
                );
            };
            if wanted("rest_create") {
                let (client, base) = (http.clone(), url.clone());
                let tag = format!("{run}-{connections}");
                let r = drive(connections, duration, move |task, i| {
                    let request = client
                        .post(format!("{base}/v1/fleets"))
                        .json(&fleet_json(&format!("rest-{tag}-{task}-{i}")));
                    async move { matches!(request.send().await, Ok(r) if r.status().is_success()) }
                })
                .await;
                print("rest_create", r);
            }
            if wanted("rest_get") {
                let (client, base, reads) = (http.clone(), url.clone(), Arc::clone(&ids));
                let r = drive(connections, duration, move |task, i| {
                    let id = &reads[(task * 7919 + i as usize) % reads.len()];
                    let request = client.get(format!("{base}/v1/fleets/{id}"));
                    async move { matches!(request.send().await, Ok(r) if r.status().is_success()) }
                })
                .await;
                print("rest_get", r);
            }
            if wanted("grpc_create") || wanted("grpc_get") {
                // One HTTP/2 connection per task.
                let mut channels: Vec<Channel> = Vec::new();
                for _ in 0..connections {
                    channels.push(
                        Endpoint::from_shared(url.clone())
                            .unwrap()
                            .connect()
                            .await
                            .unwrap(),
                    );
                }
                let channels = Arc::new(channels);
                let bearer = BearerAuth::new(&key).unwrap();
                if wanted("grpc_create") {
                    let (lanes, tag, auth) = (
                        Arc::clone(&channels),
                        format!("{run}-{connections}"),
                        bearer.clone(),
                    );
                    let r = drive(connections, duration, move |task, i| {
                        let mut client = grpc::ComputeServiceClient::with_interceptor(
                            lanes[task].clone(),
                            auth.clone(),
                        );
                        let request = fleet_request(format!("grpc-{tag}-{task}-{i}"));
                        async move { client.create_fleet(request).await.is_ok() }
                    })
                    .await;
                    print("grpc_create", r);
                }
                if wanted("grpc_get") {
                    let (lanes, reads, auth) =
                        (Arc::clone(&channels), Arc::clone(&ids), bearer.clone());
                    let r = drive(connections, duration, move |task, i| {
                        let mut client = grpc::ComputeServiceClient::with_interceptor(
                            lanes[task].clone(),
                            auth.clone(),
                        );
                        let id = reads[(task * 7919 + i as usize) % reads.len()].clone();
                        async move { client.get_fleet(grpc::GetFleetRequest { id }).await.is_ok() }
                    })
                    .await;
                    print("grpc_get", r);
                }
            }
            if let Some(echo) = &echo {
                let (client, invoke) = (http.clone(), Arc::clone(echo));
                let r = drive(connections, duration, move |_, _| {
                    let request = client
                        .post(invoke.as_str())
                        .header("content-type", "application/octet-stream")
                        .body(vec![b'x'; 64]);
                    async move { matches!(request.send().await, Ok(r) if r.status().is_success()) }
                })
                .await;
                print("rest_invoke", r);
            }
            if wanted("rest_push_1000") {
                let (client, body) = (http.clone(), push_body(&format!("{run}-{connections}"), 0));
                let push = Arc::new(format!("{url}/v1/monitoring/samples"));
                let r = drive(connections, duration, move |_, _| {
                    let request = client
                        .post(push.as_str())
                        .header("content-type", "application/json")
                        .body(body.clone());
                    async move { matches!(request.send().await, Ok(r) if r.status().is_success()) }
                })
                .await;
                let samples_per_s = r.requests as f64 * 1000.0 / r.elapsed.as_secs_f64();
                print("rest_push_1000", r);
                println!(
                    "{:<14} {connections:>5} {samples_per_s:>10.0} samples/s",
                    ""
                );
            }
        }
    });
    // The in-process server ends with the process.
    std::process::exit(0);
}

/// Creates a WebAssembly echo function; returns its invoke URL.
async fn echo_function(http: &reqwest::Client, url: &str, run: &str) -> Arc<String> {
    let echo: serde_json::Value = http
        .post(format!("{url}/v1/functions"))
        .json(&serde_json::json!({
            "name": format!("echo-{run}"),
            "runtime": "wasm",
            "handler": "_start",
            "max_concurrency": 1000,
            "code": clusterdb_testkit::wasm::ECHO,
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    Arc::new(format!(
        "{url}/v1/functions/{}/invoke",
        echo["id"].as_str().unwrap()
    ))
}
