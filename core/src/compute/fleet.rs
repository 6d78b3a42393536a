//! Fleets: a named group of instances of one type. `capacity` is desired
//! state; the fleet reconciler makes the fleet's instances match it and
//! reports what it observed in the status.

use serde::{Deserialize, Serialize};

use super::catalog::check_instance_type;
use crate::error::{Error, Result};
use crate::kind::{Kind, Object};
use crate::timestamp::Timestamp;
use crate::validation::{Context, MAX_DESCRIPTION_LEN, in_range, max_len};

/// Largest fleet capacity.
pub const MAX_CAPACITY: u32 = 1000;

/// The fleet kind.
pub struct FleetKind;

/// A fleet.
pub type Fleet = Object<FleetKind>;

/// What the user sets on a fleet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FleetSpec {
    /// Free text.
    pub description: String,
    /// Desired number of instances, 1..=1000.
    pub capacity: u32,
    /// Instance type of new members; must be in the catalog.
    pub instance_type: String,
}

/// A fleet's lifecycle state (the API's `status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FleetState {
    /// Serving; the reconciler keeps `capacity` members.
    Active,
    /// Deleted by the user; the reconciler terminates the members, then
    /// removes the fleet.
    Deleting,
}

impl FleetState {
    /// `active` or `deleting`.
    pub fn as_str(self) -> &'static str {
        match self {
            FleetState::Active => "active",
            FleetState::Deleting => "deleting",
        }
    }
}

/// What the server manages on a fleet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FleetStatus {
    /// Lifecycle state.
    pub state: FleetState,
    /// Members that are not terminated, as last observed by the reconciler.
    pub instances: u32,
    /// Members that are running, as last observed by the reconciler.
    pub running_instances: u32,
}

impl Kind for FleetKind {
    type Spec = FleetSpec;
    type Status = FleetStatus;
    const NAME: &'static str = "fleet";
    const SUBJECT: &'static str = "fleet configuration";

    fn validate(spec: &FleetSpec, ctx: &Context) -> Result<()> {
        max_len(
            Self::SUBJECT,
            "description",
            &spec.description,
            MAX_DESCRIPTION_LEN,
        )?;
        in_range(
            Self::SUBJECT,
            "capacity",
            spec.capacity.into(),
            1,
            MAX_CAPACITY.into(),
        )?;
        check_instance_type(Self::SUBJECT, &ctx.instance_types, &spec.instance_type)
    }

    fn initial_status(_spec: &FleetSpec, _now: Timestamp) -> FleetStatus {
        FleetStatus {
            state: FleetState::Active,
            instances: 0,
            running_instances: 0,
        }
    }

    fn check_update(current: &Fleet, _next: &FleetSpec) -> Result<()> {
        if current.status.state == FleetState::Deleting {
            return Err(Error::FailedPrecondition {
                kind: Self::NAME,
                id: current.meta.id.clone(),
                state: FleetState::Deleting.as_str().into(),
                reason: "a fleet that is being deleted cannot be updated".into(),
            });
        }
        Ok(())
    }

    fn begin_delete(fleet: &mut Fleet) -> bool {
        fleet.status.state = FleetState::Deleting;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compute::InstanceTypeCatalog;

    fn ctx() -> Context {
        Context {
            instance_types: InstanceTypeCatalog::default(),
            runtimes: Vec::new(),
        }
    }

    fn spec(capacity: u32, instance_type: &str, description: &str) -> FleetSpec {
        FleetSpec {
            description: description.into(),
            capacity,
            instance_type: instance_type.into(),
        }
    }

    /// Checks one spec: `None` for valid, else the expected field and reason.
    fn check(spec: FleetSpec, want: Option<(&str, &str)>) {
        let got = FleetKind::validate(&spec, &ctx()).err();
        if let Some(err) = &got {
            assert_eq!(err.code(), crate::ErrorCode::InvalidRequest);
            assert_eq!(err.message(), "Invalid fleet configuration");
        }
        assert_eq!(
            got.as_ref().and_then(|e| e.field_violation()),
            want,
            "{spec:?}"
        );
    }

    #[test]
    fn validation_rules() {
        check(spec(3, "t3.medium", "Web application fleet"), None);
        check(
            spec(0, "t3.medium", ""),
            Some(("capacity", "must be greater than 0")),
        );
        check(
            spec(1001, "t3.medium", ""),
            Some(("capacity", "must be at most 1000")),
        );
        check(spec(1000, "t3.medium", ""), None);
        let err = FleetKind::validate(&spec(1, "t9.huge", ""), &ctx()).unwrap_err();
        let (field, reason) = err.field_violation().unwrap();
        assert_eq!(field, "instance_type");
        assert!(reason.starts_with("must be one of the catalog's instance types: "));
        assert!(reason.contains("t3.medium"));
        check(
            spec(1, "t3.medium", &"d".repeat(1025)),
            Some(("description", "must be at most 1024 characters")),
        );
    }

    #[test]
    fn a_replaced_catalog_decides() {
        let mut ctx = ctx();
        ctx.instance_types = InstanceTypeCatalog::new([crate::compute::InstanceType {
            name: "gpu.big".into(),
            vcpus: 64,
            memory_mib: 1 << 20,
        }]);
        assert!(FleetKind::validate(&spec(1, "gpu.big", ""), &ctx).is_ok());
        assert!(FleetKind::validate(&spec(1, "t3.medium", ""), &ctx).is_err());
    }
}
