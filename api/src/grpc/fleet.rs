//! The fleet kind on gRPC: its messages and their conversion.

use clusterdb::{Draft, Fleet, FleetKind, FleetSpec, FleetState, ListOptions};
use clusterdb_proto::compute::v1 as pb;

use super::convert::{count, int, list_options, map, tags, timestamp};
use super::kind::{GrpcKind, Update};
use tonic::Status;

impl GrpcKind for FleetKind {
    type Message = pb::Fleet;
    type Create = pb::CreateFleetRequest;
    type Get = pb::GetFleetRequest;
    type Update = pb::UpdateFleetRequest;
    type Delete = pb::DeleteFleetRequest;
    type List = pb::ListFleetsRequest;
    type Page = pb::ListFleetsResponse;

    fn message(fleet: &Fleet) -> pb::Fleet {
        let status = match fleet.status.state {
            FleetState::Active => pb::FleetStatus::Active,
            FleetState::Deleting => pb::FleetStatus::Deleting,
        };
        pb::Fleet {
            id: fleet.meta.id.clone(),
            name: fleet.meta.name.clone(),
            description: fleet.spec.description.clone(),
            capacity: int(fleet.spec.capacity),
            instance_type: fleet.spec.instance_type.clone(),
            status: status as i32,
            created_at: Some(timestamp(fleet.meta.created_at)),
            tags: map(&fleet.meta.tags),
            updated_at: Some(timestamp(fleet.meta.updated_at)),
            resource_version: fleet.meta.resource_version,
            created_by: fleet.meta.created_by.clone(),
            updated_by: fleet.meta.updated_by.clone(),
            observed_instances: int(fleet.status.instances),
            running_instances: int(fleet.status.running_instances),
        }
    }

    fn create(r: pb::CreateFleetRequest) -> Result<Draft<FleetSpec>, Status> {
        Ok(Draft {
            tags: tags(r.tags),
            ..Draft::new(r.name, spec(r.description, r.capacity, r.instance_type))
        })
    }

    fn get(r: pb::GetFleetRequest) -> String {
        r.id
    }

    fn update(r: pb::UpdateFleetRequest) -> Result<Update<FleetSpec>, Status> {
        Ok(Update {
            id: r.id,
            draft: Draft {
                tags: tags(r.tags),
                ..Draft::new(r.name, spec(r.description, r.capacity, r.instance_type))
            },
            expected_version: r.expected_version,
        })
    }

    fn delete(r: pb::DeleteFleetRequest) -> (String, Option<u64>) {
        (r.id, r.expected_version)
    }

    fn list(r: pb::ListFleetsRequest) -> ListOptions {
        list_options(r.page_size, r.page_token, r.tags)
    }

    fn page(fleets: Vec<pb::Fleet>, next_page_token: String) -> pb::ListFleetsResponse {
        pb::ListFleetsResponse {
            fleets,
            next_page_token,
        }
    }
}

fn spec(description: String, capacity: i32, instance_type: String) -> FleetSpec {
    FleetSpec {
        description,
        capacity: count(capacity),
        instance_type,
    }
}
