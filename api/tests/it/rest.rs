//! HTTP behaviour of the REST adapter.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{Reply, call, test_app};

const FLEET: &str = r#"{"name":"web-fleet","description":"Web application fleet","capacity":3,"instance_type":"t3.medium","tags":{"environment":"production"}}"#;

#[tokio::test]
async fn create_answers_with_the_spec_response_format() {
    let app = test_app(1 << 20).await;
    let reply = call(&app, Method::POST, "/v1/fleets", &[], Some(FLEET)).await;
    assert_eq!(reply.status, StatusCode::OK);
    let fleet = &reply.body;
    let id = fleet["id"].as_str().unwrap();
    assert!(id.starts_with("fleet-"));
    assert_eq!(fleet["name"], "web-fleet");
    assert_eq!(fleet["description"], "Web application fleet");
    assert_eq!(fleet["capacity"], 3);
    assert_eq!(fleet["instance_type"], "t3.medium");
    assert_eq!(fleet["status"], "active");
    assert_eq!(fleet["tags"], json!({"environment": "production"}));
    let created = fleet["created_at"].as_str().unwrap();
    assert!(
        clusterdb::Timestamp::parse_rfc3339(created).is_some()
            && created.ends_with('Z')
            && created.len() == 20
    );
    assert_eq!(
        reply.header("etag"),
        format!("\"{}\"", fleet["resource_version"])
    );
    assert_eq!(reply.header("location"), format!("/v1/fleets/{id}"));

    let got = call(&app, Method::GET, &format!("/v1/fleets/{id}"), &[], None).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.body, reply.body);
}

#[tokio::test]
async fn bad_bodies_are_400_naming_the_field() {
    let app = test_app(1 << 20).await;
    let post = |body: &'static str| {
        let app = app.clone();
        async move { call(&app, Method::POST, "/v1/fleets", &[], Some(body)).await }
    };
    let reply = post(r#"{"name":"web","capacity":0,"instance_type":"t3.medium"}"#).await;
    let details = reply.error(StatusCode::BAD_REQUEST, "INVALID_REQUEST");
    assert_eq!(
        reply.body["error"]["message"],
        "Invalid fleet configuration"
    );
    assert_eq!(
        details,
        &json!({"field": "capacity", "reason": "must be greater than 0"})
    );

    let reply = post(r#"{"name":"web","capacity":"#).await;
    assert_eq!(
        reply.error(StatusCode::BAD_REQUEST, "INVALID_REQUEST")["field"],
        "body"
    );
    let reply = post(r#"{"name":"web","capacity":"three","instance_type":"t3.medium"}"#).await;
    assert_eq!(
        reply.error(StatusCode::BAD_REQUEST, "INVALID_REQUEST")["field"],
        "capacity"
    );
    let reply =
        post(r#"{"name":"web","capacity":1,"instance_type":"t3.medium","colour":"red"}"#).await;
    assert_eq!(
        reply.error(StatusCode::BAD_REQUEST, "INVALID_REQUEST")["field"],
        "colour"
    );
    let reply = post(r#"{"name":"web","instance_type":"t3.medium"}"#).await;
    let details = reply.error(StatusCode::BAD_REQUEST, "INVALID_REQUEST");
    assert_eq!(details["field"], "capacity");
    assert_eq!(details["reason"], "missing field `capacity`");
    let reply = post(r#"{"name":"web","capacity":1,"instance_type":"t9.giant"}"#).await;
    assert_eq!(
        reply.error(StatusCode::BAD_REQUEST, "INVALID_REQUEST")["field"],
        "instance_type"
    );
}

#[tokio::test]
async fn content_type_size_method_and_route_errors_use_the_format() {
    let app = test_app(1024).await;
    let reply = call(
        &app,
        Method::POST,
        "/v1/fleets",
        &[("content-type", "text/plain")],
        Some(FLEET),
    )
    .await;
    reply.error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "UNSUPPORTED_MEDIA_TYPE");
    let reply = call(
        &app,
        Method::POST,
        "/v1/fleets",
        &[("content-type", "")],
        Some(FLEET),
    )
    .await;
    reply.error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "UNSUPPORTED_MEDIA_TYPE");

    let big = format!(
        r#"{{"name":"web","capacity":1,"instance_type":"t3.medium","description":"{}"}}"#,
        "x".repeat(2000)
    );
    let reply = call(&app, Method::POST, "/v1/fleets", &[], Some(&big)).await;
    reply.error(StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE");

    let reply = call(&app, Method::DELETE, "/v1/fleets", &[], None).await;
    reply.error(StatusCode::METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED");
    let allow = reply.header("allow");
    assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
    // PATCH is a beta addition: not in v1.
    let reply = call(&app, Method::PATCH, "/v1/fleets/fleet-x", &[], Some("{}")).await;
    reply.error(StatusCode::METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED");

    let reply = call(&app, Method::GET, "/v1/nothing-here", &[], None).await;
    reply.error(StatusCode::NOT_FOUND, "NOT_FOUND");
    // An id that is not UTF-8 is a client error in the same format.
    let reply = call(&app, Method::GET, "/v1/fleets/%FF%FE", &[], None).await;
    reply.error(StatusCode::BAD_REQUEST, "INVALID_REQUEST");
    let reply = call(&app, Method::GET, "/v1/fleets/fleet-missing", &[], None).await;
    let details = reply.error(StatusCode::NOT_FOUND, "NOT_FOUND");
    assert_eq!(details["id"], "fleet-missing");
    // A huge id is not echoed whole (twice: message and details).
    let huge = format!("fleet-{}", "é".repeat(5000));
    let path = format!("/v1/fleets/{}", huge.replace('é', "%C3%A9"));
    let reply = call(&app, Method::GET, &path, &[], None).await;
    let details = reply.error(StatusCode::NOT_FOUND, "NOT_FOUND").clone();
    let echoed = details["id"].as_str().unwrap();
    assert!(echoed.ends_with('…') && echoed.len() < 400, "{echoed}");
    assert!(huge.starts_with(echoed.trim_end_matches('…')));
    let message = reply.body["error"]["message"].as_str().unwrap();
    assert!(message.len() < 500, "{message}");
}

#[tokio::test]
async fn names_conflict_and_if_match_guards_writes() {
    let app = test_app(1 << 20).await;
    let created = call(&app, Method::POST, "/v1/fleets", &[], Some(FLEET)).await;
    let again = call(&app, Method::POST, "/v1/fleets", &[], Some(FLEET)).await;
    again.error(StatusCode::CONFLICT, "ALREADY_EXISTS");

    let id = created.body["id"].as_str().unwrap();
    let uri = format!("/v1/fleets/{id}");
    let etag = created.header("etag").to_string();
    let update = r#"{"name":"web-fleet","capacity":5,"instance_type":"t3.medium"}"#;
    let reply = call(
        &app,
        Method::PUT,
        &uri,
        &[("if-match", "\"999999\"")],
        Some(update),
    )
    .await;
    reply.error(StatusCode::PRECONDITION_FAILED, "PRECONDITION_FAILED");
    let reply = call(
        &app,
        Method::PUT,
        &uri,
        &[("if-match", "garbage")],
        Some(update),
    )
    .await;
    assert_eq!(
        reply.error(StatusCode::BAD_REQUEST, "INVALID_REQUEST")["field"],
        "If-Match"
    );
    let reply = call(
        &app,
        Method::PUT,
        &uri,
        &[("if-match", &etag)],
        Some(update),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["capacity"], 5);
    assert_eq!(
        reply.body["description"], "",
        "PUT replaces the whole resource"
    );
    assert_ne!(reply.header("etag"), etag);
    // The old ETag is stale now, for DELETE too; 412 and 409 name the
    // versions alike, as numbers.
    let current: u64 = reply.header("etag").trim_matches('"').parse().unwrap();
    let reply = call(&app, Method::DELETE, &uri, &[("if-match", &etag)], None).await;
    let details = reply.error(StatusCode::PRECONDITION_FAILED, "PRECONDITION_FAILED");
    let old: u64 = etag.trim_matches('"').parse().unwrap();
    assert_eq!(
        details,
        &json!({"expected_version": old, "current_version": current})
    );
    let reply = call(&app, Method::DELETE, &uri, &[("if-match", "*")], None).await;
    assert_eq!(reply.status, StatusCode::ACCEPTED);
    assert_eq!(reply.body["status"], "deleting");
}

#[tokio::test]
async fn lists_page_and_filter_by_tag() {
    let app = test_app(1 << 20).await;
    for i in 0..7 {
        let env = if i % 2 == 0 { "production" } else { "staging" };
        let body = format!(
            r#"{{"name":"f{i}","capacity":1,"instance_type":"t3.micro","tags":{{"environment":"{env}"}}}}"#
        );
        assert_eq!(
            call(&app, Method::POST, "/v1/fleets", &[], Some(&body))
                .await
                .status,
            StatusCode::OK
        );
    }
    let mut names = Vec::new();
    let mut uri = "/v1/fleets?page_size=3&tag=environment:production".to_string();
    loop {
        let reply = call(&app, Method::GET, &uri, &[], None).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        for fleet in reply.body["fleets"].as_array().unwrap() {
            names.push(fleet["name"].as_str().unwrap().to_string());
        }
        match reply.body["next_page_token"].as_str() {
            Some(token) => {
                uri =
                    format!("/v1/fleets?page_size=3&tag=environment:production&page_token={token}")
            }
            None => break,
        }
    }
    assert_eq!(names, ["f0", "f2", "f4", "f6"]);
    // By name: that one resource, or an empty page.
    let reply = call(&app, Method::GET, "/v1/fleets?name=f3", &[], None).await;
    let found = reply.body["fleets"].as_array().unwrap();
    assert_eq!((found.len(), &found[0]["name"]), (1, &json!("f3")));
    let reply = call(
        &app,
        Method::GET,
        "/v1/fleets?name=f3&tag=environment:production",
        &[],
        None,
    )
    .await;
    assert_eq!(reply.body["fleets"], json!([]));
    let reply = call(&app, Method::GET, "/v1/fleets?name=a%20b", &[], None).await;
    assert_eq!(
        reply.error(StatusCode::BAD_REQUEST, "INVALID_REQUEST")["field"],
        "name"
    );
    let reply = call(&app, Method::GET, "/v1/fleets?page_size=0", &[], None).await;
    assert_eq!(
        reply.error(StatusCode::BAD_REQUEST, "INVALID_REQUEST")["field"],
        "page_size"
    );
    let reply = call(
        &app,
        Method::GET,
        "/v1/fleets?page_token=nonsense",
        &[],
        None,
    )
    .await;
    assert_eq!(
        reply.error(StatusCode::BAD_REQUEST, "INVALID_REQUEST")["field"],
        "page_token"
    );
    let reply = call(&app, Method::GET, "/v1/fleets?colour=red", &[], None).await;
    assert_eq!(
        reply.error(StatusCode::BAD_REQUEST, "INVALID_REQUEST")["field"],
        "colour"
    );
}

#[tokio::test]
async fn instances_start_stop_and_refuse_illegal_transitions() {
    let app = test_app(1 << 20).await;
    let created = call(
        &app,
        Method::POST,
        "/v1/instances",
        &[],
        Some(r#"{"name":"vm","instance_type":"t3.micro"}"#),
    )
    .await;
    assert_eq!(created.status, StatusCode::OK);
    assert_eq!(created.body["state"], "pending");
    assert_eq!(created.body["fleet_id"], Value::Null);
    let id = created.body["id"].as_str().unwrap();
    let reply = call(
        &app,
        Method::POST,
        &format!("/v1/instances/{id}/stop"),
        &[],
        None,
    )
    .await;
    let details = reply.error(StatusCode::CONFLICT, "FAILED_PRECONDITION");
    assert_eq!(details["state"], "pending");
    let reply = call(
        &app,
        Method::POST,
        &format!("/v1/instances/{id}/start"),
        &[],
        None,
    )
    .await;
    assert_eq!(
        (reply.status, reply.body["state"].as_str()),
        (StatusCode::OK, Some("running"))
    );
    assert!(reply.body["launched_at"].is_string());
    let reply = call(
        &app,
        Method::POST,
        &format!("/v1/instances/{id}/stop"),
        &[],
        None,
    )
    .await;
    assert_eq!(reply.body["state"], "stopped");
    let reply = call(
        &app,
        Method::POST,
        "/v1/instances/instance-nope/start",
        &[],
        None,
    )
    .await;
    reply.error(StatusCode::NOT_FOUND, "NOT_FOUND");
    let reply = call(
        &app,
        Method::DELETE,
        &format!("/v1/instances/{id}"),
        &[],
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    let reply = call(&app, Method::GET, &format!("/v1/instances/{id}"), &[], None).await;
    reply.error(StatusCode::NOT_FOUND, "NOT_FOUND");
}

#[tokio::test]
async fn functions_invoke_with_distinct_errors() {
    let app = test_app(1 << 20).await;
    let create = |name: &str, handler: &str| {
        format!(r#"{{"name":"{name}","runtime":"native","handler":"{handler}","timeout_ms":1000}}"#)
    };
    let double = call(
        &app,
        Method::POST,
        "/v1/functions",
        &[],
        Some(&create("double", "double")),
    )
    .await;
    assert_eq!(double.status, StatusCode::OK, "{}", double.body);
    assert_eq!(double.body["memory_mb"], 128);
    let id = double.body["id"].as_str().unwrap();
    let reply = call(
        &app,
        Method::POST,
        &format!("/v1/functions/{id}/invoke"),
        &[],
        Some("21"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["output"], 42);
    assert_eq!(reply.body["status"], "succeeded");
    assert!(reply.body["duration_ms"].is_u64());

    let fail = call(
        &app,
        Method::POST,
        "/v1/functions",
        &[],
        Some(&create("fail", "fail")),
    )
    .await;
    let uri = format!("/v1/functions/{}/invoke", fail.body["id"].as_str().unwrap());
    call(&app, Method::POST, &uri, &[], Some("{}"))
        .await
        .error(StatusCode::BAD_GATEWAY, "FUNCTION_ERROR");
    let missing = call(
        &app,
        Method::POST,
        "/v1/functions",
        &[],
        Some(&create("missing", "nope")),
    )
    .await;
    let uri = format!(
        "/v1/functions/{}/invoke",
        missing.body["id"].as_str().unwrap()
    );
    call(&app, Method::POST, &uri, &[], Some("{}"))
        .await
        .error(StatusCode::CONFLICT, "FAILED_PRECONDITION");
    let reply = call(
        &app,
        Method::POST,
        "/v1/functions",
        &[],
        Some(r#"{"name":"w","runtime":"python","handler":"main"}"#),
    )
    .await;
    assert_eq!(
        reply.error(StatusCode::BAD_REQUEST, "INVALID_REQUEST")["field"],
        "runtime"
    );
}

#[tokio::test]
async fn versions_v0_v2beta1_and_accept_routing() {
    let app = test_app(1 << 20).await;
    let created = call(&app, Method::POST, "/v0/fleets", &[], Some(FLEET)).await;
    assert_eq!(created.status, StatusCode::OK);
    assert!(created.header("deprecation").starts_with('@'));
    assert!(created.header("sunset").ends_with("GMT"));
    assert_eq!(
        created.header("link"),
        "</v1/fleets>; rel=\"successor-version\""
    );
    let id = created.body["id"].as_str().unwrap().to_string();
    let v1 = call(&app, Method::GET, &format!("/v1/fleets/{id}"), &[], None).await;
    assert_eq!(v1.header("deprecation"), "");

    // v2beta1: JSON merge patch.
    let uri = format!("/v2beta1/fleets/{id}");
    let reply = call(
        &app,
        Method::PATCH,
        &uri,
        &[("content-type", "application/merge-patch+json")],
        Some(r#"{"capacity":7,"tags":{"environment":null,"team":"web"}}"#),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["capacity"], 7);
    assert_eq!(reply.body["description"], "Web application fleet");
    assert_eq!(reply.body["tags"], json!({"team": "web"}));
    let reply = call(&app, Method::PATCH, &uri, &[], Some(r#"{"capacity":0}"#)).await;
    assert_eq!(
        reply.error(StatusCode::BAD_REQUEST, "INVALID_REQUEST")["field"],
        "capacity"
    );
    let reply = call(&app, Method::PATCH, &uri, &[], Some(r#"{"colour":"red"}"#)).await;
    assert_eq!(
        reply.error(StatusCode::BAD_REQUEST, "INVALID_REQUEST")["field"],
        "colour"
    );
    // Removing a map entry that could not exist is as invalid as adding it.
    let reply = call(
        &app,
        Method::PATCH,
        &uri,
        &[],
        Some(r#"{"tags":{"":null}}"#),
    )
    .await;
    assert_eq!(
        reply.error(StatusCode::BAD_REQUEST, "INVALID_REQUEST")["field"],
        "tags"
    );
    let reply = call(
        &app,
        Method::PATCH,
        &uri,
        &[],
        Some(r#"{"tags":{"gone":null}}"#),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.raw);
    let reply = call(
        &app,
        Method::PATCH,
        &uri,
        &[("if-match", "\"1\"")],
        Some("{}"),
    )
    .await;
    reply.error(StatusCode::PRECONDITION_FAILED, "PRECONDITION_FAILED");

    // Unversioned paths follow Accept's version, v1 by default.
    let reply = call(&app, Method::GET, &format!("/fleets/{id}"), &[], None).await;
    assert_eq!(
        (reply.status, reply.body["capacity"].as_u64()),
        (StatusCode::OK, Some(7))
    );
    let beta = [("accept", "application/json;version=v2beta1")];
    let reply = call(
        &app,
        Method::PATCH,
        &format!("/fleets/{id}"),
        &beta,
        Some(r#"{"capacity":2}"#),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let stable = [("accept", "application/json;version=v1")];
    let reply = call(
        &app,
        Method::PATCH,
        &format!("/fleets/{id}"),
        &stable,
        Some("{}"),
    )
    .await;
    reply.error(StatusCode::METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED");
    let unknown = [("accept", "application/json;version=v9")];
    let reply = call(&app, Method::GET, "/fleets", &unknown, None).await;
    let details = reply.error(StatusCode::NOT_ACCEPTABLE, "NOT_ACCEPTABLE");
    assert_eq!(details["supported"], "v1, v2beta1, v0");
}

#[tokio::test]
async fn idempotency_keys_replay_and_refuse_reuse() {
    let app = test_app(1 << 20).await;
    let key = [("idempotency-key", "create-web-1")];
    let first = call(&app, Method::POST, "/v1/fleets", &key, Some(FLEET)).await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(first.header("idempotent-replayed"), "");
    let again = call(&app, Method::POST, "/v1/fleets", &key, Some(FLEET)).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.body, first.body);
    assert_eq!(again.header("idempotent-replayed"), "true");
    assert_eq!(again.header("etag"), first.header("etag"));
    assert_eq!(again.header("location"), first.header("location"));
    let list = call(&app, Method::GET, "/v1/fleets", &[], None).await;
    assert_eq!(
        list.body["fleets"].as_array().unwrap().len(),
        1,
        "created once"
    );

    // The same key for another request is refused, whatever differs.
    let other = FLEET.replace("web-fleet", "api-fleet");
    call(&app, Method::POST, "/v1/fleets", &key, Some(&other))
        .await
        .error(StatusCode::UNPROCESSABLE_ENTITY, "IDEMPOTENCY_KEY_REUSED");
    call(&app, Method::POST, "/v1/instances", &key, Some(FLEET))
        .await
        .error(StatusCode::UNPROCESSABLE_ENTITY, "IDEMPOTENCY_KEY_REUSED");

    // A refused request applied nothing, so its key is not kept: the
    // retry is judged again, and the corrected request may use the key.
    let bad = r#"{"name":"zero","capacity":0,"instance_type":"t3.medium"}"#;
    let key2 = [("idempotency-key", "create-zero")];
    let first = call(&app, Method::POST, "/v1/fleets", &key2, Some(bad)).await;
    first.error(StatusCode::BAD_REQUEST, "INVALID_REQUEST");
    let again = call(&app, Method::POST, "/v1/fleets", &key2, Some(bad)).await;
    again.error(StatusCode::BAD_REQUEST, "INVALID_REQUEST");
    assert_eq!(again.header("idempotent-replayed"), "");
    let fixed = bad.replace(r#""capacity":0"#, r#""capacity":1"#);
    let created = call(&app, Method::POST, "/v1/fleets", &key2, Some(&fixed)).await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.raw);
    // An unknown route keeps no record either.
    let nowhere = call(&app, Method::POST, "/v1/nowhere", &key2, Some(&fixed)).await;
    nowhere.error(StatusCode::NOT_FOUND, "NOT_FOUND");

    // Without a key a duplicate is just a duplicate.
    call(&app, Method::POST, "/v1/fleets", &[], Some(FLEET))
        .await
        .error(StatusCode::CONFLICT, "ALREADY_EXISTS");
    let reply = call(
        &app,
        Method::POST,
        "/v1/fleets",
        &[("idempotency-key", "has space")],
        Some(FLEET),
    )
    .await;
    assert_eq!(
        reply.error(StatusCode::BAD_REQUEST, "INVALID_REQUEST")["field"],
        "Idempotency-Key"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_retries_with_one_key_execute_once() {
    let app = test_app(1 << 20).await;
    let replies = futures_join(
        (0..8)
            .map(|_| {
                let app = app.clone();
                async move {
                    call(
                        &app,
                        Method::POST,
                        "/v1/fleets",
                        &[("idempotency-key", "race")],
                        Some(FLEET),
                    )
                    .await
                }
            })
            .collect(),
    )
    .await;
    let mut created = std::collections::HashSet::new();
    for reply in &replies {
        match reply.status {
            StatusCode::OK => {
                created.insert(reply.body["id"].as_str().unwrap().to_string());
            }
            StatusCode::CONFLICT => {
                assert_eq!(reply.body["error"]["code"], "IDEMPOTENCY_KEY_IN_USE")
            }
            other => panic!("unexpected {other}: {}", reply.body),
        }
    }
    assert_eq!(created.len(), 1, "every success is the one creation");
}

/// Runs the futures concurrently on the runtime and collects their results.
async fn futures_join<F: std::future::Future<Output = Reply> + Send + 'static>(
    futures: Vec<F>,
) -> Vec<Reply> {
    let handles: Vec<_> = futures.into_iter().map(tokio::spawn).collect();
    let mut out = Vec::new();
    for handle in handles {
        out.push(handle.await.unwrap());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_patches_without_if_match_all_apply() {
    let app = test_app(1 << 20).await;
    let created = call(&app, Method::POST, "/v1/fleets", &[], Some(FLEET)).await;
    let uri = format!("/v2beta1/fleets/{}", created.body["id"].as_str().unwrap());
    let handles: Vec<_> = (0..16)
        .map(|i| {
            let (app, uri) = (app.clone(), uri.clone());
            tokio::spawn(async move {
                let patch = format!(r#"{{"tags":{{"k{i}":"v"}}}}"#);
                call(&app, Method::PATCH, &uri, &[], Some(&patch)).await
            })
        })
        .collect();
    for handle in handles {
        let reply = handle.await.unwrap();
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }
    // Every patch added its own tag; none was lost to a race.
    let fleet = call(&app, Method::GET, &uri, &[], None).await;
    assert_eq!(
        fleet.body["tags"].as_object().unwrap().len(),
        17,
        "{}",
        fleet.body
    );
}

#[tokio::test]
async fn list_items_keep_the_field_order_of_single_resources() {
    let app = test_app(1 << 20).await;
    let created = call(&app, Method::POST, "/v1/fleets", &[], Some(FLEET)).await;
    let list = call(&app, Method::GET, "/v1/fleets", &[], None).await;
    let spec_order = [
        "\"id\"",
        "\"name\"",
        "\"description\"",
        "\"capacity\"",
        "\"instance_type\"",
        "\"status\"",
        "\"created_at\"",
        "\"tags\"",
    ];
    for raw in [&created.raw, &list.raw] {
        let positions: Vec<usize> = spec_order.iter().map(|k| raw.find(k).unwrap()).collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{raw}");
    }
    // The list item is byte-for-byte the single resource.
    assert!(list.raw.contains(&created.raw), "{}", list.raw);
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_5xx_bodies_hide_the_cause() {
    use clusterdb::storage::{Commit, Engine, Op, RedbEngine};
    let engine = std::sync::Arc::new(RedbEngine::in_memory());
    let db = clusterdb::ClusterDb::builder()
        .reconcile(false)
        .open_with(engine.clone())
        .await
        .unwrap();
    let app = crate::support::as_admin(
        &db,
        clusterdb_api::rest_app(db.clone(), &Default::default()),
    )
    .await;

    let reply = call(&app, Method::GET, "/v1/fleets", &[], None).await;
    let fresh = reply.header("x-request-id").to_string();
    assert!(!fresh.is_empty());
    let next = call(&app, Method::GET, "/v1/nothing", &[], None).await;
    assert!(!next.header("x-request-id").is_empty());
    assert_ne!(next.header("x-request-id"), fresh);
    let echoed = call(
        &app,
        Method::GET,
        "/v1/fleets",
        &[("x-request-id", "job-42.a_b")],
        None,
    )
    .await;
    assert_eq!(echoed.header("x-request-id"), "job-42.a_b");
    let replaced = call(
        &app,
        Method::GET,
        "/v1/fleets",
        &[("x-request-id", "no spaces")],
        None,
    )
    .await;
    assert_ne!(replaced.header("x-request-id"), "no spaces");

    // A corrupt record is a 500 whose body names no internals, only the id.
    engine
        .commit(Commit {
            ops: vec![Op::Put(b"o/fleet/fleet-bad".to_vec(), b"garbage".to_vec())],
            ..Commit::default()
        })
        .await
        .unwrap();
    let reply = call(
        &app,
        Method::GET,
        "/v1/fleets/fleet-bad",
        &[("x-request-id", "trace-me")],
        None,
    )
    .await;
    let details = reply.error(StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL");
    assert_eq!(reply.body["error"]["message"], "internal error");
    assert_eq!(details, &json!({"request_id": "trace-me"}));
    assert!(!reply.raw.contains("corrupt"), "{}", reply.raw);
}

/// A request that asks for stale reads is still authenticated from the
/// store's current state: a key made a moment ago works, and one revoked a
/// moment ago is refused at once (revocation is immediate whatever the
/// request asks).
#[tokio::test]
async fn stale_reads_do_not_weaken_authentication() {
    let app = test_app(1 << 20).await;
    let user = call(
        &app,
        Method::POST,
        "/v1/users",
        &[],
        Some(r#"{"username":"stale-reader","roles":["viewer"]}"#),
    )
    .await;
    let user_id = user.body["id"].as_str().unwrap().to_string();
    for round in 0..20 {
        let made = call(
            &app,
            Method::POST,
            &format!("/v1/users/{user_id}/api-keys"),
            &[],
            Some(&format!(r#"{{"name":"k{round}"}}"#)),
        )
        .await;
        let bearer = format!("Bearer {}", made.body["key"].as_str().unwrap());
        let as_key = [("authorization", bearer.as_str())];
        let stale = [
            ("authorization", bearer.as_str()),
            ("x-clusterdb-stale", "true"),
        ];
        let read = call(&app, Method::GET, "/v1/fleets?stale=true", &as_key, None).await;
        assert_eq!(read.status, StatusCode::OK, "round {round}: {}", read.body);
        let key_id = made.body["id"].as_str().unwrap();
        let revoked = call(
            &app,
            Method::DELETE,
            &format!("/v1/users/{user_id}/api-keys/{key_id}"),
            &[],
            None,
        )
        .await;
        assert!(revoked.status.is_success(), "{}", revoked.body);
        let refused = call(&app, Method::GET, "/v1/fleets", &stale, None).await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "round {round}");
    }
}

/// `GET /v1/server` names the engine, the read cache and the event log's
/// head, which moves with every write.
#[tokio::test]
async fn the_server_says_what_it_is_and_where_the_log_is() {
    let app = test_app(1 << 20).await;
    let before = call(&app, Method::GET, "/v1/server", &[], None).await;
    assert_eq!(before.status, StatusCode::OK, "{}", before.body);
    assert_eq!(before.body["engine"], "redb");
    assert_eq!(before.body["version"], env!("CARGO_PKG_VERSION"));
    assert!(before.body["read_cache"].is_boolean() && before.body["leader"].is_boolean());
    let created = call(&app, Method::POST, "/v1/fleets", &[], Some(FLEET)).await;
    let written = created.body["resource_version"].as_u64().unwrap();
    let after = call(&app, Method::GET, "/v1/server", &[], None).await;
    let head = after.body["revision"].as_u64().unwrap();
    assert!(head >= written, "{} < {written}", after.body);
    assert!(head > before.body["revision"].as_u64().unwrap());
}
