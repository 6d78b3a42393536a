//! Model-based property test: an engine against a `BTreeMap` reference
//! under random sequences of conditional commits, with reopen in between,
//! and groups of commits sent at once — which the redb engine folds into
//! one batch, checking each one's preconditions against the state its
//! batch-mates left. A group's answers must be explained by one serial
//! order: the committed ones in revision order, each refused one failing
//! its named precondition in some state of that order.

use std::collections::BTreeMap;

use clusterdb_storage::{Commit, CommitError, Op, Precondition, Revision};
use proptest::prelude::*;

use crate::Harness;

/// A precondition, resolved against the model when the step runs (engine
/// revisions are the engine's own, not 1, 2, 3…).
#[derive(Debug, Clone)]
enum Condition {
    Absent(Vec<u8>),
    /// At the key's current revision (an absent key: a made-up one).
    Current(Vec<u8>),
    /// At a revision the key is certainly not at.
    Stale(Vec<u8>),
}

#[derive(Debug, Clone)]
enum Step {
    Commit(Vec<Condition>, Commit),
    /// Commits sent concurrently (each carries an event, so each that
    /// applies makes its own revision).
    Concurrent(Vec<(Vec<Condition>, Commit)>),
    Reopen,
}

/// The reference model: key -> (mod_revision, value), plus the event log.
#[derive(Default, Clone)]
struct Model {
    kv: BTreeMap<Vec<u8>, (Revision, Vec<u8>)>,
    events: Vec<(Revision, u32, Vec<u8>)>,
    revision: Revision,
}

impl Model {
    fn resolve(&self, condition: &Condition) -> Precondition {
        let current = |k: &Vec<u8>| self.kv.get(k).map(|(r, _)| *r);
        match condition {
            Condition::Absent(k) => Precondition::Absent(k.clone()),
            Condition::Current(k) => Precondition::AtRevision(k.clone(), current(k).unwrap_or(1)),
            Condition::Stale(k) => {
                Precondition::AtRevision(k.clone(), current(k).unwrap_or(0) + 1_000_000)
            }
        }
    }

    /// Whether the commit should apply; `Err(i)`: precondition `i` fails.
    fn check(&self, commit: &Commit) -> Result<(), usize> {
        for (i, p) in commit.preconditions.iter().enumerate() {
            if !p.holds(self.kv.get(p.key()).map(|(r, _)| *r)) {
                return Err(i);
            }
        }
        Ok(())
    }

    /// Applies a commit the engine accepted and answered with `revision`.
    fn apply(&mut self, commit: &Commit, revision: Revision) {
        let ops = commit.final_ops();
        let changes = !commit.events.is_empty()
            || ops
                .iter()
                .any(|(key, value)| value.is_some() || self.kv.contains_key(*key));
        if !changes {
            // No new revision: the current one comes back.
            assert!(revision >= self.revision);
            return;
        }
        assert!(revision > self.revision, "revisions strictly increase");
        self.revision = revision;
        for (key, value) in ops {
            match value {
                Some(value) => {
                    self.kv.insert(key.to_vec(), (revision, value.to_vec()));
                }
                None => {
                    self.kv.remove(key);
                }
            }
        }
        for (i, e) in commit.events.iter().enumerate() {
            self.events.push((self.revision, i as u32, e.clone()));
        }
    }
}

fn key() -> impl Strategy<Value = Vec<u8>> {
    (0u8..6).prop_map(|k| format!("k/{k}").into_bytes())
}

fn commit(min_events: usize) -> impl Strategy<Value = (Vec<Condition>, Commit)> {
    let precondition = prop_oneof![
        1 => key().prop_map(Condition::Absent),
        3 => key().prop_map(Condition::Current),
        1 => key().prop_map(Condition::Stale),
    ];
    let op = prop_oneof![
        (key(), proptest::collection::vec(any::<u8>(), 0..8)).prop_map(|(k, v)| Op::Put(k, v)),
        key().prop_map(Op::Delete),
    ];
    (
        proptest::collection::vec(precondition, 0..3),
        proptest::collection::vec(op, 0..4),
        proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..4), min_events..3),
    )
        .prop_map(|(conditions, ops, events)| {
            let commit = Commit {
                preconditions: Vec::new(),
                ops,
                events,
            };
            (conditions, commit)
        })
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => commit(0).prop_map(|(c, commit)| Step::Commit(c, commit)),
        3 => proptest::collection::vec(commit(1), 2..8).prop_map(Step::Concurrent),
        1 => Just(Step::Reopen),
    ]
}

/// Sends a group at once and checks the answers against one serial order.
async fn check_group(
    engine: std::sync::Arc<dyn clusterdb_storage::Engine>,
    model: &mut Model,
    group: Vec<(Vec<Condition>, Commit)>,
) {
    let commits: Vec<Commit> = group
        .into_iter()
        .map(|(conditions, mut commit)| {
            commit.preconditions = conditions.iter().map(|c| model.resolve(c)).collect();
            commit
        })
        .collect();
    let tasks: Vec<_> = commits
        .iter()
        .cloned()
        .map(|commit| {
            let engine = std::sync::Arc::clone(&engine);
            tokio::spawn(async move { engine.commit(commit).await })
        })
        .collect();
    let mut applied = Vec::new();
    let mut refused = Vec::new();
    for (commit, task) in commits.into_iter().zip(tasks) {
        match task.await.unwrap() {
            Ok(revision) => applied.push((revision, commit)),
            Err(CommitError::PreconditionFailed(failed)) => refused.push((commit, failed)),
            Err(other) => panic!("{other}"),
        }
    }
    applied.sort_by_key(|(revision, _)| *revision);
    let mut states = vec![model.kv.clone()];
    for (revision, commit) in &applied {
        assert_eq!(
            model.check(commit),
            Ok(()),
            "applied out of any serial order"
        );
        model.apply(commit, *revision);
        states.push(model.kv.clone());
    }
    for (commit, failed) in refused {
        let precondition = &commit.preconditions[failed.index];
        let explained = states.iter().any(|state| {
            let actual = state.get(precondition.key()).map(|(r, _)| *r);
            actual == failed.actual && !precondition.holds(actual)
        });
        assert!(explained, "refused in no state of the order: {failed:?}");
    }
}

/// Runs `steps` against the harness and the model, comparing after each.
async fn check_against_model(mut h: impl Harness, steps: Vec<Step>) {
    let mut model = Model::default();
    for step in steps {
        let engine = h.engine();
        match step {
            Step::Reopen => {
                drop(engine);
                // Whatever the engine, the state must be unchanged: checked below.
                h.reopen().await;
            }
            Step::Concurrent(group) => check_group(engine, &mut model, group).await,
            Step::Commit(conditions, mut commit) => {
                commit.preconditions = conditions.iter().map(|c| model.resolve(c)).collect();
                let expected = model.check(&commit);
                let actual = engine.commit(commit.clone()).await;
                match (expected, actual) {
                    (Ok(()), Ok(revision)) => model.apply(&commit, revision),
                    (Err(i), Err(CommitError::PreconditionFailed(f))) => assert_eq!(i, f.index),
                    (want, got) => panic!("model said {want:?}, engine said {got:?}"),
                }
            }
        }
        let engine = h.engine();
        let page = engine.range(b"k/", None, 100).await.unwrap();
        let got: BTreeMap<_, _> = page
            .entries
            .into_iter()
            .map(|(k, e)| (k, (e.mod_revision, e.value)))
            .collect();
        assert_eq!(got, model.kv);
        assert!(engine.current_revision().await.unwrap() >= model.revision);
    }
    let events: Vec<_> = h
        .engine()
        .events_since(0, 10_000)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.revision, e.index, e.payload))
        .collect();
    assert_eq!(events, model.events);
}

fn run(f: impl std::future::Future<Output = ()>) {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
        .block_on(f);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn redb_file_matches_model(steps in proptest::collection::vec(step(), 1..40)) {
        run(check_against_model(crate::RedbFile::fast(), steps));
    }

    /// Durable, so batches take as long as an fsync and fill up.
    #[test]
    fn durable_redb_file_matches_model(steps in proptest::collection::vec(step(), 1..40)) {
        run(check_against_model(crate::RedbFile::durable(), steps));
    }

    #[test]
    fn redb_memory_matches_model(steps in proptest::collection::vec(step(), 1..40)) {
        run(check_against_model(crate::RedbMemory::fresh(), steps));
    }
}

#[cfg(feature = "etcd")]
proptest! {
    // Each case starts its own etcd: fewer, longer cases.
    #![proptest_config(ProptestConfig::with_cases(8))]

    #[test]
    fn etcd_matches_model(steps in proptest::collection::vec(step(), 1..40)) {
        run(async { check_against_model(crate::EtcdStore::start().await, steps).await });
    }
}
