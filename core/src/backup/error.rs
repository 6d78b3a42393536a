//! Why a backup operation failed.

/// Why a snapshot could not be written, read or restored.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum BackupError {
    /// The file is not a ClusterDB snapshot at all.
    #[error("not a ClusterDB snapshot: {0}")]
    NotASnapshot(String),
    /// Written by a newer release.
    #[error(
        "snapshot format version {found} is not supported by this release (it reads up to {supported}); upgrade ClusterDB"
    )]
    UnsupportedVersion {
        /// The file's version.
        found: u16,
        /// The newest this release reads.
        supported: u16,
    },
    /// A frame is damaged.
    #[error("frame {frame} (at byte {offset}) is damaged: {reason}")]
    Damaged {
        /// The frame's number, from 1 (the header).
        frame: u64,
        /// Its first byte's offset in the file.
        offset: u64,
        /// What is wrong.
        reason: String,
    },
    /// The file ends early.
    #[error("the snapshot is truncated: {0}")]
    Truncated(String),
    /// A record that this release cannot read, or that breaks the format's
    /// rules (order, revision bounds).
    #[error("frame {frame}: {reason}")]
    Record {
        /// The frame holding it.
        frame: u64,
        /// What is wrong, naming the record.
        reason: String,
    },
    /// Reading or writing a file failed.
    #[error("{0}")]
    Io(String),
    /// The store failed.
    #[error("{0}")]
    Store(String),
}

impl From<clusterdb_storage::Error> for BackupError {
    fn from(err: clusterdb_storage::Error) -> Self {
        BackupError::Store(err.to_string())
    }
}

impl From<BackupError> for crate::Error {
    fn from(err: BackupError) -> Self {
        match err {
            BackupError::Store(message) | BackupError::Io(message) => {
                crate::Error::Unavailable(message)
            }
            other => crate::Error::Internal(other.to_string()),
        }
    }
}
