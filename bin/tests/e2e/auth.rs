//! Authentication over the real binary: the spec's OAuth flow, tokens an
//! independent JOSE library verifies against the published JWKS, API keys
//! shown once and never stored in the clear, the rate limit's headers and
//! refusals.

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::server::{Server, data_file, refused, serve_command};

/// An OAuth client of the bootstrap admin with one scope: the create's
/// answer, which alone carries the secret.
async fn oauth_client(server: &Server, name: &str, scope: &str) -> Value {
    let owner = server.admin_id().await;
    server
        .http()
        .post(format!("{}/v1/oauth-clients", server.base))
        .json(&json!({"name": name, "owner": owner, "scopes": [scope]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_oauth_client_credentials_flow_end_to_end() {
    let (_dir, data) = data_file();
    let server = Server::start(&data);
    let http = server.http();
    let anonymous = reqwest::Client::new();
    let created = oauth_client(&server, "deployer", "compute:write").await;
    let client_id = created["id"].as_str().unwrap().to_string();
    let secret = created["client_secret"].as_str().unwrap().to_string();
    // Shown once: a read does not carry it.
    let read: Value = http
        .get(format!("{}/v1/oauth-clients/{client_id}", server.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(read.get("client_secret").is_none(), "{read}");

    // The spec's request: form fields.
    let token_url = format!("{}/oauth/token", server.base);
    let form = |pairs: &[(&str, &str)]| {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<Vec<_>>()
    };
    let response = anonymous
        .post(&token_url)
        .form(&form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &client_id),
            ("client_secret", &secret),
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(body["scope"], "compute:write");
    let token = body["access_token"].as_str().unwrap().to_string();

    // The token works for what its scope allows, and records the client.
    let fleet: Value = anonymous
        .post(format!("{}/v1/fleets", server.base))
        .bearer_auth(&token)
        .json(&json!({"name": "by-client", "capacity": 1, "instance_type": "t3.medium"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(fleet["created_by"], client_id.as_str(), "{fleet}");
    let denied = anonymous
        .get(format!("{}/v1/users", server.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(denied.status().as_u16(), 403);

    // HTTP Basic works too; a wrong secret is invalid_client with a
    // challenge; the RFC's other errors.
    let basic = anonymous
        .post(&token_url)
        .basic_auth(&client_id, Some(&secret))
        .form(&form(&[
            ("grant_type", "client_credentials"),
            ("scope", "compute:write"),
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(basic.status().as_u16(), 200);
    let wrong = anonymous
        .post(&token_url)
        .basic_auth(&client_id, Some("cdb_cs_wrong"))
        .form(&form(&[("grant_type", "client_credentials")]))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status().as_u16(), 401);
    assert!(
        wrong.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Basic")
    );
    assert_eq!(
        wrong.json::<Value>().await.unwrap()["error"],
        "invalid_client"
    );
    let cases = [
        (
            vec![("grant_type", "password")],
            400,
            "unsupported_grant_type",
        ),
        (
            vec![("client_id", client_id.as_str())],
            400,
            "invalid_request",
        ),
        (
            vec![
                ("grant_type", "client_credentials"),
                ("client_id", client_id.as_str()),
                ("client_secret", secret.as_str()),
                ("scope", "identity:write"),
            ],
            400,
            "invalid_scope",
        ),
    ];
    for (pairs, status, error) in cases {
        let response = anonymous
            .post(&token_url)
            .form(&form(&pairs))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), status, "{pairs:?}");
        assert_eq!(
            response.json::<Value>().await.unwrap()["error"],
            error,
            "{pairs:?}"
        );
    }

    // An independent JOSE implementation verifies the token against the
    // published keys, with the discovery document's issuer.
    let discovery: Value = anonymous
        .get(format!("{}/.well-known/openid-configuration", server.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(discovery["issuer"], server.base.as_str());
    assert_eq!(discovery["token_endpoint"], token_url.as_str());
    let jwks: jsonwebtoken::jwk::JwkSet = anonymous
        .get(discovery["jwks_uri"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let header = jsonwebtoken::decode_header(&token).unwrap();
    assert_eq!(header.alg, jsonwebtoken::Algorithm::EdDSA);
    let jwk = jwks
        .find(header.kid.as_deref().unwrap())
        .expect("the kid is published");
    let key = jsonwebtoken::DecodingKey::from_jwk(jwk).unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::EdDSA);
    validation.set_issuer(&[server.base.as_str()]);
    validation.set_audience(&["clusterdb"]);
    let verified =
        jsonwebtoken::decode::<HashMap<String, Value>>(&token, &key, &validation).unwrap();
    assert_eq!(verified.claims["client_id"], client_id.as_str());
    assert_eq!(verified.claims["sub"], client_id.as_str());
    for claim in ["exp", "iat", "jti"] {
        assert!(verified.claims.contains_key(claim), "{claim}");
    }

    // The SDK fetches (and caches) a token from the client credentials.
    let sdk = clusterdb_client::Client::new(&server.base)
        .unwrap()
        .with_client_credentials(&client_id, &secret);
    let listed = sdk.fleets().list(&[]).await.unwrap();
    assert_eq!(listed.items.len(), 1);
    sdk.fleets().get(&listed.items[0].id).await.unwrap();

    // A new secret: the old one stops working at once.
    let reset: Value = http
        .post(format!(
            "{}/v1/oauth-clients/{client_id}/secret",
            server.base
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_ne!(reset["client_secret"], secret.as_str());
    let old = anonymous
        .post(&token_url)
        .basic_auth(&client_id, Some(&secret))
        .form(&form(&[("grant_type", "client_credentials")]))
        .send()
        .await
        .unwrap();
    assert_eq!(old.status().as_u16(), 401);
    assert_eq!(server.terminate().code(), Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_keys_are_shown_once_and_never_stored_in_the_clear() {
    let (_dir, data) = data_file();
    let server = Server::start(&data);
    let http = server.http();
    let user: Value = http
        .post(format!("{}/v1/users", server.base))
        .json(&json!({"username": "carol", "email": "carol@example.com", "roles": ["viewer"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let keys_url = format!(
        "{}/v1/users/{}/api-keys",
        server.base,
        user["id"].as_str().unwrap()
    );
    let created: Value = http
        .post(&keys_url)
        .json(&json!({"name": "laptop"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let key = created["key"].as_str().unwrap().to_string();
    assert!(key.starts_with("cdb_") && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'));
    // The user reads with it, and lists its own keys (no secret in them).
    let carol = server.client_with(&key);
    carol.fleets().list(&[]).await.unwrap();
    let listed = reqwest::Client::new()
        .get(&keys_url)
        .bearer_auth(&key)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        listed.contains("laptop") && !listed.contains(&key[20..]),
        "{listed}"
    );
    // A viewer may not write.
    let err = carol
        .fleets()
        .create(&clusterdb_api::rest::wire::FleetInput {
            name: "nope".into(),
            description: String::new(),
            capacity: 1,
            instance_type: "t3.medium".into(),
            tags: Default::default(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("PERMISSION_DENIED"));
    // The secret half appears nowhere in the data file.
    assert_eq!(server.terminate().code(), Some(0));
    let file = std::fs::read(&data).unwrap();
    let secret = key.rsplit('_').next().unwrap().as_bytes();
    assert!(
        !file.windows(secret.len()).any(|w| w == secret),
        "the key is stored in the clear"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_101st_request_in_a_minute_gets_the_spec_429() {
    let (_dir, data) = data_file();
    let server = Server::start_with(&data, &["--rate-limit", "100"]);
    let http = server.http();
    // Two of the admin's 100: a second user and its key.
    let dave: Value = http
        .post(format!("{}/v1/users", server.base))
        .json(&json!({"username": "dave", "roles": ["viewer"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let dave_key: Value = http
        .post(format!(
            "{}/v1/users/{}/api-keys",
            server.base,
            dave["id"].as_str().unwrap()
        ))
        .json(&json!({"name": "k"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let url = format!("{}/v1/fleets", server.base);
    // 100 a minute refills one request every 600 ms: count the requests
    // served before the first refusal, and how long that took.
    let started = std::time::Instant::now();
    let mut served = 2;
    let mut last_remaining = 98;
    let refused = loop {
        let response = http.get(&url).send().await.unwrap();
        if response.status().as_u16() == 429 {
            break response;
        }
        assert_eq!(response.status().as_u16(), 200, "request {served}");
        assert_eq!(response.headers()["x-ratelimit-limit"], "100");
        let remaining: u32 = response.headers()["x-ratelimit-remaining"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(
            remaining < last_remaining + 1,
            "{remaining} after {last_remaining}"
        );
        last_remaining = remaining;
        assert!(response.headers().contains_key("x-ratelimit-reset"));
        served += 1;
        assert!(served <= 200, "never refused");
    };
    let refills = (started.elapsed().as_millis() / 600) as u32;
    assert!(
        (100..=100 + refills + 1).contains(&served),
        "{served} served in {:?}",
        started.elapsed()
    );
    let headers = refused.headers().clone();
    assert_eq!(headers["x-ratelimit-limit"], "100");
    assert_eq!(headers["x-ratelimit-remaining"], "0");
    let reset: u64 = headers["x-ratelimit-reset"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        headers["retry-after"]
            .to_str()
            .unwrap()
            .parse::<u64>()
            .unwrap()
            >= 1
    );
    assert_eq!(headers["content-type"], "application/json");
    let body: Value = refused.json().await.unwrap();
    assert_eq!(
        body,
        json!({"error": {
            "code": "RATE_LIMIT_EXCEEDED",
            "message": "Rate limit exceeded",
            "details": {"limit": 100, "reset": reset},
        }})
    );
    // Another principal draws from its own bucket.
    let other = reqwest::Client::new()
        .get(&url)
        .bearer_auth(dave_key["key"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(other.status().as_u16(), 200);
    assert_eq!(other.headers()["x-ratelimit-remaining"], "99");
    assert_eq!(server.terminate().code(), Some(0));
}

/// `--access-token-ttl` sets how long tokens live: `expires_in` and the
/// JWT's `exp` say so (the SDKs' suites renew such tokens). Out of range,
/// the server refuses to start.
#[tokio::test]
async fn the_access_token_lifetime_is_a_serve_flag() {
    let (_dir, data) = data_file();
    let server = Server::start_with(&data, &["--access-token-ttl", "5"]);
    let created = oauth_client(&server, "short", "compute:read").await;
    let body: Value = reqwest::Client::new()
        .post(format!("{}/oauth/token", server.base))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", created["id"].as_str().unwrap()),
            ("client_secret", created["client_secret"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["expires_in"], 5, "{body}");
    let token = body["access_token"].as_str().unwrap();
    let claims = token.split('.').nth(1).unwrap();
    let claims: Value = serde_json::from_slice(
        &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, claims).unwrap(),
    )
    .unwrap();
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        5
    );

    for bad in ["0", "3601", "soon"] {
        let (code, stderr) = refused(serve_command(&data, &["--access-token-ttl", bad]));
        assert_eq!(code, Some(2), "{bad}: {stderr}");
        assert!(stderr.contains("--access-token-ttl"), "{stderr}");
    }
}
