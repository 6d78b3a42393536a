//! `clusterdb serve`: bind, open the data file, serve until SIGINT/SIGTERM,
//! then finish in-flight requests and close the store cleanly.

use std::net::SocketAddr;
use std::path::PathBuf;

use std::future::IntoFuture;

use anyhow::{Context, bail};
use clusterdb::ClusterDb;
use clusterdb_api::RestConfig;
use tokio::net::TcpListener;

/// Options of `clusterdb serve`.
#[derive(clap::Args)]
pub struct ServeArgs {
    /// The data file (created if absent).
    #[arg(long, default_value = "clusterdb.redb", env = "CLUSTERDB_DATA")]
    data: PathBuf,
    /// Address for REST (and gRPC, routed by content type).
    #[arg(long, default_value = "127.0.0.1:7070", env = "CLUSTERDB_LISTEN")]
    listen: SocketAddr,
    /// Also serve gRPC alone on this address.
    #[arg(long)]
    grpc_listen: Option<SocketAddr>,
    /// Largest request body in bytes.
    #[arg(long, default_value_t = 1 << 20)]
    body_limit: usize,
}

/// Resolves on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate = match tokio::signal::unix::signal(
            tokio::signal::unix::SignalKind::terminate(),
        ) {
            Ok(signal) => signal,
            Err(err) => {
                tracing::warn!(error = %err, "cannot watch SIGTERM; only SIGINT stops the server");
                let _ = interrupt.await;
                return;
            }
        };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
    tracing::info!("shutting down: finishing in-flight requests");
}

/// Forgets expired `Idempotency-Key` records, hourly.
async fn sweep_idempotency_keys(db: ClusterDb) {
    let mut every_hour = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        every_hour.tick().await;
        match clusterdb_api::rest::idempotency::sweep_expired(&db).await {
            Ok(0) => {}
            Ok(removed) => tracing::info!(removed, "expired idempotency keys removed"),
            Err(err) => tracing::warn!(error = %err, "sweeping idempotency keys failed"),
        }
    }
}

/// Runs the server until a shutdown signal.
pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let listener = TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let grpc_listener = match args.grpc_listen {
        Some(address) => Some(
            TcpListener::bind(address)
                .await
                .with_context(|| format!("cannot listen on {address}"))?,
        ),
        None => None,
    };
    let db = match ClusterDb::open(&args.data).await {
        Ok(db) => db,
        Err(clusterdb::Error::Storage(clusterdb::storage::Error::Locked)) => bail!(
            "the data file {} is in use by another process",
            args.data.display()
        ),
        Err(err) => {
            return Err(err).with_context(|| format!("cannot open {}", args.data.display()));
        }
    };
    let address = listener.local_addr().context("no local address")?;
    let config = RestConfig {
        body_limit: args.body_limit,
    };
    let app = clusterdb_api::app(db.clone(), &config).await;
    tracing::info!(%address, data = %args.data.display(), "serving REST and gRPC");
    // Lines tools and tests can wait for.
    println!("listening on http://{address}");
    let sweeper = tokio::spawn(sweep_idempotency_keys(db.clone()));
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let grpc_server = match grpc_listener {
        Some(grpc_listener) => {
            let grpc_address = grpc_listener.local_addr().context("no local address")?;
            println!("grpc listening on http://{grpc_address}");
            let router = clusterdb_api::grpc::router(db.clone()).await;
            let mut stopped = stopped.clone();
            Some(tokio::spawn(
                axum::serve(grpc_listener, router)
                    .with_graceful_shutdown(async move {
                        let _ = stopped.wait_for(|s| *s).await;
                    })
                    .into_future(),
            ))
        }
        None => None,
    };
    let main_server = axum::serve(listener, app).with_graceful_shutdown(async move {
        shutdown_signal().await;
        let _ = stop.send(true);
    });
    main_server.await.context("the server failed")?;
    if let Some(grpc_server) = grpc_server {
        grpc_server
            .await
            .context("the gRPC server task failed")?
            .context("the gRPC server failed")?;
    }
    sweeper.abort();
    db.close().await.context("closing the data file")?;
    tracing::info!("stopped");
    Ok(())
}
