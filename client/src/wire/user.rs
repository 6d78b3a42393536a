//! A user's JSON, and its API keys' (the create answer carries the key,
//! once).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{MetaOutput, RoleName};

/// Whether a user may authenticate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum UserStatusName {
    /// May call the API.
    #[default]
    Active,
    /// Refused.
    Disabled,
}

/// Create or replace a user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UserInput {
    /// Unique login name.
    pub username: String,
    /// Unique (ignoring case); empty for a service account.
    #[serde(default)]
    pub email: String,
    /// Free text.
    #[serde(default)]
    pub display_name: String,
    /// `active` (default) or `disabled`.
    #[serde(default)]
    pub status: UserStatusName,
    /// Roles bound to the user (groups add more).
    #[serde(default)]
    pub roles: Vec<RoleName>,
    /// Labels.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// A user as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct UserOutput {
    /// `user-…`.
    pub id: String,
    /// Unique login name.
    pub username: String,
    /// Email address (may be empty).
    pub email: String,
    /// Free text.
    pub display_name: String,
    /// `active` or `disabled`.
    pub status: UserStatusName,
    /// Roles bound to the user directly.
    pub roles: Vec<RoleName>,
    /// Timestamps, actors, version and tags.
    #[serde(flatten)]
    pub meta: MetaOutput,
}

/// Create an API key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ApiKeyInput {
    /// Unique among the user's keys.
    pub name: String,
    /// RFC 3339; the key stops working then. Absent: never.
    #[serde(default)]
    pub expires_at: Option<String>,
}

/// An API key as lists show it (never its secret).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct ApiKeyOutput {
    /// `apikey-…`.
    pub id: String,
    /// Unique among the owner's keys.
    pub name: String,
    /// The user id.
    pub owner: String,
    /// RFC 3339.
    pub created_at: String,
    /// Who created it.
    pub created_by: String,
    /// RFC 3339, to the minute; `null` if never used.
    pub last_used_at: Option<String>,
    /// RFC 3339; `null` if it never expires.
    pub expires_at: Option<String>,
}

/// A key just created: the only answer that carries the key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct NewApiKeyOutput {
    /// The stored key.
    #[serde(flatten)]
    pub api_key: ApiKeyOutput,
    /// `cdb_<key id>_<secret>`: send as `Authorization: Bearer <key>`. It
    /// cannot be read again.
    pub key: String,
}

/// One page of API keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct ApiKeyPage {
    /// The keys.
    pub api_keys: Vec<ApiKeyOutput>,
    /// Pass as `page_token` for the next page.
    pub next_page_token: Option<String>,
}

crate::resource::resources! {
    /// `/v1/users`.
    Users {
        collection: "users",
        singular: "user",
        id_prefix: "user",
        input: UserInput,
        output: UserOutput,
    }
}
