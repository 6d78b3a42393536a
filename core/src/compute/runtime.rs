//! How functions run: the [`FunctionRuntime`] trait, and the native runtime
//! in which the embedding application registers Rust handlers by name.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Instant;

use async_trait::async_trait;

use super::module::ModuleSource;

/// One call of a function, as a runtime sees it.
#[derive(Debug, Clone)]
pub struct InvocationRequest {
    /// The function's id.
    pub function_id: String,
    /// The function's name.
    pub function_name: String,
    /// The handler to run (the function's `handler`).
    pub handler: String,
    /// The function's environment.
    pub env: BTreeMap<String, String>,
    /// The function's memory limit in MiB.
    pub memory_mb: u32,
    /// The caller's payload.
    pub payload: Vec<u8>,
    /// The function's code, for a runtime that takes code.
    pub code: Option<ModuleSource>,
    /// When the invocation must have ended (`timeout_ms` after it began).
    pub deadline: Instant,
    /// Raised when the caller gave up (it went away, or the deadline
    /// passed): a runtime that runs on a thread of its own checks it.
    pub cancel: CancelFlag,
}

/// A flag a runtime polls to stop work nobody waits for any more.
#[derive(Debug, Clone, Default)]
pub struct CancelFlag(Arc<AtomicBool>);

impl CancelFlag {
    /// Raises the flag.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// Whether the flag is raised.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// What a runtime returns for a successful invocation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuntimeOutput {
    /// The function's output.
    pub output: Vec<u8>,
    /// Interpreter fuel the invocation used, if the runtime meters it.
    pub fuel_used: Option<u64>,
    /// What the function logged (bounded; the end is kept).
    pub logs: String,
}

impl From<Vec<u8>> for RuntimeOutput {
    fn from(output: Vec<u8>) -> Self {
        RuntimeOutput {
            output,
            ..RuntimeOutput::default()
        }
    }
}

/// Why a runtime could not produce output.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RuntimeError {
    /// The runtime has no handler of that name.
    #[error("no handler named {0:?}")]
    HandlerNotFound(String),
    /// The handler ran and returned an error.
    #[error("{0}")]
    Failed(String),
    /// The runtime stopped the handler at the invocation's deadline.
    #[error("stopped at the time limit")]
    TimedOut,
    /// The function needs code it does not have, or its code is unusable.
    #[error("{0}")]
    Unrunnable(String),
}

/// Why code offered to a runtime is refused: the field of the request
/// that is wrong (`code` or `handler`) and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field} {reason}")]
pub struct CodeError {
    /// `code` or `handler`.
    pub field: &'static str,
    /// What is wrong.
    pub reason: String,
}

impl CodeError {
    /// A problem with the code itself.
    pub fn code(reason: impl Into<String>) -> Self {
        CodeError {
            field: "code",
            reason: reason.into(),
        }
    }
}

/// Runs function code. The core applies the time limit around every
/// runtime; a runtime enforces whatever else it can (memory, fuel).
#[async_trait]
pub trait FunctionRuntime: Send + Sync + 'static {
    /// The name functions use in their `runtime` field, e.g. `native`.
    fn name(&self) -> &str;

    /// Whether functions of this runtime carry code (uploaded with the
    /// function, stored content-addressed) rather than naming a handler
    /// the runtime already has.
    fn takes_code(&self) -> bool {
        false
    }

    /// Checks uploaded code for `handler` and returns the bytes to store
    /// (e.g. WebAssembly text compiled to binary). Called only when
    /// [`FunctionRuntime::takes_code`].
    fn prepare_code(&self, _code: &[u8], _handler: &str) -> Result<Vec<u8>, CodeError> {
        Err(CodeError::code(format!(
            "is not accepted: the {} runtime takes no code",
            self.name()
        )))
    }

    /// Runs one invocation and returns its output.
    async fn invoke(&self, request: InvocationRequest) -> Result<RuntimeOutput, RuntimeError>;
}

/// The future a native handler returns.
pub type HandlerFuture = Pin<Box<dyn Future<Output = Result<Vec<u8>, String>> + Send>>;

type Handler = Arc<dyn Fn(InvocationRequest) -> HandlerFuture + Send + Sync>;

/// The `native` runtime: Rust handlers registered by the embedding
/// application. Handlers may be registered at any time, also after open.
///
/// A handler should be async and not block its thread: the time limit
/// cancels the handler's future, which cannot interrupt blocking code.
#[derive(Default)]
pub struct NativeRuntime {
    handlers: RwLock<HashMap<String, Handler>>,
}

impl NativeRuntime {
    /// The runtime's name.
    pub const NAME: &'static str = "native";

    /// A runtime with no handlers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers (or replaces) the handler called `name`.
    pub fn register<F, Fut>(&self, name: impl Into<String>, handler: F)
    where
        F: Fn(InvocationRequest) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Vec<u8>, String>> + Send + 'static,
    {
        let handler: Handler = Arc::new(move |request| Box::pin(handler(request)));
        self.handlers
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(name.into(), handler);
    }
}

#[async_trait]
impl FunctionRuntime for NativeRuntime {
    fn name(&self) -> &str {
        Self::NAME
    }

    async fn invoke(&self, request: InvocationRequest) -> Result<RuntimeOutput, RuntimeError> {
        let handler = self
            .handlers
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&request.handler)
            .cloned()
            .ok_or_else(|| RuntimeError::HandlerNotFound(request.handler.clone()))?;
        handler(request)
            .await
            .map(RuntimeOutput::from)
            .map_err(RuntimeError::Failed)
    }
}
