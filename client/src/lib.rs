//! The Rust client of ClusterDB: a typed REST client ([`Client`]), the
//! generated gRPC clients ([`compute::v1::ComputeServiceClient`] and the
//! other services, [`connect_grpc`]), and the API's JSON types
//! ([`wire`]). It holds no server: no HTTP server, no store, no
//! WebAssembly runtime.
#![doc = include_str!("../README.md")]

mod auth;
mod error;
mod grpc;
pub mod headers;
mod local;
pub mod resource;
mod rest;
mod retry;
mod routes;
pub mod signatures;
mod sse;
mod transport;
mod watch;
pub mod wire;

pub use auth::AccessToken;
pub use clusterdb_proto::{admin, compute, events, identity, mesh, monitoring, webhooks};
pub use error::ClientError;
pub use grpc::{BearerAuth, ComputeClient, connect_grpc};
pub use local::{LocalFuture, LocalService};
pub use resource::Resource;
pub use rest::{Applied, Client, DEFAULT_TIMEOUT, Page, ReadOptions, ResourceClient};
pub use retry::RetryPolicy;
pub use routes::MetricsQuery;
/// The gRPC library the clients are built on (for its `Channel`, `Status`, …).
pub use tonic;
pub use wire::Json;
pub use wire::{
    AlertRules, Fleets, Functions, Groups, Instances, OAuthClients, SecurityPolicies, Silences,
    Users, VirtualServices, Webhooks,
};

/// The protobuf descriptor set of every gRPC service (what the server's
/// reflection serves).
pub use clusterdb_proto::FILE_DESCRIPTOR_SET;
