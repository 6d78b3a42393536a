//! A group's JSON, and a membership change's body.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{MetaOutput, RoleName};

/// Create or replace a group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct GroupInput {
    /// Unique name.
    pub name: String,
    /// Free text.
    #[serde(default = "super::description_default")]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MemberInput {
    /// The user's id.
    pub user_id: String,
}

crate::resource::resources! {
    /// `/v1/groups`.
    Groups {
        collection: "groups",
        singular: "group",
        id_prefix: "group",
        input: GroupInput,
        output: GroupOutput,
    }
}
