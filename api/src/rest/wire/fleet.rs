//! The fleet kind on the REST API: the conversions of its JSON types
//! (`clusterdb-client`'s).

use clusterdb::compute::MAX_CAPACITY;
use clusterdb::{Context, Draft, FleetKind, FleetSpec, Object};
use clusterdb_client::wire::{FleetInput, FleetOutput};

use super::{description_rule, instance_types, time};
use crate::rest::kind::{FieldRule, RestKind};

impl RestKind for FleetKind {
    type Wire = clusterdb_client::Fleets;
    const TITLE: &'static str = "Fleet";
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
