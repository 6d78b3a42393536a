//! The function kind on gRPC: its messages and their conversion.

use std::collections::HashMap;

use clusterdb::{Draft, Function, FunctionKind, FunctionSpec, Invocation, ListOptions};
use clusterdb_proto::compute::v1 as pb;

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
        }
    }

    fn create(r: pb::CreateFunctionRequest) -> Draft<FunctionSpec> {
        fields!(r).draft()
    }

    fn get(r: pb::GetFunctionRequest) -> String {
        r.id
    }

    fn update(r: pb::UpdateFunctionRequest) -> Update<FunctionSpec> {
        Update {
            draft: fields!(r).draft(),
            id: r.id,
            expected_version: r.expected_version,
        }
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
}

impl Fields {
    /// The draft; 0 for memory or timeout means the default.
    fn draft(self) -> Draft<FunctionSpec> {
        let defaults = FunctionSpec::new("", "");
        let or_default = |n: i32, default: u32| if n == 0 { default } else { count(n) };
        let spec = FunctionSpec {
            description: self.description,
            runtime: self.runtime,
            handler: self.handler,
            memory_mb: or_default(self.memory_mb, defaults.memory_mb),
            timeout_ms: or_default(self.timeout_ms, defaults.timeout_ms),
            env: self.env.into_iter().collect(),
        };
        Draft {
            tags: tags(self.tags),
            ..Draft::new(self.name, spec)
        }
    }
}

/// The message of a successful invocation.
pub fn invocation(invocation: &Invocation) -> pb::InvokeFunctionResponse {
    pb::InvokeFunctionResponse {
        output: invocation.output.clone(),
        status: invocation.status.as_str().to_string(),
        duration: prost_types::Duration::try_from(invocation.duration).ok(),
    }
}
