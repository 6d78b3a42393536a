//! `clusterdb serve`: bind, open the data file, serve until SIGINT/SIGTERM,
//! then finish in-flight requests and close the store cleanly.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use clusterdb::ClusterDb;
use clusterdb::identity::Role;
use clusterdb_api::RestConfig;
use clusterdb_api::rate_limit::RateLimits;
use tokio::net::TcpListener;

use crate::listener::{self, Limits};
use crate::tls::Tls;

/// Where the state lives (`serve`, `admin`).
#[derive(clap::Args)]
pub struct StoreArgs {
    /// The data file (created if absent), when the store is local; with an
    /// etcd store, the bootstrap admin key file goes beside it.
    #[arg(long, default_value = "clusterdb.redb", env = "CLUSTERDB_DATA")]
    pub data: PathBuf,
    /// Where the state lives: `redb` (the data file, default) or
    /// `etcd://host:2379,host2:2379` (an etcd cluster; builds with the
    /// `etcd` feature).
    #[arg(long, default_value = "redb", env = "CLUSTERDB_STORE")]
    pub store: String,
    /// Key prefix in etcd.
    #[arg(long, default_value = "/clusterdb/", env = "CLUSTERDB_ETCD_PREFIX")]
    pub etcd_prefix: String,
    /// The master key file, which opens the secrets the store keeps sealed
    /// (token signing keys, webhook secrets, idempotency records); created
    /// (mode 0600) with a new store. Default `<data>.master-key`. Every
    /// server of a shared (etcd) store needs the same file.
    #[arg(long, env = "CLUSTERDB_MASTER_KEY_FILE")]
    pub master_key_file: Option<PathBuf>,
    /// Use a data file or key file that other users can read or write
    /// (refused by default).
    #[arg(long)]
    pub allow_insecure_permissions: bool,
}

impl StoreArgs {
    /// The master key file: `--master-key-file`, else `<data>.master-key`.
    pub fn master_key_path(&self) -> PathBuf {
        self.master_key_file
            .clone()
            .unwrap_or_else(|| clusterdb::default_key_file(&self.data))
    }
}

/// Options of `clusterdb serve`.
#[derive(clap::Args)]
pub struct ServeArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// Address for REST (and gRPC, routed by content type).
    #[arg(long, default_value = "127.0.0.1:7070", env = "CLUSTERDB_LISTEN")]
    listen: SocketAddr,
    /// Also serve gRPC alone on this address.
    #[arg(long)]
    grpc_listen: Option<SocketAddr>,
    /// Largest request body in bytes; a larger one is refused with 413.
    #[arg(long, default_value_t = 1 << 20, env = "CLUSTERDB_BODY_LIMIT")]
    body_limit: usize,
    /// Connections served at once, per listener; while at the cap, new
    /// connections wait to be accepted. Each needs a file descriptor: raise
    /// `ulimit -n` to match.
    #[arg(long, default_value_t = 10_000, env = "CLUSTERDB_MAX_CONNECTIONS")]
    max_connections: usize,
    /// Requests handled at once, per listener; beyond it a request is
    /// refused at once with 503 UNAVAILABLE and `Retry-After: 1`.
    #[arg(long, default_value_t = 4096, env = "CLUSTERDB_MAX_IN_FLIGHT")]
    max_in_flight: usize,
    /// Seconds a client has to send a request's head; on an HTTP/1
    /// keep-alive connection this includes the idle time before the next
    /// request, so it is also the idle timeout. HTTP/2 connections are
    /// pinged every 20 s and closed when a ping goes unanswered for 20 s.
    #[arg(long, default_value_t = 30, env = "CLUSTERDB_HEADER_TIMEOUT")]
    header_timeout: u64,
    /// Hours events are kept in the log (but never before every durable
    /// consumer, such as the reconciler, has passed them).
    #[arg(long, default_value_t = 168, env = "CLUSTERDB_EVENT_RETENTION_HOURS")]
    event_retention_hours: u64,
    /// Only the events of the newest this many revisions are kept.
    #[arg(
        long,
        default_value_t = 1_000_000,
        env = "CLUSTERDB_EVENT_RETENTION_REVISIONS"
    )]
    event_retention_revisions: u64,
    /// A durable consumer further behind than this many revisions no longer
    /// holds events back; it is told it lost some.
    #[arg(long, default_value_t = 5_000_000, env = "CLUSTERDB_CONSUMER_MAX_LAG")]
    consumer_max_lag: u64,
    /// Hours a terminated instance is kept before it is removed.
    #[arg(
        long,
        default_value_t = 24,
        env = "CLUSTERDB_TERMINATED_INSTANCE_TTL_HOURS"
    )]
    terminated_instance_ttl_hours: u64,
    /// Seconds shutdown waits for in-flight requests.
    #[arg(long, default_value_t = 30, env = "CLUSTERDB_DRAIN_TIMEOUT")]
    drain_timeout: u64,
    /// Requests per minute per principal (every principal, admins
    /// included), or `off`.
    #[arg(long, default_value = "6000", env = "CLUSTERDB_RATE_LIMIT")]
    rate_limit: RateLimitFlag,
    /// Requests per minute per client IP for unauthenticated requests and
    /// failed authentications (which also count against the credential id
    /// they named, from any address); public documents (discovery, JWKS,
    /// OpenAPI) have a bucket of the same size of their own.
    #[arg(long, default_value_t = clusterdb_api::rate_limit::DEFAULT_PER_ANONYMOUS_IP, env = "CLUSTERDB_RATE_LIMIT_ANONYMOUS")]
    rate_limit_anonymous: u32,
    /// The server's public URL: the `iss` of its access tokens and the base
    /// of `/.well-known/openid-configuration` (default
    /// `http://<listen address>`). Every server of a shared store should
    /// name the same one.
    #[arg(long, env = "CLUSTERDB_ISSUER")]
    issuer: Option<String>,
    /// Seconds an access token of `/oauth/token` lives (1 to 3600); clients
    /// fetch a new one before it expires.
    #[arg(long, default_value_t = 3600, value_parser = clap::value_parser!(u64).range(1..=3600), env = "CLUSTERDB_ACCESS_TOKEN_TTL")]
    access_token_ttl: u64,
    /// Serve TLS with this PEM certificate chain (with `--tls-key`);
    /// reloaded on SIGHUP.
    #[arg(long, requires = "tls_key", env = "CLUSTERDB_TLS_CERT")]
    tls_cert: Option<PathBuf>,
    /// The PEM private key of `--tls-cert`.
    #[arg(long, requires = "tls_cert", env = "CLUSTERDB_TLS_KEY")]
    tls_key: Option<PathBuf>,
    /// A role's own limit, `ROLE=N` (repeatable); a principal gets the
    /// highest of its roles', else `--rate-limit`.
    #[arg(long, value_parser = parse_role_limit)]
    rate_limit_role: Vec<(Role, u32)>,
    /// Deliver webhooks to loopback, private, link-local and other
    /// non-public addresses too (checked on the resolved address when
    /// connecting). Off by default: a webhook URL must not reach into the
    /// server's own network.
    #[arg(long, env = "CLUSTERDB_WEBHOOK_ALLOW_PRIVATE")]
    webhook_allow_private: bool,
    /// Seconds a webhook receiver has to answer an attempt.
    #[arg(long, default_value_t = 15, env = "CLUSTERDB_WEBHOOK_TIMEOUT")]
    webhook_timeout: u64,
    /// The delay before each webhook delivery attempt, comma-separated
    /// (`ms`, `s`, `m`, `h`); after the last attempt fails the endpoint is
    /// disabled.
    #[arg(
        long,
        default_value = "0s,5s,5m,30m,2h,5h,10h,10h",
        value_parser = parse_schedule,
        env = "CLUSTERDB_WEBHOOK_RETRY_SCHEDULE"
    )]
    webhook_retry_schedule: Schedule,
    /// Serve `GET /metrics` without credentials (for a scraper on a trusted
    /// network); by default it needs a viewer or a `metrics:read` client.
    #[arg(long, env = "CLUSTERDB_METRICS_PUBLIC")]
    metrics_public: bool,
    /// The web console at `/ui` (`on` or `off`): pages only, every call
    /// it makes is an API call authorized as any other.
    #[arg(long, default_value = "on", value_parser = ["on", "off"], env = "CLUSTERDB_UI")]
    ui: String,
    /// A reverse proxy (CIDR, e.g. `10.0.0.0/8` or `127.0.0.1/32`) whose
    /// `Forwarded` / `X-Forwarded-For` headers name the client address rate
    /// limits see; from any other peer those headers are ignored.
    /// Repeatable.
    #[arg(long = "trusted-proxy", value_name = "CIDR", env = "CLUSTERDB_TRUSTED_PROXIES", value_delimiter = ',', value_parser = parse_cidr)]
    trusted_proxy: Vec<ipnet::IpNet>,
    /// Function invocations the server runs at once, across all
    /// functions; past it an invocation gets 503 with `Retry-After`.
    #[arg(long, default_value_t = 256, env = "CLUSTERDB_FUNCTION_CONCURRENCY")]
    function_concurrency: usize,
    /// Largest WebAssembly module (or WebAssembly text) a function may
    /// upload, in bytes; past it the upload gets 429 `QUOTA_EXCEEDED`.
    #[arg(
        long,
        default_value_t = clusterdb::compute::DEFAULT_MAX_MODULE_BYTES,
        env = "CLUSTERDB_FUNCTION_MAX_MODULE_BYTES"
    )]
    function_max_module_bytes: usize,
    /// Metric series one service may have in the history; a push past it
    /// gets 429 `QUOTA_EXCEEDED`.
    #[arg(
        long,
        default_value_t = 2_000,
        env = "CLUSTERDB_METRICS_MAX_SERIES_PER_SERVICE"
    )]
    metrics_max_series_per_service: usize,
    /// Metric series the history may have in all.
    #[arg(long, default_value_t = 50_000, env = "CLUSTERDB_METRICS_MAX_SERIES")]
    metrics_max_series: usize,
    /// Hours raw metric points are kept (1-minute rollups: 7 days, 1-hour
    /// rollups: 90 days).
    #[arg(
        long,
        default_value_t = 6,
        env = "CLUSTERDB_METRICS_RAW_RETENTION_HOURS"
    )]
    metrics_raw_retention_hours: u64,
    /// Seconds between alert rule evaluations (on the elected server).
    #[arg(
        long,
        default_value_t = 15,
        env = "CLUSTERDB_ALERT_EVALUATION_INTERVAL"
    )]
    alert_evaluation_interval: u64,
    /// Take a snapshot of the whole store into this directory every
    /// `--backup-interval` (on a shared store, the leading server does).
    #[arg(long, value_name = "DIR", env = "CLUSTERDB_BACKUP_DIR")]
    backup_dir: Option<PathBuf>,
    /// Time between scheduled backups (`s`, `m`, `h`).
    #[arg(long, default_value = "1h", value_parser = parse_delay, env = "CLUSTERDB_BACKUP_INTERVAL")]
    backup_interval: Duration,
    /// Scheduled backups kept in `--backup-dir`; older ones are removed.
    #[arg(long, default_value_t = 24, value_parser = clap::value_parser!(u32).range(1..), env = "CLUSTERDB_BACKUP_KEEP")]
    backup_keep: u32,
    /// Serve reads from this server's cache of every object and index,
    /// kept current from the store's change feed (`on`), or from the store
    /// itself (`off`: no pinned list pages, every read a store read).
    #[arg(long, default_value = "on", value_parser = ["on", "off"], env = "CLUSTERDB_READ_CACHE")]
    read_cache: String,
    /// Most bytes the read cache may hold (keys, values and 128 bytes per
    /// version, its recent history included); the server refuses to start
    /// on a store that needs more.
    #[arg(long, default_value_t = 4 << 30, env = "CLUSTERDB_READ_CACHE_MAX_BYTES")]
    read_cache_max_bytes: u64,
    /// How long a read waits for the revision it needs (the store's
    /// current one, or its `min_revision`) before 503 UNAVAILABLE with
    /// `Retry-After` (`ms`, `s`, `m`).
    #[arg(long, default_value = "3s", value_parser = parse_delay, env = "CLUSTERDB_READ_WAIT")]
    read_wait: Duration,
    /// Compare the read cache with the store, read directly at one
    /// revision, this often (`s`, `m`, `h`); a difference is logged as an
    /// error and counted in `clusterdb_read_cache_checks_total`. Off by
    /// default: each check reads the whole store.
    #[arg(long, value_name = "INTERVAL", value_parser = parse_delay, env = "CLUSTERDB_READ_CACHE_CHECK")]
    read_cache_check: Option<Duration>,
    /// The configuration file's `webhooks:` block, applied at start.
    #[arg(skip)]
    pub webhooks: Vec<clusterdb::Draft<clusterdb::webhooks::WebhookSpec>>,
}

/// `--webhook-retry-schedule`: the delays before each attempt.
#[derive(Debug, Clone)]
pub struct Schedule(Vec<Duration>);

fn parse_schedule(text: &str) -> Result<Schedule, String> {
    let delays = text
        .split(',')
        .map(|item| parse_delay(item.trim()))
        .collect::<Result<Vec<_>, _>>()?;
    if delays.is_empty() || delays.len() > 32 {
        return Err("expected 1 to 32 delays".into());
    }
    Ok(Schedule(delays))
}

/// `250ms`, `5s`, `5m`, `2h`.
fn parse_delay(text: &str) -> Result<Duration, String> {
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(|| format!("{text:?} needs a unit: ms, s, m or h"))?;
    let (number, unit) = text.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a number with a unit"))?;
    let millis = match unit {
        "ms" => Some(number),
        "s" => number.checked_mul(1000),
        "m" => number.checked_mul(60_000),
        "h" => number.checked_mul(3_600_000),
        _ => return Err(format!("{text:?}: the unit must be ms, s, m or h")),
    };
    millis
        .filter(|ms| *ms <= 7 * 24 * 3_600_000)
        .map(Duration::from_millis)
        .ok_or_else(|| format!("{text:?} is longer than a week"))
}

/// `--rate-limit`: a number per minute, or `off`.
#[derive(Debug, Clone, Copy)]
pub struct RateLimitFlag(Option<u32>);

impl std::str::FromStr for RateLimitFlag {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        if s.eq_ignore_ascii_case("off") {
            return Ok(RateLimitFlag(None));
        }
        match s.parse::<u32>() {
            Ok(n) if n > 0 => Ok(RateLimitFlag(Some(n))),
            _ => Err(format!(
                "expected requests per minute (1 or more) or `off`, not {s:?}"
            )),
        }
    }
}

fn parse_role_limit(text: &str) -> Result<(Role, u32), String> {
    let (role, limit) = text
        .split_once('=')
        .ok_or_else(|| format!("expected ROLE=N, not {text:?}"))?;
    let role = Role::parse(role)
        .ok_or_else(|| format!("unknown role {role:?}: viewer, editor or admin"))?;
    let limit = limit
        .parse::<u32>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| format!("expected a limit of 1 or more, not {limit:?}"))?;
    Ok((role, limit))
}

impl ServeArgs {
    /// How webhooks are delivered.
    fn delivery(&self) -> clusterdb_api::webhooks::DeliveryOptions {
        clusterdb_api::webhooks::DeliveryOptions {
            timeout: Duration::from_secs(self.webhook_timeout.max(1)),
            allow_private: self.webhook_allow_private,
            schedule: self.webhook_retry_schedule.0.clone(),
        }
    }

    /// The rate limits the flags ask for (`None`: off).
    fn rate_limits(&self) -> Option<RateLimits> {
        let per_principal = self.rate_limit.0?;
        Some(RateLimits {
            per_principal,
            per_role: self.rate_limit_role.iter().copied().collect(),
            per_anonymous_ip: self.rate_limit_anonymous.max(1),
        })
    }
}

/// A `--trusted-proxy` value: a CIDR, or one address (a /32 or /128).
fn parse_cidr(text: &str) -> Result<ipnet::IpNet, String> {
    if let Ok(net) = text.parse::<ipnet::IpNet>() {
        return Ok(net);
    }
    text.parse::<std::net::IpAddr>()
        .map(ipnet::IpNet::from)
        .map_err(|_| format!("{text:?} is not a CIDR (such as 10.0.0.0/8) or an IP address"))
}

/// Where the bootstrap admin key of the store at `data` is written:
/// `<data>.admin-key`.
pub fn admin_key_path(data: &Path) -> PathBuf {
    let mut path = data.as_os_str().to_owned();
    path.push(".admin-key");
    PathBuf::from(path)
}

/// Writes `key` alone (one line) to `path`, readable by the owner only.
pub fn write_admin_key(path: &Path, key: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    #[cfg(unix)]
    file.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))
        .with_context(|| format!("cannot restrict {}", path.display()))?;
    writeln!(file, "{key}").with_context(|| format!("cannot write {}", path.display()))?;
    file.sync_all()
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// On a store without users: makes the bootstrap admin and writes its key
/// beside the data file.
async fn bootstrap(db: &ClusterDb, data: &Path) -> anyhow::Result<()> {
    let Some(key) = db
        .identity()
        .bootstrap()
        .await
        .context("creating the bootstrap admin")?
    else {
        return Ok(());
    };
    let path = admin_key_path(data);
    write_admin_key(&path, &key)?;
    tracing::info!(
        path = %path.display(),
        "empty store: created the user `admin` and wrote its API key to this file"
    );
    Ok(())
}

/// The longest drain after the database failed.
const FAILED_DRAIN: Duration = Duration::from_secs(10);

/// How long in-flight requests may finish when the server stops: the whole
/// drain timeout after a signal; at most [`FAILED_DRAIN`] once the
/// database failed (its supervisor should restart it soon).
fn drain_after(failed: bool, drain_timeout: Duration) -> Duration {
    match failed {
        true => drain_timeout.min(FAILED_DRAIN),
        false => drain_timeout,
    }
}

/// Watches SIGINT and SIGTERM from the moment it is made, so a signal that
/// arrives before the server first polls it still stops the server cleanly
/// instead of killing it with the default action.
struct ShutdownSignal {
    #[cfg(unix)]
    terminate: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    interrupt: Option<tokio::signal::unix::Signal>,
}

impl ShutdownSignal {
    /// Installs the handlers now.
    fn install() -> ShutdownSignal {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let watch = |kind: SignalKind, name: &str| match signal(kind) {
                Ok(signal) => Some(signal),
                Err(err) => {
                    tracing::warn!(error = %err, "cannot watch {name}");
                    None
                }
            };
            ShutdownSignal {
                terminate: watch(SignalKind::terminate(), "SIGTERM"),
                interrupt: watch(SignalKind::interrupt(), "SIGINT"),
            }
        }
        #[cfg(not(unix))]
        ShutdownSignal {}
    }

    /// Resolves on SIGINT or SIGTERM.
    async fn received(self) {
        #[cfg(unix)]
        {
            async fn next(signal: Option<tokio::signal::unix::Signal>) {
                match signal {
                    Some(mut signal) => {
                        signal.recv().await;
                    }
                    None => std::future::pending().await,
                }
            }
            tokio::select! {
                () = next(self.terminate) => {}
                () = next(self.interrupt) => {}
            }
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutting down: finishing in-flight requests");
    }
}

/// The database options the flags set.
fn builder(args: &ServeArgs) -> clusterdb::Builder {
    let hours = |h: u64| Duration::from_secs(h.saturating_mul(3600));
    ClusterDb::builder()
        .retention(clusterdb::RetentionPolicy {
            event_max_age: hours(args.event_retention_hours),
            event_max_revisions: args.event_retention_revisions,
            consumer_max_lag: args.consumer_max_lag,
            terminated_instance_ttl: hours(args.terminated_instance_ttl_hours),
            ..clusterdb::RetentionPolicy::default()
        })
        .read_cache(
            (args.read_cache == "on").then(|| clusterdb::ReadCacheOptions {
                max_bytes: usize::try_from(args.read_cache_max_bytes).unwrap_or(usize::MAX),
                wait: args.read_wait,
                ..clusterdb::ReadCacheOptions::default()
            }),
        )
        // A server has no native handlers: it runs WebAssembly.
        .without_runtime(clusterdb::NativeRuntime::NAME)
        .function_limits(clusterdb::compute::FunctionLimits {
            max_concurrent: args.function_concurrency.max(1),
            max_module_bytes: args.function_max_module_bytes,
        })
        .monitoring(clusterdb::monitoring::MonitoringConfig {
            max_series_per_service: args.metrics_max_series_per_service,
            max_series: args.metrics_max_series,
            raw_retention: hours(args.metrics_raw_retention_hours.clamp(1, 24 * 7)),
            evaluation_interval: Duration::from_secs(args.alert_evaluation_interval.max(1)),
            instance: args.listen.to_string(),
            ..Default::default()
        })
}

/// Opens the store `args` name without background work (for `admin`
/// commands, with the server stopped).
pub async fn open_store_for_admin(args: &StoreArgs) -> anyhow::Result<ClusterDb> {
    open_with(args, ClusterDb::builder().reconcile(false)).await
}

/// Opens the store `--store` names, as the server runs it.
async fn open_store(args: &ServeArgs) -> anyhow::Result<ClusterDb> {
    open_with(&args.store, builder(args)).await
}

async fn open_with(args: &StoreArgs, builder: clusterdb::Builder) -> anyhow::Result<ClusterDb> {
    let builder = builder
        .master_key_file(args.master_key_path())
        .allow_insecure_permissions(args.allow_insecure_permissions);
    if !args.allow_insecure_permissions {
        // A bootstrap admin key left where others can read it is a live
        // admin credential.
        let admin_key = admin_key_path(&args.data);
        clusterdb::storage::private_file::check_private(&admin_key)
            .map_err(|err| anyhow::anyhow!("{err} (or pass --allow-insecure-permissions)"))?;
    }
    if let Some(hosts) = args.store.strip_prefix("etcd://") {
        return open_etcd(hosts, &args.etcd_prefix, builder).await;
    }
    if args.store != "redb" {
        bail!(
            "--store must be `redb` or `etcd://host:port[,host:port…]`, not {:?}",
            args.store
        );
    }
    match builder.open(&args.data).await {
        Ok(db) => Ok(db),
        Err(err) if err.is_store_in_use() => bail!(
            "the data file {} is in use by another process",
            args.data.display()
        ),
        Err(err) if err.is_insecure_file() => {
            bail!("{err} (or pass --allow-insecure-permissions)")
        }
        Err(err) => Err(err).with_context(|| format!("cannot open {}", args.data.display())),
    }
}

async fn open_etcd(
    hosts: &str,
    prefix: &str,
    builder: clusterdb::Builder,
) -> anyhow::Result<ClusterDb> {
    let engine = open_etcd_engine(&format!("etcd://{hosts}"), prefix).await?;
    Ok(builder.open_with(engine).await?)
}

/// Connects to the etcd store `store` (`etcd://host:port,…`) under
/// `prefix`, without opening a database on it.
#[cfg(feature = "etcd")]
pub async fn open_etcd_engine(
    store: &str,
    prefix: &str,
) -> anyhow::Result<std::sync::Arc<dyn clusterdb::storage::Engine>> {
    use clusterdb::storage::{EtcdEngine, EtcdOptions};
    let hosts = store.strip_prefix("etcd://").ok_or_else(|| {
        anyhow::anyhow!("--store must be `etcd://host:port[,host:port…]`, not {store:?}")
    })?;
    let endpoints: Vec<String> = hosts
        .split(',')
        .filter(|h| !h.is_empty())
        .map(|h| format!("http://{h}"))
        .collect();
    if endpoints.is_empty() {
        bail!("--store etcd:// needs at least one host:port");
    }
    let options = EtcdOptions {
        prefix: prefix.to_string(),
        ..EtcdOptions::default()
    };
    let engine = EtcdEngine::connect(&endpoints, options)
        .await
        .with_context(|| format!("cannot use etcd at {hosts}"))?;
    Ok(std::sync::Arc::new(engine))
}

/// Without the `etcd` feature: an error saying how to get it.
#[cfg(not(feature = "etcd"))]
pub async fn open_etcd_engine(
    _store: &str,
    _prefix: &str,
) -> anyhow::Result<std::sync::Arc<dyn clusterdb::storage::Engine>> {
    bail!("this clusterdb was built without etcd support; rebuild with `--features etcd`")
}

/// Forgets expired `Idempotency-Key` records, hourly.
async fn sweep_idempotency_keys(db: ClusterDb) {
    let mut every_hour = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        every_hour.tick().await;
        match clusterdb_api::idempotency::sweep_expired(&db).await {
            Ok(0) => {}
            Ok(removed) => tracing::info!(removed, "expired idempotency keys removed"),
            Err(err) => tracing::warn!(error = %err, "sweeping idempotency keys failed"),
        }
    }
}

/// Creates or updates (by URL) the configuration file's webhook endpoints.
async fn apply_configured_webhooks(
    db: &ClusterDb,
    webhooks: &[clusterdb::Draft<clusterdb::webhooks::WebhookSpec>],
) -> anyhow::Result<()> {
    for (i, draft) in webhooks.iter().enumerate() {
        let applied = db
            .webhooks()
            .apply_by_url(draft.clone())
            .await
            .with_context(|| {
                format!(
                    "the configuration file's webhooks[{i}] ({})",
                    draft.spec.url
                )
            })?;
        tracing::info!(
            url = %draft.spec.url,
            id = %applied.object.id(),
            outcome = ?applied.outcome,
            "webhook endpoint from the configuration file"
        );
    }
    Ok(())
}

/// Longest the webhook dispatcher gets to finish an attempt at shutdown
/// (an unfinished one is made again after the restart).
const DISPATCHER_STOP: Duration = Duration::from_secs(5);

/// Runs the webhook dispatcher while this server leads the store's
/// background work (with its fencing token), until the server stops; a
/// failed dispatcher is restarted after a second.
async fn deliver_webhooks(
    db: ClusterDb,
    options: clusterdb_api::webhooks::DeliveryOptions,
    stopped: tokio::sync::watch::Receiver<bool>,
) {
    let sender = Arc::new(clusterdb_api::webhooks::Sender::new(options));
    db.while_leader(stopped, |leader, ended| {
        let (db, sender) = (db.clone(), Arc::clone(&sender));
        async move {
            tracing::info!(term = leader.term, "delivering webhooks");
            if let Err(err) =
                clusterdb_api::webhooks::run(db, sender, Some(leader.fence), ended).await
            {
                tracing::warn!(error = %err, "the webhook dispatcher failed; restarting it");
            }
        }
    })
    .await;
}

/// Runs the server until a shutdown signal.
pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let listener = TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let grpc_listener = match args.grpc_listen {
        Some(address) => Some(
            TcpListener::bind(address)
                .await
                .with_context(|| format!("cannot listen on {address}"))?,
        ),
        None => None,
    };
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(Tls::new(cert.clone(), key.clone())?),
        _ => None,
    };
    let scheme = if tls.is_some() { "https" } else { "http" };
    let db = open_store(&args).await?;
    let address = listener.local_addr().context("no local address")?;
    bootstrap(&db, &args.store.data).await?;
    apply_configured_webhooks(&db, &args.webhooks).await?;
    // Turns true when the server stops: live streams end, the drain ends.
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let config = RestConfig {
        shutdown: Some(stopped.clone()),
        body_limit: args.body_limit,
        max_in_flight: args.max_in_flight,
        rate_limits: args.rate_limits(),
        issuer: args
            .issuer
            .clone()
            .unwrap_or_else(|| format!("{scheme}://{address}")),
        access_token_lifetime: Duration::from_secs(args.access_token_ttl),
        webhooks: args.delivery(),
        metrics_public: args.metrics_public,
        ui: args.ui == "on",
        trusted_proxies: args.trusted_proxy.clone(),
        ..RestConfig::default()
    };
    // The token signing key is made on the first start.
    db.tokens(config.issuer.clone())
        .await
        .context("opening the token signing keys")?;
    let limits = Limits {
        max_connections: args.max_connections,
        header_timeout: Duration::from_secs(args.header_timeout.max(1)),
        drain_timeout: Duration::from_secs(args.drain_timeout),
    };
    let app = clusterdb_api::app(db.clone(), &config).await;
    let shutdown = ShutdownSignal::install();
    tracing::info!(%address, store = %args.store.store, "serving REST and gRPC");
    // Lines tools and tests can wait for.
    println!("listening on {scheme}://{address}");
    if let Some(tls) = &tls {
        tokio::spawn(Arc::clone(tls).reload_on_sighup());
    }
    let sweeper = tokio::spawn(sweep_idempotency_keys(db.clone()));
    let own_metrics = tokio::spawn(clusterdb_api::metrics::sample_own_metrics(
        db.clone(),
        address.to_string(),
        db.monitoring().config().sample_interval,
        stopped.clone(),
    ));
    let dispatcher = tokio::spawn(deliver_webhooks(
        db.clone(),
        args.delivery(),
        stopped.clone(),
    ));
    let backups = args.backup_dir.clone().map(|dir| {
        let schedule = crate::backups::BackupSchedule {
            dir,
            interval: args.backup_interval.max(Duration::from_secs(1)),
            keep: args.backup_keep as usize,
        };
        tokio::spawn(crate::backups::run(db.clone(), schedule, stopped.clone()))
    });
    let cache_check = args.read_cache_check.map(|interval| {
        let interval = interval.max(Duration::from_millis(100));
        tokio::spawn(crate::cache_check::run(
            db.clone(),
            interval,
            stopped.clone(),
        ))
    });
    // How long in-flight requests may finish once the server stops: the
    // drain timeout after a signal, at most FAILED_DRAIN after a failure.
    let drain = Arc::new(std::sync::Mutex::new(limits.drain_timeout));
    let stop_drain = Arc::clone(&drain);
    let grpc_server = match grpc_listener {
        Some(grpc_listener) => {
            let grpc_address = grpc_listener.local_addr().context("no local address")?;
            println!("grpc listening on {scheme}://{grpc_address}");
            let router = clusterdb_api::grpc_app(db.clone(), &config).await;
            let mut stopped = stopped.clone();
            let limits = limits.clone();
            let tls = tls.clone();
            let drain = Arc::clone(&drain);
            Some(tokio::spawn(async move {
                listener::serve(grpc_listener, router, tls, &limits, async move {
                    let _ = stopped.wait_for(|s| *s).await;
                    *drain.lock().unwrap_or_else(|p| p.into_inner())
                })
                .await
            }))
        }
        None => None,
    };
    // Fail-stop: a failed store (or a panicked background task) stops the
    // server as a signal does, with a shorter drain, and it exits non-zero
    // for its supervisor to restart it; recovery is the store's on open.
    let (failed_tx, failed_rx) = tokio::sync::oneshot::channel();
    let watched = db.clone();
    let full_drain = limits.drain_timeout;
    let stopping = async move {
        let allowed = tokio::select! {
            () = shutdown.received() => drain_after(false, full_drain),
            reason = watched.failed() => {
                let allowed = drain_after(true, full_drain);
                tracing::error!(
                    %reason,
                    drain_s = allowed.as_secs(),
                    "the database failed; finishing in-flight requests, then exiting for a restart"
                );
                let _ = failed_tx.send(reason);
                allowed
            }
        };
        // Set before the stop is sent: the gRPC listener reads it then.
        *stop_drain.lock().unwrap_or_else(|p| p.into_inner()) = allowed;
        let _ = stop.send(true);
        allowed
    };
    listener::serve(listener, app, tls, &limits, stopping).await;
    if let Some(grpc_server) = grpc_server {
        grpc_server.await.context("the gRPC server task failed")?;
    }
    sweeper.abort();
    own_metrics.abort();
    if let Some(backups) = backups {
        backups.abort();
    }
    if let Some(cache_check) = cache_check {
        cache_check.abort();
    }
    let dispatcher_abort = dispatcher.abort_handle();
    if tokio::time::timeout(DISPATCHER_STOP, dispatcher)
        .await
        .is_err()
    {
        dispatcher_abort.abort();
    }
    if let Ok(reason) = failed_rx.await {
        // No clean close: a failed store refuses it, and a panicked one
        // may not survive it. The process exit releases the file.
        bail!("the database failed: {reason}");
    }
    db.close().await.context("closing the data file")?;
    tracing::info!("stopped");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A failed database drains for at most 10 s, a signal for the whole
    /// `--drain-timeout` (the failure's shorter drain used to be computed
    /// and then not used).
    #[test]
    fn a_failure_shortens_the_drain_and_a_signal_does_not() {
        let long = Duration::from_secs(30);
        assert_eq!(drain_after(false, long), long);
        assert_eq!(drain_after(true, long), FAILED_DRAIN);
        let short = Duration::from_secs(3);
        assert_eq!(drain_after(true, short), short);
    }
}
