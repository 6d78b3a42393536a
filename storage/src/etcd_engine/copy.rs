//! Whole-store copies of an etcd store. A snapshot: every data read at one etcd
//! revision (etcd's MVCC keeps it while the snapshot reads, unless etcd's
//! own history compaction passes it: then the snapshot fails and can be
//! taken again); events through the log's ordinary reads, cut at that
//! revision (an event at or below it never changes). A load writes keys
//! and events into an empty prefix, then sets the revision offset (see
//! [`super::revisions`]).

use std::sync::Arc;

use async_trait::async_trait;
use etcd_client::{GetOptions, Txn, TxnOp};

use super::errors::read_error;
use super::keys::{Keys, prefix_end};
use super::members::Members;
use super::revisions::Revisions;
use super::{log, to_i64};
use crate::contract::{Entry, EventRecord, Loader, Page, Revision, Snapshot, SnapshotPoint};
use crate::error::Error;

/// An etcd store as of one etcd revision.
pub(super) struct EtcdSnapshot {
    members: Arc<Members>,
    keys: Keys,
    revisions: Revisions,
    point: SnapshotPoint,
}

impl EtcdSnapshot {
    /// Pins the current revision.
    pub(super) async fn start(
        members: Arc<Members>,
        keys: Keys,
        revisions: Revisions,
    ) -> Result<Self, Error> {
        let compacted = members
            .get(keys.compacted(), None)
            .await
            .map_err(read_error)?;
        let revision = revisions.ours(compacted.header().map_or(0, |h| h.revision()));
        let compacted_through = compacted
            .kvs()
            .first()
            .and_then(|kv| std::str::from_utf8(kv.value()).ok()?.parse().ok())
            .unwrap_or(0);
        Ok(EtcdSnapshot {
            members,
            keys,
            revisions,
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
            .with_revision(self.revisions.etcd(self.point.revision));
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
                    mod_revision: self.revisions.ours(kv.mod_revision()),
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
        let mut events =
            log::events_since(&self.members, &self.keys, &self.revisions, after, limit).await?;
        events.retain(|event| event.revision <= self.point.revision);
        Ok(events)
    }
}

/// Keys written per etcd transaction (etcd's default limit is 128 ops).
const LOAD_BATCH: usize = 100;

/// Fails unless nothing but the format marker is under the prefix.
pub(super) async fn check_empty(members: &Members, keys: &Keys) -> Result<(), Error> {
    let count = |prefix: Vec<u8>| {
        let options = GetOptions::new().with_prefix().with_count_only();
        async move { members.get(prefix, Some(options)).await.map_err(read_error) }
    };
    let data = count(keys.data(b"")).await?.count();
    let events =
        count(keys.log_prefix()).await?.count() + count(keys.pending_prefix()).await?.count();
    let meta = members
        .get(keys.offset(), None)
        .await
        .map_err(read_error)?
        .count()
        + members
            .get(keys.compacted(), None)
            .await
            .map_err(read_error)?
            .count();
    if data > 0 || events > 0 || meta > 0 {
        return Err(Error::NotEmpty(format!(
            "the prefix holds {data} keys and {events} events"
        )));
    }
    Ok(())
}

/// Loads a copy into an empty prefix: keys and events as they come, then
/// the offset that puts the store's revision past the copy's.
pub(super) struct EtcdLoader {
    pub(super) members: Arc<Members>,
    pub(super) keys: Keys,
    pub(super) revisions: Revisions,
    pub(super) published: Arc<tokio::sync::watch::Sender<Revision>>,
}

impl EtcdLoader {
    async fn put_all(&self, puts: Vec<(Vec<u8>, Vec<u8>)>) -> Result<(), Error> {
        for batch in puts.chunks(LOAD_BATCH) {
            let ops: Vec<TxnOp> = batch
                .iter()
                .map(|(key, value)| TxnOp::put(key.clone(), value.clone(), None))
                .collect();
            // Plain puts of fixed values: safe to send again.
            self.members
                .repeatable_txn(Txn::new().and_then(ops))
                .await
                .map_err(read_error)?;
        }
        Ok(())
    }
}

#[async_trait]
impl Loader for EtcdLoader {
    async fn data(&mut self, entries: Vec<(Vec<u8>, Entry)>) -> Result<(), Error> {
        let puts = entries
            .into_iter()
            .map(|(key, entry)| (self.keys.data(&key), entry.value))
            .collect();
        self.put_all(puts).await
    }

    async fn events(&mut self, events: Vec<EventRecord>) -> Result<(), Error> {
        let puts = events
            .into_iter()
            .map(|event| (self.keys.log(event.revision, event.index), event.payload))
            .collect();
        self.put_all(puts).await
    }

    async fn finish(self: Box<Self>, point: SnapshotPoint) -> Result<(), Error> {
        let now = self
            .members
            .get(
                self.keys.format(),
                Some(GetOptions::new().with_count_only()),
            )
            .await
            .map_err(read_error)?;
        let etcd_now = u64::try_from(now.header().map_or(0, |h| h.revision())).unwrap_or(0);
        // Every later etcd revision, plus the offset, is past the copy's.
        let offset = point.revision.saturating_sub(etcd_now) + 1;
        let mut ops = vec![TxnOp::put(self.keys.offset(), offset.to_string(), None)];
        if point.compacted_through > 0 {
            ops.push(TxnOp::put(
                self.keys.compacted(),
                point.compacted_through.to_string(),
                None,
            ));
        }
        let response = self
            .members
            .repeatable_txn(Txn::new().and_then(ops))
            .await
            .map_err(read_error)?;
        self.revisions.set_offset(offset);
        let revision = self
            .revisions
            .ours(response.header().map_or(0, |h| h.revision()));
        super::publish(&self.published, revision);
        Ok(())
    }
}
