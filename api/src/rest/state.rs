//! [`AppState`]: what every REST handler sees.

use clusterdb::ClusterDb;

/// State every handler sees.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub db: ClusterDb,
    /// The OpenAPI document, serialized once.
    pub openapi: axum::body::Bytes,
    /// Turns true when the server stops: live streams end.
    pub shutdown: Option<tokio::sync::watch::Receiver<bool>>,
    /// Sends redeliveries.
    pub webhooks: std::sync::Arc<crate::webhooks::Sender>,
}
