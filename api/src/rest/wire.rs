//! JSON wire types of the REST API and their conversions to and from the
//! core's types — one `RestKind` impl per resource kind, nothing else here.

use std::collections::BTreeMap;

use clusterdb::compute::Invocation;
use clusterdb::{
    ClusterDb, Draft, FleetKind, FleetSpec, FunctionKind, FunctionSpec, InstanceKind, InstanceSpec,
    Kind, Object, Resources, Timestamp,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A resource kind as the REST API exposes it.
pub trait RestKind: Kind {
    /// Collection path segment and list key, e.g. `fleets`.
    const COLLECTION: &'static str;
    /// Query parameters besides `tag` that filter lists.
    const FILTERS: &'static [&'static str] = &[];
    /// Whether a delete is finished later (answered 202 with the resource).
    const ASYNC_DELETE: bool = false;
    /// What a client sends to create or replace the resource.
    type Input: Serialize + DeserializeOwned + ToSchema + Send + 'static;
    /// What the API shows.
    type Output: Serialize + DeserializeOwned + ToSchema + Send + 'static;

    /// The core draft for an input.
    fn draft(input: Self::Input) -> Draft<Self::Spec>;
    /// The input that would recreate `object` (the base of a merge patch).
    fn input(object: &Object<Self>) -> Self::Input;
    /// The API's view of `object`.
    fn output(object: &Object<Self>) -> Self::Output;
    /// The core service for the kind.
    fn service(db: &ClusterDb) -> Resources<Self>;
}

fn time(t: Timestamp) -> String {
    t.to_string()
}

fn description_default() -> String {
    String::new()
}

/// Create or replace a fleet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FleetInput {
    /// Unique name.
    #[schema(
        pattern = "^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$",
        min_length = 1,
        max_length = 63
    )]
    pub name: String,
    /// Free text.
    #[serde(default = "description_default")]
    #[schema(max_length = 1024)]
    pub description: String,
    /// Desired number of instances.
    #[schema(minimum = 1, maximum = 1000)]
    pub capacity: u32,
    /// Instance type from the catalog.
    #[schema(example = "t3.medium")]
    pub instance_type: String,
    /// Labels.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// A fleet as the API shows it (the spec's fields first).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FleetOutput {
    /// `fleet-…`.
    pub id: String,
    /// Unique name.
    pub name: String,
    /// Free text.
    pub description: String,
    /// Desired number of instances.
    pub capacity: u32,
    /// Instance type of new members.
    pub instance_type: String,
    /// `active` or `deleting`.
    pub status: String,
    /// RFC 3339.
    pub created_at: String,
    /// Labels.
    pub tags: BTreeMap<String, String>,
    /// RFC 3339.
    pub updated_at: String,
    /// Changes on every write; the ETag.
    pub resource_version: u64,
    /// Members that are not terminated, as last observed.
    pub observed_instances: u32,
    /// Members that are running, as last observed.
    pub running_instances: u32,
}

impl RestKind for FleetKind {
    const COLLECTION: &'static str = "fleets";
    const ASYNC_DELETE: bool = true;
    type Input = FleetInput;
    type Output = FleetOutput;

    fn draft(input: FleetInput) -> Draft<FleetSpec> {
        Draft {
            name: input.name,
            tags: input.tags,
            spec: FleetSpec {
                description: input.description,
                capacity: input.capacity,
                instance_type: input.instance_type,
            },
        }
    }

    fn input(fleet: &Object<Self>) -> FleetInput {
        FleetInput {
            name: fleet.meta.name.clone(),
            description: fleet.spec.description.clone(),
            capacity: fleet.spec.capacity,
            instance_type: fleet.spec.instance_type.clone(),
            tags: fleet.meta.tags.clone(),
        }
    }

    fn output(fleet: &Object<Self>) -> FleetOutput {
        FleetOutput {
            id: fleet.meta.id.clone(),
            name: fleet.meta.name.clone(),
            description: fleet.spec.description.clone(),
            capacity: fleet.spec.capacity,
            instance_type: fleet.spec.instance_type.clone(),
            status: fleet.status.state.as_str().to_string(),
            created_at: time(fleet.meta.created_at),
            tags: fleet.meta.tags.clone(),
            updated_at: time(fleet.meta.updated_at),
            resource_version: fleet.meta.resource_version,
            observed_instances: fleet.status.instances,
            running_instances: fleet.status.running_instances,
        }
    }

    fn service(db: &ClusterDb) -> Resources<Self> {
        db.fleets()
    }
}

/// Create or replace an instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InstanceInput {
    /// Unique name.
    #[schema(
        pattern = "^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$",
        min_length = 1,
        max_length = 63
    )]
    pub name: String,
    /// Instance type from the catalog.
    #[schema(example = "t3.micro")]
    pub instance_type: String,
    /// Labels.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// An instance as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct InstanceOutput {
    /// `instance-…`.
    pub id: String,
    /// Unique name.
    pub name: String,
    /// The fleet that manages it, if any.
    pub fleet_id: Option<String>,
    /// Instance type.
    pub instance_type: String,
    /// `pending`, `running`, `stopping`, `stopped` or `terminated`.
    pub state: String,
    /// RFC 3339, when it last started running.
    pub launched_at: Option<String>,
    /// RFC 3339, when it last stopped.
    pub stopped_at: Option<String>,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub updated_at: String,
    /// Changes on every write; the ETag.
    pub resource_version: u64,
    /// Labels.
    pub tags: BTreeMap<String, String>,
}

impl RestKind for InstanceKind {
    const COLLECTION: &'static str = "instances";
    const FILTERS: &'static [&'static str] = &["fleet_id"];
    type Input = InstanceInput;
    type Output = InstanceOutput;

    fn draft(input: InstanceInput) -> Draft<InstanceSpec> {
        Draft {
            name: input.name,
            tags: input.tags,
            spec: InstanceSpec {
                instance_type: input.instance_type,
            },
        }
    }

    fn input(instance: &Object<Self>) -> InstanceInput {
        InstanceInput {
            name: instance.meta.name.clone(),
            instance_type: instance.spec.instance_type.clone(),
            tags: instance.meta.tags.clone(),
        }
    }

    fn output(instance: &Object<Self>) -> InstanceOutput {
        InstanceOutput {
            id: instance.meta.id.clone(),
            name: instance.meta.name.clone(),
            fleet_id: instance.status.fleet_id.clone(),
            instance_type: instance.spec.instance_type.clone(),
            state: instance.status.state.as_str().to_string(),
            launched_at: instance.status.launched_at.map(time),
            stopped_at: instance.status.stopped_at.map(time),
            created_at: time(instance.meta.created_at),
            updated_at: time(instance.meta.updated_at),
            resource_version: instance.meta.resource_version,
            tags: instance.meta.tags.clone(),
        }
    }

    fn service(db: &ClusterDb) -> Resources<Self> {
        db.instances()
    }
}

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
    #[schema(
        pattern = "^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$",
        min_length = 1,
        max_length = 63
    )]
    pub name: String,
    /// Free text.
    #[serde(default = "description_default")]
    #[schema(max_length = 1024)]
    pub description: String,
    /// A registered runtime, e.g. `native`.
    #[schema(example = "native")]
    pub runtime: String,
    /// The handler within the runtime.
    #[schema(min_length = 1, max_length = 256)]
    pub handler: String,
    /// Memory limit in MiB (default 128).
    #[serde(default = "default_memory")]
    #[schema(minimum = 64, maximum = 10240)]
    pub memory_mb: u32,
    /// Time limit per invocation in ms (default 3000).
    #[serde(default = "default_timeout")]
    #[schema(minimum = 1, maximum = 900000)]
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
    /// Changes on every write; the ETag.
    pub resource_version: u64,
    /// Labels.
    pub tags: BTreeMap<String, String>,
}

impl RestKind for FunctionKind {
    const COLLECTION: &'static str = "functions";
    type Input = FunctionInput;
    type Output = FunctionOutput;

    fn draft(input: FunctionInput) -> Draft<FunctionSpec> {
        Draft {
            name: input.name,
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
            resource_version: function.meta.resource_version,
            tags: function.meta.tags.clone(),
        }
    }

    fn service(db: &ClusterDb) -> Resources<Self> {
        db.functions()
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
