//! Leader election on etcd: a lease, and the leader key written under it
//! only if absent. The key's `mod_revision` is the fencing token. The
//! lease is renewed every third of its TTL; when renewal fails for a whole
//! TTL (or etcd says the lease is gone) the claim is lost. A process that
//! dies stops renewing, etcd expires the lease and deletes the key, and
//! the next campaigner's put succeeds: failover within about one TTL.

use std::time::{Duration, Instant};

use etcd_client::{Client, Compare, CompareOp, PutOptions, Txn, TxnOp};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::{read_error, to_revision};
use crate::contract::{Leadership, Precondition};
use crate::error::Error;

/// How often a campaigner that lost the race looks again.
const RETRY: Duration = Duration::from_millis(250);

/// Campaigns until this process holds `data_key` (the engine's full key
/// for `key`); returns the claim and the task renewing it.
pub(super) async fn campaign(
    client: &Client,
    key: &[u8],
    data_key: Vec<u8>,
    ttl: Duration,
) -> Result<(Leadership, JoinHandle<()>, i64), Error> {
    let ttl_seconds = i64::try_from(ttl.as_secs().max(1)).unwrap_or(i64::MAX);
    let holder = ulid::Ulid::new().to_string();
    loop {
        let lease = client
            .lease_client()
            .grant(ttl_seconds, None)
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
        let response = match client.kv_client().txn(txn).await {
            Ok(response) => response,
            Err(err) => {
                let _ = client.lease_client().revoke(lease).await;
                return Err(read_error(err));
            }
        };
        if response.succeeded() {
            let revision = to_revision(response.header().map_or(0, |h| h.revision()));
            let (lost_tx, lost) = watch::channel(false);
            let keeper = tokio::spawn(keep_alive(client.clone(), lease, ttl, lost_tx));
            let leadership = Leadership {
                fence: Precondition::AtRevision(key.to_vec(), revision),
                lost,
            };
            return Ok((leadership, keeper, lease));
        }
        // Someone else leads: give the lease back and look again later.
        let _ = client.lease_client().revoke(lease).await;
        tokio::time::sleep(RETRY).await;
    }
}

/// Renews `lease` until it cannot, then reports the claim lost.
async fn keep_alive(client: Client, lease: i64, ttl: Duration, lost: watch::Sender<bool>) {
    let interval = (ttl / 3).max(Duration::from_millis(200));
    let mut renewed = Instant::now();
    let mut stream = None;
    loop {
        if renewed.elapsed() >= ttl {
            break;
        }
        if stream.is_none() {
            stream = client.lease_client().keep_alive(lease).await.ok();
        }
        let alive = match stream.as_mut() {
            None => None,
            Some((keeper, responses)) => {
                let answer = async {
                    keeper.keep_alive().await?;
                    responses.message().await
                };
                match tokio::time::timeout(interval, answer).await {
                    Ok(Ok(Some(response))) => Some(response.ttl() > 0),
                    // An error or a closed stream: reconnect next time.
                    _ => None,
                }
            }
        };
        match alive {
            Some(true) => renewed = Instant::now(),
            // etcd says the lease is gone: another process may lead now.
            Some(false) => break,
            None => stream = None,
        }
        tokio::time::sleep(interval).await;
    }
    tracing::warn!(
        lease,
        "the leader lease was not renewed in time; leadership lost"
    );
    let _ = lost.send(true);
}

/// Gives the lease back, so another process takes over at once.
pub(super) async fn resign(client: &Client, lease: i64) {
    let _ = client.lease_client().revoke(lease).await;
}
