//! Whole-store copies of a redb store: a snapshot is one redb read
//! transaction (readers never block the writer, and it never blocks them);
//! a load goes through the writer, one step per request.

use async_trait::async_trait;
use redb::{ReadTransaction, ReadableTableMetadata};
use tokio::sync::{mpsc, oneshot};

use super::layout::{COMPACTED_THROUGH, EVENTS, KV, REVISION, meta_value, read_events, read_keys};
use super::writer::{LoadStep, Request};
use crate::contract::{Entry, EventRecord, Loader, Page, Revision, Snapshot, SnapshotPoint};
use crate::error::Error;

/// A redb store as of one read transaction.
pub(super) struct RedbSnapshot {
    txn: ReadTransaction,
    point: SnapshotPoint,
}

impl RedbSnapshot {
    pub(super) fn new(txn: ReadTransaction) -> Result<Self, Error> {
        let point = SnapshotPoint {
            revision: meta_value(&txn, REVISION)?,
            compacted_through: meta_value(&txn, COMPACTED_THROUGH)?,
        };
        Ok(RedbSnapshot { txn, point })
    }
}

#[async_trait]
impl Snapshot for RedbSnapshot {
    fn point(&self) -> SnapshotPoint {
        self.point
    }

    async fn data(&mut self, start_after: Option<&[u8]>, limit: usize) -> Result<Page, Error> {
        read_keys(&self.txn, self.point.revision, b"", start_after, limit)
    }

    async fn events(&mut self, after: Revision, limit: usize) -> Result<Vec<EventRecord>, Error> {
        read_events(&self.txn, after, self.point.revision, limit)
    }
}

/// Whether the store read by `txn` holds nothing: no data, no event, and
/// revision 0.
pub(super) fn check_empty(txn: &ReadTransaction) -> Result<(), Error> {
    let data = txn.open_table(KV)?.len()?;
    let events = txn.open_table(EVENTS)?.len()?;
    let revision = meta_value(txn, REVISION)?;
    if data > 0 || events > 0 || revision > 0 {
        return Err(Error::NotEmpty(format!(
            "{data} keys and {events} events at revision {revision}"
        )));
    }
    Ok(())
}

/// Loads a copy through the writer thread.
pub(super) struct RedbLoader {
    pub(super) requests: mpsc::Sender<Request>,
}

impl RedbLoader {
    async fn step(&self, step: LoadStep) -> Result<(), Error> {
        let (reply, answer) = oneshot::channel();
        self.requests
            .send(Request::Load(step, reply))
            .await
            .map_err(|_| Error::Closed)?;
        answer.await.map_err(|_| Error::Closed)?
    }
}

#[async_trait]
impl Loader for RedbLoader {
    async fn data(&mut self, entries: Vec<(Vec<u8>, Entry)>) -> Result<(), Error> {
        self.step(LoadStep::Data(entries)).await
    }

    async fn events(&mut self, events: Vec<EventRecord>) -> Result<(), Error> {
        self.step(LoadStep::Events(events)).await
    }

    async fn finish(self: Box<Self>, point: SnapshotPoint) -> Result<(), Error> {
        self.step(LoadStep::Finish(point)).await
    }
}
