//! The event log over REST: pages in the webhook payload's shape,
//! filters, the live watch with exact resume, and 410 past retention.

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use clusterdb::ClusterDb;
use clusterdb::identity::Role;
use clusterdb_api::events::{Filter, list};
use clusterdb_api::{RestConfig, app};
use http_body_util::BodyExt as _;
use serde_json::{Value, json};
use tower::ServiceExt as _;

use crate::support::{as_admin, call};

async fn setup() -> (ClusterDb, Router) {
    let db = ClusterDb::builder()
        .reconcile(false)
        .open_in_memory()
        .await
        .unwrap();
    let router = as_admin(&db, app(db.clone(), &RestConfig::default()).await).await;
    (db, router)
}

async fn create_fleet(app: &Router, name: &str) -> Value {
    let body = format!(r#"{{"name":"{name}","capacity":3,"instance_type":"t3.medium"}}"#);
    call(app, Method::POST, "/v1/fleets", &[], Some(&body))
        .await
        .body
}

/// Reads server-sent events from `response` until `count` data events
/// (not bookmarks) arrived: their ids and payloads.
async fn read_events(body: &mut Body, count: usize) -> Vec<(String, Value)> {
    let mut text = String::new();
    let mut events = Vec::new();
    while events.len() < count {
        let frame = tokio::time::timeout(Duration::from_secs(10), body.frame())
            .await
            .expect("an event within 10 s")
            .expect("the stream goes on")
            .unwrap();
        if let Some(data) = frame.data_ref() {
            text.push_str(std::str::from_utf8(data).unwrap());
        }
        while let Some(end) = text.find("\n\n") {
            let block: String = text.drain(..end + 2).collect();
            let mut id = None;
            let mut data = None;
            let mut named = false;
            for line in block.lines() {
                if let Some(value) = line.strip_prefix("id:") {
                    id = Some(value.trim().to_string());
                } else if let Some(value) = line.strip_prefix("data:") {
                    data = Some(value.trim().to_string());
                } else if line.starts_with("event:") {
                    named = true;
                }
            }
            if let (Some(id), Some(data), false) = (id, data, named) {
                events.push((id, serde_json::from_str(&data).unwrap()));
            }
        }
    }
    events
}

async fn watch(app: &Router, query: &str, last_event_id: Option<&str>) -> (StatusCode, Body) {
    let mut request = Request::builder().uri(format!("/v1/events:watch{query}"));
    if let Some(id) = last_event_id {
        request = request.header("last-event-id", id);
    }
    let response = app
        .clone()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    (response.status(), response.into_body())
}

#[tokio::test]
async fn pages_carry_the_webhook_payload_and_filter() {
    let (_db, app) = setup().await;
    let fleet = create_fleet(&app, "web-fleet").await;
    create_fleet(&app, "db-fleet").await;
    let page = call(
        &app,
        Method::GET,
        "/v1/events?types=fleet.created",
        &[],
        None,
    )
    .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.raw);
    let events = page.body["events"].as_array().unwrap();
    assert_eq!(events.len(), 2);
    let first = &events[0];
    assert!(first["id"].as_str().unwrap().starts_with("evt_"));
    assert_eq!(first["type"], "fleet.created");
    assert_eq!(first["data"]["fleet_id"], fleet["id"]);
    assert_eq!(first["data"]["name"], "web-fleet");
    assert_eq!(first["data"]["capacity"], 3);
    assert!(first["timestamp"].as_str().unwrap().ends_with('Z'));
    assert!(first["revision"].as_u64().unwrap() > 0);
    // Paging by revision.
    let after = first["revision"].as_u64().unwrap();
    let rest = call(
        &app,
        Method::GET,
        &format!("/v1/events?types=fleet.created&after={after}"),
        &[],
        None,
    )
    .await;
    assert_eq!(rest.body["events"].as_array().unwrap().len(), 1);
    let users = call(
        &app,
        Method::GET,
        "/v1/events?kinds=user&page_size=1000",
        &[],
        None,
    )
    .await;
    assert!(
        users.body["events"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["type"].as_str().unwrap().starts_with("user."))
    );
    let long = format!("/v1/events?types={}", "a".repeat(4097));
    let refused = call(&app, Method::GET, &long, &[], None).await;
    assert_eq!(
        refused.error(StatusCode::BAD_REQUEST, "INVALID_REQUEST")["field"],
        "types"
    );
    let bad = call(&app, Method::GET, "/v1/events?page_size=0", &[], None).await;
    assert_eq!(
        bad.error(StatusCode::BAD_REQUEST, "INVALID_REQUEST")["field"],
        "page_size"
    );
}

#[tokio::test]
async fn callers_see_only_the_kinds_they_may_read() {
    let (db, app) = setup().await;
    create_fleet(&app, "web").await;
    // The bootstrap made a user and an API key: admin-only reading.
    let viewer = Filter {
        types: Vec::new(),
        kinds: Vec::new(),
        principal: clusterdb::identity::Principal::user("user-viewer", [Role::Viewer]).into(),
    };
    let (seen, _) = list(&db, 0, 1000, &viewer).await.unwrap();
    let kinds: Vec<String> = seen
        .iter()
        .map(|(_, e)| e["type"].as_str().unwrap().to_string())
        .collect();
    assert!(kinds.iter().any(|t| t == "fleet.created"));
    assert!(kinds.iter().all(|t| !t.starts_with("apikey.")), "{kinds:?}");
    let admin = Filter {
        principal: clusterdb::identity::Principal::user("user-admin", [Role::Admin]).into(),
        ..viewer
    };
    let (all, _) = list(&db, 0, 1000, &admin).await.unwrap();
    assert!(all.iter().any(|(_, e)| e["type"] == "apikey.created"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watch_from_zero_under_writes_is_the_log_exactly_and_resumes_exactly() {
    let (db, app) = setup().await;
    let (status, mut body) = watch(&app, "?after=0", None).await;
    assert_eq!(status, StatusCode::OK);
    // Writes while the watch runs, from several tasks.
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let app = app.clone();
            tokio::spawn(async move {
                for i in 0..10 {
                    create_fleet(&app, &format!("f{w}-{i}")).await;
                }
            })
        })
        .collect();
    for writer in writers {
        writer.await.unwrap();
    }
    // A commit of two events: deleting a user in a group updates the group.
    let user = call(
        &app,
        Method::POST,
        "/v1/users",
        &[],
        Some(r#"{"username":"alice"}"#),
    )
    .await
    .body;
    let group = json!({"name": "ops", "members": [user["id"]]}).to_string();
    call(&app, Method::POST, "/v1/groups", &[], Some(&group)).await;
    let deleted = call(
        &app,
        Method::DELETE,
        &format!("/v1/users/{}", user["id"].as_str().unwrap()),
        &[],
        None,
    )
    .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);

    let log = call(&app, Method::GET, "/v1/events?page_size=1000", &[], None).await;
    let log = log.body["events"].as_array().unwrap().clone();
    let watched = read_events(&mut body, log.len()).await;
    let payloads: Vec<Value> = watched.iter().map(|(_, p)| p.clone()).collect();
    assert_eq!(payloads, log);
    // Ids are positions; resume inside the two-event commit: the second
    // event comes next, nothing before it again.
    let last_commit = log.last().unwrap()["revision"].clone();
    let in_commit: Vec<&(String, Value)> = watched
        .iter()
        .filter(|(_, p)| p["revision"] == last_commit)
        .collect();
    assert_eq!(in_commit.len(), 2, "{in_commit:?}");
    let (_, mut resumed) = watch(&app, "?after=0", Some(&in_commit[0].0)).await;
    create_fleet(&app, "after").await;
    let next = read_events(&mut resumed, 2).await;
    assert_eq!(next[0], *in_commit[1]);
    assert_eq!(next[1].1["data"]["name"], "after");
    // `after=now` sees only what comes next.
    let (_, mut fresh) = watch(&app, "?after=now", None).await;
    create_fleet(&app, "newest").await;
    assert_eq!(
        read_events(&mut fresh, 1).await[0].1["data"]["name"],
        "newest"
    );
    drop(db);
}

#[tokio::test]
async fn positions_older_than_the_history_kept_are_gone() {
    let (db, app) = setup().await;
    for i in 0..3 {
        create_fleet(&app, &format!("f{i}")).await;
    }
    let head = db.events().current_revision().await.unwrap();
    db.events().compact(head).await.unwrap();
    let reply = call(&app, Method::GET, "/v1/events?after=1", &[], None).await;
    let details = reply.error(StatusCode::GONE, "OUT_OF_RANGE");
    assert_eq!(details["requested_after"], 1);
    assert!(details["oldest_after"].as_u64().unwrap() >= 1);
    let (status, _) = watch(&app, "?after=1", None).await;
    assert_eq!(status, StatusCode::GONE);
    let (status, _) = watch(&app, "", Some("1-0")).await;
    assert_eq!(status, StatusCode::GONE);
    // From the oldest kept, both work.
    let oldest = details["oldest_after"].as_u64().unwrap();
    let ok = call(
        &app,
        Method::GET,
        &format!("/v1/events?after={oldest}"),
        &[],
        None,
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK);
}

#[tokio::test]
async fn a_watch_ends_when_the_server_stops() {
    let db = ClusterDb::builder()
        .reconcile(false)
        .open_in_memory()
        .await
        .unwrap();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let config = RestConfig {
        shutdown: Some(stopped),
        ..RestConfig::default()
    };
    let app = as_admin(&db, app(db.clone(), &config).await).await;
    let (status, mut body) = watch(&app, "?after=now", None).await;
    assert_eq!(status, StatusCode::OK);
    stop.send(true).unwrap();
    let end = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(frame) = body.frame().await {
            frame.unwrap();
        }
    })
    .await;
    assert!(end.is_ok(), "the stream ended");
}
