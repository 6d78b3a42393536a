//! Real etcd members on loopback ports, and the faults a test injects into
//! them: SIGKILL ([`EtcdCluster::kill`]) and a restart on the same data
//! ([`EtcdCluster::restart`]), SIGSTOP/SIGCONT ([`EtcdCluster::pause`],
//! [`EtcdCluster::resume`]). Every member is killed when the cluster is
//! dropped.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::signal;

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
    initial_cluster: String,
    token: String,
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

/// An HTTP/1.0 request to `base` (`http://host:port`) with extra header
/// lines; the whole answer, or `None` if it could not be sent.
pub(crate) fn http(
    base: &str,
    method: &str,
    path: &str,
    headers: &str,
    body: &str,
) -> Option<String> {
    let addr = base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(addr).ok()?;
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    let request = format!(
        "{method} {path} HTTP/1.0\r\nHost: {addr}\r\n{headers}Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).ok()?;
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    Some(response)
}

/// Whether `GET /health` on the member answers healthy.
fn healthy(client_url: &str) -> bool {
    http(client_url, "GET", "/health", "", "").is_some_and(|r| r.contains("\"health\":\"true\""))
}

/// The string value of `"key":"value"` in a JSON text.
fn json_string<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    let start = text.find(&format!("\"{key}\":\""))? + key.len() + 4;
    let len = text[start..].find('"')?;
    Some(&text[start..start + len])
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
        let members: Vec<Member> = (0..count)
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
            members,
            initial_cluster,
            token,
        };
        for i in 0..count {
            cluster.spawn(i)?;
        }
        for i in 0..count {
            cluster.wait_healthy(i, Duration::from_secs(30))?;
        }
        Ok(cluster)
    }

    /// Starts member `i`'s process (on its data directory, which it keeps
    /// across restarts).
    fn spawn(&mut self, i: usize) -> Result<(), String> {
        let member = &self.members[i];
        let data_dir = self.dir.path().join(&member.name);
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.path().join(format!("{}.log", member.name)))
            .map_err(|e| e.to_string())?;
        let child = Command::new(etcd_binary())
            .args(["--name", &member.name])
            .arg("--data-dir")
            .arg(&data_dir)
            .args(["--listen-client-urls", &member.client_url])
            .args(["--advertise-client-urls", &member.client_url])
            .args(["--listen-peer-urls", &member.peer_url])
            .args(["--initial-advertise-peer-urls", &member.peer_url])
            .args(["--initial-cluster", &self.initial_cluster])
            .args(["--initial-cluster-state", "new"])
            .args(["--initial-cluster-token", &self.token])
            .args(["--logger", "zap", "--log-level", "error"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .map_err(|e| {
                format!(
                    "cannot run {:?} ({e}); install etcd (apt-get install etcd-server) or set ETCD_BIN",
                    etcd_binary()
                )
            })?;
        self.members[i].process = Some(child);
        Ok(())
    }

    fn wait_healthy(&mut self, i: usize, limit: Duration) -> Result<(), String> {
        let deadline = Instant::now() + limit;
        while !healthy(&self.members[i].client_url) {
            if let Some(process) = self.members[i].process.as_mut()
                && let Ok(Some(status)) = process.try_wait()
            {
                let log = std::fs::read_to_string(self.dir.path().join(format!("m{i}.log")))
                    .unwrap_or_default();
                return Err(format!("member m{i} exited with {status}: {log}"));
            }
            if Instant::now() > deadline {
                return Err(format!("member m{i} did not become healthy in {limit:?}"));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(())
    }

    /// Client URLs of all members, e.g. `http://127.0.0.1:41234`.
    pub fn endpoints(&self) -> Vec<String> {
        self.members.iter().map(|m| m.client_url.clone()).collect()
    }

    /// The cluster as `clusterdb serve --store` names it:
    /// `etcd://host:port,host:port,…`.
    pub fn store_url(&self) -> String {
        let hosts: Vec<&str> = self
            .members
            .iter()
            .map(|m| m.client_url.trim_start_matches("http://"))
            .collect();
        format!("etcd://{}", hosts.join(","))
    }

    /// Kills member `index` with SIGKILL and waits for it to exit.
    pub fn kill(&mut self, index: usize) {
        if let Some(mut process) = self.members[index].process.take() {
            // A paused process dies of SIGKILL too.
            let _ = process.kill();
            let _ = process.wait();
        }
    }

    /// Starts member `index` again after [`EtcdCluster::kill`], on the
    /// data it had, and waits until it is healthy (rejoined).
    pub fn restart(&mut self, index: usize) {
        assert!(self.members[index].process.is_none(), "m{index} is running");
        self.spawn(index)
            .and_then(|()| self.wait_healthy(index, Duration::from_secs(30)))
            .unwrap_or_else(|e| panic!("restarting m{index}: {e}"));
    }

    /// Stops member `index` with SIGSTOP: its connections stay open and
    /// nothing answers, as a hung machine.
    pub fn pause(&self, index: usize) {
        let process = self.members[index].process.as_ref().expect("running");
        signal(process.id(), "STOP");
    }

    /// Lets a paused member go on (SIGCONT).
    pub fn resume(&self, index: usize) {
        let process = self.members[index].process.as_ref().expect("running");
        signal(process.id(), "CONT");
    }

    /// The index of the member that is the Raft leader now, as the
    /// running members report it (`None` while they have none).
    pub fn leader(&self) -> Option<usize> {
        let statuses: Vec<(usize, String)> = (0..self.members.len())
            .filter(|&i| self.members[i].process.is_some())
            .filter_map(|i| {
                let status = http(
                    &self.members[i].client_url,
                    "POST",
                    "/v3/maintenance/status",
                    "",
                    "{}",
                )?;
                Some((i, status))
            })
            .collect();
        statuses.iter().find_map(|(i, status)| {
            let leader = json_string(status, "leader")?;
            (json_string(status, "member_id")? == leader).then_some(*i)
        })
    }

    /// [`EtcdCluster::leader`], waiting up to `limit` for there to be one.
    pub fn wait_for_leader(&self, limit: Duration) -> usize {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(leader) = self.leader() {
                return leader;
            }
            assert!(
                Instant::now() < deadline,
                "etcd elected no leader in {limit:?}"
            );
            std::thread::sleep(Duration::from_millis(50));
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

#[cfg(test)]
mod tests {
    use super::json_string;

    #[test]
    fn reads_string_fields_of_a_status_answer() {
        let status =
            r#"{"header":{"cluster_id":"1","member_id":"42","revision":"7"},"leader":"42"}"#;
        assert_eq!(json_string(status, "member_id"), Some("42"));
        assert_eq!(json_string(status, "leader"), Some("42"));
        assert_eq!(json_string(status, "absent"), None);
    }
}
