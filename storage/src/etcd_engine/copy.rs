//! A whole-store snapshot of an etcd store: every data read at one etcd
//! revision (etcd's MVCC keeps it while the snapshot reads, unless etcd's
//! own history compaction passes it: then the snapshot fails and can be
//! taken again); events through the log's ordinary reads, cut at that
//! revision (an event at or below it never changes).

use std::sync::Arc;

use async_trait::async_trait;
use etcd_client::GetOptions;

use super::errors::read_error;
use super::keys::{Keys, prefix_end};
use super::members::Members;
use super::{log, to_i64, to_revision};
use crate::contract::{Entry, EventRecord, Page, Revision, Snapshot, SnapshotPoint};
use crate::error::Error;

/// An etcd store as of one etcd revision.
pub(super) struct EtcdSnapshot {
    members: Arc<Members>,
    keys: Keys,
    point: SnapshotPoint,
}

impl EtcdSnapshot {
    /// Pins the current revision.
    pub(super) async fn start(members: Arc<Members>, keys: Keys) -> Result<Self, Error> {
        let compacted = members
            .get(keys.compacted(), None)
            .await
            .map_err(read_error)?;
        let revision = to_revision(compacted.header().map_or(0, |h| h.revision()));
        let compacted_through = compacted
            .kvs()
            .first()
            .and_then(|kv| std::str::from_utf8(kv.value()).ok()?.parse().ok())
            .unwrap_or(0);
        Ok(EtcdSnapshot {
            members,
            keys,
            point: SnapshotPoint {
                revision,
                compacted_through,
            },
        })
    }
}

#[async_trait]
impl Snapshot for EtcdSnapshot {
    fn point(&self) -> SnapshotPoint {
        self.point
    }

    async fn data(&mut self, start_after: Option<&[u8]>, limit: usize) -> Result<Page, Error> {
        let start = match start_after {
            Some(after) => [self.keys.data(after).as_slice(), &[0]].concat(),
            None => self.keys.data(b""),
        };
        let options = GetOptions::new()
            .with_range(prefix_end(&self.keys.data(b"")))
            .with_limit(to_i64(limit.max(1) as u64))
            .with_revision(to_i64(self.point.revision));
        let response = self
            .members
            .get(start, Some(options))
            .await
            .map_err(read_error)?;
        let strip = self.keys.data_len();
        let entries = response
            .kvs()
            .iter()
            .map(|kv| {
                let entry = Entry {
                    value: kv.value().to_vec(),
                    mod_revision: to_revision(kv.mod_revision()),
                };
                (kv.key()[strip..].to_vec(), entry)
            })
            .collect();
        Ok(Page {
            entries,
            more: response.more(),
            revision: self.point.revision,
        })
    }

    async fn events(&mut self, after: Revision, limit: usize) -> Result<Vec<EventRecord>, Error> {
        let mut events = log::events_since(&self.members, &self.keys, after, limit).await?;
        events.retain(|event| event.revision <= self.point.revision);
        Ok(events)
    }
}
