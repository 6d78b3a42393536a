//! The group kind on the REST API: its JSON types, and membership as its
//! actions (`POST /groups/{id}/members`,
//! `DELETE /groups/{id}/members/{user_id}`).

use std::collections::BTreeMap;

use axum::extract::Path;
use axum::http::{Method, StatusCode};
use axum::response::Response;
use axum::routing::{delete, post};
use clusterdb::identity::{GroupKind, GroupSpec, MAX_MEMBERS, Verb};
use clusterdb::{Context, Draft, Object};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::description_rule;
use super::{MetaOutput, RoleName, description_default};
use crate::caller::Caller;
use crate::rest::error::ApiError;
use crate::rest::extract::JsonBody;
use crate::rest::handlers::resource;
use crate::rest::kind::{Access, Action, ActionBody, FieldRule, RestKind, SchemaOf};

/// Create or replace a group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupInput {
    /// Unique name.
    pub name: String,
    /// Free text.
    #[serde(default = "description_default")]
    pub description: String,
    /// User ids; each must exist.
    #[serde(default)]
    pub members: Vec<String>,
    /// Roles every member holds.
    #[serde(default)]
    pub roles: Vec<RoleName>,
    /// Labels.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// A group as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct GroupOutput {
    /// `group-…`.
    pub id: String,
    /// Unique name.
    pub name: String,
    /// Free text.
    pub description: String,
    /// User ids.
    pub members: Vec<String>,
    /// Roles every member holds.
    pub roles: Vec<RoleName>,
    /// Timestamps, actors, version and tags.
    #[serde(flatten)]
    pub meta: MetaOutput,
}

/// Add a member.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberInput {
    /// The user's id.
    pub user_id: String,
}

impl RestKind for GroupKind {
    const SINGULAR: &'static str = "group";
    const TITLE: &'static str = "Group";
    const COLLECTION: &'static str = "groups";
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
                roles: input.roles.into_iter().map(Into::into).collect(),
            },
        }
    }

    fn input(group: &Object<Self>) -> GroupInput {
        GroupInput {
            name: group.meta.name.clone(),
            description: group.spec.description.clone(),
            members: group.spec.members.iter().cloned().collect(),
            roles: group.spec.roles.iter().copied().map(Into::into).collect(),
            tags: group.meta.tags.clone(),
        }
    }

    fn output(group: &Object<Self>) -> GroupOutput {
        GroupOutput {
            id: group.meta.id.clone(),
            name: group.meta.name.clone(),
            description: group.spec.description.clone(),
            members: group.spec.members.iter().cloned().collect(),
            roles: group.spec.roles.iter().copied().map(Into::into).collect(),
            meta: MetaOutput::of(&group.meta),
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
