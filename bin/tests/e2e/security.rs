//! The red team's four defects, against the real binary: no escalation
//! through a scoped OAuth token (REST and gRPC), no secret in the data
//! file's bytes (idempotent creates and the signing key included), files
//! only their owner can read (under umask 022) and a store that will not
//! open with the wrong master key, and failed logins from one address that
//! lock out no one else (directly and behind a trusted proxy).

use std::net::IpAddr;
use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};

use crate::server::{Server, data_file, isolate, refused};

/// Makes an OAuth client with `scopes` as the admin: (id, secret).
async fn oauth_client(server: &Server, name: &str, scopes: &[&str]) -> (String, String) {
    let owner = server.admin_id().await;
    let made: Value = json(
        server
            .http()
            .post(format!("{}/v1/oauth-clients", server.base))
            .json(&json!({"name": name, "owner": owner, "scopes": scopes})),
    )
    .await;
    (
        made["id"].as_str().unwrap().to_string(),
        made["client_secret"].as_str().unwrap().to_string(),
    )
}

/// `POST /oauth/token` from `http`: the status and the body.
async fn token_request(
    http: &reqwest::Client,
    server: &Server,
    id: &str,
    secret: &str,
) -> (u16, Value) {
    let response = http
        .post(format!("{}/oauth/token", server.base))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", id),
            ("client_secret", secret),
        ])
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn token(server: &Server, id: &str, secret: &str) -> String {
    let (status, body) = token_request(&reqwest::Client::new(), server, id, secret).await;
    assert_eq!(status, 200, "{body}");
    body["access_token"].as_str().unwrap().to_string()
}

/// `method` `path` with `bearer`: the status and the error code, if any.
async fn call(
    server: &Server,
    bearer: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .request(method, format!("{}{path}", server.base))
        .bearer_auth(bearer);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scoped_identity_writer_cannot_make_itself_admin() {
    use reqwest::Method;
    let (_dir, data) = data_file();
    let server = Server::start(&data);
    let admin = server.admin_id().await;
    let (ops_id, ops_secret) = oauth_client(&server, "ops", &["identity:write"]).await;
    let ops = token(&server, &ops_id, &ops_secret).await;
    let denied = |(status, body): (u16, Value)| {
        assert_eq!(status, 403, "{body}");
        assert_eq!(body["error"]["code"], "PERMISSION_DENIED", "{body}");
    };

    // The red team's three steps, each refused.
    denied(
        call(
            &server,
            &ops,
            Method::POST,
            &format!("/v1/users/{admin}/api-keys"),
            Some(json!({"name": "mine"})),
        )
        .await,
    );
    denied(
        call(
            &server,
            &ops,
            Method::POST,
            "/v1/oauth-clients",
            Some(json!({"name": "wide", "owner": admin, "scopes": ["webhooks:write", "compute:write"]})),
        )
        .await,
    );
    denied(
        call(
            &server,
            &ops,
            Method::PUT,
            &format!("/v1/oauth-clients/{ops_id}"),
            Some(json!({"name": "ops", "owner": admin, "scopes": ["identity:write", "webhooks:write"]})),
        )
        .await,
    );
    denied(call(&server, &ops, Method::GET, "/v1/webhooks", None).await);
    // What it holds, it may grant: a user without roles and its key.
    let (status, bot) = call(
        &server,
        &ops,
        Method::POST,
        "/v1/users",
        Some(json!({"username": "bot"})),
    )
    .await;
    assert_eq!(status, 200, "{bot}");
    let (status, key) = call(
        &server,
        &ops,
        Method::POST,
        &format!("/v1/users/{}/api-keys", bot["id"].as_str().unwrap()),
        Some(json!({"name": "k"})),
    )
    .await;
    assert_eq!(status, 200, "{key}");

    // identity:read reads what a viewer reads: users, not credentials.
    let (reader_id, reader_secret) = oauth_client(&server, "reader", &["identity:read"]).await;
    let reader = token(&server, &reader_id, &reader_secret).await;
    assert_eq!(
        call(&server, &reader, Method::GET, "/v1/users", None)
            .await
            .0,
        200
    );
    denied(call(&server, &reader, Method::GET, "/v1/oauth-clients", None).await);
    denied(
        call(
            &server,
            &reader,
            Method::GET,
            &format!("/v1/users/{admin}/api-keys"),
            None,
        )
        .await,
    );

    // gRPC asks the same rule.
    use clusterdb_proto::identity::v1 as id;
    let mut grpc = server.identity_grpc(&ops).await;
    let err = grpc
        .create_api_key(id::CreateApiKeyRequest {
            user_id: admin.clone(),
            name: "grpc".into(),
            expires_at: None,
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), tonic::Code::PermissionDenied, "{err:?}");
    assert_eq!(server.terminate().code(), Some(0));
}

/// The Ed25519 PKCS#8 algorithm identifier and the seed's header: any
/// signing key stored in the clear carries these bytes.
const ED25519_PKCS8_MARK: [u8; 9] = [0x06, 0x03, 0x2B, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20];

/// The JSON answer to `request`.
async fn json(request: reqwest::RequestBuilder) -> Value {
    request.send().await.unwrap().json().await.unwrap()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_is_readable_in_the_data_file() {
    let (dir, data) = data_file();
    let server = Server::start(&data);
    let http = server.http();
    let admin = server.admin_id().await;
    let mut secrets = Vec::new();
    let keyed_post = |path: String, body: Value, key: &'static str| {
        http.post(format!("{}{path}", server.base))
            .header("Idempotency-Key", key)
            .json(&body)
    };
    // An API key made with an idempotency key: the replay shows the same
    // secret again, from a sealed record.
    let path = format!("/v1/users/{admin}/api-keys");
    let first: Value = json(keyed_post(path.clone(), json!({"name": "ci"}), "k-1")).await;
    let replay = keyed_post(path, json!({"name": "ci"}), "k-1")
        .send()
        .await
        .unwrap();
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    let replay: Value = replay.json().await.unwrap();
    assert_eq!(replay["key"], first["key"]);
    secrets.push(
        first["key"]
            .as_str()
            .unwrap()
            .rsplit('_')
            .next()
            .unwrap()
            .to_string(),
    );
    // A client secret at create and at reset, both with idempotency keys.
    let client: Value = json(keyed_post(
        "/v1/oauth-clients".into(),
        json!({"name": "c", "owner": admin, "scopes": ["compute:read"]}),
        "k-2",
    ))
    .await;
    secrets.push(client["client_secret"].as_str().unwrap().to_string());
    let client_id = client["id"].as_str().unwrap();
    let reset: Value = json(keyed_post(
        format!("/v1/oauth-clients/{client_id}/secret"),
        json!(null),
        "k-3",
    ))
    .await;
    let new_secret = reset["client_secret"].as_str().unwrap().to_string();
    secrets.push(new_secret.clone());
    // Webhook secrets, given and generated; and a token, so the signing
    // key exists.
    let given = "whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA==";
    for (name, body) in [
        (
            "given",
            json!({"url": "https://example.com/a", "events": ["*"], "secret": given}),
        ),
        (
            "made",
            json!({"url": "https://example.com/b", "events": ["*"]}),
        ),
    ] {
        let key = if name == "given" { "k-4" } else { "k-5" };
        let made: Value = json(keyed_post("/v1/webhooks".into(), body, key)).await;
        let secret = made["secret"].as_str().unwrap();
        secrets.push(secret.trim_start_matches("whsec_").to_string());
    }
    token(&server, client_id, &new_secret).await;
    // A gRPC create with idempotency-key metadata.
    {
        use clusterdb_proto::identity::v1 as id;
        let mut grpc = server.identity_grpc(&server.key).await;
        let mut request = tonic::Request::new(id::CreateApiKeyRequest {
            user_id: admin.clone(),
            name: "grpc".into(),
            expires_at: None,
        });
        request
            .metadata_mut()
            .insert("idempotency-key", "g-1".parse().unwrap());
        let made = grpc.create_api_key(request).await.unwrap().into_inner();
        secrets.push(made.key.rsplit('_').next().unwrap().to_string());
    }
    assert_eq!(server.terminate().code(), Some(0));

    let file = std::fs::read(&data).unwrap();
    for secret in &secrets {
        assert!(
            !contains(&file, secret.as_bytes()),
            "a secret ({}…) is in the data file in the clear",
            &secret[..8]
        );
    }
    assert!(
        !contains(&file, &ED25519_PKCS8_MARK),
        "a signing key is in the data file in the clear"
    );
    // The key that opens them is apart, private.
    let key_file = dir.path().join("data.redb.master-key");
    assert!(key_file.exists());
    assert!(!contains(
        &file,
        std::fs::read_to_string(&key_file)
            .unwrap()
            .lines()
            .last()
            .unwrap()
            .as_bytes()
    ));
}

/// `clusterdb serve` as `sh -c 'umask 022; exec …'` with `args`.
fn serve_under_umask(data: &Path, args: &[&str]) -> Command {
    let mut command = Command::new("sh");
    command
        .args([
            "-c",
            "umask 022 && exec \"$0\" serve --listen 127.0.0.1:0 --data \"$@\"",
        ])
        .arg(env!("CARGO_BIN_EXE_clusterdb"))
        .arg(data)
        .args(args);
    isolate(&mut command, data);
    command
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_are_private_and_the_master_key_must_match() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("state/clusterdb.redb");
    let key_file = dir.path().join("state/clusterdb.redb.master-key");
    let admin_key = dir.path().join("state/clusterdb.redb.admin-key");
    let server = Server::spawn_command(serve_under_umask(&data, &[]), &data);
    assert!(!server.key.is_empty());
    assert_eq!(server.terminate().code(), Some(0));
    assert_eq!(mode(&data), 0o600);
    assert_eq!(mode(&key_file), 0o600);
    assert_eq!(mode(&admin_key), 0o600);
    assert_eq!(mode(&dir.path().join("state")), 0o700);

    // A data file others can read: refused, saying how to fix it.
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o644)).unwrap();
    let (code, stderr) = refused(serve_under_umask(&data, &[]));
    assert_ne!(code, Some(0));
    assert!(
        stderr.contains("chmod 600") && stderr.contains("clusterdb.redb"),
        "{stderr}"
    );
    let server = Server::spawn_command(
        serve_under_umask(&data, &["--allow-insecure-permissions"]),
        &data,
    );
    assert_eq!(server.terminate().code(), Some(0));
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o600)).unwrap();

    // The wrong master key, or none: refused, naming it.
    let saved = std::fs::read(&key_file).unwrap();
    std::fs::write(&key_file, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n").unwrap();
    let (code, stderr) = refused(serve_under_umask(&data, &[]));
    assert_ne!(code, Some(0));
    assert!(stderr.contains("wrong master key"), "{stderr}");
    std::fs::write(&key_file, "short\n").unwrap();
    let (code, stderr) = refused(serve_under_umask(&data, &[]));
    assert_ne!(code, Some(0));
    assert!(
        stderr.contains("master-key") && stderr.contains("line 1"),
        "{stderr}"
    );
    std::fs::remove_file(&key_file).unwrap();
    let (code, stderr) = refused(serve_under_umask(&data, &[]));
    assert_ne!(code, Some(0));
    assert!(stderr.contains("does not exist"), "{stderr}");
    assert!(!key_file.exists(), "no new key was made for a sealed store");
    std::fs::write(&key_file, &saved).unwrap();
    std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o600)).unwrap();

    // Rotation: a new key seals; the server starts with the new file.
    let output = Command::new(env!("CARGO_BIN_EXE_clusterdb"))
        .args(["admin", "rotate-master-key", "--data"])
        .arg(&data)
        .env("HOME", dir.path())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let rotated = std::fs::read_to_string(&key_file).unwrap();
    let keys: Vec<&str> = rotated.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(keys.len(), 2, "the new key and the old");
    assert_eq!(mode(&key_file), 0o600);
    let server = Server::spawn_command(serve_under_umask(&data, &[]), &data);
    let admin = std::fs::read_to_string(&admin_key).unwrap();
    let status = reqwest::Client::new()
        .get(format!("{}/v1/fleets", server.base))
        .bearer_auth(admin.trim())
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status.as_u16(), 200);
    assert_eq!(server.terminate().code(), Some(0));

    // A flag that is not a CIDR is a usage error.
    let (code, stderr) = refused(serve_under_umask(&data, &["--trusted-proxy", "nope"]));
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("CIDR"), "{stderr}");
}

/// A client whose requests come from `address` (any of 127.0.0.0/8).
fn from(address: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(address.parse::<IpAddr>().unwrap())
        .build()
        .unwrap()
}

async fn status_of(request: reqwest::RequestBuilder) -> u16 {
    request.send().await.unwrap().status().as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_logins_from_one_address_lock_out_no_one_else() {
    let (_dir, data) = data_file();
    let server = Server::start_with(&data, &["--rate-limit-anonymous", "10"]);
    let (id, secret) = oauth_client(&server, "deployer", &["compute:read"]).await;
    let attacker = from("127.0.0.11");
    let fleets = format!("{}/v1/fleets", server.base);
    let mut statuses = Vec::new();
    for _ in 0..12 {
        statuses.push(status_of(attacker.get(&fleets).bearer_auth("bogus")).await);
    }
    assert_eq!(&statuses[..10], &[401; 10]);
    assert_eq!(statuses[11], 429, "{statuses:?}");
    // A valid client at the same address gets its token, the JWKS and
    // its reads.
    let (status, body) = token_request(&attacker, &server, &id, &secret).await;
    assert_eq!(status, 200, "{body}");
    let access = body["access_token"].as_str().unwrap();
    let jwks = format!("{}/.well-known/jwks.json", server.base);
    assert_eq!(status_of(attacker.get(&jwks)).await, 200);
    assert_eq!(
        status_of(attacker.get(&fleets).bearer_auth(access)).await,
        200
    );

    // Guesses at one client's secret from many addresses drain that
    // client's failure bucket — the valid secret still works.
    let mut statuses = Vec::new();
    for n in 20..32 {
        let (status, _) =
            token_request(&from(&format!("127.0.0.{n}")), &server, &id, "cdb_cs_wrong").await;
        statuses.push(status);
    }
    assert_eq!(&statuses[..10], &[401; 10]);
    assert_eq!(statuses[11], 429, "{statuses:?}");
    let (status, _) = token_request(&from("127.0.0.40"), &server, &id, &secret).await;
    assert_eq!(status, 200);
    assert_eq!(server.terminate().code(), Some(0));

    // Behind a trusted proxy each forwarded client has its own bucket; an
    // untrusted peer's forwarding headers are ignored.
    let (_dir, data) = data_file();
    let server = Server::start_with(
        &data,
        &[
            "--rate-limit-anonymous",
            "5",
            "--trusted-proxy",
            "127.0.0.1/32",
        ],
    );
    let fleets = format!("{}/v1/fleets", server.base);
    let proxy = from("127.0.0.1");
    let forwarded = |client: &str, peer: &reqwest::Client| {
        peer.get(&fleets)
            .bearer_auth("bogus")
            .header("X-Forwarded-For", client)
    };
    for _ in 0..5 {
        assert_eq!(status_of(forwarded("198.51.100.7", &proxy)).await, 401);
    }
    assert_eq!(status_of(forwarded("198.51.100.7", &proxy)).await, 429);
    assert_eq!(status_of(forwarded("198.51.100.8", &proxy)).await, 401);
    let untrusted = from("127.0.0.13");
    for n in 0..5 {
        let client = format!("198.51.100.{}", 20 + n);
        assert_eq!(status_of(forwarded(&client, &untrusted)).await, 401);
    }
    assert_eq!(status_of(forwarded("198.51.100.99", &untrusted)).await, 429);
    assert_eq!(server.terminate().code(), Some(0));
}
