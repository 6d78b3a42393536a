//! Data compatibility: a data file and a snapshot written by release 0.1.0
//! (`tests/fixtures/release-0.1.0/`, made with `clusterdb serve` and the
//! CLI: every kind, an alert that fired, webhook delivery records, an
//! idempotency record, a function module, metric samples, a token signing
//! key) open and restore with this build. A release that cannot read a
//! previous one's data fails here. Each release adds its own directory.

use std::path::Path;
use std::sync::Arc;

use clusterdb::storage::{Engine, RedbEngine, RedbOptions};
use clusterdb::{ClusterDb, Kind, ListOptions};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/release-0.1.0");

/// Copies a fixture file into `dir`, private as the store requires.
fn copy(name: &str, dir: &Path) -> std::path::PathBuf {
    let target = dir.join(name);
    std::fs::copy(Path::new(FIXTURE).join(name), &target).unwrap();
    #[cfg(unix)]
    std::fs::set_permissions(&target, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    target
}

async fn count<K: Kind>(db: &ClusterDb) -> usize {
    let page = db
        .resources::<K>()
        .list(&ListOptions::default())
        .await
        .unwrap();
    page.items.len()
}

/// Every kind the fixture holds, and that its credentials and modules work.
async fn check(db: &ClusterDb) {
    use clusterdb::*;
    assert_eq!(count::<FleetKind>(db).await, 2);
    assert_eq!(count::<InstanceKind>(db).await, 3);
    assert_eq!(count::<FunctionKind>(db).await, 1);
    assert_eq!(count::<UserKind>(db).await, 2);
    assert_eq!(count::<GroupKind>(db).await, 1);
    assert_eq!(count::<OAuthClientKind>(db).await, 2);
    assert_eq!(count::<VirtualServiceKind>(db).await, 2);
    assert_eq!(count::<SecurityPolicyKind>(db).await, 2);
    assert_eq!(count::<WebhookKind>(db).await, 1);
    assert_eq!(count::<AlertRuleKind>(db).await, 1);
    assert_eq!(count::<SilenceKind>(db).await, 1);
    assert!(!db.monitoring().alerts(None).await.unwrap().is_empty());
    let key = std::fs::read_to_string(Path::new(FIXTURE).join("api-key")).unwrap();
    db.identity()
        .authenticate_api_key(key.trim())
        .await
        .unwrap();
    let shout = db.functions().get_by_name("shout").await.unwrap();
    let invoked = db
        .functions()
        .invoke(shout.id(), b"old data".to_vec())
        .await
        .unwrap();
    assert_eq!(invoked.output, b"OLD DATA");
    db.tokens("http://compat").await.unwrap();
    let webhook = db
        .webhooks()
        .endpoints()
        .get_by_name("legacy-feed")
        .await
        .unwrap();
    let deliveries = db
        .webhooks()
        .deliveries(webhook.id(), None, 10)
        .await
        .unwrap();
    assert!(!deliveries.items.is_empty());
}

#[tokio::test]
async fn the_previous_releases_data_file_opens() {
    let dir = tempfile::tempdir().unwrap();
    let data = copy("data.redb", dir.path());
    copy("data.redb.master-key", dir.path());
    let db = ClusterDb::builder()
        .reconcile(false)
        .open(&data)
        .await
        .unwrap();
    check(&db).await;
    db.close().await.unwrap();
}

#[tokio::test]
async fn the_previous_releases_snapshot_restores() {
    let dir = tempfile::tempdir().unwrap();
    let snapshot = Path::new(FIXTURE).join("snapshot.cdbsnap");
    let verified = clusterdb::backup::verify(std::fs::File::open(&snapshot).unwrap()).unwrap();
    assert_eq!(verified.header.clusterdb_version, "0.1.0");
    let engine: Arc<dyn Engine> = Arc::new(
        RedbEngine::open(dir.path().join("restored.redb"), RedbOptions::default()).unwrap(),
    );
    clusterdb::backup::restore(&snapshot, &engine)
        .await
        .unwrap();
    let master_key = copy("data.redb.master-key", dir.path());
    let db = ClusterDb::builder()
        .reconcile(false)
        .master_key_file(master_key)
        .open_with(engine)
        .await
        .unwrap();
    check(&db).await;
    db.close().await.unwrap();
}
