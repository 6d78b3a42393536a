//! Starts and stops the real server.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};

/// A running `clusterdb serve`.
pub struct Server {
    child: Option<Child>,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The separate gRPC address, when started with one.
    pub grpc_base: Option<String>,
    /// The bootstrap admin's API key, from `<data>.admin-key` (empty when
    /// the store was bootstrapped by another server and none was written
    /// here).
    pub key: String,
}

impl Server {
    /// Starts the server on a free port with `data` as its data file and
    /// waits until it listens.
    pub fn start(data: &Path) -> Server {
        Self::start_with(data, &[])
    }

    /// Like [`Server::start`], with more arguments.
    pub fn start_with(data: &Path, extra: &[&str]) -> Server {
        let mut command = serve_command(data, extra);
        command.stderr(Stdio::null());
        Self::spawn(command, extra, data)
    }

    /// Starts the server with a file size limit of `blocks` (of `ulimit -f`)
    /// and SIGXFSZ ignored: writes past it fail as on a full disk.
    pub fn start_with_file_limit(data: &Path, blocks: u32) -> Server {
        let script = format!(
            "trap '' XFSZ; ulimit -f {blocks} && exec \"$0\" serve --data \"$1\" --listen 127.0.0.1:0"
        );
        let mut command = Command::new("sh");
        command
            .args(["-c", &script, env!("CARGO_BIN_EXE_clusterdb")])
            .arg(data)
            .stderr(Stdio::piped());
        isolate(&mut command, data);
        Self::spawn(command, &[], data)
    }

    /// Starts `command` (a `clusterdb serve` with `--listen 127.0.0.1:0`)
    /// and waits until it listens.
    pub fn spawn_command(mut command: Command, data: &Path) -> Server {
        command.stderr(Stdio::null());
        Self::spawn(command, &[], data)
    }

    fn spawn(mut command: Command, extra: &[&str], data: &Path) -> Server {
        let mut child = command
            .stdout(Stdio::piped())
            .spawn()
            .expect("the clusterdb binary starts");
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut read = |prefix: &str| {
            let mut line = String::new();
            stdout.read_line(&mut line).unwrap();
            line.trim()
                .strip_prefix(prefix)
                .unwrap_or_else(|| panic!("expected {prefix:?}, got {line:?}"))
                .to_string()
        };
        let base = read("listening on ");
        let grpc_base = extra
            .contains(&"--grpc-listen")
            .then(|| read("grpc listening on "));
        // Written before the listener accepts connections.
        let key = std::fs::read_to_string(admin_key_path(data))
            .map(|k| k.trim().to_string())
            .unwrap_or_default();
        Server {
            child: Some(child),
            base,
            grpc_base,
            key,
        }
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().unwrap().id()
    }

    /// An SDK client authenticated as the bootstrap admin.
    pub fn client(&self) -> clusterdb_client::Client {
        self.client_with(&self.key)
    }

    /// An SDK client authenticated with `key`.
    pub fn client_with(&self, key: &str) -> clusterdb_client::Client {
        clusterdb_client::Client::new(&self.base)
            .unwrap()
            .with_api_key(key)
            .unwrap()
    }

    /// A gRPC channel to the server and the bootstrap admin's credentials,
    /// for `XServiceClient::with_interceptor(channel, auth)`.
    pub async fn grpc(&self) -> (tonic::transport::Channel, clusterdb_client::BearerAuth) {
        let channel = tonic::transport::Endpoint::from_shared(self.base.clone())
            .unwrap()
            .connect()
            .await
            .unwrap();
        (
            channel,
            clusterdb_client::BearerAuth::new(&self.key).unwrap(),
        )
    }

    /// A plain HTTP client that sends the bootstrap admin's key with every
    /// request.
    pub fn http(&self) -> reqwest::Client {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            reqwest::header::AUTHORIZATION,
            self.bearer().parse().unwrap(),
        );
        reqwest::Client::builder()
            .default_headers(headers)
            .build()
            .unwrap()
    }

    /// `GET {base}{path}` as the bootstrap admin: the JSON answer.
    pub async fn get_json(&self, path: &str) -> serde_json::Value {
        let request = self.http().get(format!("{}{path}", self.base));
        request.send().await.unwrap().json().await.unwrap()
    }

    /// The bootstrap admin's user id.
    pub async fn admin_id(&self) -> String {
        let users = self.get_json("/v1/users?name=admin").await;
        users["users"][0]["id"].as_str().unwrap().to_string()
    }

    /// A gRPC identity client sending `bearer`.
    pub async fn identity_grpc(
        &self,
        bearer: &str,
    ) -> clusterdb_proto::identity::v1::IdentityServiceClient<
        tonic::service::interceptor::InterceptedService<
            tonic::transport::Channel,
            clusterdb_client::BearerAuth,
        >,
    > {
        let channel = tonic::transport::Endpoint::from_shared(self.base.clone())
            .unwrap()
            .connect()
            .await
            .unwrap();
        clusterdb_proto::identity::v1::IdentityServiceClient::with_interceptor(
            channel,
            clusterdb_client::BearerAuth::new(bearer).unwrap(),
        )
    }

    /// The `Authorization` header value of the bootstrap admin.
    pub fn bearer(&self) -> String {
        format!("Bearer {}", self.key)
    }

    /// Waits up to `limit` for the server to exit by itself; returns its
    /// status and what it wrote to stderr (if captured).
    pub fn wait_for_exit(mut self, limit: std::time::Duration) -> (ExitStatus, String) {
        let mut child = self.child.take().unwrap();
        let deadline = std::time::Instant::now() + limit;
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the server did not exit within {limit:?}"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        };
        let mut stderr = String::new();
        if let Some(mut pipe) = child.stderr.take() {
            let _ = std::io::Read::read_to_string(&mut pipe, &mut stderr);
        }
        (status, stderr)
    }

    /// SIGKILLs the server (no chance to finish anything) and reaps it.
    pub fn kill(mut self) {
        let mut child = self.child.take().unwrap();
        child.kill().unwrap();
        child.wait().unwrap();
    }

    /// Sends SIGTERM and waits for the exit.
    pub fn terminate(mut self) -> ExitStatus {
        let mut child = self.child.take().unwrap();
        let status = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        child.wait().unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Keeps the tester's own configuration file out of a server's start:
/// `HOME` is the data file's directory and `CLUSTERDB_*` settings unset.
pub fn isolate(command: &mut Command, data: &Path) {
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("CLUSTERDB_") {
            command.env_remove(name);
        }
    }
    command.env("HOME", data.parent().unwrap_or(Path::new("/nonexistent")));
}

/// Where `serve` writes the bootstrap admin key of the store at `data`.
/// `clusterdb serve` on `data` and a free loopback port, with `extra`.
pub fn serve_command(data: &Path, extra: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_clusterdb"));
    command
        .arg("serve")
        .arg("--data")
        .arg(data)
        .args(["--listen", "127.0.0.1:0"])
        .args(extra);
    isolate(&mut command, data);
    command
}

/// Runs a server that must refuse to start: its exit code and stderr.
pub fn refused(mut command: Command) -> (Option<i32>, String) {
    let output = command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

pub fn admin_key_path(data: &Path) -> PathBuf {
    let mut path = data.as_os_str().to_owned();
    path.push(".admin-key");
    PathBuf::from(path)
}

/// A data file in a fresh temporary directory.
pub fn data_file() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data.redb");
    (dir, path)
}
