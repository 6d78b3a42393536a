//! How functions run: the [`FunctionRuntime`] trait, and the native runtime
//! in which the embedding application registers Rust handlers by name.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, RwLock};

use async_trait::async_trait;

/// One call of a function, as a runtime sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
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
}

/// Runs function code. The core applies the time limit around every
/// runtime; a runtime enforces whatever else it can (memory, fuel).
#[async_trait]
pub trait FunctionRuntime: Send + Sync + 'static {
    /// The name functions use in their `runtime` field, e.g. `native`.
    fn name(&self) -> &str;

    /// Runs one invocation and returns its output.
    async fn invoke(&self, request: InvocationRequest) -> Result<Vec<u8>, RuntimeError>;
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

    async fn invoke(&self, request: InvocationRequest) -> Result<Vec<u8>, RuntimeError> {
        let handler = self
            .handlers
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&request.handler)
            .cloned()
            .ok_or_else(|| RuntimeError::HandlerNotFound(request.handler.clone()))?;
        handler(request).await.map_err(RuntimeError::Failed)
    }
}
