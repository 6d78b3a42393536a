//! The mesh end to end: the spec's `clusterdb mesh apply -f
//! virtual-service.yaml` and `mesh get virtual-service web-vs`, the same
//! resource over REST and gRPC, and the fixture documents in
//! `bin/tests/mesh/` — each invalid one states the line, field and reason
//! it must be refused with.

use std::path::{Path, PathBuf};
use std::process::Command;

use clusterdb_proto::mesh::v1 as pb;
use serde_json::Value;

use crate::server::{Server, data_file};

fn fixtures(kind: &str) -> Vec<PathBuf> {
    let directory = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/mesh")
        .join(kind);
    let mut files: Vec<PathBuf> = std::fs::read_dir(directory)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

/// Runs the CLI against `server`.
fn cli(server: &Server, args: &[&str]) -> (i32, String, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_clusterdb"));
    crate::server::isolate(&mut command, Path::new("/nonexistent/x"));
    let output = command
        .args(args)
        .env("CLUSTERDB_ENDPOINT", &server.base)
        .env("CLUSTERDB_API_KEY", &server.key)
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

/// The `# expect: LINE FIELD: REASON` line of an invalid fixture.
fn expectation(path: &Path) -> (String, String) {
    let text = std::fs::read_to_string(path).unwrap();
    let expect = text
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("# expect: "))
        .unwrap_or_else(|| panic!("{} has no `# expect:` line", path.display()));
    let (line, rest) = expect.split_once(' ').unwrap();
    (format!("line {line}:"), rest.to_string())
}

/// Checks one fixture: valid ones apply (dry run, then for real), invalid
/// ones are refused at the stated line with the stated field and reason.
fn check(server: &Server, path: &Path, valid: bool) {
    let file = path.to_str().unwrap();
    let (code, stdout, stderr) = cli(server, &["mesh", "apply", "-f", file, "--dry-run=server"]);
    if valid {
        assert_eq!(code, 0, "{file}: {stderr}");
        assert!(stdout.contains("(server dry run)"), "{file}: {stdout}");
        let (code, stdout, stderr) = cli(server, &["mesh", "apply", "-f", file]);
        assert_eq!(code, 0, "{file}: {stderr}");
        assert!(
            stdout.lines().all(|l| l.ends_with(" created")),
            "{file}: {stdout}"
        );
        let (_, again, _) = cli(server, &["mesh", "apply", "-f", file]);
        assert!(
            again.lines().all(|l| l.ends_with(" unchanged")),
            "{file}: {again}"
        );
        return;
    }
    let (line, field_and_reason) = expectation(path);
    assert_eq!(code, 1, "{file}: {stdout} {stderr}");
    let first = stderr.lines().next().unwrap_or_default();
    assert!(
        first.starts_with(&format!("{file}: document 1, {line}")),
        "{file}: {stderr}"
    );
    let (field, reason) = field_and_reason.split_once(": ").unwrap();
    assert!(
        first.contains(&format!("({field}: ")) && first.contains(reason),
        "{file}: {stderr}"
    );
}

#[test]
fn fixture_documents_apply_or_are_refused_where_they_say() {
    let (_dir, data) = data_file();
    let server = Server::start(&data);
    for path in fixtures("invalid") {
        check(&server, &path, false);
    }
    for path in fixtures("valid") {
        check(&server, &path, true);
    }
}

#[tokio::test]
async fn the_specs_mesh_commands_and_the_same_resource_over_rest_and_grpc() {
    let (dir, data) = data_file();
    let server = Server::start(&data);
    let file = dir.path().join("virtual-service.yaml");
    std::fs::copy(fixtures("valid")[1].clone(), &file).unwrap();
    let file = file.to_str().unwrap();
    let (code, stdout, stderr) = cli(&server, &["mesh", "apply", "-f", file]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout.trim(), "virtual-service/web-vs created");
    let (code, table, _) = cli(&server, &["mesh", "get", "virtual-service", "web-vs"]);
    assert_eq!(code, 0);
    assert!(
        table.contains("web-vs") && table.contains("web.example.com"),
        "{table}"
    );
    let (_, json, _) = cli(
        &server,
        &["mesh", "get", "virtual-service", "web-vs", "-o", "json"],
    );
    let from_cli: Value = serde_json::from_str(&json).unwrap();

    // REST: the same resource.
    let rest: Value = server
        .http()
        .get(format!(
            "{}/v1/mesh/virtual-services/default/web-vs",
            server.base
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(rest, from_cli);
    // gRPC: the same resource, and writing it back unchanged is a no-op.
    let (channel, auth) = server.grpc().await;
    let mut grpc = pb::MeshServiceClient::with_interceptor(channel, auth);
    let message = grpc
        .get_virtual_service(pb::GetVirtualServiceRequest {
            namespace: "default".into(),
            name: "web-vs".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(message.id, rest["id"].as_str().unwrap());
    assert_eq!(message.hosts, ["web.example.com"]);
    assert_eq!(message.http_routes.len(), 4);
    assert_eq!(message.http_routes[1].timeout, "2s");
    let applied = grpc
        .apply_virtual_service(pb::ApplyVirtualServiceRequest {
            virtual_service: Some(message.clone()),
            expected_version: None,
        })
        .await
        .unwrap();
    assert_eq!(
        applied.metadata().get("apply-outcome").unwrap(),
        "unchanged"
    );
    let (_, json, _) = cli(&server, &["mesh", "get", "vs", "web-vs", "-o", "json"]);
    assert_eq!(serde_json::from_str::<Value>(&json).unwrap(), from_cli);
    // Resolve through gRPC, the CLI agrees.
    let resolved = grpc
        .resolve_route(pb::ResolveRouteRequest {
            host: "web.example.com".into(),
            path: "/api/orders".into(),
            headers: [("x-canary".to_string(), "true".to_string())].into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(resolved.matched && resolved.rule_index == 0);
    let (_, text, _) = cli(
        &server,
        &[
            "mesh",
            "resolve",
            "--host",
            "web.example.com",
            "--path",
            "/api/orders",
            "--header",
            "x-canary=true",
            "-o",
            "json",
        ],
    );
    let from_cli: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(from_cli["rule_index"], 0);
    assert_eq!(from_cli["destinations"][0]["destination"]["subset"], "v2");
    // Diff: nothing while the file matches; the change once it does not.
    let (code, diff, _) = cli(&server, &["mesh", "diff", "-f", file]);
    assert_eq!((code, diff.as_str()), (0, ""));
    std::fs::write(
        file,
        std::fs::read_to_string(file)
            .unwrap()
            .replace("timeout: 2s", "timeout: 3s"),
    )
    .unwrap();
    let (code, diff, _) = cli(&server, &["mesh", "diff", "-f", file]);
    assert!(
        diff.contains("-  timeout: 2s") && diff.contains("+  timeout: 3s"),
        "{diff}"
    );
    assert_eq!(code, 1, "differences exit 1, as diff and kubectl diff");
    // Delete by name.
    let (code, _, _) = cli(&server, &["mesh", "delete", "virtual-service", "web-vs"]);
    assert_eq!(code, 0);
    let (code, _, stderr) = cli(&server, &["mesh", "get", "virtual-service", "web-vs"]);
    assert_eq!(code, 1, "{stderr}");
    // A policy check from the CLI.
    let policies = fixtures("valid")[0].clone();
    cli(
        &server,
        &["mesh", "apply", "-f", policies.to_str().unwrap()],
    );
    let (_, allowed, _) = cli(
        &server,
        &[
            "mesh",
            "check",
            "-n",
            "bookinfo",
            "--label",
            "app=httpbin",
            "--principal",
            "cluster.local/ns/default/sa/sleep",
            "--path",
            "/info",
            "--port",
            "8000",
        ],
    );
    assert!(allowed.starts_with("ALLOW"), "{allowed}");
    let (_, denied, _) = cli(
        &server,
        &[
            "mesh",
            "check",
            "-n",
            "bookinfo",
            "--label",
            "app=httpbin",
            "--principal",
            "cluster.local/ns/default/sa/sleep",
            "--path",
            "/info",
            "--port",
            "9090",
        ],
    );
    assert!(denied.starts_with("DENY"), "{denied}");
}

/// A document of an Istio kind ClusterDB does not store is reported and
/// skipped, the file's other documents applied, exit 1; with
/// `--skip-unknown`, silently, exit 0.
#[test]
fn other_istio_kinds_are_skipped_and_reported() {
    let (dir, data) = data_file();
    let server = Server::start(&data);
    let file = dir.path().join("bookinfo.yaml");
    std::fs::write(
        &file,
        "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata:\n  name: bookinfo-gateway\nspec:\n  selector: {istio: ingressgateway}\n---\n\
         apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: skip-test\nspec:\n  hosts: [\"*\"]\n  gateways: [bookinfo-gateway]\n  http:\n    - route:\n        - destination: {host: productpage}\n",
    )
    .unwrap();
    let path = file.to_str().unwrap();
    let (code, stdout, stderr) = cli(&server, &["mesh", "apply", "-f", path]);
    assert_eq!(code, 1, "{stdout} {stderr}");
    assert!(
        stdout.contains("virtual-service/skip-test created"),
        "{stdout}"
    );
    assert!(
        stderr.contains(&format!(
            "{path}: document 1, line 2: skipped: networking.istio.io/v1/Gateway"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("1 of 2 documents were not applied"),
        "{stderr}"
    );
    let (code, stdout, stderr) = cli(&server, &["mesh", "apply", "-f", path, "--skip-unknown"]);
    assert_eq!(code, 0, "{stdout} {stderr}");
    assert!(
        stdout.contains("virtual-service/skip-test unchanged"),
        "{stdout}"
    );
    assert!(!stderr.contains("skipped"), "{stderr}");
}
