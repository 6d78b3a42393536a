//! Fail-stop: a commit that could not be made durable is reported as of
//! unknown outcome, the engine says it failed, refuses later writes, and
//! keeps serving reads; a malformed commit fails alone.

use std::sync::Arc;

use clusterdb_storage::{
    Commit, CommitError, Engine, Error, MAX_KEY_LEN, Op, RedbEngine, RedbOptions,
};
use clusterdb_testkit::{FaultSwitch, FaultyBackend};

fn put(key: &str) -> Commit {
    Commit {
        ops: vec![Op::Put(key.as_bytes().to_vec(), b"v".to_vec())],
        events: vec![b"e".to_vec()],
        ..Commit::default()
    }
}

fn faulty() -> (Arc<RedbEngine>, FaultSwitch) {
    let (backend, switch) = FaultyBackend::new();
    let engine = RedbEngine::with_backend(backend, RedbOptions::default()).unwrap();
    (Arc::new(engine), switch)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_batch_is_outcome_unknown_and_the_engine_stops_writing() {
    let (engine, switch) = faulty();
    engine.commit(put("before")).await.unwrap();
    assert_eq!(*engine.failure().borrow(), None);

    switch.fail();
    let writers: Vec<_> = (0..16)
        .map(|i| {
            let engine = Arc::clone(&engine);
            tokio::spawn(async move { engine.commit(put(&format!("k{i}"))).await })
        })
        .collect();
    for writer in writers {
        match writer.await.unwrap() {
            // In the failed batch: it may or may not have been applied.
            Err(CommitError::Storage(Error::OutcomeUnknown(_))) => {}
            // After it: never sent to the store.
            Err(CommitError::Storage(Error::Failed(_))) => {}
            other => panic!("a write after the disk failed: {other:?}"),
        }
    }
    let reason = engine
        .failure()
        .wait_for(Option::is_some)
        .await
        .unwrap()
        .clone()
        .unwrap();
    assert!(reason.contains("No space left on device"), "{reason}");
    let later = engine.commit(put("later")).await.unwrap_err();
    assert!(
        matches!(later, CommitError::Storage(Error::Failed(_))),
        "{later:?}"
    );
    // Reads still answer from what was durable.
    assert!(engine.get(b"before").await.unwrap().is_some());
}

#[tokio::test]
async fn a_panic_in_the_writer_is_a_failure_not_a_silent_close() {
    let (engine, switch) = faulty();
    engine.commit(put("before")).await.unwrap();
    switch.panic_once();
    let err = engine.commit(put("boom")).await.unwrap_err();
    assert!(
        matches!(err, CommitError::Storage(Error::OutcomeUnknown(_))),
        "{err:?}"
    );
    let reason = engine.failure().borrow().clone().unwrap();
    assert!(reason.contains("panicked"), "{reason}");
    let later = engine.commit(put("later")).await.unwrap_err();
    assert!(
        matches!(later, CommitError::Storage(Error::Failed(_))),
        "{later:?}"
    );
    // redb's locks are poisoned by the panic, so dropping the database
    // would panic again; a server exits instead (see `clusterdb serve`).
    std::mem::forget(engine);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_commit_never_fails_its_batch_mates() {
    let (engine, _switch) = faulty();
    let mut writers = Vec::new();
    for i in 0..32 {
        let engine = Arc::clone(&engine);
        writers.push(tokio::spawn(async move {
            let commit = if i == 16 {
                put(&"k".repeat(MAX_KEY_LEN + 1))
            } else {
                put(&format!("k{i}"))
            };
            (i, engine.commit(commit).await)
        }));
    }
    for writer in writers {
        let (i, result) = writer.await.unwrap();
        if i == 16 {
            assert!(
                matches!(result, Err(CommitError::Storage(Error::TooLarge(_)))),
                "{result:?}"
            );
        } else {
            result.unwrap();
        }
    }
    assert_eq!(*engine.failure().borrow(), None);
}
