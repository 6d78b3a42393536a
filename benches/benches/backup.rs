//! Backup figures (not a criterion bench: one store, measured once per
//! phase): fill a redb store with `BACKUP_OBJECTS` fleets (default
//! 1,000,000) from 64 tasks, then snapshot it to a file, verify the file,
//! restore it into a new data file — MB/s and objects/s each — and compare
//! the snapshot's size with the data file's. Last, create latency from 64
//! tasks for `BACKUP_LOAD_SECS` (default 10) without a snapshot and then
//! with snapshots running back to back at `BACKUP_SHARE` of the time
//! (default: the library's, 0.5): p50, p99 and their ratio.
//!
//! `cargo bench -p clusterdb-benches --bench backup`

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use clusterdb::backup::{self, SnapshotOptions};
use clusterdb::storage::{Engine, RedbEngine, RedbOptions};
use clusterdb::{ClusterDb, Draft, FleetSpec};

const TASKS: usize = 64;

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn fleet(name: String) -> Draft<FleetSpec> {
    Draft::new(
        name,
        FleetSpec {
            description: "Web application fleet".into(),
            capacity: 1,
            instance_type: "t3.medium".into(),
        },
    )
    .tag("environment", "production")
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1 << 20) as f64
}

/// Creates from 64 tasks until `stop` says so; each create's latency.
async fn creates(db: &ClusterDb, prefix: &str, until: Instant) -> Vec<Duration> {
    let counter = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..TASKS)
        .map(|_| {
            let (db, counter, prefix) = (db.clone(), Arc::clone(&counter), prefix.to_string());
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                while Instant::now() < until {
                    let n = counter.fetch_add(1, Ordering::Relaxed);
                    let started = Instant::now();
                    db.fleets()
                        .create(fleet(format!("{prefix}-{n}")))
                        .await
                        .unwrap();
                    latencies.push(started.elapsed());
                }
                latencies
            })
        })
        .collect();
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    all.sort();
    all
}

fn quantile(sorted: &[Duration], q: f64) -> Duration {
    sorted[((sorted.len() as f64 * q) as usize).min(sorted.len() - 1)]
}

#[tokio::main]
async fn main() {
    let objects = env("BACKUP_OBJECTS", 1_000_000) as usize;
    let load_secs = env("BACKUP_LOAD_SECS", 10);
    let share = std::env::var("BACKUP_SHARE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(SnapshotOptions::default().share);
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("source.redb");
    let db = ClusterDb::builder()
        .reconcile(false)
        .open(&data)
        .await
        .unwrap();

    let started = Instant::now();
    let counter = Arc::new(AtomicUsize::new(0));
    let fill: Vec<_> = (0..TASKS)
        .map(|_| {
            let (db, counter) = (db.clone(), Arc::clone(&counter));
            tokio::spawn(async move {
                loop {
                    let n = counter.fetch_add(1, Ordering::Relaxed);
                    if n >= objects {
                        return;
                    }
                    db.fleets()
                        .create(fleet(format!("fleet-{n}")))
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    for task in fill {
        task.await.unwrap();
    }
    println!(
        "filled {objects} fleets in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let file = dir.path().join("store.cdbsnap");
    let paced = SnapshotOptions {
        share,
        ..SnapshotOptions::default()
    };
    let started = Instant::now();
    let mut out = tokio::fs::File::create(&file).await.unwrap();
    db.snapshot(&mut out, &paced).await.unwrap();
    println!(
        "snapshot at a share of {share} of the time: {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let flat_out = SnapshotOptions {
        share: 1.0,
        ..SnapshotOptions::default()
    };
    let started = Instant::now();
    let mut out = tokio::fs::File::create(&file).await.unwrap();
    let summary = db.snapshot(&mut out, &flat_out).await.unwrap();
    out.sync_all().await.unwrap();
    let took = started.elapsed().as_secs_f64();
    let records: u64 = summary.trailer.counts.sections.values().sum();
    println!(
        "snapshot flat out: {:.0} MiB, {records} records ({} objects) in {took:.1} s: {:.0} MiB/s, {:.0} objects/s",
        mib(summary.bytes),
        summary.trailer.counts.sections["objects"],
        mib(summary.bytes) / took,
        objects as f64 / took
    );

    let started = Instant::now();
    let reader = std::io::BufReader::with_capacity(1 << 20, std::fs::File::open(&file).unwrap());
    backup::verify(reader).unwrap();
    let took = started.elapsed().as_secs_f64();
    println!(
        "verify: {took:.1} s: {:.0} MiB/s, {:.0} objects/s",
        mib(summary.bytes) / took,
        objects as f64 / took
    );

    let restored = dir.path().join("restored.redb");
    let engine: Arc<dyn Engine> =
        Arc::new(RedbEngine::open(&restored, RedbOptions::default()).unwrap());
    let started = Instant::now();
    backup::restore(&file, &engine).await.unwrap();
    engine.close().await.unwrap();
    let took = started.elapsed().as_secs_f64();
    println!(
        "restore (checks the file, then writes): {took:.1} s: {:.0} MiB/s, {:.0} objects/s",
        mib(summary.bytes) / took,
        objects as f64 / took
    );
    let size = |path: &std::path::Path| std::fs::metadata(path).unwrap().len();
    println!(
        "sizes: data file {:.0} MiB, snapshot {:.0} MiB ({:.2}x), restored data file {:.0} MiB",
        mib(size(&data)),
        mib(summary.bytes),
        summary.bytes as f64 / size(&data) as f64,
        mib(size(&restored))
    );

    let quiet = creates(
        &db,
        "quiet",
        Instant::now() + Duration::from_secs(load_secs),
    )
    .await;
    let until = Instant::now() + Duration::from_secs(load_secs);
    let snapshots = {
        let (db, paced) = (db.clone(), paced.clone());
        let path = dir.path().join("under-load.cdbsnap");
        tokio::spawn(async move {
            let mut taken = 0;
            while Instant::now() < until {
                let mut out = tokio::fs::File::create(&path).await.unwrap();
                db.snapshot(&mut out, &paced).await.unwrap();
                taken += 1;
            }
            taken
        })
    };
    let busy = creates(&db, "busy", until).await;
    let taken = snapshots.await.unwrap();
    let (p50, p99) = (quantile(&quiet, 0.5), quantile(&quiet, 0.99));
    let (b50, b99) = (quantile(&busy, 0.5), quantile(&busy, 0.99));
    println!(
        "creates, 64 tasks, {load_secs} s: without a snapshot {} ({:.0}/s) p50 {p50:?} p99 {p99:?}; \
         with {taken} snapshots running {} ({:.0}/s) p50 {b50:?} p99 {b99:?}; p99 ratio {:.2}",
        quiet.len(),
        quiet.len() as f64 / load_secs as f64,
        busy.len(),
        busy.len() as f64 / load_secs as f64,
        b99.as_secs_f64() / p99.as_secs_f64()
    );
    db.close().await.unwrap();
}
