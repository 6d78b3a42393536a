//! The user kind on gRPC: its messages and their conversion.

use clusterdb::identity::{Role, User, UserKind, UserSpec, UserState};
use clusterdb::{Draft, ListOptions};
use clusterdb_proto::identity::v1 as pb;
use tonic::Status;

use super::convert::{list_options, map, tags, timestamp};
use super::kind::{GrpcKind, Update};
use super::status::invalid;

/// Role names as a message carries them; `INVALID_ARGUMENT` for an
/// unknown one.
pub(crate) fn check_roles(roles: &[String]) -> Result<(), Status> {
    match roles.iter().find(|r| Role::parse(r).is_none()) {
        Some(bad) => Err(invalid(
            "roles",
            &format!("{bad:?} is not a role: viewer, editor or admin"),
        )),
        None => Ok(()),
    }
}

/// Roles from checked names ([`check_roles`] ran first).
pub(crate) fn roles(names: Vec<String>) -> std::collections::BTreeSet<Role> {
    names.iter().filter_map(|r| Role::parse(r)).collect()
}

/// Role names for a message.
pub(crate) fn role_names<'a>(roles: impl IntoIterator<Item = &'a Role>) -> Vec<String> {
    roles.into_iter().map(|r| r.as_str().to_string()).collect()
}

fn state(status: i32) -> UserState {
    match pb::UserStatus::try_from(status) {
        Ok(pb::UserStatus::Disabled) => UserState::Disabled,
        _ => UserState::Active,
    }
}

impl GrpcKind for UserKind {
    type Message = pb::User;
    type Create = pb::CreateUserRequest;
    type Get = pb::GetUserRequest;
    type Update = pb::UpdateUserRequest;
    type Delete = pb::DeleteUserRequest;
    type List = pb::ListUsersRequest;
    type Page = pb::ListUsersResponse;

    fn message(user: &User) -> pb::User {
        pb::User {
            id: user.meta.id.clone(),
            username: user.meta.name.clone(),
            email: user.spec.email.clone(),
            display_name: user.spec.display_name.clone(),
            status: match user.spec.state {
                UserState::Active => pb::UserStatus::Active,
                UserState::Disabled => pb::UserStatus::Disabled,
            } as i32,
            roles: role_names(&user.spec.roles),
            tags: map(&user.meta.tags),
            created_at: Some(timestamp(user.meta.created_at)),
            updated_at: Some(timestamp(user.meta.updated_at)),
            resource_version: user.meta.resource_version,
            created_by: user.meta.created_by.clone(),
            updated_by: user.meta.updated_by.clone(),
        }
    }

    fn create(r: pb::CreateUserRequest) -> Result<Draft<UserSpec>, Status> {
        Ok(Draft {
            name: r.username,
            namespace: String::new(),
            tags: tags(r.tags),
            spec: UserSpec {
                email: r.email,
                display_name: r.display_name,
                state: state(r.status),
                roles: roles(r.roles),
            },
        })
    }

    fn get(r: pb::GetUserRequest) -> String {
        r.id
    }

    fn update(r: pb::UpdateUserRequest) -> Result<Update<UserSpec>, Status> {
        Ok(Update {
            id: r.id,
            expected_version: r.expected_version,
            draft: Draft {
                name: r.username,
                namespace: String::new(),
                tags: tags(r.tags),
                spec: UserSpec {
                    email: r.email,
                    display_name: r.display_name,
                    state: state(r.status),
                    roles: roles(r.roles),
                },
            },
        })
    }

    fn delete(r: pb::DeleteUserRequest) -> (String, Option<u64>) {
        (r.id, r.expected_version)
    }

    fn list(r: pb::ListUsersRequest) -> ListOptions {
        list_options(r.page_size, r.page_token, r.tags)
    }

    fn page(users: Vec<pb::User>, next_page_token: String) -> pb::ListUsersResponse {
        pb::ListUsersResponse {
            users,
            next_page_token,
        }
    }
}
