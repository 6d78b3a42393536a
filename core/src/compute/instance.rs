//! Instances and their lifecycle state machine.
//!
//! The allowed transitions are data ([`TRANSITIONS`]); every operation is a
//! walk along them, and anything else is `FAILED_PRECONDITION` naming the
//! current state. `terminated` is final.

use serde::{Deserialize, Serialize};

use super::catalog::check_instance_type;
use crate::error::{Error, Result};
use crate::kind::{Kind, Object};
use crate::resources::{Change, Resources};
use crate::timestamp::Timestamp;
use crate::validation::Context;

/// The index field terminated instances are listed under.
pub(crate) const TERMINATED_FIELD: &str = "terminated";

/// The instance kind.
pub struct InstanceKind;

/// An instance.
pub type Instance = Object<InstanceKind>;

/// What the user sets on an instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceSpec {
    /// Must be in the catalog; can change only while pending or stopped.
    pub instance_type: String,
}

/// Lifecycle state of an instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum InstanceState {
    /// Created, not yet started.
    Pending,
    /// Running.
    Running,
    /// Shutting down.
    Stopping,
    /// Stopped; can be started again.
    Stopped,
    /// Gone for good.
    Terminated,
}

/// Every allowed `(from, to)` transition.
pub const TRANSITIONS: &[(InstanceState, InstanceState)] = {
    use InstanceState::*;
    &[
        (Pending, Running),
        (Running, Stopping),
        (Stopping, Stopped),
        (Stopped, Pending),
        (Stopped, Running),
        (Pending, Terminated),
        (Running, Terminated),
        (Stopping, Terminated),
        (Stopped, Terminated),
    ]
};

impl InstanceState {
    /// The API's name for the state.
    pub fn as_str(self) -> &'static str {
        match self {
            InstanceState::Pending => "pending",
            InstanceState::Running => "running",
            InstanceState::Stopping => "stopping",
            InstanceState::Stopped => "stopped",
            InstanceState::Terminated => "terminated",
        }
    }

    /// Whether the table allows going from `self` to `next`.
    pub fn can_become(self, next: InstanceState) -> bool {
        TRANSITIONS.contains(&(self, next))
    }
}

/// What the server manages on an instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceStatus {
    /// Lifecycle state.
    pub state: InstanceState,
    /// The fleet this instance belongs to, if the fleet reconciler made it.
    pub fleet_id: Option<String>,
    /// When it last started running.
    pub launched_at: Option<Timestamp>,
    /// When it last stopped (or terminated).
    pub stopped_at: Option<Timestamp>,
}

/// Moves `instance` along `path` (each step checked against the table),
/// stamping the lifecycle timestamps.
pub(crate) fn walk(
    instance: &mut Instance,
    path: &[InstanceState],
    verb: &str,
    now: Timestamp,
) -> Result<()> {
    let from = instance.status.state;
    let mut state = from;
    for &next in path {
        if !state.can_become(next) {
            return Err(Error::FailedPrecondition {
                kind: InstanceKind::NAME,
                id: instance.meta.id.clone(),
                state: from.as_str().into(),
                reason: format!("cannot {verb} an instance that is {}", from.as_str()),
            });
        }
        state = next;
        match next {
            InstanceState::Running => instance.status.launched_at = Some(now),
            InstanceState::Stopped | InstanceState::Terminated => {
                instance.status.stopped_at = Some(now)
            }
            InstanceState::Pending | InstanceState::Stopping => {}
        }
    }
    instance.status.state = state;
    instance.meta.updated_at = now;
    Ok(())
}

impl Kind for InstanceKind {
    type Spec = InstanceSpec;
    type Status = InstanceStatus;
    const NAME: &'static str = "instance";
    const SUBJECT: &'static str = "instance configuration";
    const INDEXED_FIELDS: &'static [&'static str] = &["fleet_id", TERMINATED_FIELD];

    fn validate(spec: &InstanceSpec, ctx: &Context) -> Result<()> {
        check_instance_type(Self::SUBJECT, &ctx.instance_types, &spec.instance_type)
    }

    fn initial_status(_spec: &InstanceSpec, _now: Timestamp) -> InstanceStatus {
        InstanceStatus {
            state: InstanceState::Pending,
            fleet_id: None,
            launched_at: None,
            stopped_at: None,
        }
    }

    /// Live members are indexed by fleet; terminated instances drop out of
    /// that and into the `terminated` index (which retention sweeps).
    fn indexed_values(instance: &Instance) -> Vec<(&'static str, String)> {
        if instance.status.state == InstanceState::Terminated {
            return vec![(TERMINATED_FIELD, "true".into())];
        }
        match &instance.status.fleet_id {
            Some(fleet) => vec![("fleet_id", fleet.clone())],
            None => Vec::new(),
        }
    }

    fn check_update(current: &Instance, next: &InstanceSpec) -> Result<()> {
        let state = current.status.state;
        let refuse = |reason: &str| {
            Err(Error::FailedPrecondition {
                kind: Self::NAME,
                id: current.meta.id.clone(),
                state: state.as_str().into(),
                reason: reason.into(),
            })
        };
        if state == InstanceState::Terminated {
            return refuse("a terminated instance cannot be updated");
        }
        if next.instance_type != current.spec.instance_type
            && !matches!(state, InstanceState::Pending | InstanceState::Stopped)
        {
            return refuse(
                "instance_type can change only while the instance is pending or stopped",
            );
        }
        Ok(())
    }

    /// Deleting a live instance terminates it first.
    fn delete_actions(instance: &Instance) -> &'static [&'static str] {
        if instance.status.state == InstanceState::Terminated {
            &["deleted"]
        } else {
            &["terminated", "deleted"]
        }
    }
}

impl Resources<InstanceKind> {
    /// Starts a pending or stopped instance (`instance.started`).
    pub async fn start(&self, id: &str, expected_version: Option<u64>) -> Result<Instance> {
        self.transition(
            id,
            expected_version,
            "start",
            &[InstanceState::Running],
            &["started"],
        )
        .await
    }

    /// Stops a running instance: running -> stopping -> stopped
    /// (`instance.stopped`). The simulated machine stops at once, so both
    /// steps land in one commit.
    pub async fn stop(&self, id: &str, expected_version: Option<u64>) -> Result<Instance> {
        self.modify(id, expected_version, |current, now| {
            let mut next = current.clone();
            let path: &[InstanceState] = if current.status.state == InstanceState::Stopping {
                &[InstanceState::Stopped]
            } else {
                &[InstanceState::Stopping, InstanceState::Stopped]
            };
            walk(&mut next, path, "stop", now)?;
            Ok(Change::Replace(next, &["stopped"]))
        })
        .await
    }

    /// Terminates an instance for good (`instance.terminated`); the record
    /// stays, in state `terminated`.
    pub async fn terminate(&self, id: &str, expected_version: Option<u64>) -> Result<Instance> {
        self.transition(
            id,
            expected_version,
            "terminate",
            &[InstanceState::Terminated],
            &["terminated"],
        )
        .await
    }

    async fn transition(
        &self,
        id: &str,
        expected_version: Option<u64>,
        verb: &str,
        path: &[InstanceState],
        actions: &'static [&'static str],
    ) -> Result<Instance> {
        self.modify(id, expected_version, |current, now| {
            let mut next = current.clone();
            walk(&mut next, path, verb, now)?;
            Ok(Change::Replace(next, actions))
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compute::InstanceTypeCatalog;

    #[test]
    fn instance_type_must_be_in_the_catalog() {
        let ctx = Context {
            instance_types: InstanceTypeCatalog::default(),
            runtimes: Vec::new(),
        };
        let ok = InstanceSpec {
            instance_type: "m5.large".into(),
        };
        assert!(InstanceKind::validate(&ok, &ctx).is_ok());
        let bad = InstanceSpec {
            instance_type: "m9.giant".into(),
        };
        let err = InstanceKind::validate(&bad, &ctx).unwrap_err();
        assert_eq!(err.code(), crate::ErrorCode::InvalidRequest);
        assert_eq!(err.message(), "Invalid instance configuration");
        let (field, reason) = err.field_violation().unwrap();
        assert_eq!(field, "instance_type");
        assert!(reason.starts_with("must be one of the catalog's instance types: "));
    }
}
