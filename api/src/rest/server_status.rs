//! `GET /server`: what the answering server says of itself — version,
//! storage engine, read cache, whether it leads the background work, and
//! the event log's head (any authenticated caller).

use axum::Json;
use clusterdb_client::wire::ServerOutput;

use crate::caller::Caller;

/// `GET /server`.
pub async fn server(caller: Caller) -> Json<ServerOutput> {
    let db = &caller.db;
    Json(ServerOutput {
        version: env!("CARGO_PKG_VERSION").to_string(),
        engine: db.engine_name().to_string(),
        read_cache: db.read_cache_stats().is_some(),
        leader: db.leadership().borrow().is_some(),
        revision: db.events().head_revision(),
    })
}
