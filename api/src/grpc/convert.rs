//! Conversions between the protobuf messages and the core's types, one per
//! type, in one place. Requests become core drafts and options (invalid
//! numbers are left to the core's validation so both transports report
//! the same field and reason); core objects become messages.

use std::collections::{BTreeMap, HashMap};

use clusterdb::{
    Draft, Fleet, FleetSpec, FleetState, Function, FunctionSpec, Instance, InstanceSpec,
    InstanceState, ListOptions, Tags, Timestamp,
};
use clusterdb_proto::compute::v1 as pb;

/// Core value to protobuf message.
pub trait ToProto<T> {
    /// The message.
    fn to_proto(&self) -> T;
}

fn timestamp(t: Timestamp) -> prost_types::Timestamp {
    let millis = t.unix_millis();
    prost_types::Timestamp {
        seconds: millis.div_euclid(1000),
        nanos: (millis.rem_euclid(1000) * 1_000_000) as i32,
    }
}

fn tags(map: HashMap<String, String>) -> Tags {
    map.into_iter().collect()
}

fn map(tags: &BTreeMap<String, String>) -> HashMap<String, String> {
    tags.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// A count for the core: a negative number becomes 0, which validation
/// refuses with the field's own rule.
fn count(n: i32) -> u32 {
    u32::try_from(n).unwrap_or(0)
}

fn int(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// A list request's options; `page_size` 0 means the default.
pub fn list_options(
    page_size: i32,
    page_token: String,
    tags: HashMap<String, String>,
) -> ListOptions {
    let mut options = ListOptions::default();
    if page_size != 0 {
        options = options.page_size(count(page_size));
    }
    if !page_token.is_empty() {
        options = options.page_token(page_token);
    }
    let mut tags: Vec<_> = tags.into_iter().collect();
    tags.sort();
    for (key, value) in tags {
        options = options.tag(&key, value);
    }
    options
}

/// The next page token as the message carries it (empty: last page).
pub fn next_token(token: Option<String>) -> String {
    token.unwrap_or_default()
}

impl ToProto<pb::Fleet> for Fleet {
    fn to_proto(&self) -> pb::Fleet {
        let status = match self.status.state {
            FleetState::Active => pb::FleetStatus::Active,
            FleetState::Deleting => pb::FleetStatus::Deleting,
        };
        pb::Fleet {
            id: self.meta.id.clone(),
            name: self.meta.name.clone(),
            description: self.spec.description.clone(),
            capacity: int(self.spec.capacity),
            instance_type: self.spec.instance_type.clone(),
            status: status as i32,
            created_at: Some(timestamp(self.meta.created_at)),
            tags: map(&self.meta.tags),
            updated_at: Some(timestamp(self.meta.updated_at)),
            resource_version: self.meta.resource_version,
            observed_instances: int(self.status.instances),
            running_instances: int(self.status.running_instances),
        }
    }
}

/// A fleet draft from its fields.
pub fn fleet_draft(
    name: String,
    description: String,
    capacity: i32,
    instance_type: String,
    tag_map: HashMap<String, String>,
) -> Draft<FleetSpec> {
    Draft {
        name,
        tags: tags(tag_map),
        spec: FleetSpec {
            description,
            capacity: count(capacity),
            instance_type,
        },
    }
}

impl ToProto<pb::Instance> for Instance {
    fn to_proto(&self) -> pb::Instance {
        let state = match self.status.state {
            InstanceState::Pending => pb::InstanceState::Pending,
            InstanceState::Running => pb::InstanceState::Running,
            InstanceState::Stopping => pb::InstanceState::Stopping,
            InstanceState::Stopped => pb::InstanceState::Stopped,
            InstanceState::Terminated => pb::InstanceState::Terminated,
        };
        pb::Instance {
            id: self.meta.id.clone(),
            name: self.meta.name.clone(),
            fleet_id: self.status.fleet_id.clone().unwrap_or_default(),
            instance_type: self.spec.instance_type.clone(),
            state: state as i32,
            launched_at: self.status.launched_at.map(timestamp),
            stopped_at: self.status.stopped_at.map(timestamp),
            created_at: Some(timestamp(self.meta.created_at)),
            updated_at: Some(timestamp(self.meta.updated_at)),
            resource_version: self.meta.resource_version,
            tags: map(&self.meta.tags),
        }
    }
}

/// An instance draft from its fields.
pub fn instance_draft(
    name: String,
    instance_type: String,
    tag_map: HashMap<String, String>,
) -> Draft<InstanceSpec> {
    Draft {
        name,
        tags: tags(tag_map),
        spec: InstanceSpec { instance_type },
    }
}

impl ToProto<pb::Function> for Function {
    fn to_proto(&self) -> pb::Function {
        pb::Function {
            id: self.meta.id.clone(),
            name: self.meta.name.clone(),
            description: self.spec.description.clone(),
            runtime: self.spec.runtime.clone(),
            handler: self.spec.handler.clone(),
            memory_mb: int(self.spec.memory_mb),
            timeout_ms: int(self.spec.timeout_ms),
            env: map(&self.spec.env),
            created_at: Some(timestamp(self.meta.created_at)),
            updated_at: Some(timestamp(self.meta.updated_at)),
            resource_version: self.meta.resource_version,
            tags: map(&self.meta.tags),
        }
    }
}

/// The fields a function request carries (create and update share them).
pub struct FunctionFields {
    pub name: String,
    pub description: String,
    pub runtime: String,
    pub handler: String,
    pub memory_mb: i32,
    pub timeout_ms: i32,
    pub env: HashMap<String, String>,
    pub tags: HashMap<String, String>,
}

impl From<FunctionFields> for Draft<FunctionSpec> {
    fn from(fields: FunctionFields) -> Self {
        let defaults = FunctionSpec::new("", "");
        let or_default = |n: i32, default: u32| if n == 0 { default } else { count(n) };
        Draft {
            name: fields.name,
            tags: tags(fields.tags),
            spec: FunctionSpec {
                description: fields.description,
                runtime: fields.runtime,
                handler: fields.handler,
                memory_mb: or_default(fields.memory_mb, defaults.memory_mb),
                timeout_ms: or_default(fields.timeout_ms, defaults.timeout_ms),
                env: fields.env.into_iter().collect(),
            },
        }
    }
}

impl ToProto<pb::InvokeFunctionResponse> for clusterdb::Invocation {
    fn to_proto(&self) -> pb::InvokeFunctionResponse {
        pb::InvokeFunctionResponse {
            output: self.output.clone(),
            status: self.status.as_str().to_string(),
            duration: prost_types::Duration::try_from(self.duration).ok(),
        }
    }
}

impl From<pb::CreateFunctionRequest> for FunctionFields {
    fn from(r: pb::CreateFunctionRequest) -> Self {
        FunctionFields {
            name: r.name,
            description: r.description,
            runtime: r.runtime,
            handler: r.handler,
            memory_mb: r.memory_mb,
            timeout_ms: r.timeout_ms,
            env: r.env,
            tags: r.tags,
        }
    }
}

/// Splits an update into its id, its fields and its expected version.
pub fn function_update(r: pb::UpdateFunctionRequest) -> (String, FunctionFields, Option<u64>) {
    let fields = FunctionFields {
        name: r.name,
        description: r.description,
        runtime: r.runtime,
        handler: r.handler,
        memory_mb: r.memory_mb,
        timeout_ms: r.timeout_ms,
        env: r.env,
        tags: r.tags,
    };
    (r.id, fields, r.expected_version)
}
