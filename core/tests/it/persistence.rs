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
    private(&path);
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

/// Only the owner may read a data file: 0600, whatever the umask.
fn private(path: &std::path::Path) {
    #[cfg(unix)]
    std::fs::set_permissions(path, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
}

/// The data file and its key file are created 0600, and a data file or
/// key file others can read is refused, saying how to fix it, unless the
/// builder allows it. A store opened again without its key file, or with
/// another key, is refused, and nothing is written.
#[cfg(unix)]
#[tokio::test]
async fn files_are_private_and_keys_must_match() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/data.redb");
    let key_file = clusterdb::default_key_file(&path);
    let db = ClusterDb::builder()
        .reconcile(false)
        .open(&path)
        .await
        .unwrap();
    db.fleets().create(fleet("web", 1)).await.unwrap();
    let revision = db.events().current_revision().await.unwrap();
    db.close().await.unwrap();
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(&key_file), 0o600);
    assert_eq!(mode(&dir.path().join("nested")), 0o700);

    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let err = ClusterDb::open(&path).await.err().expect("refused");
    assert!(err.to_string().contains("chmod 600"), "{err}");
    ClusterDb::builder()
        .reconcile(false)
        .allow_insecure_permissions(true)
        .open(&path)
        .await
        .unwrap()
        .close()
        .await
        .unwrap();
    private(&path);
    std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o640)).unwrap();
    let err = ClusterDb::open(&path).await.err().expect("refused");
    assert!(err.to_string().contains("master-key"), "{err}");
    private(&key_file);

    // The key file missing, or another key: refused, naming it; no new
    // key file is left behind.
    let saved = std::fs::read(&key_file).unwrap();
    std::fs::remove_file(&key_file).unwrap();
    let err = ClusterDb::open(&path).await.err().expect("refused");
    assert!(err.to_string().contains("does not exist"), "{err}");
    assert!(!key_file.exists());
    let err = ClusterDb::builder()
        .master_key(clusterdb::MasterKey::generate().unwrap())
        .open(&path)
        .await
        .err()
        .expect("refused");
    assert!(err.to_string().contains("wrong master key"), "{err}");
    std::fs::write(&key_file, b"not a key\n").unwrap();
    private(&key_file);
    let err = ClusterDb::open(&path).await.err().expect("refused");
    assert!(err.to_string().contains("line 1"), "{err}");
    std::fs::write(&key_file, saved).unwrap();
    let db = ClusterDb::builder()
        .reconcile(false)
        .open(&path)
        .await
        .unwrap();
    assert_eq!(db.fleets().get_by_name("web").await.unwrap().name(), "web");
    assert_eq!(
        db.events().current_revision().await.unwrap(),
        revision,
        "the refused opens wrote nothing"
    );
    db.close().await.unwrap();
}

/// What `tests/fixtures/pre-sealing.redb` holds, written by the release
/// before secrets were sealed (`clusterdb serve`, then over REST: a
/// webhook with this secret, an API key made with an idempotency key —
/// whose record holds the key in the clear —, an OAuth client and a token,
/// so a signing key exists).
const LEGACY_WEBHOOK_SECRET: &str = "whsec_bGVnYWN5LXNlY3JldC1vZi10aGUtb2xkLXJlbGVhc2U=";
const LEGACY_API_KEY: &str = "cdb_01m97bzn0r3aeqb0yjrx9q6fdc_6f4af93a2d26d61a577fc0f615164df60ff9592773d80c1625450750745e5b0b";
const LEGACY_SIGNING_KID: &str = "key-01m97bzdz7fy7nczs79d64vx5s";
/// The Ed25519 PKCS#8 algorithm identifier and seed header.
const ED25519_PKCS8_MARK: [u8; 9] = [0x06, 0x03, 0x2B, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20];

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// A store written before secrets were sealed opens, keeps working (the
/// same signing key, the same API key, the webhook's secret) and has its
/// live records sealed on that first open, under a key file made then.
#[tokio::test]
async fn a_store_from_before_sealing_is_sealed_on_first_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.redb");
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/pre-sealing.redb"
    );
    std::fs::copy(fixture, &path).unwrap();
    private(&path);
    let raw = std::fs::read(&path).unwrap();
    assert!(
        contains(&raw, LEGACY_WEBHOOK_SECRET.as_bytes()) && contains(&raw, &ED25519_PKCS8_MARK)
    );

    let db = ClusterDb::builder()
        .reconcile(false)
        .open(&path)
        .await
        .unwrap();
    assert!(clusterdb::default_key_file(&path).exists());
    let hooks = db.webhooks();
    let hook = hooks.endpoints().get_by_name("legacy-hook").await.unwrap();
    assert!(
        hook.spec.secret.starts_with("sealed:"),
        "{}",
        hook.spec.secret
    );
    assert_eq!(
        hooks
            .signing_secrets(&hook, clusterdb::Timestamp::now())
            .unwrap(),
        [LEGACY_WEBHOOK_SECRET]
    );
    db.identity()
        .authenticate_api_key(LEGACY_API_KEY)
        .await
        .unwrap();
    let tokens = db.tokens("https://cdb.test").await.unwrap();
    assert_eq!(tokens.jwks()["keys"][0]["kid"], LEGACY_SIGNING_KID);
    let records = db.idempotency().scan(None, 10).await.unwrap().records;
    assert_eq!(records.len(), 1);
    let secret = LEGACY_API_KEY.rsplit('_').next().unwrap();
    assert!(
        contains(&records[0].1.value, secret.as_bytes()),
        "the replay still shows the key"
    );
    db.close().await.unwrap();

    // The live records, read with the engine alone: none in the clear.
    use clusterdb::storage::{Engine as _, RedbEngine, RedbOptions};
    let engine = RedbEngine::open(&path, RedbOptions::default()).unwrap();
    let mut live = Vec::new();
    for prefix in [&b"s/identity/"[..], b"o/webhook/", b"x/api/idempotency/"] {
        let page = engine.range(prefix, None, 100).await.unwrap();
        assert!(
            !page.entries.is_empty(),
            "{}",
            String::from_utf8_lossy(prefix)
        );
        live.extend(page.entries.into_iter().flat_map(|(_, e)| e.value));
    }
    engine.close().await.unwrap();
    assert!(!contains(&live, LEGACY_WEBHOOK_SECRET.as_bytes()));
    assert!(!contains(&live, &ED25519_PKCS8_MARK));
    assert!(!contains(&live, secret.as_bytes()));
    // Opened again with its key file: sealed already, nothing to do.
    let db = ClusterDb::builder()
        .reconcile(false)
        .open(&path)
        .await
        .unwrap();
    db.identity()
        .authenticate_api_key(LEGACY_API_KEY)
        .await
        .unwrap();
    db.close().await.unwrap();
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
