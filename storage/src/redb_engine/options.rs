//! [`RedbOptions`]: the redb engine's tuning.

/// Tuning for [`crate::RedbEngine`].
#[derive(Debug, Clone)]
pub struct RedbOptions {
    /// fsync every commit (redb `Durability::Immediate`). Default `true`.
    pub durable: bool,
    /// Most commit requests folded into one redb transaction. Default 1024.
    pub max_batch: usize,
    /// Commit requests that may wait for the writer before callers are
    /// slowed down. Default 8192.
    pub queue_depth: usize,
    /// Bytes (keys, values, events) of the commits waiting for the writer
    /// before callers are slowed down. Default 256 MiB. A commit larger
    /// than this waits until it is alone in the queue.
    pub queue_bytes: usize,
    /// redb page cache size in bytes. Default 256 MiB.
    pub cache_bytes: usize,
    /// Open a data file that other users may read or write. Default
    /// `false`: such a file is refused ([`crate::Error::InsecurePermissions`]).
    pub allow_insecure_permissions: bool,
}

impl Default for RedbOptions {
    fn default() -> Self {
        RedbOptions {
            durable: true,
            max_batch: 1024,
            queue_depth: 8192,
            queue_bytes: 256 << 20,
            cache_bytes: 256 << 20,
            allow_insecure_permissions: false,
        }
    }
}
