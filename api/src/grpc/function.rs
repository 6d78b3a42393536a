//! The function kind on gRPC: its messages and their conversion.

use std::collections::HashMap;

use clusterdb::compute::{DEFAULT_CONCURRENCY, FunctionStats};
use clusterdb::{ClusterDb, Draft, Function, FunctionKind, FunctionSpec, Invocation, ListOptions};
use clusterdb_proto::compute::v1 as pb;
use tonic::Status;

use super::convert::{count, int, list_options, map, tags, timestamp};
use super::kind::{GrpcKind, Update};

/// The [`Fields`] of a create or update request (they carry the same ones).
macro_rules! fields {
    ($r:ident) => {
        Fields {
            name: $r.name,
            description: $r.description,
            runtime: $r.runtime,
            handler: $r.handler,
            memory_mb: $r.memory_mb,
            timeout_ms: $r.timeout_ms,
            env: $r.env,
            tags: $r.tags,
            max_concurrency: $r.max_concurrency,
        }
    };
}

impl GrpcKind for FunctionKind {
    type Message = pb::Function;
    type Create = pb::CreateFunctionRequest;
    type Get = pb::GetFunctionRequest;
    type Update = pb::UpdateFunctionRequest;
    type Delete = pb::DeleteFunctionRequest;
    type List = pb::ListFunctionsRequest;
    type Page = pb::ListFunctionsResponse;

    fn message(function: &Function) -> pb::Function {
        pb::Function {
            id: function.meta.id.clone(),
            name: function.meta.name.clone(),
            description: function.spec.description.clone(),
            runtime: function.spec.runtime.clone(),
            handler: function.spec.handler.clone(),
            memory_mb: int(function.spec.memory_mb),
            timeout_ms: int(function.spec.timeout_ms),
            env: map(&function.spec.env),
            created_at: Some(timestamp(function.meta.created_at)),
            updated_at: Some(timestamp(function.meta.updated_at)),
            resource_version: function.meta.resource_version,
            created_by: function.meta.created_by.clone(),
            updated_by: function.meta.updated_by.clone(),
            tags: map(&function.meta.tags),
            code_sha256: function
                .spec
                .code
                .as_ref()
                .map(|c| c.sha256.clone())
                .unwrap_or_default(),
            code_size: function.spec.code.as_ref().map_or(0, |c| c.size),
            max_concurrency: int(function.spec.max_concurrency),
            stats: None,
        }
    }

    fn create(r: pb::CreateFunctionRequest) -> Result<Draft<FunctionSpec>, Status> {
        Ok(fields!(r).draft())
    }

    fn get(r: pb::GetFunctionRequest) -> String {
        r.id
    }

    fn update(r: pb::UpdateFunctionRequest) -> Result<Update<FunctionSpec>, Status> {
        Ok(Update {
            draft: fields!(r).draft(),
            id: r.id,
            expected_version: r.expected_version,
        })
    }

    fn delete(r: pb::DeleteFunctionRequest) -> (String, Option<u64>) {
        (r.id, r.expected_version)
    }

    fn list(r: pb::ListFunctionsRequest) -> ListOptions {
        list_options(r.page_size, r.page_token, r.tags)
    }

    fn page(functions: Vec<pb::Function>, next_page_token: String) -> pb::ListFunctionsResponse {
        pb::ListFunctionsResponse {
            functions,
            next_page_token,
        }
    }

    async fn upload_create(
        db: &ClusterDb,
        mut r: pb::CreateFunctionRequest,
    ) -> Result<Draft<FunctionSpec>, Status> {
        let code = std::mem::take(&mut r.code);
        let mut draft = Self::create(r)?;
        upload(db, &mut draft, &code).await?;
        Ok(draft)
    }

    async fn upload_update(
        db: &ClusterDb,
        mut r: pb::UpdateFunctionRequest,
    ) -> Result<Update<FunctionSpec>, Status> {
        let code = std::mem::take(&mut r.code);
        let mut update = Self::update(r)?;
        upload(db, &mut update.draft, &code).await?;
        Ok(update)
    }

    fn message_live(db: &ClusterDb, function: &Function) -> pb::Function {
        pb::Function {
            stats: Some(stats(db.functions().stats(&function.meta.id))),
            ..Self::message(function)
        }
    }
}

/// The fields create and update requests share.
struct Fields {
    name: String,
    description: String,
    runtime: String,
    handler: String,
    memory_mb: i32,
    timeout_ms: i32,
    env: HashMap<String, String>,
    tags: HashMap<String, String>,
    max_concurrency: i32,
}

impl Fields {
    /// The draft; 0 for memory or timeout means the default.
    fn draft(self) -> Draft<FunctionSpec> {
        let defaults = FunctionSpec::new("", "");
        let or_default = |n: i32, default: u32| if n == 0 { default } else { count(n) };
        // An empty handler (proto3's absent) is the runtime's default.
        let handler = match self.handler.is_empty() {
            true => clusterdb::compute::default_handler(&self.runtime)
                .unwrap_or_default()
                .to_string(),
            false => self.handler,
        };
        let spec = FunctionSpec {
            description: self.description,
            runtime: self.runtime,
            handler,
            memory_mb: or_default(self.memory_mb, defaults.memory_mb),
            timeout_ms: or_default(self.timeout_ms, defaults.timeout_ms),
            env: self.env.into_iter().collect(),
            code: None,
            max_concurrency: or_default(self.max_concurrency, DEFAULT_CONCURRENCY),
        };
        Draft {
            tags: tags(self.tags),
            ..Draft::new(self.name, spec)
        }
    }
}

/// Stores the code a create or update request uploads (none: empty) and
/// puts the reference into the draft.
async fn upload(
    db: &ClusterDb,
    draft: &mut Draft<FunctionSpec>,
    code: &[u8],
) -> Result<(), Status> {
    if !code.is_empty() {
        let module = db
            .functions()
            .upload_code(&draft.spec.runtime, &draft.spec.handler, code)
            .await
            .map_err(super::status::status)?;
        draft.spec.code = Some(module);
    }
    Ok(())
}

/// The statistics message.
fn stats(stats: FunctionStats) -> pb::FunctionStats {
    pb::FunctionStats {
        invocations: stats.invocations,
        errors: stats.errors,
        timeouts: stats.timeouts,
        throttled: stats.throttled,
        p50_duration_ms: stats.duration_quantile_ms(0.5),
        p99_duration_ms: stats.duration_quantile_ms(0.99),
        total_duration_ms: stats.total_duration_ms(),
        duration_histogram: stats
            .duration_histogram()
            .map(|(le_ms, count)| pb::DurationBucket { le_ms, count })
            .collect(),
    }
}

/// The message of a successful invocation.
pub fn invocation(invocation: Invocation) -> pb::InvokeFunctionResponse {
    pb::InvokeFunctionResponse {
        status: invocation.status.as_str().to_string(),
        duration: prost_types::Duration::try_from(invocation.duration).ok(),
        fuel_used: invocation.fuel_used,
        logs: invocation.logs,
        output: invocation.output,
    }
}
