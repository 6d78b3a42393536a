//! How the history stores points: three tiers (raw points, 1-minute and
//! 1-hour rollups), each cut into time segments; a segment holds blocks,
//! each block the points (or partial rollups) of many series. A flush
//! adds one block per (tier, service, segment) it touches; compaction
//! merges a segment's blocks into fewer. Rollups are mergeable (min, max,
//! sum, count, first, last), so partial rollups of the same bucket from
//! different flushes combine exactly.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::sample::Point;
use crate::error::{Error, Result};

const SCHEMA: u16 = 1;
/// Largest block value written (etcd takes 1.5 MiB per request).
pub const MAX_BLOCK_BYTES: usize = 512 * 1024;

/// A resolution the history keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tier {
    /// Every point as sampled or pushed.
    Raw,
    /// One rollup per series per minute.
    Minute,
    /// One rollup per series per hour.
    Hour,
}

impl Tier {
    /// Finest first.
    pub const ALL: [Tier; 3] = [Tier::Raw, Tier::Minute, Tier::Hour];

    /// Its name in keys and answers: `raw`, `1m`, `1h`.
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Raw => "raw",
            Tier::Minute => "1m",
            Tier::Hour => "1h",
        }
    }

    /// The width of one rollup bucket (raw: `None`).
    pub fn bucket_ms(self) -> Option<i64> {
        match self {
            Tier::Raw => None,
            Tier::Minute => Some(60_000),
            Tier::Hour => Some(3_600_000),
        }
    }

    /// The finest step a query at this tier answers with (raw: the
    /// sampling interval).
    pub fn resolution_ms(self) -> i64 {
        self.bucket_ms().unwrap_or(10_000)
    }

    /// The width of one segment: what one block key covers in time.
    pub fn segment_ms(self) -> i64 {
        match self {
            Tier::Raw => 3_600_000,
            Tier::Minute => 86_400_000,
            Tier::Hour => 30 * 86_400_000,
        }
    }

    /// The start of the segment holding `t`.
    pub fn segment_of(self, t: i64) -> i64 {
        t.div_euclid(self.segment_ms()) * self.segment_ms()
    }
}

/// The aggregate of one series' points in one bucket.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Rollup {
    /// The bucket's start, Unix milliseconds.
    pub start: i64,
    /// Points aggregated.
    pub count: u64,
    /// Their sum.
    pub sum: f64,
    /// The smallest.
    pub min: f64,
    /// The largest.
    pub max: f64,
    /// The earliest point (time, value).
    pub first: (i64, f64),
    /// The latest point (time, value).
    pub last: (i64, f64),
}

impl Rollup {
    /// The rollup of one point in the bucket starting at `start`.
    pub fn of(start: i64, point: Point) -> Self {
        Rollup {
            start,
            count: 1,
            sum: point.v,
            min: point.v,
            max: point.v,
            first: (point.t, point.v),
            last: (point.t, point.v),
        }
    }

    /// Adds what `other` (the same bucket) aggregated.
    pub fn merge(&mut self, other: &Rollup) {
        self.count += other.count;
        self.sum += other.sum;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
        if other.first.0 < self.first.0 {
            self.first = other.first;
        }
        if other.last.0 >= self.last.0 {
            self.last = other.last;
        }
    }

    /// The mean.
    pub fn avg(&self) -> f64 {
        self.sum / self.count as f64
    }
}

/// Rolls points up into buckets of `bucket_ms`, sorted by start.
pub fn roll_up(points: &[Point], bucket_ms: i64) -> Vec<Rollup> {
    let mut buckets: BTreeMap<i64, Rollup> = BTreeMap::new();
    for point in points {
        let start = point.t.div_euclid(bucket_ms) * bucket_ms;
        let next = Rollup::of(start, *point);
        buckets
            .entry(start)
            .and_modify(|r| r.merge(&next))
            .or_insert(next);
    }
    buckets.into_values().collect()
}

/// Merges rollups sorted by start (several may share a bucket) into one
/// per bucket.
pub fn merge_rollups(rollups: impl IntoIterator<Item = Rollup>) -> Vec<Rollup> {
    let mut buckets: BTreeMap<i64, Rollup> = BTreeMap::new();
    for rollup in rollups {
        buckets
            .entry(rollup.start)
            .and_modify(|r| r.merge(&rollup))
            .or_insert(rollup);
    }
    buckets.into_values().collect()
}

/// One stored block: for each series id, its points or rollups in the
/// block's segment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Block {
    /// Raw points, sorted by time per series.
    Raw(Vec<(u64, Vec<Point>)>),
    /// Rollups, sorted by bucket per series.
    Rollup(Vec<(u64, Vec<Rollup>)>),
}

/// The points of many series, at one tier.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SeriesData {
    /// Raw points by series id.
    pub raw: BTreeMap<u64, Vec<Point>>,
    /// Rollups by series id.
    pub rollups: BTreeMap<u64, Vec<Rollup>>,
}

impl SeriesData {
    /// Adds a block's contents, keeping only `wanted` series (all when
    /// `None`).
    pub fn add(&mut self, block: Block, wanted: Option<&std::collections::HashSet<u64>>) {
        let keep = |id: &u64| wanted.is_none_or(|w| w.contains(id));
        match block {
            Block::Raw(series) => {
                for (id, points) in series.into_iter().filter(|(id, _)| keep(id)) {
                    self.raw.entry(id).or_default().extend(points);
                }
            }
            Block::Rollup(series) => {
                for (id, rollups) in series.into_iter().filter(|(id, _)| keep(id)) {
                    self.rollups.entry(id).or_default().extend(rollups);
                }
            }
        }
    }

    /// Sorts raw points by time and merges rollups of the same bucket.
    pub fn normalize(&mut self) {
        for points in self.raw.values_mut() {
            points.sort_by_key(|p| p.t);
        }
        for rollups in self.rollups.values_mut() {
            *rollups = merge_rollups(std::mem::take(rollups));
        }
    }

    /// Cuts the data into encoded blocks of at most about
    /// [`MAX_BLOCK_BYTES`] each (a series is never split).
    pub fn into_blocks(self) -> Vec<Vec<u8>> {
        // Upper bounds of the encoded sizes: id, length, then each entry.
        const RAW_POINT: usize = 10 + 8;
        const ROLLUP: usize = 10 * 4 + 8 * 6;
        let mut out = Vec::new();
        let mut raw = Vec::new();
        let mut size = 0;
        for (id, points) in self.raw {
            let bytes = 20 + points.len() * RAW_POINT;
            if size + bytes > MAX_BLOCK_BYTES && !raw.is_empty() {
                out.push(encode(&Block::Raw(std::mem::take(&mut raw))));
                size = 0;
            }
            size += bytes;
            raw.push((id, points));
        }
        if !raw.is_empty() {
            out.push(encode(&Block::Raw(raw)));
        }
        let mut rollups = Vec::new();
        size = 0;
        for (id, series) in self.rollups {
            let bytes = 20 + series.len() * ROLLUP;
            if size + bytes > MAX_BLOCK_BYTES && !rollups.is_empty() {
                out.push(encode(&Block::Rollup(std::mem::take(&mut rollups))));
                size = 0;
            }
            size += bytes;
            rollups.push((id, series));
        }
        if !rollups.is_empty() {
            out.push(encode(&Block::Rollup(rollups)));
        }
        out
    }
}

/// The stored form of a block.
pub fn encode(block: &Block) -> Vec<u8> {
    clusterdb_storage::envelope::encode(SCHEMA, block)
}

/// Reads a stored block.
pub fn decode(bytes: &[u8]) -> Result<Block> {
    clusterdb_storage::envelope::decode(bytes, SCHEMA)
        .map(|(_, block)| block)
        .map_err(|e| Error::Internal(format!("corrupt metrics block: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn points() -> impl Strategy<Value = Vec<Point>> {
        proptest::collection::vec(
            (0i64..10_000_000, -1e6f64..1e6).prop_map(|(t, v)| Point { t, v }),
            0..200,
        )
    }

    /// The naive model: per bucket, the aggregates computed directly.
    fn model(points: &[Point], bucket: i64) -> BTreeMap<i64, (u64, f64, f64, f64)> {
        let mut out: BTreeMap<i64, Vec<f64>> = BTreeMap::new();
        for p in points {
            out.entry(p.t.div_euclid(bucket) * bucket)
                .or_default()
                .push(p.v);
        }
        out.into_iter()
            .map(|(start, values)| {
                let min = values.iter().copied().fold(f64::INFINITY, f64::min);
                let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                (start, (values.len() as u64, values.iter().sum(), min, max))
            })
            .collect()
    }

    proptest! {
        /// Rolling up in arbitrary pieces (as flushes do) and merging
        /// gives what rolling up everything at once gives, and both match
        /// the model.
        #[test]
        fn partial_rollups_merge_exactly(points in points(), cuts in proptest::collection::vec(0usize..200, 0..5)) {
            for bucket in [60_000i64, 3_600_000] {
                let mut pieces = Vec::new();
                let mut rest = points.as_slice();
                for cut in &cuts {
                    let (head, tail) = rest.split_at((*cut).min(rest.len()));
                    pieces.extend(roll_up(head, bucket));
                    rest = tail;
                }
                pieces.extend(roll_up(rest, bucket));
                let merged = merge_rollups(pieces);
                let want = model(&points, bucket);
                prop_assert_eq!(merged.len(), want.len());
                for r in &merged {
                    let (count, sum, min, max) = want[&r.start];
                    prop_assert_eq!(r.count, count);
                    prop_assert!((r.sum - sum).abs() <= 1e-6 * (1.0 + sum.abs()));
                    prop_assert_eq!(r.min, min);
                    prop_assert_eq!(r.max, max);
                    let in_bucket: Vec<&Point> = points.iter().filter(|p| p.t.div_euclid(bucket) * bucket == r.start).collect();
                    prop_assert_eq!(r.first.0, in_bucket.iter().map(|p| p.t).min().unwrap());
                    prop_assert_eq!(r.last.0, in_bucket.iter().map(|p| p.t).max().unwrap());
                }
            }
        }

        /// Blocks round-trip, and cutting data into blocks loses nothing.
        #[test]
        fn blocks_round_trip(series in proptest::collection::btree_map(any::<u64>(), points(), 0..20)) {
            let mut data = SeriesData::default();
            for (id, pts) in &series {
                data.raw.insert(*id, pts.clone());
                data.rollups.insert(*id, roll_up(pts, 60_000));
            }
            let want = data.clone();
            let mut back = SeriesData::default();
            for bytes in data.into_blocks() {
                prop_assert!(bytes.len() <= MAX_BLOCK_BYTES + 64 * 1024);
                back.add(decode(&bytes).unwrap(), None);
            }
            // Empty series vanish from nothing: compare the non-empty ones.
            let nonempty = |d: &SeriesData| (d.raw.iter().filter(|(_, p)| !p.is_empty()).map(|(k, v)| (*k, v.clone())).collect::<Vec<_>>(), d.rollups.iter().filter(|(_, r)| !r.is_empty()).map(|(k, v)| (*k, v.clone())).collect::<Vec<_>>());
            prop_assert_eq!(nonempty(&back), nonempty(&want));
        }
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(decode(b"").is_err());
        assert!(decode(&[0xC7, 1, 0xFF, 0xFF]).is_err());
    }

    #[test]
    fn segments_align() {
        assert_eq!(Tier::Raw.segment_of(3_600_000 + 5), 3_600_000);
        assert_eq!(Tier::Raw.segment_of(3_599_999), 0);
        assert_eq!(Tier::Minute.segment_of(86_400_000 * 3 + 1), 86_400_000 * 3);
    }
}
