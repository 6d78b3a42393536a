//! Engine conformance tests: every test is written once against the
//! [`Engine`] contract and run on each engine through a [`Harness`].

mod conformance;
#[cfg(feature = "etcd")]
mod etcd;
mod faults;
mod model;
mod read_cache;
mod redb_file;

use std::path::PathBuf;
use std::sync::Arc;

use clusterdb_storage::{Engine, RedbEngine, RedbOptions};

/// Makes engines for the generic tests and can reopen them.
pub trait Harness: Send {
    /// The engine under test.
    fn engine(&self) -> Arc<dyn Engine>;
    /// Closes and reopens the store; state must survive where the engine
    /// is persistent. Returns whether it is persistent.
    fn reopen(&mut self) -> impl std::future::Future<Output = bool> + Send;
}

/// The redb engine on a file in a temporary directory.
pub struct RedbFile {
    _dir: tempfile::TempDir,
    path: PathBuf,
    engine: Arc<RedbEngine>,
}

impl RedbFile {
    /// A durable store in a fresh temporary directory.
    pub fn durable() -> Self {
        Self::with_options(RedbOptions::default())
    }

    /// Non-durable commits: same code paths, faster for many-case proptests.
    pub fn fast() -> Self {
        Self::with_options(RedbOptions {
            durable: false,
            ..RedbOptions::default()
        })
    }

    fn with_options(options: RedbOptions) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.redb");
        let engine = Arc::new(RedbEngine::open(&path, options).unwrap());
        RedbFile {
            _dir: dir,
            path,
            engine,
        }
    }
}

impl Harness for RedbFile {
    fn engine(&self) -> Arc<dyn Engine> {
        self.engine.clone()
    }

    async fn reopen(&mut self) -> bool {
        self.engine.close().await.unwrap();
        self.engine = Arc::new(RedbEngine::open(&self.path, RedbOptions::default()).unwrap());
        true
    }
}

/// The redb engine in memory.
pub struct RedbMemory(Arc<RedbEngine>);

impl RedbMemory {
    /// A fresh in-memory store.
    pub fn fresh() -> Self {
        RedbMemory(Arc::new(RedbEngine::in_memory()))
    }
}

impl Harness for RedbMemory {
    fn engine(&self) -> Arc<dyn Engine> {
        self.0.clone()
    }

    async fn reopen(&mut self) -> bool {
        false
    }
}

/// An etcd engine on its own single-member etcd, under a fresh prefix.
#[cfg(feature = "etcd")]
pub struct EtcdStore {
    cluster: clusterdb_testkit::EtcdCluster,
    options: clusterdb_storage::EtcdOptions,
    engine: Arc<clusterdb_storage::EtcdEngine>,
}

#[cfg(feature = "etcd")]
impl EtcdStore {
    /// Starts etcd and connects.
    pub async fn start() -> Self {
        let cluster = tokio::task::spawn_blocking(|| clusterdb_testkit::EtcdCluster::start(1))
            .await
            .unwrap();
        let options = clusterdb_storage::EtcdOptions {
            prefix: "/conformance/".into(),
            ..Default::default()
        };
        let engine = clusterdb_storage::EtcdEngine::connect(&cluster.endpoints(), options.clone())
            .await
            .unwrap();
        EtcdStore {
            cluster,
            options,
            engine: Arc::new(engine),
        }
    }
}

#[cfg(feature = "etcd")]
impl Harness for EtcdStore {
    fn engine(&self) -> Arc<dyn Engine> {
        self.engine.clone()
    }

    async fn reopen(&mut self) -> bool {
        self.engine.close().await.unwrap();
        let engine =
            clusterdb_storage::EtcdEngine::connect(&self.cluster.endpoints(), self.options.clone())
                .await
                .unwrap();
        self.engine = Arc::new(engine);
        true
    }
}

/// Another harness's engine behind a read cache.
pub struct Cached<H: Harness> {
    inner: H,
    cache: Arc<clusterdb_storage::ReadCache>,
}

impl<H: Harness> Cached<H> {
    /// Starts a cache over `inner`'s engine.
    pub async fn over(inner: H) -> Self {
        let cache = Self::cache(&inner).await;
        Cached { inner, cache }
    }

    async fn cache(inner: &H) -> Arc<clusterdb_storage::ReadCache> {
        Arc::new(
            clusterdb_storage::ReadCache::start(inner.engine(), Default::default())
                .await
                .expect("a read cache starts"),
        )
    }

    /// The cache itself.
    pub fn cache_handle(&self) -> Arc<clusterdb_storage::ReadCache> {
        Arc::clone(&self.cache)
    }

    /// The engine under the cache.
    pub fn direct(&self) -> Arc<dyn Engine> {
        self.inner.engine()
    }
}

impl<H: Harness + Sync> Harness for Cached<H> {
    fn engine(&self) -> Arc<dyn Engine> {
        self.cache.clone()
    }

    async fn reopen(&mut self) -> bool {
        let persistent = self.inner.reopen().await;
        self.cache = Self::cache(&self.inner).await;
        persistent
    }
}

/// Declares one `#[tokio::test]` per engine for a generic async test
/// function `fn(impl Harness)`.
#[macro_export]
macro_rules! for_each_engine {
    ($($test:ident),* $(,)?) => {
        #[cfg(feature = "etcd")]
        mod etcd_engine {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    super::$test($crate::EtcdStore::start().await).await;
                }
            )*
        }
        mod redb_file_engine {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    super::$test($crate::RedbFile::durable()).await;
                }
            )*
        }
        #[cfg(feature = "etcd")]
        mod cached_etcd_engine {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    super::$test($crate::Cached::over($crate::EtcdStore::start().await).await).await;
                }
            )*
        }
        mod cached_redb_file_engine {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    super::$test($crate::Cached::over($crate::RedbFile::durable()).await).await;
                }
            )*
        }
        mod redb_memory_engine {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    super::$test($crate::RedbMemory::fresh()).await;
                }
            )*
        }
    };
}
