//! Retention: events by age and count, never past a durable consumer
//! unless it lags beyond the cap; terminated instances after their TTL;
//! bounded work per step.

use std::time::Duration;

use clusterdb::storage::{Commit, Op};
use clusterdb::{
    Draft, EVENTS_PER_STEP, ErrorCode, InstanceSpec, RetentionPolicy, RetentionReport,
};

use crate::support::{TestDb, fleet, quiet_db};

/// Removes everything it may: age 0, keep one revision.
fn eager() -> RetentionPolicy {
    RetentionPolicy {
        event_max_age: Duration::ZERO,
        event_max_revisions: 1,
        terminated_instance_ttl: Duration::ZERO,
        ..RetentionPolicy::default()
    }
}

async fn revisions_of(db: &TestDb, n: usize) -> Vec<u64> {
    let mut revisions = Vec::new();
    for i in 0..n {
        let f = db
            .fleets()
            .create(fleet(&format!("f{i}"), 1))
            .await
            .unwrap();
        revisions.push(f.resource_version());
    }
    revisions
}

/// A durable consumer's cursor, as consumers store it.
async fn set_cursor(db: &TestDb, name: &str, revision: u64) {
    let commit = Commit {
        ops: vec![Op::Put(
            format!("s/cursor/{name}").into_bytes(),
            revision.to_le_bytes().to_vec(),
        )],
        ..Commit::default()
    };
    db.engine().commit(commit).await.unwrap();
}

async fn readable_from(db: &TestDb, since: u64) -> bool {
    match db.events().list(since, 10).await {
        Ok(_) => true,
        Err(err) if err.code() == ErrorCode::OutOfRange => false,
        Err(err) => panic!("{err}"),
    }
}

#[tokio::test]
async fn events_go_by_age_but_wait_for_durable_consumers() {
    let db = quiet_db().await;
    let revisions = revisions_of(&db, 20).await;
    // A consumer that has processed through the tenth write.
    set_cursor(&db, "test-consumer", revisions[9]).await;
    let report = db.apply_retention(&eager()).await.unwrap();
    assert_eq!(report.events_removed, 10, "{report:?}");
    assert!(report.lagging_consumers.is_empty());
    // What the consumer still needs is there; what it passed is not.
    assert!(readable_from(&db, revisions[9]).await);
    assert!(!readable_from(&db, revisions[8]).await);
    // Nothing young is removed.
    let keep_young = RetentionPolicy {
        event_max_age: Duration::from_secs(3600),
        event_max_revisions: 1_000,
        ..RetentionPolicy::default()
    };
    set_cursor(&db, "test-consumer", revisions[19]).await;
    let report = db.apply_retention(&keep_young).await.unwrap();
    assert_eq!(report, RetentionReport::default());
}

#[tokio::test]
async fn a_consumer_lagging_beyond_the_cap_loses_events_and_is_named() {
    let db = quiet_db().await;
    let revisions = revisions_of(&db, 20).await;
    set_cursor(&db, "stuck", 0).await;
    let policy = RetentionPolicy {
        consumer_max_lag: 5,
        ..eager()
    };
    let report = db.apply_retention(&policy).await.unwrap();
    assert_eq!(report.lagging_consumers, vec!["stuck".to_string()]);
    // Cut at the cap: the last five revisions (and the cursor's own
    // write) are kept.
    let head = db.events().current_revision().await.unwrap();
    assert_eq!(report.events_removed_before, Some(head - 5 + 1));
    assert!(!readable_from(&db, revisions[0]).await);
}

#[tokio::test]
async fn the_count_rule_keeps_the_newest_revisions() {
    let db = quiet_db().await;
    let revisions = revisions_of(&db, 30).await;
    let policy = RetentionPolicy {
        event_max_age: Duration::from_secs(3600),
        event_max_revisions: 10,
        ..RetentionPolicy::default()
    };
    let report = db.apply_retention(&policy).await.unwrap();
    assert_eq!(report.events_removed, 20, "{report:?}");
    assert!(readable_from(&db, revisions[19]).await);
    assert!(!readable_from(&db, revisions[18]).await);
}

#[tokio::test]
async fn one_step_is_bounded() {
    let db = quiet_db().await;
    revisions_of(&db, EVENTS_PER_STEP + 200).await;
    let report = db.apply_retention(&eager()).await.unwrap();
    assert_eq!(report.events_removed, EVENTS_PER_STEP);
    assert!(report.more);
    let report = db.apply_retention(&eager()).await.unwrap();
    assert!(report.events_removed > 0 && report.events_removed < EVENTS_PER_STEP);
}

#[tokio::test]
async fn terminated_instances_go_after_their_ttl() {
    let db = quiet_db().await;
    let spec = || InstanceSpec {
        instance_type: "t3.micro".into(),
    };
    let done = db
        .instances()
        .create(Draft::new("done", spec()))
        .await
        .unwrap();
    let live = db
        .instances()
        .create(Draft::new("live", spec()))
        .await
        .unwrap();
    db.instances().terminate(done.id(), None).await.unwrap();
    // Within its TTL it stays.
    let patient = RetentionPolicy {
        event_max_age: Duration::from_secs(3600),
        ..RetentionPolicy::default()
    };
    assert_eq!(
        db.apply_retention(&patient)
            .await
            .unwrap()
            .instances_removed,
        0
    );
    let report = db.apply_retention(&eager()).await.unwrap();
    assert_eq!(report.instances_removed, 1);
    assert_eq!(
        db.instances().get(done.id()).await.unwrap_err().code(),
        ErrorCode::NotFound
    );
    db.instances().get(live.id()).await.unwrap();
}

#[tokio::test]
async fn each_step_publishes_the_oldest_revision_kept() {
    let db = quiet_db().await;
    assert_eq!(db.oldest_retained_revision(), None, "no step ran yet");
    db.apply_retention(&RetentionPolicy::default())
        .await
        .unwrap();
    let head = db.events().current_revision().await.unwrap();
    assert_eq!(
        db.oldest_retained_revision(),
        Some(head + 1),
        "an empty log"
    );
    let revisions = revisions_of(&db, 3).await;
    db.apply_retention(&RetentionPolicy::default())
        .await
        .unwrap();
    assert_eq!(db.oldest_retained_revision(), Some(revisions[0]));
    // Age 0 removes every event: the next revision is the oldest kept.
    db.apply_retention(&eager()).await.unwrap();
    assert_eq!(db.oldest_retained_revision(), Some(revisions[2] + 1));
}
