//! Who the caller is and what it may do (`GET /v1/auth/whoami`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The caller, as the server authenticated it, and what the policy lets it
/// do: a client offers only what it may.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct WhoAmIOutput {
    /// The user id (`user-…`) or OAuth client id.
    pub id: String,
    /// `user` or `oauth_client`.
    pub kind: String,
    /// A user's roles (bound directly and through groups).
    pub roles: Vec<String>,
    /// An OAuth client's scopes (they decide instead of roles).
    pub scopes: Option<Vec<String>>,
    /// For every kind the policy names (`fleet`, `virtual_service`,
    /// `webhook`, …): whether the caller may read and write it.
    pub permissions: BTreeMap<String, PermissionOutput>,
}

/// What the caller may do to one kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct PermissionOutput {
    /// Get, list, watch.
    pub read: bool,
    /// Create, update, delete, actions.
    pub write: bool,
}
