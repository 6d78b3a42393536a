//! The `clusterdb` CLI against the real server on loopback (and embedded
//! on a data file): commands, output formats, profiles, exit codes.

use clusterdb_testkit::eventually;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::server::{Server, data_file};

/// What one CLI run did.
#[derive(Debug)]
pub(crate) struct Run {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Run {
    /// Asserts success; the stdout.
    pub(crate) fn ok(&self) -> &str {
        assert_eq!(self.code, 0, "{self:#?}");
        &self.stdout
    }

    /// Asserts success; the stdout as JSON.
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(self.ok()).unwrap_or_else(|e| panic!("{e}: {self:#?}"))
    }

    /// Asserts exit `code`; the stderr.
    pub(crate) fn failed(&self, code: i32) -> &str {
        assert_eq!(self.code, code, "{self:#?}");
        &self.stderr
    }
}

/// A CLI user: a home directory of their own and environment settings.
pub(crate) struct User {
    home: tempfile::TempDir,
    env: Vec<(String, String)>,
}

impl User {
    fn new() -> User {
        User {
            home: tempfile::tempdir().unwrap(),
            env: Vec::new(),
        }
    }

    /// A user whose environment points at `server` as its admin.
    pub(crate) fn of(server: &Server) -> User {
        let mut user = User::new();
        user.set("CLUSTERDB_ENDPOINT", &server.base);
        user.set("CLUSTERDB_API_KEY", &server.key);
        user
    }

    pub(crate) fn set(&mut self, name: &str, value: &str) {
        self.env.retain(|(n, _)| n != name);
        self.env.push((name.into(), value.into()));
    }

    fn unset(&mut self, name: &str) {
        self.env.retain(|(n, _)| n != name);
    }

    fn config_dir(&self) -> PathBuf {
        self.home.path().join(".clusterdb")
    }

    pub(crate) fn run(&self, args: &[&str]) -> Run {
        self.run_with_stdin(args, None)
    }

    /// Runs a command line of words without spaces.
    pub(crate) fn cli(&self, line: &str) -> Run {
        self.run(&line.split_whitespace().collect::<Vec<_>>())
    }

    /// `program` in this user's environment: their home, their settings,
    /// none of the test process's `CLUSTERDB_*`.
    fn command(&self, program: &str) -> Command {
        let mut command = Command::new(program);
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("CLUSTERDB_") {
                command.env_remove(name);
            }
        }
        command
            .env("HOME", self.home.path())
            .envs(self.env.iter().map(|(k, v)| (k, v)));
        command
    }

    /// Runs a command line of words without spaces at a real terminal
    /// `columns` wide (a pseudo-terminal from script(1)); its output with
    /// plain line ends.
    fn in_terminal(&self, columns: u16, line: &str) -> String {
        let shell = format!(
            "stty cols {columns} rows 50 && exec '{}' {line}",
            env!("CARGO_BIN_EXE_clusterdb")
        );
        let output = self
            .command("script")
            .args(["-qec", &shell, "/dev/null"])
            .stdin(std::process::Stdio::null())
            .output()
            .expect("script(1) runs");
        assert!(output.status.success(), "{output:?}");
        String::from_utf8(output.stdout)
            .unwrap()
            .replace("\r\n", "\n")
    }

    fn run_with_stdin(&self, args: &[&str], stdin: Option<&[u8]>) -> Run {
        use std::io::Write as _;
        let mut command = self.command(env!("CARGO_BIN_EXE_clusterdb"));
        command
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = command.spawn().unwrap();
        let mut pipe = child.stdin.take().unwrap();
        if let Some(bytes) = stdin {
            pipe.write_all(bytes).unwrap();
        }
        drop(pipe);
        let output = child.wait_with_output().unwrap();
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8(output.stdout).unwrap(),
            stderr: String::from_utf8(output.stderr).unwrap(),
        }
    }
}

/// The API's own answer for `path`, to compare the CLI's output with.
async fn api_get(server: &Server, path: &str) -> Value {
    server
        .http()
        .get(format!("{}{path}", server.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// YAML output parsed back.
fn yaml(run: &Run) -> Value {
    serde_saphyr::from_str(run.ok()).unwrap_or_else(|e| panic!("{e}: {run:#?}"))
}

#[tokio::test]
async fn the_specs_example_and_every_compute_command_in_every_format() {
    let (dir, data) = data_file();
    let server = Server::start(&data);
    let user = User::of(&server);

    // The spec's example, verbatim.
    let created = user.cli("compute fleet create --name web-fleet --capacity 3 --instance-type t3.medium --tag environment=production");
    let table = created.ok();
    let header = table.lines().next().unwrap();
    for column in ["ID", "NAME", "STATUS", "CAPACITY", "TYPE", "AGE"] {
        assert!(header.contains(column), "{table}");
    }
    assert!(
        table.contains("web-fleet") && table.contains("t3.medium"),
        "{table}"
    );

    // JSON and YAML are exactly what the API answers; lists are arrays.
    let listed = user.cli("compute fleet list -o json").json();
    let api = api_get(&server, "/v1/fleets").await;
    let id = api["fleets"][0]["id"].as_str().unwrap().to_string();
    let fleet_now = api_get(&server, &format!("/v1/fleets/{id}")).await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["id"], fleet_now["id"]);
    assert_eq!(listed[0]["tags"]["environment"], "production");
    let got = user.cli("compute fleet get web-fleet --output json").json();
    let fleet_now = api_get(&server, &format!("/v1/fleets/{id}")).await;
    assert_eq!(got, fleet_now);
    // Options go before or after the subcommand.
    let yaml_list = yaml(&user.cli("--output yaml compute fleet list"));
    assert_eq!(yaml_list[0]["name"], "web-fleet");
    let by_id = yaml(&user.run(&["compute", "fleet", "get", &id, "-o", "yaml"]));
    assert_eq!(by_id["id"], id.as_str());
    let wide = user.cli("compute fleet list -o wide");
    assert!(
        wide.ok().lines().next().unwrap().contains("TAGS"),
        "{wide:#?}"
    );
    assert!(wide.ok().contains("environment=production"), "{wide:#?}");

    // Update changes only what is given; scale sets the capacity.
    let updated = user
        .run(&[
            "compute",
            "fleet",
            "update",
            "web-fleet",
            "--description",
            "Web tier",
            "--tag",
            "tier=web",
            "-o",
            "json",
        ])
        .json();
    assert_eq!(updated["description"], "Web tier");
    assert_eq!(updated["capacity"], 3);
    assert_eq!(updated["tags"]["environment"], "production");
    assert_eq!(updated["tags"]["tier"], "web");
    let scaled = user
        .cli("compute fleet scale web-fleet --capacity 1 -o json")
        .json();
    assert_eq!(scaled["capacity"], 1);
    let untagged = user
        .run(&[
            "compute", "fleet", "update", &id, "--untag", "tier", "-o", "json",
        ])
        .json();
    assert!(untagged["tags"].get("tier").is_none(), "{untagged}");

    // Filters and paging.
    for i in 0..3 {
        user.run(&[
            "compute",
            "fleet",
            "create",
            "--name",
            &format!("f{i}"),
            "--capacity",
            "1",
            "--instance-type",
            "t3.micro",
            "--tag",
            "team=a",
        ])
        .ok();
    }
    let team = user.cli("compute fleet list --tag team=a -o json").json();
    assert_eq!(team.as_array().unwrap().len(), 3);
    let page = user.cli("compute fleet list --page-size 2 -o json");
    assert_eq!(page.json().as_array().unwrap().len(), 2);
    assert!(page.stderr.contains("--page-token"), "{page:#?}");
    let all = user
        .cli("compute fleet list --page-size 2 --all -o json")
        .json();
    assert_eq!(all.as_array().unwrap().len(), 4);
    // The hint's token goes on where the page stopped.
    let token = page
        .stderr
        .split("--page-token ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap()
        .to_string();
    let names = |list: &Value| -> Vec<String> {
        let list = list.as_array().unwrap().iter();
        list.map(|f| f["name"].as_str().unwrap().to_string())
            .collect()
    };
    let rest = user
        .cli(&format!(
            "compute fleet list --page-size 2 --page-token {token} -o json"
        ))
        .json();
    assert_eq!(names(&rest), names(&all)[2..]);
    // --all starts from the first page: with a token it is a usage error.
    user.cli(&format!("compute fleet list --page-token {token} --all"))
        .failed(2);

    // Instances: create, list by fleet, get, stop, start, delete.
    let vm = user
        .cli("compute instance create --name vm-1 --instance-type t3.micro -o json")
        .json();
    assert_eq!(vm["name"], "vm-1");
    let members = user
        .cli("compute instance list --fleet web-fleet -o json")
        .json();
    assert!(
        members
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["fleet_id"] == id.as_str())
    );
    assert_eq!(vm["state"], "pending");
    let started = user.cli("compute instance start vm-1");
    assert!(started.ok().contains("running"), "{started:#?}");
    let got = user.cli("compute instance get vm-1 -o json").json();
    assert_eq!(got["state"], "running");
    let stopped = user.cli("compute instance stop vm-1 -o yaml");
    assert_eq!(yaml(&stopped)["state"], "stopped");
    let started = user.cli("compute instance start vm-1");
    assert!(started.ok().contains("vm-1"), "{started:#?}");
    let deleted = user.cli("compute instance delete vm-1");
    assert!(deleted.ok().contains("deleted"), "{deleted:#?}");
    user.cli("compute instance get vm-1").failed(1);

    // Functions: create (code from a file), update, list, get, invoke,
    // delete.
    let wat = dir.path().join("upper.wat");
    std::fs::write(&wat, clusterdb_testkit::wasm::UPPERCASE).unwrap();
    let function = user
        .cli(&format!(
            "compute function create --name resize --runtime wasm --code @{} --env QUALITY=80 -o json",
            wat.display()
        ))
        .json();
    assert_eq!(function["env"]["QUALITY"], "80");
    assert_eq!(function["handler"], "_start");
    assert_eq!(function["code_sha256"].as_str().unwrap().len(), 64);
    let function = user
        .cli("compute function update resize --timeout-ms 5000 --env MODE=fast --unset-env QUALITY -o json")
        .json();
    assert_eq!(function["timeout_ms"], 5000);
    assert_eq!(function["env"], serde_json::json!({"MODE": "fast"}));
    let functions = user.cli("compute function list");
    assert!(functions.ok().contains("resize"), "{functions:#?}");
    // A binary module file is sent as base64: the same module, so the
    // same digest.
    let binary = {
        use clusterdb::FunctionRuntime as _;
        clusterdb::compute::WasmRuntime::new()
            .prepare_code(clusterdb_testkit::wasm::UPPERCASE.as_bytes(), "_start")
            .unwrap()
    };
    let wasm_file = dir.path().join("upper.wasm");
    std::fs::write(&wasm_file, binary).unwrap();
    let same = user
        .cli(&format!(
            "compute function update resize --code @{} -o json",
            wasm_file.display()
        ))
        .json();
    assert_eq!(same["code_sha256"], function["code_sha256"]);
    let invoked = user.run(&[
        "compute",
        "function",
        "invoke",
        "resize",
        "--data",
        "hello, cli",
    ]);
    assert_eq!(invoked.ok(), "HELLO, CLI\n", "{invoked:#?}");
    let piped = user.run_with_stdin(&["compute", "function", "invoke", "resize"], Some(b"piped"));
    assert_eq!(piped.ok(), "PIPED\n", "{piped:#?}");
    let answer = user
        .run(&[
            "compute", "function", "invoke", "resize", "--data", "x", "-o", "json",
        ])
        .json();
    assert_eq!(answer["output"], "X");
    assert!(answer["fuel_used"].as_u64().unwrap() > 0);
    // A failing function: the API's error, exit 1.
    let wat = dir.path().join("exit3.wat");
    std::fs::write(&wat, clusterdb_testkit::wasm::EXIT3).unwrap();
    user.cli(&format!(
        "compute function create --name exit3 --runtime wasm --code @{}",
        wat.display()
    ))
    .ok();
    let failed = user.run(&["compute", "function", "invoke", "exit3"]);
    assert!(
        failed.failed(1).contains("exited with code 3"),
        "{failed:#?}"
    );
    user.cli("compute function delete resize").ok();

    // A fleet's delete answers it `deleting`.
    let gone = user.cli("compute fleet delete web-fleet -o json").json();
    assert_eq!(gone["status"], "deleting");
}

/// Every read command of every kind prints the same resources as a
/// table, as JSON and as YAML.
#[tokio::test]
async fn every_read_command_agrees_across_the_three_formats() {
    let (_dir, data) = data_file();
    let server = Server::start(&data);
    let user = User::of(&server);
    user.cli("compute fleet create --name web --capacity 1 --instance-type t3.micro")
        .ok();
    user.cli("compute instance create --name vm --instance-type t3.micro")
        .ok();
    user.run(&[
        "compute",
        "function",
        "create",
        "--name",
        "fn",
        "--runtime",
        "wasm",
        "--code",
        r#"(module (func (export "_start")))"#,
    ])
    .ok();
    user.cli("identity user create --username alice").ok();
    user.cli("identity group create --name ops --member alice")
        .ok();
    user.cli("identity oauth-client create --name ci --owner alice --scope compute:read")
        .ok();
    user.cli("identity api-key create --user alice --name k")
        .ok();
    let reads = [
        ("compute fleet list", "compute fleet get web"),
        ("compute instance list", "compute instance get vm"),
        ("compute function list", "compute function get fn"),
        ("identity user list", "identity user get alice"),
        ("identity group list", "identity group get ops"),
        ("identity oauth-client list", "identity oauth-client get ci"),
        ("identity api-key list --user alice", ""),
    ];
    for (list, get) in reads {
        let json = user.cli(&format!("{list} -o json")).json();
        let items = json.as_array().unwrap_or_else(|| panic!("{list}: {json}"));
        assert!(!items.is_empty(), "{list}");
        assert_eq!(yaml(&user.cli(&format!("{list} -o yaml"))), json, "{list}");
        let table = user.cli(list);
        for item in items {
            assert!(
                table.ok().contains(item["id"].as_str().unwrap()),
                "{list}: {table:#?}"
            );
        }
        if get.is_empty() {
            continue;
        }
        let one = user.cli(&format!("{get} -o json")).json();
        // `get` is the API's GET answer: a list item plus what only a GET
        // shows (a function's statistics on the answering server).
        let mut listed = one.clone();
        let stats = listed.as_object_mut().unwrap().remove("stats");
        assert_eq!(
            stats.is_some(),
            get.starts_with("compute function"),
            "{get}: {one}"
        );
        assert!(items.contains(&listed), "{get}: {one}");
        assert_eq!(yaml(&user.cli(&format!("{get} -o yaml"))), one, "{get}");
        let row = user.cli(get);
        assert_eq!(row.ok().lines().count(), 2, "{get}: {row:#?}");
        assert!(
            row.ok().contains(one["id"].as_str().unwrap()),
            "{get}: {row:#?}"
        );
    }
}

#[tokio::test]
async fn errors_go_to_stderr_with_the_apis_code_and_the_documented_exit_codes() {
    let (_dir, data) = data_file();
    let server = Server::start(&data);
    let mut user = User::of(&server);

    let refused =
        user.cli("compute fleet create --name bad --capacity 0 --instance-type t3.medium");
    assert_eq!(
        refused.failed(1).trim(),
        "INVALID_REQUEST: Invalid fleet configuration (capacity: must be greater than 0)"
    );
    assert!(refused.stdout.is_empty());
    // A capacity that is not a number is the parser's (a usage error); a
    // number out of range is the API's to word.
    let refused =
        user.cli("compute fleet create --name bad --capacity many --instance-type t3.medium");
    assert!(refused.failed(2).contains("--capacity"), "{refused:#?}");
    let json =
        user.cli("compute fleet create --name bad --capacity 0 --instance-type t3.medium -o json");
    let error: Value = serde_json::from_str(json.failed(1)).unwrap();
    assert_eq!(error["error"]["code"], "INVALID_REQUEST");
    assert_eq!(error["error"]["details"]["field"], "capacity");
    assert!(
        user.cli("compute fleet get nope")
            .failed(1)
            .starts_with("NOT_FOUND")
    );

    // Usage errors: 2.
    assert!(
        user.cli("compute fleet create --tag novalue")
            .failed(2)
            .contains("key=value")
    );
    user.cli("compute fleet frobnicate").failed(2);
    user.cli("compute fleet list -o xml").failed(2);

    // Not authenticated: 3, with a hint.
    user.set("CLUSTERDB_API_KEY", "cdb_bogus");
    let denied = user.cli("compute fleet list");
    assert!(
        denied.failed(3).starts_with("UNAUTHENTICATED"),
        "{denied:#?}"
    );
    assert!(denied.stderr.contains("hint:"), "{denied:#?}");
    user.unset("CLUSTERDB_API_KEY");
    user.cli("compute fleet list").failed(3);

    // Cannot connect: 3.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = closed.local_addr().unwrap();
    drop(closed);
    user.set("CLUSTERDB_ENDPOINT", &address.to_string());
    user.set("CLUSTERDB_API_KEY", &server.key);
    let unreachable = user.cli("compute fleet list -o json");
    let error: Value = serde_json::from_str(unreachable.failed(3)).unwrap();
    assert_eq!(error["error"]["code"], "UNAVAILABLE");
    // One line that says where it tried and how to point elsewhere.
    let unreachable = user.cli("compute fleet list");
    let line = unreachable.failed(3);
    assert!(
        line.contains(&format!("cannot connect to http://{address}"))
            && line.contains("is the server running?")
            && line.contains("--endpoint, CLUSTERDB_ENDPOINT or a profile"),
        "{unreachable:#?}"
    );

    // The exit codes are documented.
    let help = user.cli("--help");
    for line in [
        "0  success",
        "1  the API refused",
        "2  usage error",
        "3  cannot connect",
    ] {
        assert!(help.ok().contains(line), "{help:#?}");
    }
}

#[tokio::test]
async fn identity_commands_manage_users_groups_keys_and_clients() {
    let (_dir, data) = data_file();
    let server = Server::start(&data);
    let user = User::of(&server);

    let alice = user
        .cli(
            "identity user create --username alice --email alice@example.com --role editor -o json",
        )
        .json();
    let alice_id = alice["id"].as_str().unwrap();
    user.cli("identity user create --username bob").ok();
    let users = user.cli("identity user list");
    assert!(
        users.ok().contains("alice") && users.ok().contains("editor"),
        "{users:#?}"
    );
    let got = user.cli("identity user get alice -o json").json();
    assert_eq!(
        got,
        api_get(&server, &format!("/v1/users/{alice_id}")).await
    );
    let updated = user
        .cli("identity user update bob --display-name Bob -o json")
        .json();
    assert_eq!(updated["display_name"], "Bob");

    // Groups take members by username.
    let group = user
        .cli("identity group create --name ops --role viewer --member alice -o json")
        .json();
    assert_eq!(group["members"], serde_json::json!([alice_id]));
    let added = user.cli("identity group add-member ops bob -o json").json();
    assert_eq!(added["members"].as_array().unwrap().len(), 2);
    let removed = user
        .cli("identity group remove-member ops alice -o json")
        .json();
    assert_eq!(removed["members"].as_array().unwrap().len(), 1);
    assert!(user.cli("identity group list").ok().contains("ops"));
    user.run(&[
        "identity",
        "group",
        "update",
        "ops",
        "--description",
        "on call",
    ])
    .ok();
    assert_eq!(
        user.cli("identity group get ops -o json").json()["description"],
        "on call"
    );

    // An API key: shown once, works, is listed, revoked by name, stops.
    let key = user
        .cli("identity api-key create --user alice --name ci -o json")
        .json();
    let secret = key["key"].as_str().unwrap().to_string();
    let mut as_alice = User::of(&server);
    as_alice.set("CLUSTERDB_API_KEY", &secret);
    as_alice.cli("compute fleet list").ok();
    let keys = user
        .cli("identity api-key list --user alice -o json")
        .json();
    assert_eq!(keys[0]["name"], "ci");
    assert!(keys[0].get("key").is_none());
    user.cli("identity api-key revoke --user alice ci").ok();
    as_alice.cli("compute fleet list").failed(3);
    // A viewer-only principal is refused with the API's 403: exit 1.
    user.cli("identity user create --username carol --role viewer")
        .ok();
    let carol_key = user
        .cli("identity api-key create --user carol --name k -o json")
        .json()["key"]
        .as_str()
        .unwrap()
        .to_string();
    as_alice.set("CLUSTERDB_API_KEY", &carol_key);
    let forbidden =
        as_alice.cli("compute fleet create --name x --capacity 1 --instance-type t3.micro");
    assert!(
        forbidden.failed(1).starts_with("PERMISSION_DENIED"),
        "{forbidden:#?}"
    );

    // OAuth clients.
    let client = user
        .cli(
            "identity oauth-client create --name deployer --owner bob --scope compute:read -o json",
        )
        .json();
    assert!(
        client["client_secret"]
            .as_str()
            .unwrap()
            .starts_with("cdb_cs_")
    );
    assert!(
        user.cli("identity oauth-client list")
            .ok()
            .contains("deployer")
    );
    let shown = user
        .cli("identity oauth-client get deployer -o json")
        .json();
    assert!(
        shown.get("client_secret").is_none_or(Value::is_null),
        "{shown}"
    );
    user.cli("identity oauth-client delete deployer").ok();
    user.cli("identity oauth-client get deployer").failed(1);

    user.cli("identity user delete alice").ok();
    user.cli("identity user get alice").failed(1);
    user.cli("identity group delete ops").ok();
}

#[tokio::test]
async fn webhook_commands_manage_endpoints_and_their_deliveries() {
    let receiver = crate::webhooks::Receiver::start().await;
    let (_dir, data) = data_file();
    let server = Server::start_with(&data, &["--webhook-allow-private"]);
    let user = User::of(&server);
    let created = user
        .run(&[
            "webhook",
            "create",
            "--url",
            &receiver.url,
            "--event",
            "fleet.created",
            "--name",
            "hook",
            "-o",
            "json",
        ])
        .json();
    let secret = created["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("whsec_"), "{created}");
    // Shown once: the table answer says so, reads never show it.
    let id = created["id"].as_str().unwrap().to_string();
    let got = user.cli("webhook get hook -o json").json();
    assert_eq!(got, api_get(&server, &format!("/v1/webhooks/{id}")).await);
    assert!(got.get("secret").is_none());
    let listed = user.cli("webhook list");
    assert!(
        listed.ok().contains("hook") && listed.ok().contains("fleet.created"),
        "{listed:#?}"
    );

    user.cli("compute fleet create --name web --capacity 1 --instance-type t3.micro")
        .ok();
    let delivered = receiver.event("fleet.created", "web").await;
    assert!(
        standardwebhooks::Webhook::new(&secret)
            .unwrap()
            .verify(&delivered.body, &delivered.headers)
            .is_ok()
    );
    // The attempt is recorded once the receiver has answered: wait for it.
    let deliveries = eventually("the delivery to be recorded as succeeded", || async {
        let deliveries = user.cli("webhook deliveries hook -o json").json();
        (deliveries[0]["status"] == "succeeded").then_some(deliveries)
    })
    .await;
    let first = &deliveries[0];
    let table = user.cli("webhook deliveries hook");
    assert!(table.ok().contains("succeeded"), "{table:#?}");
    let delivery_id = first["id"].as_str().unwrap();
    let redelivered = user
        .run(&["webhook", "redeliver", "hook", delivery_id, "-o", "json"])
        .json();
    assert_eq!(redelivered["attempts"].as_array().unwrap().len(), 2);
    let test = user.cli("webhook test hook -o json").json();
    receiver
        .wait_until(|r| r.json()["id"] == test["event_id"])
        .await;

    // Update changes only what is given; --secret rotates.
    let rotated = clusterdb::webhooks::new_secret().unwrap();
    let updated = user
        .run(&[
            "webhook",
            "update",
            "hook",
            "--event",
            "*",
            "--description",
            "all",
            "--secret",
            &rotated,
            "-o",
            "json",
        ])
        .json();
    assert_eq!(updated["events"], serde_json::json!(["*"]));
    assert_eq!(updated["url"], receiver.url.as_str());
    let disabled = user.cli("webhook update hook --disable -o json").json();
    assert_eq!(disabled["enabled"], false);
    assert_eq!(disabled["description"], "all");
    // Bad input is the API's error, exit 1.
    let refused = user.run(&["webhook", "create", "--url", "ftp://x/", "--event", "*"]);
    assert!(refused.failed(1).contains("url"), "{refused:#?}");
    user.cli("webhook delete hook").ok();
    assert!(user.cli("webhook get hook").failed(1).contains("NOT_FOUND"));
}

#[tokio::test]
async fn oauth_profiles_fetch_cache_and_renew_tokens() {
    let (_dir, data) = data_file();
    let server = Server::start(&data);
    let admin = User::of(&server);
    admin
        .cli("identity user create --username robot --role editor")
        .ok();
    let client = admin
        .cli("identity oauth-client create --name ci --owner robot --scope compute:read -o json")
        .json();
    let id = client["id"].as_str().unwrap();
    let secret = client["client_secret"].as_str().unwrap();

    let user = User::new();
    user.run(&[
        "config",
        "set-profile",
        "ci",
        "--endpoint",
        &server.base,
        "--client-id",
        id,
        "--client-secret",
        secret,
    ])
    .ok();
    user.cli("compute fleet list").ok();
    let tokens = user.config_dir().join("tokens");
    let cached: Vec<PathBuf> = std::fs::read_dir(&tokens)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(cached.len(), 1);
    assert_private(&cached[0]);
    let entry: Value = serde_json::from_slice(&std::fs::read(&cached[0]).unwrap()).unwrap();
    let token = entry["access_token"].as_str().unwrap().to_string();
    assert_eq!(token.split('.').count(), 3, "a JWT");

    // The token is reused while it is fresh: `identity token` prints it.
    assert_eq!(user.cli("identity token").ok().trim(), token);
    // Renewed when a fifth of its lifetime, at most a minute, is left (the
    // SDKs' rule): an hour's token with 30 s left is renewed, a 30 s
    // token with 20 s left is not, nor is an hour's one from an older
    // cache (no issue time) with 90 s left.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(entry["issued_at"].as_u64().unwrap() <= now);
    let mut short = entry.clone();
    short["issued_at"] = (now - 10).into();
    short["expires_at"] = (now + 20).into();
    std::fs::write(&cached[0], serde_json::to_vec(&short).unwrap()).unwrap();
    assert_eq!(user.cli("identity token").ok().trim(), token);
    let mut older = entry.clone();
    older.as_object_mut().unwrap().remove("issued_at");
    older["expires_at"] = (now + 90).into();
    std::fs::write(&cached[0], serde_json::to_vec(&older).unwrap()).unwrap();
    assert_eq!(user.cli("identity token").ok().trim(), token);
    let mut stale = entry.clone();
    stale["access_token"] = "not-a-token".into();
    stale["issued_at"] = (now - 3570).into();
    stale["expires_at"] = (now + 30).into();
    std::fs::write(&cached[0], serde_json::to_vec(&stale).unwrap()).unwrap();
    let renewed = user.cli("identity token").ok().trim().to_string();
    assert_eq!(renewed.split('.').count(), 3, "{renewed}");
    user.cli("compute fleet list").ok();
    // A cached token the server refuses is forgotten (exit 3), and the
    // next command fetches a new one.
    let mut refused = entry.clone();
    refused["access_token"] = "eyJ.bad.token".into();
    refused["expires_at"] = (entry["expires_at"].as_u64().unwrap() + 10).into();
    std::fs::write(&cached[0], serde_json::to_vec(&refused).unwrap()).unwrap();
    user.cli("compute fleet list").failed(3);
    user.cli("compute fleet list").ok();
    // An API-key profile's "token" is its key.
    let by_key = User::of(&server);
    assert_eq!(by_key.cli("identity token").ok().trim(), server.key);
}

fn assert_private(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{}", path.display());
    }
}

#[tokio::test]
async fn profiles_yield_to_the_environment_and_flags() {
    let (_dir, data) = data_file();
    let server = Server::start(&data);
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let nowhere = closed.local_addr().unwrap().to_string();
    drop(closed);

    let mut user = User::new();
    user.run(&[
        "config",
        "set-profile",
        "good",
        "--endpoint",
        &server.base,
        "--api-key",
        &server.key,
    ])
    .ok();
    user.run(&[
        "config",
        "set-profile",
        "bad",
        "--endpoint",
        &nowhere,
        "--api-key",
        "cdb_wrong",
    ])
    .ok();
    user.cli("config use-profile bad").ok();
    user.cli("compute fleet list").failed(3);
    // The environment over the profile, field by field.
    user.set("CLUSTERDB_ENDPOINT", &server.base);
    user.cli("compute fleet list").failed(3); // still the bad key
    user.set("CLUSTERDB_API_KEY", &server.key);
    user.cli("compute fleet list").ok();
    user.unset("CLUSTERDB_ENDPOINT");
    user.unset("CLUSTERDB_API_KEY");
    // CLUSTERDB_PROFILE over current_profile, --profile over both.
    user.set("CLUSTERDB_PROFILE", "good");
    user.cli("compute fleet list").ok();
    user.set("CLUSTERDB_PROFILE", "bad");
    user.cli("--profile good compute fleet list").ok();
    user.cli("compute fleet list --profile good").ok();
    // A named profile that does not exist: a usage error naming the others.
    let missing = user.cli("--profile nope compute fleet list");
    assert!(missing.failed(2).contains("good"), "{missing:#?}");

    // No configuration file at all is normal with the environment set...
    let mut bare = User::new();
    bare.set(
        "CLUSTERDB_ENDPOINT",
        server.base.trim_start_matches("http://"),
    );
    bare.set("CLUSTERDB_API_KEY", &server.key);
    bare.cli("compute fleet list").ok();
    // ...but naming a profile then is an error.
    bare.cli("--profile x compute fleet list").failed(2);
    // --config and CLUSTERDB_CONFIG name other files.
    let other = bare.home.path().join("other.yaml");
    bare.unset("CLUSTERDB_ENDPOINT");
    bare.unset("CLUSTERDB_API_KEY");
    bare.run(&[
        "--config",
        other.to_str().unwrap(),
        "config",
        "set-profile",
        "p",
        "--endpoint",
        &server.base,
        "--api-key",
        &server.key,
    ])
    .ok();
    bare.run(&[
        "--config",
        other.to_str().unwrap(),
        "compute",
        "fleet",
        "list",
    ])
    .ok();
    bare.set("CLUSTERDB_CONFIG", other.to_str().unwrap());
    bare.cli("compute fleet list").ok();
}

#[tokio::test]
async fn config_commands_write_a_private_file_and_report_malformed_ones() {
    let user = User::new();
    let path = user.config_dir().join("config.yaml");
    user.cli("config init --endpoint 127.0.0.1:7070 --api-key cdb_secret")
        .ok();
    assert_private(&path);
    user.cli("config init").failed(2);
    user.cli("config set-profile local --data ./x.redb").ok();
    let list = user.cli("config list");
    assert!(
        list.ok().contains("default") && list.ok().contains("local"),
        "{list:#?}"
    );
    let listed = user.cli("config list -o json").json();
    assert_eq!(listed[0]["current"], "*");
    let view = user.cli("config view");
    assert!(
        !view.ok().contains("cdb_secret") && view.ok().contains("REDACTED"),
        "{view:#?}"
    );
    assert!(
        user.cli("config view --show-secrets")
            .ok()
            .contains("cdb_secret")
    );
    // Paths from the command line are stored absolute.
    let shown = user.cli("config view -o json").json();
    assert!(Path::new(shown["profiles"]["local"]["data"].as_str().unwrap()).is_absolute());
    user.cli("config use-profile local").ok();
    user.cli("config use-profile missing").failed(2);

    std::fs::write(&path, "profiles:\n  a:\n    endpoint: x\n    colour: red\n").unwrap();
    let malformed = user.cli("compute fleet list");
    let message = malformed.failed(2);
    assert!(
        message.contains(&format!("{}:4:", path.display())) && message.contains("colour"),
        "{malformed:#?}"
    );
    std::fs::write(&path, "profiles: [\n").unwrap();
    assert!(
        user.cli("config list")
            .failed(2)
            .contains(&path.display().to_string())
    );
}

#[tokio::test]
async fn an_embedded_profile_uses_the_data_file_without_a_server() {
    let (dir, data) = data_file();
    let user = User::new();
    user.run(&[
        "config",
        "set-profile",
        "local",
        "--data",
        data.to_str().unwrap(),
    ])
    .ok();
    let created = user
        .cli("compute fleet create --name web --capacity 2 --instance-type t3.micro -o json")
        .json();
    assert_eq!(created["created_by"], "local");
    let listed = user.cli("compute fleet list -o json").json();
    assert_eq!(listed[0]["id"], created["id"]);
    // The API's validation, unchanged.
    assert!(
        user.cli("compute fleet create --name x --capacity 0 --instance-type t3.micro")
            .failed(1)
            .starts_with("INVALID_REQUEST")
    );
    // No credentials here, so make some for the server below.
    user.cli("identity user create --username alice --role admin")
        .ok();
    let key = user
        .cli("identity api-key create --user alice --name k -o json")
        .json()["key"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        user.cli("version -o json").json()["server"],
        format!("{} (embedded)", env!("CARGO_PKG_VERSION"))
    );
    // A server on the file sees what the CLI wrote; while it holds the
    // file, the embedded CLI cannot open it.
    let mut server = Server::start(&data);
    server.key = key;
    let fleets = api_get(&server, "/v1/fleets").await;
    assert_eq!(fleets["fleets"][0]["name"], "web");
    let busy = user.cli("compute fleet list");
    assert!(busy.failed(3).contains("in use"), "{busy:#?}");
    drop(server);
    drop(dir);
}

#[tokio::test]
async fn serve_reads_the_server_section_of_its_config_file() {
    let (dir, data) = data_file();
    let config = dir.path().join("server.yaml");
    std::fs::write(
        &config,
        format!(
            "server:\n  data: {}\n  body_limit: 200\n  rate_limit: off\n",
            data.display()
        ),
    )
    .unwrap();
    let server = Server::start_with(&data, &["--config", config.to_str().unwrap()]);
    let big = format!(
        r#"{{"name":"f","capacity":1,"instance_type":"t3.micro","description":"{}"}}"#,
        "x".repeat(300)
    );
    let response = server
        .http()
        .post(format!("{}/v1/fleets", server.base))
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    // No rate-limit headers: the file turned it off.
    let response = server
        .http()
        .get(format!("{}/v1/fleets", server.base))
        .send()
        .await
        .unwrap();
    assert!(
        response.headers().get("ratelimit-limit").is_none()
            && response.headers().get("x-ratelimit-limit").is_none()
    );
    drop(server);
    // A flag wins over the file.
    let server = Server::start_with(
        &data,
        &[
            "--config",
            config.to_str().unwrap(),
            "--body-limit",
            "100000",
        ],
    );
    let response = server
        .http()
        .post(format!("{}/v1/fleets", server.base))
        .header("content-type", "application/json")
        .body(format!(
            r#"{{"name":"f","capacity":1,"instance_type":"t3.micro","description":"{}"}}"#,
            "x".repeat(300)
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    drop(server);

    // Unknown keys, and a webhooks block naming an unset variable, stop
    // the start with a clear message.
    let user = User::new();
    std::fs::write(&config, "server:\n  colour: red\n").unwrap();
    let refused = user.run(&["serve", "--config", config.to_str().unwrap()]);
    assert!(refused.failed(2).contains("server.colour"), "{refused:#?}");
    std::fs::write(&config, "webhooks:\n  - url: https://example.com/webhook\n    events: [fleet.created]\n    secret: ${CLUSTERDB_TEST_NO_SUCH_VAR}\n").unwrap();
    let refused = user.run(&["serve", "--config", config.to_str().unwrap()]);
    assert!(
        refused.failed(2).contains("CLUSTERDB_TEST_NO_SUCH_VAR"),
        "{refused:#?}"
    );
}

#[test]
fn completion_scripts_and_version() {
    let user = User::new();
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let script = user.run(&["completion", shell]);
        assert!(script.ok().contains("compute"), "{shell}");
    }
    user.cli("completion tcsh").failed(2);
    // No server: the client's version, and the server unreachable.
    let mut offline = User::new();
    offline.set("CLUSTERDB_ENDPOINT", "127.0.0.1:9");
    let version = offline.cli("version");
    assert!(
        version
            .ok()
            .contains(&format!("client: {}", env!("CARGO_PKG_VERSION")))
    );
    assert!(version.ok().contains("server: unreachable"), "{version:#?}");
}

/// `--help` of the top level and each group, compared with the files in
/// `bin/tests/help/` so that wording changes are deliberate. Rewrite them
/// with `UPDATE_HELP=1 cargo test -p clusterdb-bin --test e2e help`.
#[test]
fn help_texts_match_their_snapshots() {
    let user = User::new();
    let commands: &[&[&str]] = &[
        &[],
        &["compute"],
        &["compute", "fleet"],
        &["compute", "fleet", "create"],
        &["compute", "fleet", "list"],
        &["compute", "instance"],
        &["compute", "function"],
        &["compute", "function", "create"],
        &["compute", "function", "invoke"],
        &["identity"],
        &["identity", "user"],
        &["identity", "group"],
        &["identity", "api-key"],
        &["identity", "oauth-client"],
        &["mesh"],
        &["mesh", "apply"],
        &["mesh", "check"],
        &["webhook"],
        &["webhook", "create"],
        &["monitor"],
        &["monitor", "metrics"],
        &["monitor", "alert-rule", "create"],
        &["webhook", "update"],
        &["config"],
        &["admin"],
    ];
    let directory = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/help");
    let update = std::env::var_os("UPDATE_HELP").is_some();
    let mut stale = Vec::new();
    for command in commands {
        let mut args = command.to_vec();
        args.push("--help");
        let text = user.run(&args).ok().to_string();
        let name = if command.is_empty() {
            "clusterdb".to_string()
        } else {
            command.join("-")
        };
        let path = directory.join(format!("{name}.txt"));
        if update {
            std::fs::create_dir_all(&directory).unwrap();
            std::fs::write(&path, &text).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            stale.push(path.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "help changed (UPDATE_HELP=1 to accept): {stale:?}"
    );
}

/// The spec's two monitoring commands against a server that has pushed
/// samples, and the rest of the `monitor` group.
#[tokio::test]
async fn the_specs_monitor_commands_against_pushed_samples() {
    let (_dir, data) = data_file();
    let server = Server::start_with(&data, &["--alert-evaluation-interval", "1"]);
    let user = User::of(&server);
    let now = clusterdb::Timestamp::now().unix_millis() / 1000;
    let samples: Vec<Value> = (0..30)
        .flat_map(|i| {
            [
                serde_json::json!({"service": "web-service", "metric": "http_requests_total",
                    "labels": {"code": "200"}, "value": i * 50, "timestamp": now - 290 + i * 10}),
                serde_json::json!({"service": "web-service", "metric": "http_requests_total",
                    "labels": {"code": "500"}, "value": i * 150, "timestamp": now - 290 + i * 10}),
            ]
        })
        .collect();
    let pushed = user.run_with_stdin(
        &["monitor", "push", "-o", "json"],
        Some(Value::Array(samples).to_string().as_bytes()),
    );
    assert_eq!(pushed.json()["accepted"], 60);
    let text = "# TYPE queue_depth gauge\nqueue_depth 4\n";
    let file = _dir.path().join("samples.prom");
    std::fs::write(&file, text).unwrap();
    let pushed = user.run(&[
        "monitor",
        "push",
        "-f",
        file.to_str().unwrap(),
        "--service",
        "web-service",
        "-o",
        "json",
    ]);
    assert_eq!(pushed.json()["accepted"], 1);

    // The spec's example, verbatim.
    let run = user.cli("monitor metrics --service web-service --window 1h");
    let table = run.ok();
    let mut lines = table.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("web-service  window 1h  step 10s"),
        "{table}"
    );
    let header = lines.next().unwrap();
    for column in [
        "METRIC", "LABELS", "MIN", "MAX", "AVG", "LAST", "RATE/S", "TREND",
    ] {
        assert!(header.contains(column), "{header}");
    }
    let ok_row = table.lines().find(|l| l.contains("code=200")).unwrap();
    assert!(
        ok_row.contains("1450") && ok_row.contains(" 5 "),
        "{ok_row}"
    );
    assert!(
        ok_row.contains('▁') && ok_row.contains('█'),
        "a sparkline: {ok_row}"
    );
    assert!(
        table.lines().any(|l| l.starts_with("queue_depth")),
        "{table}"
    );
    let json = user
        .cli("monitor metrics --service web-service --window 1h -o json")
        .json();
    let series = json["series"].as_array().unwrap();
    assert_eq!(series.len(), 3);
    assert_eq!(series[0]["points"].as_array().unwrap().len(), 30);
    assert_eq!(series[1]["summary"]["rate"], 15.0);
    let yaml = yaml(&user.cli("monitor metrics --service web-service --window 1h -o yaml"));
    assert_eq!(yaml["series"], json["series"]);
    user.cli("monitor metrics --service web-service --window soon")
        .failed(1);

    // A rule that holds at once fires within an evaluation or two.
    let created = user.run(&[
        "monitor",
        "alert-rule",
        "create",
        "--name",
        "high-error-rate",
        "--service",
        "web-service",
        "--metric",
        "http_requests_total",
        "--label",
        "code=500",
        "--aggregation",
        "rate",
        "--window",
        "5m",
        "--op",
        ">",
        "--threshold",
        "10",
        "--for",
        "0s",
        "--severity",
        "critical",
        "--summary",
        "5xx rate above 10/s",
        "-o",
        "json",
    ]);
    let rule = created.json();
    assert_eq!(rule["for"], "0s");
    assert_eq!(rule["labels"]["code"], "500");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let alerts = loop {
        let run = user.cli("monitor alerts");
        if run.ok().contains("firing") {
            break run.ok().to_string();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "never fired: {run:#?}"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    let header = alerts.lines().next().unwrap();
    for column in ["STATE", "SEVERITY", "NAME", "SINCE", "VALUE", "SUMMARY"] {
        assert!(header.contains(column), "{header}");
    }
    let row = alerts.lines().nth(1).unwrap();
    for cell in [
        "firing",
        "critical",
        "high-error-rate",
        "15",
        "5xx rate above 10/s",
    ] {
        assert!(row.contains(cell), "{row}");
    }
    let listed = user.cli("monitor alerts --state firing -o json").json();
    assert_eq!(listed[0]["name"], "high-error-rate");
    assert!(
        user.cli("monitor alert-rule list")
            .ok()
            .contains("high-error-rate")
    );
    assert_eq!(
        user.cli("monitor alert-rule get high-error-rate -o json")
            .json()["id"],
        rule["id"]
    );

    // Silences: create, list, expire.
    let silence = user
        .cli("monitor silence create --matcher alertname=high-error-rate --duration 2h --comment deploy -o json")
        .json();
    assert_eq!(silence["state"], "active");
    assert_eq!(silence["matchers"][0]["name"], "alertname");
    let id = silence["id"].as_str().unwrap();
    assert!(user.cli("monitor silence list").ok().contains("active"));
    let expired = user
        .run(&["monitor", "silence", "expire", id, "-o", "json"])
        .json();
    assert_eq!(expired["state"], "expired");
    user.cli("monitor silence create --matcher nothing --duration 1h")
        .failed(2);

    user.cli("monitor alert-rule delete high-error-rate").ok();
    assert_eq!(
        user.cli("monitor alerts -o json").json(),
        serde_json::json!([])
    );
}

/// Tables at real terminal widths: one line per row, no line wider than
/// the terminal, every id whole.
#[tokio::test]
async fn tables_fit_a_terminal_and_never_break_an_id() {
    let (_dir, data) = data_file();
    let server = Server::start(&data);
    let user = User::of(&server);
    user.cli("compute fleet create --name table-fleet --capacity 3 --instance-type t3.medium --description a-long-description-that-would-not-fit-in-a-narrow-terminal")
        .ok();
    eventually("three instances", || async {
        let list = user.cli("compute instance list -o json").json();
        (list.as_array().map_or(0, Vec::len) == 3).then_some(())
    })
    .await;
    let ids: Vec<String> = user
        .cli("compute instance list -o json")
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect();
    for (columns, line) in [
        (120, "compute instance list"),
        (80, "compute instance list"),
        (60, "compute instance list -o wide"),
        (60, "compute fleet list -o wide"),
    ] {
        let text = user.in_terminal(columns, line);
        let lines: Vec<&str> = text.lines().filter(|l| !l.is_empty()).collect();
        for l in &lines {
            let width = l.chars().count();
            assert!(
                width <= usize::from(columns),
                "{line} at {columns}: {l:?}\n{text}"
            );
        }
        if line.starts_with("compute instance") {
            assert_eq!(lines.len(), 4, "{line} at {columns}:\n{text}");
            for id in &ids {
                assert!(
                    lines
                        .iter()
                        .any(|l| l.split_whitespace().next() == Some(id.as_str())),
                    "{id} not whole in {line} at {columns}:\n{text}"
                );
            }
        }
    }
    // A pipe gets every column whole.
    let piped = user.cli("compute fleet list -o wide").ok().to_string();
    assert!(
        piped.contains("a-long-description-that-would-not-fit-in-a-narrow-terminal"),
        "{piped}"
    );
}

/// The parser checks what it can (exit 2, naming the flag); negative
/// numbers reach the server, which names the field; an update without a
/// change is a usage error; delete takes several names.
#[tokio::test]
async fn the_parser_checks_flags_and_delete_takes_several_names() {
    let (_dir, data) = data_file();
    let server = Server::start(&data);
    let user = User::of(&server);
    for (line, flag) in [
        (
            "compute fleet create --name x --capacity 3",
            "--instance-type",
        ),
        ("compute fleet create", "--name"),
        (
            "compute fleet create --name x --capacity three --instance-type t3.medium",
            "--capacity",
        ),
        ("compute instance create --name vm", "--instance-type"),
        ("compute function create --name f", "--runtime"),
        ("identity user create", "--username"),
        ("identity group create", "--name"),
        ("compute fleet delete", "ID|NAME"),
    ] {
        let stderr = user.cli(line).failed(2).to_string();
        assert!(stderr.contains(flag), "{line}: {stderr}");
    }
    let stderr = user
        .cli("compute fleet create --name x --capacity -1 --instance-type t3.medium")
        .failed(1)
        .to_string();
    assert!(stderr.contains("capacity"), "{stderr}");

    for name in ["del-a", "del-b", "del-c"] {
        user.cli(&format!(
            "compute fleet create --name {name} --capacity 1 --instance-type t3.medium"
        ))
        .ok();
    }
    let stderr = user.cli("compute fleet update del-a").failed(2).to_string();
    assert!(stderr.contains("nothing to change"), "{stderr}");
    user.cli("compute fleet delete del-a del-b").ok();
    let left = user.cli("compute fleet list -o json").json();
    let states: Vec<(String, String)> = left
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["name"].as_str().unwrap().into(),
                f["status"].as_str().unwrap().into(),
            )
        })
        .collect();
    for (name, status) in &states {
        if name == "del-c" {
            assert_eq!(status, "active");
        } else {
            assert_eq!(status, "deleting", "{name}");
        }
    }
}

/// Errors with a way forward: a missing `--config` file, a malformed
/// credential, a NOT_FOUND of a namespaced kind, the pagination hint after
/// the table, a watch the server ends, and the `mesh apply --help`
/// template applying as pasted.
#[tokio::test]
async fn errors_say_what_to_do_next() {
    let (dir, data) = data_file();
    let server = Server::start(&data);
    let user = User::of(&server);

    let missing = dir.path().join("no-such-config.yaml");
    let stderr = user
        .run(&[
            "--config",
            missing.to_str().unwrap(),
            "compute",
            "fleet",
            "list",
        ])
        .failed(2)
        .to_string();
    assert!(
        stderr.contains("no-such-config.yaml") && stderr.contains("does not exist"),
        "{stderr}"
    );

    let mut stranger = User::of(&server);
    stranger.set("CLUSTERDB_API_KEY", "garbage");
    let stderr = stranger.cli("compute fleet list").failed(3).to_string();
    assert!(
        stderr.contains("not a valid API key or access token"),
        "{stderr}"
    );
    assert!(stderr.contains("hint:"), "{stderr}");

    let stderr = user
        .cli("mesh get virtual-service web-vs")
        .failed(1)
        .to_string();
    assert_eq!(
        stderr.trim(),
        "NOT_FOUND: virtual service \"default/web-vs\" not found"
    );

    for i in 0..3 {
        user.cli(&format!(
            "compute fleet create --name page-{i} --capacity 1 --instance-type t3.medium"
        ))
        .ok();
    }
    let text = user.in_terminal(120, "compute fleet list --page-size 2");
    let header = text.find("ID ").expect("a table");
    let hint = text.find("more fleets follow").expect("a hint");
    assert!(header < hint, "the hint comes after the table:\n{text}");

    // The template in `mesh apply --help` applies as pasted.
    let help = user.cli("mesh apply --help").ok().to_string();
    let template: String = help
        .lines()
        .skip_while(|l| !l.starts_with("Documents"))
        .skip(2)
        .take_while(|l| !l.is_empty())
        .map(|l| format!("{}\n", l.strip_prefix("  ").unwrap_or(l)))
        .collect();
    let file = dir.path().join("template.yaml");
    std::fs::write(&file, &template).unwrap();
    user.run(&["mesh", "apply", "-f", file.to_str().unwrap()])
        .ok();

    // A watch the server ends: a line on stderr, exit 3.
    let mut watch = user.command(env!("CARGO_BIN_EXE_clusterdb"));
    watch
        .args(["events", "watch"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    let watcher = watch.spawn().unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(server.terminate().code(), Some(0));
    let output = watcher.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("the server ended the watch"), "{stderr}");
}
