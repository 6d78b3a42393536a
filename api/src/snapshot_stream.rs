//! A snapshot of the whole store as a stream of byte chunks, for the REST
//! and gRPC snapshot routes: the snapshot is pinned first (so its revision
//! is known before the first byte), then written by a task of its own into
//! a pipe the stream reads. A client that goes away closes the pipe, which
//! ends the task and releases the snapshot; a snapshot that fails midway
//! ends the stream with an error, never with a clean end. At most
//! [`MAX_STREAMS`] run at once.

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use clusterdb::ClusterDb;
use clusterdb::backup::{Header, SnapshotOptions};
use futures_util::Stream;
use tokio::io::AsyncReadExt;

/// Bytes per chunk the stream yields (at most).
const CHUNK: usize = 64 << 10;
/// Snapshots streamed at once by this process; past it a request gets
/// 503 `UNAVAILABLE` with `Retry-After` (each holds a pinned store view).
pub const MAX_STREAMS: usize = 4;

/// The slots of [`MAX_STREAMS`].
fn slots() -> Arc<tokio::sync::Semaphore> {
    static SLOTS: std::sync::OnceLock<Arc<tokio::sync::Semaphore>> = std::sync::OnceLock::new();
    Arc::clone(SLOTS.get_or_init(|| Arc::new(tokio::sync::Semaphore::new(MAX_STREAMS))))
}

/// Pins a snapshot of `db` and returns its header and its bytes.
pub async fn start(
    db: &ClusterDb,
    options: &SnapshotOptions,
) -> clusterdb::Result<(
    Header,
    impl Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static,
)> {
    let slot = slots()
        .try_acquire_owned()
        .map_err(|_| clusterdb::Error::Overloaded {
            message: format!("{MAX_STREAMS} snapshots are being streamed already; retry later"),
            retry_after_secs: 30,
        })?;
    let pending = db.begin_snapshot(options).await?;
    let header = pending.header().clone();
    let (mut writer, reader) = tokio::io::duplex(4 * CHUNK);
    let failure: Arc<Mutex<Option<String>>> = Arc::default();
    let failed = Arc::clone(&failure);
    let revision = header.revision;
    let streaming = crate::metrics::counters().snapshot_stream();
    // Its log lines name the request that asked for the snapshot.
    tokio::spawn(crate::request_id::carry(async move {
        let _streaming = (streaming, slot);
        match pending.write_to(&mut writer).await {
            Ok(summary) => tracing::info!(revision, bytes = summary.bytes, "snapshot streamed"),
            Err(err) => {
                tracing::warn!(revision, error = %err, "snapshot stream ended early");
                *failed.lock().unwrap_or_else(|p| p.into_inner()) = Some(err.to_string());
            }
        }
        // Dropping the writer ends the stream, after the failure is set.
    }));
    let stream = futures_util::stream::unfold(Some((reader, failure)), |state| async move {
        let (mut reader, failure) = state?;
        let mut buffer = vec![0u8; CHUNK];
        match reader.read(&mut buffer).await {
            Ok(0) => {
                let failed = failure.lock().unwrap_or_else(|p| p.into_inner()).take();
                failed.map(|reason| (Err(std::io::Error::other(reason)), None))
            }
            Ok(n) => {
                buffer.truncate(n);
                Some((Ok(Bytes::from(buffer)), Some((reader, failure))))
            }
            Err(err) => Some((Err(err), None)),
        }
    });
    Ok((header, stream))
}
