//! `GET /metrics`: the server's metrics in the OpenMetrics text format
//! (`prometheus-client`), or the Prometheus text format 0.0.4 for a
//! scraper that does not ask for OpenMetrics. Names start `clusterdb_`.
//!
//! Request counters live in one process-wide set ([`counters`]), fed by
//! the [`track`] middleware and the guard; everything else is read at
//! scrape time from memory — function statistics, the event log head,
//! process figures — never from the store.

use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use clusterdb::ClusterDb;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::{ConstGauge, Gauge};
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

/// The OpenMetrics content type.
pub const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";
/// The Prometheus text format's content type.
pub const PROMETHEUS_TEXT: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Request latency buckets, in seconds.
const LATENCY_BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Labels of a REST request. Every value is static or a number, so
/// counting a request allocates nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct HttpLabels {
    /// The route template, e.g. `/v1/fleets/{id}` (empty when the request
    /// was answered before routing: authentication, rate limit, overload).
    pub route: &'static str,
    /// The HTTP method.
    pub method: &'static str,
    /// The status code.
    pub status: u16,
}

/// Labels of a REST request's latency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct RouteLabels {
    /// As in [`HttpLabels`].
    pub route: &'static str,
    /// As in [`HttpLabels`].
    pub method: &'static str,
}

/// Labels of a gRPC call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct GrpcLabels {
    /// `/package.Service/Method`, or `unknown` for a method not served.
    pub method: &'static str,
    /// The gRPC status code (`0` is OK).
    pub code: u16,
}

/// Labels of a gRPC call's latency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct GrpcMethodLabels {
    /// As in [`GrpcLabels`].
    pub method: &'static str,
}

/// What a refusal or a delivery was about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct OutcomeLabels {
    /// E.g. `principal`/`ip` (rate limits), `succeeded`/`failed`
    /// (webhook attempts).
    pub outcome: String,
}

/// The process-wide request counters.
#[derive(Debug)]
pub struct Counters {
    http_requests: Family<HttpLabels, Counter>,
    http_duration: Family<RouteLabels, Histogram>,
    grpc_requests: Family<GrpcLabels, Counter>,
    grpc_duration: Family<GrpcMethodLabels, Histogram>,
    rate_limited: Family<OutcomeLabels, Counter>,
    authentication_failures: Counter,
    webhook_attempts: Family<OutcomeLabels, Counter>,
    webhook_duration: Histogram,
    backup_last_success: Gauge,
    backup_duration: Histogram,
    backup_bytes: Gauge,
    backup_failures: Counter,
    snapshot_streams: Gauge,
    read_cache_checks: Family<OutcomeLabels, Counter>,
    /// Each running delivery worker's position in the event log, by
    /// endpoint: (the worker's token, revision).
    webhook_positions: std::sync::Mutex<std::collections::BTreeMap<String, (u64, u64)>>,
    /// Tokens of delivery workers.
    workers: std::sync::atomic::AtomicU64,
    started: std::time::SystemTime,
}

/// A delivery worker's place in [`Counters`]' positions; removed when
/// the worker ends.
pub struct WebhookPosition {
    endpoint: String,
    /// Tells this worker's entry from a successor's for the same endpoint.
    token: u64,
}

impl WebhookPosition {
    /// The worker has handled the log through `revision`.
    pub fn at(&self, revision: u64) {
        counters()
            .positions()
            .insert(self.endpoint.clone(), (self.token, revision));
    }
}

impl Drop for WebhookPosition {
    fn drop(&mut self) {
        let mut positions = counters().positions();
        if positions.get(&self.endpoint).map(|(token, _)| *token) == Some(self.token) {
            positions.remove(&self.endpoint);
        }
    }
}

fn latency_histogram() -> Histogram {
    Histogram::new(LATENCY_BUCKETS)
}

/// The process-wide counters.
pub fn counters() -> &'static Counters {
    static COUNTERS: OnceLock<Counters> = OnceLock::new();
    COUNTERS.get_or_init(|| Counters {
        http_requests: Family::default(),
        http_duration: Family::new_with_constructor(latency_histogram),
        grpc_requests: Family::default(),
        grpc_duration: Family::new_with_constructor(latency_histogram),
        rate_limited: Family::default(),
        authentication_failures: Counter::default(),
        webhook_attempts: Family::default(),
        webhook_duration: latency_histogram(),
        backup_last_success: Gauge::default(),
        // 0.1 s to about 15 minutes.
        backup_duration: Histogram::new(
            prometheus_client::metrics::histogram::exponential_buckets(0.1, 2.0, 14),
        ),
        backup_bytes: Gauge::default(),
        backup_failures: Counter::default(),
        snapshot_streams: Gauge::default(),
        read_cache_checks: Family::default(),
        webhook_positions: Default::default(),
        workers: Default::default(),
        started: std::time::SystemTime::now(),
    })
}

impl Counters {
    /// Counts a request refused for its rate (`principal` or `ip`).
    pub fn rate_limited(&self, by: &str) {
        self.rate_limited
            .get_or_create(&OutcomeLabels {
                outcome: by.to_string(),
            })
            .inc();
    }

    /// Counts a failed authentication.
    pub fn authentication_failed(&self) {
        self.authentication_failures.inc();
    }

    fn positions(
        &self,
    ) -> std::sync::MutexGuard<'_, std::collections::BTreeMap<String, (u64, u64)>> {
        self.webhook_positions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }

    /// Registers a delivery worker of `endpoint`; its backlog is shown
    /// while the returned position lives.
    pub fn webhook_position(&self, endpoint: &str) -> WebhookPosition {
        WebhookPosition {
            endpoint: endpoint.to_string(),
            token: self
                .workers
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        }
    }

    /// Records a scheduled backup that was written: how long it took and
    /// its size.
    pub fn backup_succeeded(&self, seconds: f64, bytes: u64) {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        self.backup_last_success
            .set(i64::try_from(now).unwrap_or(i64::MAX));
        self.backup_duration.observe(seconds);
        self.backup_bytes
            .set(i64::try_from(bytes).unwrap_or(i64::MAX));
    }

    /// Counts a snapshot being streamed to a client until the returned
    /// guard is dropped (when its writer ends, finished or cut off).
    pub fn snapshot_stream(&self) -> SnapshotStreamGuard {
        self.snapshot_streams.inc();
        SnapshotStreamGuard(())
    }

    /// Counts a check of the read cache against the store: `consistent`,
    /// `inconsistent`, or `failed` (the check could not run).
    pub fn read_cache_checked(&self, outcome: &'static str) {
        self.read_cache_checks
            .get_or_create(&OutcomeLabels {
                outcome: outcome.into(),
            })
            .inc();
    }

    /// Counts a scheduled backup that failed.
    pub fn backup_failed(&self) {
        self.backup_failures.inc();
    }

    /// Counts a webhook delivery attempt and its duration.
    pub fn webhook_attempt(&self, succeeded: bool, seconds: f64) {
        let outcome = if succeeded { "succeeded" } else { "failed" };
        self.webhook_attempts
            .get_or_create(&OutcomeLabels {
                outcome: outcome.to_string(),
            })
            .inc();
        self.webhook_duration.observe(seconds);
    }
}

/// A snapshot stream in progress (see [`Counters::snapshot_stream`]).
pub struct SnapshotStreamGuard(());

impl Drop for SnapshotStreamGuard {
    fn drop(&mut self) {
        counters().snapshot_streams.dec();
    }
}

/// The route a REST request matched, carried on its response from inside
/// the router to [`Observation::finish`].
#[derive(Debug, Clone, Copy)]
pub struct RouteLabel(pub &'static str);

/// Records the matched route on `response`, for [`Observation::finish`].
pub(crate) fn label_route(response: &mut Response, matched: &MatchedPath) {
    response
        .extensions_mut()
        .insert(RouteLabel(route_template(matched.as_str())));
}

/// `route` as a static string: route templates are few and fixed (the
/// router's), so each is leaked once and looked up after that.
fn route_template(route: &str) -> &'static str {
    use std::collections::HashSet;
    use std::sync::RwLock;
    static ROUTES: OnceLock<RwLock<HashSet<&'static str>>> = OnceLock::new();
    let routes = ROUTES.get_or_init(Default::default);
    if let Some(known) = routes.read().unwrap_or_else(|p| p.into_inner()).get(route) {
        return known;
    }
    let mut routes = routes.write().unwrap_or_else(|p| p.into_inner());
    if let Some(known) = routes.get(route) {
        return known;
    }
    let leaked: &'static str = Box::leak(route.to_string().into_boxed_str());
    routes.insert(leaked);
    leaked
}

/// The `method` label of a gRPC call to `path`: the method if this server
/// serves it, else `unknown` (so the label stays bounded).
fn grpc_method(path: &str) -> &'static str {
    grpc_methods().get(path).copied().unwrap_or("unknown")
}

/// Every gRPC method this server serves, for a bounded `method` label.
fn grpc_methods() -> &'static std::collections::HashSet<&'static str> {
    static METHODS: OnceLock<std::collections::HashSet<&'static str>> = OnceLock::new();
    METHODS.get_or_init(|| {
        use prost::Message as _;
        let mut methods = std::collections::HashSet::new();
        for set in [
            clusterdb_proto::FILE_DESCRIPTOR_SET,
            tonic_health::pb::FILE_DESCRIPTOR_SET,
        ] {
            let Ok(set) = prost_types::FileDescriptorSet::decode(set) else {
                continue;
            };
            for file in &set.file {
                for service in &file.service {
                    for method in &service.method {
                        let path =
                            format!("/{}.{}/{}", file.package(), service.name(), method.name());
                        methods.insert(&*Box::leak(path.into_boxed_str()));
                    }
                }
            }
        }
        methods
    })
}

/// One request being counted (REST or gRPC): started before it is
/// handled, finished with its response.
pub(crate) struct Observation {
    /// The gRPC method (REST takes its route from the response).
    grpc: Option<&'static str>,
    method: &'static str,
    started: Instant,
}

impl Observation {
    /// Starts counting `request`.
    pub fn start(request: &Request) -> Self {
        let method = match request.method().as_str() {
            "GET" => "GET",
            "HEAD" => "HEAD",
            "POST" => "POST",
            "PUT" => "PUT",
            "PATCH" => "PATCH",
            "DELETE" => "DELETE",
            "OPTIONS" => "OPTIONS",
            _ => "OTHER",
        };
        Observation {
            grpc: crate::is_grpc(request).then(|| grpc_method(request.uri().path())),
            method,
            started: Instant::now(),
        }
    }

    /// Counts the request and its latency by its `response`.
    pub fn finish(self, response: &Response) {
        let seconds = self.started.elapsed().as_secs_f64();
        let counters = counters();
        if let Some(method) = self.grpc {
            // Errors come as trailers-only responses (the status in the
            // headers); a success's status is in the trailers.
            let code = response
                .headers()
                .get("grpc-status")
                .and_then(|v| v.to_str().ok()?.parse().ok())
                .unwrap_or(0);
            counters
                .grpc_requests
                .get_or_create(&GrpcLabels { method, code })
                .inc();
            counters
                .grpc_duration
                .get_or_create(&GrpcMethodLabels { method })
                .observe(seconds);
        } else {
            let route = response
                .extensions()
                .get::<RouteLabel>()
                .map_or("", |r| r.0);
            let method = self.method;
            let status = response.status().as_u16();
            counters
                .http_requests
                .get_or_create(&HttpLabels {
                    route,
                    method,
                    status,
                })
                .inc();
            counters
                .http_duration
                .get_or_create(&RouteLabels { route, method })
                .observe(seconds);
        }
    }
}

/// What is read at scrape time: the database's in-memory state and the
/// process.
struct Live {
    db: ClusterDb,
}

impl std::fmt::Debug for Live {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Live")
    }
}

fn describe<'a>(
    encoder: &'a mut DescriptorEncoder,
    name: &'a str,
    help: &'a str,
    metric_type: MetricType,
) -> Result<prometheus_client::encoding::MetricEncoder<'a>, std::fmt::Error> {
    encoder.encode_descriptor(name, help, None, metric_type)
}

/// Reads one counter of a function's statistics.
type StatOf = fn(&clusterdb::compute::FunctionStats) -> u64;

/// The labels of no exemplar.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct NoLabels {}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct WebhookLabels {
    webhook: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct FunctionLabels {
    function: String,
}

impl Collector for Live {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let stats = self.db.functions().all_stats();
        let function_counters: [(&str, &str, StatOf); 4] = [
            (
                "function_invocations",
                "Function invocations that ran",
                |s| s.invocations,
            ),
            ("function_errors", "Function invocations that failed", |s| {
                s.errors
            }),
            (
                "function_timeouts",
                "Function invocations stopped at their time limit",
                |s| s.timeouts,
            ),
            (
                "function_throttled",
                "Function invocations refused at a concurrency limit",
                |s| s.throttled,
            ),
        ];
        for (name, help, value) in function_counters {
            let mut family = describe(&mut encoder, name, help, MetricType::Counter)?;
            for (id, s) in &stats {
                let labels = FunctionLabels {
                    function: id.clone(),
                };
                ConstCounter::new(value(s)).encode(family.encode_family(&labels)?)?;
            }
        }
        let mut family = describe(
            &mut encoder,
            "function_duration_seconds",
            "Function invocation durations",
            MetricType::Histogram,
        )?;
        for (id, s) in &stats {
            let labels = FunctionLabels {
                function: id.clone(),
            };
            let mut cumulative = 0;
            let buckets: Vec<(f64, u64)> = s
                .duration_histogram()
                .map(|(le_ms, count)| {
                    cumulative += count;
                    (
                        le_ms.map_or(f64::INFINITY, |ms| ms as f64 / 1000.0),
                        cumulative,
                    )
                })
                .collect();
            family
                .encode_family(&labels)?
                .encode_histogram::<NoLabels>(
                    s.total_duration.as_secs_f64(),
                    cumulative,
                    &buckets,
                    None,
                )?;
        }
        let head = self.db.events().head_revision();
        ConstGauge::new(head as i64).encode(describe(
            &mut encoder,
            "event_log_head_revision",
            "The newest revision of the event log",
            MetricType::Gauge,
        )?)?;
        if let Some(oldest) = self.db.oldest_retained_revision() {
            ConstGauge::new(oldest as i64).encode(describe(
                &mut encoder,
                "event_log_oldest_revision",
                "The oldest revision the event log retains (as of the last retention step here)",
                MetricType::Gauge,
            )?)?;
        }
        let positions = counters().positions().clone();
        let mut family = describe(
            &mut encoder,
            "webhook_backlog_events",
            "Revisions between the event log head and each delivery worker's position",
            MetricType::Gauge,
        )?;
        for (endpoint, (_, position)) in positions {
            let labels = WebhookLabels { webhook: endpoint };
            ConstGauge::new(head.saturating_sub(position) as i64)
                .encode(family.encode_family(&labels)?)?;
        }
        if let Some(cursor) = self.db.reconciler_cursor() {
            ConstGauge::new(head.saturating_sub(cursor) as i64).encode(describe(
                &mut encoder,
                "reconciler_lag_revisions",
                "Revisions between the event log head and the fleet reconciler's saved cursor",
                MetricType::Gauge,
            )?)?;
        }
        if let Some(store) = self.db.write_stats() {
            ConstCounter::new(store.commits).encode(describe(
                &mut encoder,
                "store_commits",
                "Commits the storage engine answered",
                MetricType::Counter,
            )?)?;
            describe(
                &mut encoder,
                "store_commit_duration_seconds",
                "Store commit latency, from the call to its durable answer",
                MetricType::Histogram,
            )?
            .encode_histogram::<NoLabels>(
                store.commit_seconds_sum,
                store.commits,
                &store.commit_seconds,
                None,
            )?;
            describe(
                &mut encoder,
                "store_batch_size",
                "Commits per durable write batch",
                MetricType::Histogram,
            )?
            .encode_histogram::<NoLabels>(
                store.batch_size_sum as f64,
                store.batches,
                &store.batch_size,
                None,
            )?;
            ConstGauge::new(store.queue_depth as i64).encode(describe(
                &mut encoder,
                "store_writer_queue_depth",
                "Commits waiting for the storage engine's answer",
                MetricType::Gauge,
            )?)?;
        }
        if let Some(cache) = self.db.read_cache_stats() {
            let gauges: [(&str, &str, u64); 4] = [
                (
                    "read_cache_keys",
                    "Keys the read cache holds at its newest revision",
                    cache.keys as u64,
                ),
                (
                    "read_cache_bytes",
                    "Bytes the read cache holds, versions and overhead included",
                    cache.bytes as u64,
                ),
                (
                    "read_cache_revision",
                    "The store revision the read cache has applied",
                    cache.applied,
                ),
                (
                    "read_cache_oldest_revision",
                    "The oldest revision a pinned list can still be read at",
                    cache.horizon,
                ),
            ];
            for (name, help, value) in gauges {
                ConstGauge::new(i64::try_from(value).unwrap_or(i64::MAX)).encode(describe(
                    &mut encoder,
                    name,
                    help,
                    MetricType::Gauge,
                )?)?;
            }
            ConstCounter::new(cache.fills).encode(describe(
                &mut encoder,
                "read_cache_fills",
                "Times the read cache was filled from a store snapshot (1 at start)",
                MetricType::Counter,
            )?)?;
        }
        let leader = i64::from(self.db.leadership().borrow().is_some());
        ConstGauge::new(leader).encode(describe(
            &mut encoder,
            "leader",
            "1 while this process leads the background work",
            MetricType::Gauge,
        )?)?;
        let process = process_figures();
        let started = counters()
            .started
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64());
        ConstGauge::new(started).encode(describe(
            &mut encoder,
            "process_start_time_seconds",
            "Start time of the process since the Unix epoch",
            MetricType::Gauge,
        )?)?;
        if let Some(process) = process {
            ConstCounter::new(process.cpu_seconds).encode(describe(
                &mut encoder,
                "process_cpu_seconds",
                "User and system CPU time spent",
                MetricType::Counter,
            )?)?;
            ConstGauge::new(process.resident_bytes as i64).encode(describe(
                &mut encoder,
                "process_resident_memory_bytes",
                "Resident memory size",
                MetricType::Gauge,
            )?)?;
            ConstGauge::new(process.open_fds as i64).encode(describe(
                &mut encoder,
                "process_open_fds",
                "Open file descriptors",
                MetricType::Gauge,
            )?)?;
            ConstGauge::new(process.threads as i64).encode(describe(
                &mut encoder,
                "process_threads",
                "Threads of the process",
                MetricType::Gauge,
            )?)?;
        }
        Ok(())
    }
}

/// The process figures Linux's `/proc/self` gives.
struct ProcessFigures {
    cpu_seconds: f64,
    resident_bytes: u64,
    open_fds: usize,
    threads: u64,
}

fn process_figures() -> Option<ProcessFigures> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command (which may hold spaces) in parentheses.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let field = |n: usize| fields.get(n - 3).and_then(|v| v.parse::<u64>().ok());
    // utime (14), stime (15), num_threads (20), rss in pages (24); USER_HZ
    // is 100 and pages 4 KiB on Linux's supported targets.
    let ticks = field(14)? + field(15)?;
    let open_fds = std::fs::read_dir("/proc/self/fd").map_or(0, |dir| dir.count());
    Some(ProcessFigures {
        cpu_seconds: ticks as f64 / 100.0,
        resident_bytes: field(24)? * 4096,
        open_fds,
        threads: field(20)?,
    })
}

/// The exposition of everything, in OpenMetrics text.
pub fn exposition(db: &ClusterDb) -> String {
    let counters = counters();
    let mut registry = Registry::with_prefix("clusterdb");
    registry.register(
        "http_requests",
        "REST requests by route, method and status",
        counters.http_requests.clone(),
    );
    registry.register(
        "http_request_duration_seconds",
        "REST request latency by route and method",
        counters.http_duration.clone(),
    );
    registry.register(
        "grpc_requests",
        "gRPC calls by method and status code",
        counters.grpc_requests.clone(),
    );
    registry.register(
        "grpc_request_duration_seconds",
        "gRPC call latency by method",
        counters.grpc_duration.clone(),
    );
    registry.register(
        "rate_limited_requests",
        "Requests refused for their rate, by what was limited",
        counters.rate_limited.clone(),
    );
    registry.register(
        "authentication_failures",
        "Requests whose credentials were missing or invalid",
        counters.authentication_failures.clone(),
    );
    registry.register(
        "webhook_delivery_attempts",
        "Webhook delivery attempts by outcome",
        counters.webhook_attempts.clone(),
    );
    registry.register(
        "webhook_delivery_duration_seconds",
        "Webhook delivery attempt latency",
        counters.webhook_duration.clone(),
    );
    registry.register(
        "backup_last_success_timestamp_seconds",
        "When the last scheduled backup was written (Unix seconds; 0: none yet)",
        counters.backup_last_success.clone(),
    );
    registry.register(
        "backup_duration_seconds",
        "How long scheduled backups took",
        counters.backup_duration.clone(),
    );
    registry.register(
        "backup_bytes",
        "The size of the last scheduled backup",
        counters.backup_bytes.clone(),
    );
    registry.register(
        "backup_failures",
        "Scheduled backups that failed",
        counters.backup_failures.clone(),
    );
    registry.register(
        "snapshot_streams",
        "Snapshots being streamed to clients now (REST or gRPC)",
        counters.snapshot_streams.clone(),
    );
    registry.register(
        "read_cache_checks",
        "Checks of the read cache against the store (--read-cache-check), by outcome",
        counters.read_cache_checks.clone(),
    );
    registry.register_collector(Box::new(Live { db: db.clone() }));
    let mut text = String::new();
    // Writing to a String cannot fail.
    let _ = prometheus_client::encoding::text::encode(&mut text, &registry);
    text
}

/// OpenMetrics text as the Prometheus text format 0.0.4: no `# EOF` or
/// `# UNIT`, and a counter's `# TYPE`/`# HELP` name its `_total` samples.
pub fn to_prometheus_text(openmetrics: &str) -> String {
    let mut counters = std::collections::HashSet::new();
    for line in openmetrics.lines() {
        if let Some(name) = line
            .strip_prefix("# TYPE ")
            .and_then(|rest| rest.strip_suffix(" counter"))
        {
            counters.insert(name.to_string());
        }
    }
    let mut out = String::with_capacity(openmetrics.len());
    for line in openmetrics.lines() {
        if line == "# EOF" || line.starts_with("# UNIT ") {
            continue;
        }
        let renamed = ["# TYPE ", "# HELP "].iter().find_map(|prefix| {
            let rest = line.strip_prefix(prefix)?;
            let (name, tail) = rest.split_once(' ')?;
            counters
                .contains(name)
                .then(|| format!("{prefix}{name}_total {tail}"))
        });
        out.push_str(renamed.as_deref().unwrap_or(line));
        out.push('\n');
    }
    out
}

/// Whether the request asks for OpenMetrics.
fn wants_openmetrics(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains("application/openmetrics-text"))
}

/// The state of `GET /metrics`.
#[derive(Clone)]
pub struct MetricsRoute {
    /// The database whose state is shown.
    pub db: ClusterDb,
    /// Served without credentials (`serve --metrics-public`).
    pub public: bool,
}

/// `GET /metrics`: viewers (or clients with `metrics:read`) unless public.
pub async fn serve(
    State(route): State<MetricsRoute>,
    caller: Option<axum::Extension<crate::caller::Caller>>,
    headers: HeaderMap,
) -> Response {
    if !route.public {
        let allowed = caller.as_ref().map(|c| {
            clusterdb::identity::authorize(
                &c.principal,
                clusterdb::identity::METRICS,
                clusterdb::identity::Verb::Read,
            )
        });
        match allowed {
            Some(Ok(())) => {}
            Some(Err(err)) => return crate::rest::error::ApiError::from(err).into_response(),
            None => {
                return crate::rest::error::ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "UNAUTHENTICATED",
                    "authentication required: send `Authorization: Bearer <API key or token>`",
                )
                .into_response();
            }
        }
    }
    let text = exposition(&route.db);
    let (body, content_type) = if wants_openmetrics(&headers) {
        (text, OPENMETRICS)
    } else {
        (to_prometheus_text(&text), PROMETHEUS_TEXT)
    };
    let mut response = body.into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// The server's own metrics as samples of the history (service
/// `clusterdb`, label `instance`): the exposition, less the histograms'
/// buckets (their `_sum` and `_count` stay), so a dashboard or an alert
/// rule can read them like any pushed service.
pub fn own_samples(db: &ClusterDb, instance: &str) -> Vec<clusterdb::monitoring::Sample> {
    let text = exposition(db);
    let now = clusterdb::Timestamp::now().unix_millis();
    let mut samples =
        match clusterdb::monitoring::parse_exposition(&text, clusterdb::monitoring::SELF_SERVICE) {
            Ok(samples) => samples,
            Err(err) => {
                tracing::warn!(error = %err, "the exposition did not parse for the history");
                return Vec::new();
            }
        };
    samples.retain(|s| !s.series.metric.ends_with("_bucket") && s.value.is_finite());
    for sample in &mut samples {
        sample
            .series
            .labels
            .insert("instance".to_string(), instance.to_string());
        sample.timestamp = Some(now);
    }
    samples
}

/// Pushes [`own_samples`] into the history every `every`, until
/// `stopped` turns true.
pub async fn sample_own_metrics(
    db: ClusterDb,
    instance: String,
    every: std::time::Duration,
    mut stopped: tokio::sync::watch::Receiver<bool>,
) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stopped.wait_for(|stop| *stop) => return,
        }
        let samples = own_samples(&db, &instance);
        if let Err(err) = db.monitoring().push(samples).await {
            tracing::warn!(error = %err, "sampling the server's own metrics failed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_workers_end_leaves_its_successors_position() {
        let first = counters().webhook_position("webhook-t");
        first.at(3);
        let second = counters().webhook_position("webhook-t");
        second.at(5);
        drop(first);
        assert_eq!(
            counters().positions().get("webhook-t").map(|p| p.1),
            Some(5)
        );
        drop(second);
        assert!(!counters().positions().contains_key("webhook-t"));
    }

    #[test]
    fn prometheus_text_names_counters_by_their_samples() {
        let open = "# HELP x_requests Requests.\n# TYPE x_requests counter\nx_requests_total 3\n# HELP g A gauge.\n# TYPE g gauge\n# UNIT g seconds\ng 1\n# EOF\n";
        assert_eq!(
            to_prometheus_text(open),
            "# HELP x_requests_total Requests.\n# TYPE x_requests_total counter\nx_requests_total 3\n# HELP g A gauge.\n# TYPE g gauge\ng 1\n"
        );
    }
}
