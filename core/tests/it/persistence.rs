//! Data files: everything survives close and reopen.

use clusterdb::{ClusterDb, Draft, ErrorCode, FleetState, InstanceSpec, ListOptions};

use crate::support::fleet;

#[tokio::test]
async fn write_close_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data.redb");
    let (fleet_id, instance_id, last_revision) = {
        let db = ClusterDb::builder()
            .reconcile(false)
            .open(&path)
            .await
            .unwrap();
        let f = db
            .fleets()
            .create(fleet("web", 2).tag("env", "prod"))
            .await
            .unwrap();
        let i = db
            .instances()
            .create(Draft::new(
                "vm",
                InstanceSpec {
                    instance_type: "t3.micro".into(),
                },
            ))
            .await
            .unwrap();
        db.instances().start(i.id(), None).await.unwrap();
        let rev = db.events().current_revision().await.unwrap();
        // The file is locked while open.
        let err = ClusterDb::open(&path)
            .await
            .err()
            .expect("second open fails");
        assert_eq!(
            err,
            clusterdb::Error::Storage(clusterdb::storage::Error::Locked)
        );
        assert_eq!(err.code(), ErrorCode::Unavailable);
        db.close().await.unwrap();
        (f.meta.id, i.meta.id, rev)
    };
    let db = ClusterDb::builder()
        .reconcile(false)
        .open(&path)
        .await
        .unwrap();
    let f = db.fleets().get(&fleet_id).await.unwrap();
    assert_eq!(
        (f.name(), f.spec.capacity, f.status.state),
        ("web", 2, FleetState::Active)
    );
    assert_eq!(db.fleets().get_by_name("web").await.unwrap().id(), fleet_id);
    let tagged = db
        .fleets()
        .list(&ListOptions::default().tag("env", "prod"))
        .await
        .unwrap();
    assert_eq!(tagged.items.len(), 1);
    assert_eq!(
        db.instances().get(&instance_id).await.unwrap().status.state,
        clusterdb::InstanceState::Running
    );
    assert_eq!(db.events().current_revision().await.unwrap(), last_revision);
    // fleet.created, instance.created, instance.started
    assert_eq!(db.events().list(0, 100).await.unwrap().len(), 3);
    let next = db.fleets().create(fleet("api", 1)).await.unwrap();
    assert_eq!(next.resource_version(), last_revision + 1);
    db.close().await.unwrap();
}

#[tokio::test]
async fn a_foreign_file_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.txt");
    std::fs::write(&path, "not a database ".repeat(500)).unwrap();
    let err = ClusterDb::open(&path).await.err().expect("refused");
    assert!(
        matches!(
            err,
            clusterdb::Error::Storage(clusterdb::storage::Error::NotAStore { .. })
        ),
        "{err:?}"
    );
    assert_eq!(err.code(), ErrorCode::Internal);
    assert!(
        err.to_string().contains("is not a ClusterDB store"),
        "{err}"
    );
}

/// A disk that fails: the write is reported unavailable (its outcome
/// unknown), and the database says it failed for good, so a server can
/// stop for its supervisor to restart it.
#[tokio::test]
async fn a_failing_disk_fails_the_database_and_says_so() {
    let (backend, switch) = clusterdb_testkit::FaultyBackend::new();
    let engine = clusterdb::storage::RedbEngine::with_backend(backend, Default::default()).unwrap();
    let db = clusterdb::ClusterDb::builder()
        .reconcile(false)
        .open_with(std::sync::Arc::new(engine))
        .await
        .unwrap();
    let kept = db
        .fleets()
        .create(crate::support::fleet("kept", 1))
        .await
        .unwrap();
    switch.fail();
    let err = db
        .fleets()
        .create(crate::support::fleet("lost", 1))
        .await
        .unwrap_err();
    assert_eq!(err.code(), clusterdb::ErrorCode::Unavailable);
    let reason = tokio::time::timeout(std::time::Duration::from_secs(10), db.failed())
        .await
        .expect("the failure is reported");
    assert!(reason.contains("No space left on device"), "{reason}");
    let again = db
        .fleets()
        .create(crate::support::fleet("later", 1))
        .await
        .unwrap_err();
    assert_eq!(again.code(), clusterdb::ErrorCode::Unavailable);
    // What was durable is still readable.
    assert_eq!(db.fleets().get(kept.id()).await.unwrap(), kept);
}

/// The reconciler saves its cursor every so many events or so often, not
/// with one extra commit per write it sees.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reconciler_checkpoints_instead_of_committing_per_write() {
    let db = crate::support::db().await;
    let before = db.events().current_revision().await.unwrap();
    const WRITES: u64 = 150;
    for i in 0..WRITES {
        // Functions need no reconciling: each write is one commit, and
        // each reaches the reconciler on its own.
        let spec = clusterdb::FunctionSpec::new("native", "h");
        db.functions()
            .create(clusterdb::Draft::new(format!("f{i}"), spec))
            .await
            .unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    // Long enough for the last checkpoint after going idle.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let after = db.events().current_revision().await.unwrap();
    let cursor_commits = after - before - WRITES;
    assert!(
        (1..=5).contains(&cursor_commits),
        "{cursor_commits} cursor commits for {WRITES} writes"
    );
}
