//! Names of the headers (and gRPC metadata keys) the API defines beyond
//! HTTP's own, shared by REST, gRPC and the SDK.

/// What an apply did: `created`, `configured` or `unchanged` — a REST
/// response header and a gRPC response metadata key.
pub const APPLY_OUTCOME: &str = "apply-outcome";

/// The store revision an answer reflects — a REST response header and a
/// gRPC response metadata key.
pub const REVISION: &str = "x-clusterdb-revision";
