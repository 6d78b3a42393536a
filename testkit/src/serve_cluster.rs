//! A scaled-out deployment on loopback for end-to-end fault tests: an etcd
//! cluster and several `clusterdb serve` processes sharing it, each of
//! which a test can SIGKILL and restart, or SIGSTOP and resume.
//!
//! The first server bootstraps the store (its admin key is
//! [`ServeCluster::admin_key`]); the others get a copy of its master key
//! file, as an operator would give them. Servers listen on ports they
//! pick and print; everything is killed when the cluster is dropped.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::etcd::http;
use crate::{EtcdCluster, signal};

/// One `clusterdb serve` process of a [`ServeCluster`].
pub struct ServeProcess {
    child: Option<Child>,
    /// `http://127.0.0.1:PORT` (the same port after a restart).
    pub base: String,
    data: PathBuf,
    args: Vec<String>,
    log: PathBuf,
}

/// An etcd cluster and the servers sharing it.
pub struct ServeCluster {
    /// The etcd members.
    pub etcd: EtcdCluster,
    /// The servers, in start order.
    pub servers: Vec<ServeProcess>,
    binary: PathBuf,
    admin_key: String,
    dir: tempfile::TempDir,
}

/// Appends `suffix` to a path's file name (`data.redb` → `data.redb.x`).
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

impl ServeProcess {
    /// Whether the process is running (neither killed nor exited).
    pub fn running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("running").id()
    }

    /// SIGKILLs the server and reaps it.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// SIGSTOPs the server: it holds its connections and answers nothing.
    pub fn pause(&self) {
        signal(self.pid(), "STOP");
    }

    /// SIGCONTs a paused server.
    pub fn resume(&self) {
        signal(self.pid(), "CONT");
    }

    /// What the server wrote to stderr so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl ServeCluster {
    /// Starts `members` etcd members and `servers` servers of `binary`
    /// (the `clusterdb` executable) on them, each with `extra` arguments.
    pub fn start(binary: &Path, members: usize, servers: usize, extra: &[&str]) -> Self {
        let etcd = EtcdCluster::start(members);
        let store = etcd.store_url();
        let dir = tempfile::tempdir().expect("a temporary directory");
        let mut cluster = ServeCluster {
            etcd,
            servers: Vec::new(),
            binary: binary.to_path_buf(),
            admin_key: String::new(),
            dir,
        };
        for i in 0..servers {
            let data = cluster.dir.path().join(format!("s{i}")).join("data.redb");
            std::fs::create_dir_all(data.parent().expect("a parent")).expect("a server directory");
            if i > 0 {
                let first = &cluster.servers[0].data;
                std::fs::copy(
                    with_suffix(first, ".master-key"),
                    with_suffix(&data, ".master-key"),
                )
                .expect("the first server wrote the store's master key");
            }
            let mut args: Vec<String> = ["--store", &store, "--listen", "127.0.0.1:0"]
                .iter()
                .map(|s| s.to_string())
                .collect();
            args.extend(extra.iter().map(|s| s.to_string()));
            let log = cluster.dir.path().join(format!("s{i}.log"));
            let mut server = ServeProcess {
                child: None,
                base: String::new(),
                data,
                args,
                log,
            };
            Self::spawn(&cluster.binary, &mut server);
            if i == 0 {
                cluster.admin_key =
                    std::fs::read_to_string(with_suffix(&server.data, ".admin-key"))
                        .expect("the first server bootstrapped the store")
                        .trim()
                        .to_string();
            }
            cluster.servers.push(server);
        }
        cluster
    }

    /// Starts `server`'s process of `binary` and waits until it listens;
    /// a restart keeps its port.
    fn spawn(binary: &Path, server: &mut ServeProcess) {
        let mut args = server.args.clone();
        if !server.base.is_empty() {
            let at = args.iter().position(|a| a == "--listen").expect("--listen") + 1;
            args[at] = server.base.trim_start_matches("http://").to_string();
        }
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&server.log)
            .expect("a log file");
        let mut command = Command::new(binary);
        command
            .arg("serve")
            .arg("--data")
            .arg(&server.data)
            .args(&args);
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("CLUSTERDB_") {
                command.env_remove(name);
            }
        }
        let mut child = command
            .env("HOME", server.data.parent().expect("a parent"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("the clusterdb binary starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("piped"))
            .read_line(&mut line)
            .expect("the server's first line");
        let base = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| {
                panic!(
                    "expected \"listening on …\", got {line:?}; log:\n{}",
                    std::fs::read_to_string(&server.log).unwrap_or_default()
                )
            })
            .to_string();
        server.base = base;
        server.child = Some(child);
    }

    /// Starts server `i` again after a kill, on its port.
    pub fn restart(&mut self, i: usize) {
        let server = &mut self.servers[i];
        server.kill();
        Self::spawn(&self.binary, server);
    }

    /// The bootstrap admin's API key.
    pub fn admin_key(&self) -> &str {
        &self.admin_key
    }

    /// Which servers say they lead the background work now; see
    /// [`LeaderProbe::leaders`].
    pub fn leaders(&self) -> Vec<usize> {
        self.leader_probe().leaders()
    }

    /// What asks the servers who leads, usable apart from the cluster
    /// (servers keep their addresses across restarts).
    pub fn leader_probe(&self) -> LeaderProbe {
        LeaderProbe {
            bases: self.servers.iter().map(|s| s.base.clone()).collect(),
            auth: format!("Authorization: Bearer {}\r\n", self.admin_key),
        }
    }

    /// Waits up to `limit` for exactly one server to lead; its index.
    pub fn wait_for_leader(&self, limit: Duration) -> usize {
        let deadline = Instant::now() + limit;
        loop {
            if let [leader] = self.leaders()[..] {
                return leader;
            }
            assert!(
                Instant::now() < deadline,
                "no single leader within {limit:?}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// Asks a [`ServeCluster`]'s servers who leads.
#[derive(Debug, Clone)]
pub struct LeaderProbe {
    bases: Vec<String>,
    auth: String,
}

impl LeaderProbe {
    /// The servers whose `clusterdb_leader` gauge is 1 now; a server that
    /// does not answer within half a second counts as not leading.
    pub fn leaders(&self) -> Vec<usize> {
        (0..self.bases.len())
            .filter(|&i| {
                http(&self.bases[i], "GET", "/metrics", &self.auth, "").is_some_and(|answer| {
                    answer
                        .lines()
                        .any(|line| line.trim() == "clusterdb_leader 1")
                })
            })
            .collect()
    }
}

impl Drop for ServeCluster {
    fn drop(&mut self) {
        for server in &mut self.servers {
            server.kill();
        }
    }
}
