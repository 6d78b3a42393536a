//! Writing a snapshot: one engine snapshot (a redb read transaction, or
//! one etcd revision) read in pages and written as frames of about
//! [`CHUNK_BYTES`] each; writers go on meanwhile.

use std::sync::Arc;

use clusterdb_storage::{Engine, Snapshot};
use tokio::io::AsyncWrite;

use super::error::BackupError;
use super::format::{
    Counts, DataRecord, EventRecordOut, FORMAT_VERSION, FrameKind, FrameWriter, Header, Trailer,
    pack,
};
use super::verify::classify;
use crate::registry::KindRegistry;
use crate::timestamp::Timestamp;

/// Raw bytes gathered into one frame before it is written.
const CHUNK_BYTES: usize = 1 << 20;
/// Keys or events read per engine request.
const PAGE: usize = 1000;

/// How a snapshot is taken.
#[derive(Clone)]
pub struct SnapshotOptions {
    /// Include the retained event log (default); without it, every position
    /// before the snapshot's revision is gone after a restore.
    pub events: bool,
    /// Called after each frame with the bytes and records written so far.
    pub progress: Option<Arc<dyn Fn(u64, u64) + Send + Sync>>,
    /// The share of the time the snapshot works (0.5 by default: after
    /// each frame it pauses as long as the frame took), so that a
    /// snapshot of a serving store leaves most of the machine to its
    /// requests; 1.0 runs flat out (a stopped server's file).
    pub share: f64,
}

impl Default for SnapshotOptions {
    fn default() -> Self {
        SnapshotOptions {
            events: true,
            progress: None,
            share: 0.5,
        }
    }
}

impl std::fmt::Debug for SnapshotOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SnapshotOptions")
            .field("events", &self.events)
            .field("share", &self.share)
            .finish_non_exhaustive()
    }
}

/// What a snapshot wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotSummary {
    /// Its header (the revision, the kinds).
    pub header: Header,
    /// Its trailer (the counts, the file's SHA-256).
    pub trailer: Trailer,
    /// Bytes written.
    pub bytes: u64,
}

/// A snapshot pinned at a revision, not yet written: its header says what
/// it will hold ([`crate::ClusterDb::begin_snapshot`]).
pub struct PendingSnapshot {
    snapshot: Box<dyn Snapshot>,
    header: Header,
    options: SnapshotOptions,
}

impl std::fmt::Debug for PendingSnapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingSnapshot")
            .field("header", &self.header)
            .finish_non_exhaustive()
    }
}

/// Pins a snapshot of a store that no [`crate::ClusterDb`] has open (a
/// stopped server's data file): no master key is needed, since sealed
/// records are copied sealed.
pub async fn begin_engine_snapshot(
    engine: &Arc<dyn Engine>,
    options: &SnapshotOptions,
) -> Result<PendingSnapshot, BackupError> {
    begin(engine, &crate::builtin::builtin_kinds(), options).await
}

/// Pins the engine's current state at one revision.
pub(crate) async fn begin(
    engine: &Arc<dyn Engine>,
    kinds: &KindRegistry,
    options: &SnapshotOptions,
) -> Result<PendingSnapshot, BackupError> {
    let snapshot = engine.snapshot().await?;
    let point = snapshot.point();
    let header = Header {
        format_version: FORMAT_VERSION,
        clusterdb_version: env!("CARGO_PKG_VERSION").to_string(),
        engine: engine.name().to_string(),
        revision: point.revision,
        compacted_through: if options.events {
            point.compacted_through
        } else {
            point.revision
        },
        created_at: Timestamp::now().to_string(),
        events: if options.events { "all" } else { "none" }.to_string(),
        kinds: kinds
            .schemas()
            .map(|(name, schema)| (name.to_string(), schema))
            .collect(),
    };
    Ok(PendingSnapshot {
        snapshot,
        header,
        options: options.clone(),
    })
}

impl PendingSnapshot {
    /// What the snapshot will hold: its revision, engine, kinds.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// Writes the snapshot to `out`.
    pub async fn write_to<W: AsyncWrite + Unpin + Send + ?Sized>(
        self,
        out: &mut W,
    ) -> Result<SnapshotSummary, BackupError> {
        let PendingSnapshot {
            mut snapshot,
            header,
            options,
        } = self;
        write(&mut *snapshot, header, &options, out).await
    }
}

async fn write<W: AsyncWrite + Unpin + Send + ?Sized>(
    snapshot: &mut dyn Snapshot,
    header: Header,
    options: &SnapshotOptions,
    out: &mut W,
) -> Result<SnapshotSummary, BackupError> {
    let io = |err: std::io::Error| BackupError::Io(format!("writing the snapshot: {err}"));
    let point = snapshot.point();
    let mut writer = FrameWriter::start(out).await.map_err(io)?;
    let json = serde_json::to_vec(&header).expect("a header serializes");
    writer
        .frame(FrameKind::Header, &json, false)
        .await
        .map_err(io)?;

    let mut counts = Counts::default();
    let mut records = 0u64;
    let report = |writer: &FrameWriter<'_, W>, records: u64| {
        if let Some(progress) = &options.progress {
            progress(writer.bytes(), records);
        }
    };
    let leadership = crate::keys::leadership();
    let mut chunk: Vec<DataRecord> = Vec::new();
    let mut chunk_bytes = 0;
    let mut pacer = Pacer::new(options.share);
    let mut after: Option<Vec<u8>> = None;
    loop {
        // Every page gives the requests running beside a turn.
        tokio::task::yield_now().await;
        let page = snapshot.data(after.as_deref(), PAGE).await?;
        after = page.entries.last().map(|(key, _)| key.clone());
        for (key, entry) in page.entries {
            if key.starts_with(&leadership) {
                continue; // a live process's claim, not state
            }
            let (section, kind) = classify(&key).ok_or_else(|| {
                BackupError::Store(format!(
                    "the store holds a record this release does not know: {:?}",
                    String::from_utf8_lossy(&key)
                ))
            })?;
            counts.add(section, kind);
            chunk_bytes += key.len() + entry.value.len() + 16;
            chunk.push(DataRecord {
                key,
                value: entry.value,
                mod_revision: entry.mod_revision,
            });
            if chunk_bytes >= CHUNK_BYTES {
                records += chunk.len() as u64;
                flush(&mut writer, FrameKind::Data, &mut chunk).await?;
                report(&writer, records);
                pacer.pause().await;
                chunk_bytes = 0;
            }
        }
        if !page.more {
            break;
        }
    }
    if !chunk.is_empty() {
        records += chunk.len() as u64;
        flush(&mut writer, FrameKind::Data, &mut chunk).await?;
        report(&writer, records);
        pacer.pause().await;
    }

    if options.events {
        let mut events: Vec<EventRecordOut> = Vec::new();
        let mut events_bytes = 0;
        let mut after = point.compacted_through;
        loop {
            tokio::task::yield_now().await;
            let page = snapshot.events(after, PAGE).await?;
            let Some(last) = page.last() else { break };
            after = last.revision;
            for event in page {
                events_bytes += event.payload.len() + 16;
                events.push(EventRecordOut {
                    revision: event.revision,
                    index: event.index,
                    payload: event.payload,
                });
            }
            if events_bytes >= CHUNK_BYTES {
                records += events.len() as u64;
                *counts.sections.entry("events".into()).or_default() += events.len() as u64;
                flush(&mut writer, FrameKind::Events, &mut events).await?;
                report(&writer, records);
                pacer.pause().await;
                events_bytes = 0;
            }
        }
        if !events.is_empty() {
            records += events.len() as u64;
            *counts.sections.entry("events".into()).or_default() += events.len() as u64;
            flush(&mut writer, FrameKind::Events, &mut events).await?;
            report(&writer, records);
            pacer.pause().await;
        }
    }
    let (trailer, bytes) = writer.finish(counts).await.map_err(io)?;
    Ok(SnapshotSummary {
        header,
        trailer,
        bytes,
    })
}

/// Writes `records` as one frame and empties it. Encoding, compressing
/// and hashing run on a blocking thread, so a snapshot leaves the async
/// workers to the requests it runs beside.
async fn flush<W, T>(
    writer: &mut FrameWriter<'_, W>,
    kind: FrameKind,
    records: &mut Vec<T>,
) -> Result<(), BackupError>
where
    W: AsyncWrite + Unpin + Send + ?Sized,
    T: serde::Serialize + Send + 'static,
{
    let records = std::mem::take(records);
    let frame = tokio::task::spawn_blocking(move || {
        let raw = postcard::to_allocvec(&records).expect("records serialize");
        pack(kind, &raw, true)
    })
    .await
    .map_err(|err| BackupError::Io(format!("encoding the snapshot: {err}")))?;
    writer
        .packed(&frame)
        .await
        .map_err(|err| BackupError::Io(format!("writing the snapshot: {err}")))
}

/// Keeps a snapshot to its share of the time: after each frame it pauses
/// for as long as the work since the last pause, scaled.
struct Pacer {
    /// Pause per second of work.
    ratio: f64,
    since: std::time::Instant,
}

impl Pacer {
    fn new(share: f64) -> Self {
        let share = if share.is_finite() {
            share.clamp(0.05, 1.0)
        } else {
            1.0
        };
        Pacer {
            ratio: 1.0 / share - 1.0,
            since: std::time::Instant::now(),
        }
    }

    async fn pause(&mut self) {
        if self.ratio > 0.0 {
            let worked = self.since.elapsed();
            tokio::time::sleep(worked.mul_f64(self.ratio)).await;
        }
        self.since = std::time::Instant::now();
    }
}
