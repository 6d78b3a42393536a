//! A fleet's JSON: what a create or replace sends, what the API shows.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Create or replace a fleet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct FleetInput {
    /// Unique name.
    pub name: String,
    /// Free text.
    #[serde(default = "super::description_default")]
    pub description: String,
    /// Desired number of instances.
    #[serde(deserialize_with = "super::integer")]
    pub capacity: u32,
    /// Instance type from the catalog.
    #[cfg_attr(feature = "schema", schema(example = "t3.medium"))]
    pub instance_type: String,
    /// Labels.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// A fleet as the API shows it (the spec's fields first).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
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

crate::resource::resources! {
    /// `/v1/fleets`.
    Fleets {
        collection: "fleets",
        singular: "fleet",
        id_prefix: "fleet",
        input: FleetInput,
        output: FleetOutput,
    }
}
