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
    let start = engine.current_revision().await.unwrap();

    let created = Commit {
        preconditions: vec![absent("a")],
        ops: vec![put("a", "1"), put("b", "1")],
        events: vec![b"a created".to_vec()],
    };
    let r1 = engine.commit(created.clone()).await.unwrap();
    assert!(r1 > start);
    assert_eq!(value_of(&*engine, "a").await, Some(("1".into(), r1)));
    assert_eq!(value_of(&*engine, "b").await, Some(("1".into(), r1)));

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
            actual: Some(r1),
        })
    );
    assert_eq!(value_of(&*engine, "c").await, None);
    assert_eq!(engine.events_since(start, 10).await.unwrap().len(), 1);

    // At-revision succeeds only at the exact revision.
    let stale = Commit {
        preconditions: vec![Precondition::AtRevision(b"a".to_vec(), r1 + 1000)],
        ops: vec![put("a", "2")],
        events: vec![],
    };
    assert!(matches!(
        engine.commit(stale).await,
        Err(CommitError::PreconditionFailed(FailedPrecondition { index: 0, actual: Some(r), .. })) if r == r1
    ));
    let fresh = Commit {
        preconditions: vec![Precondition::AtRevision(b"a".to_vec(), r1)],
        ops: vec![put("a", "2"), Op::Delete(b"b".to_vec())],
        events: vec![b"a updated".to_vec(), b"b deleted".to_vec()],
    };
    let r2 = engine.commit(fresh).await.unwrap();
    assert!(r2 > r1);
    assert_eq!(value_of(&*engine, "a").await, Some(("2".into(), r2)));
    assert_eq!(value_of(&*engine, "b").await, None);

    // At-revision on an absent key fails and reports it absent.
    let missing = Commit {
        preconditions: vec![Precondition::AtRevision(b"b".to_vec(), r1)],
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
    // Ops on one key apply in order: the last one wins.
    let r3 = engine
        .commit(Commit {
            ops: vec![
                put("c", "1"),
                Op::Delete(b"c".to_vec()),
                put("d", "1"),
                put("d", "2"),
            ],
            ..Commit::default()
        })
        .await
        .unwrap();
    assert_eq!(value_of(&*engine, "c").await, None);
    assert_eq!(value_of(&*engine, "d").await, Some(("2".into(), r3)));
    // A commit that changes nothing makes no revision.
    for nothing in [vec![], vec![Op::Delete(b"never-there".to_vec())]] {
        let now = engine.current_revision().await.unwrap();
        let revision = engine
            .commit(Commit {
                preconditions: vec![Precondition::AtRevision(b"a".to_vec(), r2)],
                ops: nothing,
                events: vec![],
            })
            .await
            .unwrap();
        assert!(revision >= now);
        assert_eq!(value_of(&*engine, "a").await, Some(("2".into(), r2)));
    }

    let events = engine.events_since(start, 10).await.unwrap();
    let ids: Vec<_> = events.iter().map(|e| (e.revision, e.index)).collect();
    assert_eq!(ids, vec![(r1, 0), (r2, 0), (r2, 1)]);
    assert_eq!(events[2].payload, b"b deleted");
    assert_eq!(engine.events_since(r1, 10).await.unwrap().len(), 2);
    assert_eq!(engine.events_since(r2, 10).await.unwrap().len(), 0);
    // A limit never splits a commit: r2 has two events.
    assert_eq!(engine.events_since(start, 1).await.unwrap().len(), 1);
    assert_eq!(engine.events_since(start, 2).await.unwrap().len(), 3);
    assert_eq!(engine.events_since(r1, 1).await.unwrap().len(), 2);
}

async fn range_pages_through_a_prefix(h: impl Harness) {
    let engine = h.engine();
    let mut ops = vec![put("a/outside", "x"), put("c/outside", "x")];
    for i in 0..25 {
        ops.push(put(&format!("b/{i:03}"), &i.to_string()));
    }
    let written = engine
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
        assert!(page.revision >= written);
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
    assert_eq!(all.len(), 320);
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
    let mut winners = Vec::new();
    let mut losers_saw = HashSet::new();
    for task in tasks {
        match task.await.unwrap() {
            Ok(rev) => winners.push(rev),
            Err(CommitError::PreconditionFailed(f)) => {
                losers_saw.insert(f.actual);
            }
            Err(other) => panic!("unexpected {other}"),
        }
    }
    assert_eq!(winners.len(), 1);
    // Every loser saw the winner's write.
    assert_eq!(losers_saw, HashSet::from([Some(winners[0])]));
    assert_eq!(engine.events_since(0, 100).await.unwrap().len(), 1);
}

async fn reopen_keeps_state_and_revisions_continue(mut h: impl Harness) {
    let engine = h.engine();
    let mut last = 0;
    for i in 0..5 {
        last = engine
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
    assert!(engine.current_revision().await.unwrap() >= last);
    assert_eq!(value_of(&*engine, "k4").await, Some(("v".into(), last)));
    assert_eq!(engine.events_since(0, 100).await.unwrap().len(), 5);
    let rev = engine
        .commit(Commit {
            ops: vec![put("k5", "v")],
            ..Commit::default()
        })
        .await
        .unwrap();
    assert!(rev > last);
}

async fn watch_wakes_on_commit(h: impl Harness) {
    let engine = h.engine();
    let mut watch = engine.watch_revision();
    let before = *watch.borrow_and_update();
    let writer = Arc::clone(&engine);
    let commit = tokio::spawn(async move {
        writer
            .commit(Commit {
                ops: vec![put("x", "1")],
                ..Commit::default()
            })
            .await
            .unwrap()
    });
    tokio::time::timeout(std::time::Duration::from_secs(10), watch.changed())
        .await
        .expect("woken by the commit")
        .unwrap();
    let revision = commit.await.unwrap();
    assert!(revision > before);
    tokio::time::timeout(
        std::time::Duration::from_secs(10),
        watch.wait_for(|r| *r >= revision),
    )
    .await
    .expect("the watch reaches the commit's revision")
    .unwrap();
}

async fn compaction_removes_old_events_and_says_so(h: impl Harness) {
    let engine = h.engine();
    let mut revisions = Vec::new();
    for i in 0..10u8 {
        let revision = engine
            .commit(Commit {
                events: vec![vec![i]],
                ..Commit::default()
            })
            .await
            .unwrap();
        revisions.push(revision);
    }
    engine.compact_events(revisions[5]).await.unwrap();
    assert_eq!(
        engine.events_since(revisions[1], 100).await.unwrap_err(),
        Error::Compacted {
            requested: revisions[1],
            compacted_through: revisions[4]
        }
    );
    let rest = engine.events_since(revisions[4], 100).await.unwrap();
    assert_eq!(
        rest.iter().map(|e| e.revision).collect::<Vec<_>>(),
        revisions[5..]
    );
    // Compacting to an older point is a no-op.
    engine.compact_events(revisions[2]).await.unwrap();
    assert_eq!(
        engine.events_since(revisions[4], 100).await.unwrap().len(),
        5
    );
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

/// A lone campaigner leads at once; its fence lets its commits through
/// and fails once the leader key has moved on.
async fn a_lone_campaigner_leads_and_its_fence_guards_commits(harness: impl Harness) {
    let engine = harness.engine();
    let key = b"s/leader/test".to_vec();
    let leadership = engine
        .campaign(&key, std::time::Duration::from_secs(2))
        .await
        .unwrap();
    assert_eq!(leadership.fence.key(), key.as_slice());
    assert!(!*leadership.lost.borrow());
    let fenced = |name: &str| Commit {
        preconditions: vec![leadership.fence.clone()],
        ops: vec![Op::Put(name.as_bytes().to_vec(), b"v".to_vec())],
        events: Vec::new(),
    };
    engine.commit(fenced("a")).await.unwrap();
    engine.commit(fenced("b")).await.unwrap();
    // Another claim (as after a takeover) moves the key: the old fence fails.
    engine
        .commit(Commit {
            preconditions: Vec::new(),
            ops: vec![Op::Put(key.clone(), b"someone else".to_vec())],
            events: Vec::new(),
        })
        .await
        .unwrap();
    assert!(matches!(
        engine.commit(fenced("c")).await,
        Err(CommitError::PreconditionFailed(_))
    ));
}

/// A snapshot reads the store as of its revision while commits go on:
/// keys written later are absent, keys changed later show their old value,
/// and events stop at its revision.
async fn a_snapshot_is_one_revision_while_writes_go_on(h: impl Harness) {
    let engine = h.engine();
    for i in 0..30 {
        let commit = Commit {
            preconditions: Vec::new(),
            ops: vec![put(&format!("k{i:02}"), "old")],
            events: vec![format!("e{i}").into_bytes()],
        };
        engine.commit(commit).await.unwrap();
    }
    let mut snapshot = engine.snapshot().await.unwrap();
    let point = snapshot.point();
    // (etcd's own bookkeeping, moving events into the log, may follow.)
    assert!(point.revision <= engine.current_revision().await.unwrap());
    // Writes after the snapshot started.
    for i in 0..30 {
        let commit = Commit {
            preconditions: Vec::new(),
            ops: vec![
                put(&format!("k{i:02}"), "new"),
                put(&format!("z{i}"), "later"),
            ],
            events: vec![b"later".to_vec()],
        };
        engine.commit(commit).await.unwrap();
    }
    let mut seen = Vec::new();
    let mut after: Option<Vec<u8>> = None;
    loop {
        let page = snapshot.data(after.as_deref(), 7).await.unwrap();
        after = page.entries.last().map(|(k, _)| k.clone());
        seen.extend(page.entries);
        if !page.more {
            break;
        }
    }
    assert_eq!(
        seen.len(),
        30,
        "{:?}",
        seen.iter()
            .map(|(k, _)| String::from_utf8_lossy(k))
            .collect::<Vec<_>>()
    );
    assert!(
        seen.iter()
            .all(|(_, e)| e.value == b"old" && e.mod_revision <= point.revision)
    );
    let mut events = Vec::new();
    let mut after = point.compacted_through;
    loop {
        let page = snapshot.events(after, 8).await.unwrap();
        let Some(last) = page.last() else { break };
        after = last.revision;
        events.extend(page);
    }
    assert_eq!(events.len(), 30);
    assert!(events.iter().all(|e| e.revision <= point.revision));
}

/// A copy loads into an empty store only; afterwards the store is at or past
/// the copy's revision, every event at its position, and commits go on
/// after it, preconditions on loaded keys included.
async fn a_copy_loads_into_an_empty_store_and_revisions_go_on(h: impl Harness) {
    let engine = h.engine();
    let copy_revision = 5_000;
    let mut loader = engine.load().await.unwrap();
    loader
        .data(vec![
            (
                b"a".to_vec(),
                clusterdb_storage::Entry {
                    value: b"1".to_vec(),
                    mod_revision: 4_000,
                },
            ),
            (
                b"b".to_vec(),
                clusterdb_storage::Entry {
                    value: b"2".to_vec(),
                    mod_revision: 4_990,
                },
            ),
        ])
        .await
        .unwrap();
    loader
        .events(vec![
            clusterdb_storage::EventRecord {
                revision: 4_500,
                index: 0,
                payload: b"x".to_vec(),
            },
            clusterdb_storage::EventRecord {
                revision: 4_990,
                index: 1,
                payload: b"y".to_vec(),
            },
        ])
        .await
        .unwrap();
    loader
        .finish(clusterdb_storage::SnapshotPoint {
            revision: copy_revision,
            compacted_through: 4_000,
        })
        .await
        .unwrap();
    assert!(engine.current_revision().await.unwrap() >= copy_revision);
    let events = engine.events_since(4_000, 10).await.unwrap();
    assert_eq!(
        events
            .iter()
            .map(|e| (e.revision, e.index))
            .collect::<Vec<_>>(),
        [(4_500, 0), (4_990, 1)]
    );
    assert!(matches!(
        engine.events_since(3_999, 10).await,
        Err(Error::Compacted { .. })
    ));
    let a = engine.get(b"a").await.unwrap().unwrap();
    let next = engine
        .commit(Commit {
            preconditions: vec![Precondition::AtRevision(b"a".to_vec(), a.mod_revision)],
            ops: vec![put("a", "2")],
            events: vec![b"z".to_vec()],
        })
        .await
        .unwrap();
    assert!(next > copy_revision);
    assert_eq!(
        engine.events_since(4_990, 10).await.unwrap()[0].revision,
        next
    );
    assert!(matches!(engine.load().await, Err(Error::NotEmpty(_))));
}

crate::for_each_engine!(
    a_snapshot_is_one_revision_while_writes_go_on,
    a_copy_loads_into_an_empty_store_and_revisions_go_on,
    a_lone_campaigner_leads_and_its_fence_guards_commits,
    conditional_commits,
    range_pages_through_a_prefix,
    concurrent_read_modify_write_loses_no_update,
    racing_creates_of_one_key_have_exactly_one_winner,
    reopen_keeps_state_and_revisions_continue,
    watch_wakes_on_commit,
    compaction_removes_old_events_and_says_so,
    closed_engine_refuses_work,
);
