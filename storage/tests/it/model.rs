//! Model-based property test: an engine against a `BTreeMap` reference
//! under random sequences of conditional commits, with reopen in between.

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
    Reopen,
}

/// The reference model: key -> (mod_revision, value), plus the event log.
#[derive(Default)]
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

fn step() -> impl Strategy<Value = Step> {
    let precondition = prop_oneof![
        1 => key().prop_map(Condition::Absent),
        3 => key().prop_map(Condition::Current),
        1 => key().prop_map(Condition::Stale),
    ];
    let op = prop_oneof![
        (key(), proptest::collection::vec(any::<u8>(), 0..8)).prop_map(|(k, v)| Op::Put(k, v)),
        key().prop_map(Op::Delete),
    ];
    let commit = (
        proptest::collection::vec(precondition, 0..3),
        proptest::collection::vec(op, 0..4),
        proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..4), 0..3),
    )
        .prop_map(|(conditions, ops, events)| {
            let commit = Commit {
                preconditions: Vec::new(),
                ops,
                events,
            };
            Step::Commit(conditions, commit)
        });
    prop_oneof![9 => commit, 1 => Just(Step::Reopen)]
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
