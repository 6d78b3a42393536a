//! A router in this process as a client's server ([`InProcess`]): the
//! CLI's embedded mode calls the REST API this way, without a socket.

use axum::Router;
use axum::http::{self, StatusCode};
use axum::response::IntoResponse as _;
use bytes::Bytes;
use clusterdb_client::{LocalFuture, LocalService};
use http_body_util::BodyExt as _;
use tower::ServiceExt as _;

use crate::rest::error::ApiError;

/// A router (such as [`crate::embedded_app`]) that answers a
/// [`clusterdb_client::Client::in_process`].
#[derive(Clone)]
pub struct InProcess(Router);

impl InProcess {
    /// Serves `app` to an in-process client.
    pub fn new(app: Router) -> Self {
        InProcess(app)
    }
}

impl LocalService for InProcess {
    fn call(&self, request: http::Request<Bytes>) -> LocalFuture {
        let app = self.0.clone();
        Box::pin(async move {
            let response = match app.oneshot(request.map(axum::body::Body::from)).await {
                Ok(response) => response,
                Err(never) => match never {},
            };
            let (parts, body) = response.into_parts();
            match body.collect().await {
                Ok(collected) => http::Response::from_parts(parts, collected.to_bytes()),
                // A body that fails while streaming: what a network
                // client sees as a broken connection, here a 500.
                Err(error) => {
                    let error = ApiError::new(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "INTERNAL",
                        format!("reading an in-process answer: {error}"),
                    );
                    let (parts, body) = error.into_response().into_parts();
                    let bytes = body
                        .collect()
                        .await
                        .map(|c| c.to_bytes())
                        .unwrap_or_default();
                    http::Response::from_parts(parts, bytes)
                }
            }
        })
    }
}
