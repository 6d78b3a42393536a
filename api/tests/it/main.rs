//! Router tests: the REST app driven with `oneshot`, no socket.

mod authz;
mod delivery;
mod events;
mod functions;
mod fuzz_bodies;
mod idempotency;
mod in_process;
mod mesh;
mod metrics;
mod monitoring;
mod namespaced;
mod openapi;
mod rest;
mod support;
