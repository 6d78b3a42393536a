//! An instance's JSON.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Create or replace an instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct InstanceInput {
    /// Unique name.
    pub name: String,
    /// Instance type from the catalog.
    #[cfg_attr(feature = "schema", schema(example = "t3.micro"))]
    pub instance_type: String,
    /// Labels.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// An instance as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct InstanceOutput {
    /// `instance-…`.
    pub id: String,
    /// Unique name.
    pub name: String,
    /// The fleet that manages it, if any.
    pub fleet_id: Option<String>,
    /// Instance type.
    pub instance_type: String,
    /// `pending`, `running`, `stopping`, `stopped` or `terminated`.
    pub state: String,
    /// RFC 3339, when it last started running.
    pub launched_at: Option<String>,
    /// RFC 3339, when it last stopped.
    pub stopped_at: Option<String>,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub updated_at: String,
    /// Who created it: a user id, an OAuth client id or `system`.
    pub created_by: String,
    /// Who made the last change (the server's own status writes aside).
    pub updated_by: String,
    /// Changes on every write; the ETag.
    pub resource_version: u64,
    /// Labels.
    pub tags: BTreeMap<String, String>,
}

crate::resource::resources! {
    /// `/v1/instances`, with [`crate::ResourceClient::start`] and `stop`.
    Instances {
        collection: "instances",
        singular: "instance",
        id_prefix: "instance",
        input: InstanceInput,
        output: InstanceOutput,
    }
}
