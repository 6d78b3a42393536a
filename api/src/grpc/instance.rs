//! The instance kind on gRPC: its messages and their conversion.

use clusterdb::{Draft, Instance, InstanceKind, InstanceSpec, InstanceState, ListOptions};
use clusterdb_proto::compute::v1 as pb;

use super::convert::{list_options, map, tags, timestamp};
use super::kind::{GrpcKind, Update};
use tonic::Status;

impl GrpcKind for InstanceKind {
    type Message = pb::Instance;
    type Create = pb::CreateInstanceRequest;
    type Get = pb::GetInstanceRequest;
    type Update = pb::UpdateInstanceRequest;
    type Delete = pb::DeleteInstanceRequest;
    type List = pb::ListInstancesRequest;
    type Page = pb::ListInstancesResponse;

    fn message(instance: &Instance) -> pb::Instance {
        let state = match instance.status.state {
            InstanceState::Pending => pb::InstanceState::Pending,
            InstanceState::Running => pb::InstanceState::Running,
            InstanceState::Stopping => pb::InstanceState::Stopping,
            InstanceState::Stopped => pb::InstanceState::Stopped,
            InstanceState::Terminated => pb::InstanceState::Terminated,
        };
        pb::Instance {
            id: instance.meta.id.clone(),
            name: instance.meta.name.clone(),
            fleet_id: instance.status.fleet_id.clone().unwrap_or_default(),
            instance_type: instance.spec.instance_type.clone(),
            state: state as i32,
            launched_at: instance.status.launched_at.map(timestamp),
            stopped_at: instance.status.stopped_at.map(timestamp),
            created_at: Some(timestamp(instance.meta.created_at)),
            updated_at: Some(timestamp(instance.meta.updated_at)),
            resource_version: instance.meta.resource_version,
            created_by: instance.meta.created_by.clone(),
            updated_by: instance.meta.updated_by.clone(),
            tags: map(&instance.meta.tags),
        }
    }

    fn create(r: pb::CreateInstanceRequest) -> Result<Draft<InstanceSpec>, Status> {
        Ok(Draft {
            tags: tags(r.tags),
            ..Draft::new(r.name, spec(r.instance_type))
        })
    }

    fn get(r: pb::GetInstanceRequest) -> String {
        r.id
    }

    fn update(r: pb::UpdateInstanceRequest) -> Result<Update<InstanceSpec>, Status> {
        Ok(Update {
            id: r.id,
            draft: Draft {
                tags: tags(r.tags),
                ..Draft::new(r.name, spec(r.instance_type))
            },
            expected_version: r.expected_version,
        })
    }

    fn delete(r: pb::DeleteInstanceRequest) -> (String, Option<u64>) {
        (r.id, r.expected_version)
    }

    fn list(r: pb::ListInstancesRequest) -> ListOptions {
        let options = list_options(r.page_size, r.page_token, r.tags);
        if r.fleet_id.is_empty() {
            options
        } else {
            options.field("fleet_id", r.fleet_id)
        }
    }

    fn page(instances: Vec<pb::Instance>, next_page_token: String) -> pb::ListInstancesResponse {
        pb::ListInstancesResponse {
            instances,
            next_page_token,
        }
    }
}

fn spec(instance_type: String) -> InstanceSpec {
    InstanceSpec { instance_type }
}
