//! End-to-end tests: the real `clusterdb` binary on a loopback port.

mod auth;
mod backup;
mod cli;
mod console;
mod crash;
mod docs;
#[cfg(feature = "etcd")]
mod etcd;
mod events;
mod grpc;
mod limits;
mod mesh;
mod metrics;
mod reads;
mod rest;
#[cfg(feature = "etcd")]
mod scale_out;
mod sdk;
mod security;
mod server;
mod tls;
mod webhooks;
