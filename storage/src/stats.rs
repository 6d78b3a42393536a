//! Figures of an engine's write path since it opened, for metrics: how
//! many commits, how long each waited for its answer, how many went into
//! one durable batch, and how many wait now. Plain atomics, no allocation
//! on the write path.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds of the commit latency histogram, in seconds.
pub const COMMIT_SECONDS_BOUNDS: [f64; 14] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];
/// Upper bounds of the batch size histogram, in commits.
pub const BATCH_SIZE_BOUNDS: [u64; 11] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];

/// A snapshot of an engine's write figures.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WriteStats {
    /// Commits answered (applied, refused by a precondition, or failed).
    pub commits: u64,
    /// Sum of the commits' latencies (from the call to its answer).
    pub commit_seconds_sum: f64,
    /// `(upper bound in seconds, commits at most that slow)`, cumulative;
    /// the last bound is `+Inf`.
    pub commit_seconds: Vec<(f64, u64)>,
    /// Durable batches (write transactions).
    pub batches: u64,
    /// Sum of the batches' sizes, in commits.
    pub batch_size_sum: u64,
    /// `(upper bound in commits, batches at most that large)`, cumulative;
    /// the last bound is `+Inf`.
    pub batch_size: Vec<(f64, u64)>,
    /// Commits waiting for their answer now.
    pub queue_depth: u64,
}

/// Records the write figures; one per engine.
#[derive(Debug, Default)]
pub struct WriteRecorder {
    commits: AtomicU64,
    commit_micros: AtomicU64,
    commit_buckets: [AtomicU64; COMMIT_SECONDS_BOUNDS.len() + 1],
    batches: AtomicU64,
    batch_commits: AtomicU64,
    batch_buckets: [AtomicU64; BATCH_SIZE_BOUNDS.len() + 1],
    waiting: AtomicI64,
}

/// A commit waiting for its answer; counted in the queue until dropped.
#[derive(Debug)]
pub struct Waiting<'a>(&'a WriteRecorder);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.waiting.fetch_sub(1, Ordering::Relaxed);
    }
}

impl WriteRecorder {
    /// A commit starts waiting.
    pub fn waiting(&self) -> Waiting<'_> {
        self.waiting.fetch_add(1, Ordering::Relaxed);
        Waiting(self)
    }

    /// A commit was answered after `latency`.
    pub fn committed(&self, latency: Duration) {
        let seconds = latency.as_secs_f64();
        let bucket = COMMIT_SECONDS_BOUNDS
            .iter()
            .position(|bound| seconds <= *bound)
            .unwrap_or(COMMIT_SECONDS_BOUNDS.len());
        self.commit_buckets[bucket].fetch_add(1, Ordering::Relaxed);
        self.commits.fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        self.commit_micros.fetch_add(micros, Ordering::Relaxed);
    }

    /// A batch of `size` commits was written.
    pub fn batch(&self, size: usize) {
        let size = size as u64;
        let bucket = BATCH_SIZE_BOUNDS
            .iter()
            .position(|bound| size <= *bound)
            .unwrap_or(BATCH_SIZE_BOUNDS.len());
        self.batch_buckets[bucket].fetch_add(1, Ordering::Relaxed);
        self.batches.fetch_add(1, Ordering::Relaxed);
        self.batch_commits.fetch_add(size, Ordering::Relaxed);
    }

    /// The figures now.
    pub fn snapshot(&self) -> WriteStats {
        fn cumulative(bounds: impl Iterator<Item = f64>, counts: &[AtomicU64]) -> Vec<(f64, u64)> {
            let mut total = 0;
            bounds
                .chain(std::iter::once(f64::INFINITY))
                .zip(counts)
                .map(|(bound, count)| {
                    total += count.load(Ordering::Relaxed);
                    (bound, total)
                })
                .collect()
        }
        WriteStats {
            commits: self.commits.load(Ordering::Relaxed),
            commit_seconds_sum: self.commit_micros.load(Ordering::Relaxed) as f64 / 1e6,
            commit_seconds: cumulative(COMMIT_SECONDS_BOUNDS.into_iter(), &self.commit_buckets),
            batches: self.batches.load(Ordering::Relaxed),
            batch_size_sum: self.batch_commits.load(Ordering::Relaxed),
            batch_size: cumulative(
                BATCH_SIZE_BOUNDS.into_iter().map(|b| b as f64),
                &self.batch_buckets,
            ),
            queue_depth: u64::try_from(self.waiting.load(Ordering::Relaxed)).unwrap_or(0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histograms_are_cumulative_and_the_queue_follows_guards() {
        let recorder = WriteRecorder::default();
        {
            let _a = recorder.waiting();
            let _b = recorder.waiting();
            assert_eq!(recorder.snapshot().queue_depth, 2);
        }
        recorder.committed(Duration::from_micros(50));
        recorder.committed(Duration::from_millis(3));
        recorder.committed(Duration::from_secs(9));
        recorder.batch(1);
        recorder.batch(3);
        let stats = recorder.snapshot();
        assert_eq!(stats.queue_depth, 0);
        assert_eq!(stats.commits, 3);
        assert_eq!(stats.commit_seconds.first(), Some(&(0.0001, 1)));
        assert_eq!(stats.commit_seconds.last(), Some(&(f64::INFINITY, 3)));
        let at = |bound: f64| {
            stats
                .commit_seconds
                .iter()
                .find(|(b, _)| *b == bound)
                .unwrap()
                .1
        };
        assert_eq!((at(0.0025), at(0.005), at(5.0)), (1, 2, 2));
        assert_eq!((stats.batches, stats.batch_size_sum), (2, 4));
        assert_eq!(&stats.batch_size[..3], &[(1.0, 1), (2.0, 1), (4.0, 2)]);
        assert!((stats.commit_seconds_sum - 9.00305).abs() < 1e-9);
    }
}
