//! The redb file's layout: its tables and the meta table's keys, and the
//! reads every reader of them shares.

use std::ops::Bound;

use redb::{ReadTransaction, TableDefinition};

use crate::contract::{Entry, EventRecord, Page, Revision};
use crate::error::Error;

pub(crate) const KV: TableDefinition<&[u8], (u64, &[u8])> = TableDefinition::new("kv");
pub(crate) const EVENTS: TableDefinition<(u64, u32), &[u8]> = TableDefinition::new("events");
pub(crate) const META: TableDefinition<&str, u64> = TableDefinition::new("clusterdb_meta");

/// Meta key: on-disk format version.
pub(crate) const FORMAT_VERSION: &str = "format_version";
/// Meta key: latest committed revision.
pub(crate) const REVISION: &str = "revision";
/// Meta key: every event at or below this revision was compacted away.
pub(crate) const COMPACTED_THROUGH: &str = "events_compacted_through";

/// A meta value as of `txn` (0 when absent).
pub(crate) fn meta_value(txn: &ReadTransaction, key: &str) -> Result<u64, Error> {
    let meta = txn.open_table(META)?;
    let value = meta.get(key)?;
    Ok(value.map(|v| v.value()).unwrap_or(0))
}

/// Up to `limit` keys starting with `prefix`, after `start_after` (or from
/// the prefix's first key), as of `txn`, which is at `revision`.
pub(crate) fn read_keys(
    txn: &ReadTransaction,
    revision: Revision,
    prefix: &[u8],
    start_after: Option<&[u8]>,
    limit: usize,
) -> Result<Page, Error> {
    let kv = txn.open_table(KV)?;
    let lower = match start_after {
        Some(after) if after >= prefix => Bound::Excluded(after),
        _ => Bound::Included(prefix),
    };
    // Grown as needed: most reads are far below their limit (a capacity of
    // `limit` cost every small read a fresh, zeroed block).
    let mut entries = Vec::new();
    for item in kv.range::<&[u8]>((lower, Bound::Unbounded))? {
        let (key, value) = item?;
        let key = key.value();
        if !key.starts_with(prefix) {
            break;
        }
        if entries.len() == limit {
            return Ok(Page {
                entries,
                more: true,
                revision,
            });
        }
        let (mod_revision, value) = value.value();
        let entry = Entry {
            value: value.to_vec(),
            mod_revision,
        };
        entries.push((key.to_vec(), entry));
    }
    Ok(Page {
        entries,
        more: false,
        revision,
    })
}

/// Events after `after` and at or below `through`, as of `txn`: up to
/// `limit`, but a commit is never split.
pub(crate) fn read_events(
    txn: &ReadTransaction,
    after: Revision,
    through: Revision,
    limit: usize,
) -> Result<Vec<EventRecord>, Error> {
    let events = txn.open_table(EVENTS)?;
    let Some(start) = after.checked_add(1) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new(); // grown as needed, as in `read_keys`
    for item in events.range((start, 0u32)..)? {
        let (key, payload) = item?;
        let (revision, index) = key.value();
        // Stop at `limit`, but only between two commits.
        if revision > through || (out.len() >= limit && index == 0) {
            break;
        }
        out.push(EventRecord {
            revision,
            index,
            payload: payload.value().to_vec(),
        });
    }
    Ok(out)
}
