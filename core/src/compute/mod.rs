//! The compute domain: fleets, instances and functions.

mod catalog;
mod fleet;
mod function;
pub(crate) mod instance;
mod runtime;

pub use catalog::{InstanceType, InstanceTypeCatalog};
pub use fleet::{Fleet, FleetKind, FleetSpec, FleetState, FleetStatus, MAX_CAPACITY};
pub use function::{
    Function, FunctionKind, FunctionSpec, FunctionStats, FunctionStatus, Invocation,
    InvocationStatus,
};
pub use instance::{
    Instance, InstanceKind, InstanceSpec, InstanceState, InstanceStatus,
    TRANSITIONS as INSTANCE_TRANSITIONS,
};
pub use runtime::{FunctionRuntime, HandlerFuture, InvocationRequest, NativeRuntime, RuntimeError};
