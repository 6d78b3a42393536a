//! What validation may consult, and small shared checks.

use std::sync::Arc;

use crate::compute::catalog::InstanceTypeCatalog;
use crate::compute::runtime::FunctionRuntime;
use crate::error::{Error, Result};

/// Read-only facts that validation consults: the instance-type catalog and
/// the registered function runtimes.
#[derive(Clone)]
pub struct Context {
    /// Instance types fleets and instances may use.
    pub instance_types: InstanceTypeCatalog,
    /// Function runtimes, by name.
    pub runtimes: Vec<Arc<dyn FunctionRuntime>>,
}

impl Context {
    /// The runtime called `name`, if registered.
    pub fn runtime(&self, name: &str) -> Option<&Arc<dyn FunctionRuntime>> {
        self.runtimes.iter().find(|r| r.name() == name)
    }
}

/// Longest free-text description, in characters.
pub const MAX_DESCRIPTION_LEN: usize = 1024;

/// Fails unless `value` is at most `max` characters long (characters, not
/// bytes, so the rule reads the same as JSON Schema's `maxLength`).
pub fn max_len(subject: &'static str, field: &str, value: &str, max: usize) -> Result<()> {
    // Cheap for the common case: a string of at most `max` bytes has at
    // most `max` characters.
    if value.len() > max && value.chars().count() > max {
        return Err(Error::invalid(
            subject,
            field,
            format!("must be at most {max} characters"),
        ));
    }
    Ok(())
}

/// Fails unless `min <= value <= max`, with the spec's wording for a zero
/// lower bound violation (`must be greater than 0`).
pub fn in_range(subject: &'static str, field: &str, value: u64, min: u64, max: u64) -> Result<()> {
    if value < min {
        let reason = if min == 1 {
            "must be greater than 0".to_string()
        } else {
            format!("must be at least {min}")
        };
        return Err(Error::invalid(subject, field, reason));
    }
    if value > max {
        return Err(Error::invalid(
            subject,
            field,
            format!("must be at most {max}"),
        ));
    }
    Ok(())
}
