//! Storage errors.

use crate::revision::Revision;

/// An error from a storage engine.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The file exists but is not a ClusterDB store.
    #[error("{path} is not a ClusterDB store: {reason}")]
    NotAStore {
        /// The path that was opened.
        path: String,
        /// What was wrong with it.
        reason: String,
    },
    /// The store was written by a newer release.
    #[error("store format version {found} is newer than this release supports (up to {supported})")]
    UnsupportedFormat {
        /// Format version found in the store.
        found: u64,
        /// Newest format version this release reads.
        supported: u64,
    },
    /// A file that holds the store or its keys can be read or written by
    /// users other than its owner.
    #[error(
        "{path} can be read or written by other users (mode {mode:04o}); make it private: chmod 600 {path}"
    )]
    InsecurePermissions {
        /// The file.
        path: String,
        /// Its permission bits.
        mode: u32,
    },
    /// Another process (or handle) has the store open.
    #[error("the store is already open in another process or handle")]
    Locked,
    /// The store was closed.
    #[error("the store is closed")]
    Closed,
    /// The requested events were removed from the log.
    #[error(
        "events after revision {requested} were compacted; the log now starts after revision {compacted_through}"
    )]
    Compacted {
        /// The revision the caller asked to read after.
        requested: Revision,
        /// Every event at or below this revision is gone.
        compacted_through: Revision,
    },
    /// A read needs a revision this server has not reached within the
    /// time a read waits (it is behind the store, or the revision is in
    /// the future). Retrying later may succeed.
    #[error(
        "this server has reached revision {reached}, not revision {wanted}, within {waited:?}; retry"
    )]
    Behind {
        /// The revision the read needs.
        wanted: Revision,
        /// The revision this server's reads reflect.
        reached: Revision,
        /// How long the read waited.
        waited: std::time::Duration,
    },
    /// A stored record could not be decoded.
    #[error("corrupt record: {0}")]
    Corrupt(String),
    /// The store cannot be reached now (network, no quorum); nothing was
    /// applied. Retrying later may succeed.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// A commit was sent but its fate is unknown (timeout, connection lost,
    /// leader change): it may or may not have been applied. It is never
    /// retried blindly; read the state to find out.
    #[error("commit outcome unknown: {0}")]
    OutcomeUnknown(String),
    /// The underlying storage failed (I/O, disk full, …).
    #[error("storage failure: {0}")]
    Backend(String),
    /// The engine has failed for good (fail-stop): after a failed commit or
    /// a crash of its writer it refuses every write until the process
    /// restarts on the same store (recovery is the engine's on open).
    #[error("the store has failed and accepts no writes until restarted: {0}")]
    Failed(String),
    /// A commit breaks a size rule ([`crate::MAX_KEY_LEN`], …); it was
    /// refused before it reached the store.
    #[error("commit refused: {0}")]
    TooLarge(String),
    /// A copy can be loaded only into an empty store.
    #[error("the target store is not empty: {0}")]
    NotEmpty(String),
    /// The engine does not offer the operation.
    #[error("not supported by this engine: {0}")]
    Unsupported(String),
}

impl From<redb::Error> for Error {
    fn from(err: redb::Error) -> Self {
        match err {
            redb::Error::DatabaseAlreadyOpen => Error::Locked,
            redb::Error::Corrupted(reason) => Error::Corrupt(reason),
            other => Error::Backend(other.to_string()),
        }
    }
}

macro_rules! from_redb {
    ($($ty:ty),*) => {$(
        impl From<$ty> for Error {
            fn from(err: $ty) -> Self {
                redb::Error::from(err).into()
            }
        }
    )*};
}
from_redb!(
    redb::DatabaseError,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError
);

/// The precondition that made a commit fail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedPrecondition {
    /// Index into [`crate::Commit::preconditions`].
    pub index: usize,
    /// The key the precondition is about.
    pub key: Vec<u8>,
    /// The key's revision at the time of the check (`None`: absent).
    pub actual: Option<Revision>,
}

/// Why a commit was not applied.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum CommitError {
    /// A precondition did not hold; nothing was applied.
    #[error("precondition {} failed on key {:?}", .0.index, String::from_utf8_lossy(&.0.key))]
    PreconditionFailed(FailedPrecondition),
    /// The engine failed: nothing was applied, unless the error is
    /// [`Error::OutcomeUnknown`].
    #[error(transparent)]
    Storage(#[from] Error),
}
