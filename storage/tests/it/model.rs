//! Model-based property test: an engine against a `BTreeMap` reference
//! under random sequences of conditional commits, with reopen in between.

use std::collections::BTreeMap;

use clusterdb_storage::{Commit, CommitError, Op, Precondition, Revision};
use proptest::prelude::*;

use crate::Harness;

#[derive(Debug, Clone)]
enum Step {
    Commit(Commit),
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
    fn commit(&mut self, commit: &Commit) -> Result<Revision, usize> {
        for (i, p) in commit.preconditions.iter().enumerate() {
            if !p.holds(self.kv.get(p.key()).map(|(r, _)| *r)) {
                return Err(i);
            }
        }
        self.revision += 1;
        for op in &commit.ops {
            match op {
                Op::Put(k, v) => {
                    self.kv.insert(k.clone(), (self.revision, v.clone()));
                }
                Op::Delete(k) => {
                    self.kv.remove(k);
                }
            }
        }
        for (i, e) in commit.events.iter().enumerate() {
            self.events.push((self.revision, i as u32, e.clone()));
        }
        Ok(self.revision)
    }
}

fn key() -> impl Strategy<Value = Vec<u8>> {
    (0u8..6).prop_map(|k| format!("k/{k}").into_bytes())
}

fn step() -> impl Strategy<Value = Step> {
    let precondition = prop_oneof![
        key().prop_map(Precondition::Absent),
        (key(), 0u64..12).prop_map(|(k, r)| Precondition::AtRevision(k, r)),
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
        .prop_map(|(preconditions, ops, events)| {
            Step::Commit(Commit {
                preconditions,
                ops,
                events,
            })
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
            Step::Commit(commit) => {
                let expected = model.commit(&commit);
                let actual = engine.commit(commit).await;
                match (expected, actual) {
                    (Ok(want), Ok(got)) => assert_eq!(want, got),
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
        assert_eq!(engine.current_revision().await.unwrap(), model.revision);
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
