//! The instance state machine.

use std::collections::HashMap;

use clusterdb::compute::INSTANCE_TRANSITIONS;
use clusterdb::{ClusterDb, Draft, Error, ErrorCode, InstanceSpec, InstanceState};
use proptest::prelude::*;

use crate::support::quiet_db;

fn spec(instance_type: &str) -> InstanceSpec {
    InstanceSpec {
        instance_type: instance_type.into(),
    }
}

#[tokio::test]
async fn lifecycle_and_timestamps() {
    let db = quiet_db().await;
    let vm = db
        .instances()
        .create(Draft::new("vm", spec("t3.micro")))
        .await
        .unwrap();
    assert_eq!(vm.status.state, InstanceState::Pending);
    assert_eq!((vm.status.launched_at, vm.status.stopped_at), (None, None));
    let running = db
        .instances()
        .start(vm.id(), Some(vm.resource_version()))
        .await
        .unwrap();
    assert_eq!(running.status.state, InstanceState::Running);
    assert!(running.status.launched_at.is_some());
    let stopped = db.instances().stop(vm.id(), None).await.unwrap();
    assert_eq!(stopped.status.state, InstanceState::Stopped);
    assert!(stopped.status.stopped_at.is_some());
    // Type changes only while stopped or pending.
    db.instances()
        .update(vm.id(), Draft::new("vm", spec("m5.large")), None)
        .await
        .unwrap();
    let running = db.instances().start(vm.id(), None).await.unwrap();
    let err = db
        .instances()
        .update(vm.id(), Draft::new("vm", spec("t3.micro")), None)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::FailedPrecondition);
    assert_eq!(running.spec.instance_type, "m5.large");
    let gone = db.instances().terminate(vm.id(), None).await.unwrap();
    assert_eq!(gone.status.state, InstanceState::Terminated);
}

#[tokio::test]
async fn illegal_transitions_name_the_current_state() {
    let db = quiet_db().await;
    let vm = db
        .instances()
        .create(Draft::new("vm", spec("t3.micro")))
        .await
        .unwrap();
    let err = db.instances().stop(vm.id(), None).await.unwrap_err();
    assert_eq!(
        err,
        Error::FailedPrecondition {
            kind: "instance",
            id: vm.id().into(),
            state: "pending".into(),
            reason: "cannot stop an instance that is pending".into(),
        }
    );
    db.instances().start(vm.id(), None).await.unwrap();
    let err = db.instances().start(vm.id(), None).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::FailedPrecondition);
    assert!(err.to_string().contains("is running"), "{err}");
    db.instances().terminate(vm.id(), None).await.unwrap();
    for result in [
        db.instances().start(vm.id(), None).await,
        db.instances().stop(vm.id(), None).await,
        db.instances().terminate(vm.id(), None).await,
        db.instances()
            .update(vm.id(), Draft::new("vm", spec("t3.micro")), None)
            .await,
    ] {
        let err = result.unwrap_err();
        assert_eq!(err.code(), ErrorCode::FailedPrecondition);
        assert!(err.to_string().contains("terminated"), "{err}");
    }
}

#[derive(Debug, Clone, Copy)]
enum Op {
    Start,
    Stop,
    Terminate,
}

async fn apply(db: &ClusterDb, id: &str, op: Op) -> Result<clusterdb::Instance, Error> {
    match op {
        Op::Start => db.instances().start(id, None).await,
        Op::Stop => db.instances().stop(id, None).await,
        Op::Terminate => db.instances().terminate(id, None).await,
    }
}

/// The reference: what each operation should do from each state.
fn model(state: InstanceState, op: Op) -> Option<InstanceState> {
    use InstanceState::*;
    match (state, op) {
        (Pending | Stopped, Op::Start) => Some(Running),
        (Running | Stopping, Op::Stop) => Some(Stopped),
        (Terminated, _) => None,
        (_, Op::Terminate) => Some(Terminated),
        _ => None,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(crate::support::cases(64)))]

    #[test]
    fn random_operations_only_take_allowed_transitions(
        ops in proptest::collection::vec(prop_oneof![Just(Op::Start), Just(Op::Stop), Just(Op::Terminate)], 1..25)
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let db = quiet_db().await;
            let vm = db.instances().create(Draft::new("vm", spec("t3.micro"))).await.unwrap();
            let mut state = InstanceState::Pending;
            let mut terminated_seen = false;
            for op in ops {
                let result = apply(&db, vm.id(), op).await;
                match (model(state, op), result) {
                    (Some(next), Ok(instance)) => {
                        prop_assert_eq!(instance.status.state, next);
                        state = next;
                    }
                    (None, Err(err)) => {
                        prop_assert_eq!(err.code(), ErrorCode::FailedPrecondition);
                    }
                    (want, got) => prop_assert!(false, "{:?} from {:?}: model {:?}, got {:?}", op, state, want, got),
                }
                let stored = db.instances().get(vm.id()).await.unwrap().status.state;
                prop_assert_eq!(stored, state);
                if terminated_seen {
                    prop_assert_eq!(state, InstanceState::Terminated, "terminated is final");
                }
                terminated_seen |= state == InstanceState::Terminated;
            }
            // Every state change the log recorded is an allowed transition
            // (a stop passes through stopping inside one commit).
            let mut from = InstanceState::Pending;
            for event in db.events().list(0, 1000).await.unwrap() {
                if let Some(i) = event.object::<clusterdb::InstanceKind>().unwrap() {
                    let to = i.status.state;
                    if to != from {
                        let direct = INSTANCE_TRANSITIONS.contains(&(from, to));
                        let via_stopping = INSTANCE_TRANSITIONS.contains(&(from, InstanceState::Stopping))
                            && INSTANCE_TRANSITIONS.contains(&(InstanceState::Stopping, to));
                        prop_assert!(direct || via_stopping, "{:?} -> {:?}", from, to);
                    }
                    from = to;
                }
            }
            Ok(())
        })?;
    }
}

#[test]
fn the_transition_table_is_the_documented_one() {
    use InstanceState::*;
    let allowed: HashMap<_, Vec<_>> =
        INSTANCE_TRANSITIONS
            .iter()
            .fold(HashMap::new(), |mut m, (a, b)| {
                m.entry(*a).or_insert_with(Vec::new).push(*b);
                m
            });
    assert_eq!(allowed[&Pending], vec![Running, Terminated]);
    assert_eq!(allowed[&Running], vec![Stopping, Terminated]);
    assert_eq!(allowed[&Stopping], vec![Stopped, Terminated]);
    assert_eq!(allowed[&Stopped], vec![Pending, Running, Terminated]);
    assert!(!allowed.contains_key(&Terminated));
}
