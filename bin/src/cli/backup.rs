//! `clusterdb admin backup | verify | restore`: snapshot files of a whole
//! store (see `docs/backup.md`).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use clusterdb::backup::{self, BackupError, SnapshotOptions, Verified};
use clusterdb::storage::Engine;
use futures_util::StreamExt as _;
use serde_json::json;
use tokio::io::AsyncWriteExt as _;

use super::output::Format;
use super::{CliError, Globals};

/// Whether a snapshot holds the retained event log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EventsChoice {
    /// Every retained event (default).
    All,
    /// No event: after a restore, every earlier position answers as
    /// compacted.
    None,
}

/// `clusterdb admin backup`.
#[derive(clap::Args)]
pub struct BackupArgs {
    /// The snapshot file to write (written beside it as `FILE.partial`,
    /// then renamed once complete).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Read a stopped server's data file instead of asking the profile's
    /// server.
    #[arg(long, value_name = "FILE")]
    pub data: Option<PathBuf>,
    /// Whether the retained event log is in it.
    #[arg(long, value_enum, default_value = "all")]
    pub events: EventsChoice,
    /// Use a data file that other users can read or write.
    #[arg(long)]
    pub allow_insecure_permissions: bool,
}

/// `clusterdb admin verify`.
#[derive(clap::Args)]
pub struct VerifyArgs {
    /// The snapshot file.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

/// `clusterdb admin restore`.
#[derive(clap::Args)]
pub struct RestoreArgs {
    /// The snapshot file.
    #[arg(long, value_name = "FILE")]
    pub from: PathBuf,
    /// The data file to restore into (a new one; see --force).
    #[arg(long, value_name = "FILE", required_unless_present = "store")]
    pub data: Option<PathBuf>,
    /// Restore into an etcd cluster instead: `etcd://host:2379,…` (the
    /// prefix must be empty).
    #[arg(long, value_name = "URL", conflicts_with = "data")]
    pub store: Option<String>,
    /// Key prefix in etcd.
    #[arg(long, default_value = "/clusterdb/")]
    pub etcd_prefix: String,
    /// Replace an existing, non-empty data file (never one in use).
    #[arg(long)]
    pub force: bool,
}

/// `clusterdb admin backup`: the snapshot goes to `FILE.partial`, is
/// checked, then renamed; on any failure the partial file is removed.
pub async fn backup(args: BackupArgs, globals: &Globals) -> Result<(), CliError> {
    let partial = partial_path(&args.out);
    let written = write_partial(&args, &partial, globals).await;
    let verified = match written {
        // Checked before it takes the final name: a file called FILE is whole.
        Ok(()) => verify_file(&partial).await,
        Err(err) => Err(err),
    };
    let verified = verified.inspect_err(|_| {
        let _ = std::fs::remove_file(&partial);
    })?;
    std::fs::rename(&partial, &args.out)
        .with_context(|| format!("renaming {} to {}", partial.display(), args.out.display()))?;
    report(globals.output, &args.out, &verified, "wrote");
    Ok(())
}

/// Writes the snapshot `args` asks for to `partial` and syncs it.
async fn write_partial(
    args: &BackupArgs,
    partial: &Path,
    globals: &Globals,
) -> Result<(), CliError> {
    let mut options = SnapshotOptions {
        events: args.events == EventsChoice::All,
        ..SnapshotOptions::default()
    };
    // A stopped server's file is opened first: a missing or busy one
    // leaves nothing behind.
    let engine = match &args.data {
        Some(data) => Some(open_redb(data, args.allow_insecure_permissions, true)?),
        None => None,
    };
    let mut file = private_file(partial).await?;
    let progress = Progress::new();
    let written = match engine {
        Some(engine) => {
            // Nothing else runs on a stopped server's file.
            options.share = 1.0;
            let shown = progress.clone();
            options.progress = Some(Arc::new(move |bytes, records| {
                shown.show(bytes, Some(records))
            }));
            let written = match backup::begin_engine_snapshot(&engine, &options).await {
                Ok(pending) => pending.write_to(&mut file).await.map(drop),
                Err(err) => Err(err),
            };
            let closed = engine.close().await;
            written.map_err(failed)?;
            closed.map_err(|e| CliError::Failed(e.into()))
        }
        None => {
            super::with_session(globals, async |session| {
                let (_revision, mut bytes) = session.client.snapshot(options.events).await?;
                let mut total = 0u64;
                while let Some(chunk) = bytes.next().await {
                    let chunk = chunk?;
                    total += chunk.len() as u64;
                    file.write_all(&chunk)
                        .await
                        .with_context(|| format!("writing {}", partial.display()))?;
                    progress.show(total, None);
                }
                Ok(())
            })
            .await
        }
    };
    progress.done();
    written?;
    file.sync_all()
        .await
        .with_context(|| format!("writing {}", partial.display()))?;
    Ok(())
}

/// `clusterdb admin verify`.
pub async fn verify(args: VerifyArgs, globals: &Globals) -> Result<(), CliError> {
    let verified = verify_file(&args.file).await?;
    report(globals.output, &args.file, &verified, "verified");
    Ok(())
}

/// `clusterdb admin restore`.
pub async fn restore(args: RestoreArgs, globals: &Globals) -> Result<(), CliError> {
    let (engine, target, finish): (Arc<dyn Engine>, String, Option<(PathBuf, PathBuf)>) = match (
        &args.data,
        &args.store,
    ) {
        (Some(data), _) => {
            if data.exists() && !args.force {
                let existing = open_redb(data, false, true)?;
                let empty = existing.load().await.is_ok();
                existing
                    .close()
                    .await
                    .map_err(|e| CliError::Failed(e.into()))?;
                if !empty {
                    return Err(CliError::Failed(anyhow::anyhow!(
                        "{} is not empty; restore into a new file, or pass --force to replace it",
                        data.display()
                    )));
                }
            }
            if data.exists() {
                // Refused while a server has it open.
                open_redb(data, true, true)?
                    .close()
                    .await
                    .map_err(|e| CliError::Failed(e.into()))?;
            }
            let restoring = partial_path(data);
            let _ = std::fs::remove_file(&restoring);
            let engine = open_redb(&restoring, false, false)?;
            (
                engine,
                data.display().to_string(),
                Some((restoring, data.clone())),
            )
        }
        (None, Some(store)) => {
            let engine = crate::serve::open_etcd_engine(store, &args.etcd_prefix).await?;
            (
                engine,
                format!("{store} (prefix {})", args.etcd_prefix),
                None,
            )
        }
        (None, None) => unreachable!("clap requires --data or --store"),
    };
    let restored = backup::restore(&args.from, &engine).await;
    let closed = engine.close().await;
    let verified = match restored {
        Ok(verified) => verified,
        Err(err) => {
            if let Some((restoring, _)) = &finish {
                let _ = std::fs::remove_file(restoring);
            }
            return Err(failed(err));
        }
    };
    closed.map_err(|e| CliError::Failed(e.into()))?;
    if let Some((restoring, data)) = finish {
        std::fs::rename(&restoring, &data)
            .with_context(|| format!("renaming {} to {}", restoring.display(), data.display()))?;
    }
    report(globals.output, &args.from, &verified, "restored");
    if globals.output == Format::Table {
        println!(
            "into {target}. Its secrets are sealed with the source store's master key: \
             give the server that key file (`<data>.master-key`, or --master-key-file)."
        );
    }
    Ok(())
}

async fn verify_file(path: &Path) -> Result<Verified, CliError> {
    let file = std::fs::File::open(path)
        .map_err(|err| CliError::Usage(format!("cannot open {}: {err}", path.display())))?;
    let reader = std::io::BufReader::with_capacity(1 << 20, file);
    tokio::task::spawn_blocking(move || backup::verify(reader))
        .await
        .map_err(|err| CliError::Failed(err.into()))?
        .map_err(|err| CliError::Failed(anyhow::anyhow!("{}: {err}", path.display())))
}

fn failed(err: BackupError) -> CliError {
    CliError::Failed(err.into())
}

fn open_redb(path: &Path, insecure: bool, existing: bool) -> Result<Arc<dyn Engine>, CliError> {
    if existing && !path.exists() {
        return Err(CliError::Usage(format!(
            "{} does not exist",
            path.display()
        )));
    }
    let options = clusterdb::storage::RedbOptions {
        allow_insecure_permissions: insecure,
        ..Default::default()
    };
    match clusterdb::storage::RedbEngine::open(path, options) {
        Ok(engine) => Ok(Arc::new(engine)),
        Err(clusterdb::storage::Error::Locked) => Err(CliError::Unavailable(format!(
            "{} is in use by another process (stop the server, or back up through it)",
            path.display()
        ))),
        Err(err) => Err(CliError::Failed(anyhow::anyhow!(
            "{}: {err}",
            path.display()
        ))),
    }
}

fn partial_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".partial");
    PathBuf::from(name)
}

async fn private_file(path: &Path) -> Result<tokio::fs::File, CliError> {
    let mut options = tokio::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    options.mode(0o600);
    options
        .open(path)
        .await
        .map_err(|err| CliError::Usage(format!("cannot write {}: {err}", path.display())))
}

/// Prints what a snapshot holds.
fn report(format: Format, file: &Path, verified: &Verified, done: &str) {
    let header = &verified.header;
    if matches!(format, Format::Json | Format::Yaml) {
        let value = json!({
            "file": file.display().to_string(),
            "bytes": verified.bytes,
            "frames": verified.frames,
            "header": header,
            "counts": verified.counts,
        });
        match format {
            Format::Json => println!(
                "{}",
                serde_json::to_string_pretty(&value).unwrap_or_default()
            ),
            _ => print!("{}", serde_saphyr::to_string(&value).unwrap_or_default()),
        }
        return;
    }
    let list = |counts: &std::collections::BTreeMap<String, u64>, skip: &[&str]| {
        let parts: Vec<String> = counts
            .iter()
            .filter(|(name, _)| !skip.contains(&name.as_str()))
            .map(|(name, n)| format!("{name} {n}"))
            .collect();
        if parts.is_empty() {
            "-".to_string()
        } else {
            parts.join(", ")
        }
    };
    let events = verified.counts.sections.get("events").copied().unwrap_or(0);
    println!(
        "{done} {} ({} bytes, {} frames)",
        file.display(),
        verified.bytes,
        verified.frames
    );
    println!("  revision  {}", header.revision);
    println!(
        "  source    {} store, ClusterDB {}, format {}, taken {}",
        header.engine, header.clusterdb_version, header.format_version, header.created_at
    );
    println!("  objects   {}", list(&verified.counts.objects, &[]));
    println!(
        "  records   {}",
        list(&verified.counts.sections, &["objects", "events"])
    );
    match header.events.as_str() {
        "none" => println!(
            "  events    none (positions up to {} answer as compacted)",
            header.revision
        ),
        _ => println!(
            "  events    {events} (after revision {})",
            header.compacted_through
        ),
    }
}

/// A progress line on a terminal's stderr: bytes (and records, when known).
#[derive(Clone)]
struct Progress {
    shown: bool,
    started: std::time::Instant,
}

impl Progress {
    fn new() -> Self {
        Progress {
            shown: std::io::IsTerminal::is_terminal(&std::io::stderr()),
            started: std::time::Instant::now(),
        }
    }

    fn show(&self, bytes: u64, records: Option<u64>) {
        if !self.shown {
            return;
        }
        let seconds = self.started.elapsed().as_secs_f64().max(0.001);
        let mib = bytes as f64 / (1 << 20) as f64;
        let records = records
            .map(|n| format!(", {n} records"))
            .unwrap_or_default();
        eprint!("\r{mib:.1} MiB{records} ({:.1} MiB/s)   ", mib / seconds);
    }

    fn done(&self) {
        if self.shown {
            eprintln!();
        }
    }
}
