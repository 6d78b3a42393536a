//! [`ClusterDb`]: the handle an application opens, and its options.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use clusterdb_storage::{Engine, RedbEngine, RedbOptions};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::compute::{
    FleetKind, FunctionKind, FunctionRuntime, InstanceKind, InstanceTypeCatalog, NativeRuntime,
};
use crate::error::{Error, Result};
use crate::event::Events;
use crate::idempotency::IdempotencyRecords;
use crate::identity::{AccessTokens, GroupKind, Identity, UserKind};
use crate::kind::Kind;
use crate::reconciler;
use crate::registry::KindRegistry;
use crate::resources::Resources;
use crate::retention::{self, RetentionPolicy, RetentionReport, SweepPosition};
use crate::store::Store;
use crate::validation::Context;

/// Marks the database failed when its engine fails.
async fn forward_engine_failure(store: Arc<Store>) {
    let mut failure = store.engine.failure();
    // An engine that never fails drops its sender: nothing to forward.
    let reason = failure
        .wait_for(Option::is_some)
        .await
        .map(|reason| reason.clone().unwrap_or_default());
    if let Ok(reason) = reason {
        store.fail(format!("the store failed: {reason}"));
    }
}

/// A background task: its handle, and what stops it. A supervised task
/// runs inside its watcher's handle, so both must be aborted.
struct Task {
    handle: JoinHandle<()>,
    also_abort: Option<tokio::task::AbortHandle>,
}

impl Task {
    fn plain(handle: JoinHandle<()>) -> Self {
        Task {
            handle,
            also_abort: None,
        }
    }

    fn abort(&self) {
        self.handle.abort();
        if let Some(inner) = &self.also_abort {
            inner.abort();
        }
    }
}

/// Runs a background task so that its panic is never silent: the database
/// is marked failed.
fn supervise(
    name: &'static str,
    task: impl Future<Output = ()> + Send + 'static,
    store: &Arc<Store>,
) -> Task {
    let task = tokio::spawn(task);
    let inner = task.abort_handle();
    let store = Arc::clone(store);
    let watcher = tokio::spawn(async move {
        // Finished (the store closed) or cancelled (close): nothing to say.
        if let Err(err) = task.await
            && err.is_panic()
        {
            let panic = err.into_panic();
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            store.fail(format!("the {name} panicked: {message}"));
        }
    });
    Task {
        handle: watcher,
        also_abort: Some(inner),
    }
}

/// Runs `work` until `ended` turns true (work that runs forever, stopped
/// at the end of a leadership term).
async fn until(mut ended: watch::Receiver<bool>, work: impl Future<Output = ()>) {
    tokio::select! {
        () = work => {}
        _ = ended.wait_for(|ended| *ended) => {}
    }
}

/// Background tasks; aborted when the last handle goes away.
struct Tasks(Mutex<Vec<Task>>);

impl Tasks {
    fn take(&self) -> Vec<Task> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

impl Drop for Tasks {
    fn drop(&mut self) {
        for task in self.take() {
            task.abort();
        }
    }
}

/// An open ClusterDB. Cheap to clone; all clones share one store.
///
/// Opening needs a Tokio runtime: the fleet reconciler runs as a task on it.
#[derive(Clone)]
pub struct ClusterDb {
    store: Arc<Store>,
    tasks: Arc<Tasks>,
    /// Who writes through this handle.
    actor: crate::actor::Actor,
}

/// Options for opening a [`ClusterDb`]; start with [`ClusterDb::builder`].
pub struct Builder {
    instance_types: InstanceTypeCatalog,
    runtimes: Vec<Arc<dyn FunctionRuntime>>,
    function_limits: crate::compute::FunctionLimits,
    reconcile: bool,
    redb: RedbOptions,
    kinds: KindRegistry,
    retention: RetentionPolicy,
    monitoring: crate::monitoring::MonitoringConfig,
    master_key: Option<crate::MasterKey>,
    master_key_file: Option<PathBuf>,
    allow_insecure_permissions: bool,
    read_cache: Option<clusterdb_storage::ReadCacheOptions>,
}

impl Builder {
    /// The master key the store's secrets are sealed under (token signing
    /// keys, webhook secrets, idempotency records). Without one,
    /// [`Builder::open`] uses the key file beside the data file
    /// ([`crate::default_key_file`], created with the store), and the other
    /// ways of opening use [`Builder::master_key_file`] if given, else a
    /// key that lives as long as this process (fine for a store that does
    /// too, such as one in memory). A store sealed under another key is
    /// refused.
    pub fn master_key(mut self, key: crate::MasterKey) -> Self {
        self.master_key = Some(key);
        self
    }

    /// The master key file (mode 0600): read if it exists; created with a
    /// fresh key if it does not and the store has no secrets sealed yet.
    /// Every process of a shared store needs the same file.
    pub fn master_key_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.master_key_file = Some(path.into());
        self
    }

    /// Open a data file and key file that other users may read or write
    /// (refused by default).
    pub fn allow_insecure_permissions(mut self, allow: bool) -> Self {
        self.allow_insecure_permissions = allow;
        self
    }

    /// Replaces the built-in instance-type catalog.
    pub fn instance_types(mut self, catalog: InstanceTypeCatalog) -> Self {
        self.instance_types = catalog;
        self
    }

    /// Registers a function runtime, replacing one of the same name (such
    /// as the default, handler-less `native` runtime).
    pub fn runtime(mut self, runtime: Arc<dyn FunctionRuntime>) -> Self {
        self.runtimes.retain(|r| r.name() != runtime.name());
        self.runtimes.push(runtime);
        self
    }

    /// Removes the runtime called `name` (a server offers only `wasm`: it
    /// has no native handlers to run).
    pub fn without_runtime(mut self, name: &str) -> Self {
        self.runtimes.retain(|r| r.name() != name);
        self
    }

    /// Server-wide function limits: invocations at once, module size.
    pub fn function_limits(mut self, limits: crate::compute::FunctionLimits) -> Self {
        self.function_limits = limits;
        self
    }

    /// Registers a resource kind the application defines, so that
    /// `resources::<K>()` may write it and event consumers read its events.
    /// ClusterDB's own kinds are always registered.
    pub fn kind<K: Kind>(mut self) -> Self {
        self.kinds.register::<K>();
        self
    }

    /// What the store keeps (events, terminated instances); applied by the
    /// retention worker, which runs where the reconcilers run.
    pub fn retention(mut self, policy: RetentionPolicy) -> Self {
        self.retention = policy;
        self
    }

    /// How the metrics history is kept and bounded, and how often alert
    /// rules are evaluated.
    pub fn monitoring(mut self, config: crate::monitoring::MonitoringConfig) -> Self {
        self.monitoring = config;
        self
    }

    /// Whether this process runs the background workers — the reconcilers
    /// and retention (default `true`). Turn it off where another process
    /// runs them on the same store.
    pub fn reconcile(mut self, enabled: bool) -> Self {
        self.reconcile = enabled;
        self
    }

    /// The read cache (on by default): reads served from memory at the
    /// caller's freshness (see [`crate::freshness`]); `None` turns it off,
    /// and every read goes to the engine. The cached prefixes are core's
    /// own (`prefixes` is ignored). An engine without a change feed runs
    /// without a cache.
    pub fn read_cache(mut self, options: Option<clusterdb_storage::ReadCacheOptions>) -> Self {
        self.read_cache = options;
        self
    }

    /// Tuning of the redb engine used by [`Builder::open`].
    pub fn redb_options(mut self, options: RedbOptions) -> Self {
        self.redb = options;
        self
    }

    /// Opens (creating if absent, mode 0600) the data file at `path`; its
    /// master key is in `<path>.master-key` unless given otherwise.
    pub async fn open(mut self, path: impl AsRef<Path>) -> Result<ClusterDb> {
        let path = path.as_ref().to_path_buf();
        if self.master_key.is_none() && self.master_key_file.is_none() {
            self.master_key_file = Some(crate::default_key_file(&path));
        }
        let (key, origin) = self.resolve_master_key()?;
        let mut options = self.redb.clone();
        options.allow_insecure_permissions |= self.allow_insecure_permissions;
        let engine = tokio::task::spawn_blocking(move || RedbEngine::open(path, options))
            .await
            .map_err(|err| Error::Internal(err.to_string()))??;
        self.start(Arc::new(engine), key, origin).await
    }

    /// Opens a fresh database that lives in memory only.
    pub async fn open_in_memory(self) -> Result<ClusterDb> {
        self.open_with(Arc::new(RedbEngine::in_memory())).await
    }

    /// Opens a database on any storage engine.
    pub async fn open_with(mut self, engine: Arc<dyn Engine>) -> Result<ClusterDb> {
        let (key, origin) = self.resolve_master_key()?;
        self.start(engine, key, origin).await
    }

    /// The master key this builder opens with, and where it came from.
    fn resolve_master_key(&mut self) -> Result<(crate::MasterKey, crate::sealing::KeyOrigin)> {
        crate::sealing::resolve(
            self.master_key.take(),
            self.master_key_file.take(),
            self.allow_insecure_permissions,
        )
    }

    async fn start(
        self,
        engine: Arc<dyn Engine>,
        master_key: crate::MasterKey,
        origin: crate::sealing::KeyOrigin,
    ) -> Result<ClusterDb> {
        let engine_name = engine.name();
        let (engine, read_cache) = match self.read_cache {
            None => (engine, None),
            Some(mut options) => {
                options.prefixes = crate::keys::cached_prefixes();
                match clusterdb_storage::ReadCache::start(Arc::clone(&engine), options).await {
                    Ok(cache) => {
                        let cache = Arc::new(cache);
                        (Arc::clone(&cache) as Arc<dyn Engine>, Some(cache))
                    }
                    Err(clusterdb_storage::Error::Unsupported(what)) => {
                        tracing::info!(
                            engine = engine.name(),
                            "no read cache: the engine has no {}",
                            what
                        );
                        (engine, None)
                    }
                    Err(err) => {
                        if let Err(close) = engine.close().await {
                            tracing::warn!(error = %close, "closing the store after a refused open failed");
                        }
                        return Err(err.into());
                    }
                }
            }
        };
        let store = Arc::new(Store {
            master_key,
            engine,
            read_cache,
            engine_name,
            context: Context {
                instance_types: self.instance_types,
                runtimes: self.runtimes,
            },
            kinds: Arc::new(self.kinds),
            invocations: Default::default(),
            function_limits: self.function_limits,
            grants: crate::identity::check_grant,
            principals: Default::default(),
            mesh: Default::default(),
            markers: Default::default(),
            history: crate::monitoring::History::new(self.monitoring),
            failure: watch::channel(None).0,
            leadership: watch::channel(None).0,
            reconciler_cursor: Default::default(),
            oldest_event: Default::default(),
        });
        if let Err(err) = crate::sealing::establish(&store, origin).await {
            // Let go of the store (a redb file's lock) before saying no.
            if let Err(close) = store.engine.close().await {
                tracing::warn!(error = %close, "closing the store after a refused open failed");
            }
            return Err(err);
        }
        let mut tasks = vec![
            Task::plain(tokio::spawn(forward_engine_failure(Arc::clone(&store)))),
            supervise(
                "metrics history flush",
                crate::monitoring::run_flush(Arc::clone(&store)),
                &store,
            ),
        ];
        if self.reconcile {
            // The background work runs on the elected process only.
            let campaign = crate::leader::campaign(Arc::clone(&store));
            tasks.push(supervise("leader election", campaign, &store));
            let never = watch::channel(false).1;
            let elected = Arc::clone(&store);
            let reconciler = crate::leader::while_leader(
                store.leadership.subscribe(),
                never.clone(),
                move |_, ended| until(ended, reconciler::run(Arc::clone(&elected))),
            );
            tasks.push(supervise("fleet reconciler", reconciler, &store));
            let elected = Arc::clone(&store);
            let policy = self.retention;
            let retention = crate::leader::while_leader(
                store.leadership.subscribe(),
                never,
                move |_, ended| until(ended, retention::run(Arc::clone(&elected), policy.clone())),
            );
            tasks.push(supervise("retention worker", retention, &store));
            let elected = Arc::clone(&store);
            let monitoring = crate::leader::while_leader(
                store.leadership.subscribe(),
                watch::channel(false).1,
                move |leader, ended| {
                    until(
                        ended,
                        crate::monitoring::run_elected(Arc::clone(&elected), Some(leader.fence)),
                    )
                },
            );
            tasks.push(supervise("alert evaluator", monitoring, &store));
        }
        Ok(ClusterDb {
            store,
            tasks: Arc::new(Tasks(Mutex::new(tasks))),
            actor: crate::actor::Actor::system(),
        })
    }
}

/// The runtimes a library build offers: `native` (handlers the
/// application registers) and, with the `wasm` feature, `wasm`.
fn default_runtimes() -> Vec<Arc<dyn FunctionRuntime>> {
    vec![
        Arc::new(NativeRuntime::new()),
        #[cfg(feature = "wasm")]
        Arc::new(crate::compute::WasmRuntime::new()),
    ]
}

impl ClusterDb {
    /// Options for opening a database.
    pub fn builder() -> Builder {
        Builder {
            instance_types: InstanceTypeCatalog::default(),
            runtimes: default_runtimes(),
            function_limits: Default::default(),
            reconcile: true,
            redb: RedbOptions::default(),
            kinds: crate::builtin::builtin_kinds(),
            retention: RetentionPolicy::default(),
            monitoring: Default::default(),
            master_key: None,
            master_key_file: None,
            allow_insecure_permissions: false,
            read_cache: Some(clusterdb_storage::ReadCacheOptions::default()),
        }
    }

    /// Opens (creating if absent) the data file at `path`, with defaults.
    pub async fn open(path: impl AsRef<Path>) -> Result<ClusterDb> {
        Self::builder().open(path).await
    }

    /// Opens a fresh in-memory database, with defaults.
    pub async fn open_in_memory() -> Result<ClusterDb> {
        Self::builder().open_in_memory().await
    }

    /// Opens a database on any storage engine, with defaults.
    pub async fn open_with(engine: Arc<dyn Engine>) -> Result<ClusterDb> {
        Self::builder().open_with(engine).await
    }

    /// The service of one resource kind (it must be registered: see
    /// [`Builder::kind`]).
    pub fn resources<K: Kind>(&self) -> Resources<K> {
        Resources::new(Arc::clone(&self.store), self.actor.clone())
    }

    /// This database, writing as `actor` (a user id, an OAuth client id):
    /// resources record it as `created_by` / `updated_by`, events as their
    /// actor. A handle from `open` writes as [`crate::SYSTEM_ACTOR`]. It is
    /// trusted: it checks nothing (see [`ClusterDb::acting_for`]).
    pub fn acting_as(&self, actor: impl Into<Arc<str>>) -> ClusterDb {
        ClusterDb {
            actor: crate::actor::Actor::named(actor),
            ..self.clone()
        }
    }

    /// This database, writing as the authenticated `principal` (its id is
    /// the actor), on its authority: an identity write that would give a
    /// credential a permission the principal does not hold is refused
    /// with `PERMISSION_DENIED` ([`crate::identity::authorize_grant`]).
    /// The servers use it per request. Which kinds and verbs the principal
    /// may use at all is still the caller's to check
    /// ([`crate::identity::authorize`]).
    /// A principal already shared (`Arc<Principal>`, as authentication
    /// returns it) is shared, not copied.
    pub fn acting_for(&self, principal: impl Into<Arc<crate::identity::Principal>>) -> ClusterDb {
        ClusterDb {
            actor: crate::actor::Actor::principal(principal.into()),
            ..self.clone()
        }
    }

    /// Who this handle writes as.
    pub fn actor(&self) -> &str {
        &self.actor
    }

    /// Fleets: `resources::<FleetKind>()`.
    pub fn fleets(&self) -> Resources<FleetKind> {
        self.resources()
    }

    /// Instances: `resources::<InstanceKind>()`.
    pub fn instances(&self) -> Resources<InstanceKind> {
        self.resources()
    }

    /// Functions: `resources::<FunctionKind>()`.
    pub fn functions(&self) -> Resources<FunctionKind> {
        self.resources()
    }

    /// Users: `resources::<UserKind>()`.
    pub fn users(&self) -> Resources<UserKind> {
        self.resources()
    }

    /// Groups: `resources::<GroupKind>()`.
    pub fn groups(&self) -> Resources<GroupKind> {
        self.resources()
    }

    /// Virtual services: `resources::<VirtualServiceKind>()`.
    pub fn virtual_services(&self) -> Resources<crate::mesh::VirtualServiceKind> {
        self.resources()
    }

    /// Security policies: `resources::<SecurityPolicyKind>()`.
    pub fn security_policies(&self) -> Resources<crate::mesh::SecurityPolicyKind> {
        self.resources()
    }

    /// The mesh's evaluation: route resolution and policy checks.
    pub fn mesh(&self) -> crate::mesh::Mesh {
        crate::mesh::Mesh::new(std::sync::Arc::clone(&self.store))
    }

    /// This process's current term as leader of the background work
    /// (`None` while another process leads, or when background work is
    /// off).
    pub fn leadership(&self) -> watch::Receiver<Option<crate::Leader>> {
        self.store.leadership.subscribe()
    }

    /// Runs `work` for every term this process leads the store's
    /// background work (see [`ClusterDb::leadership`]), with the term (its
    /// fencing token) and a signal that turns true when the term ends.
    /// Returns once `shutdown` turns true and the current work has
    /// stopped. Without background work ([`Builder::reconcile`] off) there
    /// are no terms, so `work` never runs.
    pub async fn while_leader<F, Fut>(&self, shutdown: watch::Receiver<bool>, work: F)
    where
        F: FnMut(crate::Leader, watch::Receiver<bool>) -> Fut,
        Fut: std::future::Future<Output = ()>,
    {
        crate::leader::while_leader(self.store.leadership.subscribe(), shutdown, work).await;
    }

    /// The metrics history, alert rules, silences and alerts.
    pub fn monitoring(&self) -> crate::monitoring::Monitoring {
        crate::monitoring::Monitoring::new(Arc::clone(&self.store), self.actor.clone())
    }

    /// Webhook endpoints and their delivery records.
    pub fn webhooks(&self) -> crate::webhooks::Webhooks {
        crate::webhooks::Webhooks::new(Arc::clone(&self.store), self.actor.clone())
    }

    /// Authentication, API keys and bootstrap.
    pub fn identity(&self) -> Identity {
        Identity::new(Arc::clone(&self.store), self.actor.clone())
    }

    /// Access tokens of `issuer` (the server's public URL): issues and
    /// verifies them with the signing keys in the store, making the first
    /// key if there is none.
    pub async fn tokens(&self, issuer: impl Into<String>) -> Result<AccessTokens> {
        AccessTokens::open(Arc::clone(&self.store), issuer.into()).await
    }

    /// What validation consults: the instance-type catalog and the
    /// function runtimes.
    pub fn context(&self) -> &Context {
        &self.store.context
    }

    /// The event log.
    pub fn events(&self) -> Events {
        Events::new(
            Arc::clone(&self.store.engine),
            Arc::clone(&self.store.kinds),
        )
    }

    /// `Some(reason)` once the database has failed for good — its engine
    /// failed (after which it accepts no writes), or a background task
    /// such as the reconciler panicked. A server should stop serving and
    /// exit so its supervisor restarts it.
    pub fn failure(&self) -> Option<String> {
        self.store.failure.borrow().clone()
    }

    /// Resolves with the reason once the database has failed for good (see
    /// [`ClusterDb::failure`]); never resolves otherwise.
    pub async fn failed(&self) -> String {
        let mut failure = self.store.failure.subscribe();
        let reason = failure
            .wait_for(Option::is_some)
            .await
            .map(|reason| reason.clone().unwrap_or_default());
        match reason {
            Ok(reason) => reason,
            // The store is gone with this handle; nothing will fail now.
            Err(_) => std::future::pending().await,
        }
    }

    /// The storage engine's name: `redb`, `etcd`, … (whether or not the
    /// read cache is in front of it).
    pub fn engine_name(&self) -> &'static str {
        self.store.engine_name
    }

    /// The read cache's figures, if it is on.
    pub fn read_cache_stats(&self) -> Option<clusterdb_storage::ReadCacheStats> {
        self.store.read_cache.as_ref().map(|cache| cache.stats())
    }

    /// Compares the read cache with the store read directly at one
    /// revision (the inconsistency detector); `None` when the cache is off.
    pub async fn verify_read_cache(&self) -> Result<Option<clusterdb_storage::Verification>> {
        match &self.store.read_cache {
            Some(cache) => Ok(Some(cache.verify().await?)),
            None => Ok(None),
        }
    }

    /// The storage engine's write figures (commits, latency, batch sizes,
    /// queue) since it opened; from memory.
    pub fn write_stats(&self) -> Option<clusterdb_storage::WriteStats> {
        self.store.engine.write_stats()
    }

    /// The fleet reconciler's cursor as this process last saved or read
    /// it — `None` where the reconciler has not run (not the leader, or
    /// reconcile off). The head revision minus it is the reconciler's lag.
    pub fn reconciler_cursor(&self) -> Option<u64> {
        self.store.reconciler_cursor.get()
    }

    /// The oldest revision the event log keeps, as the last retention
    /// step in this process found it (`None` where retention has not run:
    /// not the leader, or reconcile off).
    pub fn oldest_retained_revision(&self) -> Option<u64> {
        self.store.oldest_event.get()
    }

    /// The server-wide function limits this database was opened with.
    pub fn function_limits(&self) -> crate::compute::FunctionLimits {
        self.store.function_limits
    }

    /// Runs one retention step with `policy` now (the worker does this on
    /// its own; this is for operators and tests): compacts at most
    /// [`crate::EVENTS_PER_STEP`] events and looks at most at
    /// [`crate::INSTANCES_PER_STEP`] terminated instances.
    pub async fn apply_retention(&self, policy: &RetentionPolicy) -> Result<RetentionReport> {
        retention::step(&self.store, policy, &mut SweepPosition::default()).await
    }

    /// The durable consumers of the event log (the fleet reconciler, …) and
    /// the revision each has saved as processed. The head revision minus a
    /// cursor is that consumer's lag (saved at least every second while it
    /// works).
    pub async fn consumer_cursors(&self) -> Result<Vec<(String, u64)>> {
        retention::consumer_cursors(&self.store).await
    }

    /// Records of idempotent API requests.
    pub fn idempotency(&self) -> IdempotencyRecords {
        IdempotencyRecords::new(Arc::clone(&self.store))
    }

    /// Writes a consistent snapshot of the whole store — every object,
    /// index and system record at one revision, then the retained event
    /// log — to `out` in the format of [`crate::backup`], while writers go
    /// on. Check it with [`crate::backup::verify`]; restore it with
    /// [`crate::backup::restore`].
    pub async fn snapshot<W>(
        &self,
        out: &mut W,
        options: &crate::backup::SnapshotOptions,
    ) -> Result<crate::backup::SnapshotSummary>
    where
        W: tokio::io::AsyncWrite + Unpin + Send + ?Sized,
    {
        Ok(self.begin_snapshot(options).await?.write_to(out).await?)
    }

    /// Pins a snapshot at the current revision without writing it yet: its
    /// header (the revision) is known before the first byte goes out. The
    /// metric samples this process holds unflushed are flushed first, so
    /// the snapshot has every sample pushed here before it.
    pub async fn begin_snapshot(
        &self,
        options: &crate::backup::SnapshotOptions,
    ) -> Result<crate::backup::PendingSnapshot> {
        self.monitoring().flush().await?;
        Ok(crate::backup::take::begin(&self.store.engine, &self.store.kinds, options).await?)
    }

    /// Stops the background tasks, finishes pending writes and releases the
    /// store (for a file: its lock). Every clone of this handle stops
    /// working.
    pub async fn close(self) -> Result<()> {
        // Pushed samples not yet written go now.
        if let Err(err) = self.monitoring().flush().await {
            tracing::warn!(error = %err, "writing the metrics history at close failed");
        }
        for task in self.tasks.take() {
            task.abort();
            // A cancelled task reports a JoinError; that is the point.
            let _ = task.handle.await;
        }
        Ok(self.store.engine.close().await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panicking_background_task_fails_the_database() {
        let db = ClusterDb::builder()
            .reconcile(false)
            .open_in_memory()
            .await
            .unwrap();
        assert_eq!(db.failure(), None);
        let task = supervise("test task", async { panic!("oops") }, &db.store);
        db.tasks.0.lock().unwrap().push(task);
        let reason = tokio::time::timeout(std::time::Duration::from_secs(10), db.failed())
            .await
            .unwrap();
        assert_eq!(reason, "the test task panicked: oops");
        assert_eq!(db.failure(), Some(reason));
        db.close().await.unwrap();
    }
}
