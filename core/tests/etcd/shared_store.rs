//! What only a shared store allows: two processes on one etcd, both running
//! the reconciler.

use std::collections::HashSet;

use clusterdb::{ClusterDb, InstanceKind};

use crate::support::{Store, eventually, fleet};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_reconcilers_on_one_store_never_create_twice() {
    let store = Store::new().await;
    let a = store.open(ClusterDb::builder()).await;
    let b = store.open(ClusterDb::builder()).await;
    let id = a
        .fleets()
        .create(fleet("shared", 12))
        .await
        .unwrap()
        .meta
        .id;
    let converged = |db: ClusterDb, id: String, capacity: u32| async move {
        eventually("convergence", || {
            let (db, id) = (db.clone(), id.clone());
            async move {
                let f = db.fleets().get(&id).await.unwrap();
                (f.status.running_instances == capacity && f.status.instances == capacity)
                    .then_some(())
            }
        })
        .await
    };
    converged(b.clone(), id.clone(), 12).await;
    b.fleets()
        .update(&id, fleet("shared", 5), None)
        .await
        .unwrap();
    converged(a.clone(), id.clone(), 5).await;
    // Let both reconcilers see the last events, then check the log.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let events = a.events().list(0, 1000).await.unwrap();
    let mut created = HashSet::new();
    let mut terminated = HashSet::new();
    for event in &events {
        if let Some(instance) = &event.object::<InstanceKind>().unwrap() {
            match event.event_type.as_str() {
                "instance.created" => {
                    assert!(created.insert(instance.meta.id.clone()), "created twice")
                }
                "instance.terminated" => assert!(
                    terminated.insert(instance.meta.id.clone()),
                    "terminated twice"
                ),
                _ => {}
            }
        }
    }
    // Exactly the peak capacity was ever created, and exactly the excess
    // terminated: no reconciler over-created and cleaned up after itself.
    assert_eq!(created.len(), 12);
    assert_eq!(terminated.len(), 7);
    assert!(terminated.is_subset(&created));
    a.close().await.unwrap();
    b.close().await.unwrap();
}
