//! In-process function state and limits: server-wide limits, each
//! function's invocation counters and duration histogram, and the
//! invocations running now (bounded per function and per server). Held in
//! the store's shared state; knows nothing of storage.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use crate::error::{Error, Result};

/// Default largest module a function may upload, in bytes.
pub const DEFAULT_MAX_MODULE_BYTES: usize = 10 << 20;

/// Server-wide limits on functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FunctionLimits {
    /// Invocations running at once across all functions; past it an
    /// invocation is refused (`UNAVAILABLE`, retry later).
    pub max_concurrent: usize,
    /// Largest module a function may upload, in bytes (`QUOTA_EXCEEDED`).
    pub max_module_bytes: usize,
}

impl Default for FunctionLimits {
    fn default() -> Self {
        FunctionLimits {
            max_concurrent: 256,
            max_module_bytes: DEFAULT_MAX_MODULE_BYTES,
        }
    }
}

/// Upper bounds, in milliseconds, of the invocation duration histogram's
/// buckets; a last bucket holds the longer ones.
pub const DURATION_BUCKETS_MS: [u64; 13] =
    [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000];

/// Invocation counters of one function since this process started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FunctionStats {
    /// Every invocation that ran (refused ones are not counted).
    pub invocations: u64,
    /// Invocations that failed (handler error, trap, missing handler).
    pub errors: u64,
    /// Invocations stopped by the time limit.
    pub timeouts: u64,
    /// Invocations refused at a concurrency limit.
    pub throttled: u64,
    /// Sum of the invocations' durations.
    pub total_duration: Duration,
    /// How many invocations took at most each of [`DURATION_BUCKETS_MS`]
    /// (and, last, longer): not cumulative.
    pub duration_buckets: [u64; DURATION_BUCKETS_MS.len() + 1],
}

impl FunctionStats {
    /// The histogram: each bucket's upper bound in ms (`None` for the
    /// last, unbounded one) and its count (not cumulative).
    pub fn duration_histogram(&self) -> impl Iterator<Item = (Option<u64>, u64)> + '_ {
        self.duration_buckets
            .iter()
            .enumerate()
            .map(|(i, count)| (DURATION_BUCKETS_MS.get(i).copied(), *count))
    }

    /// The sum of all durations in whole milliseconds.
    pub fn total_duration_ms(&self) -> u64 {
        u64::try_from(self.total_duration.as_millis()).unwrap_or(u64::MAX)
    }

    /// The duration below which `q` (0..=1) of the invocations ended, as
    /// the upper bound of its histogram bucket; `None` before any.
    pub fn duration_quantile_ms(&self, q: f64) -> Option<u64> {
        let total: u64 = self.duration_buckets.iter().sum();
        if total == 0 {
            return None;
        }
        let rank = ((q.clamp(0.0, 1.0) * total as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (i, count) in self.duration_buckets.iter().enumerate() {
            seen += count;
            if seen >= rank {
                return Some(DURATION_BUCKETS_MS.get(i).copied().unwrap_or(u64::MAX));
            }
        }
        None
    }
}

/// The invocation counters and running invocations of every function, in
/// this process.
/// Functions whose statistics a process keeps; past it, the least
/// recently invoked one's are dropped (deleted functions' go that way).
pub const MAX_FUNCTION_STATS: usize = 10_000;

#[derive(Debug, Default)]
pub(crate) struct InvocationStats {
    by_function: Mutex<StatsById>,
    running: Mutex<Running>,
}

/// Each function's statistics and when (in invocations) it was last used.
#[derive(Debug, Default)]
struct StatsById {
    stats: HashMap<String, (FunctionStats, u64)>,
    clock: u64,
}

impl StatsById {
    /// The entry of `id`, made (dropping the least recently used past
    /// [`MAX_FUNCTION_STATS`]) if absent, marked as used now.
    fn entry(&mut self, id: &str) -> &mut FunctionStats {
        self.clock += 1;
        if !self.stats.contains_key(id) && self.stats.len() >= MAX_FUNCTION_STATS {
            let oldest = self
                .stats
                .iter()
                .min_by_key(|(_, (_, used))| *used)
                .map(|(id, _)| id.clone());
            if let Some(oldest) = oldest {
                self.stats.remove(&oldest);
            }
        }
        let (stats, used) = self.stats.entry(id.to_string()).or_default();
        *used = self.clock;
        stats
    }
}

#[derive(Debug, Default)]
struct Running {
    total: usize,
    by_function: HashMap<String, usize>,
}

/// One running invocation's place; given back when dropped.
pub(crate) struct Slot<'a> {
    stats: &'a InvocationStats,
    id: String,
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        let mut running = self.stats.running.lock().unwrap_or_else(|p| p.into_inner());
        running.total -= 1;
        if let Some(n) = running.by_function.get_mut(&self.id) {
            *n -= 1;
            if *n == 0 {
                running.by_function.remove(&self.id);
            }
        }
    }
}

impl InvocationStats {
    /// A place for one more invocation of `id`, or the limit it would pass.
    pub(crate) fn acquire(&self, id: &str, per_function: u32, global: usize) -> Result<Slot<'_>> {
        let mut running = self.running.lock().unwrap_or_else(|p| p.into_inner());
        let of_function = running.by_function.get(id).copied().unwrap_or(0);
        let refusal = if running.total >= global {
            Some(format!(
                "the server runs at most {global} function invocations at once; retry later"
            ))
        } else if of_function >= per_function as usize {
            Some(format!(
                "function {id} runs at most {per_function} invocations at once (max_concurrency); retry later"
            ))
        } else {
            None
        };
        if let Some(message) = refusal {
            drop(running);
            self.lock_stats().entry(id).throttled += 1;
            return Err(Error::Overloaded {
                message,
                retry_after_secs: 1,
            });
        }
        running.total += 1;
        *running.by_function.entry(id.to_string()).or_default() += 1;
        Ok(Slot {
            stats: self,
            id: id.to_string(),
        })
    }

    /// Counts one invocation of `id` that took `duration` and failed with
    /// `error`, if it did.
    pub(crate) fn record(&self, id: &str, error: Option<&Error>, duration: Duration) {
        let mut stats = self.lock_stats();
        let entry = stats.entry(id);
        entry.invocations += 1;
        entry.total_duration += duration;
        let ms = u64::try_from(duration.as_millis()).unwrap_or(u64::MAX);
        let bucket = DURATION_BUCKETS_MS
            .iter()
            .position(|bound| ms <= *bound)
            .unwrap_or(DURATION_BUCKETS_MS.len());
        entry.duration_buckets[bucket] += 1;
        match error {
            None => {}
            Some(Error::FunctionTimedOut { .. }) => entry.timeouts += 1,
            Some(_) => entry.errors += 1,
        }
    }

    fn lock_stats(&self) -> std::sync::MutexGuard<'_, StatsById> {
        self.by_function.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn get(&self, id: &str) -> FunctionStats {
        let stats = self.lock_stats();
        stats.stats.get(id).map(|(s, _)| *s).unwrap_or_default()
    }

    pub(crate) fn all(&self) -> Vec<(String, FunctionStats)> {
        let stats = self.lock_stats();
        let mut all: Vec<_> = stats
            .stats
            .iter()
            .map(|(id, (s, _))| (id.clone(), *s))
            .collect();
        all.sort_by(|a, b| a.0.cmp(&b.0));
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statistics_are_kept_for_a_bounded_number_of_functions() {
        let stats = InvocationStats::default();
        let failed = Error::Unavailable("x".into());
        let ok = Some(&failed);
        for i in 0..MAX_FUNCTION_STATS {
            stats.record(&format!("f{i}"), ok, Duration::ZERO);
        }
        // f0 used again: f1 is now the least recently used.
        stats.record("f0", ok, Duration::ZERO);
        stats.record("new", ok, Duration::ZERO);
        assert_eq!(stats.all().len(), MAX_FUNCTION_STATS);
        assert_eq!(stats.get("f0").invocations, 2);
        assert_eq!(stats.get("f1").invocations, 0);
        assert_eq!(stats.get("new").invocations, 1);
    }

    #[test]
    fn quantiles_come_from_the_histogram() {
        let mut stats = FunctionStats::default();
        assert_eq!(stats.duration_quantile_ms(0.5), None);
        stats.duration_buckets[0] = 98; // <= 1 ms
        stats.duration_buckets[4] = 2; // <= 25 ms
        assert_eq!(stats.duration_quantile_ms(0.5), Some(1));
        assert_eq!(stats.duration_quantile_ms(0.99), Some(25));
        stats.duration_buckets[DURATION_BUCKETS_MS.len()] = 100;
        assert_eq!(stats.duration_quantile_ms(1.0), Some(u64::MAX));
    }
}
