//! Every REST route and every gRPC method against every kind of caller:
//! no credentials, a malformed header, an unknown, a revoked API key, an
//! expired, a tampered, an `alg: none` and an `HS256` token, then a viewer,
//! an editor, an admin and OAuth clients with `compute:read` and with
//! `identity:read`. The
//! expected answer comes from the tables below (what each route needs) and
//! the role oracle (what each role may do) — written out here, apart from
//! the code under test. A route or method without a row fails the test.

use std::collections::BTreeSet;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use clusterdb::identity::{OAuthClientSpec, Role, UserSpec};
use clusterdb::{ClusterDb, Draft};
use clusterdb_api::{RestConfig, app};
use http_body_util::BodyExt;
use prost::Message;
use tower::ServiceExt;

/// What a route needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Need {
    /// Nothing: served to anyone.
    Public,
    /// The token endpoint: it authenticates the OAuth client itself
    /// (`invalid_client` is its own 401), never by the caller's role.
    TokenEndpoint,
    /// `read` on a kind.
    Read(&'static str),
    /// `write` on a kind.
    Write(&'static str),
    /// The user's own API keys, or admin.
    OwnKeys,
    /// Any authenticated caller (what they get is filtered by kind).
    Authenticated,
}

use Need::*;

/// Every REST route of `/v1` (the other versions serve the same routes).
const REST: &[(&str, &str, Need)] = &[
    ("/v1/openapi.json", "GET", Public),
    ("/oauth/token", "POST", TokenEndpoint),
    ("/.well-known/jwks.json", "GET", Public),
    ("/.well-known/openid-configuration", "GET", Public),
    ("/v1/events", "GET", Authenticated),
    ("/v1/events:watch", "GET", Authenticated),
    ("/v1/admin/snapshot", "GET", Read("snapshot")),
    ("/v1/auth/whoami", "GET", Authenticated),
    ("/v1/server", "GET", Authenticated),
    ("/v1/fleets", "GET", Read("fleet")),
    ("/v1/fleets", "POST", Write("fleet")),
    ("/v1/fleets/{id}", "GET", Read("fleet")),
    ("/v1/fleets/{id}", "PUT", Write("fleet")),
    ("/v1/fleets/{id}", "PATCH", Write("fleet")),
    ("/v1/fleets/{id}", "DELETE", Write("fleet")),
    ("/v1/instances", "GET", Read("instance")),
    ("/v1/instances", "POST", Write("instance")),
    ("/v1/instances/{id}", "GET", Read("instance")),
    ("/v1/instances/{id}", "PUT", Write("instance")),
    ("/v1/instances/{id}", "PATCH", Write("instance")),
    ("/v1/instances/{id}", "DELETE", Write("instance")),
    ("/v1/instances/{id}/start", "POST", Write("instance")),
    ("/v1/instances/{id}/stop", "POST", Write("instance")),
    ("/v1/functions", "GET", Read("function")),
    ("/v1/functions", "POST", Write("function")),
    ("/v1/functions/{id}", "GET", Read("function")),
    ("/v1/functions/{id}", "PUT", Write("function")),
    ("/v1/functions/{id}", "PATCH", Write("function")),
    ("/v1/functions/{id}", "DELETE", Write("function")),
    ("/v1/functions/{id}/invoke", "POST", Write("function")),
    ("/v1/users", "GET", Read("user")),
    ("/v1/users", "POST", Write("user")),
    ("/v1/users/{id}", "GET", Read("user")),
    ("/v1/users/{id}", "PUT", Write("user")),
    ("/v1/users/{id}", "PATCH", Write("user")),
    ("/v1/users/{id}", "DELETE", Write("user")),
    ("/v1/users/{id}/api-keys", "GET", OwnKeys),
    ("/v1/users/{id}/api-keys", "POST", OwnKeys),
    ("/v1/users/{id}/api-keys/{key_id}", "DELETE", OwnKeys),
    ("/v1/groups", "GET", Read("group")),
    ("/v1/groups", "POST", Write("group")),
    ("/v1/groups/{id}", "GET", Read("group")),
    ("/v1/groups/{id}", "PUT", Write("group")),
    ("/v1/groups/{id}", "PATCH", Write("group")),
    ("/v1/groups/{id}", "DELETE", Write("group")),
    ("/v1/groups/{id}/members", "POST", Write("group")),
    (
        "/v1/groups/{id}/members/{user_id}",
        "DELETE",
        Write("group"),
    ),
    ("/v1/oauth-clients", "GET", Read("oauthclient")),
    ("/v1/oauth-clients", "POST", Write("oauthclient")),
    ("/v1/oauth-clients/{id}", "GET", Read("oauthclient")),
    ("/v1/oauth-clients/{id}", "PUT", Write("oauthclient")),
    ("/v1/oauth-clients/{id}", "PATCH", Write("oauthclient")),
    ("/v1/oauth-clients/{id}", "DELETE", Write("oauthclient")),
    (
        "/v1/oauth-clients/{id}/secret",
        "POST",
        Write("oauthclient"),
    ),
    ("/v1/webhooks", "GET", Read("webhook")),
    ("/v1/webhooks", "POST", Write("webhook")),
    ("/v1/webhooks/{id}", "GET", Read("webhook")),
    ("/v1/webhooks/{id}", "PUT", Write("webhook")),
    ("/v1/webhooks/{id}", "PATCH", Write("webhook")),
    ("/v1/webhooks/{id}", "DELETE", Write("webhook")),
    ("/v1/webhooks/{id}/secret", "POST", Write("webhook")),
    ("/v1/webhooks/{id}/test", "POST", Write("webhook")),
    ("/v1/webhooks/{id}/deliveries", "GET", Read("webhook")),
    (
        "/v1/webhooks/{id}/deliveries/{delivery_id}",
        "GET",
        Read("webhook"),
    ),
    (
        "/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver",
        "POST",
        Write("webhook"),
    ),
    ("/v1/monitoring/alert-rules", "GET", Read("alertrule")),
    ("/v1/monitoring/alert-rules", "POST", Write("alertrule")),
    ("/v1/monitoring/alert-rules/{id}", "GET", Read("alertrule")),
    ("/v1/monitoring/alert-rules/{id}", "PUT", Write("alertrule")),
    (
        "/v1/monitoring/alert-rules/{id}",
        "PATCH",
        Write("alertrule"),
    ),
    (
        "/v1/monitoring/alert-rules/{id}",
        "DELETE",
        Write("alertrule"),
    ),
    ("/v1/monitoring/silences", "GET", Read("silence")),
    ("/v1/monitoring/silences", "POST", Write("silence")),
    ("/v1/monitoring/silences/{id}", "GET", Read("silence")),
    ("/v1/monitoring/silences/{id}", "PUT", Write("silence")),
    ("/v1/monitoring/silences/{id}", "PATCH", Write("silence")),
    ("/v1/monitoring/silences/{id}", "DELETE", Write("silence")),
    (
        "/v1/monitoring/silences/{id}/expire",
        "POST",
        Write("silence"),
    ),
    ("/v1/monitoring/samples", "POST", Write("metric")),
    ("/v1/monitoring/metrics", "GET", Read("metric")),
    ("/v1/monitoring/alerts", "GET", Read("alert")),
    ("/v1/mesh/virtual-services", "GET", Read("virtual_service")),
    (
        "/v1/mesh/virtual-services",
        "POST",
        Write("virtual_service"),
    ),
    (
        "/v1/mesh/virtual-services/{id}",
        "GET",
        Read("virtual_service"),
    ),
    (
        "/v1/mesh/virtual-services/{id}",
        "PUT",
        Write("virtual_service"),
    ),
    (
        "/v1/mesh/virtual-services/{id}",
        "PATCH",
        Write("virtual_service"),
    ),
    (
        "/v1/mesh/virtual-services/{id}",
        "DELETE",
        Write("virtual_service"),
    ),
    (
        "/v1/mesh/virtual-services/{namespace}/{name}",
        "GET",
        Read("virtual_service"),
    ),
    (
        "/v1/mesh/virtual-services/{namespace}/{name}",
        "PUT",
        Write("virtual_service"),
    ),
    (
        "/v1/mesh/virtual-services/{namespace}/{name}",
        "DELETE",
        Write("virtual_service"),
    ),
    ("/v1/mesh/routes:resolve", "POST", Read("virtual_service")),
    ("/v1/mesh/security-policies", "GET", Read("security_policy")),
    (
        "/v1/mesh/security-policies",
        "POST",
        Write("security_policy"),
    ),
    (
        "/v1/mesh/security-policies/{id}",
        "GET",
        Read("security_policy"),
    ),
    (
        "/v1/mesh/security-policies/{id}",
        "PUT",
        Write("security_policy"),
    ),
    (
        "/v1/mesh/security-policies/{id}",
        "PATCH",
        Write("security_policy"),
    ),
    (
        "/v1/mesh/security-policies/{id}",
        "DELETE",
        Write("security_policy"),
    ),
    (
        "/v1/mesh/security-policies/{namespace}/{name}",
        "GET",
        Read("security_policy"),
    ),
    (
        "/v1/mesh/security-policies/{namespace}/{name}",
        "PUT",
        Write("security_policy"),
    ),
    (
        "/v1/mesh/security-policies/{namespace}/{name}",
        "DELETE",
        Write("security_policy"),
    ),
    (
        "/v1/mesh/security-policies:check",
        "POST",
        Read("security_policy"),
    ),
];

/// Every method of ClusterDB's gRPC services.
const GRPC: &[(&str, Need)] = &[
    (
        "/clusterdb.admin.v1.AdminService/Snapshot",
        Read("snapshot"),
    ),
    ("/clusterdb.events.v1.EventService/Watch", Authenticated),
    (
        "/clusterdb.webhooks.v1.WebhookService/CreateWebhook",
        Write("webhook"),
    ),
    (
        "/clusterdb.webhooks.v1.WebhookService/GetWebhook",
        Read("webhook"),
    ),
    (
        "/clusterdb.webhooks.v1.WebhookService/UpdateWebhook",
        Write("webhook"),
    ),
    (
        "/clusterdb.webhooks.v1.WebhookService/DeleteWebhook",
        Write("webhook"),
    ),
    (
        "/clusterdb.webhooks.v1.WebhookService/ListWebhooks",
        Read("webhook"),
    ),
    (
        "/clusterdb.webhooks.v1.WebhookService/RotateWebhookSecret",
        Write("webhook"),
    ),
    (
        "/clusterdb.webhooks.v1.WebhookService/TestWebhook",
        Write("webhook"),
    ),
    (
        "/clusterdb.webhooks.v1.WebhookService/ListWebhookDeliveries",
        Read("webhook"),
    ),
    (
        "/clusterdb.webhooks.v1.WebhookService/GetWebhookDelivery",
        Read("webhook"),
    ),
    (
        "/clusterdb.webhooks.v1.WebhookService/RedeliverWebhook",
        Write("webhook"),
    ),
    (
        "/clusterdb.monitoring.v1.MonitoringService/PushSamples",
        Write("metric"),
    ),
    (
        "/clusterdb.monitoring.v1.MonitoringService/QueryMetrics",
        Read("metric"),
    ),
    (
        "/clusterdb.monitoring.v1.MonitoringService/ListAlerts",
        Read("alert"),
    ),
    (
        "/clusterdb.monitoring.v1.MonitoringService/CreateAlertRule",
        Write("alertrule"),
    ),
    (
        "/clusterdb.monitoring.v1.MonitoringService/GetAlertRule",
        Read("alertrule"),
    ),
    (
        "/clusterdb.monitoring.v1.MonitoringService/UpdateAlertRule",
        Write("alertrule"),
    ),
    (
        "/clusterdb.monitoring.v1.MonitoringService/DeleteAlertRule",
        Write("alertrule"),
    ),
    (
        "/clusterdb.monitoring.v1.MonitoringService/ListAlertRules",
        Read("alertrule"),
    ),
    (
        "/clusterdb.monitoring.v1.MonitoringService/CreateSilence",
        Write("silence"),
    ),
    (
        "/clusterdb.monitoring.v1.MonitoringService/GetSilence",
        Read("silence"),
    ),
    (
        "/clusterdb.monitoring.v1.MonitoringService/UpdateSilence",
        Write("silence"),
    ),
    (
        "/clusterdb.monitoring.v1.MonitoringService/DeleteSilence",
        Write("silence"),
    ),
    (
        "/clusterdb.monitoring.v1.MonitoringService/ListSilences",
        Read("silence"),
    ),
    (
        "/clusterdb.monitoring.v1.MonitoringService/ExpireSilence",
        Write("silence"),
    ),
    (
        "/clusterdb.compute.v1.ComputeService/CreateFleet",
        Write("fleet"),
    ),
    (
        "/clusterdb.compute.v1.ComputeService/GetFleet",
        Read("fleet"),
    ),
    (
        "/clusterdb.compute.v1.ComputeService/UpdateFleet",
        Write("fleet"),
    ),
    (
        "/clusterdb.compute.v1.ComputeService/DeleteFleet",
        Write("fleet"),
    ),
    (
        "/clusterdb.compute.v1.ComputeService/ListFleets",
        Read("fleet"),
    ),
    (
        "/clusterdb.compute.v1.ComputeService/CreateInstance",
        Write("instance"),
    ),
    (
        "/clusterdb.compute.v1.ComputeService/GetInstance",
        Read("instance"),
    ),
    (
        "/clusterdb.compute.v1.ComputeService/UpdateInstance",
        Write("instance"),
    ),
    (
        "/clusterdb.compute.v1.ComputeService/DeleteInstance",
        Write("instance"),
    ),
    (
        "/clusterdb.compute.v1.ComputeService/ListInstances",
        Read("instance"),
    ),
    (
        "/clusterdb.compute.v1.ComputeService/StartInstance",
        Write("instance"),
    ),
    (
        "/clusterdb.compute.v1.ComputeService/StopInstance",
        Write("instance"),
    ),
    (
        "/clusterdb.compute.v1.ComputeService/CreateFunction",
        Write("function"),
    ),
    (
        "/clusterdb.compute.v1.ComputeService/GetFunction",
        Read("function"),
    ),
    (
        "/clusterdb.compute.v1.ComputeService/UpdateFunction",
        Write("function"),
    ),
    (
        "/clusterdb.compute.v1.ComputeService/DeleteFunction",
        Write("function"),
    ),
    (
        "/clusterdb.compute.v1.ComputeService/ListFunctions",
        Read("function"),
    ),
    (
        "/clusterdb.compute.v1.ComputeService/InvokeFunction",
        Write("function"),
    ),
    (
        "/clusterdb.identity.v1.IdentityService/CreateUser",
        Write("user"),
    ),
    (
        "/clusterdb.identity.v1.IdentityService/GetUser",
        Read("user"),
    ),
    (
        "/clusterdb.identity.v1.IdentityService/UpdateUser",
        Write("user"),
    ),
    (
        "/clusterdb.identity.v1.IdentityService/DeleteUser",
        Write("user"),
    ),
    (
        "/clusterdb.identity.v1.IdentityService/ListUsers",
        Read("user"),
    ),
    (
        "/clusterdb.identity.v1.IdentityService/CreateGroup",
        Write("group"),
    ),
    (
        "/clusterdb.identity.v1.IdentityService/GetGroup",
        Read("group"),
    ),
    (
        "/clusterdb.identity.v1.IdentityService/UpdateGroup",
        Write("group"),
    ),
    (
        "/clusterdb.identity.v1.IdentityService/DeleteGroup",
        Write("group"),
    ),
    (
        "/clusterdb.identity.v1.IdentityService/ListGroups",
        Read("group"),
    ),
    (
        "/clusterdb.identity.v1.IdentityService/AddGroupMember",
        Write("group"),
    ),
    (
        "/clusterdb.identity.v1.IdentityService/RemoveGroupMember",
        Write("group"),
    ),
    (
        "/clusterdb.identity.v1.IdentityService/CreateApiKey",
        OwnKeys,
    ),
    (
        "/clusterdb.identity.v1.IdentityService/ListApiKeys",
        OwnKeys,
    ),
    (
        "/clusterdb.identity.v1.IdentityService/RevokeApiKey",
        OwnKeys,
    ),
    (
        "/clusterdb.mesh.v1.MeshService/ApplyVirtualService",
        Write("virtual_service"),
    ),
    (
        "/clusterdb.mesh.v1.MeshService/GetVirtualService",
        Read("virtual_service"),
    ),
    (
        "/clusterdb.mesh.v1.MeshService/DeleteVirtualService",
        Write("virtual_service"),
    ),
    (
        "/clusterdb.mesh.v1.MeshService/ListVirtualServices",
        Read("virtual_service"),
    ),
    (
        "/clusterdb.mesh.v1.MeshService/ApplySecurityPolicy",
        Write("security_policy"),
    ),
    (
        "/clusterdb.mesh.v1.MeshService/GetSecurityPolicy",
        Read("security_policy"),
    ),
    (
        "/clusterdb.mesh.v1.MeshService/DeleteSecurityPolicy",
        Write("security_policy"),
    ),
    (
        "/clusterdb.mesh.v1.MeshService/ListSecurityPolicies",
        Read("security_policy"),
    ),
    (
        "/clusterdb.mesh.v1.MeshService/ResolveRoute",
        Read("virtual_service"),
    ),
    (
        "/clusterdb.mesh.v1.MeshService/CheckSecurityPolicies",
        Read("security_policy"),
    ),
];

/// The role oracle: may `role` do this? (The policy's table, written out
/// again on purpose.)
fn role_may(role: Role, need: Need) -> bool {
    let at_least = |least: Role| role >= least;
    match need {
        Public | TokenEndpoint | OwnKeys | Authenticated => true,
        Read(
            "fleet" | "instance" | "function" | "user" | "group" | "virtual_service"
            | "security_policy" | "metric" | "alertrule" | "alert" | "silence" | "metrics",
        ) => at_least(Role::Viewer),
        Write(
            "fleet" | "instance" | "function" | "virtual_service" | "security_policy" | "metric"
            | "alertrule" | "alert" | "silence",
        ) => at_least(Role::Editor),
        Read(_) | Write(_) => at_least(Role::Admin),
    }
}

/// The OAuth client of this test holds `compute:read` only.
fn client_may(need: Need) -> bool {
    matches!(
        need,
        Public | TokenEndpoint | Authenticated | Read("fleet" | "instance" | "function")
    )
}

/// A client with `identity:read` reads what a viewer reads of identity:
/// users and groups, not API keys or OAuth clients.
fn identity_reader_may(need: Need) -> bool {
    matches!(
        need,
        Public | TokenEndpoint | Authenticated | Read("user" | "group")
    )
}

/// One caller of the matrix.
struct Caller {
    name: &'static str,
    authorization: Option<String>,
    /// The user id an own-keys route is called for.
    own_id: String,
    /// `None`: must be refused as unauthenticated.
    may: Option<fn(Need) -> bool>,
}

fn hs256_token(claims: &serde_json::Value) -> String {
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","typ":"at+jwt","kid":"x"}"#),
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        URL_SAFE_NO_PAD.encode([7u8; 32])
    )
}

async fn callers(db: &ClusterDb) -> Vec<Caller> {
    let identity = db.identity();
    let mut users = Vec::new();
    for (name, role) in [
        ("viewer", Role::Viewer),
        ("editor", Role::Editor),
        ("admin", Role::Admin),
    ] {
        let spec = UserSpec {
            roles: [role].into(),
            ..UserSpec::default()
        };
        let user = db.users().create(Draft::new(name, spec)).await.unwrap();
        let key = identity.create_api_key(user.id(), "k", None).await.unwrap();
        users.push((user, key.secret));
    }
    let revoked = identity
        .create_api_key(users[0].0.id(), "old", None)
        .await
        .unwrap();
    identity
        .revoke_api_key(users[0].0.id(), revoked.key.id())
        .await
        .unwrap();
    let client = identity
        .create_oauth_client(Draft::new(
            "reader",
            OAuthClientSpec {
                description: String::new(),
                owner: users[2].0.id().to_string(),
                scopes: ["compute:read".to_string()].into(),
            },
        ))
        .await
        .unwrap();
    let tokens = db.tokens("http://127.0.0.1:7070").await.unwrap();
    let scopes: BTreeSet<String> = ["compute:read".to_string()].into();
    let token = tokens
        .issue(client.client.id(), &scopes)
        .await
        .unwrap()
        .access_token;
    let long_ago = 1_000_000_000;
    let expired = tokens
        .issue_at(client.client.id(), &scopes, long_ago)
        .await
        .unwrap()
        .access_token;
    let identity_reader = identity
        .create_oauth_client(Draft::new(
            "identity-reader",
            OAuthClientSpec {
                description: String::new(),
                owner: users[2].0.id().to_string(),
                scopes: ["identity:read".to_string()].into(),
            },
        ))
        .await
        .unwrap();
    let identity_token = tokens
        .issue(
            identity_reader.client.id(),
            &["identity:read".to_string()].into(),
        )
        .await
        .unwrap()
        .access_token;
    let mut tampered = token.clone().into_bytes();
    let middle = token.find('.').unwrap() + 3;
    tampered[middle] = if tampered[middle] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    let claims = serde_json::json!({
        "iss": "http://127.0.0.1:7070", "aud": "clusterdb", "exp": 4_000_000_000i64,
        "client_id": client.client.id(), "scope": "compute:read identity:admin",
    });
    let alg_none = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"at+jwt","kid":"x"}"#),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let bearer = |t: &str| Some(format!("Bearer {t}"));
    let unauthenticated = |name, authorization| Caller {
        name,
        authorization,
        own_id: users[0].0.id().to_string(),
        may: None,
    };
    let mut all = vec![
        unauthenticated("no credentials", None),
        unauthenticated("malformed header", Some("Basic dXNlcjpwYXNz".into())),
        unauthenticated("empty bearer", Some("Bearer ".into())),
        unauthenticated(
            "unknown key",
            bearer(
                "cdb_01jzzzzzzzzzzzzzzzzzzzzzzz_0000000000000000000000000000000000000000000000000000000000000000",
            ),
        ),
        unauthenticated("revoked key", bearer(&revoked.secret)),
        unauthenticated("expired token", bearer(&expired)),
        unauthenticated("tampered token", bearer(&tampered)),
        unauthenticated("alg none token", bearer(&alg_none)),
        unauthenticated("HS256 token", bearer(&hs256_token(&claims))),
    ];
    let roles: [fn(Need) -> bool; 3] = [
        |n| role_may(Role::Viewer, n),
        |n| role_may(Role::Editor, n),
        |n| role_may(Role::Admin, n),
    ];
    for (((user, key), may), name) in users.iter().zip(roles).zip(["viewer", "editor", "admin"]) {
        all.push(Caller {
            name,
            authorization: bearer(key),
            own_id: user.id().to_string(),
            may: Some(may),
        });
    }
    all.push(Caller {
        name: "OAuth client (compute:read)",
        authorization: bearer(&token),
        own_id: users[0].0.id().to_string(),
        may: Some(|n| client_may(n) && n != OwnKeys),
    });
    all.push(Caller {
        name: "OAuth client (identity:read)",
        authorization: bearer(&identity_token),
        own_id: users[0].0.id().to_string(),
        may: Some(identity_reader_may),
    });
    all
}

/// The callers and the whole app (REST and gRPC) over one database,
/// without rate limits.
async fn matrix() -> (Vec<Caller>, Router) {
    let db = ClusterDb::builder()
        .reconcile(false)
        .open_in_memory()
        .await
        .unwrap();
    let callers = callers(&db).await;
    let config = RestConfig {
        rate_limits: None,
        ..RestConfig::default()
    };
    (callers, app(db, &config).await)
}

fn concrete(template: &str, own_id: &str, need: Need) -> String {
    let id = if need == OwnKeys { own_id } else { "x-1" };
    template
        .replace("{id}", id)
        .replace("{key_id}", "apikey-x")
        .replace("{user_id}", "user-x")
        .replace("{namespace}", "default")
        .replace("{name}", "x")
}

async fn rest_status(app: &Router, method: &str, path: &str, auth: Option<&str>) -> StatusCode {
    let mut request = Request::builder().method(method).uri(path);
    if let Some(auth) = auth {
        request = request.header(header::AUTHORIZATION, auth);
    }
    let body = match method {
        "POST" | "PUT" => {
            request = request.header(header::CONTENT_TYPE, "application/json");
            Body::from("{}")
        }
        "PATCH" => {
            request = request.header(header::CONTENT_TYPE, "application/merge-patch+json");
            Body::from("{}")
        }
        _ => Body::empty(),
    };
    app.clone()
        .oneshot(request.body(body).unwrap())
        .await
        .unwrap()
        .status()
}

/// A gRPC frame of a message whose field 1 is `user_id` (empty: an empty
/// message). Every own-keys request names the user in field 1.
fn frame(user_id: &str) -> Vec<u8> {
    let mut message = Vec::new();
    if !user_id.is_empty() {
        message.push(0x0a);
        message.push(user_id.len() as u8);
        message.extend_from_slice(user_id.as_bytes());
    }
    let mut frame = vec![0u8];
    frame.extend_from_slice(&(message.len() as u32).to_be_bytes());
    frame.extend_from_slice(&message);
    frame
}

/// The gRPC status of a call.
async fn grpc_status(app: &Router, path: &str, auth: Option<&str>, user_id: &str) -> tonic::Code {
    let mut request = Request::builder()
        .method("POST")
        .uri(path)
        .header(header::CONTENT_TYPE, "application/grpc")
        .header("te", "trailers");
    if let Some(auth) = auth {
        request = request.header(header::AUTHORIZATION, auth);
    }
    let response = app
        .clone()
        .oneshot(request.body(Body::from(frame(user_id))).unwrap())
        .await
        .unwrap();
    let headers = response.headers().clone();
    if path.ends_with("/Watch") {
        // A server stream: a refusal is a trailers-only answer (its status
        // in the headers); otherwise the stream has started.
        return headers
            .get("grpc-status")
            .map(|v| tonic::Code::from_i32(v.to_str().unwrap().parse().unwrap()))
            .unwrap_or(tonic::Code::Ok);
    }
    let collected = response.into_body().collect().await.unwrap();
    let status = headers
        .get("grpc-status")
        .or_else(|| collected.trailers().and_then(|t| t.get("grpc-status")))
        .map(|v| v.to_str().unwrap().parse::<i32>().unwrap())
        .expect("a grpc-status");
    tonic::Code::from_i32(status)
}

/// Every ClusterDB gRPC method the descriptor set declares.
fn declared_methods() -> BTreeSet<String> {
    let set = prost_types::FileDescriptorSet::decode(clusterdb_proto::FILE_DESCRIPTOR_SET).unwrap();
    let mut methods = BTreeSet::new();
    for file in set.file {
        let package = file.package().to_string();
        for service in &file.service {
            for method in &service.method {
                methods.insert(format!("/{package}.{}/{}", service.name(), method.name()));
            }
        }
    }
    methods
}

#[test]
fn every_route_and_method_has_a_row() {
    let rows: BTreeSet<(String, String)> = REST
        .iter()
        .map(|(p, m, _)| (p.to_string(), m.to_string()))
        .collect();
    for (path, method) in clusterdb_api::rest::served_routes()
        .into_iter()
        .chain(clusterdb_api::rest::oauth_routes())
    {
        let v1 = path
            .replacen("/v2beta1/", "/v1/", 1)
            .replacen("/v0/", "/v1/", 1);
        assert!(
            rows.contains(&(v1.clone(), method.to_string())),
            "no row for {method} {path}"
        );
    }
    let grpc_rows: BTreeSet<String> = GRPC.iter().map(|(m, _)| m.to_string()).collect();
    assert_eq!(
        declared_methods(),
        grpc_rows,
        "the gRPC table and the services differ"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_caller_gets_what_the_tables_say() {
    let (callers, app) = matrix().await;
    let mut checked = 0;
    for caller in &callers {
        for (template, method, need) in REST {
            let path = concrete(template, &caller.own_id, *need);
            let status = rest_status(&app, method, &path, caller.authorization.as_deref()).await;
            if *need == TokenEndpoint {
                assert_ne!(
                    status,
                    StatusCode::FORBIDDEN,
                    "{}: {method} {path}",
                    caller.name
                );
                checked += 1;
                continue;
            }
            let expected = match (need, caller.may) {
                (Public, _) => None,
                (_, None) => Some(StatusCode::UNAUTHORIZED),
                (_, Some(may)) if !may(*need) => Some(StatusCode::FORBIDDEN),
                _ => None,
            };
            match expected {
                Some(expected) => assert_eq!(status, expected, "{}: {method} {path}", caller.name),
                None => assert!(
                    status != StatusCode::UNAUTHORIZED && status != StatusCode::FORBIDDEN,
                    "{}: {method} {path} answered {status}",
                    caller.name
                ),
            }
            checked += 1;
        }
        for (method, need) in GRPC {
            let user_id = if *need == OwnKeys {
                caller.own_id.as_str()
            } else {
                ""
            };
            let code = grpc_status(&app, method, caller.authorization.as_deref(), user_id).await;
            let expected = match caller.may {
                None => Some(tonic::Code::Unauthenticated),
                Some(may) if !may(*need) => Some(tonic::Code::PermissionDenied),
                Some(_) => None,
            };
            match expected {
                Some(expected) => assert_eq!(code, expected, "{}: {method}", caller.name),
                None => assert!(
                    !matches!(
                        code,
                        tonic::Code::Unauthenticated | tonic::Code::PermissionDenied
                    ),
                    "{}: {method} answered {code:?}",
                    caller.name
                ),
            }
            checked += 1;
        }
    }
    assert_eq!(checked, callers.len() * (REST.len() + GRPC.len()));
}

#[tokio::test]
async fn refusals_say_how_to_authenticate() {
    let db = ClusterDb::builder()
        .reconcile(false)
        .open_in_memory()
        .await
        .unwrap();
    let app = clusterdb_api::rest_app(db, &RestConfig::default());
    let reply = crate::support::call(&app, Method::GET, "/v1/fleets", &[], None).await;
    reply.error(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED");
    assert_eq!(
        reply.header("www-authenticate"),
        r#"Bearer realm="clusterdb""#
    );
    let reply = crate::support::call(
        &app,
        Method::GET,
        "/v1/fleets",
        &[("authorization", "Bearer cdb_nope")],
        None,
    )
    .await;
    reply.error(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED");
    assert!(
        reply
            .header("www-authenticate")
            .contains(r#"error="invalid_token""#)
    );
}

/// `GET /v1/auth/whoami` tells every caller what the tables above say it
/// may do, kind by kind (the console offers only that).
#[tokio::test]
async fn whoami_tells_each_caller_what_the_tables_say() {
    let (callers, app) = matrix().await;
    let mut checked = 0;
    for caller in callers.iter().filter(|c| c.may.is_some()) {
        let may = caller.may.unwrap();
        let mut request = Request::builder().uri("/v1/auth/whoami");
        if let Some(auth) = &caller.authorization {
            request = request.header(header::AUTHORIZATION, auth);
        }
        let response = app
            .clone()
            .oneshot(request.body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{}", caller.name);
        let body = response.into_body().collect().await.unwrap().to_bytes();
        let me: serde_json::Value = serde_json::from_slice(&body).unwrap();
        let client = caller.name.starts_with("OAuth");
        assert_eq!(me["kind"], if client { "oauth_client" } else { "user" });
        assert_eq!(me["scopes"].is_array(), client, "{me}");
        let permissions = me["permissions"].as_object().unwrap();
        for kind in [
            "fleet",
            "virtual_service",
            "alertrule",
            "user",
            "apikey",
            "webhook",
        ] {
            assert!(permissions.contains_key(kind), "{kind} missing: {me}");
        }
        for (kind, permission) in permissions {
            let kind: &'static str = Box::leak(kind.clone().into_boxed_str());
            assert_eq!(
                permission["read"],
                may(Read(kind)),
                "{}: read {kind}",
                caller.name
            );
            assert_eq!(
                permission["write"],
                may(Write(kind)),
                "{}: write {kind}",
                caller.name
            );
            checked += 1;
        }
    }
    assert!(checked >= 5 * 13, "{checked}");
    let anonymous = app
        .clone()
        .oneshot(
            Request::builder()
                .uri("/v1/auth/whoami")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}
