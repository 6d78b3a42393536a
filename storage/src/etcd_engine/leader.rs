//! Leader election on etcd: a lease, and the leader key written under it
//! only if absent. The key's `mod_revision` is the fencing token. The
//! lease is renewed every quarter of its TTL; when renewal fails for a
//! whole TTL (or etcd says the lease is gone) the claim is lost, and the
//! lease is given back so a successor need not wait for it to expire. A process that
//! dies stops renewing, etcd expires the lease and deletes the key, and
//! the next campaigner's put succeeds: failover within about one TTL.
//! Renewal moves to another etcd member as soon as one fails to answer,
//! and the claim's deadline is counted from when a renewal was *sent*, so
//! this process never believes it leads after etcd expired its lease.

use std::sync::Arc;
use std::time::{Duration, Instant};

use etcd_client::{Compare, CompareOp, PutOptions, Txn, TxnOp};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::errors::read_error;
use super::members::{Health, Members};
use super::revisions::Revisions;
use crate::contract::{Leadership, Precondition};
use crate::error::Error;

/// How often a campaigner that lost the race looks again.
const RETRY: Duration = Duration::from_millis(250);

/// Campaigns until this process holds `data_key` (the engine's full key
/// for `key`); returns the claim and the task renewing it.
pub(super) async fn campaign(
    members: &Arc<Members>,
    revisions: &Revisions,
    key: &[u8],
    data_key: Vec<u8>,
    ttl: Duration,
) -> Result<(Leadership, JoinHandle<()>, i64), Error> {
    let ttl_seconds = i64::try_from(ttl.as_secs().max(1)).unwrap_or(i64::MAX);
    let holder = ulid::Ulid::new().to_string();
    loop {
        // A repeated grant leaves an unused lease that expires by itself.
        let lease = members
            .read(|client| async move { client.lease_client().grant(ttl_seconds, None).await })
            .await
            .map_err(read_error)?
            .id();
        let txn = Txn::new()
            .when([Compare::version(data_key.clone(), CompareOp::Equal, 0)])
            .and_then([TxnOp::put(
                data_key.clone(),
                holder.clone(),
                Some(PutOptions::new().with_lease(lease)),
            )]);
        // Conditioned on the key's absence: a repeat after an unknown
        // outcome fails its compare, and the lease is given back below.
        let answer = members
            .read(|client| {
                let txn = txn.clone();
                async move { client.kv_client().txn(txn).await }
            })
            .await;
        let response = match answer {
            Ok(response) => response,
            Err(err) => {
                resign(members, lease).await;
                return Err(read_error(err));
            }
        };
        if response.succeeded() {
            let revision = revisions.ours(response.header().map_or(0, |h| h.revision()));
            let (lost_tx, lost) = watch::channel(false);
            let keeper = tokio::spawn(keep_alive(Arc::clone(members), lease, ttl, lost_tx));
            let leadership = Leadership {
                fence: Precondition::AtRevision(key.to_vec(), revision),
                lost,
            };
            return Ok((leadership, keeper, lease));
        }
        // Someone else leads: give the lease back and look again later.
        resign(members, lease).await;
        tokio::time::sleep(RETRY).await;
    }
}

/// Renews `lease` until it cannot, then reports the claim lost.
async fn keep_alive(members: Arc<Members>, lease: i64, ttl: Duration, lost: watch::Sender<bool>) {
    // Renewed every quarter of the TTL, each answer awaited at most an
    // eighth: a member that hung, and an etcd leader election after it
    // (1–2 s), fit before the claim runs out.
    let interval = (ttl / 4).max(Duration::from_millis(200));
    let patience = (ttl / 8).max(Duration::from_millis(100));
    // etcd counts the lease from its last renewal, which is after this.
    let mut valid_until = Instant::now() + ttl;
    let mut stream = None;
    loop {
        let now = Instant::now();
        if now >= valid_until {
            break;
        }
        if stream.is_none() {
            let (member, client) = members.pick();
            match client.lease_client().keep_alive(lease).await {
                Ok(opened) => stream = Some((member, opened)),
                Err(err) => members.failed(member, &err),
            }
        }
        let sent = Instant::now();
        let alive = match stream.as_mut() {
            None => None,
            Some((member, (keeper, responses))) => {
                let answer = async {
                    keeper.keep_alive().await?;
                    responses.message().await
                };
                // Bounded so that a hung member leaves time to renew on
                // another before the lease runs out.
                let limit = patience.min(valid_until.saturating_duration_since(sent));
                // An error, a closed stream or no answer: try again at
                // once, on another member if this one fell silent.
                match tokio::time::timeout(limit, answer).await {
                    Ok(Ok(Some(response))) => Some(response.ttl() > 0),
                    Ok(Ok(None)) => None,
                    Ok(Err(err)) => {
                        members.failed(*member, &err);
                        None
                    }
                    Err(_) => {
                        members.rate(*member, Health::Silent);
                        None
                    }
                }
            }
        };
        match alive {
            Some(true) => {
                valid_until = sent + ttl;
                tokio::time::sleep(interval).await;
            }
            // etcd says the lease is gone: another process may lead now.
            Some(false) => break,
            None => {
                stream = None;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
    tracing::warn!(
        lease,
        "the leader lease was not renewed in time; leadership lost"
    );
    let _ = lost.send(true);
    // Give the lease back, so a successor (this process, maybe) need not
    // wait out its TTL — which etcd extends when its own leader changes,
    // the usual reason renewals failed. Keep trying while etcd elects.
    let deadline = Instant::now() + 3 * ttl;
    while !revoke(&members, lease).await && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Revokes `lease`; whether it is gone (revoked now or before).
async fn revoke(members: &Members, lease: i64) -> bool {
    match members
        .read(|client| async move { client.lease_client().revoke(lease).await })
        .await
    {
        Ok(_) => true,
        Err(err) => err.to_string().contains("lease not found"),
    }
}

/// Gives the lease back, so another process takes over at once.
pub(super) async fn resign(members: &Members, lease: i64) {
    revoke(members, lease).await;
}
