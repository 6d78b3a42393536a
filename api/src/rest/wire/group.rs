//! The group kind on the REST API: the conversions of its JSON types
//! (`clusterdb-client`'s), and membership as its actions (`POST
//! /groups/{id}/members`, `DELETE /groups/{id}/members/{user_id}`).

use axum::extract::Path;
use axum::http::{Method, StatusCode};
use axum::response::Response;
use axum::routing::{delete, post};
use clusterdb::identity::{GroupKind, GroupSpec, MAX_MEMBERS, Verb};
use clusterdb::{Context, Draft, Object};
use clusterdb_client::wire::{GroupInput, GroupOutput, MemberInput};

use super::{Convert, description_rule, meta_output};
use crate::caller::Caller;
use crate::rest::error::ApiError;
use crate::rest::extract::JsonBody;
use crate::rest::handlers::resource;
use crate::rest::kind::{Access, Action, ActionBody, FieldRule, RestKind, SchemaOf};

impl RestKind for GroupKind {
    type Wire = clusterdb_client::Groups;
    const TITLE: &'static str = "Group";
    const FILTERS: &'static [&'static str] = &["members"];
    type Input = GroupInput;
    type Output = GroupOutput;

    fn field_rules(_context: &Context) -> Vec<(&'static str, FieldRule)> {
        vec![
            description_rule(),
            (
                "members",
                FieldRule::Ids {
                    prefix: "user-",
                    max_items: MAX_MEMBERS,
                },
            ),
        ]
    }

    fn actions() -> Vec<Action> {
        vec![
            Action {
                body: ActionBody::Json(SchemaOf::of::<MemberInput>(), || {
                    vec![("user_id", FieldRule::Id { prefix: "user-" })]
                }),
                ..Action::post(
                    "members",
                    "addGroupMember",
                    "Add a user to a group",
                    SchemaOf::of::<GroupOutput>(),
                    post(add_member),
                )
            },
            Action {
                path: "members/{user_id}",
                method: Method::DELETE,
                operation_id: "removeGroupMember",
                summary: "Remove a user from a group",
                body: ActionBody::None,
                if_match: false,
                paged: false,
                query: &[],
                response: Some(SchemaOf::of::<GroupOutput>()),
                access: Access::Kind(Verb::Write),
                route: delete(remove_member),
            },
        ]
    }

    fn draft(input: GroupInput) -> Draft<GroupSpec> {
        Draft {
            name: input.name,
            namespace: String::new(),
            tags: input.tags,
            spec: GroupSpec {
                description: input.description,
                members: input.members.into_iter().collect(),
                roles: input.roles.into_iter().map(Convert::convert).collect(),
            },
        }
    }

    fn input(group: &Object<Self>) -> GroupInput {
        GroupInput {
            name: group.meta.name.clone(),
            description: group.spec.description.clone(),
            members: group.spec.members.iter().cloned().collect(),
            roles: group
                .spec
                .roles
                .iter()
                .copied()
                .map(Convert::convert)
                .collect(),
            tags: group.meta.tags.clone(),
        }
    }

    fn output(group: &Object<Self>) -> GroupOutput {
        GroupOutput {
            id: group.meta.id.clone(),
            name: group.meta.name.clone(),
            description: group.spec.description.clone(),
            members: group.spec.members.iter().cloned().collect(),
            roles: group
                .spec
                .roles
                .iter()
                .copied()
                .map(Convert::convert)
                .collect(),
            meta: meta_output(&group.meta),
        }
    }
}

/// `POST /groups/{id}/members`.
async fn add_member(
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<MemberInput>,
) -> Result<Response, ApiError> {
    let group = caller.db.groups().add_member(&id, &input.user_id).await?;
    Ok(resource(StatusCode::OK, &group))
}

/// `DELETE /groups/{id}/members/{user_id}`.
async fn remove_member(
    caller: Caller,
    Path((id, user_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let group = caller.db.groups().remove_member(&id, &user_id).await?;
    Ok(resource(StatusCode::OK, &group))
}
