//! Router tests: the REST app driven with `oneshot`, no socket.

mod openapi;
mod rest;
mod support;
