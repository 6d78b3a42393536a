//! Functions: code registered by name with a runtime, invoked on demand.
//! Invocations are not resources and write no events; they are counted in
//! [`FunctionStats`].

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::runtime::{InvocationRequest, RuntimeError};
use crate::error::{Error, Result};
use crate::resource::{Kind, Object};
use crate::resources::Resources;
use crate::timestamp::Timestamp;
use crate::validation::{Context, MAX_DESCRIPTION_LEN, in_range, max_len};

/// Longest handler name, in characters.
pub const MAX_HANDLER_LEN: usize = 256;
/// Most environment variables of one function.
pub const MAX_ENV_VARS: usize = 64;
/// Longest environment variable name.
pub const MAX_ENV_NAME_LEN: usize = 128;
/// Longest environment variable value, in characters.
pub const MAX_ENV_VALUE_LEN: usize = 4096;
/// Allowed `memory_mb`.
pub const MEMORY_MB: std::ops::RangeInclusive<u32> = 64..=10240;
/// Allowed `timeout_ms`.
pub const TIMEOUT_MS: std::ops::RangeInclusive<u32> = 1..=900_000;
/// Largest invocation payload, and largest output, in bytes.
pub const MAX_PAYLOAD: usize = 6 << 20;

/// The function kind.
pub struct FunctionKind;

/// A function.
pub type Function = Object<FunctionKind>;

/// What the user sets on a function.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionSpec {
    /// Free text.
    pub description: String,
    /// Name of a registered runtime, e.g. `native`.
    pub runtime: String,
    /// The handler within the runtime.
    pub handler: String,
    /// Memory limit, 64..=10240 MiB.
    pub memory_mb: u32,
    /// Time limit per invocation, 1..=900000 ms.
    pub timeout_ms: u32,
    /// Environment passed to every invocation.
    pub env: BTreeMap<String, String>,
}

impl FunctionSpec {
    /// A spec with 128 MiB, a 3 s time limit and no environment.
    pub fn new(runtime: impl Into<String>, handler: impl Into<String>) -> Self {
        FunctionSpec {
            description: String::new(),
            runtime: runtime.into(),
            handler: handler.into(),
            memory_mb: 128,
            timeout_ms: 3000,
            env: BTreeMap::new(),
        }
    }
}

/// Functions have no server-managed state yet.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionStatus {}

/// How an invocation ended. Failures are errors, not statuses:
/// [`Error::HandlerNotFound`], [`Error::FunctionFailed`],
/// [`Error::FunctionTimedOut`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum InvocationStatus {
    /// The handler returned output.
    Succeeded,
}

impl InvocationStatus {
    /// The API's name for the status.
    pub fn as_str(self) -> &'static str {
        match self {
            InvocationStatus::Succeeded => "succeeded",
        }
    }
}

/// The result of a successful invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    /// What the handler returned.
    pub output: Vec<u8>,
    /// How it ended.
    pub status: InvocationStatus,
    /// Wall-clock time of the call.
    pub duration: Duration,
}

/// Invocation counters of one function since this process started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FunctionStats {
    /// Every invocation.
    pub invocations: u64,
    /// Invocations that failed (handler error or missing handler).
    pub errors: u64,
    /// Invocations stopped by the time limit.
    pub timeouts: u64,
    /// Sum of the invocations' durations.
    pub total_duration: Duration,
}

/// Aborts a task when dropped.
struct AbortOnDrop(tokio::task::AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The invocation counters of every function, in this process.
#[derive(Debug, Default)]
pub(crate) struct InvocationStats {
    by_function: Mutex<HashMap<String, FunctionStats>>,
}

impl InvocationStats {
    fn record(&self, id: &str, result: &Result<Invocation>, duration: Duration) {
        let mut stats = self.by_function.lock().unwrap_or_else(|p| p.into_inner());
        let entry = stats.entry(id.to_string()).or_default();
        entry.invocations += 1;
        entry.total_duration += duration;
        match result {
            Ok(_) => {}
            Err(Error::FunctionTimedOut { .. }) => entry.timeouts += 1,
            Err(_) => entry.errors += 1,
        }
    }

    fn get(&self, id: &str) -> FunctionStats {
        let stats = self.by_function.lock().unwrap_or_else(|p| p.into_inner());
        stats.get(id).copied().unwrap_or_default()
    }
}

fn is_env_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && name.len() <= MAX_ENV_NAME_LEN
}

impl Kind for FunctionKind {
    type Spec = FunctionSpec;
    type Status = FunctionStatus;
    const NAME: &'static str = "function";
    const SUBJECT: &'static str = "function configuration";

    fn validate(spec: &FunctionSpec, ctx: &Context) -> Result<()> {
        let subject = Self::SUBJECT;
        max_len(
            subject,
            "description",
            &spec.description,
            MAX_DESCRIPTION_LEN,
        )?;
        if ctx.runtime(&spec.runtime).is_none() {
            let known: Vec<&str> = ctx.runtimes.iter().map(|r| r.name()).collect();
            return Err(Error::invalid(
                subject,
                "runtime",
                format!(
                    "must be one of the registered runtimes: {}",
                    known.join(", ")
                ),
            ));
        }
        if spec.handler.is_empty() {
            return Err(Error::invalid(subject, "handler", "must not be empty"));
        }
        max_len(subject, "handler", &spec.handler, MAX_HANDLER_LEN)?;
        let range =
            |r: &std::ops::RangeInclusive<u32>| (u64::from(*r.start()), u64::from(*r.end()));
        let (min, max) = range(&MEMORY_MB);
        in_range(subject, "memory_mb", spec.memory_mb.into(), min, max)?;
        let (min, max) = range(&TIMEOUT_MS);
        in_range(subject, "timeout_ms", spec.timeout_ms.into(), min, max)?;
        if spec.env.len() > MAX_ENV_VARS {
            return Err(Error::invalid(
                subject,
                "env",
                format!("must have at most {MAX_ENV_VARS} entries"),
            ));
        }
        for (name, value) in &spec.env {
            if !is_env_name(name) {
                return Err(Error::invalid(
                    subject,
                    "env",
                    format!(
                        "variable name {name:?} must be 1-128 of A-Z, a-z, 0-9 and _, not starting with a digit"
                    ),
                ));
            }
            max_len(subject, &format!("env.{name}"), value, MAX_ENV_VALUE_LEN)?;
        }
        Ok(())
    }

    fn initial_status(_spec: &FunctionSpec, _now: Timestamp) -> FunctionStatus {
        FunctionStatus {}
    }
}

impl Resources<FunctionKind> {
    /// Runs the function with `payload` within its time limit.
    pub async fn invoke(&self, id: &str, payload: Vec<u8>) -> Result<Invocation> {
        if payload.len() > MAX_PAYLOAD {
            return Err(Error::invalid(
                "invocation",
                "payload",
                format!("must be at most {MAX_PAYLOAD} bytes"),
            ));
        }
        let function = self.get(id).await?;
        let runtime = self
            .store
            .context
            .runtime(&function.spec.runtime)
            .cloned()
            .ok_or_else(|| Error::FailedPrecondition {
                kind: FunctionKind::NAME,
                id: id.to_string(),
                state: "unrunnable".into(),
                reason: format!("runtime {:?} is not registered", function.spec.runtime),
            })?;
        let request = InvocationRequest {
            function_id: function.meta.id.clone(),
            function_name: function.meta.name.clone(),
            handler: function.spec.handler.clone(),
            env: function.spec.env.clone(),
            memory_mb: function.spec.memory_mb,
            payload,
        };
        let limit = Duration::from_millis(function.spec.timeout_ms.into());
        let started = Instant::now();
        // A task of its own: a panicking handler cannot take the caller
        // down; a timed-out one is cancelled, and so is one whose caller
        // went away (this future dropped), so no invocation runs unbounded.
        let mut task = tokio::spawn(async move { runtime.invoke(request).await });
        let _cancel_if_dropped = AbortOnDrop(task.abort_handle());
        let outcome = tokio::time::timeout(limit, &mut task).await;
        let duration = started.elapsed();
        let result = match outcome {
            Err(_elapsed) => {
                task.abort();
                Err(Error::FunctionTimedOut {
                    function: id.to_string(),
                    timeout_ms: function.spec.timeout_ms,
                })
            }
            Ok(Err(join_error)) => Err(Error::FunctionFailed {
                function: id.to_string(),
                message: if join_error.is_panic() {
                    "the handler panicked".into()
                } else {
                    "the handler was cancelled".into()
                },
            }),
            Ok(Ok(Err(RuntimeError::HandlerNotFound(handler)))) => Err(Error::HandlerNotFound {
                runtime: function.spec.runtime.clone(),
                handler,
            }),
            Ok(Ok(Err(RuntimeError::Failed(message)))) => Err(Error::FunctionFailed {
                function: id.to_string(),
                message,
            }),
            Ok(Ok(Ok(output))) if output.len() > MAX_PAYLOAD => Err(Error::FunctionFailed {
                function: id.to_string(),
                message: format!(
                    "its output of {} bytes is larger than the limit of {MAX_PAYLOAD}",
                    output.len()
                ),
            }),
            Ok(Ok(Ok(output))) => Ok(Invocation {
                output,
                status: InvocationStatus::Succeeded,
                duration,
            }),
        };
        self.store.invocations.record(id, &result, duration);
        result
    }

    /// Invocation counters of the function since this process started.
    pub fn stats(&self, id: &str) -> FunctionStats {
        self.store.invocations.get(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compute::{InstanceTypeCatalog, NativeRuntime};
    use std::sync::Arc;

    fn check(edit: impl FnOnce(&mut FunctionSpec), want: Option<(&str, &str)>) {
        let ctx = Context {
            instance_types: InstanceTypeCatalog::default(),
            runtimes: vec![Arc::new(NativeRuntime::new())],
        };
        let mut spec = FunctionSpec::new("native", "resize");
        edit(&mut spec);
        let got = FunctionKind::validate(&spec, &ctx).err();
        assert_eq!(
            got.as_ref().and_then(|e| e.field_violation()),
            want,
            "{spec:?}"
        );
    }

    #[test]
    fn validation_rules() {
        check(|_| {}, None);
        check(
            |s| s.runtime = "wasm".into(),
            Some(("runtime", "must be one of the registered runtimes: native")),
        );
        check(
            |s| s.handler.clear(),
            Some(("handler", "must not be empty")),
        );
        check(
            |s| s.handler = "h".repeat(257),
            Some(("handler", "must be at most 256 characters")),
        );
        check(
            |s| s.memory_mb = 63,
            Some(("memory_mb", "must be at least 64")),
        );
        check(
            |s| s.memory_mb = 10241,
            Some(("memory_mb", "must be at most 10240")),
        );
        check(
            |s| s.timeout_ms = 0,
            Some(("timeout_ms", "must be greater than 0")),
        );
        check(
            |s| s.timeout_ms = 900_001,
            Some(("timeout_ms", "must be at most 900000")),
        );
        check(
            |s| s.description = "d".repeat(1025),
            Some(("description", "must be at most 1024 characters")),
        );
        check(
            |s| {
                s.env.insert("1BAD".into(), "x".into());
            },
            Some((
                "env",
                "variable name \"1BAD\" must be 1-128 of A-Z, a-z, 0-9 and _, not starting with a digit",
            )),
        );
        check(
            |s| {
                s.env.insert("BIG".into(), "x".repeat(4097));
            },
            Some(("env.BIG", "must be at most 4096 characters")),
        );
        check(
            |s| s.env = (0..65).map(|i| (format!("V{i}"), String::new())).collect(),
            Some(("env", "must have at most 64 entries")),
        );
    }
}
