//! The function kind on the REST API: the conversions of its JSON types
//! (`clusterdb-client`'s) and the `invoke` action.

use axum::Json;
use axum::extract::{Path, Request};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine as _;
use clusterdb::compute::{
    CONCURRENCY, MAX_ENV_NAME_LEN, MAX_ENV_VALUE_LEN, MAX_ENV_VARS, MAX_HANDLER_LEN, MEMORY_MB,
    TIMEOUT_MS,
};
use clusterdb::compute::{FunctionStats, Invocation};
use clusterdb::{ClusterDb, Context, Draft, FunctionKind, FunctionSpec, Object};
use clusterdb_client::wire::{
    DurationBucket, FunctionInput, FunctionOutput, FunctionStatsOutput, InvocationOutput,
};

use super::{Convert, description_rule, time};
use crate::caller::Caller;
use crate::rest::error::ApiError;
use crate::rest::extract::body_bytes;
use crate::rest::kind::{Action, ActionBody, FieldRule, RestKind, SchemaOf};

/// The bytes of a `code` field: base64 of a `.wasm` module, or else
/// WebAssembly text as it is.
pub fn code_bytes(code: &str) -> Vec<u8> {
    let trimmed = code.trim();
    base64::engine::general_purpose::STANDARD
        .decode(trimmed)
        .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(trimmed))
        .unwrap_or_else(|_| code.as_bytes().to_vec())
}

impl Convert<FunctionStatsOutput> for FunctionStats {
    fn convert(self) -> FunctionStatsOutput {
        let stats = self;
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

impl RestKind for FunctionKind {
    type Wire = clusterdb_client::Functions;
    const TITLE: &'static str = "Function";
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

    async fn prepare(
        db: &ClusterDb,
        mut input: FunctionInput,
    ) -> Result<Draft<FunctionSpec>, ApiError> {
        if input.handler.is_none() {
            input.handler = clusterdb::compute::default_handler(&input.runtime).map(str::to_string);
        }
        let code = input.code.take();
        let mut draft = Self::draft(input);
        if let Some(code) = code {
            let spec = &draft.spec;
            let module = db
                .functions()
                .upload_code(&spec.runtime, &spec.handler, &code_bytes(&code))
                .await?;
            draft.spec.code = Some(module);
        }
        Ok(draft)
    }

    fn output_live(db: &ClusterDb, function: &Object<Self>) -> FunctionOutput {
        FunctionOutput {
            stats: Some(db.functions().stats(&function.meta.id).convert()),
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
                code: None,
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

impl Convert<InvocationOutput> for Invocation {
    fn convert(self) -> InvocationOutput {
        let invocation = self;
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
    Ok(Json(invocation.convert()).into_response())
}
