//! Snapshots of a serving store, checked and restored into a fresh redb
//! store: everything equal at the snapshot's revision, nothing after it,
//! event positions kept, damage of any kind detected, a non-empty target
//! refused.

use std::path::Path;
use std::sync::Arc;

use clusterdb::backup::{self, BackupError, SnapshotOptions};
use clusterdb::identity::UserSpec;
use clusterdb::storage::{Engine, Entry, EventRecord, RedbEngine, RedbOptions, SnapshotPoint};
use clusterdb::{ClusterDb, Draft};

use crate::support::{TestDb, fleet, quiet_db};

/// Everything an engine holds, read through its own snapshot.
async fn dump(
    engine: &Arc<dyn Engine>,
) -> (SnapshotPoint, Vec<(Vec<u8>, Entry)>, Vec<EventRecord>) {
    let mut snapshot = engine.snapshot().await.unwrap();
    let mut data = Vec::new();
    loop {
        let after = data.last().map(|(key, _): &(Vec<u8>, Entry)| key.clone());
        let page = snapshot.data(after.as_deref(), 500).await.unwrap();
        data.extend(page.entries);
        if !page.more {
            break;
        }
    }
    // The leadership claim belongs to a live process; a copy leaves it out.
    data.retain(|(key, _)| !key.starts_with(b"s/leader/"));
    let point = snapshot.point();
    let mut events = Vec::new();
    let mut after = point.compacted_through;
    loop {
        let page = snapshot.events(after, 500).await.unwrap();
        let Some(last) = page.last() else { break };
        after = last.revision;
        events.extend(page);
    }
    (point, data, events)
}

async fn snapshot_bytes(db: &ClusterDb, options: &SnapshotOptions) -> Vec<u8> {
    let mut out = Vec::new();
    let summary = db.snapshot(&mut out, options).await.unwrap();
    assert_eq!(summary.bytes, out.len() as u64);
    out
}

/// A fresh redb store in `dir`, and its engine.
fn fresh_engine(dir: &Path) -> Arc<dyn Engine> {
    let options = RedbOptions {
        durable: false,
        ..RedbOptions::default()
    };
    Arc::new(RedbEngine::open(dir.join("restored.redb"), options).unwrap())
}

async fn restore(bytes: &[u8], dir: &Path) -> (Arc<dyn Engine>, backup::Verified) {
    let file = dir.join("snapshot.cdbsnap");
    std::fs::write(&file, bytes).unwrap();
    let engine = fresh_engine(dir);
    let verified = backup::restore(&file, &engine).await.unwrap();
    (engine, verified)
}

/// A database on a restored engine, sealed with the source's master key.
async fn open_restored(engine: Arc<dyn Engine>, source: &TestDb) -> ClusterDb {
    ClusterDb::builder()
        .reconcile(false)
        .master_key(source.master_key().clone())
        .open_with(engine)
        .await
        .unwrap()
}

async fn populated() -> (TestDb, (String, String)) {
    let db = quiet_db().await;
    for i in 0..30 {
        db.fleets()
            .create(
                fleet(&format!("fleet-{i}"), 2).tag("tier", if i % 2 == 0 { "web" } else { "db" }),
            )
            .await
            .unwrap();
    }
    let alice = db
        .users()
        .create(Draft::new("alice", UserSpec::default()))
        .await
        .unwrap();
    let key = db
        .identity()
        .create_api_key(alice.id(), "laptop", None)
        .await
        .unwrap();
    let bob = db
        .users()
        .create(Draft::new("bob", UserSpec::default()))
        .await
        .unwrap();
    db.users().delete(bob.id(), None).await.unwrap();
    (db, (alice.id().to_string(), key.secret))
}

#[tokio::test]
async fn a_restored_store_equals_the_source_at_the_snapshots_revision() {
    let (db, (alice, key)) = populated().await;
    let bytes = snapshot_bytes(&db, &SnapshotOptions::default()).await;
    let (source_point, source_data, source_events) = dump(db.engine()).await;

    let verified = backup::verify(&bytes[..]).unwrap();
    // etcd's revision also counts the engine's own bookkeeping (moving
    // events into the log), which may follow the snapshot.
    assert!(verified.header.revision <= source_point.revision);
    assert_eq!(verified.counts.objects["fleet"], 30);
    assert_eq!(verified.counts.objects["user"], 1);
    assert_eq!(
        verified.counts.sections["events"],
        source_events.len() as u64
    );
    assert_eq!(verified.bytes, bytes.len() as u64);

    let dir = tempfile::tempdir().unwrap();
    let (engine, _) = restore(&bytes, dir.path()).await;
    let (point, data, events) = dump(&engine).await;
    assert_eq!(point.revision, verified.header.revision);
    assert_eq!(point.compacted_through, source_point.compacted_through);
    assert_eq!(data, source_data, "every key, value and mod_revision");
    assert_eq!(events, source_events, "every event at its position");

    // The restored store serves: its objects, its credentials, its log.
    let restored = open_restored(engine, &db).await;
    let web = restored.fleets().get_by_name("fleet-4").await.unwrap();
    assert_eq!(web, db.fleets().get_by_name("fleet-4").await.unwrap());
    assert!(restored.users().get_by_name("bob").await.is_err());
    let principal = restored
        .identity()
        .authenticate_api_key(&key)
        .await
        .unwrap();
    assert_eq!(principal.id, alice);
    let next = restored.fleets().create(fleet("after", 1)).await.unwrap();
    assert!(
        next.resource_version() > verified.header.revision,
        "the revision never goes back"
    );
    restored.close().await.unwrap();
}

#[tokio::test]
async fn without_events_every_earlier_position_is_compacted() {
    let (db, _) = populated().await;
    let options = SnapshotOptions {
        events: false,
        ..SnapshotOptions::default()
    };
    let bytes = snapshot_bytes(&db, &options).await;
    let verified = backup::verify(&bytes[..]).unwrap();
    assert_eq!(verified.header.events, "none");
    assert!(!verified.counts.sections.contains_key("events"));
    let dir = tempfile::tempdir().unwrap();
    let (engine, _) = restore(&bytes, dir.path()).await;
    let err = engine.events_since(0, 10).await.unwrap_err();
    assert!(
        matches!(err, clusterdb::storage::Error::Compacted { compacted_through, .. } if compacted_through == verified.header.revision),
        "{err:?}"
    );
    assert_eq!(
        engine.current_revision().await.unwrap(),
        verified.header.revision
    );
}

#[tokio::test]
async fn a_snapshot_under_writes_holds_exactly_the_writes_at_or_below_its_revision() {
    let db = Arc::new(quiet_db().await);
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let db = Arc::clone(&db);
            tokio::spawn(async move {
                let mut acknowledged = Vec::new();
                for i in 0..60 {
                    let made = db
                        .fleets()
                        .create(fleet(&format!("w{w}-{i}"), 1))
                        .await
                        .unwrap();
                    acknowledged.push((made.name().to_string(), made.resource_version()));
                    tokio::task::yield_now().await;
                }
                acknowledged
            })
        })
        .collect();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let bytes = snapshot_bytes(&db, &SnapshotOptions::default()).await;
    let mut acknowledged = Vec::new();
    for writer in writers {
        acknowledged.extend(writer.await.unwrap());
    }
    let dir = tempfile::tempdir().unwrap();
    let (engine, verified) = restore(&bytes, dir.path()).await;
    let revision = verified.header.revision;
    let restored = open_restored(engine, &db).await;
    let (mut inside, mut outside) = (0, 0);
    for (name, written_at) in acknowledged {
        let found = restored.fleets().get_by_name(&name).await.is_ok();
        assert_eq!(
            found,
            written_at <= revision,
            "{name} written at {written_at}, snapshot at {revision}"
        );
        if found { inside += 1 } else { outside += 1 }
    }
    assert_eq!(
        verified.counts.objects.get("fleet").copied().unwrap_or(0),
        inside
    );
    eprintln!("{inside} creates inside the snapshot, {outside} after it");
    restored.close().await.unwrap();
}

#[tokio::test]
async fn a_copy_loads_only_into_an_empty_store() {
    let (db, _) = populated().await;
    let bytes = snapshot_bytes(&db, &SnapshotOptions::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("snapshot.cdbsnap");
    std::fs::write(&file, &bytes).unwrap();
    let used = ClusterDb::open(dir.path().join("used.redb")).await.unwrap();
    used.fleets().create(fleet("mine", 1)).await.unwrap();
    used.close().await.unwrap();
    let engine: Arc<dyn Engine> =
        Arc::new(RedbEngine::open(dir.path().join("used.redb"), RedbOptions::default()).unwrap());
    let before = dump(&engine).await;
    let err = backup::restore(&file, &engine).await.unwrap_err();
    assert!(
        matches!(&err, BackupError::Store(m) if m.contains("not empty")),
        "{err}"
    );
    assert_eq!(dump(&engine).await, before, "nothing written");
}

#[tokio::test]
async fn a_damaged_file_is_refused_before_anything_is_written() {
    let (db, _) = populated().await;
    let mut bytes = snapshot_bytes(&db, &SnapshotOptions::default()).await;
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x10;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("snapshot.cdbsnap");
    std::fs::write(&file, &bytes).unwrap();
    let engine = fresh_engine(dir.path());
    let err = backup::restore(&file, &engine).await.unwrap_err();
    assert!(err.to_string().contains("frame"), "{err}");
    assert_eq!(engine.current_revision().await.unwrap(), 0);
    assert!(engine.range(b"", None, 1).await.unwrap().entries.is_empty());

    assert!(matches!(
        backup::verify(&b"not a snapshot at all"[..]),
        Err(BackupError::NotASnapshot(_))
    ));
    let mut newer = snapshot_bytes(&db, &SnapshotOptions::default()).await;
    newer[8] = 9;
    assert!(matches!(
        backup::verify(&newer[..]),
        Err(BackupError::UnsupportedVersion { found: 9, .. })
    ));
}

mod damage {
    use std::sync::OnceLock;

    use proptest::prelude::*;

    use super::*;

    /// A small snapshot, made once.
    fn sample() -> &'static [u8] {
        static SAMPLE: OnceLock<Vec<u8>> = OnceLock::new();
        SAMPLE.get_or_init(|| {
            std::thread::spawn(|| {
                tokio::runtime::Runtime::new().unwrap().block_on(async {
                    let (db, _) = populated().await;
                    snapshot_bytes(&db, &SnapshotOptions::default()).await
                })
            })
            .join()
            .unwrap()
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(crate::support::cases(200)))]

        #[test]
        fn every_truncation_is_detected(cut in any::<prop::sample::Index>()) {
            let bytes = sample();
            let at = cut.index(bytes.len());
            prop_assert!(backup::verify(&bytes[..at]).is_err());
        }

        #[test]
        fn every_flipped_bit_is_detected(at in any::<prop::sample::Index>(), bit in 0u8..8) {
            let mut bytes = sample().to_vec();
            let at = at.index(bytes.len());
            bytes[at] ^= 1 << bit;
            prop_assert!(backup::verify(&bytes[..]).is_err(), "byte {at} bit {bit}");
        }
    }
}

/// A copy restored into a fresh store of the binary's own engine (redb, or
/// a new etcd prefix) and from a redb store into it: the same keys, values
/// and events; a revision never behind the copy's, which new writes
/// continue past, `If-Match` included; the log resumes; and on etcd the
/// revision offset holds for a new connection too.
#[tokio::test]
async fn a_copy_restores_into_the_same_engine_and_from_redb_and_goes_on() {
    let (db, _) = populated().await;
    let from_this = snapshot_bytes(&db, &SnapshotOptions::default()).await;
    let from_redb = {
        let memory = ClusterDb::builder()
            .reconcile(false)
            .master_key(db.master_key().clone())
            .open_in_memory()
            .await
            .unwrap();
        for i in 0..5 {
            memory
                .fleets()
                .create(fleet(&format!("mem-{i}"), 1))
                .await
                .unwrap();
        }
        snapshot_bytes(&memory, &SnapshotOptions::default()).await
    };
    for (name, bytes) in [("same-engine", from_this), ("from-redb", from_redb)] {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("snapshot.cdbsnap");
        std::fs::write(&file, &bytes).unwrap();
        let engine = db.fresh_store(name).await;
        let verified = backup::restore(&file, &engine).await.unwrap();
        let revision = verified.header.revision;

        let (point, data, events) = dump(&engine).await;
        assert!(
            point.revision >= revision,
            "{name}: {} < {revision}",
            point.revision
        );
        let source = backup::verify(&bytes[..]).unwrap();
        assert_eq!(
            data.len() as u64,
            source.counts.sections.values().sum::<u64>()
                - source.counts.sections.get("events").copied().unwrap_or(0),
            "{name}"
        );
        assert_eq!(
            events.len() as u64,
            source.counts.sections["events"],
            "{name}"
        );
        assert!(events.iter().all(|e| e.revision <= revision));

        let restored = open_restored(Arc::clone(&engine), &db).await;
        let mut follow = restored.events().subscribe(revision);
        let made = restored.fleets().create(fleet("after", 1)).await.unwrap();
        assert!(made.resource_version() > revision, "{name}");
        let mut spec = made.spec.clone();
        spec.capacity = 3;
        let updated = restored
            .fleets()
            .update(
                made.id(),
                Draft::new("after", spec.clone()),
                Some(made.resource_version()),
            )
            .await
            .unwrap();
        assert!(updated.resource_version() > made.resource_version());
        let stale = restored
            .fleets()
            .update(
                made.id(),
                Draft::new("after", spec),
                Some(made.resource_version()),
            )
            .await;
        assert!(stale.is_err(), "{name}: a stale If-Match is refused");
        let next = follow.next().await.unwrap();
        assert_eq!(
            (next.event_type.as_str(), next.revision),
            ("fleet.created", made.resource_version())
        );
        let old = restored.events().list(0, 1000).await.unwrap();
        assert_eq!(
            old.first().map(|e| e.revision),
            events.first().map(|e| e.revision)
        );
        restored.close().await.unwrap();

        // Connected again (on etcd: the offset is read back).
        let again = db.fresh_store(name).await;
        assert!(again.current_revision().await.unwrap() >= updated.resource_version());
        again.close().await.unwrap();
    }
}

/// Under creates, updates and deletes from several tasks, a restored
/// snapshot holds, for every name, the state its last acknowledged write
/// at or below the snapshot's revision left — and nothing written after.
#[tokio::test]
async fn a_snapshot_under_creates_updates_and_deletes_is_the_store_at_its_revision() {
    let db = Arc::new(quiet_db().await);
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let db = Arc::clone(&db);
            tokio::spawn(async move {
                // (name, revision, state after: Some(display name) or None)
                let mut acknowledged = Vec::new();
                for i in 0..40 {
                    let name = format!("u{w}-{i}");
                    let spec = UserSpec {
                        display_name: "first".into(),
                        ..UserSpec::default()
                    };
                    let made = db
                        .users()
                        .create(Draft::new(&name, spec.clone()))
                        .await
                        .unwrap();
                    acknowledged.push((name.clone(), made.resource_version(), Some("first")));
                    let second = UserSpec {
                        display_name: "second".into(),
                        ..spec
                    };
                    let updated = db
                        .users()
                        .update(
                            made.id(),
                            Draft::new(&name, second),
                            Some(made.resource_version()),
                        )
                        .await
                        .unwrap();
                    acknowledged.push((name.clone(), updated.resource_version(), Some("second")));
                    if i % 3 == 0 {
                        db.users().delete(made.id(), None).await.unwrap();
                        acknowledged.push((name, 0, None)); // its revision: from the log
                    }
                    tokio::task::yield_now().await;
                }
                acknowledged
            })
        })
        .collect();
    tokio::time::sleep(std::time::Duration::from_millis(15)).await;
    let bytes = snapshot_bytes(&db, &SnapshotOptions::default()).await;
    let mut acknowledged = Vec::new();
    for writer in writers {
        acknowledged.extend(writer.await.unwrap());
    }
    // The deletes' revisions, from the log.
    let mut deleted_at = std::collections::BTreeMap::new();
    let mut after = 0;
    loop {
        let page = db.events().list(after, 1000).await.unwrap();
        let Some(last) = page.last() else { break };
        after = last.revision;
        for event in page.iter().filter(|e| e.event_type == "user.deleted") {
            deleted_at.insert(event.meta.name.clone(), event.revision);
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let (engine, verified) = restore(&bytes, dir.path()).await;
    let revision = verified.header.revision;
    let restored = open_restored(engine, &db).await;
    let mut expected: std::collections::BTreeMap<String, Option<&str>> = Default::default();
    let mut straddled = 0;
    for (name, at, state) in acknowledged {
        let at = if state.is_none() {
            deleted_at[&name]
        } else {
            at
        };
        if at <= revision {
            expected.insert(name, state);
        } else {
            straddled += 1;
            expected.entry(name).or_insert(None);
        }
    }
    for (name, state) in &expected {
        let found = restored.users().get_by_name(name).await.ok();
        let display = found.as_ref().map(|u| u.spec.display_name.as_str());
        assert_eq!(display, *state, "{name} at revision {revision}");
    }
    eprintln!(
        "{} names checked, {straddled} writes after the snapshot",
        expected.len()
    );
    restored.close().await.unwrap();
}
