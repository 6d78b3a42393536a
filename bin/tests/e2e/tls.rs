//! `serve --tls-cert --tls-key`: REST over HTTP/1.1 and HTTP/2 (ALPN) on
//! one TLS port, and a renewed certificate taken on SIGHUP.

use clusterdb_testkit::eventually;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::server::{Server, data_file};

/// A self-signed certificate for 127.0.0.1, written as PEM files.
fn certificate(dir: &Path, name: &str) -> (String, String, String) {
    let cert =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()]).unwrap();
    let pem = cert.cert.pem();
    let cert_path = dir.join(format!("{name}.pem"));
    let key_path = dir.join(format!("{name}.key"));
    std::fs::write(&cert_path, &pem).unwrap();
    std::fs::write(&key_path, cert.signing_key.serialize_pem()).unwrap();
    (
        cert_path.display().to_string(),
        key_path.display().to_string(),
        pem,
    )
}

/// A client that trusts only `pem`, speaking HTTP/1.1 or (ALPN) HTTP/2.
fn client(pem: &str, key: &str, http2: bool) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {key}").parse().unwrap(),
    );
    let builder = reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(pem.as_bytes()).unwrap())
        .default_headers(headers)
        .pool_max_idle_per_host(0);
    let builder = if http2 { builder } else { builder.http1_only() };
    builder.build().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rest_over_tls_with_alpn_and_a_reload_on_sighup() {
    let (dir, data) = data_file();
    let (cert, key, first) = certificate(dir.path(), "first");
    let server = Server::start_with(&data, &["--tls-cert", &cert, "--tls-key", &key]);
    assert!(
        server.base.starts_with("https://127.0.0.1:"),
        "{}",
        server.base
    );
    let url = format!("{}/v1/fleets", server.base);
    for http2 in [false, true] {
        let response = client(&first, &server.key, http2)
            .get(&url)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        let expected = if http2 {
            reqwest::Version::HTTP_2
        } else {
            reqwest::Version::HTTP_11
        };
        assert_eq!(response.version(), expected);
    }
    // Plain HTTP on the TLS port gets no answer.
    let plain = reqwest::Client::new()
        .get(url.replacen("https://", "http://", 1))
        .timeout(Duration::from_secs(5))
        .send()
        .await;
    assert!(plain.is_err());

    // Renew: new files, SIGHUP, and new connections see the new certificate.
    let (_, _, second) = certificate(dir.path(), "second");
    std::fs::copy(dir.path().join("second.pem"), &cert).unwrap();
    std::fs::copy(dir.path().join("second.key"), &key).unwrap();
    assert!(
        client(&second, &server.key, false)
            .get(&url)
            .send()
            .await
            .is_err()
    );
    let status = Command::new("kill")
        .args(["-HUP", &server.pid().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    eventually(
        "the renewed certificate to be served after SIGHUP",
        || async {
            let served = client(&second, &server.key, false).get(&url).send().await;
            served.is_ok().then_some(())
        },
    )
    .await;
    // A broken file keeps the current certificate.
    std::fs::write(&cert, "not a certificate").unwrap();
    Command::new("kill")
        .args(["-HUP", &server.pid().to_string()])
        .status()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let response = client(&second, &server.key, true)
        .get(&url)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(server.terminate().code(), Some(0));
}

/// A CLI profile's `ca_cert` makes a private CA's server trusted; without
/// it the CLI cannot connect (exit 3).
#[test]
fn the_cli_trusts_a_profiles_ca_certificate() {
    let (dir, data) = data_file();
    let (cert, key, _) = certificate(dir.path(), "server");
    let server = Server::start_with(&data, &["--tls-cert", &cert, "--tls-key", &key]);
    let run = |config: &str| {
        let path = dir.path().join("config.yaml");
        std::fs::write(&path, config).unwrap();
        let mut command = Command::new(env!("CARGO_BIN_EXE_clusterdb"));
        crate::server::isolate(&mut command, &data);
        command
            .args([
                "--config",
                path.to_str().unwrap(),
                "compute",
                "fleet",
                "list",
                "-o",
                "json",
            ])
            .output()
            .unwrap()
    };
    let profile = format!(
        "current_profile: tls\nprofiles:\n  tls:\n    endpoint: {}\n    api_key: {}\n",
        server.base, server.key
    );
    let untrusted = run(&profile);
    assert_eq!(untrusted.status.code(), Some(3), "{untrusted:?}");
    // Relative to the config file's directory.
    let trusted = run(&format!("{profile}    ca_cert: server.pem\n"));
    assert!(trusted.status.success(), "{trusted:?}");
    assert_eq!(String::from_utf8_lossy(&trusted.stdout).trim(), "[]");
}
