//! The read cache beyond the engine contract (which it passes whole, see
//! `for_each_engine!`): freshness, history, the detector, its limit.

use std::sync::Arc;
use std::time::Duration;

use clusterdb_storage::freshness::scoped;
use clusterdb_storage::{
    Commit, Engine, Error, Freshness, Op, ReadCache, ReadCacheOptions, Revision,
};

use crate::Harness;

fn put(key: &str, value: &str) -> Commit {
    Commit {
        ops: vec![Op::Put(key.as_bytes().to_vec(), value.as_bytes().to_vec())],
        ..Commit::default()
    }
}

async fn value(engine: &dyn Engine, key: &str) -> Option<String> {
    engine
        .get(key.as_bytes())
        .await
        .unwrap()
        .map(|entry| String::from_utf8(entry.value).unwrap())
}

/// Writers go on while the detector compares the cache with the store at
/// one revision, again and again: never a difference.
async fn the_detector_finds_no_difference_under_concurrent_writes(harness: impl Harness) {
    let cached = harness.engine();
    let cache = ReadCache::start(Arc::clone(&cached), ReadCacheOptions::default())
        .await
        .unwrap();
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let engine = Arc::clone(&cached);
            tokio::spawn(async move {
                for i in 0..60 {
                    let key = format!("o/k{}", (w * 7 + i) % 25);
                    let commit = if i % 5 == 4 {
                        Commit {
                            ops: vec![Op::Delete(key.into_bytes())],
                            ..Commit::default()
                        }
                    } else {
                        put(&key, &format!("{w}-{i}"))
                    };
                    engine.commit(commit).await.unwrap();
                }
            })
        })
        .collect();
    let mut checks = 0;
    loop {
        let report = cache.verify().await.unwrap();
        assert!(report.consistent(), "{report:?}");
        checks += 1;
        if writers.iter().all(|w| w.is_finished()) {
            break;
        }
    }
    for writer in writers {
        writer.await.unwrap();
    }
    let last = cache.verify().await.unwrap();
    assert!(last.consistent(), "{last:?}");
    assert!(last.keys > 0 && checks >= 1);
    assert_eq!(
        cache.stats().applied,
        cached.current_revision().await.unwrap()
    );
}

/// A read answers at once with what the cache has (stale), waits for a
/// revision it will reach (at least), refuses one it never reaches within
/// the wait (unavailable), and reads an older revision exactly while it
/// is kept.
async fn freshness_is_honoured(harness: impl Harness) {
    let engine = harness.engine();
    let options = ReadCacheOptions {
        wait: Duration::from_millis(300),
        ..ReadCacheOptions::default()
    };
    let cache = ReadCache::start(Arc::clone(&engine), options)
        .await
        .unwrap();
    let first = cache.commit(put("o/a", "1")).await.unwrap();
    let second = cache.commit(put("o/a", "2")).await.unwrap();
    // Reads your own write, consistent by default.
    assert_eq!(value(&cache, "o/a").await.as_deref(), Some("2"));
    let (old, revision) = scoped(Freshness::Exactly(first), value(&cache, "o/a")).await;
    assert_eq!((old.as_deref(), revision), (Some("1"), Some(first)));
    let (page, _) = scoped(Freshness::Exactly(first), cache.range(b"o/", None, 10)).await;
    assert_eq!(page.unwrap().revision, first);
    let (now, revision) = scoped(Freshness::AtLeast(second), value(&cache, "o/a")).await;
    assert_eq!(now.as_deref(), Some("2"));
    assert!(revision >= Some(second));
    let (stale, _) = scoped(Freshness::Stale, value(&cache, "o/a")).await;
    assert!(stale.is_some());
    let far: Revision = second + 1_000_000;
    let (never, _) = scoped(Freshness::AtLeast(far), cache.get(b"o/a")).await;
    assert!(
        matches!(never, Err(Error::Behind { wanted, .. }) if wanted == far),
        "{never:?}"
    );
    // A scope that writes reads its write, and reports its revision.
    let (read, revision) = scoped(Freshness::Stale, async {
        let written = cache.commit(put("o/b", "x")).await.unwrap();
        (written, value(&cache, "o/b").await)
    })
    .await;
    assert_eq!(read.1.as_deref(), Some("x"));
    assert_eq!(revision, Some(read.0));
}

/// Versions older than the history are gone: an exact read there says so.
async fn an_exact_read_before_the_history_is_compacted(harness: impl Harness) {
    let options = ReadCacheOptions {
        max_history_revisions: 2,
        ..ReadCacheOptions::default()
    };
    let cache = ReadCache::start(harness.engine(), options).await.unwrap();
    let first = cache.commit(put("o/a", "1")).await.unwrap();
    for i in 0..5 {
        cache.commit(put("o/a", &i.to_string())).await.unwrap();
    }
    assert_eq!(value(&cache, "o/a").await.as_deref(), Some("4"));
    let (old, _) = scoped(Freshness::Exactly(first), cache.get(b"o/a")).await;
    assert!(matches!(old, Err(Error::Compacted { .. })), "{old:?}");
}

/// A store bigger than the cache's limit is refused at start, with sizes.
async fn a_store_over_the_limit_is_refused(harness: impl Harness) {
    let engine = harness.engine();
    for i in 0..20 {
        engine
            .commit(put(&format!("o/{i}"), &"v".repeat(100)))
            .await
            .unwrap();
    }
    let options = ReadCacheOptions {
        max_bytes: 1000,
        ..ReadCacheOptions::default()
    };
    let err = ReadCache::start(engine, options)
        .await
        .err()
        .expect("refused");
    assert!(
        matches!(&err, Error::TooLarge(m) if m.contains("limit of 1000 bytes")),
        "{err}"
    );
}

/// Only the cached prefixes are held; other keys are read from the store.
async fn keys_outside_the_prefixes_are_read_from_the_store(harness: impl Harness) {
    let engine = harness.engine();
    let options = ReadCacheOptions {
        prefixes: vec![b"o/".to_vec()],
        wait: Duration::from_millis(100),
        ..ReadCacheOptions::default()
    };
    let cache = ReadCache::start(Arc::clone(&engine), options)
        .await
        .unwrap();
    cache.commit(put("o/a", "1")).await.unwrap();
    cache.commit(put("m/big", "2")).await.unwrap();
    assert_eq!(value(&cache, "m/big").await.as_deref(), Some("2"));
    assert_eq!(value(&cache, "o/a").await.as_deref(), Some("1"));
    assert_eq!(cache.stats().keys, 1);
    // A store read still waits for the scope's minimum revision.
    let far = cache.current_revision().await.unwrap() + 1_000;
    let (read, _) = scoped(Freshness::AtLeast(far), cache.get(b"m/big")).await;
    assert!(matches!(read, Err(Error::Behind { .. })), "{read:?}");
}

/// Whoever read a commit's events from the store (the log is not cached)
/// then reads its keys through the cache: they are there. (The redb writer
/// hands a batch to the feed after it is durable; a consistent read must
/// wait for what is durable, not for what was published.)
async fn a_commit_whose_events_were_read_is_read_through_the_cache(harness: impl Harness) {
    let engine = harness.engine();
    let cache = Arc::new(
        ReadCache::start(Arc::clone(&engine), ReadCacheOptions::default())
            .await
            .unwrap(),
    );
    const WRITES: usize = 400;
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let engine = Arc::clone(&engine);
            tokio::spawn(async move {
                for i in 0..WRITES / 4 {
                    let key = format!("o/{w}-{i}");
                    let commit = Commit {
                        events: vec![key.clone().into_bytes()],
                        ..put(&key, "v")
                    };
                    engine.commit(commit).await.unwrap();
                }
            })
        })
        .collect();
    let mut seen = 0;
    let mut after = 0;
    while seen < WRITES {
        let events = engine.events_since(after, 100).await.unwrap();
        for event in &events {
            let key = String::from_utf8(event.payload.clone()).unwrap();
            assert!(
                value(&*cache, &key).await.is_some(),
                "{key} (revision {}) was in the log but not in the cache",
                event.revision
            );
            after = event.revision;
            seen += 1;
        }
        if events.is_empty() {
            tokio::task::yield_now().await;
        }
    }
    for writer in writers {
        writer.await.unwrap();
    }
}

crate::for_each_engine!(
    a_commit_whose_events_were_read_is_read_through_the_cache,
    the_detector_finds_no_difference_under_concurrent_writes,
    freshness_is_honoured,
    an_exact_read_before_the_history_is_compacted,
    a_store_over_the_limit_is_refused,
    keys_outside_the_prefixes_are_read_from_the_store,
);

/// Two servers on one etcd: a write through one is read at once through
/// the other's cache (consistent by default), and a quiet cache proves its
/// freshness when etcd's revision moves under another prefix.
#[cfg(feature = "etcd")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_on_one_server_is_read_at_once_on_another() {
    let store = crate::EtcdStore::start().await;
    let other = clusterdb_storage::EtcdEngine::connect(
        &store.cluster.endpoints(),
        clusterdb_storage::EtcdOptions {
            prefix: "/conformance/".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let cached = crate::Cached::over(store).await;
    let cache = cached.cache_handle();
    for i in 0..50 {
        let written = other.commit(put("o/x", &i.to_string())).await.unwrap();
        let (read, revision) = scoped(Freshness::Consistent, value(&*cache, "o/x")).await;
        assert_eq!(read, Some(i.to_string()));
        assert!(revision >= Some(written));
    }
    // Another prefix moves etcd's revision; nothing of ours changes.
    let foreign = clusterdb_storage::EtcdEngine::connect(
        &cached.inner.cluster.endpoints(),
        clusterdb_storage::EtcdOptions {
            prefix: "/someone-else/".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let moved = foreign.commit(put("o/y", "1")).await.unwrap();
    let (read, revision) = scoped(Freshness::Consistent, value(&*cache, "o/x")).await;
    assert_eq!(read.as_deref(), Some("49"));
    assert!(revision >= Some(moved), "{revision:?} < {moved}");
    other.close().await.unwrap();
    foreign.close().await.unwrap();
}
