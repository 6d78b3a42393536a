//! What only the etcd engine can get wrong: several nodes, prefixes, faults,
//! and etcd's own MVCC compaction.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use clusterdb_storage::{
    Commit, CommitError, Engine, Error, EtcdEngine, EtcdOptions, Op, Precondition, Revision,
};
use clusterdb_testkit::EtcdCluster;

async fn cluster(members: usize) -> EtcdCluster {
    tokio::task::spawn_blocking(move || EtcdCluster::start(members))
        .await
        .unwrap()
}

async fn connect(endpoints: &[String], prefix: &str) -> EtcdEngine {
    let options = EtcdOptions {
        prefix: prefix.into(),
        request_timeout: Duration::from_secs(2),
        connect_timeout: Duration::from_secs(2),
    };
    EtcdEngine::connect(endpoints, options).await.unwrap()
}

fn create(key: &str) -> Commit {
    Commit {
        preconditions: vec![Precondition::Absent(key.as_bytes().to_vec())],
        ops: vec![Op::Put(key.as_bytes().to_vec(), b"v".to_vec())],
        events: vec![key.as_bytes().to_vec()],
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_sharing_a_prefix_see_each_others_commits_and_wake() {
    let cluster = cluster(1).await;
    let a = connect(&cluster.endpoints(), "/shared/").await;
    let b = connect(&cluster.endpoints(), "/shared/").await;
    let mut b_watch = b.watch_revision();
    b_watch.borrow_and_update();
    let rev = a.commit(create("x")).await.unwrap();
    tokio::time::timeout(Duration::from_secs(10), b_watch.changed())
        .await
        .expect("b is woken by a's commit")
        .unwrap();
    assert!(*b_watch.borrow() >= rev);
    assert_eq!(b.get(b"x").await.unwrap().unwrap().mod_revision, rev);
    let events = b.events_since(0, 10).await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(
        (events[0].revision, events[0].payload.as_slice()),
        (rev, &b"x"[..])
    );
    // A racing create from the other node names the failed precondition.
    match b.commit(create("x")).await {
        Err(CommitError::PreconditionFailed(f)) => assert_eq!((f.index, f.actual), (0, Some(rev))),
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prefixes_isolate_stores_on_one_cluster() {
    let cluster = cluster(1).await;
    let one = connect(&cluster.endpoints(), "/one/").await;
    let two = connect(&cluster.endpoints(), "/two/").await;
    one.commit(create("k")).await.unwrap();
    assert!(two.get(b"k").await.unwrap().is_none());
    assert!(two.range(b"", None, 10).await.unwrap().entries.is_empty());
    assert!(two.events_since(0, 10).await.unwrap().is_empty());
    two.commit(create("k")).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_survive_etcd_history_compaction() {
    let cluster = cluster(1).await;
    let engine = connect(&cluster.endpoints(), "/c/").await;
    let mut revisions = Vec::new();
    for i in 0..30 {
        revisions.push(engine.commit(create(&format!("k{i}"))).await.unwrap());
    }
    // Compact etcd's MVCC history up to now: the log must not care.
    let mut client = etcd_client::Client::connect(cluster.endpoints(), None)
        .await
        .unwrap();
    let now = client
        .get("/c/", None)
        .await
        .unwrap()
        .header()
        .unwrap()
        .revision();
    client.compact(now, None).await.unwrap();
    let events = engine.events_since(0, 1000).await.unwrap();
    assert_eq!(
        events.iter().map(|e| e.revision).collect::<Vec<_>>(),
        revisions
    );
    // The mover empties the pending area; the log alone then holds them.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let pending = client
            .get(
                "/c/e/p/",
                Some(
                    etcd_client::GetOptions::new()
                        .with_prefix()
                        .with_count_only(),
                ),
            )
            .await
            .unwrap()
            .count();
        if pending == 0 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{pending} events still pending"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let events = engine.events_since(0, 1000).await.unwrap();
    assert_eq!(
        events.iter().map(|e| e.revision).collect::<Vec<_>>(),
        revisions
    );
    let page = engine.events_since(revisions[9], 5).await.unwrap();
    assert_eq!(
        page.iter().map(|e| e.revision).collect::<Vec<_>>(),
        revisions[10..15]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_cluster_is_a_typed_error() {
    let mut cluster = cluster(1).await;
    let engine = connect(&cluster.endpoints(), "/u/").await;
    engine.commit(create("before")).await.unwrap();
    cluster.kill(0);
    match engine.get(b"before").await {
        Err(Error::Unavailable(_)) => {}
        other => panic!("expected Unavailable, got {other:?}"),
    }
    match engine.commit(create("after")).await {
        Err(CommitError::Storage(Error::Unavailable(_) | Error::OutcomeUnknown(_))) => {}
        other => panic!("expected Unavailable or OutcomeUnknown, got {other:?}"),
    }
    let options = EtcdOptions {
        connect_timeout: Duration::from_millis(500),
        ..EtcdOptions::default()
    };
    match EtcdEngine::connect(&cluster.endpoints(), options).await {
        Err(Error::Unavailable(_)) => {}
        Err(other) => panic!("expected Unavailable, got {other:?}"),
        Ok(_) => panic!("connected to a dead cluster"),
    }
}

/// What happened to one task's commits.
#[derive(Default)]
struct Outcomes {
    acknowledged: Vec<(String, Revision)>,
    unknown: Vec<String>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_a_member_mid_run_loses_no_acknowledged_commit() {
    let mut cluster = cluster(3).await;
    let endpoints = cluster.endpoints();
    let engine = Arc::new(connect(&endpoints, "/fault/").await);
    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..64)
        .map(|task| {
            let (engine, stop, acked) =
                (Arc::clone(&engine), Arc::clone(&stop), Arc::clone(&acked));
            tokio::spawn(async move {
                let mut outcomes = Outcomes::default();
                let mut i = 0;
                while !stop.load(Ordering::Relaxed) {
                    let key = format!("t{task:02}/{i:05}");
                    i += 1;
                    match engine.commit(create(&key)).await {
                        Ok(revision) => {
                            acked.fetch_add(1, Ordering::Relaxed);
                            outcomes.acknowledged.push((key, revision));
                        }
                        // Never retried: the key is abandoned.
                        Err(CommitError::Storage(
                            Error::Unavailable(_) | Error::OutcomeUnknown(_),
                        )) => {
                            outcomes.unknown.push(key);
                            tokio::time::sleep(Duration::from_millis(20)).await;
                        }
                        Err(other) => panic!("unexpected {other}"),
                    }
                }
                outcomes
            })
        })
        .collect();
    let wait_for = |n: usize| {
        let acked = Arc::clone(&acked);
        async move {
            let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
            while acked.load(Ordering::Relaxed) < n {
                assert!(tokio::time::Instant::now() < deadline, "stalled at {n}");
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    };
    wait_for(500).await;
    tokio::task::block_in_place(|| cluster.kill(0));
    let at_kill = acked.load(Ordering::Relaxed);
    // The two survivors keep a quorum: commits go on.
    wait_for(at_kill + 500).await;
    stop.store(true, Ordering::Relaxed);
    let mut acknowledged = Vec::new();
    let mut unknown = Vec::new();
    for task in tasks {
        let outcomes = task.await.unwrap();
        let revisions: Vec<_> = outcomes.acknowledged.iter().map(|(_, r)| *r).collect();
        assert!(
            revisions.windows(2).all(|w| w[0] < w[1]),
            "a task's revisions increase"
        );
        acknowledged.extend(outcomes.acknowledged);
        unknown.extend(outcomes.unknown);
    }

    // Read back through a fresh node on the survivors.
    let reader = connect(&endpoints[1..], "/fault/").await;
    let mut log: Vec<_> = Vec::new();
    let mut after = 0;
    loop {
        let page = reader.events_since(after, 1000).await.unwrap();
        let Some(last) = page.last() else { break };
        after = last.revision;
        log.extend(page);
    }
    assert!(
        log.windows(2)
            .all(|w| (w[0].revision, w[0].index) < (w[1].revision, w[1].index))
    );
    let mut logged: HashMap<String, Revision> = HashMap::new();
    for event in &log {
        let key = String::from_utf8(event.payload.clone()).unwrap();
        assert!(
            logged.insert(key.clone(), event.revision).is_none(),
            "{key} applied twice"
        );
    }
    let mut seen_revisions = HashSet::new();
    for (key, revision) in &acknowledged {
        assert!(
            seen_revisions.insert(*revision),
            "revision {revision} acknowledged twice"
        );
        let entry = reader.get(key.as_bytes()).await.unwrap();
        assert_eq!(
            entry.map(|e| e.mod_revision),
            Some(*revision),
            "acknowledged {key} lost"
        );
        assert_eq!(
            logged.get(key),
            Some(revision),
            "acknowledged {key} has no event"
        );
    }
    // An unknown outcome is either fully applied (value and event) or not at all.
    for key in &unknown {
        let stored = reader
            .get(key.as_bytes())
            .await
            .unwrap()
            .map(|e| e.mod_revision);
        assert_eq!(
            stored,
            logged.get(key).copied(),
            "{key}: data and event disagree"
        );
    }
    assert_eq!(
        logged.len(),
        acknowledged.len() + unknown.iter().filter(|k| logged.contains_key(*k)).count()
    );
    eprintln!(
        "fault test: {} acknowledged, {} with unknown outcome ({} of them applied)",
        acknowledged.len(),
        unknown.len(),
        unknown.iter().filter(|k| logged.contains_key(*k)).count()
    );
}

/// Leader election: one node leads; its fence refuses commits once another
/// has taken over; a clean close hands over at once, a dead node after the
/// lease's TTL.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_node_leads_and_a_successor_takes_over_with_a_new_fence() {
    let cluster = cluster(1).await;
    let key = b"s/leader/workers";
    let ttl = Duration::from_secs(2);
    let a = connect(&cluster.endpoints(), "/lead/").await;
    let b = Arc::new(connect(&cluster.endpoints(), "/lead/").await);
    let c = Arc::new(connect(&cluster.endpoints(), "/lead/").await);
    let first = a.campaign(key, ttl).await.unwrap();
    let fenced = |fence: &Precondition, name: &str| Commit {
        preconditions: vec![fence.clone()],
        ops: vec![Op::Put(name.as_bytes().to_vec(), b"v".to_vec())],
        events: Vec::new(),
    };
    a.commit(fenced(&first.fence, "by-a")).await.unwrap();
    // b waits while a leads (a renews its lease past the TTL).
    let waiting = {
        let b = Arc::clone(&b);
        tokio::spawn(async move { b.campaign(key, ttl).await.unwrap() })
    };
    tokio::time::sleep(ttl * 2).await;
    assert!(!waiting.is_finished(), "a still leads");
    assert!(!*first.lost.borrow());
    // a closes: b leads at once.
    let closed = std::time::Instant::now();
    a.close().await.unwrap();
    let second = tokio::time::timeout(Duration::from_secs(5), waiting)
        .await
        .expect("b takes over")
        .unwrap();
    assert!(closed.elapsed() < ttl, "a clean close hands over at once");
    assert_ne!(second.fence, first.fence);
    // a's fence no longer holds (b could commit through any node).
    match b.commit(fenced(&first.fence, "late-a")).await {
        Err(CommitError::PreconditionFailed(_)) => {}
        other => panic!("a deposed leader's commit landed: {other:?}"),
    }
    b.commit(fenced(&second.fence, "by-b")).await.unwrap();
    // b dies without closing (its renewals stop): c takes over after the TTL.
    let waiting = {
        let c = Arc::clone(&c);
        tokio::spawn(async move { c.campaign(key, ttl).await.unwrap() })
    };
    let died = std::time::Instant::now();
    drop(b);
    let third = tokio::time::timeout(Duration::from_secs(10), waiting)
        .await
        .expect("c takes over")
        .unwrap();
    assert!(
        died.elapsed() >= ttl / 2,
        "not before the lease could expire"
    );
    assert_ne!(third.fence, second.fence);
}

/// Sends `count` commits and reads, one at a time, and returns how many
/// failed (each failure is printed).
async fn failures_among(engine: &EtcdEngine, prefix: &str, count: usize) -> usize {
    let mut failed = 0;
    for i in 0..count {
        let key = format!("{prefix}/{i:04}");
        if let Err(err) = engine.commit(create(&key)).await {
            eprintln!("{key}: commit failed: {err}");
            failed += 1;
        }
        if let Err(err) = engine.get(key.as_bytes()).await {
            eprintln!("{key}: read failed: {err}");
            failed += 1;
        }
    }
    failed
}

/// Each member of three in turn dead (connections refused) and then hung
/// (SIGSTOP: connections open, no answer): requests go to the others. A
/// dead member costs at most the one commit that may already have been on
/// its connection; a hung one costs nothing once the prober has found it
/// out, and a member that comes back is used again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_or_hung_member_is_failed_over() {
    let mut cluster = cluster(3).await;
    let engine = connect(&cluster.endpoints(), "/failover/").await;
    assert_eq!(failures_among(&engine, "warm", 20).await, 0);
    for member in 0..3 {
        tokio::task::block_in_place(|| cluster.kill(member));
        let failed = failures_among(&engine, &format!("dead-{member}"), 100).await;
        assert!(
            failed <= 1,
            "{failed} of 200 requests failed with m{member} dead"
        );
        tokio::task::block_in_place(|| cluster.restart(member));

        cluster.pause(member);
        // Requests in flight when a member hangs may time out; after the
        // prober's verdict (well under two seconds) none does.
        let started = std::time::Instant::now();
        let during = failures_among(&engine, &format!("hung-{member}-early"), 10).await;
        let found_out = started.elapsed();
        let after = failures_among(&engine, &format!("hung-{member}"), 100).await;
        eprintln!(
            "m{member} hung: {during} of 20 early requests failed (in {found_out:?}), {after} of 200 after"
        );
        assert_eq!(after, 0, "requests failed with m{member} hung");
        cluster.resume(member);
    }
    // Every member answers again, and the engine goes on.
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(failures_among(&engine, "after", 20).await, 0);
}

/// A node starts while a member is down; with none up it names them all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_starts_with_a_member_down_and_names_the_unreachable() {
    let mut cluster = cluster(3).await;
    let endpoints = cluster.endpoints();
    tokio::task::block_in_place(|| cluster.kill(0));
    let engine = connect(&endpoints, "/start/").await;
    assert_eq!(failures_among(&engine, "k", 20).await, 0);
    // A bare host:port is plain HTTP, as etcd-client takes it.
    let bare: Vec<String> = endpoints
        .iter()
        .map(|e| e.trim_start_matches("http://").to_string())
        .collect();
    let same = connect(&bare, "/start/").await;
    assert!(same.get(b"k/0000").await.unwrap().is_some());
    tokio::task::block_in_place(|| {
        cluster.kill(1);
        cluster.kill(2);
    });
    let options = EtcdOptions {
        connect_timeout: Duration::from_millis(500),
        ..EtcdOptions::default()
    };
    let Err(err) = EtcdEngine::connect(&endpoints, options).await else {
        panic!("connected to a dead cluster");
    };
    let message = err.to_string();
    for endpoint in &endpoints {
        assert!(message.contains(endpoint.as_str()), "{message}");
    }
}
