//! Contract tests shared by every engine.

use std::collections::HashSet;
use std::sync::Arc;

use clusterdb_storage::{
    Commit, CommitError, Engine, Error, FailedPrecondition, Op, Precondition, Revision,
};

use crate::Harness;

fn put(key: &str, value: &str) -> Op {
    Op::Put(key.as_bytes().to_vec(), value.as_bytes().to_vec())
}

fn absent(key: &str) -> Precondition {
    Precondition::Absent(key.as_bytes().to_vec())
}

async fn value_of(engine: &dyn Engine, key: &str) -> Option<(String, Revision)> {
    engine
        .get(key.as_bytes())
        .await
        .unwrap()
        .map(|e| (String::from_utf8(e.value).unwrap(), e.mod_revision))
}

async fn conditional_commits(h: impl Harness) {
    let engine = h.engine();
    assert_eq!(engine.current_revision().await.unwrap(), 0);

    let created = Commit {
        preconditions: vec![absent("a")],
        ops: vec![put("a", "1"), put("b", "1")],
        events: vec![b"a created".to_vec()],
    };
    let r1 = engine.commit(created.clone()).await.unwrap();
    assert_eq!(r1, 1);
    assert_eq!(value_of(&*engine, "a").await, Some(("1".into(), 1)));

    // Absent fails once the key exists, naming the precondition; nothing applied.
    let again = Commit {
        preconditions: vec![absent("zzz"), absent("a")],
        ops: vec![put("c", "x")],
        events: vec![b"never".to_vec()],
    };
    assert_eq!(
        engine.commit(again).await.unwrap_err(),
        CommitError::PreconditionFailed(FailedPrecondition {
            index: 1,
            key: b"a".to_vec(),
            actual: Some(1),
        })
    );
    assert_eq!(value_of(&*engine, "c").await, None);
    assert_eq!(engine.current_revision().await.unwrap(), 1);
    assert_eq!(engine.events_since(0, 10).await.unwrap().len(), 1);

    // At-revision succeeds only at the exact revision.
    let stale = Commit {
        preconditions: vec![Precondition::AtRevision(b"a".to_vec(), 7)],
        ops: vec![put("a", "2")],
        events: vec![],
    };
    assert!(matches!(
        engine.commit(stale).await,
        Err(CommitError::PreconditionFailed(FailedPrecondition {
            index: 0,
            actual: Some(1),
            ..
        }))
    ));
    let fresh = Commit {
        preconditions: vec![Precondition::AtRevision(b"a".to_vec(), r1)],
        ops: vec![put("a", "2"), Op::Delete(b"b".to_vec())],
        events: vec![b"a updated".to_vec(), b"b deleted".to_vec()],
    };
    let r2 = engine.commit(fresh).await.unwrap();
    assert_eq!(r2, 2);
    assert_eq!(value_of(&*engine, "a").await, Some(("2".into(), 2)));
    assert_eq!(value_of(&*engine, "b").await, None);

    // At-revision on an absent key fails and reports it absent.
    let missing = Commit {
        preconditions: vec![Precondition::AtRevision(b"b".to_vec(), 1)],
        ops: vec![],
        events: vec![],
    };
    assert!(matches!(
        engine.commit(missing).await,
        Err(CommitError::PreconditionFailed(FailedPrecondition {
            actual: None,
            ..
        }))
    ));

    let events = engine.events_since(0, 10).await.unwrap();
    let ids: Vec<_> = events.iter().map(|e| (e.revision, e.index)).collect();
    assert_eq!(ids, vec![(1, 0), (2, 0), (2, 1)]);
    assert_eq!(events[2].payload, b"b deleted");
    assert_eq!(engine.events_since(1, 10).await.unwrap().len(), 2);
    assert_eq!(engine.events_since(2, 10).await.unwrap().len(), 0);
    // A limit never splits a commit: revision 2 has two events.
    assert_eq!(engine.events_since(0, 1).await.unwrap().len(), 1);
    assert_eq!(engine.events_since(0, 2).await.unwrap().len(), 3);
    assert_eq!(engine.events_since(1, 1).await.unwrap().len(), 2);
}

async fn range_pages_through_a_prefix(h: impl Harness) {
    let engine = h.engine();
    let mut ops = vec![put("a/outside", "x"), put("c/outside", "x")];
    for i in 0..25 {
        ops.push(put(&format!("b/{i:03}"), &i.to_string()));
    }
    engine
        .commit(Commit {
            ops,
            ..Commit::default()
        })
        .await
        .unwrap();

    let mut seen = Vec::new();
    let mut after: Option<Vec<u8>> = None;
    loop {
        let page = engine.range(b"b/", after.as_deref(), 10).await.unwrap();
        assert_eq!(page.revision, 1);
        assert!(page.entries.len() <= 10);
        seen.extend(
            page.entries
                .iter()
                .map(|(k, _)| String::from_utf8(k.clone()).unwrap()),
        );
        after = page.entries.last().map(|(k, _)| k.clone());
        if !page.more {
            break;
        }
    }
    let want: Vec<_> = (0..25).map(|i| format!("b/{i:03}")).collect();
    assert_eq!(seen, want);

    // A start_after before the prefix starts at the prefix; past it, nothing.
    let page = engine.range(b"b/", Some(b"a"), 2).await.unwrap();
    assert_eq!(page.entries[0].0, b"b/000");
    assert!(page.more);
    let page = engine.range(b"b/", Some(b"b/024"), 10).await.unwrap();
    assert!(page.entries.is_empty() && !page.more);
    let page = engine.range(b"b/", None, 25).await.unwrap();
    assert_eq!((page.entries.len(), page.more), (25, false));
}

async fn concurrent_read_modify_write_loses_no_update(h: impl Harness) {
    let engine = h.engine();
    engine
        .commit(Commit {
            ops: vec![put("counter", "0")],
            ..Commit::default()
        })
        .await
        .unwrap();
    let tasks: Vec<_> = (0..64)
        .map(|_| {
            let engine = Arc::clone(&engine);
            tokio::spawn(async move {
                let mut revisions = Vec::new();
                for _ in 0..5 {
                    loop {
                        let entry = engine.get(b"counter").await.unwrap().unwrap();
                        let n: u64 = String::from_utf8(entry.value).unwrap().parse().unwrap();
                        let commit = Commit {
                            preconditions: vec![Precondition::AtRevision(
                                b"counter".to_vec(),
                                entry.mod_revision,
                            )],
                            ops: vec![put("counter", &(n + 1).to_string())],
                            events: vec![],
                        };
                        match engine.commit(commit).await {
                            Ok(rev) => {
                                assert!(rev > entry.mod_revision);
                                revisions.push(rev);
                                break;
                            }
                            Err(CommitError::PreconditionFailed(_)) => continue,
                            Err(other) => panic!("unexpected {other}"),
                        }
                    }
                }
                revisions
            })
        })
        .collect();
    let mut all = HashSet::new();
    for task in tasks {
        let revisions = task.await.unwrap();
        assert!(revisions.windows(2).all(|w| w[0] < w[1]));
        for rev in revisions {
            assert!(all.insert(rev), "revision {rev} handed out twice");
        }
    }
    assert_eq!(value_of(&*engine, "counter").await.unwrap().0, "320");
    assert_eq!(engine.current_revision().await.unwrap(), 321);
}

async fn racing_creates_of_one_key_have_exactly_one_winner(h: impl Harness) {
    let engine = h.engine();
    let tasks: Vec<_> = (0..64)
        .map(|i| {
            let engine = Arc::clone(&engine);
            tokio::spawn(async move {
                engine
                    .commit(Commit {
                        preconditions: vec![absent("name/web")],
                        ops: vec![put("name/web", &i.to_string())],
                        events: vec![vec![i]],
                    })
                    .await
            })
        })
        .collect();
    let mut winners = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(rev) => {
                winners += 1;
                assert_eq!(rev, 1);
            }
            Err(CommitError::PreconditionFailed(f)) => assert_eq!(f.actual, Some(1)),
            Err(other) => panic!("unexpected {other}"),
        }
    }
    assert_eq!(winners, 1);
    assert_eq!(engine.events_since(0, 100).await.unwrap().len(), 1);
}

async fn reopen_keeps_state_and_revisions_continue(mut h: impl Harness) {
    let engine = h.engine();
    for i in 0..5 {
        engine
            .commit(Commit {
                ops: vec![put(&format!("k{i}"), "v")],
                events: vec![vec![i]],
                ..Commit::default()
            })
            .await
            .unwrap();
    }
    drop(engine);
    if !h.reopen().await {
        return;
    }
    let engine = h.engine();
    assert_eq!(engine.current_revision().await.unwrap(), 5);
    assert_eq!(value_of(&*engine, "k4").await, Some(("v".into(), 5)));
    assert_eq!(engine.events_since(0, 100).await.unwrap().len(), 5);
    let rev = engine
        .commit(Commit {
            ops: vec![put("k5", "v")],
            ..Commit::default()
        })
        .await
        .unwrap();
    assert_eq!(rev, 6);
}

async fn watch_wakes_on_commit(h: impl Harness) {
    let engine = h.engine();
    let mut watch = engine.watch_revision();
    assert_eq!(*watch.borrow_and_update(), 0);
    let writer = Arc::clone(&engine);
    tokio::spawn(async move {
        writer
            .commit(Commit {
                ops: vec![put("x", "1")],
                ..Commit::default()
            })
            .await
            .unwrap();
    });
    tokio::time::timeout(std::time::Duration::from_secs(10), watch.changed())
        .await
        .expect("woken by the commit")
        .unwrap();
    assert_eq!(*watch.borrow(), 1);
}

async fn compaction_removes_old_events_and_says_so(h: impl Harness) {
    let engine = h.engine();
    for i in 0..10u8 {
        engine
            .commit(Commit {
                events: vec![vec![i]],
                ..Commit::default()
            })
            .await
            .unwrap();
    }
    engine.compact_events(6).await.unwrap();
    assert_eq!(
        engine.events_since(2, 100).await.unwrap_err(),
        Error::Compacted {
            requested: 2,
            compacted_before: 6
        }
    );
    let rest = engine.events_since(5, 100).await.unwrap();
    assert_eq!(
        rest.iter().map(|e| e.revision).collect::<Vec<_>>(),
        vec![6, 7, 8, 9, 10]
    );
    // Compacting to an older point is a no-op.
    engine.compact_events(3).await.unwrap();
    assert_eq!(engine.events_since(5, 100).await.unwrap().len(), 5);
}

async fn closed_engine_refuses_work(h: impl Harness) {
    let engine = h.engine();
    engine.close().await.unwrap();
    assert_eq!(engine.get(b"a").await.unwrap_err(), Error::Closed);
    assert_eq!(
        engine.commit(Commit::default()).await.unwrap_err(),
        CommitError::Storage(Error::Closed)
    );
}

crate::for_each_engine!(
    conditional_commits,
    range_pages_through_a_prefix,
    concurrent_read_modify_write_loses_no_update,
    racing_creates_of_one_key_have_exactly_one_winner,
    reopen_keeps_state_and_revisions_continue,
    watch_wakes_on_commit,
    compaction_removes_old_events_and_says_so,
    closed_engine_refuses_work,
);
