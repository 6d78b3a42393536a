//! Webhook delivery from the real server to a receiver on loopback:
//! signatures (checked with our own HMAC and with the Standard Webhooks
//! library), the payload's shape, retries in order, 410 and exhaustion,
//! a crash mid-delivery, the address policy, the configuration file.

use clusterdb_testkit::eventually;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde_json::{Value, json};

use crate::server::{Server, data_file};

/// A fast retry schedule for tests: ten attempts 300 ms apart.
const FAST: &str = "0s,300ms,300ms,300ms,300ms,300ms,300ms,300ms,300ms,300ms";

/// One request the receiver got.
#[derive(Clone, Debug)]
pub(crate) struct Received {
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
    at: Instant,
}

impl Received {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

/// A scripted answer: a status and its `Retry-After`.
type Answer = (u16, Option<&'static str>);

#[derive(Clone, Default)]
struct Shared {
    requests: Arc<Mutex<Vec<Received>>>,
    /// Answers to give, in order, before answering 200 to everything.
    script: Arc<Mutex<VecDeque<Answer>>>,
}

/// A webhook receiver on a loopback port.
pub(crate) struct Receiver {
    pub(crate) url: String,
    shared: Shared,
    task: tokio::task::JoinHandle<()>,
}

async fn receive(State(shared): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    shared.requests.lock().unwrap().push(Received {
        headers,
        body,
        at: Instant::now(),
    });
    let next = shared.script.lock().unwrap().pop_front();
    match next {
        None => StatusCode::OK.into_response(),
        Some((status, retry_after)) => {
            let mut response = StatusCode::from_u16(status).unwrap().into_response();
            if let Some(seconds) = retry_after {
                response
                    .headers_mut()
                    .insert("retry-after", seconds.parse().unwrap());
            }
            response
        }
    }
}

impl Receiver {
    pub(crate) async fn start() -> Receiver {
        Self::start_on("127.0.0.1:0").await
    }

    async fn start_on(address: &str) -> Receiver {
        let shared = Shared::default();
        let app = axum::Router::new()
            .route("/hook", axum::routing::post(receive))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind(address).await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Receiver { url, shared, task }
    }

    /// Answers these statuses (with a `Retry-After`) first.
    pub(crate) fn script(&self, answers: &[Answer]) {
        self.shared
            .script
            .lock()
            .unwrap()
            .extend(answers.iter().copied());
    }

    pub(crate) fn received(&self) -> Vec<Received> {
        self.shared.requests.lock().unwrap().clone()
    }

    /// Waits until `n` requests arrived; returns them all.
    pub(crate) async fn wait_for(&self, n: usize) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            assert!(
                Instant::now() < deadline,
                "expected {n} deliveries, got {}: {:?}",
                got.len(),
                got.iter().map(Received::json).collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Receiver {
    /// Waits for the first request `matches` accepts.
    pub(crate) async fn wait_until(&self, matches: impl Fn(&Received) -> bool) -> Received {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(found) = self.received().into_iter().find(&matches) {
                return found;
            }
            assert!(
                Instant::now() < deadline,
                "no such delivery among {:?}",
                self.received()
                    .iter()
                    .map(Received::json)
                    .collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits for the event of `type` about the resource called `name`.
    pub(crate) async fn event(&self, event_type: &str, name: &str) -> Received {
        self.wait_until(|r| {
            let body = r.json();
            body["type"] == event_type && body["data"]["name"] == name
        })
        .await
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn post(server: &Server, path: &str, body: Value) -> (StatusCode, Value) {
    let response = server
        .http()
        .post(format!("{}/v1/{path}", server.base))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = StatusCode::from_u16(response.status().as_u16()).unwrap();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn get(server: &Server, path: &str) -> Value {
    let response = server
        .http()
        .get(format!("{}/v1/{path}", server.base))
        .send()
        .await
        .unwrap();
    assert!(
        response.status().is_success(),
        "GET {path}: {}",
        response.status()
    );
    response.json().await.unwrap()
}

async fn create_fleet(server: &Server, name: &str, capacity: u64) -> Value {
    let (status, fleet) = post(
        server,
        "fleets",
        json!({"name": name, "capacity": capacity, "instance_type": "t3.medium"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{fleet}");
    fleet
}

/// Our own check of a `webhook-signature`: some `v1,` entry is the
/// HMAC-SHA256 of `id.timestamp.body` under the secret's decoded bytes.
fn signed_with(received: &Received, secret: &str) -> bool {
    let header = |name: &str| received.headers[name].to_str().unwrap().to_string();
    let key = base64::engine::general_purpose::STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap())
        .unwrap();
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &key);
    let mut signed =
        format!("{}.{}.", header("webhook-id"), header("webhook-timestamp")).into_bytes();
    signed.extend_from_slice(&received.body);
    let expected =
        base64::engine::general_purpose::STANDARD.encode(ring::hmac::sign(&key, &signed).as_ref());
    header("webhook-signature")
        .split(' ')
        .any(|entry| entry == format!("v1,{expected}"))
}

/// The reference library's check, which also enforces its timestamp
/// tolerance (5 minutes).
fn verified_by_library(received: &Received, secret: &str) -> bool {
    standardwebhooks::Webhook::new(secret)
        .unwrap()
        .verify(&received.body, &received.headers)
        .is_ok()
}

#[tokio::test]
async fn deliveries_are_signed_and_shaped_as_the_spec_says() {
    let receiver = Receiver::start().await;
    let (_dir, data) = data_file();
    let server = Server::start_with(&data, &["--webhook-allow-private"]);
    let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let (status, endpoint) = post(
        &server,
        "webhooks",
        json!({"url": receiver.url, "events": ["fleet.created", "fleet.updated"], "secret": secret}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{endpoint}");
    assert_eq!(
        endpoint["secret"], secret,
        "the create answer shows the secret"
    );
    let id = endpoint["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("webhook-"));
    // Write-only: never read back.
    let read = get(&server, &format!("webhooks/{id}")).await;
    assert!(read.get("secret").is_none(), "{read}");
    assert_eq!(read["events"], json!(["fleet.created", "fleet.updated"]));

    let fleet = create_fleet(&server, "web-fleet", 3).await;
    let got = receiver.wait_for(1).await;
    let delivery = &got[0];
    let body = delivery.json();
    // The spec's example shape exactly: id, type, data, timestamp.
    let keys: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys.len(), 4, "{body}");
    for key in ["id", "type", "data", "timestamp"] {
        assert!(body.get(key).is_some(), "{key} missing: {body}");
    }
    assert!(body["id"].as_str().unwrap().starts_with("evt_"));
    assert_eq!(body["type"], "fleet.created");
    assert_eq!(body["data"]["fleet_id"], fleet["id"]);
    assert_eq!(body["data"]["name"], "web-fleet");
    assert_eq!(body["data"]["capacity"], 3);
    assert!(clusterdb::Timestamp::parse_rfc3339(body["timestamp"].as_str().unwrap()).is_some());
    // Standard Webhooks headers.
    assert_eq!(delivery.headers["webhook-id"], body["id"].as_str().unwrap());
    assert_eq!(delivery.headers["content-type"], "application/json");
    assert_eq!(
        delivery.headers["content-length"].to_str().unwrap(),
        delivery.body.len().to_string()
    );
    assert!(delivery.headers.get("transfer-encoding").is_none());
    let sent_at: i64 = delivery.headers["webhook-timestamp"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let now = clusterdb::Timestamp::now().unix_millis() / 1000;
    assert!(
        (now - sent_at).abs() < 60,
        "timestamp {sent_at} vs now {now}"
    );
    assert!(signed_with(delivery, secret));
    assert!(verified_by_library(delivery, secret));
    assert!(!verified_by_library(
        delivery,
        &clusterdb::webhooks::new_secret().unwrap()
    ));

    // An update is delivered.
    let fleet_id = fleet["id"].as_str().unwrap();
    let response = server
        .http()
        .put(format!("{}/v1/fleets/{fleet_id}", server.base))
        .json(&json!({"name": "web-fleet", "capacity": 5, "instance_type": "t3.medium"}))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success());
    receiver
        .wait_until(|r| r.json()["type"] == "fleet.updated" && r.json()["data"]["capacity"] == 5)
        .await;

    // The deliveries: one record per event, its attempt and answer.
    let page = get(&server, &format!("webhooks/{id}/deliveries")).await;
    let deliveries = page["deliveries"].as_array().unwrap();
    assert!(deliveries.len() >= 2, "{page}");
    assert_eq!(deliveries[0]["event_id"], body["id"]);
    assert_eq!(deliveries[0]["event_type"], "fleet.created");
    assert_eq!(deliveries[0]["status"], "succeeded");
    assert_eq!(deliveries[0]["attempts"][0]["attempt"], 1);
    assert_eq!(deliveries[0]["attempts"][0]["response_code"], 200);
    assert!(deliveries[0]["attempts"][0]["duration_ms"].is_u64());
    let delivery_id = deliveries[0]["id"].as_str().unwrap();
    assert_eq!(
        get(&server, &format!("webhooks/{id}/deliveries/{delivery_id}")).await,
        deliveries[0]
    );

    // A redelivery sends the same event again (same webhook-id), recorded
    // as a manual attempt.
    let before = receiver.received().len();
    let (status, redelivered) = post(
        &server,
        &format!("webhooks/{id}/deliveries/{delivery_id}/redeliver"),
        Value::Null,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{redelivered}");
    assert_eq!(redelivered["attempts"][1]["manual"], true);
    let again = receiver.received();
    let repeat = again[before..]
        .iter()
        .find(|r| r.headers["webhook-id"] == body["id"].as_str().unwrap())
        .expect("the redelivery arrived");
    assert_eq!(repeat.body, got[0].body);

    // A test event goes to this endpoint, although it does not subscribe
    // to webhook.test.
    let (status, test) = post(&server, &format!("webhooks/{id}/test"), Value::Null).await;
    assert_eq!(status, StatusCode::OK, "{test}");
    let tested = receiver
        .wait_until(|r| r.json()["type"] == "webhook.test")
        .await;
    assert_eq!(tested.json()["id"], test["event_id"]);
    assert!(verified_by_library(&tested, secret));

    // A rotation: for 24 hours deliveries are signed with both secrets.
    let (status, rotated) = post(&server, &format!("webhooks/{id}/secret"), Value::Null).await;
    assert_eq!(status, StatusCode::OK, "{rotated}");
    let new_secret = rotated["secret"].as_str().unwrap().to_string();
    assert_ne!(new_secret, secret);
    create_fleet(&server, "second", 1).await;
    let last = receiver.event("fleet.created", "second").await;
    assert_eq!(
        last.headers["webhook-signature"]
            .to_str()
            .unwrap()
            .split(' ')
            .count(),
        2
    );
    assert!(signed_with(&last, &new_secret) && signed_with(&last, secret));
    assert!(verified_by_library(&last, &new_secret) && verified_by_library(&last, secret));

    // Bad input: a clear 400 naming the field.
    let (status, error) = post(
        &server,
        "webhooks",
        json!({"url": "ftp://example.com/", "events": ["*"]}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error["error"]["code"], "INVALID_REQUEST", "{error}");
    assert!(error.to_string().contains("url"), "{error}");
}

#[tokio::test]
async fn a_failing_receiver_gets_every_event_in_order_once_it_recovers() {
    let receiver = Receiver::start().await;
    // Down for five attempts (the first asks for 1 s), then up.
    receiver.script(&[
        (503, Some("1")),
        (500, None),
        (500, None),
        (502, None),
        (500, None),
    ]);
    let (_dir, data) = data_file();
    let server = Server::start_with(
        &data,
        &["--webhook-allow-private", "--webhook-retry-schedule", FAST],
    );
    let (_, endpoint) = post(
        &server,
        "webhooks",
        json!({"url": receiver.url, "events": ["*"]}),
    )
    .await;
    let id = endpoint["id"].as_str().unwrap().to_string();
    let mut fleet_ids = Vec::new();
    for i in 0..5 {
        fleet_ids.push(create_fleet(&server, &format!("f{i}"), 1).await["id"].clone());
    }
    for i in 0..5 {
        receiver.event("fleet.created", &format!("f{i}")).await;
    }
    let got = receiver.received();
    // The first event was tried six times, 300 ms apart, but the first
    // retry waited for Retry-After.
    let first_id = got[0].headers["webhook-id"].clone();
    let retries: Vec<&Received> = got
        .iter()
        .filter(|r| r.headers["webhook-id"] == first_id)
        .collect();
    assert_eq!(retries.len(), 6);
    assert!(
        retries[1].at - retries[0].at >= Duration::from_millis(950),
        "Retry-After honoured"
    );
    assert!(retries[2].at - retries[1].at >= Duration::from_millis(290));
    // Then every event once, in log order: nothing lost, nothing
    // overtaken (the ids are `evt_{revision}_{index}`).
    let mut positions: Vec<(u64, u64)> = got[5..]
        .iter()
        .map(|r| {
            let id = r.headers["webhook-id"].to_str().unwrap();
            let (revision, index) = id.trim_start_matches("evt_").split_once('_').unwrap();
            (revision.parse().unwrap(), index.parse().unwrap())
        })
        .collect();
    let sent = positions.clone();
    positions.sort();
    positions.dedup();
    assert_eq!(sent, positions, "in order, each once");
    let created: Vec<Value> = got
        .iter()
        .map(Received::json)
        .filter(|b| b["type"] == "fleet.created")
        .map(|b| b["data"]["fleet_id"].clone())
        .collect();
    let mut unique = created.clone();
    unique.dedup();
    assert_eq!(unique, fleet_ids, "every fleet.created, in order");
    let page = get(&server, &format!("webhooks/{id}/deliveries")).await;
    let first = &page["deliveries"][0];
    assert_eq!(first["status"], "succeeded");
    assert_eq!(first["attempts"].as_array().unwrap().len(), 6);
    assert_eq!(first["attempts"][0]["response_code"], 503);
    assert!(
        first["attempts"][0]["error"]
            .as_str()
            .unwrap()
            .contains("503")
    );
}

#[tokio::test]
async fn a_receiver_that_is_down_gets_everything_once_it_listens() {
    // A port nobody listens on (yet): attempts are refused connections.
    let address = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap()
    };
    let (_dir, data) = data_file();
    let server = Server::start_with(
        &data,
        &["--webhook-allow-private", "--webhook-retry-schedule", FAST],
    );
    let url = format!("http://{address}/hook");
    let (_, endpoint) = post(
        &server,
        "webhooks",
        json!({"url": url, "events": ["fleet.created"]}),
    )
    .await;
    let id = endpoint["id"].as_str().unwrap().to_string();
    for i in 0..3 {
        create_fleet(&server, &format!("f{i}"), 1).await;
    }
    // Failed attempts are recorded with the connection error.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let page = get(&server, &format!("webhooks/{id}/deliveries")).await;
        let attempts = page["deliveries"][0]["attempts"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if attempts.len() >= 2 {
            assert!(attempts[0]["response_code"].is_null(), "{page}");
            assert!(!attempts[0]["error"].as_str().unwrap().is_empty());
            assert_eq!(page["deliveries"][0]["status"], "pending");
            assert!(page["deliveries"][0]["next_attempt_at"].is_string());
            break;
        }
        assert!(Instant::now() < deadline, "{page}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let receiver = Receiver::start_on(&address.to_string()).await;
    for i in 0..3 {
        receiver.event("fleet.created", &format!("f{i}")).await;
    }
    let names: Vec<Value> = receiver
        .received()
        .iter()
        .map(|r| r.json()["data"]["name"].clone())
        .collect();
    assert_eq!(
        names,
        [json!("f0"), json!("f1"), json!("f2")],
        "each once, in order"
    );
}

#[tokio::test]
async fn gone_and_an_exhausted_schedule_disable_the_endpoint() {
    let receiver = Receiver::start().await;
    receiver.script(&[(410, None)]);
    let (_dir, data) = data_file();
    let server = Server::start_with(
        &data,
        &[
            "--webhook-allow-private",
            "--webhook-retry-schedule",
            "0s,100ms,100ms",
        ],
    );
    let (_, endpoint) = post(
        &server,
        "webhooks",
        json!({"url": receiver.url, "events": ["fleet.created"]}),
    )
    .await;
    let id = endpoint["id"].as_str().unwrap().to_string();
    create_fleet(&server, "a", 1).await;
    receiver.wait_for(1).await;
    let disabled = wait_until_disabled(&server, &id).await;
    assert!(
        disabled["disabled_reason"]
            .as_str()
            .unwrap()
            .contains("410"),
        "{disabled}"
    );
    // Nothing more goes to it.
    create_fleet(&server, "b", 1).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(receiver.received().len(), 1);
    // The log says so.
    let events = get(&server, "events?types=webhook.disabled").await;
    assert_eq!(
        events["events"][0]["data"]["webhook_id"],
        id.as_str(),
        "{events}"
    );

    // Enabled again, it resumes where it stopped: the event written while
    // it was off arrives. Then three failures in a row exhaust the
    // schedule and disable it again.
    receiver.script(&[(500, None), (500, None), (500, None)]);
    let response = server
        .http()
        .put(format!("{}/v1/webhooks/{id}", server.base))
        .json(&json!({"url": receiver.url, "events": ["fleet.created"], "enabled": true}))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success());
    let enabled: Value = response.json().await.unwrap();
    assert!(enabled.get("disabled_reason").is_none(), "{enabled}");
    let got = receiver.wait_for(4).await;
    assert_eq!(got[1].json()["data"]["name"], "b");
    let disabled = wait_until_disabled(&server, &id).await;
    assert!(
        disabled["disabled_reason"]
            .as_str()
            .unwrap()
            .contains("3 delivery attempts"),
        "{disabled}"
    );
    let page = get(&server, &format!("webhooks/{id}/deliveries")).await;
    let last = page["deliveries"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["status"], "failed", "{page}");
    assert_eq!(last["attempts"].as_array().unwrap().len(), 3);
}

async fn wait_until_disabled(server: &Server, id: &str) -> Value {
    eventually("the endpoint to be disabled", || async {
        let endpoint = get(server, &format!("webhooks/{id}")).await;
        (endpoint["enabled"] == false).then_some(endpoint)
    })
    .await
}

#[tokio::test]
async fn a_server_killed_mid_delivery_resumes_after_restart_and_loses_nothing() {
    let receiver = Receiver::start().await;
    // Failing while the server is killed: deliveries are pending.
    receiver.script(&[(500, None); 4]);
    let (_dir, data) = data_file();
    let args = [
        "--webhook-allow-private",
        "--webhook-retry-schedule",
        "0s,500ms,500ms,500ms,500ms,500ms,500ms",
    ];
    let server = Server::start_with(&data, &args);
    post(
        &server,
        "webhooks",
        json!({"url": receiver.url, "events": ["fleet.created"]}),
    )
    .await;
    let mut names = Vec::new();
    for i in 0..20 {
        names.push(format!("f{i}"));
        create_fleet(&server, &names[i], 1).await;
    }
    receiver.wait_for(2).await;
    server.kill();
    let server = Server::start_with(&data, &args);
    for i in 20..25 {
        names.push(format!("f{i}"));
        create_fleet(&server, &names[i], 1).await;
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let got = receiver.received();
        let mut delivered: Vec<String> = got
            .iter()
            .map(|r| r.json()["data"]["name"].as_str().unwrap().to_string())
            .collect();
        // Every webhook-id names one event: a repeat is the same body.
        for r in &got {
            let same: Vec<&Received> = got
                .iter()
                .filter(|o| o.headers["webhook-id"] == r.headers["webhook-id"])
                .collect();
            assert!(same.iter().all(|o| o.body == r.body));
        }
        delivered.dedup();
        if delivered == names {
            break;
        }
        assert!(Instant::now() < deadline, "delivered {delivered:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    drop(server);
}

#[tokio::test]
async fn private_and_loopback_receivers_are_refused_unless_allowed() {
    let receiver = Receiver::start().await;
    let port = receiver
        .url
        .split(':')
        .nth(2)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_string();
    let (_dir, data) = data_file();
    let server = Server::start_with(&data, &["--webhook-retry-schedule", "0s"]);
    // A literal loopback address, and a name that resolves to one (as a
    // rebinding attacker's would): both refused when connecting.
    let mut ids = Vec::new();
    for url in [
        receiver.url.clone(),
        format!("http://localhost:{port}/hook"),
        "http://[::1]:9/hook".to_string(),
        "http://169.254.169.254/latest/meta-data".to_string(),
    ] {
        let (status, endpoint) =
            post(&server, "webhooks", json!({"url": url, "events": ["*"]})).await;
        assert_eq!(status, StatusCode::OK, "{endpoint}");
        ids.push(endpoint["id"].as_str().unwrap().to_string());
    }
    create_fleet(&server, "a", 1).await;
    for id in &ids {
        let disabled = wait_until_disabled(&server, id).await;
        assert!(!disabled["disabled_reason"].as_str().unwrap().is_empty());
        let page = get(&server, &format!("webhooks/{id}/deliveries")).await;
        let error = page["deliveries"][0]["attempts"][0]["error"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(error.contains("not a public address"), "{id}: {error}");
    }
    assert!(
        receiver.received().is_empty(),
        "nothing reached the receiver"
    );
}

#[tokio::test]
async fn the_config_files_webhooks_are_applied_at_start() {
    let receiver = Receiver::start().await;
    let (dir, data) = data_file();
    let config = dir.path().join("config.yaml");
    std::fs::write(
        &config,
        format!(
            "webhooks:\n  - url: {}\n    events:\n      - fleet.created\n      - fleet.updated\n    secret: ${{WEBHOOK_SECRET}}\nserver:\n  webhook_allow_private: true\n",
            receiver.url
        ),
    )
    .unwrap();
    let secret = clusterdb::webhooks::new_secret().unwrap();
    let start = |secret: &str| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_clusterdb"));
        command
            .args(["--config", config.to_str().unwrap(), "serve", "--data"])
            .arg(&data)
            .args(["--listen", "127.0.0.1:0"]);
        crate::server::isolate(&mut command, &data);
        command.env("WEBHOOK_SECRET", secret);
        Server::spawn_command(command, &data)
    };
    let server = start(&secret);
    let listed = get(&server, "webhooks").await;
    assert_eq!(listed["webhooks"].as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed["webhooks"][0]["url"], receiver.url.as_str());
    create_fleet(&server, "web-fleet", 3).await;
    let got = receiver.event("fleet.created", "web-fleet").await;
    assert!(verified_by_library(&got, &secret));
    drop(server);
    // A restart applies it again: still one endpoint; a new secret in the
    // environment rotates it.
    let rotated = clusterdb::webhooks::new_secret().unwrap();
    let server = start(&rotated);
    let listed = get(&server, "webhooks").await;
    assert_eq!(listed["webhooks"].as_array().unwrap().len(), 1, "{listed}");
    create_fleet(&server, "another", 1).await;
    let got = receiver.event("fleet.created", "another").await;
    assert!(verified_by_library(&got, &rotated) && verified_by_library(&got, &secret));
}

#[tokio::test]
async fn the_webhook_service_on_grpc() {
    use clusterdb_proto::webhooks::v1 as pb;
    let receiver = Receiver::start().await;
    let (_dir, data) = data_file();
    let server = Server::start_with(&data, &["--webhook-allow-private"]);
    let (channel, auth) = server.grpc().await;
    let mut client = pb::WebhookServiceClient::with_interceptor(channel, auth);
    let err = client
        .create_webhook(pb::CreateWebhookRequest {
            url: "gopher://example.com/".into(),
            events: vec!["*".into()],
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), tonic::Code::InvalidArgument);
    let created = client
        .create_webhook(pb::CreateWebhookRequest {
            url: receiver.url.clone(),
            events: vec!["fleet.created".into()],
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(created.secret.starts_with("whsec_") && created.enabled);
    let got = client
        .get_webhook(pb::GetWebhookRequest {
            id: created.id.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(got.secret.is_empty(), "write-only");
    assert_eq!(got.url, receiver.url);
    let listed = client
        .list_webhooks(pb::ListWebhooksRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.webhooks.len(), 1);

    create_fleet(&server, "grpc-fleet", 1).await;
    let delivered = receiver.event("fleet.created", "grpc-fleet").await;
    assert!(verified_by_library(&delivered, &created.secret));
    let test = client
        .test_webhook(pb::TestWebhookRequest {
            id: created.id.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    receiver
        .wait_until(|r| r.json()["id"] == test.event_id.as_str())
        .await;
    let deliveries = client
        .list_webhook_deliveries(pb::ListWebhookDeliveriesRequest {
            id: created.id.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let first = &deliveries.deliveries[0];
    assert_eq!(first.status, "succeeded");
    assert_eq!(first.attempts[0].response_code, Some(200));
    let one = client
        .get_webhook_delivery(pb::GetWebhookDeliveryRequest {
            id: created.id.clone(),
            delivery_id: first.id.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(&one, first);
    let again = client
        .redeliver_webhook(pb::RedeliverWebhookRequest {
            id: created.id.clone(),
            delivery_id: first.id.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(again.attempts[1].manual);
    let rotated = client
        .rotate_webhook_secret(pb::RotateWebhookSecretRequest {
            id: created.id.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_ne!(rotated.secret, created.secret);
    // An update without a secret keeps it; disabling works.
    let updated = client
        .update_webhook(pb::UpdateWebhookRequest {
            id: created.id.clone(),
            name: created.name.clone(),
            url: receiver.url.clone(),
            events: vec!["*".into()],
            enabled: false,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(!updated.enabled);
    let err = client
        .get_webhook_delivery(pb::GetWebhookDeliveryRequest {
            id: created.id.clone(),
            delivery_id: "dlv_nope".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), tonic::Code::NotFound);
    client
        .delete_webhook(pb::DeleteWebhookRequest {
            id: created.id.clone(),
            expected_version: None,
        })
        .await
        .unwrap();
}

/// An alert rule's firing reaches a webhook receiver as `alert.firing`,
/// with the alert as `data`; its resolution as `alert.resolved`.
#[tokio::test]
async fn alert_firing_and_resolved_reach_a_receiver() {
    let receiver = Receiver::start().await;
    let (_dir, data) = data_file();
    let server = Server::start_with(
        &data,
        &[
            "--webhook-allow-private",
            "--alert-evaluation-interval",
            "1",
        ],
    );
    let (status, endpoint) = post(
        &server,
        "webhooks",
        json!({"url": receiver.url, "events": ["alert.firing", "alert.resolved"]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{endpoint}");
    let (status, _) = post(
        &server,
        "monitoring/samples",
        json!([{"service": "web-service", "metric": "queue_depth", "value": 99}]),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, rule) = post(
        &server,
        "monitoring/alert-rules",
        json!({"name": "deep-queue", "service": "web-service", "metric": "queue_depth",
               "aggregation": "max", "window": "2s", "op": ">", "threshold": 50,
               "severity": "warning", "summary": "the queue is deep"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{rule}");
    let firing = receiver.event("alert.firing", "deep-queue").await.json();
    assert_eq!(firing["data"]["state"], "firing");
    assert_eq!(firing["data"]["severity"], "warning");
    assert_eq!(firing["data"]["summary"], "the queue is deep");
    assert_eq!(firing["data"]["value"], 99.0);
    assert_eq!(firing["data"]["rule_id"], rule["id"]);
    assert!(
        firing["data"]["alert_id"]
            .as_str()
            .unwrap()
            .starts_with("alert-")
    );
    // The 2 s window empties: resolved.
    let resolved = receiver.event("alert.resolved", "deep-queue").await.json();
    assert_eq!(resolved["data"]["state"], "resolved");
}
