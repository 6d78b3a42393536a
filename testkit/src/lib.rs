//! Test support: start real `etcd` members on loopback ports for tests and
//! benchmarks, and stop them (SIGKILL) on demand or when dropped; a redb
//! backend that fails on demand ([`FaultyBackend`]); corpus mutation for
//! fuzz bodies; WebAssembly fixtures for the `wasm` runtime ([`wasm`]);
//! the repository's hygiene checks ([`tidy`]); [`eventually`], the one
//! polling loop of the tests.
//!
//! The `etcd` binary is taken from `$ETCD_BIN` or `PATH` (Debian:
//! `apt-get install etcd-server`).

mod faults;
mod poll;
pub mod tidy;
pub mod wasm;
pub use faults::{FaultSwitch, FaultyBackend};
pub use poll::eventually;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// One etcd member process.
struct Member {
    name: String,
    client_url: String,
    peer_url: String,
    process: Option<Child>,
}

/// A running etcd cluster of one or more members on 127.0.0.1.
pub struct EtcdCluster {
    dir: tempfile::TempDir,
    members: Vec<Member>,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

fn etcd_binary() -> PathBuf {
    std::env::var_os("ETCD_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("etcd"))
}

/// Whether `GET /health` on the member answers healthy.
fn healthy(client_url: &str) -> bool {
    let addr = client_url.trim_start_matches("http://");
    let Ok(mut stream) = TcpStream::connect(addr) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    let request = format!("GET /health HTTP/1.0\r\nHost: {addr}\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    response.contains("\"health\":\"true\"")
}

impl EtcdCluster {
    /// Starts `members` members and waits until every one is healthy.
    /// Panics with a clear message if etcd is missing or does not start.
    pub fn start(members: usize) -> Self {
        let mut last_failure = String::new();
        for _attempt in 0..3 {
            match Self::try_start(members) {
                Ok(cluster) => return cluster,
                // A port picked as free may have been taken meanwhile.
                Err(failure) => last_failure = failure,
            }
        }
        panic!("could not start etcd: {last_failure}");
    }

    fn try_start(count: usize) -> Result<Self, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let token = format!("clusterdb-test-{}-{}", std::process::id(), free_port());
        let mut members: Vec<Member> = (0..count)
            .map(|i| Member {
                name: format!("m{i}"),
                client_url: format!("http://127.0.0.1:{}", free_port()),
                peer_url: format!("http://127.0.0.1:{}", free_port()),
                process: None,
            })
            .collect();
        let initial_cluster = members
            .iter()
            .map(|m| format!("{}={}", m.name, m.peer_url))
            .collect::<Vec<_>>()
            .join(",");
        let mut cluster = EtcdCluster {
            dir,
            members: Vec::new(),
        };
        for member in &mut members {
            let data_dir = cluster.dir.path().join(&member.name);
            let log =
                std::fs::File::create(cluster.dir.path().join(format!("{}.log", member.name)))
                    .map_err(|e| e.to_string())?;
            let child = Command::new(etcd_binary())
                .args(["--name", &member.name])
                .arg("--data-dir")
                .arg(&data_dir)
                .args(["--listen-client-urls", &member.client_url])
                .args(["--advertise-client-urls", &member.client_url])
                .args(["--listen-peer-urls", &member.peer_url])
                .args(["--initial-advertise-peer-urls", &member.peer_url])
                .args(["--initial-cluster", &initial_cluster])
                .args(["--initial-cluster-state", "new"])
                .args(["--initial-cluster-token", &token])
                .args(["--logger", "zap", "--log-level", "error"])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .map_err(|e| {
                    format!("cannot run {:?} ({e}); install etcd (apt-get install etcd-server) or set ETCD_BIN", etcd_binary())
                })?;
            member.process = Some(child);
        }
        cluster.members = members;
        let deadline = Instant::now() + Duration::from_secs(30);
        for i in 0..cluster.members.len() {
            while !healthy(&cluster.members[i].client_url) {
                if let Some(process) = cluster.members[i].process.as_mut()
                    && let Ok(Some(status)) = process.try_wait()
                {
                    let log = std::fs::read_to_string(cluster.dir.path().join(format!("m{i}.log")))
                        .unwrap_or_default();
                    return Err(format!("member m{i} exited with {status}: {log}"));
                }
                if Instant::now() > deadline {
                    return Err(format!("member m{i} did not become healthy in 30 s"));
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        Ok(cluster)
    }

    /// Client URLs of all members, e.g. `http://127.0.0.1:41234`.
    pub fn endpoints(&self) -> Vec<String> {
        self.members.iter().map(|m| m.client_url.clone()).collect()
    }

    /// Kills member `index` with SIGKILL and waits for it to exit.
    pub fn kill(&mut self, index: usize) {
        if let Some(mut process) = self.members[index].process.take() {
            let _ = process.kill();
            let _ = process.wait();
        }
    }
}

impl Drop for EtcdCluster {
    fn drop(&mut self) {
        for i in 0..self.members.len() {
            self.kill(i);
        }
    }
}

/// Calls `run` with `input`, every prefix of it, and every single-byte
/// mutation (flipping the low bit, the high bit, or all bits): the
/// corpus-driven part of running a fuzz target's body as a test.
pub fn each_mutation(input: &[u8], mut run: impl FnMut(&[u8])) {
    run(input);
    for cut in 0..input.len() {
        run(&input[..cut]);
    }
    let mut mutated = input.to_vec();
    for i in 0..input.len() {
        for bits in [0x01u8, 0x80, 0xff] {
            mutated[i] ^= bits;
            run(&mutated);
            mutated[i] ^= bits;
        }
    }
}
