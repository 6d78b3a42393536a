//! A function's JSON: its input (with the code to upload), its output
//! with this server's invocation statistics, and an invocation's answer.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A function's memory limit when its input names none, in MiB.
pub const DEFAULT_MEMORY_MB: u32 = 128;
/// A function's time limit when its input names none, in milliseconds.
pub const DEFAULT_TIMEOUT_MS: u32 = 3000;
/// A function's concurrent invocations when its input names no limit.
pub const DEFAULT_CONCURRENCY: u32 = 64;

fn default_memory() -> u32 {
    DEFAULT_MEMORY_MB
}

fn default_timeout() -> u32 {
    DEFAULT_TIMEOUT_MS
}

fn default_concurrency() -> u32 {
    DEFAULT_CONCURRENCY
}

/// Create or replace a function.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct FunctionInput {
    /// Unique name.
    pub name: String,
    /// Free text.
    #[serde(default = "super::description_default")]
    pub description: String,
    /// A registered runtime, e.g. `native`.
    #[cfg_attr(feature = "schema", schema(example = "native"))]
    pub runtime: String,
    /// The handler within the runtime; for `wasm`, the exported function
    /// to run (default `_start`, a WASI command's entry). Required for
    /// every other runtime.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(deserialize_with = "super::present")]
    pub handler: Option<String>,
    /// Memory limit in MiB (default 128).
    #[serde(default = "default_memory")]
    #[serde(deserialize_with = "super::integer")]
    pub memory_mb: u32,
    /// Time limit per invocation in ms (default 3000).
    #[serde(default = "default_timeout")]
    #[serde(deserialize_with = "super::integer")]
    pub timeout_ms: u32,
    /// Environment.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// The code, for the `wasm` runtime: base64 of a `.wasm` module or
    /// WebAssembly text (WAT). Write-only: stored once by SHA-256 and
    /// shown as `code_sha256` and `code_size`; a replace without it keeps
    /// the current code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Invocations running at once, 1..=1000 (default 64).
    #[serde(default = "default_concurrency")]
    #[serde(deserialize_with = "super::integer")]
    pub max_concurrency: u32,
    /// Labels.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// Invocation statistics of a function in the answering server process
/// (since it started).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct FunctionStatsOutput {
    /// Invocations that ran.
    pub invocations: u64,
    /// Those that failed.
    pub errors: u64,
    /// Those stopped at `timeout_ms`.
    pub timeouts: u64,
    /// Invocations refused at a concurrency limit.
    pub throttled: u64,
    /// Median duration (upper bound of its histogram bucket), ms.
    pub p50_duration_ms: Option<u64>,
    /// 99th percentile duration (upper bound of its bucket), ms.
    pub p99_duration_ms: Option<u64>,
    /// Sum of all durations, ms.
    pub total_duration_ms: u64,
    /// Invocations per duration bucket: `le_ms` is the bucket's upper
    /// bound (`null`: longer), `count` not cumulative.
    pub duration_histogram: Vec<DurationBucket>,
}

/// One bucket of [`FunctionStatsOutput::duration_histogram`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct DurationBucket {
    /// Upper bound in ms; `null` for the last, unbounded bucket.
    pub le_ms: Option<u64>,
    /// Invocations in the bucket.
    pub count: u64,
}

/// A function as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct FunctionOutput {
    /// `function-…`.
    pub id: String,
    /// Unique name.
    pub name: String,
    /// Free text.
    pub description: String,
    /// Runtime name.
    pub runtime: String,
    /// Handler name.
    pub handler: String,
    /// Memory limit in MiB.
    pub memory_mb: u32,
    /// Time limit in ms.
    pub timeout_ms: u32,
    /// Environment.
    pub env: BTreeMap<String, String>,
    /// Hex SHA-256 of the stored module (`null`: no code).
    pub code_sha256: Option<String>,
    /// Size of the stored module in bytes (`null`: no code).
    pub code_size: Option<u64>,
    /// Invocations running at once.
    pub max_concurrency: u32,
    /// Invocation statistics of the answering process (`GET` of one
    /// function only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stats: Option<FunctionStatsOutput>,
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

/// The result of `POST /functions/{id}/invoke`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct InvocationOutput {
    /// `succeeded`.
    pub status: String,
    /// What the function wrote: its JSON when it parses as JSON, else its
    /// text as a string when it is UTF-8, else base64 (and
    /// `output_encoding` says so).
    pub output: serde_json::Value,
    /// `base64` when `output` is base64 of bytes that are not text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_encoding: Option<String>,
    /// Wall-clock duration in milliseconds.
    pub duration_ms: u64,
    /// Interpreter fuel used (`null` for a runtime that does not meter).
    pub fuel_used: Option<u64>,
    /// What the function wrote to stderr (its last 64 KiB).
    pub logs: String,
}

crate::resource::resources! {
    /// `/v1/functions`, with [`crate::ResourceClient::invoke`].
    Functions {
        collection: "functions",
        singular: "function",
        id_prefix: "function",
        input: FunctionInput,
        output: FunctionOutput,
    }
}
