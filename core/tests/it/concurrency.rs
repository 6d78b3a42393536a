//! Concurrent writers: optimistic concurrency loses no update.

use std::collections::HashSet;

use clusterdb::ErrorCode;

use crate::support::{fleet, quiet_db};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_four_read_modify_write_tasks_lose_no_update() {
    let db = quiet_db().await;
    let id = db
        .fleets()
        .create(fleet("counter", 1).tag("count", "0"))
        .await
        .unwrap()
        .meta
        .id;
    const TASKS: u64 = 64;
    const EACH: u64 = 5;
    let tasks: Vec<_> = (0..TASKS)
        .map(|_| {
            let db = db.clone();
            let id = id.clone();
            tokio::spawn(async move {
                let mut versions = Vec::new();
                let mut conflicts = 0;
                for _ in 0..EACH {
                    loop {
                        let current = db.fleets().get(&id).await.unwrap();
                        let n: u64 = current.meta.tags["count"].parse().unwrap();
                        let draft = fleet("counter", 1).tag("count", (n + 1).to_string());
                        match db
                            .fleets()
                            .update(&id, draft, Some(current.resource_version()))
                            .await
                        {
                            Ok(updated) => {
                                versions.push(updated.resource_version());
                                break;
                            }
                            Err(err) if err.code() == ErrorCode::Conflict => conflicts += 1,
                            Err(err) => panic!("{err}"),
                        }
                    }
                }
                (versions, conflicts)
            })
        })
        .collect();
    let mut all = HashSet::new();
    let mut conflicts = 0;
    for task in tasks {
        let (versions, c) = task.await.unwrap();
        conflicts += c;
        for v in versions {
            assert!(all.insert(v), "version {v} returned twice");
        }
    }
    let last = db.fleets().get(&id).await.unwrap();
    assert_eq!(last.meta.tags["count"], (TASKS * EACH).to_string());
    assert!(conflicts > 0, "the test must actually race");
    // One updated event per successful write, at the very revision the
    // write answered with.
    let events = db.events().list(0, 1000).await.unwrap();
    let logged: HashSet<u64> = events
        .iter()
        .filter(|e| e.event_type == "fleet.updated")
        .map(|e| e.revision)
        .collect();
    assert_eq!(logged, all);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blind_updates_retry_internally_and_the_log_matches_the_store() {
    let db = quiet_db().await;
    let id = db.fleets().create(fleet("web", 1)).await.unwrap().meta.id;
    // Without an expected version a lost race is retried on fresh state,
    // so no caller sees CONFLICT.
    let tasks: Vec<_> = (2..34u32)
        .map(|capacity| {
            let db = db.clone();
            let id = id.clone();
            tokio::spawn(async move { db.fleets().update(&id, fleet("web", capacity), None).await })
        })
        .collect();
    for task in tasks {
        task.await
            .unwrap()
            .expect("a blind update never fails on a race");
    }
    let events = db.events().list(0, 1000).await.unwrap();
    let updates: Vec<_> = events
        .iter()
        .filter(|e| e.event_type == "fleet.updated")
        .collect();
    // Every capacity differs from every other, so each call was a real change.
    assert_eq!(updates.len(), 32);
    let stored = db.fleets().get(&id).await.unwrap();
    let last = updates.last().unwrap().object::<clusterdb::FleetKind>();
    assert_eq!(last.unwrap().as_ref(), Some(&stored));
}
