//! The redb file's layout: its tables and the meta table's keys.

use redb::{ReadTransaction, TableDefinition};

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
