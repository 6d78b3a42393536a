//! The SDK over an embedded database: `Client::in_process(embedded_app)`.

use clusterdb::ClusterDb;
use clusterdb_api::rest::wire::FleetInput;
use clusterdb_client::{Client, ClientError, Json};
use serde_json::{Value, json};

async fn client() -> (ClusterDb, Client) {
    let db = ClusterDb::builder()
        .reconcile(false)
        .open_in_memory()
        .await
        .unwrap();
    let client = Client::in_process(clusterdb_api::InProcess::new(clusterdb_api::embedded_app(
        db.clone(),
    )))
    .unwrap();
    (db, client)
}

#[tokio::test]
async fn the_typed_and_raw_calls_work_without_a_socket_and_record_the_local_actor() {
    let (_db, client) = client().await;
    let fleet = client
        .fleets()
        .create(&FleetInput {
            name: "web".into(),
            description: String::new(),
            capacity: 2,
            instance_type: "t3.micro".into(),
            tags: Default::default(),
        })
        .await
        .unwrap();
    assert_eq!(fleet.created_by, clusterdb_api::LOCAL_ACTOR);

    // Raw: answers exactly as written, in the server's key order.
    let raw = client.resources_as::<clusterdb_client::Fleets, Value, Json>();
    let page = raw.list(&[("name", "web")]).await.unwrap();
    assert_eq!(page.items.len(), 1);
    assert!(
        page.items[0].get().starts_with(r#"{"id":""#),
        "{}",
        page.items[0]
    );
    let text = raw.get(&fleet.id).await.unwrap();
    let value: Value = serde_json::from_str(text.get()).unwrap();
    assert_eq!(value["capacity"], 2);

    // The API's own validation and errors, unchanged.
    let err = raw
        .create(&json!({"name": "bad", "capacity": 0, "instance_type": "t3.micro"}))
        .await
        .unwrap_err();
    match err {
        ClientError::Api { code, details, .. } => {
            assert_eq!(code, "INVALID_REQUEST");
            assert_eq!(details["field"], "capacity");
        }
        other => panic!("{other:?}"),
    }
    // A background delete answers the resource; it is then `deleting`.
    let deleted = raw.delete(&fleet.id, None).await.unwrap().unwrap();
    assert!(
        deleted.get().contains(r#""status":"deleting""#),
        "{deleted}"
    );
    assert!(client.server_version().await.unwrap().starts_with("0."));
}
