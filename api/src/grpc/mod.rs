//! The gRPC adapter (tonic): ClusterDB's services, plus the standard health
//! and reflection (v1 and v1alpha) services so generic gRPC tools work.
//! Each kind converts its messages in its own module ([`GrpcKind`]); the
//! CRUD methods of every service come from one generic implementation.

mod admin;
pub mod auth;
mod compute;
pub(crate) mod convert;
mod events;
mod fleet;
mod function;
mod group;
mod identity;
mod instance;
pub mod kind;
mod mesh;
mod monitoring;
pub mod status;
mod user;
mod webhook;

use std::convert::Infallible;

use clusterdb::ClusterDb;
use clusterdb_proto::admin::v1::AdminServiceServer;
use clusterdb_proto::compute::v1::ComputeServiceServer;
use clusterdb_proto::events::v1::EventServiceServer;
use clusterdb_proto::identity::v1::IdentityServiceServer;
use clusterdb_proto::mesh::v1::MeshServiceServer;
use clusterdb_proto::monitoring::v1::MonitoringServiceServer;
use clusterdb_proto::webhooks::v1::WebhookServiceServer;
use tonic::body::Body;
use tonic::server::NamedService;
use tonic::service::Routes;
use tonic_health::ServingStatus;
use tonic_health::server::HealthReporter;
use tower::Service;

pub use admin::AdminApi;
pub use compute::ComputeApi;
pub use events::EventApi;
pub use identity::IdentityApi;
pub use kind::{GrpcApply, GrpcKind};
pub use mesh::MeshApi;
pub use monitoring::MonitoringApi;
pub use webhook::WebhookApi;

/// Adds a service and reports it `SERVING` on the health service.
async fn serve<S>(
    routes: Routes,
    health: &HealthReporter,
    names: &mut Vec<&'static str>,
    service: S,
) -> Routes
where
    S: Service<axum::http::Request<Body>, Error = Infallible>
        + NamedService
        + Clone
        + Send
        + Sync
        + 'static,
    S::Response: axum::response::IntoResponse,
    S::Future: Send + 'static,
{
    health
        .set_service_status(S::NAME, ServingStatus::Serving)
        .await;
    names.push(S::NAME);
    routes.add_service(service)
}

/// Reports every service (and the server, `""`) `NOT_SERVING` once the
/// database has failed for good.
async fn not_serving_on_failure(db: ClusterDb, health: HealthReporter, names: Vec<&'static str>) {
    db.failed().await;
    for name in names.into_iter().chain([""]) {
        health
            .set_service_status(name, ServingStatus::NotServing)
            .await;
    }
}

/// Every gRPC service as an axum router: ClusterDB's (one line each),
/// health, reflection.
pub async fn router(
    db: ClusterDb,
    shutdown: Option<tokio::sync::watch::Receiver<bool>>,
    webhooks: std::sync::Arc<crate::webhooks::Sender>,
) -> axum::Router {
    let (health, health_service) = tonic_health::server::health_reporter();
    let mut names = Vec::new();
    let routes = serve(
        Routes::default(),
        &health,
        &mut names,
        // Function code is uploaded through it.
        ComputeServiceServer::new(ComputeApi)
            .max_decoding_message_size(crate::rest::upload_limit(&db)),
    )
    .await;
    let routes = serve(
        routes,
        &health,
        &mut names,
        IdentityServiceServer::new(IdentityApi),
    )
    .await;
    let routes = serve(routes, &health, &mut names, MeshServiceServer::new(MeshApi)).await;
    let events = EventServiceServer::new(EventApi { shutdown });
    let routes = serve(routes, &health, &mut names, events).await;
    let webhooks = WebhookServiceServer::new(WebhookApi { sender: webhooks });
    let routes = serve(routes, &health, &mut names, webhooks).await;
    let monitoring = MonitoringServiceServer::new(MonitoringApi)
        .max_decoding_message_size(crate::rest::upload_limit(&db));
    let routes = serve(routes, &health, &mut names, monitoring).await;
    let routes = serve(
        routes,
        &health,
        &mut names,
        AdminServiceServer::new(AdminApi),
    )
    .await;
    tokio::spawn(not_serving_on_failure(db, health, names));
    let reflection = || {
        tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(clusterdb_proto::FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
    };
    let v1 = reflection()
        .build_v1()
        .expect("the embedded descriptor sets are valid");
    let v1alpha = reflection()
        .build_v1alpha()
        .expect("the embedded descriptor sets are valid");
    routes
        .add_service(health_service)
        .add_service(v1)
        .add_service(v1alpha)
        .into_axum_router()
}
