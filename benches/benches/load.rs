//! Load harness: drives a server over loopback with N concurrent keep-alive
//! connections and reports requests/s, p50 and p99 per scenario: REST
//! create, REST get, gRPC create, gRPC get, for N = 1 and 64.
//!
//! Run: `cargo bench -p clusterdb-benches --bench load`
//!
//! By default it starts the server in this process (its own 2-thread
//! runtime, a durable data file in a temporary directory here); set
//! `CLUSTERDB_URL=http://host:port` to load a running server instead.
//! `LOAD_SECONDS` (default 5) bounds each scenario. The load generator
//! shares the machine with the server: figures include both.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use clusterdb::ClusterDb;
use clusterdb_api::client::grpc;
use clusterdb_api::{RestConfig, app};
use tonic::transport::{Channel, Endpoint};

/// Latencies in microseconds, one entry per request.
type Samples = Vec<u32>;

struct Report {
    requests: usize,
    elapsed: Duration,
    p50: u32,
    p99: u32,
    errors: u64,
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
    }
}

/// Runs `call` from `tasks` tasks until `duration` has passed.
async fn drive<F, Fut>(tasks: usize, duration: Duration, call: F) -> Report
where
    F: Fn(usize, u64) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
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
    report(samples, start.elapsed(), errors.load(Ordering::Relaxed))
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

/// Starts the server in-process on its own runtime; returns its URL.
fn start_server(dir: &std::path::Path) -> (String, std::thread::JoinHandle<()>) {
    let path = dir.join("load.redb");
    let (tx, rx) = std::sync::mpsc::channel();
    let thread = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            // Reconcilers off: fleet creates would also start instances,
            // and this measures the API's write path.
            let db = ClusterDb::builder()
                .reconcile(false)
                .open(path)
                .await
                .unwrap();
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(format!("http://{}", listener.local_addr().unwrap()))
                .unwrap();
            let app = app(db, &RestConfig::default()).await;
            axum::serve(listener, app).await.unwrap();
        });
    });
    (rx.recv().unwrap(), thread)
}

fn main() {
    let seconds: u64 = std::env::var("LOAD_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let duration = Duration::from_secs(seconds);
    let dir = tempfile::tempdir_in(".").unwrap();
    let url = match std::env::var("CLUSTERDB_URL") {
        Ok(url) => url,
        Err(_) => start_server(dir.path()).0,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let run = format!(
        "{:x}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis()
    );
    runtime.block_on(async move {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(256)
            .build()
            .unwrap();
        // Fleets to read.
        let mut ids = Vec::new();
        for i in 0..1000 {
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
        println!(
            "{:<14} {:>5} {:>10} {:>10} {:>10} {:>8}",
            "scenario", "conns", "req/s", "p50 µs", "p99 µs", "errors"
        );
        for connections in [1usize, 64] {
            let print = |name: &str, r: Report| {
                println!(
                    "{name:<14} {connections:>5} {:>10.0} {:>10} {:>10} {:>8}",
                    r.requests as f64 / r.elapsed.as_secs_f64(),
                    r.p50,
                    r.p99,
                    r.errors
                );
            };
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
            let (client, base, reads) = (http.clone(), url.clone(), Arc::clone(&ids));
            let r = drive(connections, duration, move |task, i| {
                let id = &reads[(task * 7919 + i as usize) % reads.len()];
                let request = client.get(format!("{base}/v1/fleets/{id}"));
                async move { matches!(request.send().await, Ok(r) if r.status().is_success()) }
            })
            .await;
            print("rest_get", r);
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
            let (lanes, tag) = (Arc::clone(&channels), format!("{run}-{connections}"));
            let r = drive(connections, duration, move |task, i| {
                let mut client = grpc::ComputeServiceClient::new(lanes[task].clone());
                let request = fleet_request(format!("grpc-{tag}-{task}-{i}"));
                async move { client.create_fleet(request).await.is_ok() }
            })
            .await;
            print("grpc_create", r);
            let (lanes, reads) = (Arc::clone(&channels), Arc::clone(&ids));
            let r = drive(connections, duration, move |task, i| {
                let mut client = grpc::ComputeServiceClient::new(lanes[task].clone());
                let id = reads[(task * 7919 + i as usize) % reads.len()].clone();
                async move { client.get_fleet(grpc::GetFleetRequest { id }).await.is_ok() }
            })
            .await;
            print("grpc_get", r);
        }
    });
    // The in-process server ends with the process.
    std::process::exit(0);
}
