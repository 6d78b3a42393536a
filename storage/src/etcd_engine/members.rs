//! The etcd members the engine talks to, and failover between them.
//!
//! etcd-client's balanced channel keeps a member that refuses connections
//! in its rotation, so one dead member of three failed a third of all
//! requests. Instead the engine holds one client per member and sends each
//! request to one *preferred* member:
//!
//! - A prober asks every member a linearizable question (a count-only read
//!   of the format key, which needs the member to reach a quorum) every
//!   [`PROBE_INTERVAL`], bounded by [`PROBE_TIMEOUT`]: a member that does
//!   not answer is marked down, one that answers again up. A request that
//!   fails on a member marks it down at once.
//! - A request goes to the preferred member while it is up, else to the
//!   first member that is up; when all are marked down, all are still
//!   tried, in order. Each process starts preferring a different member,
//!   so several servers spread over the cluster.
//! - A **read** (and any conditioned write that is safe to repeat) is sent
//!   again to the next member after any failure but a refusal, each
//!   attempt bounded so a hung member costs a fraction of the request
//!   timeout. A **commit** is sent again only when it never left this
//!   process (no connection): one that may have reached etcd has an
//!   unknown outcome and is never repeated blindly.
//! - Long-lived streams (the watch, the leader's lease renewal) ask
//!   [`Members::downs`] to leave a member that stopped answering.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use etcd_client::{Channel, Client, ConnectOptions, GetOptions, GetResponse, Txn, TxnResponse};
use tokio::sync::watch;
use tonic::transport::Endpoint;

use super::{EtcdOptions, never_sent, refused};
use crate::error::Error;

/// How often every member is probed.
pub(super) const PROBE_INTERVAL: Duration = Duration::from_millis(300);
/// How long a probe may take before its member counts as down.
pub(super) const PROBE_TIMEOUT: Duration = Duration::from_millis(800);
/// The least time a read attempt on one member is given.
const MIN_ATTEMPT: Duration = Duration::from_secs(1);

/// One member: its address, its client (connected lazily), whether it is
/// thought up, and a counter bumped each time it goes down.
struct Member {
    endpoint: String,
    client: Client,
    up: AtomicBool,
    downs: watch::Sender<u64>,
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
    /// them all once: the members that could not be reached are named in
    /// a warning; if none could, the error names every one.
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
            let channel = Endpoint::from_shared(endpoint.clone())
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
                up: AtomicBool::new(true),
                downs: watch::Sender::new(0),
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
        let probes = (0..members.members.len()).map(|i| {
            let members = Arc::clone(&members);
            async move { (i, members.probe(i).await) }
        });
        let answers = futures_util::future::join_all(probes).await;
        let unreachable: Vec<String> = answers
            .iter()
            .filter_map(|(i, answer)| {
                let why = answer.as_ref().err()?;
                Some(format!("{} ({why})", members.members[*i].endpoint))
            })
            .collect();
        if unreachable.len() == members.members.len() {
            return Err(Error::Unavailable(format!(
                "cannot reach any etcd member: {}",
                unreachable.join("; ")
            )));
        }
        for (i, answer) in &answers {
            if answer.is_err() {
                members.mark_down(*i);
            }
        }
        if !unreachable.is_empty() {
            tracing::warn!(
                unreachable = %unreachable.join("; "),
                "some etcd members could not be reached; using the others"
            );
        }
        Ok(members)
    }

    /// Asks member `i` the probe question.
    async fn probe(&self, i: usize) -> Result<(), String> {
        let options = GetOptions::new().with_count_only();
        let mut kv = self.members[i].client.kv_client();
        let ask = kv.get(self.probe_key.clone(), Some(options));
        match tokio::time::timeout(PROBE_TIMEOUT, ask).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(err)) => Err(err.to_string()),
            Err(_) => Err(format!("no answer in {} ms", PROBE_TIMEOUT.as_millis())),
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
                    Ok(()) => members.mark_up(i),
                    Err(why) => {
                        if members.members[i].up.load(Ordering::Acquire) {
                            tracing::warn!(
                                member = %members.members[i].endpoint,
                                error = %why,
                                "an etcd member does not answer; using the others"
                            );
                        }
                        members.mark_down(i);
                    }
                }
            }
        }
    }

    /// The order in which to try the members now: the preferred one if
    /// up, the other members that are up, then those that are down.
    fn order(&self) -> Vec<usize> {
        let n = self.members.len();
        let start = self.preferred.load(Ordering::Relaxed) % n;
        let ring = (0..n).map(|k| (start + k) % n);
        let (up, down): (Vec<usize>, Vec<usize>) =
            ring.partition(|&i| self.members[i].up.load(Ordering::Acquire));
        up.into_iter().chain(down).collect()
    }

    /// The member a long-lived stream should use now, and its client.
    pub(super) fn pick(&self) -> (usize, Client) {
        let i = self.order()[0];
        (i, self.members[i].client.clone())
    }

    /// Marks member `i` down: requests prefer the others until a probe
    /// answers again.
    pub(super) fn mark_down(&self, i: usize) {
        if self.members[i].up.swap(false, Ordering::AcqRel) {
            self.members[i].downs.send_modify(|downs| *downs += 1);
        }
        if self.preferred.load(Ordering::Relaxed) == i
            && let Some(&next) = self.order().first()
        {
            self.preferred.store(next, Ordering::Relaxed);
        }
    }

    fn mark_up(&self, i: usize) {
        if !self.members[i].up.swap(true, Ordering::AcqRel) {
            tracing::info!(member = %self.members[i].endpoint, "an etcd member answers again");
        }
    }

    /// A signal that changes each time member `i` is marked down from now
    /// on (`changed()` resolves).
    pub(super) fn downs(&self, i: usize) -> watch::Receiver<u64> {
        self.members[i].downs.subscribe()
    }

    /// Runs a request that is safe to send more than once (a read, or a
    /// write conditioned so that a repeat changes nothing), on one member
    /// after another until one answers or refuses it.
    pub(super) async fn read<T, F, Fut>(&self, request: F) -> Result<T, etcd_client::Error>
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
                        self.mark_down(i);
                        failure = Some(timed_out(&self.members[i].endpoint, self.attempt));
                        continue;
                    }
                }
            };
            match answer {
                Ok(value) => return Ok(value),
                Err(err) if refused(&err) => return Err(err),
                Err(err) => {
                    self.mark_down(i);
                    failure = Some(err);
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
    /// left this process.
    pub(super) async fn write<T, F, Fut>(&self, request: F) -> Result<T, etcd_client::Error>
    where
        F: Fn(Client) -> Fut,
        Fut: Future<Output = Result<T, etcd_client::Error>>,
    {
        let mut failure = None;
        for i in self.order() {
            match request(self.members[i].client.clone()).await {
                Ok(value) => return Ok(value),
                Err(err) if never_sent(&err) => {
                    self.mark_down(i);
                    failure = Some(err);
                }
                Err(err) => {
                    if !refused(&err) {
                        self.mark_down(i);
                    }
                    return Err(err);
                }
            }
        }
        Err(failure.expect("at least one member was tried"))
    }
}

fn timed_out(endpoint: &str, limit: Duration) -> etcd_client::Error {
    etcd_client::Error::IoError(std::io::Error::new(
        std::io::ErrorKind::TimedOut,
        format!("{endpoint} did not answer in {} ms", limit.as_millis()),
    ))
}
