//! What a read cache holds, how long reads wait, and its figures.

use std::time::Duration;

use crate::contract::Revision;

/// What a [`super::ReadCache`] holds and how long reads wait.
#[derive(Debug, Clone)]
pub struct ReadCacheOptions {
    /// Key prefixes the cache holds (empty: every key).
    pub prefixes: Vec<Vec<u8>>,
    /// Most bytes the cache may hold (keys, values and
    /// [`super::VERSION_OVERHEAD`] per version); a store that needs more is
    /// refused at start, and older versions are dropped early to stay
    /// under it.
    pub max_bytes: usize,
    /// How long a read waits for the revision it needs.
    pub wait: Duration,
    /// How long versions are kept for reads at an older revision.
    pub history: Duration,
    /// Most revisions of history kept, however recent.
    pub max_history_revisions: usize,
}

impl ReadCacheOptions {
    /// Whether the cache holds `key` (or every key under it, for a prefix).
    pub fn holds(&self, key: &[u8]) -> bool {
        self.prefixes.is_empty() || self.prefixes.iter().any(|p| key.starts_with(p))
    }
}

impl Default for ReadCacheOptions {
    fn default() -> Self {
        ReadCacheOptions {
            prefixes: Vec::new(),
            max_bytes: 4 << 30,
            wait: Duration::from_secs(5),
            history: Duration::from_secs(120),
            max_history_revisions: 100_000,
        }
    }
}

/// The cache's figures, for metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadCacheStats {
    /// Keys that exist at the applied revision.
    pub keys: usize,
    /// Bytes held, as counted for the limit.
    pub bytes: usize,
    /// Every change at or below this revision is applied.
    pub applied: Revision,
    /// The oldest revision a read can be served at.
    pub horizon: Revision,
    /// Times the cache was filled from a snapshot (1 after start).
    pub fills: u64,
}
