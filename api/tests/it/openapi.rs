//! The OpenAPI document against the router: the same paths and methods.

use std::collections::BTreeSet;

use axum::http::{Method, StatusCode};
use clusterdb_api::rest::{openapi::document, served_routes};
use serde_json::Value;

use crate::support::{call, test_app};

fn documented() -> BTreeSet<(String, String)> {
    let doc = serde_json::to_value(document()).unwrap();
    let mut pairs = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                pairs.insert((path.clone(), method.to_uppercase()));
            }
        }
    }
    pairs
}

#[test]
fn every_served_route_is_documented_and_vice_versa() {
    let served: BTreeSet<(String, String)> = served_routes()
        .into_iter()
        .chain(clusterdb_api::rest::oauth_routes())
        .map(|(p, m)| (p, m.to_string()))
        .collect();
    let documented = documented();
    assert_eq!(
        served.difference(&documented).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "served but not documented"
    );
    assert_eq!(
        documented.difference(&served).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "documented but not served"
    );
    // Per version: fleets, instances, functions 18; users 5 + 3 API-key
    // routes; groups 5 + 2 membership routes; OAuth clients 5 + secret.
    // Virtual services and security policies: 5 by id, 3 by namespace and
    // name, and an evaluation each (resolve, check): 18.
    // The event log: list and watch, 2. Webhook endpoints 5, their secret
    // and test 2, deliveries (list, get, redeliver) 3: 10.
    // Monitoring: alert rules 5, silences 5 + expire, samples, metrics and
    // alerts: 14.
    // The snapshot, whoami and the server: 3.
    // v1: 86 + the document; v2beta1: 86 + 11 PATCH; v0: 86; the token
    // endpoint and two well-known documents.
    assert_eq!(served.len(), 273);
}

#[tokio::test]
async fn the_router_answers_exactly_the_documented_methods() {
    let app = test_app(1 << 20).await;
    let documented = documented();
    let paths: BTreeSet<&String> = documented.iter().map(|(p, _)| p).collect();
    for path in paths {
        let concrete = path.replace("{id}", "x-1");
        for method in [
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ] {
            let body = matches!(method, Method::POST | Method::PUT | Method::PATCH).then_some("{}");
            let streams = concrete.ends_with(":watch") || concrete.ends_with("/admin/snapshot");
            if streams && method == Method::GET {
                // A stream (not JSON): its status says it is served.
                let request = axum::http::Request::builder()
                    .uri(&concrete)
                    .body(axum::body::Body::empty())
                    .unwrap();
                let status = tower::ServiceExt::oneshot(app.clone(), request)
                    .await
                    .unwrap()
                    .status();
                assert_eq!(status, StatusCode::OK, "GET {concrete}");
                continue;
            }
            let reply = call(&app, method.clone(), &concrete, &[], body).await;
            let routed = reply.status != StatusCode::METHOD_NOT_ALLOWED
                && !(reply.status == StatusCode::NOT_FOUND
                    && reply.body["error"]["message"] == "no such endpoint");
            let expected = documented.contains(&(path.clone(), method.to_string()));
            assert_eq!(
                routed, expected,
                "{method} {concrete}: {} {}",
                reply.status, reply.body
            );
        }
    }
}

#[tokio::test]
async fn the_document_is_served_and_its_references_resolve() {
    let app = test_app(1 << 20).await;
    let reply = call(&app, Method::GET, "/v1/openapi.json", &[], None).await;
    assert_eq!(reply.status, StatusCode::OK);
    let doc = reply.body;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let mut refs = Vec::new();
    collect_refs(&doc, &mut refs);
    assert!(!refs.is_empty());
    for reference in refs {
        let name = reference
            .strip_prefix("#/components/schemas/")
            .expect("a schema ref");
        assert!(schemas.contains_key(name), "{reference} does not resolve");
    }
    // The spec's fleet fields are in the fleet schema.
    let fleet = &schemas["FleetOutput"]["properties"];
    for field in [
        "id",
        "name",
        "description",
        "capacity",
        "instance_type",
        "status",
        "created_at",
        "tags",
    ] {
        assert!(fleet.get(field).is_some(), "{field}");
    }
}

fn collect_refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                if key == "$ref" {
                    out.push(value.as_str().unwrap().to_string());
                } else {
                    collect_refs(value, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

/// The rules the SDK generators and schemathesis read: each one the server
/// enforces is in the document (the server's side is tested per kind).
#[test]
fn the_document_states_the_rules_clients_generate_from() {
    let doc = serde_json::to_value(document()).unwrap();
    let schemas = &doc["components"]["schemas"];
    let mut ids = BTreeSet::new();
    for item in doc["paths"].as_object().unwrap().values() {
        for operation in item.as_object().unwrap().values() {
            if let Some(id) = operation["operationId"].as_str() {
                assert!(ids.insert(id.to_string()), "operationId {id} twice");
            }
        }
    }
    assert!(ids.contains("v1_listSecurityPolicies"), "plural of policy");
    assert!(!ids.iter().any(|id| id.contains("Policys")), "{ids:?}");

    // A virtual service routes at least one host, each a DNS name, none twice.
    let vs = &schemas["VirtualServiceInput"];
    assert!(vs["required"].as_array().unwrap().contains(&"hosts".into()));
    assert_eq!(vs["properties"]["hosts"]["minItems"], 1);
    assert_eq!(vs["properties"]["hosts"]["uniqueItems"], true);
    assert!(vs["properties"]["hosts"].get("default").is_none());
    // Serde enums take exactly their one property.
    for variant in schemas["StringMatchJson"]["oneOf"].as_array().unwrap() {
        assert_eq!(variant["additionalProperties"], false, "{variant}");
    }
    // A webhook secret rotation's body: null or a SecretInput with the pattern.
    let rotate = &doc["paths"]["/v1/webhooks/{id}/secret"]["post"]["requestBody"];
    let body = &rotate["content"]["application/json"]["schema"]["anyOf"];
    assert_eq!(body[0]["$ref"], "#/components/schemas/SecretInput");
    assert_eq!(body[1]["type"], "null");
    assert!(schemas["SecretInput"]["properties"]["secret"]["pattern"].is_string());
    // Query parameters: labels repeat as name:value; alert states are named.
    let parameter = |path: &str, name: &str| -> Value {
        doc["paths"][path]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap()["schema"]
            .clone()
    };
    let label = parameter("/v1/monitoring/metrics", "label");
    assert_eq!(label["type"], "array");
    assert_eq!(label["items"]["pattern"], "^[^:]*:");
    let state = parameter("/v1/monitoring/alerts", "state");
    assert_eq!(
        state["enum"],
        serde_json::json!(["pending", "firing", "resolved"])
    );
    // Times, matchers, samples and a check's address.
    let silence = &schemas["SilenceInput"]["properties"];
    assert_eq!(silence["ends_at"]["format"], "date-time");
    assert_eq!(silence["matchers"]["minItems"], 1);
    assert_eq!(silence["matchers"]["maxItems"], 16);
    let sample = &schemas["SampleJson"]["properties"];
    assert!(sample["metric"]["pattern"].is_string());
    assert_eq!(sample["service"]["anyOf"][1]["type"], "null");
    let ip = &schemas["CheckRequestJson"]["properties"]["ip"]["anyOf"];
    assert_eq!(ip[0]["format"], "ipv4");
    assert_eq!(ip[1]["format"], "ipv6");
}

/// Every documented read takes the read options the document gives it
/// (`min_revision`, `stale`): none answers 400 for them.
#[tokio::test]
async fn every_documented_read_takes_the_read_options() {
    let app = test_app(1 << 20).await;
    let doc = serde_json::to_value(document()).unwrap();
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        let Some(read) = item.get("get") else {
            continue;
        };
        let Some(parameters) = read["parameters"].as_array() else {
            continue;
        };
        let names: Vec<&str> = parameters
            .iter()
            .filter_map(|p| p["name"].as_str())
            .collect();
        // (A watch is a stream without end, a snapshot bytes: the
        // end-to-end suites read both with the options.)
        if !names.contains(&"stale") || path.contains(":watch") || path.ends_with("/snapshot") {
            continue;
        }
        assert!(names.contains(&"min_revision"), "{path}");
        let mut uri = path.replace(['{', '}'], "");
        let required: Vec<String> = parameters
            .iter()
            .filter(|p| p["in"] == "query" && p["required"] == true)
            .map(|p| format!("{}=x&", p["name"].as_str().unwrap()))
            .collect();
        uri.push_str(&format!("?{}stale=true&min_revision=0", required.concat()));
        let reply = call(&app, Method::GET, &uri, &[], None).await;
        assert_ne!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{uri}: {}",
            reply.body
        );
        checked += 1;
    }
    assert!(checked > 30, "{checked} reads");
}
