//! [`ClusterDb`]: the handle an application opens, and its options.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clusterdb_storage::{Engine, RedbEngine, RedbOptions};
use tokio::task::JoinHandle;

use crate::compute::{
    FleetKind, FunctionKind, FunctionRuntime, FunctionStats, InstanceKind, InstanceTypeCatalog,
    Invocation, NativeRuntime,
};
use crate::error::{Error, Result};
use crate::event::Events;
use crate::reconciler;
use crate::resources::Resources;
use crate::validation::Context;

/// State shared by every service of one open database.
pub(crate) struct Shared {
    pub engine: Arc<dyn Engine>,
    pub context: Context,
    stats: Mutex<HashMap<String, FunctionStats>>,
}

impl Shared {
    pub fn record_invocation(&self, id: &str, result: &Result<Invocation>, duration: Duration) {
        let mut stats = self.stats.lock().unwrap_or_else(|p| p.into_inner());
        let entry = stats.entry(id.to_string()).or_default();
        entry.invocations += 1;
        entry.total_duration += duration;
        match result {
            Ok(_) => {}
            Err(Error::FunctionTimedOut { .. }) => entry.timeouts += 1,
            Err(_) => entry.errors += 1,
        }
    }

    pub fn function_stats(&self, id: &str) -> FunctionStats {
        let stats = self.stats.lock().unwrap_or_else(|p| p.into_inner());
        stats.get(id).copied().unwrap_or_default()
    }
}

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
    shared: Arc<Shared>,
    tasks: Arc<Tasks>,
}

/// Options for opening a [`ClusterDb`]; start with [`ClusterDb::builder`].
pub struct Builder {
    instance_types: InstanceTypeCatalog,
    runtimes: Vec<Arc<dyn FunctionRuntime>>,
    reconcile: bool,
    redb: RedbOptions,
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
        let shared = Arc::new(Shared {
            engine,
            context: Context {
                instance_types: self.instance_types,
                runtimes: self.runtimes,
            },
            stats: Mutex::new(HashMap::new()),
        });
        let mut tasks = Vec::new();
        if self.reconcile {
            tasks.push(tokio::spawn(reconciler::run(Arc::clone(&shared))));
        }
        Ok(ClusterDb {
            shared,
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

    /// Fleets.
    pub fn fleets(&self) -> Resources<FleetKind> {
        Resources::new(Arc::clone(&self.shared))
    }

    /// Instances.
    pub fn instances(&self) -> Resources<InstanceKind> {
        Resources::new(Arc::clone(&self.shared))
    }

    /// Functions.
    pub fn functions(&self) -> Resources<FunctionKind> {
        Resources::new(Arc::clone(&self.shared))
    }

    /// The event log.
    pub fn events(&self) -> Events {
        Events::new(Arc::clone(&self.shared.engine))
    }

    /// The storage engine underneath.
    pub fn engine(&self) -> &Arc<dyn Engine> {
        &self.shared.engine
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
        Ok(self.shared.engine.close().await?)
    }
}
