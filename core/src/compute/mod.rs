//! The compute domain: fleets, instances and functions.

pub(crate) mod catalog;
mod fleet;
mod function;
pub(crate) mod instance;
pub(crate) mod module;
pub(crate) mod runtime;
pub(crate) mod stats;
#[cfg(feature = "wasm")]
mod wasm;

pub use catalog::{InstanceType, InstanceTypeCatalog};
pub use fleet::{Fleet, FleetKind, FleetSpec, FleetState, FleetStatus, MAX_CAPACITY};
pub use function::{
    CONCURRENCY, DEFAULT_CONCURRENCY, DEFAULT_WASM_HANDLER, MAX_ENV_NAME_LEN, MAX_ENV_VALUE_LEN,
    MAX_ENV_VARS, MAX_HANDLER_LEN, MAX_PAYLOAD, MEMORY_MB, TIMEOUT_MS, default_handler,
};
pub use function::{
    Function, FunctionKind, FunctionSpec, FunctionStatus, Invocation, InvocationStatus,
};
pub use instance::{
    Instance, InstanceKind, InstanceSpec, InstanceState, InstanceStatus,
    TRANSITIONS as INSTANCE_TRANSITIONS,
};
pub use module::{ModuleRef, ModuleSource};
pub use runtime::{
    CancelFlag, CodeError, FunctionRuntime, HandlerFuture, InvocationRequest, NativeRuntime,
    RuntimeError, RuntimeOutput,
};
pub use stats::{
    DEFAULT_MAX_MODULE_BYTES, DURATION_BUCKETS_MS, FunctionLimits, FunctionStats,
    MAX_FUNCTION_STATS,
};
#[cfg(feature = "wasm")]
pub use wasm::{WASI_IMPORTS, WasmRuntime};
