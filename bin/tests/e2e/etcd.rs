//! `clusterdb serve --store etcd://…`: two servers sharing one etcd.

use clusterdb_api::rest::wire::FleetInput;
use clusterdb_testkit::EtcdCluster;

use crate::server::{Server, data_file};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_share_one_etcd_store() {
    let cluster = tokio::task::spawn_blocking(|| EtcdCluster::start(1))
        .await
        .unwrap();
    let store = cluster.store_url();
    let args = ["--store", store.as_str(), "--etcd-prefix", "/e2e/"];
    let (_dir_a, data_a) = data_file();
    let (_dir_b, data_b) = data_file();
    let a = Server::start_with(&data_a, &args);
    // Every server of a shared store needs the store's master key file.
    share_master_key(&data_a, &data_b);
    let b = Server::start_with(&data_b, &args);
    let input = FleetInput {
        name: "shared".into(),
        description: String::new(),
        capacity: 1,
        instance_type: "t3.medium".into(),
        tags: Default::default(),
    };
    let created = a.client().fleets().create(&input).await.unwrap();
    // The store was bootstrapped once, by the first server.
    assert!(b.key.is_empty());
    let seen = b
        .client_with(&a.key)
        .fleets()
        .get(&created.id)
        .await
        .unwrap();
    assert_eq!(seen.name, "shared");
    let err = b
        .client_with(&a.key)
        .fleets()
        .create(&input)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ALREADY_EXISTS"));
    assert!(
        !data_a.exists() && !data_b.exists(),
        "no local data file is used"
    );
    // A key revoked through one server stops working on the other at once.
    let http = a.http();
    let users: serde_json::Value = http
        .get(format!("{}/v1/users", a.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let admin = users["users"][0]["id"].as_str().unwrap().to_string();
    let created: serde_json::Value = http
        .post(format!("{}/v1/users/{admin}/api-keys", a.base))
        .json(&serde_json::json!({"name": "shared"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let key = created["key"].as_str().unwrap();
    b.client_with(key).fleets().list(&[]).await.unwrap();
    let revoked = http
        .delete(format!(
            "{}/v1/users/{admin}/api-keys/{}",
            a.base,
            created["id"].as_str().unwrap()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status().as_u16(), 204);
    let err = b.client_with(key).fleets().list(&[]).await.unwrap_err();
    assert_eq!(err.code(), Some("UNAUTHENTICATED"));
    assert_eq!(a.terminate().code(), Some(0));
    assert_eq!(b.terminate().code(), Some(0));
}

/// Two servers on one etcd: exactly one delivers webhooks; when the
/// leader is killed, the other takes over within the lease's TTL and no
/// event is lost (a delivery in flight may repeat, with the same
/// webhook-id).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_elected_server_delivers_webhooks_and_a_successor_takes_over() {
    let receiver = crate::webhooks::Receiver::start().await;
    let cluster = tokio::task::spawn_blocking(|| EtcdCluster::start(1))
        .await
        .unwrap();
    let store = format!(
        "etcd://{}",
        cluster.endpoints()[0].trim_start_matches("http://")
    );
    let args = [
        "--store",
        store.as_str(),
        "--etcd-prefix",
        "/leader/",
        "--webhook-allow-private",
    ];
    let (_dir_a, data_a) = data_file();
    let (_dir_b, data_b) = data_file();
    let a = Server::start_with(&data_a, &args);
    // Every server of a shared store needs the store's master key file.
    share_master_key(&data_a, &data_b);
    let b = Server::start_with(&data_b, &args);
    let key = a.key.clone();
    let http = |server: &Server| server.client_with(&key);
    let fleet = |name: &str| FleetInput {
        name: name.into(),
        description: String::new(),
        capacity: 1,
        instance_type: "t3.medium".into(),
        tags: Default::default(),
    };
    let created: serde_json::Value = a
        .http()
        .post(format!("{}/v1/webhooks", a.base))
        .json(&serde_json::json!({"url": receiver.url, "events": ["fleet.created"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(created["id"].is_string(), "{created}");
    let mut names = Vec::new();
    for i in 0..5 {
        names.push(format!("before-{i}"));
        let server = if i % 2 == 0 { &a } else { &b };
        http(server)
            .fleets()
            .create(&fleet(&names[i]))
            .await
            .unwrap();
    }
    for name in &names {
        receiver.event("fleet.created", name).await;
    }
    // Exactly one server delivers: no event arrives twice.
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert_eq!(
        receiver.received().len(),
        names.len(),
        "one delivery per event"
    );

    // Kill a: b is then the only server, so it leads (if it did not
    // already) and delivers what is written meanwhile.
    a.kill();
    for i in 0..3 {
        names.push(format!("after-a-{i}"));
        http(&b)
            .fleets()
            .create(&fleet(names.last().unwrap()))
            .await
            .unwrap();
    }
    for name in &names {
        receiver.event("fleet.created", name).await;
    }
    // a comes back as a follower; killing b now kills the leader.
    let a = Server::start_with(&data_a, &args);
    b.kill();
    let killed = std::time::Instant::now();
    names.push("after-b".into());
    http(&a).fleets().create(&fleet("after-b")).await.unwrap();
    receiver.event("fleet.created", "after-b").await;
    let takeover = killed.elapsed();
    eprintln!("webhook delivery resumed {takeover:?} after the leader was killed");
    // The lease's TTL (4 s), the next campaign, the first poll, the delivery.
    assert!(
        takeover < std::time::Duration::from_secs(10),
        "took over after {takeover:?}"
    );
    // Nothing lost; a repeat carries the same webhook-id and body.
    let received = receiver.received();
    for name in &names {
        assert!(
            received
                .iter()
                .any(|r| r.json()["data"]["name"] == name.as_str()),
            "{name} was never delivered"
        );
    }
    for r in &received {
        for other in &received {
            if other.headers["webhook-id"] == r.headers["webhook-id"] {
                assert_eq!(other.body, r.body);
            }
        }
    }
    assert_eq!(a.terminate().code(), Some(0));
}

/// Copies the master key file the first server made to where the second
/// looks for it (`<data>.master-key`), as an operator would.
fn share_master_key(from: &std::path::Path, to: &std::path::Path) {
    std::fs::copy(
        clusterdb::default_key_file(from),
        clusterdb::default_key_file(to),
    )
    .unwrap();
}

/// `--store` naming only members that cannot be reached: a clear error
/// naming each, and a non-zero exit (after the start-up patience).
#[test]
fn serve_names_every_unreachable_member_and_exits() {
    let dead: Vec<String> = (0..2)
        .map(|_| {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().to_string()
        })
        .collect();
    let (_dir, data) = data_file();
    let store = format!("etcd://{}", dead.join(","));
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_clusterdb"));
    command.arg("serve").arg("--data").arg(&data).args([
        "--listen",
        "127.0.0.1:0",
        "--store",
        &store,
    ]);
    crate::server::isolate(&mut command, &data);
    let output = command.output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    for address in &dead {
        assert!(
            stderr.contains(address.as_str()),
            "{address} not named: {stderr}"
        );
    }
    assert!(stderr.contains("no etcd member can serve"), "{stderr}");
}
