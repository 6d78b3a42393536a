//! The Rust SDK (`clusterdb-client`) against the real binary, as an
//! application meets it: pages, conflicts, retries that run a create once,
//! timeouts, a watch across a server restart and past the history, token
//! renewal, and a webhook delivery verified.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clusterdb_client::wire::{FleetInput, FleetOutput, OAuthClientInput, WebhookInput};
use clusterdb_client::{
    Client, ClientError, Fleets, OAuthClients, RetryPolicy, Webhooks, signatures,
};
use futures_util::{StreamExt as _, TryStreamExt as _};
use reqwest::StatusCode;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

use crate::server::{Server, data_file, isolate};
use crate::webhooks::Receiver;

fn fleet(name: &str) -> FleetInput {
    FleetInput {
        name: name.into(),
        description: String::new(),
        capacity: 1,
        instance_type: "t3.nano".into(),
        tags: BTreeMap::from([("team".into(), "sdk".into())]),
    }
}

fn no_retries() -> RetryPolicy {
    RetryPolicy {
        max_retries: 0,
        ..RetryPolicy::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_conflicts_and_read_options() {
    let (_dir, data) = data_file();
    let server = Server::start(&data);
    let fleets = server.client().resources::<Fleets>();
    let mut made = Vec::new();
    for i in 0..7 {
        made.push(fleets.create(&fleet(&format!("f{i}"))).await.unwrap());
    }
    // Seven fleets over pages of three: every one, once.
    let all: Vec<FleetOutput> = fleets
        .list_all(&[("tag", "team:sdk"), ("page_size", "3")])
        .try_collect()
        .await
        .unwrap();
    let mut names: Vec<&str> = all.iter().map(|f| f.name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["f0", "f1", "f2", "f3", "f4", "f5", "f6"]);
    let first = fleets.list(&[("page_size", "3")]).await.unwrap();
    assert_eq!(first.items.len(), 3);
    assert!(first.next_page_token.is_some());

    // A second fleet of a name: 409, with the request id to quote.
    let err = fleets.create(&fleet("f0")).await.unwrap_err();
    match &err {
        ClientError::Api {
            status,
            code,
            request_id,
            ..
        } => {
            assert_eq!(
                (*status, code.as_str()),
                (StatusCode::CONFLICT, "ALREADY_EXISTS")
            );
            assert!(
                request_id.as_deref().is_some_and(|id| !id.is_empty()),
                "{err:?}"
            );
        }
        other => panic!("{other:?}"),
    }

    // A replace at a version someone else moved past: 412 with the
    // version it expected.
    let bigger = FleetInput {
        capacity: 2,
        ..fleet("f0")
    };
    // Read, then replace at that version; the reconciler's status writes
    // may slip in between, so read again on 412 (as the CLI does).
    let (stale, moved) = loop {
        let current = fleets.get(&made[0].id).await.unwrap();
        let version = current.resource_version;
        match fleets.replace(&made[0].id, &bigger, Some(version)).await {
            Ok(moved) => break (version, moved),
            Err(err) if err.status() == Some(StatusCode::PRECONDITION_FAILED) => continue,
            Err(err) => panic!("{err:?}"),
        }
    };
    let err = fleets
        .replace(&made[0].id, &fleet("f0"), Some(stale))
        .await
        .unwrap_err();
    assert_eq!(
        err.status(),
        Some(StatusCode::PRECONDITION_FAILED),
        "{err:?}"
    );
    match &err {
        ClientError::Api { details, .. } => {
            // The reconciler's status writes may have moved it further.
            assert_eq!(details["expected_version"], stale, "{details:?}");
            let current = details["current_version"].as_u64().unwrap();
            assert!(current >= moved.resource_version, "{details:?}");
        }
        other => panic!("{other:?}"),
    }
    // A refused value names its field.
    let err = fleets
        .create(&FleetInput {
            capacity: 0,
            ..fleet("empty")
        })
        .await
        .unwrap_err();
    assert_eq!(
        (err.code(), err.field()),
        (Some("INVALID_REQUEST"), Some("capacity"))
    );

    // Reads at a revision, or from what the server has now.
    let read = fleets
        .clone()
        .at_least(moved.resource_version)
        .get(&moved.id)
        .await
        .unwrap();
    assert_eq!(read.capacity, 2);
    assert_eq!(
        fleets
            .clone()
            .stale()
            .get(&moved.id)
            .await
            .unwrap()
            .capacity,
        2
    );
    let ahead = server
        .client()
        .with_retries(no_retries())
        .resources::<Fleets>()
        .at_least(moved.resource_version + 1_000_000)
        .get(&moved.id)
        .await
        .unwrap_err();
    assert_eq!(
        ahead.status(),
        Some(StatusCode::SERVICE_UNAVAILABLE),
        "{ahead:?}"
    );
    assert_eq!(server.terminate().code(), Some(0));
}

/// Reads one HTTP/1.1 message (head and `Content-Length` body) from
/// `stream`; empty when the peer closed first.
async fn read_message(stream: &mut TcpStream) -> Vec<u8> {
    let mut message = Vec::new();
    let mut buffer = [0u8; 8192];
    loop {
        if let Some(end) = message.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&message[..end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|line| line.strip_prefix("content-length:"))
                .map_or(0, |n| n.trim().parse().unwrap());
            if message.len() >= end + 4 + length {
                return message;
            }
        }
        let n = stream.read(&mut buffer).await.unwrap();
        if n == 0 {
            return message;
        }
        message.extend_from_slice(&buffer[..n]);
    }
}

/// A proxy to `target` that loses the first answer: it passes the first
/// request on, waits for the server's answer, and closes the client's
/// connection without it. Later connections pass through.
async fn lossy_proxy(target: String) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let mut first = true;
        loop {
            let (mut client, _) = listener.accept().await.unwrap();
            let mut server = TcpStream::connect(&target).await.unwrap();
            if std::mem::take(&mut first) {
                let request = read_message(&mut client).await;
                server.write_all(&request).await.unwrap();
                let answer = read_message(&mut server).await;
                assert!(answer.starts_with(b"HTTP/1.1 200"), "{answer:?}");
                continue; // both dropped: the answer is lost
            }
            tokio::spawn(async move {
                let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
            });
        }
    });
    address
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_whose_answer_is_lost_is_retried_and_stored_once() {
    let (_dir, data) = data_file();
    let server = Server::start(&data);
    let proxy = lossy_proxy(server.base.trim_start_matches("http://").to_string()).await;
    let through = Client::new(&proxy)
        .unwrap()
        .with_api_key(&server.key)
        .unwrap()
        .resources::<Fleets>();
    // The retry carries the first attempt's idempotency key: the server
    // answers it from its record instead of refusing a second "web".
    let created = through.create(&fleet("web")).await.unwrap();
    let listed = server
        .client()
        .resources::<Fleets>()
        .list(&[("name", "web")])
        .await
        .unwrap();
    assert_eq!(listed.items.len(), 1);
    assert_eq!(listed.items[0].id, created.id);
    assert_eq!(server.terminate().code(), Some(0));
}

/// A server of canned answers, one per connection; records each
/// request's head.
async fn canned(answers: Vec<String>) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let heads = Arc::new(Mutex::new(Vec::new()));
    let seen = heads.clone();
    tokio::spawn(async move {
        for answer in answers {
            let (mut stream, _) = listener.accept().await.unwrap();
            let request = read_message(&mut stream).await;
            let head = String::from_utf8_lossy(&request).to_ascii_lowercase();
            seen.lock().unwrap().push(head);
            stream.write_all(answer.as_bytes()).await.unwrap();
            let _ = stream.shutdown().await;
        }
    });
    (address, heads)
}

fn answer(status: &str, extra: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
         connection: close\r\nx-request-id: req-{}\r\n{extra}\r\n{body}",
        body.len(),
        status.split(' ').next().unwrap()
    )
}

fn error_body(code: &str) -> String {
    format!(r#"{{"error":{{"code":"{code}","message":"try later","details":{{}}}}}}"#)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overloads_are_retried_after_retry_after_and_give_up_at_the_limit() {
    let fleet_json = r#"{"id":"fleet-1","name":"web","description":"","capacity":1,
        "instance_type":"t3.nano","status":"active","created_at":"2026-12-07T00:00:00Z",
        "tags":{},"updated_at":"2026-12-07T00:00:00Z","created_by":"user-1",
        "updated_by":"user-1","resource_version":3,"observed_instances":0,
        "running_instances":0}"#;
    let (base, heads) = canned(vec![
        answer(
            "503 Service Unavailable",
            "retry-after: 0\r\n",
            &error_body("UNAVAILABLE"),
        ),
        answer(
            "429 Too Many Requests",
            "retry-after: 0\r\n",
            &error_body("RATE_LIMIT_EXCEEDED"),
        ),
        answer("200 OK", "", fleet_json),
    ])
    .await;
    let client = Client::new(&base)
        .unwrap()
        .with_api_key("cdb_test")
        .unwrap();
    let created = client.fleets().create(&fleet("web")).await.unwrap();
    assert_eq!(created.id, "fleet-1");
    let heads = heads.lock().unwrap().clone();
    assert_eq!(heads.len(), 3);
    let keys: Vec<&str> = heads
        .iter()
        .map(|head| {
            head.lines()
                .find_map(|line| line.strip_prefix("idempotency-key: "))
                .expect("every attempt carries the key")
        })
        .collect();
    assert!(keys.iter().all(|key| *key == keys[0]), "{keys:?}");
    assert!(
        heads
            .iter()
            .all(|h| h.contains("authorization: bearer cdb_test"))
    );
    assert!(
        heads
            .iter()
            .all(|h| h.contains("user-agent: clusterdb-rust/"))
    );

    // Past the limit, the last answer is the error, with its Retry-After.
    let (base, heads) = canned(vec![
        answer(
            "429 Too Many Requests",
            "retry-after: 0\r\n",
            &error_body("RATE_LIMIT_EXCEEDED")
        );
        2
    ])
    .await;
    let client = Client::new(&base).unwrap().with_retries(RetryPolicy {
        max_retries: 1,
        ..RetryPolicy::default()
    });
    let err = client.fleets().get("fleet-1").await.unwrap_err();
    match err {
        ClientError::Api {
            status,
            retry_after,
            request_id,
            ..
        } => {
            assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
            assert_eq!(retry_after, Some(Duration::ZERO));
            assert_eq!(request_id.as_deref(), Some("req-429"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(heads.lock().unwrap().len(), 2);

    // A refused connection, retried, then reported.
    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let err = Client::new(&address)
        .unwrap()
        .with_retries(RetryPolicy {
            max_retries: 2,
            max_wait: Duration::from_millis(50),
        })
        .fleets()
        .get("fleet-1")
        .await
        .unwrap_err();
    assert!(
        matches!(err, ClientError::Transport(ref e) if e.is_connect()),
        "{err:?}"
    );

    // A server that never answers: the timeout ends the attempt.
    let silent = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", silent.local_addr().unwrap());
    let started = Instant::now();
    let err = Client::new(&address)
        .unwrap()
        .with_retries(no_retries())
        .with_timeout(Some(Duration::from_millis(300)))
        .fleets()
        .get("fleet-1")
        .await
        .unwrap_err();
    assert!(
        matches!(err, ClientError::Transport(ref e) if e.is_timeout()),
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
    drop(silent);
}

/// `clusterdb serve` on `data` at a fixed loopback address.
fn serve_at(data: &std::path::Path, address: &str, extra: &[&str]) -> Server {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_clusterdb"));
    command
        .arg("serve")
        .arg("--data")
        .arg(data)
        .args(["--listen", address])
        .args(extra);
    isolate(&mut command, data);
    Server::spawn_command(command, data)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_watch_resumes_across_a_restart_and_reports_410() {
    let (_dir, data) = data_file();
    let server = Server::start(&data);
    let address = server.base.trim_start_matches("http://").to_string();
    let client = server.client();
    let mut watch = Box::pin(client.follow_events("now", &[("types", "fleet.created")]));
    let names = |json: &clusterdb_client::Json| -> String {
        let value: serde_json::Value = serde_json::from_str(json.get()).unwrap();
        value["data"]["name"].as_str().unwrap().to_string()
    };
    let fleets = client.resources::<Fleets>();
    // The watch connects on its first poll; wait for it to be live.
    let first = tokio::spawn(async move {
        let event = watch.next().await.unwrap().unwrap();
        (watch, event)
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    fleets.create(&fleet("before")).await.unwrap();
    let (mut watch, (_, event)) = first.await.unwrap();
    assert_eq!(names(&event), "before");
    fleets.create(&fleet("during")).await.unwrap();
    assert_eq!(names(&watch.next().await.unwrap().unwrap().1), "during");

    // The server restarts on the same address; the watch reconnects after
    // "during" and sees "after", and nothing twice.
    assert_eq!(server.terminate().code(), Some(0));
    let server = serve_at(&data, &address, &[]);
    let fleets = server.client().resources::<Fleets>();
    fleets.create(&fleet("after")).await.unwrap();
    let next = tokio::time::timeout(Duration::from_secs(30), watch.next())
        .await
        .expect("the watch resumes")
        .unwrap()
        .unwrap();
    assert_eq!(names(&next.1), "after");
    drop(watch);
    assert_eq!(server.terminate().code(), Some(0));

    // A position the log no longer holds: 410, and the watch ends.
    let (_dir, data) = data_file();
    let server = Server::start_with(&data, &["--event-retention-revisions", "2"]);
    for i in 0..5 {
        server
            .client()
            .fleets()
            .create(&fleet(&format!("old{i}")))
            .await
            .unwrap();
    }
    assert_eq!(server.terminate().code(), Some(0));
    // Retention compacts when the server starts.
    let server = Server::start_with(&data, &["--event-retention-revisions", "2"]);
    let mut watch = Box::pin(server.client().follow_events("1", &[]));
    match watch.next().await.unwrap() {
        Err(ClientError::Api {
            status,
            code,
            details,
            ..
        }) => {
            assert_eq!((status, code.as_str()), (StatusCode::GONE, "OUT_OF_RANGE"));
            assert!(details["oldest_after"].as_u64().unwrap() > 1, "{details:?}");
        }
        other => panic!("{other:?}"),
    }
    assert!(watch.next().await.is_none(), "a 410 ends the watch");
    assert_eq!(server.terminate().code(), Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_are_renewed_and_deliveries_verified() {
    let receiver = Receiver::start().await;
    let (_dir, data) = data_file();
    let server = Server::start_with(
        &data,
        &["--access-token-ttl", "3", "--webhook-allow-private"],
    );
    let admin = server.client();
    let owner = server.admin_id().await;
    let made = admin
        .resources::<OAuthClients>()
        .create(&OAuthClientInput {
            name: "sdk".into(),
            description: String::new(),
            owner,
            scopes: vec!["compute:read".into()],
            tags: BTreeMap::new(),
        })
        .await
        .unwrap();
    let secret = made.client_secret.expect("shown on create");
    let client = Client::new(&server.base)
        .unwrap()
        .with_client_credentials(&made.id, &secret);
    let first = client.access_token().await.unwrap().unwrap();
    client.fleets().list(&[]).await.unwrap();
    assert_eq!(
        client.access_token().await.unwrap().unwrap(),
        first,
        "cached"
    );
    // A 3 s token is renewed when a fifth of it is left.
    tokio::time::sleep(Duration::from_millis(2600)).await;
    client.fleets().list(&[]).await.unwrap();
    let second = client.access_token().await.unwrap().unwrap();
    assert_ne!(second.token, first.token);

    // A delivery the server signed verifies with the endpoint's secret;
    // a changed body does not.
    let endpoint = admin
        .resources::<Webhooks>()
        .create(&WebhookInput {
            name: "sdk".into(),
            url: receiver.url.clone(),
            events: vec!["fleet.created".into()],
            enabled: true,
            description: String::new(),
            secret: None,
            tags: BTreeMap::new(),
        })
        .await
        .unwrap();
    let secret = endpoint.secret.clone().expect("shown on create");
    admin.fleets().create(&fleet("hooked")).await.unwrap();
    let delivery = receiver.wait_for(1).await.remove(0);
    signatures::verify(&secret, &delivery.headers, &delivery.body).unwrap();
    assert_eq!(
        signatures::verify(&secret, &delivery.headers, b"{}"),
        Err(signatures::VerifyError::NoMatch)
    );
    assert_eq!(server.terminate().code(), Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_typed_routes_beside_crud() {
    use clusterdb_client::wire::{
        AggregationName, AlertRuleInput, CheckRequestJson, OpName, RouteRequestJson, SampleJson,
        SeverityName, VirtualServiceInput,
    };
    use clusterdb_client::{AlertRules, MetricsQuery, VirtualServices};
    let (_dir, data) = data_file();
    let server = Server::start_with(&data, &["--alert-evaluation-interval", "1"]);
    let client = server.client();

    let me = client.whoami().await.unwrap();
    assert_eq!(
        (me.kind.as_str(), me.roles.as_slice()),
        ("user", ["admin".to_string()].as_slice())
    );
    assert!(me.permissions["webhook"].write);
    let about = client.server().await.unwrap();
    assert_eq!(about.engine, "redb");
    assert!(about.leader);

    // Samples in, a series out, and an alert over them firing.
    let samples: Vec<SampleJson> = [3.0, 8.0, 21.0]
        .into_iter()
        .map(|value| SampleJson {
            service: Some("web-service".into()),
            metric: "queue_depth".into(),
            labels: BTreeMap::from([("queue".into(), "mail".into())]),
            value,
            timestamp: None,
        })
        .collect();
    let pushed = client.push_samples(&samples).await.unwrap();
    assert_eq!((pushed.accepted, pushed.dropped), (3, 0));
    let metrics = client
        .metrics(&MetricsQuery {
            service: "web-service".into(),
            window: "1h".into(),
            metric: Some("queue_depth".into()),
            labels: vec![("queue".into(), "mail".into())],
            ..MetricsQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(metrics.series.len(), 1);
    assert_eq!(metrics.series[0].summary.last, 21.0);
    client
        .resources::<AlertRules>()
        .create(&AlertRuleInput {
            name: "deep".into(),
            service: "web-service".into(),
            metric: "queue_depth".into(),
            labels: BTreeMap::new(),
            aggregation: AggregationName::Max,
            window: "10m".into(),
            op: OpName::Greater,
            threshold: 10.0,
            for_duration: "0s".into(),
            severity: SeverityName::Warning,
            summary: String::new(),
            tags: BTreeMap::new(),
        })
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let firing = client.alerts(Some("firing")).await.unwrap();
        if firing.alerts.iter().any(|a| a.name == "deep") {
            break;
        }
        assert!(Instant::now() < deadline, "no firing alert: {firing:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // The mesh's evaluations.
    let service: VirtualServiceInput = serde_json::from_value(serde_json::json!({
        "name": "web", "hosts": ["web.example.com"],
        "http_routes": [{"name": "all", "route": [{"destination": {"host": "web-v1"}}]}],
    }))
    .unwrap();
    client
        .resources::<VirtualServices>()
        .apply("default", "web", &service, None)
        .await
        .unwrap();
    let resolution = client
        .resolve_route(&RouteRequestJson {
            host: "web.example.com".into(),
            path: "/".into(),
            method: "GET".into(),
            headers: BTreeMap::new(),
            port: None,
            gateway: None,
        })
        .await
        .unwrap();
    assert!(resolution.matched, "{resolution:?}");
    let decision = client
        .check_policies(&CheckRequestJson {
            namespace: Some("default".into()),
            labels: BTreeMap::new(),
            principal: "cluster.local/ns/default/sa/web".into(),
            source_namespace: None,
            ip: None,
            host: "web.example.com".into(),
            method: "GET".into(),
            path: Some("/".into()),
            port: None,
            headers: BTreeMap::new(),
        })
        .await
        .unwrap();
    assert_eq!(serde_json::to_value(decision.decision).unwrap(), "ALLOW");
    assert_eq!(server.terminate().code(), Some(0));
}
