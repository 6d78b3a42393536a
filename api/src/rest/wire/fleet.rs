//! The fleet kind on the REST API: its JSON types and their conversion.

use std::collections::BTreeMap;

use clusterdb::compute::MAX_CAPACITY;
use clusterdb::{Context, Draft, FleetKind, FleetSpec, Object};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::description_rule;
use super::instance_types;
use super::{description_default, time};
use crate::rest::kind::{FieldRule, RestKind};

/// Create or replace a fleet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FleetInput {
    /// Unique name.
    pub name: String,
    /// Free text.
    #[serde(default = "description_default")]
    pub description: String,
    /// Desired number of instances.
    #[serde(deserialize_with = "super::integer")]
    pub capacity: u32,
    /// Instance type from the catalog.
    #[schema(example = "t3.medium")]
    pub instance_type: String,
    /// Labels.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// A fleet as the API shows it (the spec's fields first).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FleetOutput {
    /// `fleet-…`.
    pub id: String,
    /// Unique name.
    pub name: String,
    /// Free text.
    pub description: String,
    /// Desired number of instances.
    pub capacity: u32,
    /// Instance type of new members.
    pub instance_type: String,
    /// `active` or `deleting`.
    pub status: String,
    /// RFC 3339.
    pub created_at: String,
    /// Labels.
    pub tags: BTreeMap<String, String>,
    /// RFC 3339.
    pub updated_at: String,
    /// Who created it: a user id, an OAuth client id or `system`.
    pub created_by: String,
    /// Who made the last change (the server's own status writes aside).
    pub updated_by: String,
    /// Changes on every write; the ETag.
    pub resource_version: u64,
    /// Members that are not terminated, as last observed.
    pub observed_instances: u32,
    /// Members that are running, as last observed.
    pub running_instances: u32,
}

impl RestKind for FleetKind {
    const SINGULAR: &'static str = "fleet";
    const TITLE: &'static str = "Fleet";
    const COLLECTION: &'static str = "fleets";
    const ASYNC_DELETE: bool = true;
    type Input = FleetInput;
    type Output = FleetOutput;

    fn field_rules(context: &Context) -> Vec<(&'static str, FieldRule)> {
        vec![
            description_rule(),
            (
                "capacity",
                FieldRule::Range {
                    min: 1,
                    max: MAX_CAPACITY.into(),
                },
            ),
            ("instance_type", instance_types(context)),
        ]
    }

    fn draft(input: FleetInput) -> Draft<FleetSpec> {
        Draft {
            name: input.name,
            namespace: String::new(),
            tags: input.tags,
            spec: FleetSpec {
                description: input.description,
                capacity: input.capacity,
                instance_type: input.instance_type,
            },
        }
    }

    fn input(fleet: &Object<Self>) -> FleetInput {
        FleetInput {
            name: fleet.meta.name.clone(),
            description: fleet.spec.description.clone(),
            capacity: fleet.spec.capacity,
            instance_type: fleet.spec.instance_type.clone(),
            tags: fleet.meta.tags.clone(),
        }
    }

    fn output(fleet: &Object<Self>) -> FleetOutput {
        FleetOutput {
            id: fleet.meta.id.clone(),
            name: fleet.meta.name.clone(),
            description: fleet.spec.description.clone(),
            capacity: fleet.spec.capacity,
            instance_type: fleet.spec.instance_type.clone(),
            status: fleet.status.state.as_str().to_string(),
            created_at: time(fleet.meta.created_at),
            tags: fleet.meta.tags.clone(),
            updated_at: time(fleet.meta.updated_at),
            created_by: fleet.meta.created_by.clone(),
            updated_by: fleet.meta.updated_by.clone(),
            resource_version: fleet.meta.resource_version,
            observed_instances: fleet.status.instances,
            running_instances: fleet.status.running_instances,
        }
    }
}
