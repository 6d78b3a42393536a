//! The etcd members the engine talks to, and failover between them.
//!
//! etcd-client's balanced channel keeps a member that refuses connections
//! in its rotation, so one dead member of three failed a third of all
//! requests. Instead the engine holds one client per member and sends each
//! request to one *preferred* member:
//!
//! - A prober asks every member a linearizable question (a count-only read
//!   of the format key, which needs the member to reach a quorum) every
//!   [`PROBE_INTERVAL`], bounded by [`PROBE_TIMEOUT`], and rates it
//!   ([`Health`]): *up*; *without quorum* (it answers, but with an
//!   `etcdserver:` error such as "no leader", as every member does during
//!   an election); *silent* (no connection, or no answer in time). A
//!   request that fails on a member rates it at once.
//! - A request goes to the preferred member while it is up, else to the
//!   best rated: the members that are up, then those without quorum, then
//!   the silent ones (all are tried). Each process starts preferring a
//!   different member, so several servers spread over the cluster.
//! - A **read** (and any conditioned write that is safe to repeat) is sent
//!   again to the next member after any failure but a refusal, each
//!   attempt bounded so a hung member costs a fraction of the request
//!   timeout. A **commit** is sent again only when it never left this
//!   process (no connection), or a member turned it away for want of a
//!   leader (nothing was proposed): one that may have reached raft has an
//!   unknown outcome and is never repeated blindly.
//! - While every member answers that there is no leader (an election,
//!   after the leader died), reads and commits wait for one, polling, for
//!   at most [`ELECTION_WAIT`], instead of failing at once. A read that
//!   failed on every member for any other reason (followers time out or
//!   answer "leader changed" until a new leader is elected) is tried again
//!   the same way: it is safe to repeat.
//! - Long-lived streams (the watch, the leader's lease renewal) ask
//!   [`Members::silences`] to leave a member that stopped answering.

use std::future::Future;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use etcd_client::{Channel, Client, ConnectOptions, GetOptions, GetResponse, Txn, TxnResponse};
use tokio::sync::watch;
use tonic::transport::Endpoint;

use super::errors::{leaderless, never_sent, refused};
use super::options::EtcdOptions;
use crate::error::Error;

/// How often every member is probed.
pub(super) const PROBE_INTERVAL: Duration = Duration::from_millis(300);
/// How long a probe may take before its member counts as down.
pub(super) const PROBE_TIMEOUT: Duration = Duration::from_millis(800);
/// The least time a read attempt on one member is given.
const MIN_ATTEMPT: Duration = Duration::from_secs(1);
/// How long a request waits out an election (every member answering that
/// there is no leader) before it fails: etcd elects within about two
/// election timeouts (1 s each by default).
const ELECTION_WAIT: Duration = Duration::from_secs(3);
/// The pause between tries while the cluster has no leader.
const ELECTION_POLL: Duration = Duration::from_millis(100);

/// How a member answered last, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub(super) enum Health {
    /// It serves requests.
    Up = 0,
    /// It answers, but cannot serve (no leader, leader changed, a timeout
    /// inside etcd): the cluster may be electing a leader, or this member
    /// is cut off from the others.
    NoQuorum = 1,
    /// No connection, or no answer in time.
    Silent = 2,
}

impl Health {
    fn from_u8(value: u8) -> Health {
        match value {
            0 => Health::Up,
            1 => Health::NoQuorum,
            _ => Health::Silent,
        }
    }

    /// How a failed request rates the member it went to.
    pub(super) fn of(err: &etcd_client::Error) -> Health {
        match err {
            etcd_client::Error::GRpcStatus(status)
                if status.message().starts_with("etcdserver:") =>
            {
                Health::NoQuorum
            }
            _ => Health::Silent,
        }
    }
}

/// One member: its address, its client (connected lazily), its
/// [`Health`], and a counter bumped each time it falls silent.
struct Member {
    endpoint: String,
    client: Client,
    health: AtomicU8,
    silences: watch::Sender<u64>,
}

/// The cluster's members; see the module documentation.
pub(super) struct Members {
    members: Vec<Member>,
    preferred: AtomicUsize,
    /// The limit of one read attempt.
    attempt: Duration,
    /// The key the prober reads.
    probe_key: Vec<u8>,
}

impl Members {
    /// Makes a client for every endpoint (none connects yet), then probes
    /// them until one serves (for at most the connect and request timeouts
    /// together): the members that cannot serve are named in a warning; if
    /// none can, the error names every one with its failure.
    pub(super) async fn connect(
        endpoints: &[String],
        options: &EtcdOptions,
        probe_key: Vec<u8>,
    ) -> Result<Arc<Self>, Error> {
        if endpoints.is_empty() {
            return Err(Error::Unavailable("no etcd endpoint given".into()));
        }
        let mut members = Vec::with_capacity(endpoints.len());
        for endpoint in endpoints {
            let unusable = |err: String| {
                Error::Unavailable(format!("cannot use the etcd endpoint {endpoint}: {err}"))
            };
            // A plain channel, not a balanced one: a refused connection
            // fails the request at once (and it goes to another member)
            // rather than holding it until the timeout.
            // As etcd-client does: a bare `host:port` is plain HTTP.
            let url = match endpoint.contains("://") {
                true => endpoint.clone(),
                false => format!("http://{endpoint}"),
            };
            let channel = Endpoint::from_shared(url)
                .map_err(|err| unusable(err.to_string()))?
                .timeout(options.request_timeout)
                .connect_timeout(options.connect_timeout)
                .http2_keep_alive_interval(Duration::from_secs(10))
                .keep_alive_timeout(Duration::from_secs(5))
                .connect_lazy();
            // A member cut off from its quorum fails requests at once ("no
            // leader") instead of holding them.
            let client_options = ConnectOptions::new().with_require_leader(true);
            let client = Client::from_channel(Channel::Tonic(channel), Some(client_options))
                .await
                .map_err(|err| unusable(err.to_string()))?;
            members.push(Member {
                endpoint: endpoint.clone(),
                client,
                health: AtomicU8::new(Health::Up as u8),
                silences: watch::Sender::new(0),
            });
        }
        let count = members.len() as u32;
        let members = Arc::new(Members {
            preferred: AtomicUsize::new(std::process::id() as usize % members.len()),
            members,
            attempt: (options.request_timeout / count)
                .max(MIN_ATTEMPT)
                .min(options.request_timeout),
            probe_key,
        });
        // Until one member serves: right after a member died the others
        // may still be electing a leader, which is no reason not to start.
        let deadline = Instant::now() + options.connect_timeout + options.request_timeout;
        loop {
            let probes = (0..members.members.len()).map(|i| {
                let members = Arc::clone(&members);
                async move { (i, members.probe(i).await) }
            });
            let answers = futures_util::future::join_all(probes).await;
            let failing: Vec<String> = answers
                .iter()
                .filter_map(|(i, answer)| {
                    let (health, why) = answer.as_ref().err()?;
                    members.rate(*i, *health);
                    Some(format!("{} ({why})", members.members[*i].endpoint))
                })
                .collect();
            if failing.len() < members.members.len() {
                if !failing.is_empty() {
                    tracing::warn!(
                        unreachable = %failing.join("; "),
                        "some etcd members cannot serve; using the others"
                    );
                }
                return Ok(members);
            }
            if Instant::now() >= deadline {
                return Err(Error::Unavailable(format!(
                    "no etcd member can serve: {}",
                    failing.join("; ")
                )));
            }
            tokio::time::sleep(PROBE_INTERVAL).await;
        }
    }

    /// Asks member `i` the probe question; a failure's rating and text.
    async fn probe(&self, i: usize) -> Result<(), (Health, String)> {
        let options = GetOptions::new().with_count_only();
        let mut kv = self.members[i].client.kv_client();
        let ask = kv.get(self.probe_key.clone(), Some(options));
        match tokio::time::timeout(PROBE_TIMEOUT, ask).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(err)) => Err((Health::of(&err), describe(&err))),
            Err(_) => Err((
                Health::Silent,
                format!("no answer in {} ms", PROBE_TIMEOUT.as_millis()),
            )),
        }
    }

    /// Probes every member every [`PROBE_INTERVAL`] until the engine is
    /// gone.
    pub(super) async fn run_prober(members: Weak<Self>) {
        loop {
            tokio::time::sleep(PROBE_INTERVAL).await;
            let Some(members) = members.upgrade() else {
                return;
            };
            let probes = (0..members.members.len()).map(|i| {
                let members = &members;
                async move { (i, members.probe(i).await) }
            });
            for (i, answer) in futures_util::future::join_all(probes).await {
                match answer {
                    Ok(()) => members.rate(i, Health::Up),
                    Err((health, why)) => {
                        if members.health(i) == Health::Up {
                            tracing::warn!(
                                member = %members.members[i].endpoint,
                                error = %why,
                                "an etcd member cannot serve; using the others"
                            );
                        }
                        members.rate(i, health);
                    }
                }
            }
        }
    }

    fn health(&self, i: usize) -> Health {
        Health::from_u8(self.members[i].health.load(Ordering::Acquire))
    }

    /// The order in which to try the members now: best rated first, from
    /// the preferred one round the ring among equals.
    fn order(&self) -> Vec<usize> {
        let n = self.members.len();
        let start = self.preferred.load(Ordering::Relaxed) % n;
        let mut ring: Vec<usize> = (0..n).map(|k| (start + k) % n).collect();
        ring.sort_by_key(|&i| self.health(i));
        ring
    }

    /// The member a long-lived stream should use now, and its client.
    pub(super) fn pick(&self) -> (usize, Client) {
        let i = self.order()[0];
        (i, self.members[i].client.clone())
    }

    /// Rates member `i`: one that is not up is avoided until a probe finds
    /// it up again.
    pub(super) fn rate(&self, i: usize, health: Health) {
        let was = Health::from_u8(self.members[i].health.swap(health as u8, Ordering::AcqRel));
        if health == Health::Silent && was != Health::Silent {
            self.members[i].silences.send_modify(|n| *n += 1);
        }
        if health == Health::Up && was != Health::Up {
            tracing::info!(member = %self.members[i].endpoint, "an etcd member serves again");
        }
        if health != Health::Up
            && self.preferred.load(Ordering::Relaxed) == i
            && let Some(&next) = self.order().first()
        {
            self.preferred.store(next, Ordering::Relaxed);
        }
    }

    /// Rates member `i` after `err`.
    pub(super) fn failed(&self, i: usize, err: &etcd_client::Error) {
        self.rate(i, Health::of(err));
    }

    /// A signal that changes each time member `i` falls silent from now
    /// on (`changed()` resolves).
    pub(super) fn silences(&self, i: usize) -> watch::Receiver<u64> {
        self.members[i].silences.subscribe()
    }

    /// Runs a request that is safe to send more than once (a read, or a
    /// write conditioned so that a repeat changes nothing), on one member
    /// after another until one answers or refuses it.
    pub(super) async fn read<T, F, Fut>(&self, request: F) -> Result<T, etcd_client::Error>
    where
        F: Fn(Client) -> Fut,
        Fut: Future<Output = Result<T, etcd_client::Error>>,
    {
        let deadline = Instant::now() + ELECTION_WAIT;
        loop {
            match self.read_once(&request).await {
                // Every member failed it: right after the leader died the
                // followers time out or answer "leader changed" until
                // they have elected another, which a later round finds.
                Err(err) if !refused(&err) && Instant::now() < deadline => {
                    tokio::time::sleep(ELECTION_POLL).await;
                }
                answer => return answer,
            }
        }
    }

    /// One round of [`Members::read`] over the members.
    async fn read_once<T, F, Fut>(&self, request: &F) -> Result<T, etcd_client::Error>
    where
        F: Fn(Client) -> Fut,
        Fut: Future<Output = Result<T, etcd_client::Error>>,
    {
        let order = self.order();
        let last = order.len() - 1;
        let mut failure = None;
        for (k, i) in order.into_iter().enumerate() {
            let attempt = request(self.members[i].client.clone());
            let answer = if k == last {
                attempt.await
            } else {
                match tokio::time::timeout(self.attempt, attempt).await {
                    Ok(answer) => answer,
                    Err(_) => {
                        self.rate(i, Health::Silent);
                        keep_worst(
                            &mut failure,
                            timed_out(&self.members[i].endpoint, self.attempt),
                        );
                        continue;
                    }
                }
            };
            match answer {
                Ok(value) => return Ok(value),
                Err(err) if refused(&err) => return Err(err),
                Err(err) => {
                    self.failed(i, &err);
                    keep_worst(&mut failure, err);
                }
            }
        }
        Err(failure.expect("at least one member was tried"))
    }

    /// A read of `key`, sent again to another member on failure.
    pub(super) async fn get(
        &self,
        key: Vec<u8>,
        options: Option<GetOptions>,
    ) -> Result<GetResponse, etcd_client::Error> {
        self.read(|client| {
            let (key, options) = (key.clone(), options.clone());
            async move { client.kv_client().get(key, options).await }
        })
        .await
    }

    /// A transaction that is safe to repeat (its compares make a repeat
    /// change nothing), sent again to another member on failure.
    pub(super) async fn repeatable_txn(&self, txn: Txn) -> Result<TxnResponse, etcd_client::Error> {
        self.read(|client| {
            let txn = txn.clone();
            async move { client.kv_client().txn(txn).await }
        })
        .await
    }

    /// Runs a request that must not be repeated once it may have reached
    /// etcd (a commit): it moves to the next member only when it never
    /// left this process, and is sent again while the cluster answers that
    /// it has no leader (nothing was proposed), for at most
    /// [`ELECTION_WAIT`].
    pub(super) async fn write<T, F, Fut>(&self, request: F) -> Result<T, etcd_client::Error>
    where
        F: Fn(Client) -> Fut,
        Fut: Future<Output = Result<T, etcd_client::Error>>,
    {
        let deadline = Instant::now() + ELECTION_WAIT;
        loop {
            match self.write_once(&request).await {
                Err(err) if leaderless(&err) && Instant::now() < deadline => {
                    tokio::time::sleep(ELECTION_POLL).await;
                }
                answer => return answer,
            }
        }
    }

    /// One round of [`Members::write`] over the members.
    async fn write_once<T, F, Fut>(&self, request: &F) -> Result<T, etcd_client::Error>
    where
        F: Fn(Client) -> Fut,
        Fut: Future<Output = Result<T, etcd_client::Error>>,
    {
        let mut failure = None;
        for i in self.order() {
            match request(self.members[i].client.clone()).await {
                Ok(value) => return Ok(value),
                Err(err) if never_sent(&err) => {
                    self.rate(i, Health::Silent);
                    keep_worst(&mut failure, err);
                }
                Err(err) if leaderless(&err) => {
                    // Not applied: another member may have a leader.
                    self.failed(i, &err);
                    keep_worst(&mut failure, err);
                }
                Err(err) => {
                    if !refused(&err) {
                        self.failed(i, &err);
                    }
                    return Err(err);
                }
            }
        }
        Err(failure.expect("at least one member was tried"))
    }
}

/// Keeps the failure a round over the members ends with: a "no leader"
/// answer wins over a member that could not be reached, so that the
/// caller waits for the election rather than giving up.
fn keep_worst(failure: &mut Option<etcd_client::Error>, err: etcd_client::Error) {
    if leaderless(&err) || !failure.as_ref().is_some_and(leaderless) {
        *failure = Some(err);
    }
}

/// A failure in a few words, for messages that name several members.
fn describe(err: &etcd_client::Error) -> String {
    let text = err.to_string();
    match err {
        etcd_client::Error::GRpcStatus(status) if status.message().starts_with("etcdserver:") => {
            status.message().to_string()
        }
        _ if text.contains("Connection refused") => "connection refused".into(),
        _ if text.contains("tcp connect error") => "cannot connect".into(),
        _ => text,
    }
}

fn timed_out(endpoint: &str, limit: Duration) -> etcd_client::Error {
    etcd_client::Error::IoError(std::io::Error::new(
        std::io::ErrorKind::TimedOut,
        format!("{endpoint} did not answer in {} ms", limit.as_millis()),
    ))
}
