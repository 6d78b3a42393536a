//! Restoring a snapshot into an empty store: the whole file is checked
//! first, and nothing is written unless every check passes; then a second
//! read writes it through the engine's [`clusterdb_storage::Loader`].

use std::path::{Path, PathBuf};
use std::sync::Arc;

use clusterdb_storage::{Engine, Entry, EventRecord, SnapshotPoint};
use tokio::sync::mpsc;

use super::error::BackupError;
use super::verify::{Checked, Verified, verify_each};

/// Checks the snapshot at `path`, then writes it into `engine`, which must
/// be empty. Afterwards the store is at the snapshot's revision, every key
/// at the revision it had (on engines that keep it), every event at its
/// position, and a position before the snapshot's log answers as
/// compacted.
pub async fn restore(path: &Path, engine: &Arc<dyn Engine>) -> Result<Verified, BackupError> {
    let file = path.to_path_buf();
    let verified =
        blocking(move || verify_each(open(&file)?, crate::builtin::builtin_kinds(), |_| Ok(())))
            .await?;
    let mut loader = engine.load().await?;

    let (frames, mut received) = mpsc::channel::<Checked>(4);
    let file = path.to_path_buf();
    let reading = tokio::task::spawn_blocking(move || {
        verify_each(open(&file)?, crate::builtin::builtin_kinds(), |checked| {
            frames
                .blocking_send(checked)
                .map_err(|_| BackupError::Store("the restore stopped".into()))
        })
    });
    let mut loaded = Ok(());
    while let Some(checked) = received.recv().await {
        let step = match checked {
            Checked::Header => Ok(()),
            Checked::Data(records) => {
                let entries = records
                    .into_iter()
                    .map(|r| {
                        let entry = Entry {
                            value: r.value,
                            mod_revision: r.mod_revision,
                        };
                        (r.key, entry)
                    })
                    .collect();
                loader.data(entries).await
            }
            Checked::Events(events) => {
                let events = events
                    .into_iter()
                    .map(|e| EventRecord {
                        revision: e.revision,
                        index: e.index,
                        payload: e.payload,
                    })
                    .collect();
                loader.events(events).await
            }
        };
        if let Err(err) = step {
            loaded = Err(BackupError::from(err));
            break;
        }
    }
    drop(received);
    let read = reading
        .await
        .map_err(|err| BackupError::Io(err.to_string()))?;
    loaded?;
    let second = read.map_err(|err| {
        BackupError::Io(format!(
            "the snapshot changed while it was restored ({err}); the target is incomplete: remove it"
        ))
    })?;
    if second != verified {
        return Err(BackupError::Io(
            "the snapshot changed while it was restored; the target is incomplete: remove it"
                .into(),
        ));
    }
    loader
        .finish(SnapshotPoint {
            revision: verified.header.revision,
            compacted_through: verified.header.compacted_through,
        })
        .await?;
    Ok(verified)
}

fn open(path: &PathBuf) -> Result<std::io::BufReader<std::fs::File>, BackupError> {
    let file = std::fs::File::open(path)
        .map_err(|err| BackupError::Io(format!("cannot open {}: {err}", path.display())))?;
    Ok(std::io::BufReader::with_capacity(1 << 20, file))
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, BackupError> + Send + 'static,
) -> Result<T, BackupError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|err| BackupError::Io(err.to_string()))?
}
