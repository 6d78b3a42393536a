//! The group kind on gRPC: its messages and their conversion.

use clusterdb::identity::{Group, GroupKind, GroupSpec};
use clusterdb::{Draft, ListOptions};
use clusterdb_proto::identity::v1 as pb;

use super::convert::{list_options, map, tags, timestamp};
use super::kind::{GrpcKind, Update};
use super::user::{role_names, roles};
use tonic::Status;

impl GrpcKind for GroupKind {
    type Message = pb::Group;
    type Create = pb::CreateGroupRequest;
    type Get = pb::GetGroupRequest;
    type Update = pb::UpdateGroupRequest;
    type Delete = pb::DeleteGroupRequest;
    type List = pb::ListGroupsRequest;
    type Page = pb::ListGroupsResponse;

    fn message(group: &Group) -> pb::Group {
        pb::Group {
            id: group.meta.id.clone(),
            name: group.meta.name.clone(),
            description: group.spec.description.clone(),
            members: group.spec.members.iter().cloned().collect(),
            roles: role_names(&group.spec.roles),
            tags: map(&group.meta.tags),
            created_at: Some(timestamp(group.meta.created_at)),
            updated_at: Some(timestamp(group.meta.updated_at)),
            resource_version: group.meta.resource_version,
            created_by: group.meta.created_by.clone(),
            updated_by: group.meta.updated_by.clone(),
        }
    }

    fn create(r: pb::CreateGroupRequest) -> Result<Draft<GroupSpec>, Status> {
        Ok(Draft {
            name: r.name,
            namespace: String::new(),
            tags: tags(r.tags),
            spec: GroupSpec {
                description: r.description,
                members: r.members.into_iter().collect(),
                roles: roles(r.roles),
            },
        })
    }

    fn get(r: pb::GetGroupRequest) -> String {
        r.id
    }

    fn update(r: pb::UpdateGroupRequest) -> Result<Update<GroupSpec>, Status> {
        Ok(Update {
            id: r.id,
            expected_version: r.expected_version,
            draft: Draft {
                name: r.name,
                namespace: String::new(),
                tags: tags(r.tags),
                spec: GroupSpec {
                    description: r.description,
                    members: r.members.into_iter().collect(),
                    roles: roles(r.roles),
                },
            },
        })
    }

    fn delete(r: pb::DeleteGroupRequest) -> (String, Option<u64>) {
        (r.id, r.expected_version)
    }

    fn list(r: pb::ListGroupsRequest) -> ListOptions {
        list_options(r.page_size, r.page_token, r.tags)
    }

    fn page(groups: Vec<pb::Group>, next_page_token: String) -> pb::ListGroupsResponse {
        pb::ListGroupsResponse {
            groups,
            next_page_token,
        }
    }
}
