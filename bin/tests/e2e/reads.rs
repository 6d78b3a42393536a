//! Read semantics over the wire: every answer's revision, `min_revision`
//! and `stale` (query parameters, headers, gRPC metadata), their bad
//! values, a revision the server never reaches in time, a list paged at
//! one revision while others write, and a server refusing a store too big
//! for its read cache.

use std::collections::BTreeSet;

use clusterdb_proto::compute::v1 as pb;
use serde_json::{Value, json};

use crate::server::{Server, data_file, refused, serve_command};

fn revision_of(response: &reqwest::Response) -> u64 {
    response
        .headers()
        .get("x-clusterdb-revision")
        .expect("an X-ClusterDB-Revision header")
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

async fn create(server: &Server, name: &str) -> (Value, u64) {
    let response = server
        .http()
        .post(format!("{}/v1/fleets", server.base))
        .json(&json!({"name": name, "capacity": 1, "instance_type": "t3.nano"}))
        .send()
        .await
        .unwrap();
    if !response.status().is_success() {
        panic!("{}: {}", response.status(), response.text().await.unwrap());
    }
    let revision = revision_of(&response);
    (response.json().await.unwrap(), revision)
}

#[tokio::test]
async fn answers_name_their_revision_and_honour_min_revision_and_stale() {
    let (_dir, data) = data_file();
    let server = Server::start_with(&data, &["--read-wait", "300ms"]);
    let http = server.http();
    let (fleet, written) = create(&server, "rev-a").await;
    // A write's revision is its commit's: the fleet's version.
    assert_eq!(fleet["resource_version"].as_u64(), Some(written));
    // Also when an Idempotency-Key has it run apart from the request
    // (before that carried the read scope, the answer named the key's
    // reservation, a revision older than the write), and when the key
    // replays the answer (which had no revision before).
    let mut answers = Vec::new();
    for _ in 0..2 {
        let keyed = http
            .post(format!("{}/v1/fleets", server.base))
            .header("idempotency-key", "rev-keyed")
            .json(&json!({"name": "rev-keyed", "capacity": 1, "instance_type": "t3.nano"}))
            .send()
            .await
            .unwrap();
        assert_eq!(keyed.status(), 200);
        let replayed = keyed.headers().contains_key("idempotent-replayed");
        let revision = revision_of(&keyed);
        let body: Value = keyed.json().await.unwrap();
        assert_eq!(body["resource_version"].as_u64(), Some(revision), "{body}");
        answers.push((replayed, body));
    }
    assert_eq!((answers[0].0, answers[1].0), (false, true));
    assert_eq!(answers[0].1, answers[1].1);
    let id = fleet["id"].as_str().unwrap();
    let get = |query: &str| {
        http.get(format!("{}/v1/fleets/{id}{query}", server.base))
            .send()
    };
    let read = get("").await.unwrap();
    assert_eq!(read.status(), 200);
    assert!(revision_of(&read) >= written);
    for query in [
        format!("?min_revision={written}"),
        "?stale=true".to_string(),
        "?stale=false".to_string(),
        format!("?stale=true&min_revision={written}"),
    ] {
        let read = get(&query).await.unwrap();
        assert_eq!(read.status(), 200, "{query}");
        assert!(revision_of(&read) >= written, "{query}");
    }
    // A list body names its revision too, and takes the options.
    let list = http
        .get(format!(
            "{}/v1/fleets?name=rev-a&min_revision={written}",
            server.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(list.status(), 200);
    let header = revision_of(&list);
    let body: Value = list.json().await.unwrap();
    assert_eq!(body["revision"].as_u64(), Some(header));
    assert_eq!(body["fleets"].as_array().map(Vec::len), Some(1));
    // Bad values name the parameter.
    for (query, field) in [
        ("?min_revision=-1", "min_revision"),
        ("?min_revision=abc", "min_revision"),
        ("?stale=yes", "stale"),
    ] {
        let refused = get(query).await.unwrap();
        assert_eq!(refused.status(), 400, "{query}");
        let body: Value = refused.json().await.unwrap();
        assert_eq!(body["error"]["code"], "INVALID_REQUEST", "{query}");
        assert_eq!(body["error"]["details"]["field"], field, "{query}");
    }
    let refused = http
        .get(format!("{}/v1/fleets", server.base))
        .header("x-clusterdb-min-revision", "x")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
    // A revision the store does not reach within --read-wait: 503, retry.
    let far = written + 1_000_000;
    let started = std::time::Instant::now();
    let behind = get(&format!("?min_revision={far}")).await.unwrap();
    assert_eq!(behind.status(), 503);
    assert_eq!(
        behind
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap()),
        Some("1")
    );
    let body: Value = behind.json().await.unwrap();
    assert_eq!(body["error"]["code"], "UNAVAILABLE");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains(&far.to_string()),
        "{body}"
    );
    assert!(started.elapsed() >= std::time::Duration::from_millis(300));
    // A revision reached while the read waits: the read answers.
    let next = written + 2;
    let waiting = {
        let http = http.clone();
        let url = format!("{}/v1/fleets/{id}?min_revision={next}", server.base);
        tokio::spawn(async move { http.get(url).send().await.unwrap() })
    };
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    create(&server, "rev-b").await;
    create(&server, "rev-c").await;
    let answered = waiting.await.unwrap();
    assert_eq!(answered.status(), 200);
    assert!(revision_of(&answered) >= next);

    // gRPC: the same options as metadata, the revision in the answer's.
    let (channel, auth) = server.grpc().await;
    let mut grpc =
        pb::compute_service_client::ComputeServiceClient::with_interceptor(channel, auth);
    let mut request = tonic::Request::new(pb::GetFleetRequest { id: id.to_string() });
    request.metadata_mut().insert(
        "x-clusterdb-min-revision",
        written.to_string().parse().unwrap(),
    );
    let answer = grpc.get_fleet(request).await.unwrap();
    let revision: u64 = answer
        .metadata()
        .get("x-clusterdb-revision")
        .expect("x-clusterdb-revision metadata")
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(revision >= written);
    let mut request = tonic::Request::new(pb::GetFleetRequest { id: id.to_string() });
    request
        .metadata_mut()
        .insert("x-clusterdb-stale", "maybe".parse().unwrap());
    let status = grpc.get_fleet(request).await.unwrap_err();
    assert_eq!(status.code(), tonic::Code::InvalidArgument);
    assert!(status.message().contains("stale"), "{status:?}");
}

/// Pages of one list reflect the revision of its first page: items created
/// and deleted while it is paged neither appear nor go missing.
#[tokio::test]
async fn a_list_pages_at_one_revision_while_others_write() {
    let (_dir, data) = data_file();
    let server = Server::start(&data);
    let http = server.http();
    let mut before = BTreeSet::new();
    let mut ids = Vec::new();
    for i in 0..9 {
        let (fleet, _) = create(&server, &format!("page-{i}")).await;
        before.insert(fleet["name"].as_str().unwrap().to_string());
        ids.push(fleet["id"].as_str().unwrap().to_string());
    }
    let mut seen = BTreeSet::new();
    let mut token: Option<String> = None;
    let mut revisions = BTreeSet::new();
    let mut page = 0;
    loop {
        let mut url = format!("{}/v1/fleets?page_size=2", server.base);
        if let Some(token) = &token {
            url.push_str(&format!("&page_token={token}"));
        }
        let body: Value = http.get(url).send().await.unwrap().json().await.unwrap();
        revisions.insert(body["revision"].as_u64().unwrap());
        for fleet in body["fleets"].as_array().unwrap() {
            assert!(seen.insert(fleet["name"].as_str().unwrap().to_string()));
        }
        // Others write between pages: a new fleet, a deleted one.
        create(&server, &format!("later-{page}")).await;
        let gone = http
            .delete(format!("{}/v1/fleets/{}", server.base, ids[page]))
            .send()
            .await
            .unwrap();
        assert!(gone.status().is_success());
        page += 1;
        match body["next_page_token"].as_str() {
            Some(next) => token = Some(next.to_string()),
            None => break,
        }
    }
    assert_eq!(revisions.len(), 1, "every page at one revision");
    assert_eq!(
        seen, before,
        "exactly the fleets of the first page's revision"
    );
    // A fresh list sees the writes.
    let now = server.get_json("/v1/fleets?page_size=100").await;
    let names: BTreeSet<String> = now["fleets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap().to_string())
        .collect();
    assert!(names.contains("later-0"));
}

/// A store bigger than --read-cache-max-bytes: the server refuses to start
/// and says why; with the cache off it serves.
#[tokio::test]
async fn a_store_too_big_for_the_read_cache_is_refused_at_start() {
    let (_dir, data) = data_file();
    let server = Server::start(&data);
    for i in 0..20 {
        create(&server, &format!("big-{i}")).await;
    }
    server.terminate();
    let refused = refused(serve_command(&data, &["--read-cache-max-bytes", "2000"]));
    assert_ne!(refused.0, Some(0));
    assert!(
        refused.1.contains("limit of 2000 bytes"),
        "the error names the limit: {}",
        refused.1
    );
    let off = Server::start_with(&data, &["--read-cache", "off"]);
    let fleets = off.get_json("/v1/fleets?page_size=100").await;
    assert_eq!(fleets["fleets"].as_array().map(Vec::len), Some(20));
    assert!(fleets["revision"].as_u64().unwrap() > 0);
}
