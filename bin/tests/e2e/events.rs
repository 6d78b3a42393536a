//! The event log end to end: the CLI's `events list` and `events watch`,
//! gRPC `EventService.Watch`, and streams ending on shutdown.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use clusterdb_proto::events::v1 as pb;
use serde_json::Value;

use crate::server::{Server, data_file, isolate};

fn cli(server: &Server) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_clusterdb"));
    isolate(&mut command, Path::new("/nonexistent/x"));
    command
        .env("CLUSTERDB_ENDPOINT", &server.base)
        .env("CLUSTERDB_API_KEY", &server.key);
    command
}

async fn create_fleets(server: &Server, names: &[&str]) {
    let client = server.client();
    for name in names {
        client
            .fleets()
            .create(&clusterdb_api::rest::wire::FleetInput {
                name: name.to_string(),
                description: String::new(),
                capacity: 1,
                instance_type: "t3.micro".into(),
                tags: Default::default(),
            })
            .await
            .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_and_grpc_watches_see_the_log_exactly_and_end_on_shutdown() {
    let (_dir, data) = data_file();
    let server = Server::start_with(&data, &["--drain-timeout", "30"]);
    // The CLI follows fleet events from the start, one JSON line each.
    let mut watch = cli(&server)
        .args([
            "events",
            "watch",
            "--after",
            "0",
            "--type",
            "fleet.created",
            "-o",
            "json",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    create_fleets(&server, &["a", "b", "c"]).await;
    let mut lines = BufReader::new(watch.stdout.take().unwrap()).lines();
    let watched: Vec<Value> = (0..3)
        .map(|_| serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap())
        .collect();
    // The same as the list.
    let listed = cli(&server)
        .args([
            "events",
            "list",
            "--all",
            "--kind",
            "fleet",
            "--type",
            "fleet.created",
            "-o",
            "json",
        ])
        .output()
        .unwrap();
    assert!(listed.status.success());
    let listed: Vec<Value> = serde_json::from_slice(&listed.stdout).unwrap();
    assert_eq!(watched, listed);
    assert_eq!(watched[0]["data"]["name"], "a");
    assert!(
        watched[0]["data"]["fleet_id"]
            .as_str()
            .unwrap()
            .starts_with("fleet-")
    );

    // gRPC: the same events, and resume after the first.
    let (channel, auth) = server.grpc().await;
    let mut grpc = pb::EventServiceClient::with_interceptor(channel, auth);
    let mut stream = grpc
        .watch(pb::WatchRequest {
            types: vec!["fleet.created".into()],
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let mut events = Vec::new();
    while events.len() < 3 {
        if let Some(pb::watch_response::Item::Event(event)) =
            stream.message().await.unwrap().unwrap().item
        {
            events.push(event);
        }
    }
    let ids: Vec<&str> = events.iter().map(|e| e.id.as_str()).collect();
    let expected: Vec<&str> = watched.iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(ids, expected);
    let data: Value = serde_json::from_str(&events[1].data_json).unwrap();
    assert_eq!(data["name"], "b");
    let mut resumed = grpc
        .watch(pb::WatchRequest {
            after_event: events[0].position.clone(),
            types: vec!["fleet.created".into()],
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    loop {
        if let Some(pb::watch_response::Item::Event(event)) =
            resumed.message().await.unwrap().unwrap().item
        {
            assert_eq!(event.id, events[1].id);
            break;
        }
    }
    // A position past retention is OUT_OF_RANGE; a bad one INVALID_ARGUMENT.
    let bad = grpc
        .watch(pb::WatchRequest {
            after_event: "x".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(bad.code(), tonic::Code::InvalidArgument);

    // SIGTERM: the open streams end, the server exits well before its
    // 30 s drain timeout, and the CLI's watch ends saying so (exit 3: the
    // server went away).
    let started = Instant::now();
    let status = server.terminate();
    assert!(status.success());
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    let exit = watch.wait().unwrap();
    assert_eq!(exit.code(), Some(3), "{exit:?}");
    // The gRPC stream ends too (after what it had already sent).
    let ended = tokio::time::timeout(Duration::from_secs(5), async {
        while let Ok(Some(_)) = resumed.message().await {}
    })
    .await;
    assert!(ended.is_ok(), "the gRPC stream ended");
}

#[test]
fn an_embedded_profile_cannot_watch() {
    let (dir, data) = data_file();
    let config = dir.path().join("c.yaml");
    std::fs::write(
        &config,
        format!(
            "current_profile: local\nprofiles:\n  local:\n    data: {}\n",
            data.display()
        ),
    )
    .unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_clusterdb"));
    isolate(&mut command, &data);
    let out = command
        .args(["--config", config.to_str().unwrap(), "events", "watch"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let listed = {
        let mut command = Command::new(env!("CARGO_BIN_EXE_clusterdb"));
        isolate(&mut command, &data);
        command
            .args([
                "--config",
                config.to_str().unwrap(),
                "events",
                "list",
                "-o",
                "json",
            ])
            .output()
            .unwrap()
    };
    assert!(listed.status.success(), "{listed:?}");
}
