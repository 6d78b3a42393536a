//! End-to-end tests: the real `clusterdb` binary on a loopback port.

mod grpc;
mod rest;
mod server;
