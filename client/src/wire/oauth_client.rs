//! An OAuth client's JSON (the create answer carries the secret, once).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::MetaOutput;

/// Create or replace an OAuth client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OAuthClientInput {
    /// Unique name.
    pub name: String,
    /// Free text.
    #[serde(default = "super::description_default")]
    pub description: String,
    /// The responsible user's id; deleting the user deletes the client.
    pub owner: String,
    /// Scopes it may be granted, e.g. `compute:read`, `mesh:write`.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Labels.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// An OAuth client as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct OAuthClientOutput {
    /// `oauthclient-…`: the `client_id` of the token endpoint.
    pub id: String,
    /// Unique name.
    pub name: String,
    /// Free text.
    pub description: String,
    /// The responsible user's id.
    pub owner: String,
    /// Scopes it may be granted.
    pub scopes: Vec<String>,
    /// Timestamps, actors, version and tags.
    #[serde(flatten)]
    pub meta: MetaOutput,
    /// Only in the answer to a create or a secret reset: the client
    /// secret. It cannot be read again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
}

crate::resource::resources! {
    /// `/v1/oauth-clients` (admins only).
    OAuthClients {
        collection: "oauth-clients",
        list_field: "oauth_clients",
        singular: "OAuth client",
        id_prefix: "oauthclient",
        input: OAuthClientInput,
        output: OAuthClientOutput,
    }
}
