//! One elected process runs the background work of a shared store: the
//! reconciler, retention, and — through [`ClusterDb::while_leader`] —
//! whatever the server adds (webhook delivery). The engine provides the
//! election ([`clusterdb_storage::Engine::campaign`]: an etcd lease and
//! lock key; a redb file's holder leads at once); this module keeps
//! campaigning, publishes the current term, and runs work for the length
//! of a term.
//!
//! [`ClusterDb::while_leader`]: crate::ClusterDb::while_leader

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use crate::keys;
pub use crate::store::Leader;
use crate::store::Store;

/// The lease of a leadership: a dead leader is replaced within about this
/// (and a campaigner's next look), so background work resumes within 5 s.
pub const LEASE_TTL: Duration = Duration::from_secs(4);
/// How long a failed campaign waits before the next.
const RETRY: Duration = Duration::from_secs(1);

/// Campaigns for as long as the store is open, publishing each term in
/// `store.leadership` (and `None` between terms).
pub(crate) async fn campaign(store: Arc<Store>) {
    let key = keys::system("leader/workers");
    let mut term = 0;
    loop {
        match store.engine.campaign(&key, LEASE_TTL).await {
            Ok(claim) => {
                term += 1;
                tracing::info!(term, "this process leads the background work");
                store.leadership.send_replace(Some(Leader {
                    fence: claim.fence,
                    term,
                }));
                let mut lost = claim.lost;
                if lost.wait_for(|lost| *lost).await.is_err() {
                    // The engine keeps the claim for its life.
                    std::future::pending::<()>().await;
                }
                tracing::warn!(
                    term,
                    "leadership lost; background work stops until re-elected"
                );
                store.leadership.send_replace(None);
            }
            Err(clusterdb_storage::Error::Closed) => return,
            Err(err) => {
                tracing::warn!(error = %err, "campaigning for leadership failed; retrying");
                tokio::time::sleep(RETRY).await;
            }
        }
    }
}

/// Resolves when `shutdown` turns true; never if its sender is gone
/// without having said so.
async fn stopped(shutdown: &mut watch::Receiver<bool>) {
    if shutdown.wait_for(|stop| *stop).await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// Runs `work` for every term this process leads, with a signal that
/// turns true when the term ends (the work should then stop; its fenced
/// commits fail anyway). Work that ends early is started again after a
/// second if the term goes on. Returns when `shutdown` turns true, after
/// the current work has stopped.
pub(crate) async fn while_leader<F, Fut>(
    leadership: watch::Receiver<Option<Leader>>,
    mut shutdown: watch::Receiver<bool>,
    mut work: F,
) where
    F: FnMut(Leader, watch::Receiver<bool>) -> Fut,
    Fut: Future<Output = ()>,
{
    let mut terms = leadership;
    loop {
        let leader = tokio::select! {
            () = stopped(&mut shutdown) => return,
            leader = terms.wait_for(Option::is_some) => match leader {
                Ok(leader) => leader.clone().expect("waited for Some"),
                // The database is gone.
                Err(_) => return,
            },
        };
        let (end, ended) = watch::channel(false);
        let run = work(leader.clone(), ended);
        tokio::pin!(run);
        let same_term = |current: &Option<Leader>| current.as_ref() == Some(&leader);
        // Some(true): shutting down; Some(false): the term ended; None:
        // the work ended by itself.
        let stopping = tokio::select! {
            () = &mut run => None,
            () = stopped(&mut shutdown) => Some(true),
            _ = terms.wait_for(|current| !same_term(current)) => Some(false),
        };
        let Some(stopping) = stopping else {
            // Again, if still leader, after a pause.
            tokio::select! {
                () = stopped(&mut shutdown) => return,
                () = tokio::time::sleep(RETRY) => {}
            }
            continue;
        };
        let _ = end.send(true);
        run.await;
        if stopping {
            return;
        }
    }
}
