//! Helpers shared by the tests, and the engine they run on: the test
//! binary's root sets `ENGINE`, so the same tests run on redb and on etcd.

use std::ops::Deref;
use std::path::PathBuf;

use std::sync::Arc;

use clusterdb::storage::{Engine, RedbEngine, RedbOptions};
use clusterdb::{Builder, ClusterDb, Draft, FleetSpec};

/// The storage engine a test binary runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(dead_code)]
pub enum EngineKind {
    /// A redb file in a temporary directory.
    Redb,
    /// A single-member etcd started for the test.
    Etcd,
}

/// Where a test's data lives; it can be opened again after a close (with
/// its master key).
pub struct Store {
    dir: tempfile::TempDir,
    master_key: clusterdb::MasterKey,
    #[cfg(feature = "etcd")]
    etcd: Option<clusterdb_testkit::EtcdCluster>,
}

impl Store {
    /// A fresh, empty store on the binary's engine.
    pub async fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        match crate::ENGINE {
            EngineKind::Redb => Store {
                dir,
                master_key: clusterdb::MasterKey::generate().unwrap(),
                #[cfg(feature = "etcd")]
                etcd: None,
            },
            #[cfg(feature = "etcd")]
            EngineKind::Etcd => {
                let cluster =
                    tokio::task::spawn_blocking(|| clusterdb_testkit::EtcdCluster::start(1))
                        .await
                        .unwrap();
                Store {
                    dir,
                    master_key: clusterdb::MasterKey::generate().unwrap(),
                    etcd: Some(cluster),
                }
            }
            #[cfg(not(feature = "etcd"))]
            EngineKind::Etcd => unreachable!("the etcd tests need the etcd feature"),
        }
    }

    fn path(&self) -> PathBuf {
        self.dir.path().join("data.redb")
    }

    /// Opens a database on this store.
    pub async fn open(&self, builder: Builder) -> ClusterDb {
        builder
            .master_key(self.master_key.clone())
            .open_with(self.engine().await)
            .await
            .unwrap()
    }

    /// Opens this store's storage engine (the tests' way to write raw
    /// records; the database itself does not hand its engine out).
    pub async fn engine(&self) -> Arc<dyn Engine> {
        #[cfg(feature = "etcd")]
        if let Some(cluster) = &self.etcd {
            let engine = clusterdb::storage::EtcdEngine::connect(
                &cluster.endpoints(),
                clusterdb::storage::EtcdOptions::default(),
            )
            .await
            .unwrap();
            return Arc::new(engine);
        }
        // Durability is the storage tests' business; skip the fsyncs here.
        let fast = RedbOptions {
            durable: false,
            ..RedbOptions::default()
        };
        let path = self.path();
        let engine = tokio::task::spawn_blocking(move || RedbEngine::open(path, fast))
            .await
            .unwrap()
            .unwrap();
        Arc::new(engine)
    }
}

/// A database and the store it lives on (kept alive as long as the test).
pub struct TestDb {
    db: ClusterDb,
    engine: Arc<dyn Engine>,
    _store: Store,
}

impl Deref for TestDb {
    type Target = ClusterDb;

    fn deref(&self) -> &ClusterDb {
        &self.db
    }
}

impl TestDb {
    /// The engine the database runs on, for writing raw records.
    pub fn engine(&self) -> &Arc<dyn Engine> {
        &self.engine
    }

    /// The master key the store's secrets are sealed under (to open the
    /// store again in another handle).
    pub fn master_key(&self) -> &clusterdb::MasterKey {
        &self._store.master_key
    }

    /// A fresh, empty store beside this one, on the same engine (a new data
    /// file, or a new prefix on the same etcd cluster), and a way to
    /// connect to it again.
    #[allow(dead_code)]
    pub async fn fresh_store(&self, name: &str) -> Arc<dyn Engine> {
        #[cfg(feature = "etcd")]
        if let Some(cluster) = &self._store.etcd {
            let options = clusterdb::storage::EtcdOptions {
                prefix: format!("/{name}/"),
                ..clusterdb::storage::EtcdOptions::default()
            };
            let engine = clusterdb::storage::EtcdEngine::connect(&cluster.endpoints(), options)
                .await
                .unwrap();
            return Arc::new(engine);
        }
        let fast = RedbOptions {
            durable: false,
            ..RedbOptions::default()
        };
        let path = self._store.dir.path().join(format!("{name}.redb"));
        Arc::new(RedbEngine::open(path, fast).unwrap())
    }

    /// Closes the database.
    pub async fn close(self) -> clusterdb::Result<()> {
        self.db.close().await
    }
}

/// A database opened with `builder` on a fresh store.
pub async fn db_with(builder: Builder) -> TestDb {
    let store = Store::new().await;
    let engine = store.engine().await;
    let db = builder
        .master_key(store.master_key.clone())
        .open_with(Arc::clone(&engine))
        .await
        .unwrap();
    TestDb {
        db,
        engine,
        _store: store,
    }
}

/// A database with the reconciler running.
pub async fn db() -> TestDb {
    db_with(ClusterDb::builder()).await
}

/// A database without reconcilers, so event sequences are exact.
pub async fn quiet_db() -> TestDb {
    db_with(ClusterDb::builder().reconcile(false)).await
}

/// Property-test cases: fewer where every case starts a server.
pub fn cases(redb: u32) -> u32 {
    match crate::ENGINE {
        EngineKind::Redb => redb,
        EngineKind::Etcd => (redb / 8).max(2),
    }
}

/// A fleet draft of `capacity` t3.medium instances.
pub fn fleet(name: &str, capacity: u32) -> Draft<FleetSpec> {
    Draft::new(
        name,
        FleetSpec {
            description: "Web application fleet".into(),
            capacity,
            instance_type: "t3.medium".into(),
        },
    )
}

pub use clusterdb_testkit::eventually;
