//! Shared rounds of one store request: every caller that arrives while a
//! round runs is answered by the next round, which starts after it
//! arrived — so a consistent read never takes a revision read that began
//! before it did, yet many readers cost one store request.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use tokio::sync::watch;

use crate::contract::Revision;
use crate::error::Error;

type Fetch =
    Arc<dyn Fn() -> Pin<Box<dyn Future<Output = Result<Revision, Error>> + Send>> + Send + Sync>;

struct State {
    /// Rounds started so far.
    started: u64,
    running: bool,
    /// A caller is waiting for a round that has not started.
    wanted: bool,
}

/// Coalesces one kind of store request (a revision read, a progress write).
pub(super) struct Rounds {
    fetch: Fetch,
    state: Mutex<State>,
    /// The last finished round and its answer.
    done: watch::Sender<(u64, Result<Revision, Error>)>,
}

impl Rounds {
    pub fn new(fetch: Fetch) -> Arc<Self> {
        Arc::new(Rounds {
            fetch,
            state: Mutex::new(State {
                started: 0,
                running: false,
                wanted: false,
            }),
            done: watch::channel((0, Ok(0))).0,
        })
    }

    /// The answer of a round that started after this call.
    pub async fn join(self: &Arc<Self>) -> Result<Revision, Error> {
        let mut done = self.done.subscribe();
        let round = {
            let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
            if state.running {
                state.wanted = true;
                state.started + 1
            } else {
                state.running = true;
                state.started += 1;
                tokio::spawn(Arc::clone(self).run());
                state.started
            }
        };
        let answered = done
            .wait_for(|(finished, _)| *finished >= round)
            .await
            .map_err(|_| Error::Closed)?;
        answered.1.clone()
    }

    async fn run(self: Arc<Self>) {
        loop {
            let answer = (self.fetch)().await;
            let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
            let _previous = self.done.send_replace((state.started, answer));
            if !state.wanted {
                state.running = false;
                return;
            }
            state.wanted = false;
            state.started += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn many_callers_share_few_rounds_and_never_an_older_one() {
        let calls = Arc::new(AtomicU64::new(0));
        let counter = Arc::clone(&calls);
        let rounds = Rounds::new(Arc::new(move || {
            let counter = Arc::clone(&counter);
            Box::pin(async move {
                let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                Ok(n)
            })
        }));
        let mut tasks = Vec::new();
        for _ in 0..50 {
            let rounds = Arc::clone(&rounds);
            let calls = Arc::clone(&calls);
            tasks.push(tokio::spawn(async move {
                let before = calls.load(Ordering::SeqCst);
                let got = rounds.join().await.unwrap();
                // The round that answered started after the call began.
                assert!(
                    got > before,
                    "answered by round {got}, {before} had started"
                );
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        assert!(calls.load(Ordering::SeqCst) < 50, "rounds were shared");
    }
}
