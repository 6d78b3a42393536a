//! The `wasm` runtime: WASI preview 1 command modules in the wasmi
//! interpreter. The payload is the module's stdin, its stdout the output,
//! its stderr the invocation's logs; the function's `env` is its
//! environment; there are no arguments, no files, no sockets and no
//! sleeping — a clock and a random source only.
//!
//! Limits: linear memory is capped at `memory_mb`; execution is metered
//! in fuel slices, and between slices the deadline and the caller's
//! cancellation are checked, so a loop without calls stops on time; stdout
//! is bounded by [`MAX_PAYLOAD`]; stderr keeps its last [`MAX_LOG_BYTES`].
//! Every run is on Tokio's blocking pool, never on an async worker.

use std::collections::{HashMap, VecDeque};
use std::io::Write;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Instant;

use async_trait::async_trait;
use wasmi::{
    CompilationMode, Config, Engine, ExternType, Linker, Module, ResourceLimiter, Store,
    TypedResumableCall,
};
use wasmi_core::LimiterError;
use wasmi_wasi::WasiCtx;
use wasmi_wasi::wasi_common::pipe::{ReadPipe, WritePipe};

use super::function::MAX_PAYLOAD;
use super::runtime::{CodeError, FunctionRuntime, InvocationRequest, RuntimeError, RuntimeOutput};

/// The WASI module functions are imported from.
pub const WASI_MODULE: &str = "wasi_snapshot_preview1";

/// The WASI preview 1 functions a module may import: all of preview 1
/// but sockets and `poll_oneoff` (which would block a thread past the
/// time limit). Without preopened directories, file functions have no
/// files to reach.
pub const WASI_IMPORTS: &[&str] = &[
    "args_get",
    "args_sizes_get",
    "environ_get",
    "environ_sizes_get",
    "clock_res_get",
    "clock_time_get",
    "fd_advise",
    "fd_allocate",
    "fd_close",
    "fd_datasync",
    "fd_fdstat_get",
    "fd_fdstat_set_flags",
    "fd_fdstat_set_rights",
    "fd_filestat_get",
    "fd_filestat_set_size",
    "fd_filestat_set_times",
    "fd_pread",
    "fd_prestat_get",
    "fd_prestat_dir_name",
    "fd_pwrite",
    "fd_read",
    "fd_readdir",
    "fd_renumber",
    "fd_seek",
    "fd_sync",
    "fd_tell",
    "fd_write",
    "path_create_directory",
    "path_filestat_get",
    "path_filestat_set_times",
    "path_link",
    "path_open",
    "path_readlink",
    "path_remove_directory",
    "path_rename",
    "path_symlink",
    "path_unlink_file",
    "proc_exit",
    "proc_raise",
    "sched_yield",
    "random_get",
];

/// Fuel per slice: between slices the deadline is checked (a slice is a
/// few milliseconds of interpretation).
const FUEL_SLICE: u64 = 2_000_000;
/// The end of stderr kept as the invocation's logs.
pub const MAX_LOG_BYTES: usize = 64 << 10;
/// Stderr lines quoted in a failure's message.
const FAILURE_LOG_LINES: usize = 5;
/// Compiled modules kept in memory: at most this many…
const CACHED_MODULES: usize = 128;
/// …and modules of at most this many bytes in all (least recently
/// compiled dropped first).
const CACHED_MODULE_BYTES: usize = 256 << 20;

/// The `wasm` runtime. Cheap to share; compiled modules are cached per
/// digest.
pub struct WasmRuntime {
    engine: Engine,
    linker: Arc<Linker<Host>>,
    cache: Mutex<ModuleCache>,
}

/// What one instance's store holds.
struct Host {
    wasi: WasiCtx,
    limits: Limits,
}

/// Compiled modules by digest, bounded in count and bytes.
#[derive(Default)]
struct ModuleCache {
    modules: HashMap<String, (Module, usize)>,
    order: VecDeque<String>,
    bytes: usize,
}

impl ModuleCache {
    fn get(&self, sha256: &str) -> Option<Module> {
        self.modules.get(sha256).map(|(module, _)| module.clone())
    }

    /// Keeps `module`, compiled from `size` bytes, dropping the oldest
    /// entries past the bounds.
    fn insert(&mut self, sha256: String, module: Module, size: usize) {
        if self.modules.contains_key(&sha256) {
            return;
        }
        while self.order.len() >= CACHED_MODULES
            || (!self.order.is_empty() && self.bytes + size > CACHED_MODULE_BYTES)
        {
            if let Some((_, dropped)) = self
                .order
                .pop_front()
                .and_then(|oldest| self.modules.remove(&oldest))
            {
                self.bytes -= dropped;
            }
        }
        self.bytes += size;
        self.order.push_back(sha256.clone());
        self.modules.insert(sha256, (module, size));
    }
}

/// Caps linear memory; remembers a refused growth for the error message.
struct Limits {
    memory_bytes: usize,
    refused: bool,
}

impl ResourceLimiter for Limits {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> Result<bool, LimiterError> {
        let allowed = desired <= self.memory_bytes;
        self.refused |= !allowed;
        Ok(allowed)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> Result<bool, LimiterError> {
        Ok(desired <= 1_000_000)
    }

    fn instances(&self) -> usize {
        1
    }

    fn tables(&self) -> usize {
        16
    }

    fn memories(&self) -> usize {
        1
    }
}

/// Stdout: kept up to a limit; a write past it fails (and is remembered).
struct BoundedOutput {
    bytes: Vec<u8>,
    limit: usize,
    overflowed: bool,
}

impl Write for BoundedOutput {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let room = self.limit - self.bytes.len();
        if buf.len() > room {
            self.overflowed = true;
            return Err(std::io::Error::other("the output limit is reached"));
        }
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Stderr: the last bytes written are kept.
#[derive(Default)]
struct LogTail(VecDeque<u8>);

impl Write for LogTail {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let keep = buf.len().min(MAX_LOG_BYTES);
        self.0.extend(&buf[buf.len() - keep..]);
        let excess = self.0.len().saturating_sub(MAX_LOG_BYTES);
        self.0.drain(..excess);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Default for WasmRuntime {
    fn default() -> Self {
        Self::new()
    }
}

impl WasmRuntime {
    /// The runtime's name.
    pub const NAME: &'static str = "wasm";

    /// A runtime with an empty module cache.
    pub fn new() -> Self {
        let mut config = Config::default();
        config.consume_fuel(true);
        // Validate everything at upload; translate function bodies when
        // they first run.
        config.compilation_mode(CompilationMode::LazyTranslation);
        let engine = Engine::new(&config);
        let mut linker = Linker::<Host>::new(&engine);
        wasmi_wasi::add_to_linker(&mut linker, |host: &mut Host| &mut host.wasi)
            .expect("the WASI functions are defined once");
        WasmRuntime {
            engine,
            linker: Arc::new(linker),
            cache: Mutex::default(),
        }
    }

    /// Parses (binary or text), validates and checks a module: imports
    /// only from [`WASI_IMPORTS`], and `handler` an exported function
    /// taking and returning nothing.
    fn check(&self, code: &[u8], handler: &str) -> Result<Vec<u8>, CodeError> {
        let bytes = if code.starts_with(b"\0asm") {
            code.to_vec()
        } else {
            wat::parse_bytes(code)
                .map_err(|e| {
                    CodeError::code(format!(
                        "is neither a WebAssembly module nor WebAssembly text: {e}"
                    ))
                })?
                .into_owned()
        };
        let module = Module::new(&self.engine, &bytes)
            .map_err(|e| CodeError::code(format!("is not a valid WebAssembly module: {e}")))?;
        for import in module.imports() {
            let allowed = import.module() == WASI_MODULE
                && WASI_IMPORTS.contains(&import.name())
                && matches!(import.ty(), ExternType::Func(_));
            if !allowed {
                return Err(CodeError::code(format!(
                    "imports {}.{}, which a function may not use: only WASI preview 1 functions of {WASI_MODULE} are available (no sockets, no poll_oneoff)",
                    import.module(),
                    import.name()
                )));
            }
        }
        match module.get_export(handler) {
            Some(ExternType::Func(ty)) if ty.params().is_empty() && ty.results().is_empty() => {
                Ok(bytes)
            }
            Some(ExternType::Func(_)) => Err(CodeError {
                field: "handler",
                reason: format!(
                    "names export {handler:?}, which must take no parameters and return nothing (a WASI command's _start)"
                ),
            }),
            _ => {
                let exports: Vec<&str> = module
                    .exports()
                    .filter(|e| matches!(e.ty(), ExternType::Func(_)))
                    .map(|e| e.name())
                    .collect();
                Err(CodeError {
                    field: "handler",
                    reason: format!(
                        "names no exported function of the module (it exports: {})",
                        if exports.is_empty() {
                            "none".to_string()
                        } else {
                            exports.join(", ")
                        }
                    ),
                })
            }
        }
    }

    /// The compiled module of an invocation: from the cache, or loaded
    /// from the store and compiled on the blocking pool.
    async fn module(&self, request: &InvocationRequest) -> Result<Module, RuntimeError> {
        let source = request.code.as_ref().ok_or_else(|| {
            RuntimeError::Unrunnable("it has no code; upload a module with `code`".into())
        })?;
        let sha256 = source.module().sha256.clone();
        if let Some(module) = self.lock_cache().get(&sha256) {
            return Ok(module);
        }
        let bytes = source
            .bytes()
            .await
            .map_err(|e| RuntimeError::Unrunnable(e.to_string()))?;
        let engine = self.engine.clone();
        let size = bytes.len();
        let module = tokio::task::spawn_blocking(move || Module::new(&engine, &bytes))
            .await
            .map_err(|e| RuntimeError::Failed(format!("compiling the module: {e}")))?
            .map_err(|e| RuntimeError::Unrunnable(format!("its module does not compile: {e}")))?;
        self.lock_cache().insert(sha256, module.clone(), size);
        Ok(module)
    }

    fn lock_cache(&self) -> std::sync::MutexGuard<'_, ModuleCache> {
        self.cache.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[async_trait]
impl FunctionRuntime for WasmRuntime {
    fn name(&self) -> &str {
        Self::NAME
    }

    fn takes_code(&self) -> bool {
        true
    }

    fn prepare_code(&self, code: &[u8], handler: &str) -> Result<Vec<u8>, CodeError> {
        self.check(code, handler)
    }

    async fn invoke(&self, request: InvocationRequest) -> Result<RuntimeOutput, RuntimeError> {
        let module = self.module(&request).await?;
        let engine = self.engine.clone();
        let linker = Arc::clone(&self.linker);
        tokio::task::spawn_blocking(move || run(&engine, &linker, &module, request))
            .await
            .map_err(|e| RuntimeError::Failed(format!("the module's thread failed: {e}")))?
    }
}

/// Runs one invocation to its end, its deadline or its cancellation.
fn run(
    engine: &Engine,
    linker: &Linker<Host>,
    module: &Module,
    request: InvocationRequest,
) -> Result<RuntimeOutput, RuntimeError> {
    let stdout = Arc::new(RwLock::new(BoundedOutput {
        bytes: Vec::new(),
        limit: MAX_PAYLOAD,
        overflowed: false,
    }));
    let stderr = Arc::new(RwLock::new(LogTail::default()));
    let env: Vec<(String, String)> = request.env.into_iter().collect();
    let mut wasi = wasmi_wasi::WasiCtxBuilder::new();
    wasi.stdin(Box::new(ReadPipe::from(request.payload)))
        .stdout(Box::new(WritePipe::from_shared(Arc::clone(&stdout))))
        .stderr(Box::new(WritePipe::from_shared(Arc::clone(&stderr))))
        .envs(&env)
        .map_err(|e| RuntimeError::Failed(format!("setting the environment: {e}")))?;
    let memory_mb = usize::try_from(request.memory_mb).unwrap_or(usize::MAX);
    let host = Host {
        wasi: wasi.build(),
        limits: Limits {
            memory_bytes: memory_mb.saturating_mul(1 << 20),
            refused: false,
        },
    };
    let mut store = Store::new(engine, host);
    store.limiter(|host| &mut host.limits);
    let mut fuel_used = 0u64;
    let ended = execute(
        linker,
        module,
        &request.handler,
        &mut store,
        &mut fuel_used,
        request.deadline,
        &request.cancel,
    );
    let logs = {
        let tail = stderr.read().unwrap_or_else(|p| p.into_inner());
        String::from_utf8_lossy(&tail.0.iter().copied().collect::<Vec<u8>>()).into_owned()
    };
    let (output, overflowed) = {
        let mut out = stdout.write().unwrap_or_else(|p| p.into_inner());
        (std::mem::take(&mut out.bytes), out.overflowed)
    };
    if overflowed {
        return Err(RuntimeError::Failed(format!(
            "its output passed the limit of {MAX_PAYLOAD} bytes{}",
            last_lines(&logs)
        )));
    }
    match ended {
        Ended::Finished | Ended::Exited(0) => Ok(RuntimeOutput {
            output,
            fuel_used: Some(fuel_used),
            logs,
        }),
        Ended::Exited(code) => Err(RuntimeError::Failed(format!(
            "exited with code {code}{}",
            last_lines(&logs)
        ))),
        Ended::Trapped(message) => {
            let memory = if store.data().limits.refused {
                format!(" (a memory growth past memory_mb = {memory_mb} MiB was refused)")
            } else {
                String::new()
            };
            Err(RuntimeError::Failed(format!(
                "trapped: {message}{memory}{}",
                last_lines(&logs)
            )))
        }
        Ended::TimedOut => Err(RuntimeError::TimedOut),
        Ended::NotStarted(message) => Err(RuntimeError::Failed(message)),
    }
}

/// How an execution ended.
enum Ended {
    Finished,
    Exited(i32),
    Trapped(String),
    TimedOut,
    NotStarted(String),
}

fn execute(
    linker: &Linker<Host>,
    module: &Module,
    handler: &str,
    store: &mut Store<Host>,
    fuel_used: &mut u64,
    deadline: Instant,
    cancel: &super::runtime::CancelFlag,
) -> Ended {
    let ended_by = |err: wasmi::Error| match err.i32_exit_status() {
        Some(code) => Ended::Exited(code),
        None => Ended::Trapped(err.to_string()),
    };
    if let Err(err) = store.set_fuel(FUEL_SLICE) {
        return Ended::NotStarted(err.to_string());
    }
    let instance = match linker.instantiate_and_start(&mut *store, module) {
        Ok(instance) => instance,
        Err(err) => {
            *fuel_used += FUEL_SLICE - store.get_fuel().unwrap_or(0);
            return match err.i32_exit_status() {
                Some(code) => Ended::Exited(code),
                None => Ended::NotStarted(format!("the module did not start: {err}")),
            };
        }
    };
    let func = match instance.get_typed_func::<(), ()>(&*store, handler) {
        Ok(func) => func,
        Err(err) => {
            return Ended::NotStarted(format!(
                "handler {handler:?} is not an exported function taking and returning nothing: {err}"
            ));
        }
    };
    let mut call = func.call_resumable(&mut *store, ());
    let mut slice = FUEL_SLICE;
    loop {
        let used = slice - store.get_fuel().unwrap_or(0);
        match call {
            Ok(TypedResumableCall::Finished(())) => {
                *fuel_used += used;
                return Ended::Finished;
            }
            Ok(TypedResumableCall::OutOfFuel(paused)) => {
                *fuel_used += slice - store.get_fuel().unwrap_or(0);
                if cancel.is_cancelled() || Instant::now() >= deadline {
                    return Ended::TimedOut;
                }
                // One instruction (a large memory.grow) may cost more
                // than a slice.
                slice = FUEL_SLICE.max(paused.required_fuel());
                if let Err(err) = store.set_fuel(slice) {
                    return Ended::Trapped(err.to_string());
                }
                call = paused.resume(&mut *store);
            }
            Ok(TypedResumableCall::HostTrap(trap)) => {
                *fuel_used += used;
                return match trap.host_error().i32_exit_status() {
                    Some(code) => Ended::Exited(code),
                    None => Ended::Trapped(trap.host_error().to_string()),
                };
            }
            Err(err) => {
                *fuel_used += used;
                return ended_by(err);
            }
        }
    }
}

/// ": stderr: …" with the last lines of the logs, or nothing.
fn last_lines(logs: &str) -> String {
    let lines: Vec<&str> = logs.lines().filter(|l| !l.trim().is_empty()).collect();
    if lines.is_empty() {
        return String::new();
    }
    let tail = &lines[lines.len().saturating_sub(FAILURE_LOG_LINES)..];
    format!("; stderr: {}", tail.join(" | "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_module_cache_is_bounded_in_count_and_bytes() {
        let engine = Engine::default();
        let module = Module::new(&engine, wat::parse_str("(module)").unwrap()).unwrap();
        let mut cache = ModuleCache::default();
        for i in 0..CACHED_MODULES + 5 {
            cache.insert(format!("m{i}"), module.clone(), 1);
        }
        assert_eq!(cache.modules.len(), CACHED_MODULES);
        assert!(cache.get("m0").is_none() && cache.get("m5").is_some());
        // A large module pushes out as many as its bytes need.
        cache.insert("big".into(), module.clone(), CACHED_MODULE_BYTES - 10);
        assert!(cache.bytes <= CACHED_MODULE_BYTES);
        assert_eq!(cache.modules.len(), 11);
        assert!(cache.get("big").is_some());
        // One larger than the budget is still kept alone.
        cache.insert("huge".into(), module, CACHED_MODULE_BYTES + 1);
        assert_eq!(cache.modules.len(), 1);
        assert_eq!(cache.bytes, CACHED_MODULE_BYTES + 1);
    }
}
