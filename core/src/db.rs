//! [`ClusterDb`]: the handle an application opens, and its options.

use std::path::Path;
use std::sync::{Arc, Mutex};

use clusterdb_storage::{Engine, RedbEngine, RedbOptions};
use tokio::task::JoinHandle;

use crate::compute::{
    FleetKind, FunctionKind, FunctionRuntime, InstanceKind, InstanceTypeCatalog, NativeRuntime,
};
use crate::error::{Error, Result};
use crate::event::Events;
use crate::idempotency::IdempotencyRecords;
use crate::kinds::KindRegistry;
use crate::reconciler;
use crate::resource::Kind;
use crate::resources::Resources;
use crate::store::Store;
use crate::validation::Context;

/// Background tasks; aborted when the last handle goes away.
struct Tasks(Mutex<Vec<JoinHandle<()>>>);

impl Tasks {
    fn take(&self) -> Vec<JoinHandle<()>> {
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
}

/// Options for opening a [`ClusterDb`]; start with [`ClusterDb::builder`].
pub struct Builder {
    instance_types: InstanceTypeCatalog,
    runtimes: Vec<Arc<dyn FunctionRuntime>>,
    reconcile: bool,
    redb: RedbOptions,
    kinds: KindRegistry,
}

impl Builder {
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

    /// Registers a resource kind the application defines, so that
    /// `resources::<K>()` may write it and event consumers read its events.
    /// ClusterDB's own kinds are always registered.
    pub fn kind<K: Kind>(mut self) -> Self {
        self.kinds.register::<K>();
        self
    }

    /// Whether this process runs the reconcilers (default `true`). Turn it
    /// off where another process reconciles the same store.
    pub fn reconcile(mut self, enabled: bool) -> Self {
        self.reconcile = enabled;
        self
    }

    /// Tuning of the redb engine used by [`Builder::open`].
    pub fn redb_options(mut self, options: RedbOptions) -> Self {
        self.redb = options;
        self
    }

    /// Opens (creating if absent) the data file at `path`.
    pub async fn open(self, path: impl AsRef<Path>) -> Result<ClusterDb> {
        let path = path.as_ref().to_path_buf();
        let options = self.redb.clone();
        let engine = tokio::task::spawn_blocking(move || RedbEngine::open(path, options))
            .await
            .map_err(|err| Error::Internal(err.to_string()))??;
        self.open_with(Arc::new(engine)).await
    }

    /// Opens a fresh database that lives in memory only.
    pub async fn open_in_memory(self) -> Result<ClusterDb> {
        self.open_with(Arc::new(RedbEngine::in_memory())).await
    }

    /// Opens a database on any storage engine.
    pub async fn open_with(self, engine: Arc<dyn Engine>) -> Result<ClusterDb> {
        let store = Arc::new(Store {
            engine,
            context: Context {
                instance_types: self.instance_types,
                runtimes: self.runtimes,
            },
            kinds: Arc::new(self.kinds),
            invocations: Default::default(),
        });
        let mut tasks = Vec::new();
        if self.reconcile {
            tasks.push(tokio::spawn(reconciler::run(Arc::clone(&store))));
        }
        Ok(ClusterDb {
            store,
            tasks: Arc::new(Tasks(Mutex::new(tasks))),
        })
    }
}

impl ClusterDb {
    /// Options for opening a database.
    pub fn builder() -> Builder {
        Builder {
            instance_types: InstanceTypeCatalog::default(),
            runtimes: vec![Arc::new(NativeRuntime::new())],
            reconcile: true,
            redb: RedbOptions::default(),
            kinds: KindRegistry::builtin(),
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
        Resources::new(Arc::clone(&self.store))
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

    /// Records of idempotent API requests.
    pub fn idempotency(&self) -> IdempotencyRecords {
        IdempotencyRecords::new(Arc::clone(&self.store))
    }

    /// Stops the background tasks, finishes pending writes and releases the
    /// store (for a file: its lock). Every clone of this handle stops
    /// working.
    pub async fn close(self) -> Result<()> {
        for task in self.tasks.take() {
            task.abort();
            // A cancelled task reports a JoinError; that is the point.
            let _ = task.await;
        }
        Ok(self.store.engine.close().await?)
    }
}
