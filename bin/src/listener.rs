//! The accept loop: serves an axum app on a listener with every
//! client-reachable resource bounded — concurrent connections (accepting
//! waits while at the cap), the time to send a request head (which on an
//! HTTP/1 keep-alive connection includes the idle time before the next
//! request), HTTP/2 streams per connection and dead-peer detection — and
//! drains in-flight requests on shutdown, for at most a bounded time.
//! Answers hyper gives by itself (a head it cannot parse) are put in the
//! spec's error format by [`ErrorBodies`].

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use crate::parse_errors::ErrorBodies;
use crate::tls::Tls;

/// The bounds of one listener.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Connections served at once.
    pub max_connections: usize,
    /// Time a client has to send a request head.
    pub header_timeout: Duration,
    /// How long shutdown waits for in-flight requests.
    pub drain_timeout: Duration,
}

/// Concurrent requests on one HTTP/2 connection.
const MAX_STREAMS_PER_CONNECTION: u32 = 256;
/// Largest request head.
const MAX_HEADER_BYTES: usize = 64 << 10;
/// HTTP/2 keep-alive ping interval and the time a ping may go unanswered.
const PING_INTERVAL: Duration = Duration::from_secs(20);

fn builder(limits: &Limits) -> auto::Builder<TokioExecutor> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .max_buf_size(MAX_HEADER_BYTES.max(8192));
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_concurrent_streams(MAX_STREAMS_PER_CONNECTION)
        .max_header_list_size(MAX_HEADER_BYTES as u32)
        .keep_alive_interval(PING_INTERVAL)
        .keep_alive_timeout(PING_INTERVAL);
    builder
}

/// Serves `app` on `listener` until `shutdown` resolves, then stops
/// accepting and waits for in-flight requests for as long as `shutdown`
/// said (the drain timeout; shorter when the database failed).
pub async fn serve(
    listener: TcpListener,
    app: Router,
    tls: Option<Arc<Tls>>,
    limits: &Limits,
    shutdown: impl Future<Output = Duration>,
) {
    let connections = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let builder = builder(limits);
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    let mut drain = limits.drain_timeout;
    loop {
        let permit = tokio::select! {
            permit = Arc::clone(&connections).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            allowed = &mut shutdown => {
                drain = allowed;
                break;
            }
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => (stream, peer),
                Err(err) => {
                    // Out of file descriptors, or an aborted handshake:
                    // wait a moment instead of spinning.
                    tracing::warn!(error = %err, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            allowed = &mut shutdown => {
                drain = allowed;
                break;
            }
        };
        let _ = stream.set_nodelay(true);
        let builder = builder.clone();
        // Handlers and the rate limiter see the client's address.
        let peer = axum::extract::ConnectInfo(peer);
        let service = TowerToHyperService::new(tower::util::MapRequest::new(
            app.clone(),
            move |mut request: axum::http::Request<_>| {
                request.extensions_mut().insert(peer);
                request
            },
        ));
        let watcher = graceful.watcher();
        let acceptor = tls.as_ref().map(|tls| tls.acceptor());
        let handshake_timeout = limits.header_timeout;
        tokio::spawn(async move {
            let result = match acceptor {
                None => {
                    let connection = builder.serve_connection_with_upgrades(
                        TokioIo::new(ErrorBodies::new(stream)),
                        service,
                    );
                    watcher.watch(connection).await
                }
                Some(acceptor) => {
                    // The handshake is bounded like a request head.
                    match tokio::time::timeout(handshake_timeout, acceptor.accept(stream)).await {
                        Ok(Ok(stream)) => {
                            let connection = builder.serve_connection_with_upgrades(
                                TokioIo::new(ErrorBodies::new(stream)),
                                service,
                            );
                            watcher.watch(connection).await
                        }
                        Ok(Err(err)) => {
                            tracing::debug!(error = %err, "TLS handshake failed");
                            Ok(())
                        }
                        Err(_) => {
                            tracing::debug!("TLS handshake timed out");
                            Ok(())
                        }
                    }
                }
            };
            if let Err(err) = result {
                tracing::debug!(error = %err, "connection ended with an error");
            }
            drop(permit);
        });
    }
    drop(listener);
    if tokio::time::timeout(drain, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            timeout_s = drain.as_secs(),
            "in-flight requests did not finish in time; closing their connections"
        );
    }
}
