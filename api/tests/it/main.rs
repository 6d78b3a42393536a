//! Router tests: the REST app driven with `oneshot`, no socket.

mod rest;
