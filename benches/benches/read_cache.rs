//! The read cache's memory (not a criterion bench: one store, measured
//! once): `READ_CACHE_FLEETS` fleets (default 200,000; each with a tag and
//! an index entry, the reconciler off) created in a redb store opened with
//! the cache on and again with it off, each in a process of its own; the
//! cache's own count of its bytes per fleet and the resident memory each
//! process grew by, and both scaled to 1M fleets.
//!
//! `cargo bench -p clusterdb-benches --bench read_cache`

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use clusterdb::storage::{Engine, RedbEngine, RedbOptions};
use clusterdb::{ClusterDb, Draft, FleetSpec};

const TASKS: usize = 64;

fn fleets() -> usize {
    std::env::var("READ_CACHE_FLEETS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000)
}

/// Resident memory of this process, in bytes.
fn resident() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

/// Fills a store with the cache `on` or off; prints `bytes_counted
/// resident_growth`.
fn child(on: bool) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let dir = tempfile::tempdir_in(".").unwrap();
        let options = RedbOptions {
            durable: false,
            ..RedbOptions::default()
        };
        let engine: Arc<dyn Engine> =
            Arc::new(RedbEngine::open(dir.path().join("cache.redb"), options).unwrap());
        let mut builder = ClusterDb::builder().reconcile(false);
        if !on {
            builder = builder.read_cache(None);
        }
        let db = builder.open_with(engine).await.unwrap();
        let before = resident();
        let counter = Arc::new(AtomicUsize::new(0));
        let total = fleets();
        let tasks: Vec<_> = (0..TASKS)
            .map(|_| {
                let (db, counter) = (db.clone(), Arc::clone(&counter));
                tokio::spawn(async move {
                    loop {
                        let n = counter.fetch_add(1, Ordering::Relaxed);
                        if n >= total {
                            break;
                        }
                        let spec = FleetSpec {
                            description: "Web application fleet".into(),
                            capacity: 1,
                            instance_type: "t3.medium".into(),
                        };
                        let draft =
                            Draft::new(format!("fleet-{n}"), spec).tag("environment", "production");
                        db.fleets().create(draft).await.unwrap();
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        let counted = db.read_cache_stats().map_or(0, |s| s.bytes);
        println!("{counted} {}", resident().saturating_sub(before));
        db.close().await.unwrap();
    });
}

fn main() {
    if let Ok(mode) = std::env::var("READ_CACHE_CHILD") {
        return child(mode == "on");
    }
    let n = fleets() as f64;
    let run = |mode: &str| -> (f64, f64) {
        let output = Command::new(std::env::current_exe().unwrap())
            .env("READ_CACHE_CHILD", mode)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&output.stdout);
        let mut figures = text
            .split_whitespace()
            .filter_map(|f| f.parse::<f64>().ok());
        (figures.next().unwrap_or(0.0), figures.next().unwrap_or(0.0))
    };
    let (counted, grown_on) = run("on");
    let (_, grown_off) = run("off");
    let mib = |bytes: f64| bytes / (1 << 20) as f64;
    println!("{} fleets", n as u64);
    println!(
        "read cache, its own count:  {:.0} bytes per fleet, {:.0} MiB per 1M fleets",
        counted / n,
        mib(counted / n * 1e6)
    );
    println!(
        "resident growth, cache on:  {:.0} bytes per fleet; off: {:.0}; the cache: {:.0} bytes per fleet, {:.0} MiB per 1M fleets",
        grown_on / n,
        grown_off / n,
        (grown_on - grown_off) / n,
        mib((grown_on - grown_off) / n * 1e6)
    );
}
