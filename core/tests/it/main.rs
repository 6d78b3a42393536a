//! Integration tests of the in-process API.

mod concurrency;
mod crud;
mod events;
mod functions;
mod fuzz_bodies;
mod instances;
mod persistence;
mod reconciler;
mod support;
