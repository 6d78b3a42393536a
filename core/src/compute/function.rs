//! Functions: code registered with a runtime, invoked on demand.
//! Invocations are not resources and write no events; they are counted in
//! [`FunctionStats`]. Code a runtime takes (a WebAssembly module) is
//! stored apart from the record ([`super::module`]); the record keeps its
//! digest and size.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::module::{self, MODULE, ModuleRef, ModuleSource};
use super::runtime::{CancelFlag, InvocationRequest, RuntimeError, RuntimeOutput};
use super::stats::FunctionStats;
use crate::error::{Error, Result};
use crate::kind::{Kind, Object, OnDelete, Reference};
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
/// Allowed `max_concurrency`.
pub const CONCURRENCY: std::ops::RangeInclusive<u32> = 1..=1000;
/// Default `max_concurrency`.
pub const DEFAULT_CONCURRENCY: u32 = 64;
/// The handler a `wasm` function runs when its input names none: a WASI
/// command's entry.
pub const DEFAULT_WASM_HANDLER: &str = "_start";

/// The handler of a function on `runtime` whose input names none
/// ([`DEFAULT_WASM_HANDLER`] for `wasm`); `None`: the runtime needs one.
pub fn default_handler(runtime: &str) -> Option<&'static str> {
    (runtime == "wasm").then_some(DEFAULT_WASM_HANDLER)
}

/// The index field (and reference) naming a function's module.
const CODE_FIELD: &str = "code";

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
    /// The stored code, for a runtime that takes code (see
    /// [`Resources::upload_code`]). A replace without code keeps the
    /// current code when the runtime stays the same.
    pub code: Option<ModuleRef>,
    /// Invocations of this function running at once, 1..=1000; past it
    /// an invocation is refused (`UNAVAILABLE`, retry later).
    pub max_concurrency: u32,
}

impl FunctionSpec {
    /// A spec with 128 MiB, a 3 s time limit, no environment, no code and
    /// 64 concurrent invocations.
    pub fn new(runtime: impl Into<String>, handler: impl Into<String>) -> Self {
        FunctionSpec {
            description: String::new(),
            runtime: runtime.into(),
            handler: handler.into(),
            memory_mb: 128,
            timeout_ms: 3000,
            env: BTreeMap::new(),
            code: None,
            max_concurrency: DEFAULT_CONCURRENCY,
        }
    }
}

/// The spec as schema 1 stored it (no code, no concurrency limit).
#[derive(Deserialize)]
struct FunctionSpecV1 {
    description: String,
    runtime: String,
    handler: String,
    memory_mb: u32,
    timeout_ms: u32,
    env: BTreeMap<String, String>,
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
    /// Interpreter fuel used, where the runtime meters it.
    pub fuel_used: Option<u64>,
    /// What the function logged (its stderr, bounded).
    pub logs: String,
}

/// Cancels an invocation when dropped: aborts its task and raises its
/// flag (for a runtime working on a thread of its own).
struct CancelOnDrop(tokio::task::AbortHandle, CancelFlag);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.1.cancel();
        self.0.abort();
    }
}

/// The refusal of code for a runtime that runs none.
fn takes_no_code(runtime: &str) -> Error {
    Error::invalid(
        FunctionKind::SUBJECT,
        "code",
        format!("is not accepted: the {runtime} runtime takes no code"),
    )
}

/// The refusal of a runtime that is not registered, naming those that are.
fn unknown_runtime(ctx: &Context) -> Error {
    let mut known: Vec<&str> = ctx.runtimes.iter().map(|r| r.name()).collect();
    known.sort_unstable();
    Error::invalid(
        FunctionKind::SUBJECT,
        "runtime",
        format!(
            "must be one of the registered runtimes: {}",
            known.join(", ")
        ),
    )
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
    const SCHEMA: u16 = 2;
    const INDEXED_FIELDS: &'static [&'static str] = &[CODE_FIELD];
    const REFERENCES: &'static [Reference] = &[Reference {
        field: CODE_FIELD,
        target: MODULE,
        // Modules are never deleted while referred to (see `module`).
        on_delete: OnDelete::Detach,
    }];

    fn indexed_values(function: &Function) -> Vec<(&'static str, String)> {
        match &function.spec.code {
            Some(code) => vec![(CODE_FIELD, code.sha256.clone())],
            None => Vec::new(),
        }
    }

    fn detach(function: &mut Function, _field: &str, _id: &str) {
        function.spec.code = None;
    }

    fn prepare_update(current: &Function, next: &mut Function, _now: Timestamp) {
        if next.spec.code.is_none() && next.spec.runtime == current.spec.runtime {
            next.spec.code = current.spec.code.clone();
        }
    }

    fn migrate(version: u16, payload: &[u8]) -> Result<(FunctionSpec, FunctionStatus)> {
        if version != 1 {
            return Err(Error::Internal(format!(
                "function record has unknown schema version {version}"
            )));
        }
        let (v1, status): (FunctionSpecV1, FunctionStatus) = postcard::from_bytes(payload)
            .map_err(|e| Error::Internal(format!("corrupt function record: {e}")))?;
        let spec = FunctionSpec {
            description: v1.description,
            runtime: v1.runtime,
            handler: v1.handler,
            memory_mb: v1.memory_mb,
            timeout_ms: v1.timeout_ms,
            env: v1.env,
            code: None,
            max_concurrency: DEFAULT_CONCURRENCY,
        };
        Ok((spec, status))
    }

    fn validate(spec: &FunctionSpec, ctx: &Context) -> Result<()> {
        let subject = Self::SUBJECT;
        max_len(
            subject,
            "description",
            &spec.description,
            MAX_DESCRIPTION_LEN,
        )?;
        let Some(runtime) = ctx.runtime(&spec.runtime) else {
            return Err(unknown_runtime(ctx));
        };
        if let Some(code) = &spec.code {
            if !runtime.takes_code() {
                return Err(takes_no_code(&spec.runtime));
            }
            if !module::is_digest(&code.sha256) {
                return Err(Error::invalid(
                    subject,
                    "code",
                    "must name a module by its SHA-256 (64 lowercase hex digits)",
                ));
            }
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
        let (min, max) = range(&CONCURRENCY);
        in_range(
            subject,
            "max_concurrency",
            spec.max_concurrency.into(),
            min,
            max,
        )?;
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
    /// Checks `code` with `runtime` (for `handler`) and stores it, once
    /// per content; the reference goes into [`FunctionSpec::code`]. Code
    /// larger than the server's limit is refused with `QUOTA_EXCEEDED`.
    pub async fn upload_code(
        &self,
        runtime: &str,
        handler: &str,
        code: &[u8],
    ) -> Result<ModuleRef> {
        let subject = FunctionKind::SUBJECT;
        let limit = self.store.function_limits.max_module_bytes;
        let over_quota = |what: &str, len: usize| Error::QuotaExceeded {
            quota: "function_module_bytes",
            limit: limit as u64,
            message: format!(
                "the {what} is {len} bytes; a function module may be at most {limit} bytes"
            ),
        };
        if code.len() > limit {
            return Err(over_quota("code", code.len()));
        }
        let Some(runtime) = self.store.context.runtime(runtime).cloned() else {
            return Err(unknown_runtime(&self.store.context));
        };
        if !runtime.takes_code() {
            return Err(takes_no_code(runtime.name()));
        }
        let code = code.to_vec();
        let handler = handler.to_string();
        let bytes = tokio::task::spawn_blocking(move || runtime.prepare_code(&code, &handler))
            .await
            .map_err(|e| Error::Internal(format!("checking code: {e}")))?
            .map_err(|e| Error::invalid(subject, e.field, e.reason))?;
        if bytes.len() > limit {
            return Err(over_quota("module", bytes.len()));
        }
        module::put(&*self.store.engine, &bytes).await
    }

    /// Runs the function with `payload` within its time and concurrency
    /// limits.
    pub async fn invoke(&self, id: &str, payload: Vec<u8>) -> Result<Invocation> {
        if payload.len() > MAX_PAYLOAD {
            return Err(Error::invalid(
                "invocation",
                "payload",
                format!("must be at most {MAX_PAYLOAD} bytes"),
            ));
        }
        let function = self.get(id).await?;
        let id = function.meta.id.as_str();
        let unrunnable = |reason: String| Error::FailedPrecondition {
            kind: FunctionKind::NAME,
            id: id.to_string(),
            state: "unrunnable".into(),
            reason,
        };
        let runtime = self
            .store
            .context
            .runtime(&function.spec.runtime)
            .cloned()
            .ok_or_else(|| {
                unrunnable(format!(
                    "runtime {:?} is not registered",
                    function.spec.runtime
                ))
            })?;
        if runtime.takes_code() && function.spec.code.is_none() {
            return Err(unrunnable(format!(
                "it has no code; upload a module with `code` (the {} runtime runs code)",
                runtime.name()
            )));
        }
        let _slot = self.store.invocations.acquire(
            id,
            function.spec.max_concurrency,
            self.store.function_limits.max_concurrent,
        )?;
        let limit = Duration::from_millis(function.spec.timeout_ms.into());
        let started = Instant::now();
        let cancel = CancelFlag::default();
        let request = InvocationRequest {
            function_id: function.meta.id.clone(),
            function_name: function.meta.name.clone(),
            handler: function.spec.handler.clone(),
            env: function.spec.env.clone(),
            memory_mb: function.spec.memory_mb,
            payload,
            code: function
                .spec
                .code
                .clone()
                .map(|code| ModuleSource::new(Arc::clone(&self.store.engine), code)),
            deadline: started + limit,
            cancel: cancel.clone(),
        };
        // A task of its own: a panicking handler cannot take the caller
        // down; a timed-out one is cancelled, and so is one whose caller
        // went away (this future dropped), so no invocation runs unbounded.
        let mut task = tokio::spawn(async move { runtime.invoke(request).await });
        let _cancel_if_dropped = CancelOnDrop(task.abort_handle(), cancel);
        let outcome = tokio::time::timeout(limit, &mut task).await;
        let duration = started.elapsed();
        let timed_out = || Error::FunctionTimedOut {
            function: id.to_string(),
            timeout_ms: function.spec.timeout_ms,
        };
        let failed = |message: String| Error::FunctionFailed {
            function: id.to_string(),
            message,
        };
        let result = match outcome {
            Err(_elapsed) => Err(timed_out()),
            Ok(Err(join_error)) => Err(failed(if join_error.is_panic() {
                "the handler panicked".into()
            } else {
                "the handler was cancelled".into()
            })),
            Ok(Ok(Err(RuntimeError::HandlerNotFound(handler)))) => Err(Error::HandlerNotFound {
                runtime: function.spec.runtime.clone(),
                handler,
            }),
            Ok(Ok(Err(RuntimeError::Failed(message)))) => Err(failed(message)),
            Ok(Ok(Err(RuntimeError::TimedOut))) => Err(timed_out()),
            Ok(Ok(Err(RuntimeError::Unrunnable(reason)))) => Err(unrunnable(reason)),
            Ok(Ok(Ok(RuntimeOutput { output, .. }))) if output.len() > MAX_PAYLOAD => {
                Err(failed(format!(
                    "its output of {} bytes is larger than the limit of {MAX_PAYLOAD}",
                    output.len()
                )))
            }
            Ok(Ok(Ok(RuntimeOutput {
                output,
                fuel_used,
                logs,
            }))) => Ok(Invocation {
                output,
                status: InvocationStatus::Succeeded,
                duration,
                fuel_used,
                logs,
            }),
        };
        self.store
            .invocations
            .record(id, result.as_ref().err(), duration);
        result
    }

    /// Invocation counters of the function since this process started.
    pub fn stats(&self, id: &str) -> FunctionStats {
        self.store.invocations.get(id)
    }

    /// The counters of every function invoked since this process started,
    /// by function id (for metrics export; no store read).
    pub fn all_stats(&self) -> Vec<(String, FunctionStats)> {
        self.store.invocations.all()
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
    fn schema_1_records_migrate_without_code() {
        #[derive(Serialize)]
        struct V1<'a> {
            description: &'a str,
            runtime: &'a str,
            handler: &'a str,
            memory_mb: u32,
            timeout_ms: u32,
            env: BTreeMap<String, String>,
        }
        let env = BTreeMap::from([("A".to_string(), "1".to_string())]);
        let v1 = V1 {
            description: "d",
            runtime: "native",
            handler: "resize",
            memory_mb: 256,
            timeout_ms: 500,
            env: env.clone(),
        };
        let payload = postcard::to_stdvec(&(v1, FunctionStatus {})).unwrap();
        let (spec, _) = FunctionKind::migrate(1, &payload).unwrap();
        let mut want = FunctionSpec::new("native", "resize");
        want.description = "d".into();
        want.memory_mb = 256;
        want.timeout_ms = 500;
        want.env = env;
        assert_eq!(spec, want);
        assert!(FunctionKind::migrate(7, &payload).is_err());
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
            |s| s.max_concurrency = 0,
            Some(("max_concurrency", "must be greater than 0")),
        );
        check(
            |s| s.max_concurrency = 1001,
            Some(("max_concurrency", "must be at most 1000")),
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
