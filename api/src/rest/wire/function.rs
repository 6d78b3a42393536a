//! The function kind on the REST API: its JSON types, their conversion and
//! the `invoke` action.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, Request};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine as _;
use clusterdb::compute::{
    CONCURRENCY, DEFAULT_CONCURRENCY, MAX_ENV_NAME_LEN, MAX_ENV_VALUE_LEN, MAX_ENV_VARS,
    MAX_HANDLER_LEN, MEMORY_MB, TIMEOUT_MS,
};
use clusterdb::compute::{FunctionStats, Invocation, ModuleRef};
use clusterdb::{ClusterDb, Context, Draft, FunctionKind, FunctionSpec, Object};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::description_rule;
use super::{description_default, time};
use crate::caller::Caller;
use crate::rest::error::ApiError;
use crate::rest::extract::body_bytes;
use crate::rest::kind::{Action, ActionBody, FieldRule, RestKind, SchemaOf};

fn default_memory() -> u32 {
    FunctionSpec::new("", "").memory_mb
}

fn default_timeout() -> u32 {
    FunctionSpec::new("", "").timeout_ms
}

fn default_concurrency() -> u32 {
    DEFAULT_CONCURRENCY
}

/// The bytes of a `code` field: base64 of a `.wasm` module, or else
/// WebAssembly text as it is.
pub fn code_bytes(code: &str) -> Vec<u8> {
    let trimmed = code.trim();
    base64::engine::general_purpose::STANDARD
        .decode(trimmed)
        .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(trimmed))
        .unwrap_or_else(|_| code.as_bytes().to_vec())
}

/// Create or replace a function.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FunctionInput {
    /// Unique name.
    pub name: String,
    /// Free text.
    #[serde(default = "description_default")]
    pub description: String,
    /// A registered runtime, e.g. `native`.
    #[schema(example = "native")]
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
    /// The stored module `code` became (set by the upload).
    #[serde(skip)]
    pub module: Option<ModuleRef>,
}

/// Invocation statistics of a function in the answering server process
/// (since it started).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DurationBucket {
    /// Upper bound in ms; `null` for the last, unbounded bucket.
    pub le_ms: Option<u64>,
    /// Invocations in the bucket.
    pub count: u64,
}

impl From<FunctionStats> for FunctionStatsOutput {
    fn from(stats: FunctionStats) -> Self {
        FunctionStatsOutput {
            invocations: stats.invocations,
            errors: stats.errors,
            timeouts: stats.timeouts,
            throttled: stats.throttled,
            p50_duration_ms: stats.duration_quantile_ms(0.5),
            p99_duration_ms: stats.duration_quantile_ms(0.99),
            total_duration_ms: stats.total_duration_ms(),
            duration_histogram: stats
                .duration_histogram()
                .map(|(le_ms, count)| DurationBucket { le_ms, count })
                .collect(),
        }
    }
}

/// A function as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
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

impl RestKind for FunctionKind {
    const SINGULAR: &'static str = "function";
    const TITLE: &'static str = "Function";
    const COLLECTION: &'static str = "functions";
    type Input = FunctionInput;
    type Output = FunctionOutput;

    fn field_rules(context: &Context) -> Vec<(&'static str, FieldRule)> {
        let range = |r: std::ops::RangeInclusive<u32>| FieldRule::Range {
            min: (*r.start()).into(),
            max: (*r.end()).into(),
        };
        vec![
            description_rule(),
            (
                "runtime",
                FieldRule::OneOf(
                    context
                        .runtimes
                        .iter()
                        .map(|r| r.name().to_string())
                        .collect(),
                ),
            ),
            (
                "handler",
                FieldRule::Length {
                    min: 1,
                    max: MAX_HANDLER_LEN,
                },
            ),
            ("memory_mb", range(MEMORY_MB)),
            ("timeout_ms", range(TIMEOUT_MS)),
            ("max_concurrency", range(CONCURRENCY)),
            (
                "env",
                FieldRule::Map {
                    max_entries: MAX_ENV_VARS,
                    key_pattern: format!("^[A-Za-z_][A-Za-z0-9_]{{0,{}}}$", MAX_ENV_NAME_LEN - 1),
                    max_value: MAX_ENV_VALUE_LEN,
                },
            ),
        ]
    }

    fn actions() -> Vec<Action> {
        vec![Action {
            body: ActionBody::Raw,
            ..Action::post(
                "invoke",
                "invokeFunction",
                "Invoke a function: the raw body (any content type, or none) is its payload",
                SchemaOf::of::<InvocationOutput>(),
                post(invoke),
            )
        }]
    }

    async fn upload(db: &ClusterDb, mut input: FunctionInput) -> Result<FunctionInput, ApiError> {
        if input.handler.is_none() {
            input.handler = clusterdb::compute::default_handler(&input.runtime).map(str::to_string);
        }
        if let Some(code) = input.code.take() {
            let handler = input.handler.as_deref().unwrap_or_default();
            let module = db
                .functions()
                .upload_code(&input.runtime, handler, &code_bytes(&code))
                .await?;
            input.module = Some(module);
        }
        Ok(input)
    }

    fn output_live(db: &ClusterDb, function: &Object<Self>) -> FunctionOutput {
        FunctionOutput {
            stats: Some(db.functions().stats(&function.meta.id).into()),
            ..Self::output(function)
        }
    }

    fn draft(input: FunctionInput) -> Draft<FunctionSpec> {
        Draft {
            name: input.name,
            namespace: String::new(),
            tags: input.tags,
            spec: FunctionSpec {
                description: input.description,
                runtime: input.runtime,
                handler: input.handler.unwrap_or_default(),
                memory_mb: input.memory_mb,
                timeout_ms: input.timeout_ms,
                env: input.env,
                code: input.module,
                max_concurrency: input.max_concurrency,
            },
        }
    }

    fn input(function: &Object<Self>) -> FunctionInput {
        FunctionInput {
            name: function.meta.name.clone(),
            description: function.spec.description.clone(),
            runtime: function.spec.runtime.clone(),
            handler: Some(function.spec.handler.clone()),
            memory_mb: function.spec.memory_mb,
            timeout_ms: function.spec.timeout_ms,
            env: function.spec.env.clone(),
            code: None,
            max_concurrency: function.spec.max_concurrency,
            tags: function.meta.tags.clone(),
            module: None,
        }
    }

    fn output(function: &Object<Self>) -> FunctionOutput {
        FunctionOutput {
            id: function.meta.id.clone(),
            name: function.meta.name.clone(),
            description: function.spec.description.clone(),
            runtime: function.spec.runtime.clone(),
            handler: function.spec.handler.clone(),
            memory_mb: function.spec.memory_mb,
            timeout_ms: function.spec.timeout_ms,
            env: function.spec.env.clone(),
            code_sha256: function.spec.code.as_ref().map(|c| c.sha256.clone()),
            code_size: function.spec.code.as_ref().map(|c| c.size),
            max_concurrency: function.spec.max_concurrency,
            stats: None,
            created_at: time(function.meta.created_at),
            updated_at: time(function.meta.updated_at),
            created_by: function.meta.created_by.clone(),
            updated_by: function.meta.updated_by.clone(),
            resource_version: function.meta.resource_version,
            tags: function.meta.tags.clone(),
        }
    }
}

/// The result of `POST /functions/{id}/invoke`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
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

impl From<Invocation> for InvocationOutput {
    fn from(invocation: Invocation) -> Self {
        let (output, output_encoding) = match serde_json::from_slice(&invocation.output) {
            Ok(json) => (json, None),
            Err(_) => match String::from_utf8(invocation.output) {
                Ok(text) => (serde_json::Value::String(text), None),
                Err(bytes) => (
                    serde_json::Value::String(
                        base64::engine::general_purpose::STANDARD.encode(bytes.as_bytes()),
                    ),
                    Some("base64".to_string()),
                ),
            },
        };
        InvocationOutput {
            status: invocation.status.as_str().to_string(),
            output,
            output_encoding,
            duration_ms: u64::try_from(invocation.duration.as_millis()).unwrap_or(u64::MAX),
            fuel_used: invocation.fuel_used,
            logs: invocation.logs,
        }
    }
}

/// `POST /functions/{id}/invoke`: the body, as it is, is the payload.
async fn invoke(
    caller: Caller,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    let body = body_bytes(request, &()).await?;
    let invocation = caller.db.functions().invoke(&id, body.to_vec()).await?;
    Ok(Json(InvocationOutput::from(invocation)).into_response())
}
