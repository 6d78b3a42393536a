//! The engine's revisions and etcd's: the engine's revision is etcd's plus
//! an offset kept under the prefix (`P m/offset`, absent: 0). etcd numbers
//! revisions for the whole cluster, so a copy loaded into a fresh prefix
//! ([`crate::Engine::load`]) could otherwise start below the revision it
//! was copied at; the load sets the offset so that the store's revisions
//! continue past the copy's, never backwards.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::contract::Revision;

/// The offset, shared by the engine and its tasks (set once, by a load,
/// before anything else uses the store).
#[derive(Debug, Clone, Default)]
pub(super) struct Revisions(Arc<AtomicU64>);

impl Revisions {
    pub fn new(offset: u64) -> Self {
        Revisions(Arc::new(AtomicU64::new(offset)))
    }

    pub fn offset(&self) -> u64 {
        self.0.load(Ordering::Acquire)
    }

    pub fn set_offset(&self, offset: u64) {
        self.0.store(offset, Ordering::Release);
    }

    /// The engine's revision for etcd's `revision` (0 stays 0: absent).
    pub fn ours(&self, revision: i64) -> Revision {
        match u64::try_from(revision) {
            Ok(0) | Err(_) => 0,
            Ok(revision) => revision.saturating_add(self.offset()),
        }
    }

    /// etcd's revision for the engine's `revision`.
    pub fn etcd(&self, revision: Revision) -> i64 {
        i64::try_from(revision.saturating_sub(self.offset())).unwrap_or(i64::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revisions_map_both_ways_and_absent_stays_absent() {
        let revisions = Revisions::new(1000);
        assert_eq!(revisions.ours(5), 1005);
        assert_eq!(revisions.etcd(1005), 5);
        assert_eq!(revisions.ours(0), 0);
        assert_eq!(Revisions::default().ours(7), 7);
    }
}
