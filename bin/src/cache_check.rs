//! `serve --read-cache-check INTERVAL`: the inconsistency detector, run
//! on a schedule. Each check compares the read cache with the store read
//! directly at one revision; a difference is logged as an error (the
//! first keys named) and counted in `clusterdb_read_cache_checks_total`.

use std::time::Duration;

use clusterdb::ClusterDb;
use tokio::sync::watch;

/// Checks every `interval` until `stopped` turns true.
pub async fn run(db: ClusterDb, interval: Duration, mut stopped: watch::Receiver<bool>) {
    let counters = clusterdb_api::metrics::counters();
    loop {
        tokio::select! {
            () = tokio::time::sleep(interval) => {}
            _ = stopped.wait_for(|s| *s) => return,
        }
        match db.verify_read_cache().await {
            Ok(None) => return,
            Ok(Some(report)) if report.consistent() => {
                tracing::debug!(
                    revision = report.revision,
                    keys = report.keys,
                    "the read cache matches the store"
                );
                counters.read_cache_checked("consistent");
            }
            Ok(Some(report)) => {
                tracing::error!(
                    revision = report.revision,
                    differing = report.differing,
                    first = ?report.differences,
                    "the read cache differs from the store"
                );
                counters.read_cache_checked("inconsistent");
            }
            Err(err) => {
                tracing::warn!(error = %err, "could not check the read cache");
                counters.read_cache_checked("failed");
            }
        }
    }
}
