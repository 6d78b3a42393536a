//! The event log: one typed event per mutation, in the same commit, and
//! subscriptions that see every event exactly once.

use clusterdb::{
    Draft, ErrorCode, Event, FleetKind, FunctionSpec, InstanceKind, InstanceSpec, InstanceState,
};

use crate::support::{fleet, quiet_db};

fn types(events: &[Event]) -> Vec<&str> {
    events.iter().map(|e| e.event_type.as_str()).collect()
}

#[tokio::test]
async fn every_mutation_appends_its_event() {
    let db = quiet_db().await;
    let f = db.fleets().create(fleet("web", 3)).await.unwrap();
    db.fleets()
        .update(f.id(), fleet("web", 4), None)
        .await
        .unwrap();
    db.fleets().delete(f.id(), None).await.unwrap();

    let spec = InstanceSpec {
        instance_type: "t3.micro".into(),
    };
    let i = db.instances().create(Draft::new("vm", spec)).await.unwrap();
    db.instances().start(i.id(), None).await.unwrap();
    db.instances().stop(i.id(), None).await.unwrap();
    db.instances().terminate(i.id(), None).await.unwrap();
    db.instances().delete(i.id(), None).await.unwrap();
    let live = db
        .instances()
        .create(Draft::new(
            "vm2",
            InstanceSpec {
                instance_type: "t3.micro".into(),
            },
        ))
        .await
        .unwrap();
    db.instances().delete(live.id(), None).await.unwrap();

    let func = db
        .functions()
        .create(Draft::new("resize", FunctionSpec::new("native", "resize")))
        .await
        .unwrap();
    let mut spec = FunctionSpec::new("native", "resize");
    spec.timeout_ms = 100;
    db.functions()
        .update(func.id(), Draft::new("resize", spec), None)
        .await
        .unwrap();
    db.functions().delete(func.id(), None).await.unwrap();

    let events = db.events().list(0, 1000).await.unwrap();
    assert_eq!(
        types(&events),
        vec![
            "fleet.created",
            "fleet.updated",
            "fleet.updated", // marked deleting; the reconciler would finish it
            "instance.created",
            "instance.started",
            "instance.stopped",
            "instance.terminated",
            "instance.deleted",
            "instance.created",
            "instance.terminated", // deleting a live instance terminates it
            "instance.deleted",
            "function.created",
            "function.updated",
            "function.deleted",
        ]
    );
    // Ids name positions; the data is the resource after the change.
    let first = &events[0];
    assert_eq!(first.id, format!("evt_{}_0", first.revision));
    assert_eq!(
        (first.kind.as_str(), first.meta.id.as_str()),
        ("fleet", f.id())
    );
    let snapshot = first.object::<FleetKind>().unwrap().expect("a fleet");
    assert_eq!(snapshot.id(), f.id());
    assert_eq!(snapshot.spec.capacity, 3);
    assert_eq!(snapshot.resource_version(), first.revision);
    assert_eq!(snapshot.meta, first.meta);
    assert!(first.object::<InstanceKind>().unwrap().is_none());
    let stopped = events[5]
        .object::<InstanceKind>()
        .unwrap()
        .expect("an instance");
    assert_eq!(stopped.status.state, InstanceState::Stopped);
    // Both events of one delete share its commit.
    assert_eq!(events[9].revision, events[10].revision);
    assert_eq!((events[9].index, events[10].index), (0, 1));
    assert!(
        events
            .windows(2)
            .all(|w| (w[0].revision, w[0].index) < (w[1].revision, w[1].index))
    );
}

#[tokio::test]
async fn a_failed_write_emits_no_event() {
    let db = quiet_db().await;
    db.fleets().create(fleet("web", 1)).await.unwrap();
    db.fleets().create(fleet("web", 1)).await.unwrap_err();
    db.fleets().create(fleet("other", 0)).await.unwrap_err();
    let f = db.fleets().get_by_name("web").await.unwrap();
    db.fleets()
        .update(f.id(), fleet("web", 2), Some(999))
        .await
        .unwrap_err();
    assert_eq!(db.events().list(0, 100).await.unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscribers_see_every_event_once_across_catch_up_and_live() {
    let db = quiet_db().await;
    for i in 0..40 {
        db.fleets()
            .create(fleet(&format!("old-{i}"), 1))
            .await
            .unwrap();
    }
    let mut subscription = db.events().subscribe(0);
    // Read a few stored events, then let writers race the reader.
    let mut got = Vec::new();
    for _ in 0..5 {
        got.push(subscription.next().await.unwrap());
    }
    let writers: Vec<_> = (0..8)
        .map(|w| {
            let db = db.clone();
            tokio::spawn(async move {
                for i in 0..40 {
                    db.fleets()
                        .create(fleet(&format!("new-{w}-{i}"), 1))
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    while got.len() < 40 + 8 * 40 {
        got.push(subscription.next().await.unwrap());
    }
    for writer in writers {
        writer.await.unwrap();
    }
    let mut all = Vec::new();
    let mut since = 0;
    loop {
        let page = db.events().list(since, 100).await.unwrap();
        let Some(last) = page.last() else { break };
        since = last.revision;
        all.extend(page);
    }
    assert_eq!(got, all);
    // Nothing more is pending.
    let more =
        tokio::time::timeout(std::time::Duration::from_millis(50), subscription.next()).await;
    assert!(more.is_err(), "no further event exists");
}

#[tokio::test]
async fn subscriptions_resume_after_a_revision() {
    let db = quiet_db().await;
    for i in 0..10 {
        db.fleets()
            .create(fleet(&format!("f{i}"), 1))
            .await
            .unwrap();
    }
    let events = db.events().list(0, 100).await.unwrap();
    let mut subscription = db.events().subscribe(events[6].revision);
    for expected in &events[7..] {
        assert_eq!(&subscription.next().await.unwrap(), expected);
    }
    let now = db.events().current_revision().await.unwrap();
    let mut live = db.events().subscribe(now);
    let db2 = db.clone();
    let writer = tokio::spawn(async move { db2.fleets().create(fleet("later", 1)).await.unwrap() });
    let event = live.next().await.unwrap();
    assert_eq!(event.meta.id, writer.await.unwrap().id());
}

#[tokio::test]
async fn a_subscription_cursor_resumes_exactly_after_what_was_delivered() {
    let db = quiet_db().await;
    let vm = db
        .instances()
        .create(Draft::new(
            "vm",
            InstanceSpec {
                instance_type: "t3.micro".into(),
            },
        ))
        .await
        .unwrap();
    // A commit of two events: terminated + deleted.
    db.instances().delete(vm.id(), None).await.unwrap();
    db.fleets().create(fleet("after", 1)).await.unwrap();
    let all = db.events().list(0, 100).await.unwrap();
    assert_eq!(all.len(), 4);
    let resumed = |cursor| {
        let db = db.clone();
        async move { db.events().subscribe(cursor).next().await.unwrap() }
    };

    let mut subscription = db.events().subscribe(0);
    assert_eq!(subscription.next().await.unwrap(), all[0]);
    // The rest was read from the store but not delivered: not past it.
    assert_eq!(resumed(subscription.cursor()).await, all[1]);
    // Half a commit delivered: resuming sees that commit again, whole.
    assert_eq!(subscription.next().await.unwrap(), all[1]);
    assert_eq!(resumed(subscription.cursor()).await, all[1]);
    assert_eq!(subscription.next().await.unwrap(), all[2]);
    assert_eq!(resumed(subscription.cursor()).await, all[3]);
    assert_eq!(subscription.next().await.unwrap(), all[3]);
    assert_eq!(subscription.cursor(), all[3].revision);
}

#[tokio::test]
async fn listing_is_bounded_and_compaction_is_reported() {
    let db = quiet_db().await;
    for i in 0..10 {
        db.fleets()
            .create(fleet(&format!("f{i}"), 1))
            .await
            .unwrap();
    }
    assert_eq!(
        db.events().list(0, 0).await.unwrap_err().code(),
        ErrorCode::InvalidRequest
    );
    assert_eq!(
        db.events().list(0, 1001).await.unwrap_err().code(),
        ErrorCode::InvalidRequest
    );
    assert_eq!(db.events().list(0, 3).await.unwrap().len(), 3);
    let revisions: Vec<_> = db
        .events()
        .list(0, 100)
        .await
        .unwrap()
        .iter()
        .map(|e| e.revision)
        .collect();
    // Drop the first four events.
    db.events().compact(revisions[4]).await.unwrap();
    let err = db.events().list(0, 10).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::OutOfRange);
    assert_eq!(
        err,
        clusterdb::Error::EventsCompacted {
            requested: 0,
            available_after: revisions[3]
        }
    );
    assert_eq!(db.events().list(revisions[3], 10).await.unwrap().len(), 6);
    let mut old = db.events().subscribe(revisions[0]);
    assert_eq!(old.next().await.unwrap_err().code(), ErrorCode::OutOfRange);
}
