//! REST over a real socket.

use clusterdb_testkit::eventually;
use std::time::Duration;

use clusterdb_api::rest::wire::{FleetInput, FunctionInput, InstanceInput};
use clusterdb_client::ClientError;
use serde_json::{Value, json};

use crate::server::{Server, data_file};

fn fleet(name: &str, capacity: u32) -> FleetInput {
    FleetInput {
        name: name.into(),
        description: "Web application fleet".into(),
        capacity,
        instance_type: "t3.medium".into(),
        tags: [("environment".to_string(), "production".to_string())].into(),
    }
}

fn api_code(err: ClientError) -> String {
    err.code()
        .unwrap_or_else(|| panic!("not an API error: {err}"))
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_compute_endpoint_through_the_sdk() {
    let (_dir, data) = data_file();
    let server = Server::start(&data);
    let client = server.client();

    // Fleets: create, get, list (tag filter, pages), replace, delete.
    let web = client
        .fleets()
        .create(&fleet("web-fleet", 2))
        .await
        .unwrap();
    assert_eq!((web.status.as_str(), web.capacity), ("active", 2));
    assert_eq!(
        client.fleets().get(&web.id).await.unwrap().name,
        "web-fleet"
    );
    client
        .fleets()
        .create(&fleet("api-fleet", 1))
        .await
        .unwrap();
    let page = client
        .fleets()
        .list(&[("tag", "environment:production"), ("page_size", "1")])
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    let token = page.next_page_token.expect("a second page");
    let page = client
        .fleets()
        .list(&[
            ("tag", "environment:production"),
            ("page_size", "1"),
            ("page_token", &token),
        ])
        .await
        .unwrap();
    assert_eq!((page.items.len(), page.next_page_token), (1, None));

    // The reconciler runs in the server: capacity brings running instances.
    let current = eventually("the fleet to converge", || async {
        let f = client.fleets().get(&web.id).await.unwrap();
        (f.running_instances == 2).then_some(f)
    })
    .await;
    let members = client
        .instances()
        .list(&[("fleet_id", &web.id)])
        .await
        .unwrap();
    assert_eq!(members.items.len(), 2);
    assert!(members.items.iter().all(|i| i.state == "running"));

    // The reconciler's status writes since the create do not fail a
    // precondition on the version the client read; a client change does.
    assert!(current.resource_version > web.resource_version);
    let bigger = client
        .fleets()
        .replace(&web.id, &fleet("web-fleet", 3), Some(web.resource_version))
        .await
        .unwrap();
    let err = client
        .fleets()
        .replace(&web.id, &fleet("web-fleet", 4), Some(web.resource_version))
        .await
        .unwrap_err();
    assert_eq!(api_code(err), "PRECONDITION_FAILED");
    assert_eq!(bigger.capacity, 3);
    client.fleets().delete(&web.id, None).await.unwrap();

    // Instances: create, start, stop, illegal transition, replace, delete.
    let vm = client
        .instances()
        .create(&InstanceInput {
            name: "vm".into(),
            instance_type: "t3.micro".into(),
            tags: Default::default(),
        })
        .await
        .unwrap();
    assert_eq!(vm.state, "pending");
    assert_eq!(
        client.instances().start(&vm.id).await.unwrap().state,
        "running"
    );
    assert_eq!(
        client.instances().stop(&vm.id).await.unwrap().state,
        "stopped"
    );
    let err = client.instances().stop(&vm.id).await.unwrap_err();
    assert_eq!(api_code(err), "FAILED_PRECONDITION");
    let resized = client
        .instances()
        .replace(
            &vm.id,
            &InstanceInput {
                name: "vm".into(),
                instance_type: "m5.large".into(),
                tags: Default::default(),
            },
            None,
        )
        .await
        .unwrap();
    assert_eq!(resized.instance_type, "m5.large");
    client.instances().delete(&vm.id, None).await.unwrap();
    assert_eq!(
        api_code(client.instances().get(&vm.id).await.unwrap_err()),
        "NOT_FOUND"
    );

    // Functions: create (with WebAssembly text), get, replace (keeping
    // the code), invoke, delete.
    let input = FunctionInput {
        name: "echo".into(),
        description: String::new(),
        runtime: "wasm".into(),
        handler: None,
        memory_mb: 256,
        timeout_ms: 1000,
        env: Default::default(),
        code: Some(clusterdb_testkit::wasm::ECHO.into()),
        max_concurrency: 8,
        tags: Default::default(),
    };
    let function = client.functions().create(&input).await.unwrap();
    let digest = function.code_sha256.clone().unwrap();
    assert_eq!(
        client
            .functions()
            .get(&function.id)
            .await
            .unwrap()
            .memory_mb,
        256
    );
    let replaced = client
        .functions()
        .replace(
            &function.id,
            &FunctionInput {
                timeout_ms: 2000,
                code: None,
                ..input.clone()
            },
            None,
        )
        .await
        .unwrap();
    assert_eq!(replaced.timeout_ms, 2000);
    assert_eq!(replaced.code_sha256, Some(digest));
    let answer = client
        .functions()
        .invoke(&function.id, &json!({"w": 10}))
        .await
        .unwrap();
    assert_eq!(answer.output, json!({"w": 10}));
    assert!(answer.fuel_used.unwrap() > 0);
    // The server offers no native runtime: it has no handlers to run.
    let native = FunctionInput {
        name: "resize".into(),
        runtime: "native".into(),
        code: None,
        ..input.clone()
    };
    match client.functions().create(&native).await.unwrap_err() {
        ClientError::Api {
            status, details, ..
        } => {
            assert_eq!(
                (status.as_u16(), &details["field"]),
                (400, &json!("runtime"))
            )
        }
        other => panic!("{other}"),
    }
    client.functions().delete(&function.id, None).await.unwrap();
    assert_eq!(server.terminate().code(), Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_paths_over_http() {
    let (_dir, data) = data_file();
    let server = Server::start(&data);
    let http = server.http();
    let url = |path: &str| format!("{}{path}", server.base);
    let expect = |status: u16, code: &'static str| {
        move |(got, body): (u16, Value)| {
            assert_eq!(got, status, "{body}");
            assert_eq!(body["error"]["code"], code, "{body}");
            body
        }
    };
    async fn send(request: reqwest::RequestBuilder) -> (u16, Value) {
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }
    let body = expect(400, "INVALID_REQUEST")(
        send(
            http.post(url("/v1/fleets"))
                .json(&json!({"name": "w", "capacity": 0, "instance_type": "t3.medium"})),
        )
        .await,
    );
    assert_eq!(
        body["error"]["details"],
        json!({"field": "capacity", "reason": "must be greater than 0"})
    );
    let body = expect(400, "INVALID_REQUEST")(
        send(
            http.post(url("/v1/fleets"))
                .header("content-type", "application/json")
                .body("{not json"),
        )
        .await,
    );
    assert_eq!(body["error"]["details"]["field"], "body");
    let body =
        expect(400, "INVALID_REQUEST")(
            send(http.post(url("/v1/fleets")).json(
                &json!({"name": "w", "capacity": 1, "instance_type": "t3.medium", "extra": 1}),
            ))
            .await,
        );
    assert_eq!(body["error"]["details"]["field"], "extra");
    expect(415, "UNSUPPORTED_MEDIA_TYPE")(send(http.post(url("/v1/fleets")).body("name=w")).await);
    // The server closes a connection whose body it refused to read: send
    // it on a client of its own, so no pooled connection is reused after.
    expect(413, "PAYLOAD_TOO_LARGE")(
        send(
            server
                .http()
                .post(url("/v1/fleets"))
                .header("content-type", "application/json")
                .body(vec![b' '; 2 << 20]),
        )
        .await,
    );
    expect(404, "NOT_FOUND")(send(http.get(url("/v1/fleets/fleet-nope"))).await);
    expect(404, "NOT_FOUND")(send(http.get(url("/v1/nowhere"))).await);
    let response = http.delete(url("/v1/fleets")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 405);
    assert!(
        response.headers()["allow"]
            .to_str()
            .unwrap()
            .contains("POST")
    );
    let created = send(
        http.post(url("/v1/fleets"))
            .json(&json!({"name": "w", "capacity": 1, "instance_type": "t3.medium"})),
    )
    .await;
    assert_eq!(created.0, 200);
    expect(409, "ALREADY_EXISTS")(
        send(
            http.post(url("/v1/fleets"))
                .json(&json!({"name": "w", "capacity": 1, "instance_type": "t3.medium"})),
        )
        .await,
    );
    let id = created.1["id"].as_str().unwrap();
    expect(412, "PRECONDITION_FAILED")(
        send(
            http.put(url(&format!("/v1/fleets/{id}")))
                .header("if-match", "\"12345\"")
                .json(&json!({"name": "w", "capacity": 2, "instance_type": "t3.medium"})),
        )
        .await,
    );
    expect(406, "NOT_ACCEPTABLE")(
        send(
            http.get(url("/fleets"))
                .header("accept", "application/json;version=v7"),
        )
        .await,
    );
    assert_eq!(server.terminate().code(), Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_survives_a_restart() {
    let (_dir, data) = data_file();
    let server = Server::start(&data);
    let client = server.client();
    let created = client
        .fleets()
        .create(&fleet("web-fleet", 1))
        .await
        .unwrap();
    assert_eq!(server.terminate().code(), Some(0));
    let server = Server::start(&data);
    let client = server.client();
    let got = client.fleets().get(&created.id).await.unwrap();
    assert_eq!(
        (got.name.as_str(), got.created_at.as_str()),
        ("web-fleet", created.created_at.as_str())
    );
    assert_eq!(server.terminate().code(), Some(0));
}

#[test]
fn a_signal_right_after_the_listening_line_is_a_clean_stop() {
    // The handlers are installed before the line tools wait for: a SIGTERM
    // that arrives at once must not kill the server with the default action.
    for _ in 0..5 {
        let (_dir, data) = data_file();
        let server = Server::start(&data);
        assert_eq!(server.terminate().code(), Some(0));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_acknowledged_create_is_lost_when_shutting_down_under_load() {
    let (_dir, data) = data_file();
    let server = Server::start(&data);
    let client = server.client();
    let requests: Vec<_> = (0..300)
        .map(|i| {
            let client = client.clone();
            tokio::spawn(async move { client.fleets().create(&fleet(&format!("f{i}"), 1)).await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(30)).await;
    let status = tokio::task::spawn_blocking(move || server.terminate())
        .await
        .unwrap();
    assert_eq!(status.code(), Some(0), "a clean exit");
    let mut acknowledged = Vec::new();
    for request in requests {
        match request.await.unwrap() {
            Ok(fleet) => acknowledged.push(fleet.id),
            // Refused or cut before the server read it: never half-done.
            Err(ClientError::Transport(_)) => {}
            Err(other) => panic!("a request failed with {other}"),
        }
    }
    let server = Server::start(&data);
    let client = server.client();
    for id in &acknowledged {
        client
            .fleets()
            .get(id)
            .await
            .expect("every acknowledged create survived");
    }
    eprintln!(
        "{} of 300 creates acknowledged before shutdown",
        acknowledged.len()
    );
    assert_eq!(server.terminate().code(), Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_in_flight_at_sigterm_is_completed() {
    use std::io::{Read, Write};
    let (_dir, data) = data_file();
    let server = Server::start(&data);
    let address = server.base.trim_start_matches("http://").to_string();
    let body = r#"{"name":"in-flight","capacity":1,"instance_type":"t3.medium"}"#;
    let (head, tail) = body.split_at(body.len() / 2);
    let mut stream = std::net::TcpStream::connect(&address).unwrap();
    write!(
        stream,
        "POST /v1/fleets HTTP/1.1\r\nHost: {address}\r\nAuthorization: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{head}",
        server.bearer(),
        body.len()
    )
    .unwrap();
    stream.flush().unwrap();
    std::thread::sleep(Duration::from_millis(200));
    // The request is half-read when the signal arrives.
    let exit = std::thread::spawn(move || server.terminate());
    std::thread::sleep(Duration::from_millis(300));
    stream.write_all(tail.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200 OK"), "{response}");
    assert!(response.contains("\"name\":\"in-flight\""), "{response}");
    assert_eq!(exit.join().unwrap().code(), Some(0));
    // No new connection is accepted after shutdown, and the write is kept.
    assert!(std::net::TcpStream::connect(&address).is_err());
    let server = Server::start(&data);
    let client = server.client();
    let page = client.fleets().list(&[]).await.unwrap();
    assert_eq!(page.items[0].name, "in-flight");
    assert_eq!(server.terminate().code(), Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idempotency_keys_survive_a_restart() {
    let (_dir, data) = data_file();
    let body = json!({"name": "web", "capacity": 1, "instance_type": "t3.medium"});
    let post = |server: &Server| {
        let body = body.clone();
        let (http, base) = (server.http(), server.base.clone());
        async move {
            http.post(format!("{base}/v1/fleets"))
                .header("idempotency-key", "restart-1")
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    let server = Server::start(&data);
    let first = post(&server).await;
    assert_eq!(first.status().as_u16(), 200);
    let first: Value = first.json().await.unwrap();
    assert_eq!(server.terminate().code(), Some(0));
    let server = Server::start(&data);
    let again = post(&server).await;
    assert_eq!(again.status().as_u16(), 200);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.json::<Value>().await.unwrap(), first);
    assert_eq!(server.terminate().code(), Some(0));
}

/// Fail-stop: when the data file can grow no more (as on a full disk), the
/// write that hit it is 503 UNAVAILABLE, the server exits non-zero within
/// seconds for its supervisor, and after a restart with room every
/// acknowledged write is there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_stops_the_server_and_loses_nothing_acknowledged() {
    let (_dir, data) = data_file();
    let server = Server::start_with_file_limit(&data, 8192);
    // No retries: the refusal itself is what the test reads.
    let client = server.client().with_retries(clusterdb_client::RetryPolicy {
        max_retries: 0,
        ..Default::default()
    });
    let big: std::collections::BTreeMap<String, String> = (0..50)
        .map(|t| (format!("t{t}"), "x".repeat(256)))
        .collect();
    let mut acknowledged = Vec::new();
    let failure = loop {
        let input = FleetInput {
            tags: big.clone(),
            ..fleet(&format!("f{}", acknowledged.len()), 1)
        };
        match client.fleets().create(&input).await {
            Ok(created) => acknowledged.push(created.id),
            Err(err) => break err,
        }
        assert!(acknowledged.len() < 100_000, "the file limit never hit");
    };
    assert!(!acknowledged.is_empty());
    match &failure {
        ClientError::Api { status, code, .. } => {
            assert_eq!(
                (status.as_u16(), code.as_str()),
                (503, "UNAVAILABLE"),
                "{failure}"
            )
        }
        other => panic!("{other}"),
    }
    let (status, log) = server.wait_for_exit(Duration::from_secs(15));
    assert!(!status.success(), "{status:?}");
    assert!(log.contains("the database failed"), "{log}");
    // The answer names its request id, and so does the server's log line
    // of that failure.
    if let ClientError::Api { details, .. } = &failure {
        let id = details.get("request_id").and_then(|id| id.as_str());
        let id = id.unwrap_or_else(|| panic!("{failure:?}"));
        assert!(
            log.lines()
                .any(|line| line.contains(id) && line.contains("ERROR")),
            "no log line of {id}:\n{log}"
        );
    }

    let server = Server::start(&data);
    let client = server.client();
    for id in &acknowledged {
        client.fleets().get(id).await.unwrap();
    }
    assert_eq!(server.terminate().code(), Some(0));
}

/// HTTP/1.1 pipelining: requests written back to back in one packet are
/// each answered, in order, and a write among them is seen by the reads
/// after it.
#[test]
fn pipelined_requests_are_answered_in_order() {
    use std::io::{Read as _, Write as _};

    let (_dir, data) = data_file();
    let server = Server::start(&data);
    let address = server.base.strip_prefix("http://").unwrap();
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    let auth = format!("Authorization: Bearer {}\r\n", server.key);
    let body = r#"{"name":"piped","capacity":1,"instance_type":"t3.micro"}"#;
    let requests = [
        format!("GET /v1/fleets?name=piped HTTP/1.1\r\nHost: x\r\n{auth}\r\n"),
        format!("GET /v1/fleets/fleet-nope HTTP/1.1\r\nHost: x\r\n{auth}\r\n"),
        format!(
            "POST /v1/fleets HTTP/1.1\r\nHost: x\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ),
        format!("GET /v1/fleets?name=piped HTTP/1.1\r\nHost: x\r\n{auth}\r\n"),
        format!("GET /v1/nothing HTTP/1.1\r\nHost: x\r\n{auth}Connection: close\r\n\r\n"),
    ];
    stream.write_all(requests.concat().as_bytes()).unwrap();
    let mut all = Vec::new();
    stream.read_to_end(&mut all).unwrap();
    // Split the stream into responses by their Content-Length.
    let mut answers = Vec::new();
    let mut rest = &all[..];
    while !rest.is_empty() {
        let text = String::from_utf8_lossy(rest);
        let end = text.find("\r\n\r\n").expect("a response head");
        let head = text[..end].to_string();
        let length: usize = head
            .lines()
            .find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("content-length:")
                    .map(|v| v.trim().parse().unwrap())
            })
            .expect("a Content-Length");
        let body: Value = serde_json::from_slice(&rest[end + 4..end + 4 + length]).unwrap();
        let status: u16 = head.split(' ').nth(1).unwrap().parse().unwrap();
        answers.push((status, body));
        rest = &rest[end + 4 + length..];
    }
    let statuses: Vec<u16> = answers.iter().map(|(s, _)| *s).collect();
    assert_eq!(statuses, [200, 404, 200, 200, 404], "{answers:?}");
    assert_eq!(answers[0].1["fleets"].as_array().unwrap().len(), 0);
    assert_eq!(answers[1].1["error"]["code"], "NOT_FOUND");
    let made = answers[2].1["id"].as_str().unwrap();
    assert_eq!(answers[3].1["fleets"][0]["id"], made);
}
