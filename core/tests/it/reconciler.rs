//! The fleet reconciler: capacity is desired state.

use clusterdb::{
    ClusterDb, ErrorCode, Fleet, FleetKind, FleetState, Instance, InstanceState, ListOptions,
};
use proptest::prelude::*;

use crate::support::{Store, db, eventually, fleet};

async fn live_members(db: &ClusterDb, fleet_id: &str) -> Vec<Instance> {
    let page = db
        .instances()
        .list(
            &ListOptions::default()
                .field("fleet_id", fleet_id)
                .page_size(1000),
        )
        .await
        .unwrap();
    page.items
}

/// Waits until the fleet has exactly `capacity` running members and says so.
async fn converged(db: &ClusterDb, fleet_id: &str, capacity: u32) -> Fleet {
    eventually("the fleet to converge", || async {
        let f = db.fleets().get(fleet_id).await.unwrap();
        let members = live_members(db, fleet_id).await;
        let running = members
            .iter()
            .filter(|m| m.status.state == InstanceState::Running)
            .count();
        let done = f.spec.capacity == capacity
            && f.status.instances == capacity
            && f.status.running_instances == capacity
            && members.len() == capacity as usize
            && running == capacity as usize;
        done.then_some(f)
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn capacity_brings_running_instances_up_and_down() {
    let db = db().await;
    let f = db.fleets().create(fleet("web-fleet", 3)).await.unwrap();
    let f = converged(&db, f.id(), 3).await;
    assert_eq!(f.status.state, FleetState::Active);
    let members = live_members(&db, f.id()).await;
    for m in &members {
        assert!(m.name().starts_with("web-fleet-"), "{}", m.name());
        assert_eq!(m.spec.instance_type, "t3.medium");
        assert_eq!(m.status.fleet_id.as_deref(), Some(f.id()));
        assert!(m.status.launched_at.is_some());
    }

    db.fleets()
        .update(f.id(), fleet("web-fleet", 7), None)
        .await
        .unwrap();
    converged(&db, f.id(), 7).await;
    db.fleets()
        .update(f.id(), fleet("web-fleet", 2), None)
        .await
        .unwrap();
    converged(&db, f.id(), 2).await;
    // Scaled-down members are terminated, not forgotten.
    let all = db
        .instances()
        .list(&ListOptions::default())
        .await
        .unwrap()
        .items;
    assert_eq!(all.len(), 7);
    assert_eq!(
        all.iter()
            .filter(|i| i.status.state == InstanceState::Terminated)
            .count(),
        5
    );

    // A member terminated by hand is replaced.
    let victim = live_members(&db, f.id()).await.remove(0);
    db.instances().terminate(victim.id(), None).await.unwrap();
    converged(&db, f.id(), 2).await;
    assert!(
        live_members(&db, f.id())
            .await
            .iter()
            .all(|m| m.id() != victim.id())
    );

    // Events tell the story: creates and starts, terminations.
    let events = db.events().list(0, 1000).await.unwrap();
    let count = |t: &str| events.iter().filter(|e| e.event_type == t).count();
    assert_eq!(count("instance.created"), 8);
    assert_eq!(count("instance.started"), 8);
    assert_eq!(count("instance.terminated"), 6);
    db.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_fleet_terminates_its_members_then_removes_it() {
    let db = db().await;
    let f = db.fleets().create(fleet("batch", 4)).await.unwrap();
    converged(&db, f.id(), 4).await;
    let deleting = db.fleets().delete(f.id(), None).await.unwrap();
    assert_eq!(deleting.status.state, FleetState::Deleting);
    eventually("the fleet to be removed", || async {
        let gone = db.fleets().get(f.id()).await;
        matches!(gone, Err(ref e) if e.code() == ErrorCode::NotFound).then_some(())
    })
    .await;
    assert!(live_members(&db, f.id()).await.is_empty());
    let all = db
        .instances()
        .list(&ListOptions::default())
        .await
        .unwrap()
        .items;
    assert!(
        all.iter()
            .all(|i| i.status.state == InstanceState::Terminated)
    );
    let events = db.events().list(0, 1000).await.unwrap();
    let last = events.last().unwrap();
    assert_eq!(last.event_type, "fleet.deleted");
    let last = last.object::<FleetKind>().unwrap().expect("a fleet");
    assert_eq!(last.status.instances, 0);
    // The name is free again.
    db.fleets().create(fleet("batch", 1)).await.unwrap();
    db.close().await.unwrap();
}

/// Applies capacities one after another, reopening the store where asked
/// (before the reconciler has caught up), then checks convergence.
async fn capacity_sequence(steps: Vec<(u32, bool)>) {
    let store = Store::new().await;
    let mut db = store.open(ClusterDb::builder()).await;
    let id = db.fleets().create(fleet("web", 1)).await.unwrap().meta.id;
    let mut capacity = 1;
    for (next, restart) in steps {
        db.fleets()
            .update(&id, fleet("web", next), None)
            .await
            .unwrap();
        capacity = next;
        if restart {
            db.close().await.unwrap();
            db = store.open(ClusterDb::builder()).await;
        }
    }
    converged(&db, &id, capacity).await;
    // Nothing was created twice: created - terminated == capacity.
    let events = db.events().list(0, 1000).await.unwrap();
    let created = events
        .iter()
        .filter(|e| e.event_type == "instance.created")
        .count();
    let terminated = events
        .iter()
        .filter(|e| e.event_type == "instance.terminated")
        .count();
    assert_eq!(created - terminated, capacity as usize);
    db.close().await.unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(crate::support::cases(12)))]

    #[test]
    fn converges_for_random_capacity_sequences_across_restarts(
        steps in proptest::collection::vec((1u32..25, proptest::bool::weighted(0.4)), 1..6)
    ) {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
            .block_on(capacity_sequence(steps));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reconciler_resumes_from_its_stored_cursor() {
    let store = Store::new().await;
    // Write while no reconciler runs: the events wait in the log.
    let db = store.open(ClusterDb::builder().reconcile(false)).await;
    let id = db.fleets().create(fleet("web", 5)).await.unwrap().meta.id;
    db.close().await.unwrap();
    let db = store.open(ClusterDb::builder()).await;
    converged(&db, &id, 5).await;
    db.close().await.unwrap();
    // A restart may re-read its last batch (if it stopped before saving
    // its cursor) but changes nothing for it: after a scale to 6, which
    // proves the restarted reconciler alive, the log holds exactly what
    // the scale needed after what was there.
    let events_before = db_events(&store).await;
    let db = store.open(ClusterDb::builder()).await;
    db.fleets()
        .update(&id, fleet("web", 6), None)
        .await
        .unwrap();
    converged(&db, &id, 6).await;
    db.close().await.unwrap();
    let events_after = db_events(&store).await;
    assert_eq!(events_after[..events_before.len()], events_before[..]);
    let created = events_after
        .iter()
        .filter(|t| *t == "instance.created")
        .count();
    assert_eq!(created, 6);
}

/// The event types in the store's log, read without a reconciler.
async fn db_events(store: &Store) -> Vec<String> {
    let db = store.open(ClusterDb::builder().reconcile(false)).await;
    let types = db
        .events()
        .list(0, 1000)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.event_type)
        .collect();
    db.close().await.unwrap();
    types
}
