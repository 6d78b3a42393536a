//! The mesh over REST: Istio-shaped virtual services and security
//! policies, by id and by name, field-precise errors, and evaluation.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::support::{call, test_app};

const WEB_VS: &str = r#"{
  "name": "web-vs",
  "hosts": ["web.example.com"],
  "http_routes": [
    {"match": [{"uri": {"prefix": "/api"}}],
     "route": [{"destination": {"host": "api", "subset": "v1", "port": {"number": 8080}}, "weight": 75},
               {"destination": {"host": "api", "subset": "v2"}, "weight": 25}],
     "timeout": "5s",
     "retries": {"attempts": 3, "per_try_timeout": "2s", "retry_on": "5xx,connect-failure"}},
    {"route": [{"destination": {"host": "web"}}]}
  ]
}"#;

#[tokio::test]
async fn virtual_services_round_trip_and_resolve() {
    let app = test_app(1 << 20).await;
    let created = call(
        &app,
        Method::POST,
        "/v1/mesh/virtual-services",
        &[],
        Some(WEB_VS),
    )
    .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.raw);
    let vs = &created.body;
    assert_eq!(vs["namespace"], "default");
    assert_eq!(vs["http_routes"][0]["match"][0]["uri"]["prefix"], "/api");
    assert_eq!(
        vs["http_routes"][0]["route"][0]["destination"]["port"]["number"],
        8080
    );
    let id = vs["id"].as_str().unwrap();
    assert!(id.starts_with("virtual_service-"));
    // By name, and the same answer by id.
    let named = call(
        &app,
        Method::GET,
        "/v1/mesh/virtual-services/default/web-vs",
        &[],
        None,
    )
    .await;
    assert_eq!(named.body, *vs);
    let by_id = call(
        &app,
        Method::GET,
        &format!("/v1/mesh/virtual-services/{id}"),
        &[],
        None,
    )
    .await;
    assert_eq!(by_id.body, *vs);
    // Applying the same document again changes nothing.
    let again = call(
        &app,
        Method::PUT,
        "/v1/mesh/virtual-services/default/web-vs",
        &[],
        Some(WEB_VS),
    )
    .await;
    assert_eq!(again.header("apply-outcome"), "unchanged");
    let listed = call(
        &app,
        Method::GET,
        "/v1/mesh/virtual-services?namespace=default",
        &[],
        None,
    )
    .await;
    assert_eq!(listed.body["virtual_services"][0]["id"], id);

    let resolved = call(
        &app,
        Method::POST,
        "/v1/mesh/routes:resolve",
        &[],
        Some(r#"{"host": "web.example.com", "path": "/api/orders?id=1"}"#),
    )
    .await;
    assert_eq!(resolved.status, StatusCode::OK, "{}", resolved.raw);
    assert_eq!(resolved.body["matched"], true);
    assert_eq!(resolved.body["rule_index"], 0);
    assert_eq!(resolved.body["virtual_service"]["name"], "web-vs");
    assert_eq!(resolved.body["destinations"][0]["percent"], 75.0);
    assert_eq!(
        resolved.body["destinations"][1]["destination"]["subset"],
        "v2"
    );
    let none = call(
        &app,
        Method::POST,
        "/v1/mesh/routes:resolve",
        &[],
        Some(r#"{"host": "nowhere"}"#),
    )
    .await;
    assert_eq!(none.body["matched"], false);
    assert_eq!(none.body["destinations"], json!([]));
}

#[tokio::test]
async fn invalid_mesh_resources_name_the_field_path() {
    let app = test_app(1 << 20).await;
    let cases = [
        (
            r#"{"name": "a", "hosts": ["x"], "http_routes": [{"route": [{"destination": {"host": "y"}, "weight": 101}]}]}"#,
            "http_routes[0].route[0].weight",
        ),
        (
            r#"{"name": "a", "hosts": ["x"], "http_routes": [{"route": [{"destination": {"host": "y"}}]}, {"match": [{"uri": {"regex": "("}}], "route": [{"destination": {"host": "y"}}]}]}"#,
            "http_routes[1].match[0].uri.regex",
        ),
        (r#"{"name": "a", "hosts": []}"#, "hosts"),
        (
            r#"{"name": "a", "hosts": ["x"], "http_routes": [{"match": [{"uri": {"exact": "/", "prefix": "/"}}], "route": [{"destination": {"host": "y"}}]}]}"#,
            "http_routes[0].match[0].uri",
        ),
        // A share given as null is no share (the document says a number).
        (
            r#"{"name": "a", "hosts": ["x"], "http_routes": [{"fault": {"abort": {"http_status": 503, "percent": null}}, "route": [{"destination": {"host": "y"}}]}]}"#,
            "http_routes[0].fault.abort.percent",
        ),
        // A fault that says neither how many requests it applies to.
        (
            r#"{"name": "a", "hosts": ["x"], "http_routes": [{"fault": {"abort": {"http_status": 503}}, "route": [{"destination": {"host": "y"}}]}]}"#,
            "http_routes[0].fault.abort.percentage",
        ),
    ];
    for (body, field) in cases {
        let reply = call(
            &app,
            Method::POST,
            "/v1/mesh/virtual-services",
            &[],
            Some(body),
        )
        .await;
        let details = reply.error(StatusCode::BAD_REQUEST, "INVALID_REQUEST");
        assert_eq!(details["field"], field, "{body}: {}", reply.raw);
    }
    let reply = call(
        &app,
        Method::POST,
        "/v1/mesh/security-policies",
        &[],
        Some(r#"{"name": "p", "action": "DENY", "rules": [{"from": [{"source": {"ip_blocks": ["10.0.0.0/40"]}}]}]}"#),
    )
    .await;
    let details = reply.error(StatusCode::BAD_REQUEST, "INVALID_REQUEST");
    assert_eq!(details["field"], "rules[0].from[0].source.ip_blocks[0]");
}

#[tokio::test]
async fn security_policies_decide_checks() {
    let app = test_app(1 << 20).await;
    let policy = r#"{
      "name": "allow-frontend",
      "namespace": "shop",
      "selector": {"match_labels": {"app": "api"}},
      "action": "ALLOW",
      "rules": [{"from": [{"source": {"principals": ["cluster.local/ns/web/sa/frontend"]}}],
                 "to": [{"operation": {"methods": ["GET"], "paths": ["/api/*"]}}]}]
    }"#;
    let created = call(
        &app,
        Method::POST,
        "/v1/mesh/security-policies",
        &[],
        Some(policy),
    )
    .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.raw);
    assert_eq!(created.body["selector"]["match_labels"]["app"], "api");
    let check = |principal: &str, path: &str| {
        json!({
            "namespace": "shop", "labels": {"app": "api"}, "principal": principal,
            "method": "GET", "path": path, "ip": "10.0.0.1"
        })
        .to_string()
    };
    let allowed = call(
        &app,
        Method::POST,
        "/v1/mesh/security-policies:check",
        &[],
        Some(&check("cluster.local/ns/web/sa/frontend", "/api/items")),
    )
    .await;
    assert_eq!(allowed.body["decision"], "ALLOW", "{}", allowed.raw);
    assert_eq!(allowed.body["policy"]["name"], "allow-frontend");
    let denied = call(
        &app,
        Method::POST,
        "/v1/mesh/security-policies:check",
        &[],
        Some(&check("cluster.local/ns/x/sa/y", "/api/items")),
    )
    .await;
    assert_eq!(denied.body["decision"], "DENY");
    assert!(denied.body.get("policy").is_none());
    let bad_ip = call(
        &app,
        Method::POST,
        "/v1/mesh/security-policies:check",
        &[],
        Some(r#"{"ip": "nope"}"#),
    )
    .await;
    assert_eq!(
        bad_ip.error(StatusCode::BAD_REQUEST, "INVALID_REQUEST")["field"],
        "ip"
    );
}

#[tokio::test]
async fn a_dry_run_apply_reports_the_outcome_and_writes_nothing() {
    let app = test_app(1 << 20).await;
    let path = "/v1/mesh/virtual-services/default/web-vs";
    let planned = call(
        &app,
        Method::PUT,
        &format!("{path}?dry_run=true"),
        &[],
        Some(WEB_VS),
    )
    .await;
    assert_eq!(planned.status, StatusCode::CREATED, "{}", planned.raw);
    assert_eq!(planned.header("apply-outcome"), "created");
    let absent = call(&app, Method::GET, path, &[], None).await;
    assert_eq!(absent.status, StatusCode::NOT_FOUND);
    let applied = call(&app, Method::PUT, path, &[], Some(WEB_VS)).await;
    assert_eq!(applied.header("apply-outcome"), "created");
    let changed = WEB_VS.replace("\"timeout\": \"5s\"", "\"timeout\": \"7s\"");
    let planned = call(
        &app,
        Method::PUT,
        &format!("{path}?dry_run=true"),
        &[],
        Some(&changed),
    )
    .await;
    assert_eq!(planned.header("apply-outcome"), "configured");
    assert_eq!(planned.body["http_routes"][0]["timeout"], "7s");
    let stored = call(&app, Method::GET, path, &[], None).await;
    assert_eq!(stored.body, applied.body);
    // An invalid document fails a dry run the same way.
    let invalid = WEB_VS.replace("\"weight\": 75", "\"weight\": 750");
    let reply = call(
        &app,
        Method::PUT,
        &format!("{path}?dry_run=true"),
        &[],
        Some(&invalid),
    )
    .await;
    assert_eq!(
        reply.error(StatusCode::BAD_REQUEST, "INVALID_REQUEST")["field"],
        "http_routes[0].route[0].weight"
    );
    let reply = call(
        &app,
        Method::PUT,
        &format!("{path}?dry_run=maybe"),
        &[],
        Some(WEB_VS),
    )
    .await;
    assert_eq!(
        reply.error(StatusCode::BAD_REQUEST, "INVALID_REQUEST")["field"],
        "dry_run"
    );
}

/// Istio's older whole-number fault `percent` is taken when `percentage`
/// is absent (as Istio does), and shown back as `percentage`.
#[tokio::test]
async fn the_older_fault_percent_is_a_percentage() {
    let app = test_app(1 << 20).await;
    let body = r#"{"name": "f", "hosts": ["x"], "http_routes": [{"fault": {"delay": {"fixed_delay": "5s", "percent": 10}, "abort": {"http_status": 503, "percent": 5, "percentage": {"value": 0.5}}}, "route": [{"destination": {"host": "y"}}]}]}"#;
    let reply = call(
        &app,
        Method::POST,
        "/v1/mesh/virtual-services",
        &[],
        Some(body),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.raw);
    let fault = &reply.body["http_routes"][0]["fault"];
    assert_eq!(
        fault["delay"],
        json!({"fixed_delay": "5s", "percentage": {"value": 10.0}})
    );
    assert_eq!(fault["abort"]["percentage"], json!({"value": 0.5}));
    assert!(fault["abort"].get("percent").is_none(), "{fault}");
}
