//! Scheduled backups (`serve --backup-dir`): a snapshot every interval,
//! written as a temporary file, synced and renamed, the oldest beyond
//! `--backup-keep` removed. On a shared store only the leading server
//! takes them. A failed backup (full disk, unwritable directory) is logged
//! and counted; serving never notices.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use clusterdb::ClusterDb;
use clusterdb::backup::SnapshotOptions;

/// Where and how often.
#[derive(Debug, Clone)]
pub struct BackupSchedule {
    /// The directory the snapshots go to.
    pub dir: PathBuf,
    /// Time between two backups.
    pub interval: Duration,
    /// Snapshots kept; older ones are removed.
    pub keep: usize,
}

/// The prefix and suffix of a scheduled snapshot's file name.
const PREFIX: &str = "clusterdb-";
const SUFFIX: &str = ".cdbsnap";

/// Takes backups while this server leads, until the server stops.
pub async fn run(
    db: ClusterDb,
    schedule: BackupSchedule,
    stopped: tokio::sync::watch::Receiver<bool>,
) {
    remove_partials(&schedule.dir);
    db.clone()
        .while_leader(stopped, |leader, mut ended| {
            let (db, schedule) = (db.clone(), schedule.clone());
            async move {
                tracing::info!(term = leader.term, dir = %schedule.dir.display(), "taking scheduled backups");
                let mut every = tokio::time::interval(schedule.interval);
                every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    tokio::select! {
                        _ = every.tick() => {}
                        _ = ended.wait_for(|e| *e) => return,
                    }
                    take(&db, &schedule).await;
                }
            }
        })
        .await;
}

/// Takes one backup, records it in the metrics, logs a failure.
pub async fn take(db: &ClusterDb, schedule: &BackupSchedule) {
    let started = Instant::now();
    match write(db, schedule).await {
        Ok((path, bytes)) => {
            let seconds = started.elapsed().as_secs_f64();
            clusterdb_api::metrics::counters().backup_succeeded(seconds, bytes);
            tracing::info!(file = %path.display(), bytes, seconds, "backup written");
            if let Err(err) = prune(&schedule.dir, schedule.keep) {
                tracing::warn!(error = %format!("{err:#}"), "removing old backups failed");
            }
        }
        Err(err) => {
            clusterdb_api::metrics::counters().backup_failed();
            tracing::warn!(error = %format!("{err:#}"), dir = %schedule.dir.display(), "backup failed");
        }
    }
}

async fn write(db: &ClusterDb, schedule: &BackupSchedule) -> anyhow::Result<(PathBuf, u64)> {
    let pending = db.begin_snapshot(&SnapshotOptions::default()).await?;
    let header = pending.header().clone();
    // Sortable by time: the revision alone may repeat across restores.
    let stamp = header.created_at.replace([':', '-'], "");
    let name = format!("{PREFIX}{stamp}-r{}{SUFFIX}", header.revision);
    let path = schedule.dir.join(&name);
    let partial = schedule.dir.join(format!(".{name}.partial"));
    let result = async {
        let mut options = tokio::fs::OpenOptions::new();
        options.write(true).create_new(true).mode(0o600);
        let mut file = options
            .open(&partial)
            .await
            .with_context(|| format!("cannot create {}", partial.display()))?;
        let summary = pending.write_to(&mut file).await?;
        file.sync_all().await.context("syncing the snapshot")?;
        drop(file);
        tokio::fs::rename(&partial, &path)
            .await
            .with_context(|| format!("renaming {} to {}", partial.display(), path.display()))?;
        if let Ok(dir) = std::fs::File::open(&schedule.dir) {
            let _ = dir.sync_all();
        }
        Ok::<_, anyhow::Error>(summary.bytes)
    }
    .await;
    match result {
        Ok(bytes) => Ok((path, bytes)),
        Err(err) => {
            let _ = tokio::fs::remove_file(&partial).await;
            Err(err)
        }
    }
}

/// Removes what a backup cut off by a stop left behind.
fn remove_partials(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for name in entries.filter_map(|entry| entry.ok()?.file_name().into_string().ok()) {
        if name.starts_with(&format!(".{PREFIX}")) && name.ends_with(".partial") {
            let _ = std::fs::remove_file(dir.join(name));
        }
    }
}

/// Removes the oldest scheduled snapshots beyond `keep` (only files this
/// scheduler names).
fn prune(dir: &Path, keep: usize) -> anyhow::Result<()> {
    let mut ours: Vec<String> = std::fs::read_dir(dir)?
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.starts_with(PREFIX) && name.ends_with(SUFFIX))
        .collect();
    ours.sort();
    let excess = ours.len().saturating_sub(keep);
    for name in &ours[..excess] {
        std::fs::remove_file(dir.join(name)).with_context(|| format!("removing {name}"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pruning_keeps_the_newest_of_its_own_files_only() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "clusterdb-20261201T000000Z-r5.cdbsnap",
            "clusterdb-20261202T000000Z-r9.cdbsnap",
            "clusterdb-20261203T000000Z-r12.cdbsnap",
            "notes.txt",
            ".clusterdb-20261204T000000Z-r13.cdbsnap.partial",
        ] {
            std::fs::write(dir.path().join(name), b"x").unwrap();
        }
        prune(dir.path(), 2).unwrap();
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                ".clusterdb-20261204T000000Z-r13.cdbsnap.partial",
                "clusterdb-20261202T000000Z-r9.cdbsnap",
                "clusterdb-20261203T000000Z-r12.cdbsnap",
                "notes.txt"
            ]
        );
    }
}
