//! Backups end to end: snapshots of a serving store over REST, gRPC and the
//! CLI, checked, restored into a new data file, and a server on the
//! restored file that works as before — its admin key and a user's key, a
//! webhook that delivers, a function that invokes, the metrics history, and
//! 410 for a position the restored log does not hold.

use futures_util::StreamExt as _;
use serde_json::{Value, json};

use crate::cli::User;
use crate::server::{Server, data_file};
use crate::webhooks::Receiver;

async fn post(server: &Server, path: &str, body: Value) -> Value {
    let response = server
        .http()
        .post(format!("{}{path}", server.base))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(
        response.status().is_success(),
        "{path}: {}",
        response.status()
    );
    response.json().await.unwrap()
}

/// The fleet names a snapshot holds: restored in-process into a scratch
/// data file, opened with the master key of the store at `data`.
async fn names_in(snapshot: &[u8], data: &std::path::Path) -> std::collections::BTreeSet<String> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.cdbsnap");
    std::fs::write(&file, snapshot).unwrap();
    let engine: std::sync::Arc<dyn clusterdb::storage::Engine> = std::sync::Arc::new(
        clusterdb::storage::RedbEngine::open(dir.path().join("r.redb"), Default::default())
            .unwrap(),
    );
    clusterdb::backup::restore(&file, &engine).await.unwrap();
    let db = clusterdb::ClusterDb::builder()
        .reconcile(false)
        .master_key_file(clusterdb::default_key_file(data))
        .open_with(engine)
        .await
        .unwrap();
    let options = clusterdb::ListOptions {
        page_size: Some(1000),
        ..Default::default()
    };
    let names = db.fleets().list(&options).await.unwrap().items;
    let names = names.iter().map(|f| f.name().to_string()).collect();
    db.close().await.unwrap();
    names
}

#[tokio::test]
async fn a_backup_restores_into_a_server_that_works_as_before() {
    let (dir, data) = data_file();
    let source = Server::start_with(&data, &["--webhook-allow-private"]);
    let admin = User::of(&source);
    let receiver = Receiver::start().await;

    admin
        .run(&[
            "webhook",
            "create",
            "--name",
            "feed",
            "--url",
            &receiver.url,
            "--event",
            "fleet.created",
        ])
        .ok();
    admin
        .cli("compute fleet create --name web --capacity 2 --instance-type t3.nano")
        .ok();
    admin
        .cli("identity user create --username alice --role viewer")
        .ok();
    let alice_key = admin
        .cli("identity api-key create --user alice --name laptop -o json")
        .json()["key"]
        .as_str()
        .unwrap()
        .to_string();
    admin
        .run(&[
            "compute", "function", "create", "--name", "hello", "--runtime", "wasm", "--code",
            r#"(module (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32))) (memory (export "memory") 1) (data (i32.const 16) "hi") (func (export "_start") (i32.store (i32.const 0) (i32.const 16)) (i32.store (i32.const 4) (i32.const 2)) (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))"#,
        ])
        .ok();
    post(
        &source,
        "/v1/monitoring/samples",
        json!([{"service": "shop", "metric": "orders_total", "value": 7}]),
    )
    .await;
    receiver.event("fleet.created", "web").await;

    // Only admins may take one.
    let viewer = source
        .http()
        .get(format!("{}/v1/admin/snapshot", source.base))
        .bearer_auth(&alice_key)
        .send()
        .await
        .unwrap();
    assert_eq!(viewer.status(), 403);

    // Through REST, while writes go on.
    let writes = {
        let base = source.base.clone();
        let http = source.http();
        tokio::spawn(async move {
            let mut acknowledged = Vec::new();
            for i in 0..40 {
                let name = format!("busy-{i}");
                let body = json!({"name": name, "capacity": 1, "instance_type": "t3.nano"});
                let answer = http
                    .post(format!("{base}/v1/fleets"))
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                assert!(answer.status().is_success());
                let made: Value = answer.json().await.unwrap();
                acknowledged.push((name, made["resource_version"].as_u64().unwrap()));
            }
            acknowledged
        })
    };
    let response = source
        .http()
        .get(format!("{}/v1/admin/snapshot", source.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "application/octet-stream"
    );
    let revision: u64 = response.headers()["x-clusterdb-revision"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        response.headers()["content-disposition"],
        format!("attachment; filename=\"clusterdb-snapshot-r{revision}.cdbsnap\"").as_str()
    );
    let bytes = response.bytes().await.unwrap();
    let verified = clusterdb::backup::verify(&bytes[..]).unwrap();
    assert_eq!(verified.header.revision, revision);
    let acknowledged = writes.await.unwrap();
    // Exactly the creates acknowledged at or below its revision are in it.
    let in_snapshot = names_in(&bytes, &data).await;
    for (name, written_at) in acknowledged {
        assert_eq!(
            in_snapshot.contains(&name),
            written_at <= revision,
            "{name} written at {written_at}, snapshot at {revision}"
        );
    }

    // Over gRPC: the same format, the revision in the first chunk.
    let (channel, auth) = source.grpc().await;
    let mut grpc = clusterdb_proto::admin::v1::AdminServiceClient::with_interceptor(channel, auth);
    let mut stream = grpc
        .snapshot(clusterdb_proto::admin::v1::SnapshotRequest::default())
        .await
        .unwrap()
        .into_inner();
    let mut file = Vec::new();
    let mut first_revision = None;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.unwrap();
        first_revision.get_or_insert(chunk.revision);
        file.extend(chunk.data);
    }
    let over_grpc = clusterdb::backup::verify(&file[..]).unwrap();
    assert_eq!(Some(over_grpc.header.revision), first_revision);
    assert_eq!(over_grpc.counts.objects["function"], 1);

    // The CLI through the server, then checked.
    let snapshot = dir.path().join("backup.cdbsnap");
    let snapshot_arg = snapshot.to_str().unwrap();
    admin.run(&["admin", "backup", "--out", snapshot_arg]).ok();
    let checked = admin
        .run(&["admin", "verify", snapshot_arg, "-o", "json"])
        .json();
    assert_eq!(checked["counts"]["objects"]["fleet"], 41);
    assert_eq!(checked["counts"]["objects"]["user"], 2);
    assert_eq!(checked["header"]["engine"], "redb");
    let without_events = dir.path().join("no-events.cdbsnap");
    admin
        .run(&[
            "admin",
            "backup",
            "--out",
            without_events.to_str().unwrap(),
            "--events",
            "none",
        ])
        .ok();
    let old_events = source.get_json("/v1/events?page_size=1").await;
    let first_event = old_events["events"][0]["revision"].as_u64().unwrap();

    // A data file a server has open cannot be backed up offline, nor a
    // missing one; neither leaves a file behind.
    let refused = dir.path().join("refused.cdbsnap");
    let refused_arg = refused.to_str().unwrap();
    let data_arg = data.to_str().unwrap();
    admin
        .run(&["admin", "backup", "--data", data_arg, "--out", refused_arg])
        .failed(3);
    let missing = dir.path().join("missing.redb");
    let missing_arg = missing.to_str().unwrap();
    admin
        .run(&[
            "admin",
            "backup",
            "--data",
            missing_arg,
            "--out",
            refused_arg,
        ])
        .failed(2);
    assert!(!missing.exists(), "no store is created by a backup");
    let leftovers = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|name| name.starts_with("refused"))
        .collect::<Vec<_>>();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    let admin_key = source.key.clone();
    assert!(source.terminate().success());

    // An offline backup of the stopped server's file equals the last one.
    let offline = dir.path().join("offline.cdbsnap");
    admin
        .run(&[
            "admin",
            "backup",
            "--data",
            data.to_str().unwrap(),
            "--out",
            offline.to_str().unwrap(),
        ])
        .ok();

    // Restore into a new file; the master key goes with it.
    let restored = dir.path().join("restored").join("data.redb");
    std::fs::create_dir(restored.parent().unwrap()).unwrap();
    let restored_arg = restored.to_str().unwrap();
    admin
        .run(&[
            "admin",
            "restore",
            "--from",
            snapshot_arg,
            "--data",
            restored_arg,
        ])
        .ok();
    let second = admin.run(&[
        "admin",
        "restore",
        "--from",
        snapshot_arg,
        "--data",
        restored_arg,
    ]);
    assert!(second.failed(1).contains("not empty"), "{second:?}");
    std::fs::copy(
        clusterdb::default_key_file(&data),
        clusterdb::default_key_file(&restored),
    )
    .unwrap();
    let server = Server::start_with(&restored, &["--webhook-allow-private"]);
    let mut admin = User::of(&server);
    admin.set("CLUSTERDB_API_KEY", &admin_key);

    // The old credentials work, the state is there, the revision moved on.
    let fleets = admin.cli("compute fleet list --all -o json").json();
    assert_eq!(fleets.as_array().unwrap().len(), 41);
    let alice_sees = server
        .http()
        .get(format!("{}/v1/fleets", server.base))
        .bearer_auth(&alice_key)
        .send()
        .await
        .unwrap();
    assert_eq!(alice_sees.status(), 200);
    let invoked = admin.cli("compute function invoke hello").ok().to_string();
    assert_eq!(invoked.trim(), "hi");
    let metrics = admin
        .cli("monitor metrics --service shop --window 1h -o json")
        .json();
    assert!(metrics.to_string().contains("orders_total"), "{metrics}");
    // The webhook delivers what happens next.
    admin
        .cli("compute fleet create --name after-restore --capacity 1 --instance-type t3.nano")
        .ok();
    receiver.event("fleet.created", "after-restore").await;
    // The log goes on from where it was; the old positions are still there.
    let events = admin
        .cli("events list --after 0 --page-size 1 -o json")
        .json();
    assert_eq!(events[0]["revision"].as_u64(), Some(first_event));
    drop(server);

    // Without events, a position before the snapshot is gone: 410.
    let bare = dir.path().join("bare").join("data.redb");
    std::fs::create_dir(bare.parent().unwrap()).unwrap();
    admin
        .run(&[
            "admin",
            "restore",
            "--from",
            without_events.to_str().unwrap(),
            "--data",
            bare.to_str().unwrap(),
        ])
        .ok();
    std::fs::copy(
        clusterdb::default_key_file(&data),
        clusterdb::default_key_file(&bare),
    )
    .unwrap();
    let server = Server::start(&bare);
    let gone = server
        .http()
        .get(format!("{}/v1/events?after=0", server.base))
        .bearer_auth(&admin_key)
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 410);
}

#[tokio::test]
async fn damaged_and_foreign_files_are_refused_naming_what_is_wrong() {
    let (dir, data) = data_file();
    let server = Server::start(&data);
    let admin = User::of(&server);
    admin
        .cli("compute fleet create --name web --capacity 1 --instance-type t3.nano")
        .ok();
    let good = dir.path().join("good.cdbsnap");
    admin
        .run(&["admin", "backup", "--out", good.to_str().unwrap()])
        .ok();
    let bytes = std::fs::read(&good).unwrap();

    let check = |name: &str, content: &[u8]| {
        let path = dir.path().join(name);
        std::fs::write(&path, content).unwrap();
        let verify = admin.run(&["admin", "verify", path.to_str().unwrap()]);
        let target = dir.path().join(format!("{name}.redb"));
        let restore = admin.run(&[
            "admin",
            "restore",
            "--from",
            path.to_str().unwrap(),
            "--data",
            target.to_str().unwrap(),
        ]);
        assert!(!target.exists(), "{name}: nothing written");
        (verify.failed(1).to_string(), restore.failed(1).to_string())
    };
    let (foreign, _) = check("foreign", b"PK\x03\x04 a zip file, say");
    assert!(foreign.contains("not a ClusterDB snapshot"), "{foreign}");
    let (truncated, _) = check("truncated", &bytes[..bytes.len() - 10]);
    assert!(truncated.contains("frame"), "{truncated}");
    let mut flipped = bytes.clone();
    let middle = bytes.len() / 2;
    flipped[middle] ^= 0x04;
    let (damaged, restore) = check("flipped", &flipped);
    assert!(damaged.contains("frame"), "{damaged}");
    assert!(restore.contains("frame"), "{restore}");
    let mut newer = bytes.clone();
    newer[8] = 7;
    let (version, _) = check("newer", &newer);
    assert!(version.contains("format version 7"), "{version}");
}

/// The server's metrics, and the value of the sample `name` (0 if absent).
async fn metric(server: &Server, name: &str) -> (String, f64) {
    let response = server
        .http()
        .get(format!("{}/metrics", server.base))
        .send()
        .await;
    let metrics = response.unwrap().text().await.unwrap();
    let value = metrics
        .lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' '))
        .map_or(0.0, |n| n.trim().parse().unwrap());
    (metrics, value)
}

/// The names of the scheduled snapshots in `dir`.
fn snapshots_in(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut found: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "cdbsnap"))
        .collect();
    found.sort();
    found
}

#[tokio::test]
async fn scheduled_backups_are_taken_kept_and_counted_and_a_failing_one_harms_nothing() {
    let (dir, data) = data_file();
    let backups = dir.path().join("backups");
    std::fs::create_dir(&backups).unwrap();
    let server = Server::start_with(
        &data,
        &[
            "--backup-dir",
            backups.to_str().unwrap(),
            "--backup-interval",
            "1s",
            "--backup-keep",
            "2",
        ],
    );
    let admin = User::of(&server);
    let mut taken = 0.0;
    for i in 0..60 {
        admin
            .cli(&format!(
                "compute fleet create --name f{i} --capacity 1 --instance-type t3.nano"
            ))
            .ok();
        let (metrics, count) = metric(&server, "clusterdb_backup_duration_seconds_count").await;
        taken = count;
        if taken >= 3.0 {
            assert!(
                metrics.contains("clusterdb_backup_failures_total 0"),
                "{metrics}"
            );
            assert!(
                !metrics.contains("clusterdb_backup_last_success_timestamp_seconds 0\n"),
                "{metrics}"
            );
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    assert!(taken >= 3.0, "three backups within 15 s");
    let kept = snapshots_in(&backups);
    assert_eq!(kept.len(), 2, "{kept:?}");
    for file in &kept {
        clusterdb::backup::verify(std::fs::File::open(file).unwrap()).unwrap();
    }
    drop(server);

    // A directory that cannot be written: failures counted, serving goes on.
    let (dir, data) = data_file();
    let not_a_dir = dir.path().join("plain-file");
    std::fs::write(&not_a_dir, b"").unwrap();
    let server = Server::start_with(
        &data,
        &[
            "--backup-dir",
            not_a_dir.to_str().unwrap(),
            "--backup-interval",
            "1s",
        ],
    );
    let admin = User::of(&server);
    let mut failures = 0.0;
    for _ in 0..40 {
        admin.cli("compute fleet create --name still-serving --capacity 1 --instance-type t3.nano");
        failures = metric(&server, "clusterdb_backup_failures_total").await.1;
        if failures >= 2.0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    assert!(failures >= 2.0);
    admin.cli("compute fleet get still-serving").ok();
}

/// From one server to a cluster: a redb server's backup restored into an
/// etcd prefix with the CLI, then served from etcd with the same admin key;
/// its revisions continue past the snapshot's.
#[cfg(feature = "etcd")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_single_servers_backup_restores_into_etcd() {
    let (dir, data) = data_file();
    let single = Server::start(&data);
    let admin = User::of(&single);
    for i in 0..5 {
        admin
            .cli(&format!(
                "compute fleet create --name f{i} --capacity 1 --instance-type t3.nano"
            ))
            .ok();
    }
    let snapshot = dir.path().join("single.cdbsnap");
    admin
        .run(&["admin", "backup", "--out", snapshot.to_str().unwrap()])
        .ok();
    let revision = admin
        .run(&["admin", "verify", snapshot.to_str().unwrap(), "-o", "json"])
        .json()["header"]["revision"]
        .as_u64()
        .unwrap();
    let admin_key = single.key.clone();
    drop(single);

    let cluster = tokio::task::spawn_blocking(|| clusterdb_testkit::EtcdCluster::start(1))
        .await
        .unwrap();
    let store = cluster.store_url();
    admin
        .run(&[
            "admin",
            "restore",
            "--from",
            snapshot.to_str().unwrap(),
            "--store",
            &store,
            "--etcd-prefix",
            "/moved/",
        ])
        .ok();
    let again = admin.run(&[
        "admin",
        "restore",
        "--from",
        snapshot.to_str().unwrap(),
        "--store",
        &store,
        "--etcd-prefix",
        "/moved/",
    ]);
    assert!(again.failed(1).contains("not empty"), "{again:?}");

    let (_cluster_dir, cluster_data) = data_file();
    std::fs::copy(
        clusterdb::default_key_file(&data),
        clusterdb::default_key_file(&cluster_data),
    )
    .unwrap();
    let server = Server::start_with(
        &cluster_data,
        &["--store", &store, "--etcd-prefix", "/moved/"],
    );
    assert!(
        server.key.is_empty(),
        "the restored store is not bootstrapped again"
    );
    let mut admin = User::of(&server);
    admin.set("CLUSTERDB_API_KEY", &admin_key);
    let fleets = admin.cli("compute fleet list -o json").json();
    assert_eq!(fleets.as_array().unwrap().len(), 5);
    let made = admin
        .cli("compute fleet create --name on-etcd --capacity 1 --instance-type t3.nano -o json")
        .json();
    assert!(made["resource_version"].as_u64().unwrap() > revision);
}

/// A WebAssembly module of `size` incompressible bytes (a data segment of
/// pseudo-random bytes) exporting `_start`, built by hand.
fn big_module(size: usize) -> Vec<u8> {
    fn leb(mut n: usize, out: &mut Vec<u8>) {
        loop {
            let byte = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                out.push(byte);
                return;
            }
            out.push(byte | 0x80);
        }
    }
    fn section(id: u8, content: &[u8], out: &mut Vec<u8>) {
        out.push(id);
        leb(content.len(), out);
        out.extend_from_slice(content);
    }
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let data: Vec<u8> = (0..size)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    let pages = size.div_ceil(65536);
    let mut module = b"\0asm\x01\0\0\0".to_vec();
    section(1, &[1, 0x60, 0, 0], &mut module);
    section(3, &[1, 0], &mut module);
    let mut memory = vec![1, 0];
    leb(pages, &mut memory);
    section(5, &memory, &mut module);
    let mut exports = vec![2, 6];
    exports.extend_from_slice(b"_start");
    exports.extend_from_slice(&[0, 0, 6]);
    exports.extend_from_slice(b"memory");
    exports.extend_from_slice(&[2, 0]);
    section(7, &exports, &mut module);
    section(10, &[1, 2, 0, 0x0b], &mut module);
    let mut segment = vec![1, 0, 0x41, 0, 0x0b];
    leb(data.len(), &mut segment);
    segment.extend_from_slice(&data);
    section(11, &segment, &mut module);
    module
}

/// A client that goes away mid-stream stops its snapshot: the stream's
/// writer ends (the gauge of streams in progress returns to 0) and the
/// server goes on, a later snapshot whole. Four streams run at once at
/// most.
#[tokio::test]
async fn a_client_that_leaves_mid_stream_leaves_nothing_behind() {
    use base64::Engine as _;
    let (_dir, data) = data_file();
    let server = Server::start(&data);
    let code = base64::engine::general_purpose::STANDARD.encode(big_module(4 << 20));
    post(
        &server,
        "/v1/functions",
        json!({"name": "big", "runtime": "wasm", "code": code}),
    )
    .await;
    let open_stream = || async {
        let mut response = server
            .http()
            .get(format!("{}/v1/admin/snapshot", server.base))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert!(!response.chunk().await.unwrap().unwrap().is_empty());
        response
    };
    let streams_left = || async {
        let mut left = f64::NAN;
        for _ in 0..100 {
            left = metric(&server, "clusterdb_snapshot_streams").await.1;
            if left == 0.0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        left
    };
    for _ in 0..3 {
        let response = open_stream().await;
        assert_eq!(metric(&server, "clusterdb_snapshot_streams").await.1, 1.0);
        drop(response); // the connection closes mid-stream
        assert_eq!(streams_left().await, 0.0, "the snapshot's writer ended");
    }
    // At most four at once: a fifth waits its turn (503, Retry-After).
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(open_stream().await);
    }
    let fifth = server
        .http()
        .get(format!("{}/v1/admin/snapshot", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(fifth.status(), 503);
    assert!(fifth.headers().contains_key("retry-after"));
    drop(held);
    assert_eq!(streams_left().await, 0.0);
    let whole = server
        .http()
        .get(format!("{}/v1/admin/snapshot", server.base))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let verified = clusterdb::backup::verify(&whole[..]).unwrap();
    assert_eq!(verified.counts.objects["function"], 1);
    assert!(
        verified.bytes > 4 << 20,
        "incompressible: {}",
        verified.bytes
    );
}
