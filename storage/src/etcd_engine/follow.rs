//! One watch of the engine's whole prefix that survives its member: it
//! runs on the preferred member, moves to another when the stream breaks
//! or the prober finds the member silent, and resumes where it left off.

use std::future::Future;
use std::time::Duration;

use etcd_client::{WatchOptions, WatchResponse};

use super::keys::Keys;
use super::members::Members;

/// What a watcher wants after a response.
pub(super) enum Then {
    /// Go on; after a reconnection, resume from this etcd revision.
    ResumeFrom(i64),
    /// Reconnect at once, from this etcd revision.
    RestartFrom(i64),
    /// Stop watching.
    Stop,
}

/// Watches every key under `keys`' prefix from etcd revision `next`,
/// handing each response to `handle`, until it says stop or `stop`
/// resolves.
pub(super) async fn prefix(
    members: &Members,
    keys: &Keys,
    mut next: i64,
    mut handle: impl FnMut(&WatchResponse) -> Then,
    stop: impl Future<Output = ()>,
) {
    tokio::pin!(stop);
    let mut backoff = Duration::from_millis(100);
    loop {
        let options = WatchOptions::new().with_prefix().with_start_revision(next);
        let (member, client) = members.pick();
        let mut silences = members.silences(member);
        match client.watch_client().watch(keys.all(), Some(options)).await {
            Err(err) => members.failed(member, &err),
            Ok(mut stream) => loop {
                // A hung member never ends the stream: leave it when the
                // prober finds the member down.
                let message = tokio::select! {
                    message = stream.message() => message,
                    _ = silences.changed() => break,
                    () = &mut stop => return,
                };
                let response = match message {
                    Ok(Some(response)) => response,
                    Ok(None) => break,
                    Err(err) => {
                        members.failed(member, &err);
                        break;
                    }
                };
                backoff = Duration::from_millis(100);
                if response.canceled() && response.compact_revision() == 0 {
                    break;
                }
                match handle(&response) {
                    Then::ResumeFrom(revision) => next = revision,
                    Then::RestartFrom(revision) => {
                        next = revision;
                        break;
                    }
                    Then::Stop => return,
                }
            },
        }
        tokio::select! {
            () = tokio::time::sleep(backoff) => {}
            () = &mut stop => return,
        }
        backoff = (backoff * 2).min(Duration::from_secs(2));
    }
}
