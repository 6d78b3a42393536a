//! What a server says of itself (`GET /v1/server`).

use serde::{Deserialize, Serialize};

/// The answering server: its version, store, and role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct ServerOutput {
    /// The server's version.
    pub version: String,
    /// The storage engine: `redb` (one data file) or `etcd` (shared).
    pub engine: String,
    /// Whether reads are served from this server's cache.
    pub read_cache: bool,
    /// Whether this server leads the background work (the reconciler,
    /// retention, webhook delivery, alert evaluation) now.
    pub leader: bool,
    /// The newest store revision this server has seen: the event log's
    /// head.
    pub revision: u64,
}
