//! Names of the headers (and gRPC metadata keys) the API defines beyond
//! HTTP's own, shared by REST, gRPC and the SDK.

/// What an apply did: `created`, `configured` or `unchanged` — a REST
/// response header and a gRPC response metadata key.
pub const APPLY_OUTCOME: &str = "apply-outcome";

/// The store revision an answer reflects — a REST response header and a
/// gRPC response metadata key.
pub const REVISION: &str = "x-clusterdb-revision";

/// The revision a request's reads must reflect at least — a request
/// header and a gRPC request metadata key (REST also takes the query
/// parameter `min_revision`).
pub const MIN_REVISION: &str = "x-clusterdb-min-revision";

/// `true`: answer reads from what this server has now, without proving
/// it current — a request header and a gRPC request metadata key (REST
/// also takes the query parameter `stale`).
pub const STALE: &str = "x-clusterdb-stale";
