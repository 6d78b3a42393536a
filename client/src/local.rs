//! A client of a server in this process: [`LocalService`] answers the
//! client's requests without a socket (an embedded database's router
//! implements it, in `clusterdb-api`).

use std::future::Future;
use std::pin::Pin;

use bytes::Bytes;

use crate::ClientError;

/// What [`LocalService::call`] returns.
pub type LocalFuture = Pin<Box<dyn Future<Output = http::Response<Bytes>> + Send>>;

/// Answers HTTP requests in this process, as the server would over the
/// network: for [`crate::Client::in_process`].
pub trait LocalService: Send + Sync + 'static {
    /// The answer to `request` (a path-only URI, e.g. `/v1/fleets?…`).
    fn call(&self, request: http::Request<Bytes>) -> LocalFuture;
}

/// Sends `request` to `service` and returns its answer as a network
/// response would be.
pub(crate) async fn call(
    service: &dyn LocalService,
    request: reqwest::Request,
) -> Result<reqwest::Response, ClientError> {
    let body = match request.body() {
        Some(body) => Bytes::copy_from_slice(
            body.as_bytes()
                .ok_or_else(|| ClientError::Unexpected("a streamed body in process".into()))?,
        ),
        None => Bytes::new(),
    };
    let url = request.url();
    let target = match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_string(),
    };
    let mut builder = http::Request::builder()
        .method(request.method().clone())
        .uri(target);
    for (name, value) in request.headers() {
        builder = builder.header(name, value);
    }
    let http_request = builder
        .body(body)
        .map_err(|e| ClientError::Unexpected(e.to_string()))?;
    Ok(reqwest::Response::from(service.call(http_request).await))
}
