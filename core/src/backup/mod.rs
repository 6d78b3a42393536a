//! Backups: a consistent snapshot of a whole store written as one file
//! while the store keeps serving ([`crate::ClusterDb::snapshot`]), checked end to
//! end ([`verify`]) and restored into an empty store on any engine
//! ([`restore`]). The file format is in [`format`]'s documentation and in
//! `docs/backup.md`.

mod error;
mod format;
mod restore;
pub(crate) mod take;
mod verify;

pub use error::BackupError;
pub use format::{Counts, FORMAT_VERSION, Header, MAGIC, Trailer};
pub use restore::restore;
pub use take::{PendingSnapshot, SnapshotOptions, SnapshotSummary, begin_engine_snapshot};
pub use verify::{Verified, verify};
