//! In-process benchmarks of the core on a durable data file.
//!
//! Run: `cargo bench -p clusterdb-benches --bench core`; add
//! `--features etcd` to run the create benchmark on an etcd member (started
//! here, on loopback) beside redb.
//!
//! Every create is durable (redb `Durability::Immediate`, one fsync per
//! group commit). The reconciler is off so that only the create path is
//! measured (fleet creates would otherwise also start instances).

// `criterion_group!` generates undocumented functions.
#![allow(missing_docs)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use clusterdb::{ClusterDb, Draft, FleetSpec, ListOptions};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// The allocator `clusterdb serve` uses, so the figures are the server's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn spec() -> FleetSpec {
    FleetSpec {
        description: "Web application fleet".into(),
        capacity: 3,
        instance_type: "t3.medium".into(),
    }
}

struct Bench {
    _dir: tempfile::TempDir,
    #[cfg(feature = "etcd")]
    _etcd: Option<clusterdb_testkit::EtcdCluster>,
    db: ClusterDb,
    names: Arc<AtomicU64>,
}

impl Bench {
    /// A durable redb data file on the working directory's disk.
    fn open(rt: &tokio::runtime::Runtime) -> Self {
        Self::open_with(rt, ClusterDb::builder().reconcile(false))
    }

    /// Like [`Bench::open`], with every read going to the engine.
    fn open_without_read_cache(rt: &tokio::runtime::Runtime) -> Self {
        Self::open_with(rt, ClusterDb::builder().reconcile(false).read_cache(None))
    }

    fn open_with(rt: &tokio::runtime::Runtime, builder: clusterdb::Builder) -> Self {
        let dir = tempfile::tempdir_in(".").unwrap();
        let path = dir.path().join("bench.redb");
        let db = rt.block_on(builder.open(path)).unwrap();
        Bench {
            _dir: dir,
            #[cfg(feature = "etcd")]
            _etcd: None,
            db,
            names: Arc::new(AtomicU64::new(0)),
        }
    }

    /// A single etcd member (data on the working directory's disk).
    #[cfg(feature = "etcd")]
    fn open_etcd(rt: &tokio::runtime::Runtime) -> Self {
        use clusterdb::storage::{EtcdEngine, EtcdOptions};
        let dir = tempfile::tempdir_in(".").unwrap();
        let etcd = clusterdb_testkit::EtcdCluster::start(1);
        let db = rt.block_on(async {
            let engine = EtcdEngine::connect(&etcd.endpoints(), EtcdOptions::default())
                .await
                .unwrap();
            ClusterDb::builder()
                .reconcile(false)
                .open_with(Arc::new(engine))
                .await
                .unwrap()
        });
        Bench {
            _dir: dir,
            _etcd: Some(etcd),
            db,
            names: Arc::new(AtomicU64::new(0)),
        }
    }
}

async fn create_one(db: &ClusterDb, names: &AtomicU64) {
    let n = names.fetch_add(1, Ordering::Relaxed);
    let draft = Draft::new(format!("fleet-{n}"), spec()).tag("environment", "production");
    db.fleets().create(draft).await.unwrap();
}

/// Runs `iters` creates spread over `tasks` concurrent tasks.
async fn create_concurrently(
    db: &ClusterDb,
    names: &Arc<AtomicU64>,
    tasks: u64,
    iters: u64,
) -> Duration {
    let start = Instant::now();
    let handles: Vec<_> = (0..tasks)
        .map(|t| {
            let db = db.clone();
            let names = Arc::clone(names);
            let share = iters / tasks + u64::from(t < iters % tasks);
            tokio::spawn(async move {
                for _ in 0..share {
                    create_one(&db, &names).await;
                }
            })
        })
        .collect();
    for handle in handles {
        handle.await.unwrap();
    }
    start.elapsed()
}

fn creates(c: &mut Criterion) {
    let rt = runtime();
    let bench = Bench::open(&rt);
    let mut group = c.benchmark_group("create_fleet_durable");
    group.throughput(Throughput::Elements(1));
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(8));
    for tasks in [1u64, 64] {
        let before = bench.db.write_stats();
        group.bench_function(format!("{tasks}_tasks"), |b| {
            b.iter_custom(|iters| {
                rt.block_on(create_concurrently(&bench.db, &bench.names, tasks, iters))
            })
        });
        // The group commit's batches: what the writer thread amortizes.
        if let (Some(before), Some(after)) = (before, bench.db.write_stats()) {
            let batches = after.batches - before.batches;
            let commits = after.batch_size_sum - before.batch_size_sum;
            eprintln!(
                "{tasks}_tasks: {commits} commits in {batches} batches ({:.1} a batch)",
                commits as f64 / batches.max(1) as f64
            );
        }
    }
    let direct = Bench::open_without_read_cache(&rt);
    group.bench_function("64_tasks_without_read_cache", |b| {
        b.iter_custom(|iters| {
            rt.block_on(create_concurrently(&direct.db, &direct.names, 64, iters))
        })
    });
    #[cfg(feature = "etcd")]
    {
        let etcd = Bench::open_etcd(&rt);
        group.bench_function("64_tasks_etcd", |b| {
            b.iter_custom(|iters| {
                rt.block_on(create_concurrently(&etcd.db, &etcd.names, 64, iters))
            })
        });
    }
    group.finish();
}

fn reads(c: &mut Criterion) {
    let rt = runtime();
    let bench = Bench::open(&rt);
    let ids: Vec<String> = rt.block_on(async {
        let mut ids = Vec::new();
        for _ in 0..1000 {
            create_one(&bench.db, &bench.names).await;
        }
        let mut options = ListOptions::default().page_size(1000);
        loop {
            let page = bench.db.fleets().list(&options).await.unwrap();
            ids.extend(page.items.into_iter().map(|f| f.meta.id));
            match page.next_page_token {
                Some(token) => options = options.page_token(token),
                None => break ids,
            }
        }
    });
    let mut group = c.benchmark_group("read");
    group.throughput(Throughput::Elements(1));
    let mut i = 0;
    group.bench_function("get_by_id", |b| {
        b.iter(|| {
            i = (i + 1) % ids.len();
            rt.block_on(bench.db.fleets().get(&ids[i])).unwrap()
        })
    });
    // The same store's reads from the engine, without the read cache.
    let direct = Bench::open_without_read_cache(&rt);
    let direct_ids: Vec<String> = rt.block_on(async {
        let mut ids = Vec::new();
        for _ in 0..1000 {
            let n = direct.names.fetch_add(1, Ordering::Relaxed);
            let draft = Draft::new(format!("fleet-{n}"), spec()).tag("environment", "production");
            ids.push(direct.db.fleets().create(draft).await.unwrap().meta.id);
        }
        ids
    });
    group.bench_function("get_by_id_without_read_cache", |b| {
        b.iter(|| {
            i = (i + 1) % direct_ids.len();
            rt.block_on(direct.db.fleets().get(&direct_ids[i])).unwrap()
        })
    });
    let options = ListOptions::default().page_size(100);
    group.throughput(Throughput::Elements(100));
    group.bench_function("list_page_of_100", |b| {
        b.iter(|| rt.block_on(bench.db.fleets().list(&options)).unwrap())
    });
    let tagged = ListOptions::default()
        .page_size(100)
        .tag("environment", "production");
    group.bench_function("list_page_of_100_by_tag", |b| {
        b.iter(|| rt.block_on(bench.db.fleets().list(&tagged)).unwrap())
    });
    group.finish();
}

/// What authentication costs a request once its credential was seen (one
/// read of the identity change marker) — beside `get_by_id`, the cheapest
/// request — and what verifying a new access token's signature costs.
fn authentication(c: &mut Criterion) {
    use clusterdb::identity::{GroupSpec, OAuthClientSpec, Role, UserSpec};
    let rt = runtime();
    let bench = Bench::open(&rt);
    let (key, token) = rt.block_on(async {
        let db = &bench.db;
        let spec = UserSpec {
            roles: [Role::Viewer].into(),
            ..UserSpec::default()
        };
        let user = db.users().create(Draft::new("alice", spec)).await.unwrap();
        for i in 0..3 {
            let spec = GroupSpec {
                members: [user.id().to_string()].into(),
                roles: [Role::Editor].into(),
                ..GroupSpec::default()
            };
            db.groups()
                .create(Draft::new(format!("group-{i}"), spec))
                .await
                .unwrap();
        }
        let key = db
            .identity()
            .create_api_key(user.id(), "bench", None)
            .await
            .unwrap()
            .secret;
        let client = db
            .identity()
            .create_oauth_client(Draft::new(
                "bench",
                OAuthClientSpec {
                    description: String::new(),
                    owner: user.id().to_string(),
                    scopes: ["compute:read".to_string()].into(),
                },
            ))
            .await
            .unwrap();
        let tokens = db.tokens("https://bench").await.unwrap();
        let token = tokens
            .issue(client.client.id(), &["compute:read".to_string()].into())
            .await
            .unwrap()
            .access_token;
        (key, token)
    });
    let tokens = rt.block_on(bench.db.tokens("https://bench")).unwrap();
    let mut group = c.benchmark_group("authenticate");
    group.throughput(Throughput::Elements(1));
    group.bench_function("api_key_user_in_3_groups", |b| {
        b.iter(|| {
            rt.block_on(bench.db.identity().authenticate_api_key(&key))
                .unwrap()
        })
    });
    group.bench_function("access_token", |b| {
        b.iter(|| {
            rt.block_on(bench.db.identity().authenticate_token(&tokens, &token))
                .unwrap()
        })
    });
    // What a first sight of a token costs: the Ed25519 verification.
    group.bench_function("access_token_signature", |b| {
        b.iter(|| rt.block_on(tokens.verify(&token)).unwrap())
    });
    group.finish();
}

/// Mesh evaluation over 1,000 virtual services (4 rules each: prefix,
/// header, regex and catch-all matches) and 100 security policies: a
/// resolve and a check through `db.mesh()` (one read of the mesh marker,
/// then the cached index), and the index alone.
fn mesh(c: &mut Criterion) {
    use clusterdb::mesh::{
        CheckRequest, Destination, HttpMatch, HttpRoute, Operation, PolicyAction, RouteDestination,
        RouteRequest, Rule, SecurityPolicySpec, Source, StringMatch, VirtualServiceSpec,
    };
    let rt = runtime();
    let bench = Bench::open(&rt);
    let to = |host: String| {
        vec![RouteDestination {
            destination: Destination {
                host,
                ..Destination::default()
            },
            weight: None,
        }]
    };
    let rule = |m: HttpMatch, host: String| HttpRoute {
        matches: vec![m],
        route: to(host),
        ..HttpRoute::default()
    };
    rt.block_on(async {
        for i in 0..1000 {
            let spec = VirtualServiceSpec {
                hosts: vec![format!("svc-{i}.example.com")],
                gateways: Vec::new(),
                http_routes: vec![
                    rule(
                        HttpMatch {
                            uri: Some(StringMatch::Prefix("/api".into())),
                            ..HttpMatch::default()
                        },
                        format!("api-{i}"),
                    ),
                    rule(
                        HttpMatch {
                            headers: [("x-beta".to_string(), StringMatch::Exact("1".into()))]
                                .into(),
                            ..HttpMatch::default()
                        },
                        format!("beta-{i}"),
                    ),
                    rule(
                        HttpMatch {
                            uri: Some(StringMatch::Regex("/static/.*\\.(css|js)".into())),
                            ..HttpMatch::default()
                        },
                        format!("static-{i}"),
                    ),
                    HttpRoute {
                        route: to(format!("web-{i}")),
                        ..HttpRoute::default()
                    },
                ],
            };
            bench
                .db
                .virtual_services()
                .create(Draft::new(format!("vs-{i}"), spec))
                .await
                .unwrap();
        }
        for i in 0..100 {
            let spec = SecurityPolicySpec {
                selector: [("app".to_string(), format!("app-{}", i % 10))].into(),
                action: if i % 10 == 0 {
                    PolicyAction::Deny
                } else {
                    PolicyAction::Allow
                },
                rules: vec![Rule {
                    from: vec![Source {
                        principals: vec![format!("cluster.local/ns/ns-{i}/*")],
                        ..Source::default()
                    }],
                    to: vec![Operation {
                        paths: vec!["/admin*".into()],
                        ..Operation::default()
                    }],
                    when: Vec::new(),
                }],
            };
            bench
                .db
                .security_policies()
                .create(Draft::new(format!("sp-{i}"), spec))
                .await
                .unwrap();
        }
    });
    let request = RouteRequest {
        host: "svc-777.example.com".into(),
        path: "/static/app.js".into(),
        method: "GET".into(),
        ..RouteRequest::default()
    };
    let check = CheckRequest {
        namespace: "default".into(),
        labels: [("app".to_string(), "app-7".to_string())].into(),
        principal: "cluster.local/ns/ns-57/sa/x".into(),
        path: "/admin/users".into(),
        method: "GET".into(),
        ..CheckRequest::default()
    };
    let mesh = bench.db.mesh();
    let index = rt.block_on(mesh.index()).unwrap();
    assert_eq!(index.resolve(&request).unwrap().rule_index, 2);
    let mut group = c.benchmark_group("mesh_1000_virtual_services");
    group.throughput(Throughput::Elements(1));
    group.bench_function("resolve", |b| {
        b.iter(|| rt.block_on(mesh.resolve(&request)).unwrap())
    });
    group.bench_function("resolve_on_index", |b| b.iter(|| index.resolve(&request)));
    group.bench_function("check", |b| {
        b.iter(|| rt.block_on(mesh.check(&check)).unwrap())
    });
    group.finish();
}

/// Webhooks: signing a 1 KiB body, and one event's way from its commit to
/// a receiver on loopback (the dispatcher following the log, the signed
/// POST, the record of the attempt).
fn webhooks(c: &mut Criterion) {
    use clusterdb_api::webhooks::{DeliveryOptions, Sender, signing::signature_header};
    let secret = clusterdb::webhooks::new_secret().unwrap();
    let body = vec![b'x'; 1024];
    let mut group = c.benchmark_group("webhooks");
    group.throughput(Throughput::Bytes(body.len() as u64));
    group.bench_function("sign_1kib", |b| {
        b.iter(|| signature_header(&[&secret], "evt_123_0", 1_700_000_000, &body))
    });
    group.throughput(Throughput::Elements(1));

    let rt = runtime();
    let bench = Bench::open(&rt);
    let delivered = Arc::new(AtomicU64::new(0));
    let (stop, stopped) = tokio::sync::watch::channel(false);
    rt.block_on(async {
        let count = Arc::clone(&delivered);
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move || {
                let count = Arc::clone(&count);
                async move {
                    count.fetch_add(1, Ordering::SeqCst);
                    "ok"
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        let endpoint = clusterdb::webhooks::WebhookSpec {
            url: url.clone(),
            events: vec!["fleet.created".into()],
            enabled: true,
            description: String::new(),
            secret: String::new(),
        };
        bench
            .db
            .webhooks()
            .create(Draft::new("bench", endpoint))
            .await
            .unwrap();
        let sender = Arc::new(Sender::new(DeliveryOptions {
            allow_private: true,
            ..DeliveryOptions::default()
        }));
        tokio::spawn(clusterdb_api::webhooks::run(
            bench.db.clone(),
            sender,
            None,
            stopped,
        ));
    });
    group.bench_function("commit_to_receiver", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let started = Instant::now();
                for _ in 0..iters {
                    let before = delivered.load(Ordering::SeqCst);
                    create_one(&bench.db, &bench.names).await;
                    while delivered.load(Ordering::SeqCst) == before {
                        tokio::time::sleep(Duration::from_micros(50)).await;
                    }
                }
                started.elapsed()
            })
        })
    });
    group.finish();
    let _ = stop.send(true);
}

/// Creates the echo function (up to 1,000 invocations at once); its id.
async fn create_echo(db: &ClusterDb) -> String {
    let functions = db.functions();
    let mut spec = clusterdb::FunctionSpec::new("wasm", "_start");
    spec.code = Some(
        functions
            .upload_code("wasm", "_start", clusterdb_testkit::wasm::ECHO.as_bytes())
            .await
            .unwrap(),
    );
    spec.max_concurrency = 1000;
    let function = functions.create(Draft::new("echo", spec)).await.unwrap();
    function.meta.id
}

/// WebAssembly functions: the echo module (`testkit/fixtures/wasm`) with a
/// 64-byte payload — warm (its compiled module cached), cold (the first
/// invocation in a process: the module read from the store and compiled),
/// and 64 callers at once.
fn functions(c: &mut Criterion) {
    let rt = runtime();
    let bench = Bench::open(&rt);
    let echo = rt.block_on(create_echo(&bench.db));
    let payload = vec![b'x'; 64];
    let mut group = c.benchmark_group("functions");
    group.throughput(Throughput::Elements(1));
    group.bench_function("invoke_echo_warm", |b| {
        b.iter(|| {
            rt.block_on(bench.db.functions().invoke(&echo, payload.clone()))
                .unwrap()
        })
    });
    // Cold: the first call in a process that has not compiled the module
    // (another database handle on the same store has its own runtime).
    let engine: Arc<dyn clusterdb::storage::Engine> =
        Arc::new(clusterdb::storage::RedbEngine::in_memory());
    let key = clusterdb::MasterKey::generate().unwrap();
    let cold = rt.block_on(async {
        let db = ClusterDb::builder()
            .reconcile(false)
            .master_key(key.clone())
            .open_with(Arc::clone(&engine))
            .await
            .unwrap();
        create_echo(&db).await
    });
    group.bench_function("invoke_echo_cold", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let fresh = rt.block_on(
                    ClusterDb::builder()
                        .reconcile(false)
                        .master_key(key.clone())
                        .open_with(Arc::clone(&engine)),
                );
                let fresh = fresh.unwrap();
                let started = Instant::now();
                rt.block_on(fresh.functions().invoke(&cold, payload.clone()))
                    .unwrap();
                total += started.elapsed();
            }
            total
        })
    });
    group.throughput(Throughput::Elements(64));
    group.bench_function("invoke_echo_64_concurrent", |b| {
        b.iter(|| {
            rt.block_on(async {
                let calls: Vec<_> = (0..64)
                    .map(|_| {
                        let db = bench.db.clone();
                        let echo = echo.clone();
                        let payload = payload.clone();
                        tokio::spawn(async move { db.functions().invoke(&echo, payload).await })
                    })
                    .collect();
                for call in calls {
                    call.await.unwrap().unwrap();
                }
            })
        })
    });
    group.finish();
}

/// One scrape of `GET /metrics` (its text, without HTTP) after some
/// traffic: 100 functions with statistics, request counters.
fn metrics(c: &mut Criterion) {
    let rt = runtime();
    let bench = Bench::open(&rt);
    rt.block_on(async {
        for i in 0..100 {
            let mut spec = clusterdb::FunctionSpec::new("wasm", "_start");
            spec.code = Some(
                bench
                    .db
                    .functions()
                    .upload_code("wasm", "_start", clusterdb_testkit::wasm::ECHO.as_bytes())
                    .await
                    .unwrap(),
            );
            let f = bench
                .db
                .functions()
                .create(Draft::new(format!("f{i}"), spec))
                .await
                .unwrap();
            bench
                .db
                .functions()
                .invoke(f.id(), b"x".to_vec())
                .await
                .unwrap();
        }
    });
    let mut group = c.benchmark_group("metrics");
    group.bench_function("exposition_100_functions", |b| {
        b.iter(|| clusterdb_api::metrics::exposition(&bench.db).len())
    });
    // What the server does every 10 s for its own history: the exposition
    // parsed into samples and pushed (its share of a core is this / 10 s;
    // the flush, amortized here, writes them).
    group.bench_function("self_sample_and_push", |b| {
        b.iter(|| {
            rt.block_on(async {
                let m = bench.db.monitoring();
                let samples = clusterdb_api::metrics::own_samples(&bench.db, "bench");
                let accepted = m.push(samples).await.unwrap().accepted;
                if m.buffer_stats().0 > 200_000 {
                    m.flush().await.unwrap();
                }
                accepted
            })
        })
    });
    group.finish();
}

/// `n` samples of `series` series of `web-service` at `t` (Unix ms).
fn samples(series: usize, n: usize, t: i64) -> Vec<clusterdb::monitoring::Sample> {
    use clusterdb::monitoring::{Sample, SeriesKey};
    (0..n)
        .map(|i| {
            let key = SeriesKey::new("web-service", "http_requests_total")
                .label("series", (i % series).to_string());
            Sample::new(key, i as f64).at(t)
        })
        .collect()
}

/// The metrics history: a push of 1,000 samples, a flush, and a 1 h query
/// over 100 series of 10 s points (360 each, flushed every 10 s as the
/// server does, so the hour is 360 blocks).
fn monitoring(c: &mut Criterion) {
    let rt = runtime();
    let bench = Bench::open(&rt);
    let m = bench.db.monitoring();
    let now = clusterdb::Timestamp::now().unix_millis();
    rt.block_on(async {
        for step in 0..360i64 {
            let t = now - 3_600_000 + step * 10_000;
            m.push(samples(100, 100, t)).await.unwrap();
            m.flush().await.unwrap();
        }
    });
    let mut group = c.benchmark_group("monitoring");
    let query = clusterdb::monitoring::MetricsQuery {
        service: "web-service".into(),
        window_ms: 3_600_000,
        ..Default::default()
    };
    group.bench_function("query_1h_100_series_uncompacted", |b| {
        b.iter(|| rt.block_on(m.query(&query)).unwrap().series.len())
    });
    rt.block_on(async {
        while m
            .maintain(clusterdb::Timestamp::now())
            .await
            .unwrap()
            .blocks_compacted
            > 0
        {}
    });
    group.bench_function("query_1h_100_series_compacted", |b| {
        b.iter(|| rt.block_on(m.query(&query)).unwrap().series.len())
    });
    group.throughput(Throughput::Elements(1000));
    // The flush runs whenever 200,000 samples wait: its cost is amortized.
    group.bench_function("push_1000_samples", |b| {
        b.iter(|| {
            rt.block_on(async {
                let accepted = m.push(samples(100, 1000, now)).await.unwrap().accepted;
                if m.buffer_stats().0 > 200_000 {
                    m.flush().await.unwrap();
                }
                accepted
            })
        })
    });
    group.bench_function("push_and_flush_1000_samples", |b| {
        b.iter(|| {
            rt.block_on(async {
                m.push(samples(100, 1000, now)).await.unwrap();
                m.flush().await.unwrap()
            })
        })
    });
    group.finish();
}

criterion_group!(
    benches,
    creates,
    reads,
    authentication,
    mesh,
    webhooks,
    functions,
    metrics,
    monitoring
);
criterion_main!(benches);
