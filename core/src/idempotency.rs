//! [`IdempotencyRecords`]: the store's side of idempotent API requests. The
//! API decides what a record holds (a request fingerprint, a stored
//! response) and hands core opaque bytes; core owns the key layout and the
//! conditional writes. Records are system records: they emit no events.
//! They are sealed under the master key ([`crate::seal`]): a stored answer
//! may hold a secret shown once (a new API key), and a replay must show it
//! again without it ever lying in the store in the clear.

use std::sync::Arc;

use clusterdb_storage::Op;

use crate::error::{Error, Result};
use crate::keys;
use crate::seal::{Purpose, SEALED_MAGIC};
use crate::store::Store;

/// Longest record key (a hex digest of the client's key).
const MAX_DIGEST_LEN: usize = 128;

/// One stored record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyRecord {
    /// What the API stored.
    pub value: Vec<u8>,
    /// Store revision of its last write; pass it to conditional writes.
    pub version: u64,
}

/// One page of [`IdempotencyRecords::scan`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyPage {
    /// `(digest, record)` in digest order.
    pub records: Vec<(String, IdempotencyRecord)>,
    /// Whether more records follow the last one.
    pub more: bool,
}

/// Idempotency records: `ClusterDb::idempotency()`. Each is addressed by a
/// lowercase hex digest of the client's key.
#[derive(Clone)]
pub struct IdempotencyRecords {
    store: Arc<Store>,
}

fn check_digest(digest: &str) -> Result<()> {
    let ok = (1..=MAX_DIGEST_LEN).contains(&digest.len())
        && digest
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if ok {
        return Ok(());
    }
    Err(Error::invalid(
        "idempotency record",
        "digest",
        format!("must be 1 to {MAX_DIGEST_LEN} lowercase hex digits"),
    ))
}

impl IdempotencyRecords {
    pub(crate) fn new(store: Arc<Store>) -> Self {
        IdempotencyRecords { store }
    }

    /// The record for `digest`, if any.
    pub async fn get(&self, digest: &str) -> Result<Option<IdempotencyRecord>> {
        check_digest(digest)?;
        let Some(entry) = self.store.engine.get(&keys::idempotency(digest)).await? else {
            return Ok(None);
        };
        Ok(Some(IdempotencyRecord {
            value: self.open(&entry.value)?,
            version: entry.mod_revision,
        }))
    }

    /// Writes `value` on the condition that the record is at `expected`
    /// (`None`: absent). Returns the new version, or `None` when the
    /// condition failed (someone else wrote it).
    pub async fn put(
        &self,
        digest: &str,
        value: Vec<u8>,
        expected: Option<u64>,
    ) -> Result<Option<u64>> {
        check_digest(digest)?;
        let key = keys::idempotency(digest);
        let sealed = self
            .store
            .master_key
            .seal(Purpose::IdempotencyRecord, &value)?;
        self.store
            .write_if(&key, expected, Op::Put(key.clone(), sealed))
            .await
    }

    /// A stored value in the clear; one written before records were
    /// sealed as it is.
    fn open(&self, stored: &[u8]) -> Result<Vec<u8>> {
        if stored.first() != Some(&SEALED_MAGIC) {
            return Ok(stored.to_vec());
        }
        self.store
            .master_key
            .open(Purpose::IdempotencyRecord, stored)
    }

    /// Removes the record if it is still at `expected`; returns whether it
    /// did.
    pub async fn remove(&self, digest: &str, expected: u64) -> Result<bool> {
        check_digest(digest)?;
        let key = keys::idempotency(digest);
        let delete = Op::Delete(key.clone());
        Ok(self
            .store
            .write_if(&key, Some(expected), delete)
            .await?
            .is_some())
    }

    /// Up to `limit` records after digest `after`, in digest order.
    pub async fn scan(&self, after: Option<&str>, limit: usize) -> Result<IdempotencyPage> {
        let prefix = keys::idempotency_records();
        let start = after.map(keys::idempotency);
        let page = self
            .store
            .engine
            .range(&prefix, start.as_deref(), limit)
            .await?;
        let records = page
            .entries
            .into_iter()
            .map(|(key, entry)| {
                let digest = String::from_utf8_lossy(&key[prefix.len()..]).into_owned();
                // One that does not open reads as empty: unreadable, so the
                // sweep removes it rather than stopping on it.
                let value = self.open(&entry.value).unwrap_or_else(|err| {
                    tracing::warn!(%digest, error = %err, "an idempotency record does not open");
                    Vec::new()
                });
                let record = IdempotencyRecord {
                    value,
                    version: entry.mod_revision,
                };
                (digest, record)
            })
            .collect();
        Ok(IdempotencyPage {
            records,
            more: page.more,
        })
    }
}

/// Seals every record under the master key that seals now, where one is
/// not (written before records were sealed, or before a rotation of the
/// master key); a record that does not open is removed. Returns how many
/// it rewrote.
pub(crate) async fn reseal(store: &Arc<Store>) -> Result<usize> {
    let prefix = keys::idempotency_records();
    let mut start: Option<Vec<u8>> = None;
    let mut rewritten = 0;
    loop {
        let page = store.engine.range(&prefix, start.as_deref(), 500).await?;
        for (key, entry) in &page.entries {
            if store.master_key.sealed_by_current(&entry.value) {
                continue;
            }
            let op = match IdempotencyRecords::new(Arc::clone(store)).open(&entry.value) {
                Ok(value) => Op::Put(
                    key.clone(),
                    store.master_key.seal(Purpose::IdempotencyRecord, &value)?,
                ),
                Err(_) => Op::Delete(key.clone()),
            };
            // `None`: rewritten meanwhile, sealed.
            if store
                .write_if(key, Some(entry.mod_revision), op)
                .await?
                .is_some()
            {
                rewritten += 1;
            }
        }
        match page.entries.last() {
            Some((key, _)) if page.more => start = Some(key.clone()),
            _ => return Ok(rewritten),
        }
    }
}
