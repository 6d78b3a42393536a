//! What only a file engine can get wrong: foreign files, newer formats,
//! locks, the writer queue's byte bound.

use std::sync::Arc;

use clusterdb_storage::{Error, RedbEngine, RedbOptions};

/// Made by someone else, so with the umask's mode: opened as the owner's
/// own file (a file others can read is refused, as tested below).
fn private(path: &std::path::Path) {
    #[cfg(unix)]
    std::fs::set_permissions(path, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
}

#[test]
fn a_file_that_is_not_a_store_is_a_typed_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.txt");
    std::fs::write(&path, b"this is a text file, not a database ".repeat(200)).unwrap();
    private(&path);
    match RedbEngine::open(&path, RedbOptions::default()) {
        Err(Error::NotAStore { path: p, .. }) => assert!(p.ends_with("notes.txt")),
        Err(other) => panic!("expected NotAStore, got {other}"),
        Ok(_) => panic!("a text file opened as a store"),
    }
    // The file is left untouched.
    assert!(
        std::fs::read(&path)
            .unwrap()
            .starts_with(b"this is a text file")
    );
}

#[test]
fn a_redb_file_of_another_application_is_not_a_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.redb");
    {
        let db = redb::Database::create(&path).unwrap();
        let txn = db.begin_write().unwrap();
        let table: redb::TableDefinition<u64, u64> = redb::TableDefinition::new("theirs");
        txn.open_table(table).unwrap().insert(1, 2).unwrap();
        txn.commit().unwrap();
    }
    private(&path);
    assert!(matches!(
        RedbEngine::open(&path, RedbOptions::default()),
        Err(Error::NotAStore { .. })
    ));
}

#[test]
fn a_newer_format_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("future.redb");
    {
        let db = redb::Database::create(&path).unwrap();
        let txn = db.begin_write().unwrap();
        let meta: redb::TableDefinition<&str, u64> = redb::TableDefinition::new("clusterdb_meta");
        let mut table = txn.open_table(meta).unwrap();
        table.insert("format_version", 99).unwrap();
        table.insert("revision", 0).unwrap();
        drop(table);
        txn.commit().unwrap();
    }
    private(&path);
    assert_eq!(
        RedbEngine::open(&path, RedbOptions::default()).err(),
        Some(Error::UnsupportedFormat {
            found: 99,
            supported: 1
        })
    );
}

/// A data file others can read is refused, saying how to fix it, unless
/// allowed; a new one is created 0600.
#[cfg(unix)]
#[tokio::test]
async fn a_file_others_can_read_is_refused() {
    use clusterdb_storage::Engine as _;
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.redb");
    let engine = RedbEngine::open(&path, RedbOptions::default()).unwrap();
    engine.close().await.unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o604)).unwrap();
    match RedbEngine::open(&path, RedbOptions::default()) {
        Err(err @ Error::InsecurePermissions { mode: 0o604, .. }) => {
            assert!(err.to_string().contains("chmod 600"), "{err}")
        }
        Err(other) => panic!("expected InsecurePermissions, got {other}"),
        Ok(_) => panic!("opened a file others can read"),
    }
    let allowed = RedbOptions {
        allow_insecure_permissions: true,
        ..RedbOptions::default()
    };
    let engine = RedbEngine::open(&path, allowed).unwrap();
    engine.close().await.unwrap();
}

#[tokio::test]
async fn a_second_open_of_the_same_file_is_locked_until_close() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.redb");
    let first = RedbEngine::open(&path, RedbOptions::default()).unwrap();
    assert_eq!(
        RedbEngine::open(&path, RedbOptions::default()).err(),
        Some(Error::Locked)
    );
    clusterdb_storage::Engine::close(&first).await.unwrap();
    RedbEngine::open(&path, RedbOptions::default()).unwrap();
}

/// The writer queue is bounded by bytes: callers beyond it wait their
/// turn, and a commit larger than the whole bound still goes through.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commits_beyond_the_queue_byte_bound_wait_and_all_land() {
    use clusterdb_storage::{Commit, Engine, Op};
    let dir = tempfile::tempdir().unwrap();
    let options = RedbOptions {
        durable: false,
        queue_bytes: 16 << 10,
        ..RedbOptions::default()
    };
    let engine = Arc::new(RedbEngine::open(dir.path().join("q.redb"), options).unwrap());
    let mut tasks = Vec::new();
    for i in 0..64u32 {
        let engine = Arc::clone(&engine);
        // Every fourth commit is larger than the whole queue bound.
        let size = if i % 4 == 0 { 64 << 10 } else { 4 << 10 };
        tasks.push(tokio::spawn(async move {
            let commit = Commit {
                ops: vec![Op::Put(format!("k/{i}").into_bytes(), vec![7; size])],
                events: vec![vec![1; 64]],
                ..Commit::default()
            };
            engine.commit(commit).await.unwrap()
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    for i in 0..64u32 {
        let entry = engine.get(format!("k/{i}").as_bytes()).await.unwrap();
        assert!(entry.is_some(), "k/{i}");
    }
    assert_eq!(engine.events_since(0, 1000).await.unwrap().len(), 64);
}
