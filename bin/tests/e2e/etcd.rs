//! `clusterdb serve --store etcd://…`: two servers sharing one etcd.

use clusterdb_api::rest::wire::FleetInput;
use clusterdb_testkit::EtcdCluster;

use crate::server::{Server, data_file};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_share_one_etcd_store() {
    let cluster = tokio::task::spawn_blocking(|| EtcdCluster::start(1))
        .await
        .unwrap();
    let hosts: Vec<String> = cluster
        .endpoints()
        .iter()
        .map(|e| e.trim_start_matches("http://").to_string())
        .collect();
    let store = format!("etcd://{}", hosts.join(","));
    let args = ["--store", store.as_str(), "--etcd-prefix", "/e2e/"];
    let (_dir_a, data_a) = data_file();
    let (_dir_b, data_b) = data_file();
    let a = Server::start_with(&data_a, &args);
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
