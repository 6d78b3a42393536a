//! The dispatcher: one worker per enabled endpoint follows the event log
//! from the endpoint's stored cursor and delivers the events it subscribes
//! to, in order, each until it succeeds or the retry schedule runs out —
//! so a slow or dead receiver holds up only its own endpoint. Progress is
//! durable (the cursor, and one delivery record per event with its
//! attempts and next due time): a server that dies resumes where it was,
//! sending again at worst what it cannot know was received, with the same
//! `webhook-id`. Delivery is at least once; receivers deduplicate on
//! `webhook-id`.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clusterdb::storage::Precondition;
use clusterdb::webhooks::{
    Delivery, DeliveryState, MAX_DELIVERIES_KEPT, Webhook, WebhookKind, Webhooks,
};
use clusterdb::{ClusterDb, Error, Event, ListOptions, Timestamp};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::{Outcome, Sender};

/// How often the dispatcher looks for new, changed and deleted endpoints.
const POLL_INTERVAL: Duration = Duration::from_secs(1);
/// Longest a worker goes without saving its cursor while it has progress.
const CURSOR_SAVE_INTERVAL: Duration = Duration::from_secs(1);
/// Polls between sweeps of old delivery records and deleted endpoints.
const SWEEP_EVERY: u64 = 60;
/// Longest a `Retry-After` may postpone an attempt.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 3600);

/// Why a worker ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Exit {
    /// The endpoint was deleted.
    Gone,
    /// Delivery to it is off (by a client, or by the dispatcher).
    Disabled,
    /// The dispatcher is stopping.
    Stopped,
}

/// What handling one event leads to.
enum Step {
    Next,
    End(Exit),
}

struct Worker {
    db: ClusterDb,
    hooks: Webhooks,
    sender: Arc<Sender>,
    stop: watch::Receiver<bool>,
    id: String,
    /// The endpoint as last seen: read at the start, then kept current
    /// from its own events in the log (so routing an event costs no read).
    endpoint: Option<Webhook>,
}

/// Delivers webhooks until `stop` turns true (or the store fails).
/// `fence` is the leader's fencing token: every record write requires it,
/// so a deposed leader's worker cannot move its successor's progress.
pub async fn run(
    db: ClusterDb,
    sender: Arc<Sender>,
    fence: Option<Precondition>,
    mut stop: watch::Receiver<bool>,
) -> Result<(), Error> {
    let hooks = db.webhooks().fenced(fence);
    let mut workers: HashMap<String, JoinHandle<Result<Exit, Error>>> = HashMap::new();
    let mut ticker = tokio::time::interval(POLL_INTERVAL);
    let mut polls: u64 = 0;
    let result = loop {
        tokio::select! {
            _ = stop.wait_for(|stopping| *stopping) => break Ok(()),
            _ = ticker.tick() => {}
        }
        let endpoints = match all_endpoints(&hooks).await {
            Ok(endpoints) => endpoints,
            Err(err) => break Err(err),
        };
        workers.retain(|id, worker| {
            if !worker.is_finished() {
                return true;
            }
            tracing::debug!(webhook = %id, "delivery worker ended");
            false
        });
        for endpoint in &endpoints {
            if endpoint.spec.enabled && !workers.contains_key(endpoint.id()) {
                let worker = Worker {
                    db: db.clone(),
                    hooks: hooks.clone(),
                    sender: Arc::clone(&sender),
                    stop: stop.clone(),
                    id: endpoint.id().to_string(),
                    endpoint: None,
                };
                let id = endpoint.id().to_string();
                workers.insert(
                    id.clone(),
                    tokio::spawn(async move {
                        let result = worker.run().await;
                        if let Err(err) = &result {
                            tracing::warn!(webhook = %id, error = %err, "delivery worker failed; restarting it");
                        }
                        result
                    }),
                );
            }
        }
        // A deleted endpoint's worker stops now, not at its next event.
        let ids: HashSet<&str> = endpoints.iter().map(Webhook::id).collect();
        workers.retain(|id, worker| {
            let exists = ids.contains(id.as_str());
            if !exists {
                worker.abort();
            }
            exists
        });
        if polls.is_multiple_of(SWEEP_EVERY)
            && let Err(err) = sweep(&hooks, &endpoints, &ids).await
        {
            tracing::warn!(error = %err, "sweeping webhook delivery records failed");
        }
        polls += 1;
    };
    // Workers watch `stop` themselves; a failing dispatcher stops them.
    for (_, worker) in workers {
        if result.is_err() {
            worker.abort();
        }
        let _ = worker.await;
    }
    result
}

async fn all_endpoints(hooks: &Webhooks) -> Result<Vec<Webhook>, Error> {
    let mut options = ListOptions::default().page_size(1000);
    let mut all = Vec::new();
    loop {
        let page = hooks.endpoints().list(&options).await?;
        all.extend(page.items);
        match page.next_page_token {
            Some(token) => options = options.page_token(token),
            None => return Ok(all),
        }
    }
}

/// Keeps the newest delivery records per endpoint, and removes what a
/// deleted endpoint left (its cursor would hold back retention).
async fn sweep(hooks: &Webhooks, endpoints: &[Webhook], ids: &HashSet<&str>) -> Result<(), Error> {
    for endpoint in endpoints {
        hooks
            .prune_deliveries(endpoint.id(), MAX_DELIVERIES_KEPT)
            .await?;
    }
    for id in hooks.endpoints_with_cursors().await? {
        if !ids.contains(id.as_str()) {
            tracing::info!(webhook = %id, "removing a deleted endpoint's delivery records");
            hooks.forget(&id).await?;
        }
    }
    Ok(())
}

impl Worker {
    async fn run(mut self) -> Result<Exit, Error> {
        let endpoint = match self.fetch_endpoint().await? {
            Ok(endpoint) => endpoint,
            Err(exit) => return Ok(exit),
        };
        let start = match self.hooks.cursor(&self.id).await? {
            Some(cursor) => cursor,
            None => {
                let start = endpoint.status.start_after;
                self.hooks.save_cursor(&self.id, start).await?;
                start
            }
        };
        self.endpoint = Some(endpoint);
        let mut subscription = self.db.events().subscribe(start);
        let (mut saved, mut saved_at) = (start, Instant::now());
        // Where this worker is, for the backlog metric, while it runs.
        let position = crate::metrics::counters().webhook_position(&self.id);
        position.at(start);
        loop {
            let mut stop = self.stop.clone();
            let next = tokio::select! {
                _ = stop.wait_for(|stopping| *stopping) => return Ok(Exit::Stopped),
                next = tokio::time::timeout(CURSOR_SAVE_INTERVAL, subscription.next()) => next,
            };
            match next {
                Err(_idle) => {}
                Ok(Ok(event)) => {
                    if let Step::End(exit) = self.handle(&event).await? {
                        return Ok(exit);
                    }
                }
                Ok(Err(Error::EventsCompacted {
                    available_after, ..
                })) => {
                    tracing::error!(
                        webhook = %self.id,
                        through = available_after,
                        "delivery fell behind the event log's retention; the events it had not reached are lost to it"
                    );
                    subscription = self.db.events().subscribe(available_after);
                }
                Ok(Err(err)) => return Err(err),
            }
            let cursor = subscription.cursor();
            position.at(cursor);
            if cursor > saved && saved_at.elapsed() >= CURSOR_SAVE_INTERVAL {
                self.hooks.save_cursor(&self.id, cursor).await?;
                (saved, saved_at) = (cursor, Instant::now());
            }
        }
    }

    /// The endpoint, or why the worker ends.
    async fn fetch_endpoint(&self) -> Result<Result<Webhook, Exit>, Error> {
        match self.hooks.endpoints().get(&self.id).await {
            Ok(endpoint) if endpoint.spec.enabled => Ok(Ok(endpoint)),
            Ok(_) => Ok(Err(Exit::Disabled)),
            Err(Error::NotFound { .. }) => Ok(Err(Exit::Gone)),
            Err(err) => Err(err),
        }
    }

    /// Keeps the cached endpoint current from its own events; says when
    /// the worker must end (the endpoint deleted or turned off).
    fn follow(&mut self, event: &Event) -> Option<Exit> {
        if !event.is::<WebhookKind>() || event.meta.id != self.id {
            return None;
        }
        if event.event_type == "webhook.deleted" {
            return Some(Exit::Gone);
        }
        let seen = self.endpoint.as_ref().map_or(0, Webhook::resource_version);
        match event.object::<WebhookKind>() {
            // Older than what was read at the start: history.
            Ok(Some(endpoint)) if endpoint.resource_version() > seen => {
                let enabled = endpoint.spec.enabled;
                self.endpoint = Some(endpoint);
                (!enabled).then_some(Exit::Disabled)
            }
            _ => None,
        }
    }

    /// Delivers `event` if the endpoint wants it: attempts on schedule
    /// until one succeeds or the schedule runs out.
    async fn handle(&mut self, event: &Event) -> Result<Step, Error> {
        if let Some(exit) = self.follow(event) {
            return Ok(Step::End(exit));
        }
        let routed = self
            .endpoint
            .as_ref()
            .is_some_and(|endpoint| super::delivery::routes_to(endpoint, event));
        if !routed {
            return Ok(Step::Next);
        }
        let body = super::delivery::body(event);
        loop {
            // Read afresh each time: a redelivery may have settled it.
            let delivery = self
                .hooks
                .delivery(&self.id, event.revision, event.index)
                .await?
                .unwrap_or_else(|| {
                    Delivery::new(
                        &self.id,
                        event.revision,
                        event.index,
                        &event.id,
                        &event.event_type,
                    )
                });
            if delivery.state != DeliveryState::Pending {
                return Ok(Step::Next);
            }
            if let Some(due) = delivery.next_attempt_at {
                let wait = due.unix_millis() - self.sender.clock().now().unix_millis();
                if wait > 0 {
                    let wait = Duration::from_millis(wait as u64);
                    let mut stop = self.stop.clone();
                    tokio::select! {
                        _ = stop.wait_for(|stopping| *stopping) => return Ok(Step::End(Exit::Stopped)),
                        () = self.sender.clock().sleep(wait.min(POLL_INTERVAL * 30)) => continue,
                    }
                }
            }
            // The endpoint as it is now: a new URL or secret applies to
            // the next attempt.
            let endpoint = match self.fetch_endpoint().await? {
                Ok(endpoint) => endpoint,
                Err(exit) => return Ok(Step::End(exit)),
            };
            self.endpoint = Some(endpoint.clone());
            let (attempt, outcome) = self
                .sender
                .attempt(
                    &self.hooks,
                    &endpoint,
                    &event.id,
                    &body,
                    delivery.next_number(),
                    false,
                )
                .await;
            let schedule = &self.sender.options().schedule;
            let now = self.sender.clock().now();
            // Recorded on the freshest copy: a redelivery may have added an
            // attempt (or settled it) meanwhile.
            let saved = self
                .hooks
                .update_delivery(
                    &self.id,
                    event.revision,
                    event.index,
                    Some(delivery),
                    |delivery| {
                        delivery.record(attempt.clone());
                        if delivery.state != DeliveryState::Pending {
                            return;
                        }
                        delivery.next_attempt_at = None;
                        match outcome {
                            Outcome::Delivered => delivery.state = DeliveryState::Succeeded,
                            Outcome::Gone => delivery.state = DeliveryState::Failed,
                            Outcome::Failed { .. }
                                if delivery.scheduled_attempts as usize >= schedule.len() =>
                            {
                                delivery.state = DeliveryState::Failed;
                            }
                            Outcome::Failed { retry_after } => {
                                let made = delivery.scheduled_attempts as usize;
                                let delay = super::retry_delay(
                                    schedule[made],
                                    retry_after.map(|d| d.min(MAX_RETRY_AFTER)),
                                );
                                delivery.next_attempt_at = Some(Timestamp::from_unix_millis(
                                    now.unix_millis() + delay.as_millis() as i64,
                                ));
                            }
                        }
                    },
                )
                .await?;
            match (saved.state, outcome) {
                (DeliveryState::Pending, _) => {}
                (DeliveryState::Succeeded, _) => return Ok(Step::Next),
                (DeliveryState::Failed, Outcome::Gone) => {
                    self.hooks
                        .disable(&self.id, "the receiver answered 410 Gone")
                        .await?;
                    return Ok(Step::End(Exit::Disabled));
                }
                (DeliveryState::Failed, _) => {
                    let reason = format!(
                        "event {} failed {} delivery attempts; delivery is off until the endpoint is enabled again",
                        event.id, saved.scheduled_attempts
                    );
                    self.hooks.disable(&self.id, &reason).await?;
                    return Ok(Step::End(Exit::Disabled));
                }
            }
        }
    }
}
