//! WebAssembly text fixtures for the `wasm` function runtime, as checked
//! in under `testkit/fixtures/wasm/` (WASI preview 1 commands).

/// Copies stdin to stdout.
pub const ECHO: &str = include_str!("../fixtures/wasm/echo.wat");
/// stdin to stdout with a-z made A-Z.
pub const UPPERCASE: &str = include_str!("../fixtures/wasm/uppercase.wat");
/// Writes its environment, one `NAME=VALUE` per line.
pub const ENV: &str = include_str!("../fixtures/wasm/env.wat");
/// Writes `bad input: expected a number` to stderr and exits with code 3.
pub const EXIT3: &str = include_str!("../fixtures/wasm/exit3.wat");
/// Reaches `unreachable`.
pub const TRAP: &str = include_str!("../fixtures/wasm/trap.wat");
/// Loops forever without calling anything.
pub const LOOP: &str = include_str!("../fixtures/wasm/loop.wat");
/// Grows its memory by 256 MiB; traps if refused.
pub const GROW: &str = include_str!("../fixtures/wasm/grow.wat");
/// Writes 12 MB to stdout.
pub const HUGE: &str = include_str!("../fixtures/wasm/huge.wat");
/// Imports `sock_accept`, which functions may not.
pub const SOCKET: &str = include_str!("../fixtures/wasm/socket.wat");
