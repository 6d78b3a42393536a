//! The function kind on the REST API: its JSON types, their conversion and
//! the `invoke` action.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, Request};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use clusterdb::compute::Invocation;
use clusterdb::compute::{
    MAX_ENV_NAME_LEN, MAX_ENV_VALUE_LEN, MAX_ENV_VARS, MAX_HANDLER_LEN, MEMORY_MB, TIMEOUT_MS,
};
use clusterdb::{Context, Draft, Error, FunctionKind, FunctionSpec, Object};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::description_rule;
use super::{description_default, time};
use crate::auth::Caller;
use crate::rest::error::ApiError;
use crate::rest::extract::{body_bytes, parse_json, require_json};
use crate::rest::kind::{Action, ActionBody, FieldRule, RestKind, SchemaOf};

fn default_memory() -> u32 {
    FunctionSpec::new("", "").memory_mb
}

fn default_timeout() -> u32 {
    FunctionSpec::new("", "").timeout_ms
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
    /// The handler within the runtime.
    pub handler: String,
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
    /// Labels.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
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
            body: ActionBody::AnyJson,
            ..Action::post(
                "invoke",
                "invokeFunction",
                "Invoke a function with a JSON payload",
                SchemaOf::of::<InvocationOutput>(),
                post(invoke),
            )
        }]
    }

    fn draft(input: FunctionInput) -> Draft<FunctionSpec> {
        Draft {
            name: input.name,
            namespace: String::new(),
            tags: input.tags,
            spec: FunctionSpec {
                description: input.description,
                runtime: input.runtime,
                handler: input.handler,
                memory_mb: input.memory_mb,
                timeout_ms: input.timeout_ms,
                env: input.env,
            },
        }
    }

    fn input(function: &Object<Self>) -> FunctionInput {
        FunctionInput {
            name: function.meta.name.clone(),
            description: function.spec.description.clone(),
            runtime: function.spec.runtime.clone(),
            handler: function.spec.handler.clone(),
            memory_mb: function.spec.memory_mb,
            timeout_ms: function.spec.timeout_ms,
            env: function.spec.env.clone(),
            tags: function.meta.tags.clone(),
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
    /// What the handler returned: its JSON, or else its text as a string.
    pub output: serde_json::Value,
    /// Wall-clock duration in milliseconds.
    pub duration_ms: u64,
}

impl From<Invocation> for InvocationOutput {
    fn from(invocation: Invocation) -> Self {
        let output = serde_json::from_slice(&invocation.output).unwrap_or_else(|_| {
            serde_json::Value::String(String::from_utf8_lossy(&invocation.output).into_owned())
        });
        InvocationOutput {
            status: invocation.status.as_str().to_string(),
            output,
            duration_ms: u64::try_from(invocation.duration.as_millis()).unwrap_or(u64::MAX),
        }
    }
}

/// `POST /functions/{id}/invoke`: the JSON body is the payload; an empty
/// body is the payload `null`.
async fn invoke(
    caller: Caller,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    let headers = request.headers().clone();
    let body = body_bytes(request, &()).await?;
    let payload = if body.iter().all(u8::is_ascii_whitespace) {
        Value::Null
    } else {
        require_json(&headers)?;
        parse_json::<Value>(&body)?
    };
    let bytes =
        serde_json::to_vec(&payload).map_err(|e| ApiError::from(Error::Internal(e.to_string())))?;
    let invocation = caller.db.functions().invoke(&id, bytes).await?;
    Ok(Json(InvocationOutput::from(invocation)).into_response())
}
