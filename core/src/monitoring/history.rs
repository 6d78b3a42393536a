//! The metrics history's write and read paths: pushed samples wait in an
//! in-memory buffer (read by queries too) until the flush writes them, one
//! commit per interval, as blocks of every tier; the leader compacts
//! segments and removes expired ones in bounded steps.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clusterdb_storage::{Commit, CommitError, Engine, Op, Precondition};
use serde::{Deserialize, Serialize};

use super::block::{self, SeriesData, Tier};
use super::sample::{Point, Sample, SeriesKey};
use crate::error::{Error, Result};
use crate::keys;

const SERIES_SCHEMA: u16 = 1;
/// Ops one history commit carries at most (etcd allows 128 per txn).
const MAX_COMMIT_OPS: usize = 64;
/// Bytes one history commit carries at most (etcd takes 1.5 MiB).
const MAX_COMMIT_BYTES: usize = 1024 * 1024;
/// How often a series record's `last_seen` is refreshed at most.
const LAST_SEEN_REFRESH_MS: i64 = 3_600_000;
/// A segment is closed (no more flushes expected) this long after it ends.
const CLOSE_GRACE_MS: i64 = 120_000;
/// How far ahead of the server's clock a sample's timestamp may be.
pub const MAX_FUTURE_MS: i64 = 300_000;

/// How much history is kept, and how series are bounded.
#[derive(Debug, Clone, PartialEq)]
pub struct MonitoringConfig {
    /// Raw points are kept this long.
    pub raw_retention: Duration,
    /// 1-minute rollups are kept this long.
    pub minute_retention: Duration,
    /// 1-hour rollups are kept this long (and series not seen for this
    /// long are forgotten).
    pub hour_retention: Duration,
    /// Series one service may have.
    pub max_series_per_service: usize,
    /// Series the store may have.
    pub max_series: usize,
    /// Samples waiting for the flush at most; a push beyond is refused
    /// with `UNAVAILABLE` (retry after the next flush).
    pub max_buffered_samples: usize,
    /// How often the buffer is written to the store (sooner when a
    /// quarter of `max_buffered_samples` waits).
    pub flush_interval: Duration,
    /// How often the server samples its own metrics and its fleets and
    /// functions.
    pub sample_interval: Duration,
    /// How often alert rules are evaluated.
    pub evaluation_interval: Duration,
    /// Resolved alerts stay listed this long.
    pub resolved_retention: Duration,
    /// This process's name in the `instance` label of the function
    /// statistics it samples.
    pub instance: String,
}

impl Default for MonitoringConfig {
    fn default() -> Self {
        MonitoringConfig {
            raw_retention: Duration::from_secs(6 * 3600),
            minute_retention: Duration::from_secs(7 * 86_400),
            hour_retention: Duration::from_secs(90 * 86_400),
            max_series_per_service: 2_000,
            max_series: 50_000,
            max_buffered_samples: 2_000_000,
            flush_interval: Duration::from_secs(10),
            sample_interval: Duration::from_secs(10),
            evaluation_interval: Duration::from_secs(15),
            resolved_retention: Duration::from_secs(15 * 60),
            instance: "local".into(),
        }
    }
}

impl MonitoringConfig {
    /// How long `tier` is kept, in milliseconds.
    pub fn retention_ms(&self, tier: Tier) -> i64 {
        let retention = match tier {
            Tier::Raw => self.raw_retention,
            Tier::Minute => self.minute_retention,
            Tier::Hour => self.hour_retention,
        };
        retention.as_millis().min(i64::MAX as u128) as i64
    }
}

/// A series as stored: its key, its type, when it was last seen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesRecord {
    /// The series.
    pub key: SeriesKey,
    /// Whether it is a counter.
    pub counter: bool,
    /// Unix milliseconds of its newest sample (refreshed hourly).
    pub last_seen: i64,
}

impl SeriesRecord {
    fn encode(&self) -> Vec<u8> {
        clusterdb_storage::envelope::encode(SERIES_SCHEMA, self)
    }

    fn decode(bytes: &[u8]) -> Result<Self> {
        clusterdb_storage::envelope::decode(bytes, SERIES_SCHEMA)
            .map(|(_, record)| record)
            .map_err(|e| Error::Internal(format!("corrupt series record: {e}")))
    }
}

/// What a push did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PushReport {
    /// Samples taken.
    pub accepted: usize,
    /// Samples left out, by their index in the push, with the reason
    /// (outside the kept time range, or not a finite number).
    pub dropped: Vec<(usize, String)>,
}

/// A series this process knows.
struct Known {
    key: Arc<SeriesKey>,
    counter: bool,
    /// Newest sample seen here.
    last_seen: i64,
    /// `last_seen` as stored (`None`: not stored by this process yet).
    stored_seen: Option<i64>,
}

#[derive(Default)]
struct State {
    loaded: bool,
    series: HashMap<u64, Known>,
    per_service: HashMap<String, usize>,
    /// Points not yet flushed, by series id.
    buffer: HashMap<u64, Vec<Point>>,
    buffered: usize,
}

/// The history's in-process half: series and unflushed samples.
pub(crate) struct History {
    state: Mutex<State>,
    /// Held shared by readers (store, then buffer) and exclusively by the
    /// flush (buffer out, then store), so a reader never misses points in
    /// flight.
    gate: tokio::sync::RwLock<()>,
    config: MonitoringConfig,
    /// Tells this process's block keys from another's.
    nonce: u32,
    sequence: std::sync::atomic::AtomicU32,
    /// Where the sweep of series records stopped.
    sweep: Mutex<Option<Vec<u8>>>,
    /// Wakes the flush early when a quarter of the buffer's bound waits.
    pub(crate) flush_soon: tokio::sync::Notify,
}

impl History {
    pub fn new(config: MonitoringConfig) -> Self {
        let nonce = rand_u32();
        History {
            state: Mutex::new(State::default()),
            gate: tokio::sync::RwLock::new(()),
            config,
            nonce,
            sequence: Default::default(),
            sweep: Mutex::new(None),
            flush_soon: tokio::sync::Notify::new(),
        }
    }

    pub fn config(&self) -> &MonitoringConfig {
        &self.config
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A key suffix no other block has.
    fn block_suffix(&self, prefix: char, now: i64) -> String {
        let n = self
            .sequence
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        format!("{prefix}{now:013}-{:08x}-{n:08x}", self.nonce)
    }

    /// Series (and their count per service) as stored, read once.
    async fn load(&self, engine: &dyn Engine) -> Result<()> {
        if self.lock().loaded {
            return Ok(());
        }
        let mut records = Vec::new();
        scan(engine, &keys::metric_series_all(), 1000, |key, value| {
            match SeriesRecord::decode(value) {
                Ok(record) => records.push(record),
                Err(err) => {
                    tracing::warn!(key = %String::from_utf8_lossy(key), %err, "skipping a series record")
                }
            }
            Ok(())
        })
        .await?;
        let mut state = self.lock();
        if state.loaded {
            return Ok(());
        }
        for record in records {
            let id = record.key.id();
            if state.series.contains_key(&id) {
                continue;
            }
            *state
                .per_service
                .entry(record.key.service.clone())
                .or_default() += 1;
            state.series.insert(
                id,
                Known {
                    key: Arc::new(record.key),
                    counter: record.counter,
                    last_seen: record.last_seen,
                    stored_seen: Some(record.last_seen),
                },
            );
        }
        state.loaded = true;
        Ok(())
    }

    /// Takes samples into the buffer: all of them, or (over a series cap
    /// or the buffer's bound) none. Invalid ones fail the push; those
    /// outside the kept time range or not finite are left out and
    /// reported.
    pub async fn push(
        &self,
        engine: &dyn Engine,
        samples: Vec<Sample>,
        now: i64,
    ) -> Result<PushReport> {
        if samples.len() > super::MAX_PUSH_SAMPLES {
            return Err(Error::invalid(
                super::sample::SUBJECT,
                "samples",
                format!("must hold at most {} samples", super::MAX_PUSH_SAMPLES),
            ));
        }
        for (i, sample) in samples.iter().enumerate() {
            sample.series.validate(|| format!("samples[{i}]"))?;
        }
        self.load(engine).await?;
        let oldest = now - self.config.retention_ms(Tier::Hour);
        let mut report = PushReport::default();
        let mut taken = Vec::with_capacity(samples.len());
        for (i, sample) in samples.into_iter().enumerate() {
            let t = sample.timestamp.unwrap_or(now);
            if !sample.value.is_finite() {
                report
                    .dropped
                    .push((i, "the value is not a finite number".into()));
            } else if t < oldest {
                report
                    .dropped
                    .push((i, "older than the history keeps".into()));
            } else if t > now + MAX_FUTURE_MS {
                report
                    .dropped
                    .push((i, "more than 5 minutes in the future".into()));
            } else {
                taken.push((sample, t));
            }
        }
        let mut state = self.lock();
        // Check the caps for every new series first: all or nothing.
        let mut new_per_service: HashMap<&str, usize> = HashMap::new();
        let mut new_ids = HashSet::new();
        for (sample, _) in &taken {
            let id = sample.series.id();
            if !state.series.contains_key(&id) && new_ids.insert(id) {
                *new_per_service.entry(&sample.series.service).or_default() += 1;
            }
        }
        for (service, new) in &new_per_service {
            let has = state.per_service.get(*service).copied().unwrap_or(0);
            if has + new > self.config.max_series_per_service {
                return Err(Error::QuotaExceeded {
                    quota: "metric_series_per_service",
                    limit: self.config.max_series_per_service as u64,
                    message: format!(
                        "service {service:?} has {has} series; {new} more would pass its limit of {}",
                        self.config.max_series_per_service
                    ),
                });
            }
        }
        if state.series.len() + new_ids.len() > self.config.max_series {
            return Err(Error::QuotaExceeded {
                quota: "metric_series",
                limit: self.config.max_series as u64,
                message: format!(
                    "the store has {} series; {} more would pass the limit of {}",
                    state.series.len(),
                    new_ids.len(),
                    self.config.max_series
                ),
            });
        }
        if state.buffered + taken.len() > self.config.max_buffered_samples {
            return Err(Error::Overloaded {
                message: format!(
                    "{} samples are waiting to be written (at most {}); retry after the next flush",
                    state.buffered, self.config.max_buffered_samples
                ),
                retry_after_secs: self.config.flush_interval.as_secs().max(1) as u32,
            });
        }
        report.accepted = taken.len();
        state.buffered += taken.len();
        if state.buffered >= self.config.max_buffered_samples / 4 {
            self.flush_soon.notify_one();
        }
        for (sample, t) in taken {
            let id = sample.series.id();
            let point = Point { t, v: sample.value };
            let known = match state.series.get_mut(&id) {
                Some(known) => known,
                None => {
                    let counter = sample
                        .counter
                        .unwrap_or_else(|| sample.series.looks_like_counter());
                    *state
                        .per_service
                        .entry(sample.series.service.clone())
                        .or_default() += 1;
                    state.series.entry(id).or_insert(Known {
                        key: Arc::new(sample.series),
                        counter,
                        last_seen: t,
                        stored_seen: None,
                    })
                }
            };
            known.last_seen = known.last_seen.max(t);
            state.buffer.entry(id).or_default().push(point);
        }
        Ok(report)
    }

    /// Samples waiting for the flush.
    pub fn buffered(&self) -> usize {
        self.lock().buffered
    }

    /// Series this process knows.
    pub fn series_count(&self) -> usize {
        self.lock().series.len()
    }

    /// Writes the buffer to the store: a block per (tier, service,
    /// segment) touched, the segments' index and compaction entries, and
    /// the records of new (or long unseen) series — in one commit unless
    /// it is too large for one. Returns the samples written.
    pub async fn flush(&self, engine: &dyn Engine, now: i64) -> Result<usize> {
        let _gate = self.gate.write().await;
        let (buffer, records, count) = {
            let mut state = self.lock();
            let buffer = std::mem::take(&mut state.buffer);
            let count = std::mem::take(&mut state.buffered);
            let mut records = Vec::new();
            // Only series with buffered points can be new or newly seen.
            for id in buffer.keys() {
                let Some(known) = state.series.get_mut(id) else {
                    continue;
                };
                let stale = known
                    .stored_seen
                    .is_none_or(|seen| known.last_seen - seen >= LAST_SEEN_REFRESH_MS);
                if stale {
                    known.stored_seen = Some(known.last_seen);
                    records.push(SeriesRecord {
                        key: (*known.key).clone(),
                        counter: known.counter,
                        last_seen: known.last_seen,
                    });
                }
            }
            let buffer: Vec<(Arc<SeriesKey>, u64, Vec<Point>)> = buffer
                .into_iter()
                .filter_map(|(id, points)| {
                    let key = Arc::clone(&state.series.get(&id)?.key);
                    Some((key, id, points))
                })
                .collect();
            (buffer, records, count)
        };
        if count == 0 && records.is_empty() {
            return Ok(0);
        }
        // (tier, service, segment) → the data to write there.
        let mut segments: BTreeMap<(Tier, &str, i64), SeriesData> = BTreeMap::new();
        for (key, id, points) in &buffer {
            for point in points {
                let segment = Tier::Raw.segment_of(point.t);
                segments
                    .entry((Tier::Raw, &key.service, segment))
                    .or_default()
                    .raw
                    .entry(*id)
                    .or_default()
                    .push(*point);
            }
            for tier in [Tier::Minute, Tier::Hour] {
                let bucket = tier.bucket_ms().unwrap_or(1);
                for rollup in block::roll_up(points, bucket) {
                    segments
                        .entry((tier, &key.service, tier.segment_of(rollup.start)))
                        .or_default()
                        .rollups
                        .entry(*id)
                        .or_default()
                        .push(rollup);
                }
            }
        }
        // A segment's index entry and compaction marker go before its
        // blocks: should a large flush be cut into several commits and the
        // process stop between them, no block is left that retention
        // cannot find.
        let mut ops = Vec::new();
        for ((tier, service, segment), mut data) in segments {
            data.normalize();
            ops.push(Op::Put(
                keys::metric_segment(tier.as_str(), segment, service),
                Vec::new(),
            ));
            ops.push(Op::Put(
                keys::metric_dirty_segment(tier.as_str(), service, segment),
                Vec::new(),
            ));
            let prefix = keys::metric_blocks(tier.as_str(), service, segment);
            for value in data.into_blocks() {
                let kind = if value.len() >= SEAL_BYTES {
                    SEALED as char
                } else {
                    'f'
                };
                let key = [prefix.as_slice(), self.block_suffix(kind, now).as_bytes()].concat();
                ops.push(Op::Put(key, value));
            }
        }
        for record in records {
            ops.push(Op::Put(
                keys::metric_series(&record.key.service, record.key.id()),
                record.encode(),
            ));
        }
        commit_in_pieces(engine, ops, Vec::new()).await?;
        Ok(count)
    }

    /// The series of `service` (stored, and new ones still in the buffer)
    /// whose metric is `metric` (any when `None`) and that carry every
    /// label of `labels`, with the data of `tier` from `start` to `end`.
    pub async fn read(
        &self,
        engine: &dyn Engine,
        selector: &Selector<'_>,
        tier: Tier,
        start: i64,
        end: i64,
    ) -> Result<(Vec<SeriesRecord>, SeriesData)> {
        let _gate = self.gate.read().await;
        let mut series: BTreeMap<u64, SeriesRecord> = BTreeMap::new();
        scan(
            engine,
            &keys::metric_series_of(selector.service),
            1000,
            |_, value| {
                let record = SeriesRecord::decode(value)?;
                if selector.selects(&record.key) {
                    series.insert(record.key.id(), record);
                }
                Ok(())
            },
        )
        .await?;
        // Series only this process has seen so far (not yet stored, so
        // with points in the buffer).
        let unflushed: Vec<(u64, SeriesRecord)> = {
            let state = self.lock();
            state
                .buffer
                .keys()
                .filter_map(|id| Some((id, state.series.get(id)?)))
                .filter(|(id, known)| {
                    known.stored_seen.is_none()
                        && !series.contains_key(id)
                        && selector.selects(&known.key)
                })
                .map(|(id, known)| {
                    (
                        *id,
                        SeriesRecord {
                            key: (*known.key).clone(),
                            counter: known.counter,
                            last_seen: known.last_seen,
                        },
                    )
                })
                .collect()
        };
        series.extend(unflushed);
        let wanted: HashSet<u64> = series.keys().copied().collect();
        let mut data = SeriesData::default();
        if !wanted.is_empty() {
            let mut segment = tier.segment_of(start);
            while segment <= end {
                let prefix = keys::metric_blocks(tier.as_str(), selector.service, segment);
                scan(engine, &prefix, 256, |_, value| {
                    data.add(block::decode(value)?, Some(&wanted));
                    Ok(())
                })
                .await?;
                segment += tier.segment_ms();
            }
            // What the buffer holds, at this tier.
            let state = self.lock();
            for id in &wanted {
                let Some(points) = state.buffer.get(id) else {
                    continue;
                };
                match tier.bucket_ms() {
                    None => data.raw.entry(*id).or_default().extend(points),
                    Some(bucket) => data
                        .rollups
                        .entry(*id)
                        .or_default()
                        .extend(block::roll_up(points, bucket)),
                }
            }
        }
        data.normalize();
        Ok((series.into_values().collect(), data))
    }
}

/// Which series a read selects.
#[derive(Debug, Clone, Copy)]
pub struct Selector<'a> {
    /// The service.
    pub service: &'a str,
    /// Only this metric.
    pub metric: Option<&'a str>,
    /// Only series with these labels.
    pub labels: &'a BTreeMap<String, String>,
}

impl Selector<'_> {
    fn selects(&self, key: &SeriesKey) -> bool {
        key.service == self.service
            && self.metric.is_none_or(|m| m == key.metric)
            && key.matches(self.labels)
    }
}

/// Calls `visit` with every key and value under `prefix`, reading `page`
/// entries at a time (each page from one snapshot).
async fn scan(
    engine: &dyn Engine,
    prefix: &[u8],
    page: usize,
    mut visit: impl FnMut(&[u8], &[u8]) -> Result<()>,
) -> Result<()> {
    let mut after: Option<Vec<u8>> = None;
    loop {
        let entries = engine.range(prefix, after.as_deref(), page).await?;
        for (key, entry) in &entries.entries {
            visit(key, &entry.value)?;
        }
        if !entries.more {
            return Ok(());
        }
        after = entries.entries.last().map(|(key, _)| key.clone());
    }
}

/// Commits `ops` in as few commits as the size bounds allow, each with
/// `preconditions` (the leader's fence).
async fn commit_in_pieces(
    engine: &dyn Engine,
    ops: Vec<Op>,
    preconditions: Vec<Precondition>,
) -> Result<()> {
    let mut piece = Vec::new();
    let mut bytes = 0;
    let op_bytes = |op: &Op| match op {
        Op::Put(key, value) => key.len() + value.len(),
        Op::Delete(key) => key.len(),
    };
    for op in ops {
        let size = op_bytes(&op);
        if !piece.is_empty() && (piece.len() >= MAX_COMMIT_OPS || bytes + size > MAX_COMMIT_BYTES) {
            commit(engine, std::mem::take(&mut piece), preconditions.clone()).await?;
            bytes = 0;
        }
        bytes += size;
        piece.push(op);
    }
    if !piece.is_empty() {
        commit(engine, piece, preconditions).await?;
    }
    Ok(())
}

async fn commit(engine: &dyn Engine, ops: Vec<Op>, preconditions: Vec<Precondition>) -> Result<()> {
    let commit = Commit {
        preconditions,
        ops,
        events: Vec::new(),
    };
    match engine.commit(commit).await {
        Ok(_) => Ok(()),
        Err(CommitError::PreconditionFailed(_)) => Err(Error::Unavailable(
            "this process no longer leads the background work".into(),
        )),
        Err(CommitError::Storage(err)) => Err(err.into()),
    }
}

/// What one maintenance step did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MaintenanceReport {
    /// Blocks merged into fewer.
    pub blocks_compacted: usize,
    /// Blocks removed as expired.
    pub blocks_expired: usize,
    /// Series records removed (no sample for the longest retention).
    pub series_forgotten: usize,
}

/// The first byte of a sealed block's key suffix (sorting after `f`lushed
/// and `m`erged ones): a block of at least [`SEAL_BYTES`] is never merged
/// again.
const SEALED: u8 = b'z';
/// Blocks this large are sealed.
const SEAL_BYTES: usize = 128 * 1024;
/// Blocks one compaction commit merges at most.
const MAX_MERGE_BLOCKS: usize = 48;
/// Bytes of blocks one compaction commit merges at most.
const MAX_MERGE_BYTES: usize = 768 * 1024;
/// Segments one maintenance step looks at per tier.
const SEGMENTS_PER_STEP: usize = 64;
/// Keys one maintenance step deletes at most per tier.
const DELETES_PER_STEP: usize = 512;

impl History {
    /// One bounded maintenance step (the leader runs it every minute):
    /// merges the blocks of segments that have several, forgets segments
    /// past their tier's retention and series not seen for the longest
    /// one. Every write carries `fence`.
    pub async fn maintain(
        &self,
        engine: &dyn Engine,
        now: i64,
        fence: Option<Precondition>,
    ) -> Result<MaintenanceReport> {
        let mut report = MaintenanceReport::default();
        let fence: Vec<Precondition> = fence.into_iter().collect();
        for tier in Tier::ALL {
            self.compact_tier(engine, tier, now, &fence, &mut report)
                .await?;
            self.expire_tier(engine, tier, now, &fence, &mut report)
                .await?;
        }
        self.forget_series(engine, now, &fence, &mut report).await?;
        Ok(report)
    }

    async fn compact_tier(
        &self,
        engine: &dyn Engine,
        tier: Tier,
        now: i64,
        fence: &[Precondition],
        report: &mut MaintenanceReport,
    ) -> Result<()> {
        let prefix = keys::metric_dirty_segments(tier.as_str());
        let page = engine.range(&prefix, None, SEGMENTS_PER_STEP).await?;
        for (marker_key, marker) in page.entries {
            let Some((service, segment)) = parse_dirty(&marker_key[prefix.len()..]) else {
                continue;
            };
            let blocks_prefix = keys::metric_blocks(tier.as_str(), &service, segment);
            let blocks = engine.range(&blocks_prefix, None, MAX_MERGE_BLOCKS).await?;
            // Sealed blocks sort last and are never merged again, so
            // every merge leaves fewer small blocks than it took.
            let small: Vec<_> = blocks
                .entries
                .iter()
                .take_while(|(key, _)| key.get(blocks_prefix.len()) != Some(&SEALED))
                .collect();
            let more_small = blocks.more && small.len() == blocks.entries.len();
            let mut chosen = Vec::new();
            let mut bytes = 0;
            for &(key, entry) in &small {
                if chosen.len() >= 2 && bytes + entry.value.len() > MAX_MERGE_BYTES {
                    break;
                }
                bytes += entry.value.len();
                chosen.push((key.clone(), entry));
            }
            let closed = segment + tier.segment_ms() + CLOSE_GRACE_MS <= now;
            if chosen.len() >= 2 {
                let mut data = SeriesData::default();
                for (_, entry) in &chosen {
                    data.add(block::decode(&entry.value)?, None);
                }
                data.normalize();
                let mut preconditions = fence.to_vec();
                let mut ops = Vec::new();
                for (key, entry) in &chosen {
                    preconditions.push(Precondition::AtRevision(key.clone(), entry.mod_revision));
                    ops.push(Op::Delete(key.clone()));
                }
                for value in data.into_blocks() {
                    let kind = if value.len() >= SEAL_BYTES {
                        SEALED as char
                    } else {
                        'm'
                    };
                    let key = [
                        blocks_prefix.as_slice(),
                        self.block_suffix(kind, now).as_bytes(),
                    ]
                    .concat();
                    ops.push(Op::Put(key, value));
                }
                let merged = chosen.len();
                match engine
                    .commit(Commit {
                        preconditions,
                        ops,
                        events: Vec::new(),
                    })
                    .await
                {
                    Ok(_) => report.blocks_compacted += merged,
                    // A flush or another compaction got there first:
                    // the next step looks again.
                    Err(CommitError::PreconditionFailed(_)) => {}
                    Err(CommitError::Storage(err)) => return Err(err.into()),
                }
            } else if closed && !more_small {
                // At most one small block: nothing left to merge.
                let mut preconditions = fence.to_vec();
                preconditions.push(Precondition::AtRevision(
                    marker_key.clone(),
                    marker.mod_revision,
                ));
                let commit = Commit {
                    preconditions,
                    ops: vec![Op::Delete(marker_key)],
                    events: Vec::new(),
                };
                match engine.commit(commit).await {
                    Ok(_) | Err(CommitError::PreconditionFailed(_)) => {}
                    Err(CommitError::Storage(err)) => return Err(err.into()),
                }
            }
        }
        Ok(())
    }

    async fn expire_tier(
        &self,
        engine: &dyn Engine,
        tier: Tier,
        now: i64,
        fence: &[Precondition],
        report: &mut MaintenanceReport,
    ) -> Result<()> {
        let horizon = now - self.config.retention_ms(tier);
        let prefix = keys::metric_segments(tier.as_str());
        let page = engine.range(&prefix, None, SEGMENTS_PER_STEP).await?;
        let mut budget = DELETES_PER_STEP;
        for (index_key, _) in page.entries {
            let Some((segment, service)) = parse_segment(&index_key[prefix.len()..]) else {
                continue;
            };
            // Oldest first: the first segment still in range ends the step.
            if segment + tier.segment_ms() > horizon || budget == 0 {
                break;
            }
            let blocks_prefix = keys::metric_blocks(tier.as_str(), &service, segment);
            let blocks = engine
                .range(&blocks_prefix, None, budget.min(MAX_COMMIT_OPS))
                .await?;
            let mut ops: Vec<Op> = blocks
                .entries
                .iter()
                .map(|(key, _)| Op::Delete(key.clone()))
                .collect();
            let removed = ops.len();
            if !blocks.more {
                ops.push(Op::Delete(index_key));
                ops.push(Op::Delete(keys::metric_dirty_segment(
                    tier.as_str(),
                    &service,
                    segment,
                )));
            }
            commit(engine, ops, fence.to_vec()).await?;
            report.blocks_expired += removed;
            budget = budget.saturating_sub(removed.max(1));
        }
        Ok(())
    }

    async fn forget_series(
        &self,
        engine: &dyn Engine,
        now: i64,
        fence: &[Precondition],
        report: &mut MaintenanceReport,
    ) -> Result<()> {
        let horizon = now - self.config.retention_ms(Tier::Hour);
        // Resume where the last step stopped.
        let start_after = self.sweep.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let prefix = keys::metric_series_all();
        let page = engine
            .range(&prefix, start_after.as_deref(), DELETES_PER_STEP)
            .await?;
        let mut ops = Vec::new();
        let mut forgotten = Vec::new();
        for (key, entry) in &page.entries {
            if let Ok(record) = SeriesRecord::decode(&entry.value)
                && record.last_seen < horizon
            {
                ops.push(Op::Delete(key.clone()));
                forgotten.push(record.key);
            }
        }
        *self.sweep.lock().unwrap_or_else(|e| e.into_inner()) = if page.more {
            page.entries.last().map(|(key, _)| key.clone())
        } else {
            None
        };
        if ops.is_empty() {
            return Ok(());
        }
        report.series_forgotten += ops.len();
        commit_in_pieces(engine, ops, fence.to_vec()).await?;
        let mut state = self.lock();
        for key in forgotten {
            let id = key.id();
            if state.series.get(&id).is_some_and(|k| k.last_seen < horizon) {
                state.series.remove(&id);
                if let Some(count) = state.per_service.get_mut(&key.service) {
                    *count = count.saturating_sub(1);
                }
            }
        }
        Ok(())
    }
}

/// `{service}\0{segment}` of a compaction marker.
fn parse_dirty(rest: &[u8]) -> Option<(String, i64)> {
    let split = rest.iter().position(|b| *b == 0)?;
    let service = std::str::from_utf8(&rest[..split]).ok()?.to_string();
    let segment = std::str::from_utf8(&rest[split + 1..]).ok()?.parse().ok()?;
    Some((service, segment))
}

/// `{segment}\0{service}` of a segment index entry.
fn parse_segment(rest: &[u8]) -> Option<(i64, String)> {
    let split = rest.iter().position(|b| *b == 0)?;
    let segment = std::str::from_utf8(&rest[..split]).ok()?.parse().ok()?;
    let service = std::str::from_utf8(&rest[split + 1..]).ok()?.to_string();
    Some((segment, service))
}

fn rand_u32() -> u32 {
    let mut bytes = [0u8; 4];
    // The system random source failing leaves zeros: keys then differ by
    // their time and sequence only, which one process never repeats.
    let _ = ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes);
    u32::from_be_bytes(bytes)
}
