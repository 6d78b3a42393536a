//! The cache's data: every cached key with its recent versions, so a read
//! can be served at any revision from the horizon to the newest applied.
//!
//! A key keeps the version visible at the horizon and every later one; a
//! key whose only version is a deletion at or before the horizon is gone.
//! The trail of keys written per revision tells pruning which keys to
//! look at, so pruning costs what was written, not the whole map.

use std::collections::{BTreeMap, VecDeque};
use std::ops::Bound;
use std::time::Instant;

use crate::contract::{Entry, Page, Revision};

/// Bytes one version costs besides its key and value (map node, vector
/// slot, revision, allocation headers), as counted for the memory limit.
pub const VERSION_OVERHEAD: usize = 128;

/// Bytes the trail holds per key a kept revision wrote, besides the key.
const TRAIL_OVERHEAD: usize = 48;

#[derive(Debug, Clone)]
struct Version {
    revision: Revision,
    value: Option<Vec<u8>>,
}

/// Versions of every cached key.
#[derive(Debug, Default)]
pub(super) struct History {
    keys: BTreeMap<Vec<u8>, Vec<Version>>,
    /// Every change at or below this revision is applied.
    applied: Revision,
    /// Reads below this revision are refused: versions before it are gone.
    horizon: Revision,
    /// The keys each applied revision wrote, oldest first, and when.
    trail: VecDeque<(Revision, Instant, Vec<Vec<u8>>)>,
    bytes: usize,
    live: usize,
}

fn cost(key: &[u8], value: Option<&Vec<u8>>) -> usize {
    key.len() + value.map_or(0, Vec::len) + VERSION_OVERHEAD
}

impl History {
    /// A history holding `entries` as of `revision`.
    pub fn new(revision: Revision, entries: Vec<(Vec<u8>, Entry)>) -> Self {
        let mut history = History {
            applied: revision,
            horizon: revision,
            ..History::default()
        };
        for (key, entry) in entries {
            history.bytes += cost(&key, Some(&entry.value));
            history.live += 1;
            history.keys.insert(
                key,
                vec![Version {
                    revision: entry.mod_revision,
                    value: Some(entry.value),
                }],
            );
        }
        history
    }

    pub fn applied(&self) -> Revision {
        self.applied
    }

    pub fn horizon(&self) -> Revision {
        self.horizon
    }

    /// Bytes held, as counted for the limit.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Keys that exist at the newest revision.
    pub fn live(&self) -> usize {
        self.live
    }

    /// Applies one commit's writes at `revision` (above every applied one).
    pub fn apply(&mut self, revision: Revision, writes: Vec<(Vec<u8>, Option<Vec<u8>>)>) {
        debug_assert!(revision > self.applied);
        let mut written = Vec::with_capacity(writes.len());
        for (key, value) in writes {
            self.bytes += cost(&key, value.as_ref());
            let versions = self.keys.entry(key.clone()).or_default();
            let was_live = versions.last().is_some_and(|v| v.value.is_some());
            match (was_live, value.is_some()) {
                (false, true) => self.live += 1,
                (true, false) => self.live -= 1,
                _ => {}
            }
            versions.push(Version { revision, value });
            written.push(key);
        }
        self.bytes += written
            .iter()
            .map(|key| key.len() + TRAIL_OVERHEAD)
            .sum::<usize>();
        self.trail.push_back((revision, Instant::now(), written));
        self.applied = revision;
    }

    /// Notes that nothing changed up to `revision`.
    pub fn advance(&mut self, revision: Revision) {
        self.applied = self.applied.max(revision);
    }

    /// Drops versions no read at or after a revision older than `keep`
    /// needs, keeping at most `max_revisions` revisions of the trail and,
    /// while the history holds more than `max_bytes`, fewer.
    pub fn prune(&mut self, keep: std::time::Duration, max_revisions: usize, max_bytes: usize) {
        let now = Instant::now();
        while let Some((revision, at, _)) = self.trail.front() {
            let old = now.duration_since(*at) > keep
                || self.trail.len() > max_revisions
                || self.bytes > max_bytes;
            if !old {
                break;
            }
            let revision = *revision;
            let Some((_, _, keys)) = self.trail.pop_front() else {
                break;
            };
            self.bytes -= keys
                .iter()
                .map(|key| key.len() + TRAIL_OVERHEAD)
                .sum::<usize>();
            self.horizon = self.horizon.max(revision);
            for key in keys {
                self.prune_key(&key);
            }
        }
    }

    fn prune_key(&mut self, key: &[u8]) {
        let Some(versions) = self.keys.get_mut(key) else {
            return;
        };
        // Keep the newest version at or below the horizon and all later.
        let visible = versions.partition_point(|v| v.revision <= self.horizon);
        let drop = visible.saturating_sub(1);
        for old in versions.drain(..drop) {
            self.bytes -= cost(key, old.value.as_ref());
        }
        if let [only] = versions.as_slice()
            && only.value.is_none()
            && only.revision <= self.horizon
        {
            self.bytes -= cost(key, None);
            self.keys.remove(key);
        }
    }

    fn visible(versions: &[Version], at: Revision) -> Option<Entry> {
        let version = versions.iter().rev().find(|v| v.revision <= at)?;
        Some(Entry {
            value: version.value.clone()?,
            mod_revision: version.revision,
        })
    }

    /// The key as of `at` (between the horizon and the applied revision).
    pub fn get(&self, key: &[u8], at: Revision) -> Option<Entry> {
        Self::visible(self.keys.get(key)?, at)
    }

    /// Up to `limit` keys under `prefix` after `start_after`, as of `at`.
    pub fn range(
        &self,
        prefix: &[u8],
        start_after: Option<&[u8]>,
        limit: usize,
        at: Revision,
    ) -> Page {
        let start = match start_after {
            Some(after) if after >= prefix => Bound::Excluded(after),
            _ => Bound::Included(prefix),
        };
        let mut visible = self
            .keys
            .range::<[u8], _>((start, Bound::Unbounded))
            .take_while(|(key, _)| key.starts_with(prefix))
            .filter_map(|(key, versions)| Some((key, Self::visible(versions, at)?)));
        let entries: Vec<(Vec<u8>, Entry)> = visible
            .by_ref()
            .take(limit)
            .map(|(key, entry)| (key.clone(), entry))
            .collect();
        let more = visible.next().is_some();
        Page {
            entries,
            more,
            revision: at,
        }
    }

    /// The keys after `after` and up to `through` (both ends open when
    /// `None`) that exist at `at`, with their entries, in key order.
    pub fn between(
        &self,
        after: Option<&[u8]>,
        through: Option<&[u8]>,
        at: Revision,
    ) -> Vec<(Vec<u8>, Entry)> {
        let lower = after.map_or(Bound::Unbounded, Bound::Excluded);
        let upper = through.map_or(Bound::Unbounded, Bound::Included);
        self.keys
            .range::<[u8], _>((lower, upper))
            .filter_map(|(key, versions)| Some((key.clone(), Self::visible(versions, at)?)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::time::Duration;

    fn entry(value: &[u8], revision: Revision) -> Entry {
        Entry {
            value: value.to_vec(),
            mod_revision: revision,
        }
    }

    #[test]
    fn reads_at_any_retained_revision() {
        let mut history = History::new(5, vec![(b"a/1".to_vec(), entry(b"one", 3))]);
        history.apply(6, vec![(b"a/1".to_vec(), Some(b"uno".to_vec()))]);
        history.apply(7, vec![(b"a/2".to_vec(), Some(b"two".to_vec()))]);
        history.apply(8, vec![(b"a/1".to_vec(), None)]);
        assert_eq!(history.get(b"a/1", 5), Some(entry(b"one", 3)));
        assert_eq!(history.get(b"a/1", 7), Some(entry(b"uno", 6)));
        assert_eq!(history.get(b"a/1", 8), None);
        let page = history.range(b"a/", None, 1, 7);
        assert_eq!(page.entries, vec![(b"a/1".to_vec(), entry(b"uno", 6))]);
        assert!(page.more);
        let page = history.range(b"a/", Some(b"a/1"), 5, 8);
        assert_eq!(page.entries, vec![(b"a/2".to_vec(), entry(b"two", 7))]);
        assert!(!page.more);
        assert_eq!(history.live(), 1);
        // Pruning everything keeps what the newest revision shows.
        history.prune(Duration::ZERO, 0, usize::MAX);
        assert_eq!(history.horizon(), 8);
        assert_eq!(history.get(b"a/2", 8), Some(entry(b"two", 7)));
        assert_eq!(history.get(b"a/1", 8), None);
        assert_eq!(history.keys.len(), 1, "the deleted key is gone");
        assert_eq!(
            history.bytes(),
            cost(b"a/2", Some(&b"two".to_vec())),
            "bytes count what is held"
        );
    }

    #[test]
    fn over_its_bytes_the_history_shrinks_but_the_present_stays() {
        let mut history = History::new(0, Vec::new());
        for revision in 1..=50 {
            history.apply(revision, vec![(b"k".to_vec(), Some(vec![0; 100]))]);
        }
        let one = cost(b"k", Some(&vec![0; 100])) + 1 + TRAIL_OVERHEAD;
        assert_eq!(history.bytes(), 50 * one);
        history.prune(Duration::from_secs(3600), usize::MAX, 10 * one);
        assert!(history.bytes() <= 10 * one, "{}", history.bytes());
        assert!(history.horizon() > 40);
        assert_eq!(history.get(b"k", 50).map(|e| e.mod_revision), Some(50));
    }

    /// One step of the model test: a commit of puts and deletes over a few keys.
    fn commits() -> impl Strategy<Value = Vec<Vec<(u8, Option<u8>)>>> {
        prop::collection::vec(
            prop::collection::vec((0u8..6, prop::option::of(0u8..4)), 1..4),
            1..30,
        )
    }

    proptest! {
        /// Every read at every retained revision equals the state a plain
        /// map had at that revision, whatever was pruned.
        #[test]
        fn matches_a_map_per_revision(commits in commits(), keep in 0usize..40) {
            let mut history = History::new(0, Vec::new());
            let mut states: Vec<BTreeMap<Vec<u8>, Entry>> = vec![BTreeMap::new()];
            for (n, writes) in commits.into_iter().enumerate() {
                let revision = n as Revision + 1;
                let mut state = states.last().cloned().unwrap_or_default();
                let mut final_writes = BTreeMap::new();
                for (key, value) in writes {
                    final_writes.insert(vec![b'k', key], value.map(|v| vec![v]));
                }
                for (key, value) in &final_writes {
                    match value {
                        Some(value) => { state.insert(key.clone(), entry(value, revision)); }
                        None => { state.remove(key); }
                    }
                }
                history.apply(revision, final_writes.into_iter().collect());
                states.push(state);
                history.prune(Duration::from_secs(3600), keep, usize::MAX);
            }
            for (revision, state) in states.iter().enumerate() {
                let revision = revision as Revision;
                if revision < history.horizon() {
                    continue;
                }
                let page = history.range(b"k", None, 100, revision);
                let want: Vec<_> = state.iter().map(|(k, e)| (k.clone(), e.clone())).collect();
                prop_assert_eq!(&page.entries, &want);
                for key in 0u8..6 {
                    prop_assert_eq!(history.get(&[b'k', key], revision), state.get(&vec![b'k', key]).cloned());
                }
            }
            prop_assert_eq!(history.live(), states.last().map_or(0, BTreeMap::len));
        }
    }
}
