//! JSON wire types of the REST API and their conversions to and from the
//! core's types: one module per resource kind, each with its `RestKind`
//! impl. Nothing else lives here.

mod fleet;
mod function;
mod instance;

use clusterdb::{Context, Timestamp};

use super::kind::FieldRule;

pub use fleet::{FleetInput, FleetOutput};
pub use function::{FunctionInput, FunctionOutput, InvocationOutput};
pub use instance::{InstanceInput, InstanceOutput};

pub use super::kind::RestKind;

fn time(t: Timestamp) -> String {
    t.to_string()
}

fn description_default() -> String {
    String::new()
}

/// The catalog's instance types, as the rule of an `instance_type` field.
fn instance_types(context: &Context) -> FieldRule {
    FieldRule::OneOf(context.instance_types.names().map(str::to_string).collect())
}
