//! What only a file engine can get wrong: foreign files, newer formats, locks.

use clusterdb_storage::{Error, RedbEngine, RedbOptions};

#[test]
fn a_file_that_is_not_a_store_is_a_typed_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.txt");
    std::fs::write(&path, b"this is a text file, not a database ".repeat(200)).unwrap();
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
    assert_eq!(
        RedbEngine::open(&path, RedbOptions::default()).err(),
        Some(Error::UnsupportedFormat {
            found: 99,
            supported: 1
        })
    );
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
