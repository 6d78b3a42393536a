//! Webhooks, the store's side: the endpoint kind ([`WebhookKind`]) and
//! [`Webhooks`] (`db.webhooks()`): creating endpoints with their secrets,
//! rotation, turning delivery off, test events, and the records delivery
//! keeps — each endpoint's cursor in the log and one [`Delivery`] per
//! event delivered (or being retried). Sending is the API crate's job;
//! core knows no HTTP.

mod deliveries;
mod endpoint;

use std::sync::Arc;

use clusterdb_storage::{Commit, CommitError, Op, Precondition};

pub use deliveries::{
    Attempt, Delivery, DeliveryPage, DeliveryState, MAX_DELIVERIES_KEPT, TestEvent,
};
pub use endpoint::{
    ALL_EVENTS, MAX_EVENT_TYPE_LEN, MAX_EVENT_TYPES, MAX_SECRET_BYTES, MAX_URL_LEN,
    MIN_SECRET_BYTES, RetiredSecret, SECRET_OVERLAP_MILLIS, SECRET_PREFIX, Webhook, WebhookKind,
    WebhookSpec, WebhookStatus, default_name, new_secret, secret_key,
};

use crate::error::{Error, Result};
use crate::keys;
use crate::kind::{Draft, Kind};
use crate::list::{Filter, ListOptions};
use crate::resources::{Applied, Change, Resources};
use crate::store::Store;
use crate::timestamp::Timestamp;
use crate::txn::{Txn, TxnError};

/// Most webhook endpoints in one store (each has a delivery worker).
pub const MAX_ENDPOINTS: usize = 1000;

/// The indexed field config-file endpoints are found by.
pub const URL_FIELD: &str = "url";

/// Webhook endpoints and their delivery records: `ClusterDb::webhooks()`.
#[derive(Clone)]
pub struct Webhooks {
    store: Arc<Store>,
    actor: crate::actor::Actor,
    fence: Option<Precondition>,
}

impl Webhooks {
    pub(crate) fn new(store: Arc<Store>, actor: crate::actor::Actor) -> Self {
        Webhooks {
            store,
            actor,
            fence: None,
        }
    }

    /// The same service whose delivery-record writes only land while
    /// `fence` holds (the leader's fencing token): a worker that lost its
    /// leadership cannot overwrite its successor's progress.
    pub fn fenced(mut self, fence: Option<Precondition>) -> Self {
        self.fence = fence;
        self
    }

    /// The endpoints as resources (get, list, update, delete).
    pub fn endpoints(&self) -> Resources<WebhookKind> {
        Resources::new(Arc::clone(&self.store), self.actor.clone())
    }

    /// Creates an endpoint. An empty secret is generated. Delivery starts
    /// with the events after the log's head. Returns the endpoint (its
    /// secret stored sealed) and the secret, the one copy in the clear.
    pub async fn create(&self, mut draft: Draft<WebhookSpec>) -> Result<(Webhook, String)> {
        if draft.spec.secret.is_empty() {
            draft.spec.secret = new_secret()?;
        }
        let secret = draft.spec.secret.clone();
        let start_after = self.store.engine.current_revision().await?;
        let status = WebhookStatus {
            start_after,
            ..WebhookStatus::default()
        };
        let endpoint = self.endpoints().create_as(draft, status, "created").await?;
        Ok((endpoint, secret))
    }

    /// The secrets deliveries to `endpoint` are signed with at `now`, in
    /// the clear: the current one first, then those replaced less than 24
    /// hours ago.
    pub fn signing_secrets(&self, endpoint: &Webhook, now: Timestamp) -> Result<Vec<String>> {
        endpoint
            .signing_secrets(now)
            .into_iter()
            .map(|stored| self.store.master_key.open_secret(stored))
            .collect()
    }

    /// Creates the endpoint for `draft.spec.url`, or updates the one that
    /// has it (keeping its name and tags; idempotent: an unchanged endpoint
    /// writes nothing). For the server's configuration file, which several
    /// servers of one store may apply at once.
    pub async fn apply_by_url(&self, draft: Draft<WebhookSpec>) -> Result<Applied<WebhookKind>> {
        let options = ListOptions {
            filters: vec![Filter {
                field: URL_FIELD.into(),
                value: draft.spec.url.clone(),
            }],
            ..ListOptions::default()
        }
        .page_size(1);
        for _ in 0..crate::resources::MAX_ATTEMPTS {
            let found = self
                .endpoints()
                .list(&options)
                .await?
                .items
                .into_iter()
                .next();
            let Some(current) = found else {
                match self.create(draft.clone()).await {
                    Ok((object, _)) => {
                        return Ok(Applied {
                            object,
                            outcome: crate::ApplyOutcome::Created,
                        });
                    }
                    // Another server created it meanwhile: update that one.
                    Err(Error::AlreadyExists { .. }) => continue,
                    Err(err) => return Err(err),
                }
            };
            let version = current.resource_version();
            let draft = Draft {
                name: current.meta.name.clone(),
                tags: current.meta.tags.clone(),
                ..draft
            };
            let object = self.endpoints().update(current.id(), draft, None).await?;
            let outcome = if object.resource_version() == version {
                crate::ApplyOutcome::Unchanged
            } else {
                crate::ApplyOutcome::Configured
            };
            return Ok(Applied { object, outcome });
        }
        Err(Error::Unavailable(format!(
            "the webhook endpoint for {} is changing too fast",
            draft.spec.url
        )))
    }

    /// Replaces the endpoint's secret (`None`: a generated one); the old
    /// one keeps signing for 24 hours. Returns the endpoint and the new
    /// secret.
    pub async fn rotate_secret(
        &self,
        id: &str,
        secret: Option<String>,
    ) -> Result<(Webhook, String)> {
        let secret = match secret {
            Some(secret) => {
                secret_key(&secret)
                    .map_err(|reason| Error::invalid(WebhookKind::SUBJECT, "secret", reason))?;
                secret
            }
            None => new_secret()?,
        };
        let endpoint = self
            .endpoints()
            .modify(id, None, |current, now| {
                let key = &self.store.master_key;
                if key.open_secret(&current.spec.secret)? == secret {
                    return Ok(Change::Keep);
                }
                let mut next = current.clone();
                next.spec.secret = key.seal_secret(&secret)?;
                WebhookKind::prepare_update(current, &mut next, now);
                next.meta.updated_at = now;
                Ok(Change::Replace(next, &["updated"]))
            })
            .await?;
        Ok((endpoint, secret))
    }

    /// Turns delivery to the endpoint off for `reason` (the receiver
    /// answered `410 Gone`, or failed past the retry schedule): a server
    /// write with the events `webhook.updated` and `webhook.disabled`.
    pub async fn disable(&self, id: &str, reason: &str) -> Result<Webhook> {
        let endpoints: Resources<WebhookKind> = Resources::system(&self.store);
        for _ in 0..crate::resources::MAX_ATTEMPTS {
            let current = endpoints.get(id).await?;
            if !current.spec.enabled {
                return Ok(current);
            }
            let mut next = current.clone();
            next.spec.enabled = false;
            next.status.disabled_reason = reason.to_string();
            let mut txn = Txn::new(crate::meta::SYSTEM_ACTOR);
            next.meta.updated_at = txn.now;
            if let Some(fence) = &self.fence {
                txn.expect_fence(fence.clone());
            }
            txn.replace(&current, &next);
            txn.event("updated", &next);
            txn.event("disabled", &next);
            match self.store.commit(txn).await {
                Ok(revision) => {
                    next.meta.stamp(revision);
                    return Ok(next);
                }
                Err(TxnError::Fatal(err)) => return Err(err),
                Err(TxnError::Changed { .. }) if self.fence_lost().await? => {
                    return Err(Error::Unavailable("no longer the leader".into()));
                }
                Err(TxnError::Changed { .. }) => {}
            }
        }
        Err(Error::Unavailable(format!(
            "webhook {id} is changing too fast"
        )))
    }

    /// Writes the event `webhook.test` for the endpoint: delivery sends it
    /// to this endpoint only, like any other event (signed, retried,
    /// recorded). The endpoint must be enabled.
    pub async fn send_test(&self, id: &str) -> Result<TestEvent> {
        let endpoints = self.endpoints();
        for _ in 0..crate::resources::MAX_ATTEMPTS {
            let current = endpoints.get(id).await?;
            if !current.spec.enabled {
                return Err(Error::FailedPrecondition {
                    kind: WebhookKind::NAME,
                    id: id.to_string(),
                    state: "disabled".into(),
                    reason: "enable it to send a test event".into(),
                });
            }
            let mut txn = Txn::new(&self.actor);
            txn.expect_unchanged(&current);
            txn.event("test", &current);
            match self.store.commit(txn).await {
                // The event is the commit's only one: index 0.
                Ok(revision) => {
                    return Ok(TestEvent {
                        event_id: format!("evt_{revision}_0"),
                        delivery_id: Delivery::id_of(revision, 0),
                    });
                }
                Err(TxnError::Fatal(err)) => return Err(err),
                Err(TxnError::Changed { .. }) => {}
            }
        }
        Err(Error::Unavailable(format!(
            "webhook {id} is changing too fast"
        )))
    }

    /// The revision an endpoint's delivery has processed the log through,
    /// if it has started.
    pub async fn cursor(&self, endpoint: &str) -> Result<Option<u64>> {
        let Some(entry) = self.store.engine.get(&cursor_key(endpoint)).await? else {
            return Ok(None);
        };
        let bytes: [u8; 8] = entry
            .value
            .as_slice()
            .try_into()
            .map_err(|_| Error::Internal(format!("corrupt webhook cursor of {endpoint}")))?;
        Ok(Some(u64::from_le_bytes(bytes)))
    }

    /// Records that the endpoint's delivery has processed the log through
    /// `revision` (a durable consumer: retention keeps what it has not
    /// processed).
    pub async fn save_cursor(&self, endpoint: &str, revision: u64) -> Result<()> {
        self.write(Op::Put(
            cursor_key(endpoint),
            revision.to_le_bytes().to_vec(),
        ))
        .await
    }

    /// The delivery of the event at (`revision`, `index`), if recorded.
    pub async fn delivery(
        &self,
        endpoint: &str,
        revision: u64,
        index: u32,
    ) -> Result<Option<Delivery>> {
        let key = keys::webhook_delivery(endpoint, revision, index);
        match self.store.engine.get(&key).await? {
            None => Ok(None),
            Some(entry) => Delivery::decode(&entry.value).map(Some),
        }
    }

    /// The delivery called `delivery_id` (`dlv_…`) of the endpoint, or
    /// `NOT_FOUND`.
    pub async fn delivery_by_id(&self, endpoint: &str, delivery_id: &str) -> Result<Delivery> {
        let not_found = || Error::not_found("webhook delivery", delivery_id);
        let (revision, index) = Delivery::parse_id(delivery_id).ok_or_else(not_found)?;
        self.delivery(endpoint, revision, index)
            .await?
            .ok_or_else(not_found)
    }

    /// Changes the record of the delivery of the event at (`revision`,
    /// `index`) by `change`, read-modify-write on the condition that
    /// nobody wrote it meanwhile (the dispatcher and a person's redelivery
    /// may both add an attempt): a lost race reads it again. A record that
    /// does not exist yet starts as `new` (`None`: `NOT_FOUND`).
    pub async fn update_delivery(
        &self,
        endpoint: &str,
        revision: u64,
        index: u32,
        new: Option<Delivery>,
        mut change: impl FnMut(&mut Delivery),
    ) -> Result<Delivery> {
        let key = keys::webhook_delivery(endpoint, revision, index);
        for _ in 0..crate::resources::MAX_ATTEMPTS {
            let (mut delivery, precondition) = match self.store.engine.get(&key).await? {
                Some(entry) => (
                    Delivery::decode(&entry.value)?,
                    Precondition::AtRevision(key.clone(), entry.mod_revision),
                ),
                None => match &new {
                    Some(new) => (new.clone(), Precondition::Absent(key.clone())),
                    None => {
                        return Err(Error::not_found(
                            "webhook delivery",
                            Delivery::id_of(revision, index),
                        ));
                    }
                },
            };
            change(&mut delivery);
            let commit = Commit {
                preconditions: self.fence.iter().cloned().chain([precondition]).collect(),
                ops: vec![Op::Put(key.clone(), delivery.encode())],
                events: Vec::new(),
            };
            match self.store.engine.commit(commit).await {
                Ok(_) => return Ok(delivery),
                Err(CommitError::PreconditionFailed(failed))
                    if self.fence.is_some() && failed.index == 0 =>
                {
                    return Err(Error::Unavailable("no longer the leader".into()));
                }
                Err(CommitError::PreconditionFailed(_)) => {}
                Err(CommitError::Storage(err)) => return Err(err.into()),
            }
        }
        Err(Error::Unavailable(format!(
            "webhook delivery {} is changing too fast",
            Delivery::id_of(revision, index)
        )))
    }

    /// Up to `limit` deliveries of the endpoint after `after` (a delivery
    /// id; `None`: from the oldest kept), in log order.
    pub async fn deliveries(
        &self,
        endpoint: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<DeliveryPage> {
        let prefix = keys::webhook_deliveries(endpoint);
        let start = match after {
            None => None,
            Some(id) => {
                let (revision, index) = Delivery::parse_id(id).ok_or_else(|| {
                    Error::invalid(
                        "delivery list request",
                        "page_token",
                        "is not a page token of this list",
                    )
                })?;
                Some(keys::webhook_delivery(endpoint, revision, index))
            }
        };
        let page = self
            .store
            .engine
            .range(&prefix, start.as_deref(), limit)
            .await?;
        let items = page
            .entries
            .iter()
            .map(|(_, entry)| Delivery::decode(&entry.value))
            .collect::<Result<Vec<_>>>()?;
        Ok(DeliveryPage {
            items,
            more: page.more,
        })
    }

    /// Removes the endpoint's oldest delivery records beyond `keep`.
    /// Returns how many it removed.
    pub async fn prune_deliveries(&self, endpoint: &str, keep: usize) -> Result<usize> {
        let keys_seen = self.keys_under(&keys::webhook_deliveries(endpoint)).await?;
        let excess = keys_seen.len().saturating_sub(keep);
        for chunk in keys_seen[..excess].chunks(256) {
            self.write_all(chunk.iter().cloned().map(Op::Delete).collect())
                .await?;
        }
        Ok(excess)
    }

    /// Removes everything delivery kept for a deleted endpoint: its cursor
    /// (so it no longer holds back retention) and its delivery records.
    pub async fn forget(&self, endpoint: &str) -> Result<()> {
        self.prune_deliveries(endpoint, 0).await?;
        self.write(Op::Delete(cursor_key(endpoint))).await
    }

    /// The endpoints that have a cursor (started delivering), by id.
    pub async fn endpoints_with_cursors(&self) -> Result<Vec<String>> {
        let prefix = keys::system("cursor/webhook/");
        let keys = self.keys_under(&prefix).await?;
        Ok(keys
            .iter()
            .map(|k| String::from_utf8_lossy(&k[prefix.len()..]).into_owned())
            .collect())
    }

    /// Every key starting with `prefix`, in order, a page at a time.
    async fn keys_under(&self, prefix: &[u8]) -> Result<Vec<Vec<u8>>> {
        let mut keys = Vec::new();
        let mut start: Option<Vec<u8>> = None;
        loop {
            let page = self
                .store
                .engine
                .range(prefix, start.as_deref(), 1000)
                .await?;
            start = page.entries.last().map(|(k, _)| k.clone());
            keys.extend(page.entries.into_iter().map(|(k, _)| k));
            if !page.more {
                return Ok(keys);
            }
        }
    }

    async fn write(&self, op: Op) -> Result<()> {
        self.write_all(vec![op]).await
    }

    /// One commit of system records, under the fence if there is one.
    async fn write_all(&self, ops: Vec<Op>) -> Result<()> {
        let commit = Commit {
            preconditions: self.fence.iter().cloned().collect(),
            ops,
            events: Vec::new(),
        };
        match self.store.engine.commit(commit).await {
            Ok(_) => Ok(()),
            Err(CommitError::PreconditionFailed(_)) => {
                Err(Error::Unavailable("no longer the leader".into()))
            }
            Err(CommitError::Storage(err)) => Err(err.into()),
        }
    }

    /// Whether the fence no longer holds.
    async fn fence_lost(&self) -> Result<bool> {
        let Some(Precondition::AtRevision(key, revision)) = &self.fence else {
            return Ok(false);
        };
        let entry = self.store.engine.get(key).await?;
        Ok(entry.is_none_or(|e| e.mod_revision != *revision))
    }
}

fn cursor_key(endpoint: &str) -> Vec<u8> {
    keys::system(&format!("cursor/webhook/{endpoint}"))
}

/// Seals every endpoint's secrets (current and retired) under the master
/// key that seals now, where any is not: a store written before secrets
/// were sealed, or a rotation of the master key. A system write of the
/// same secrets in another form: no event, no client change. Returns how
/// many endpoints it rewrote.
pub(crate) async fn reseal(store: &Arc<Store>) -> Result<usize> {
    let mut rewritten = 0;
    for _ in 0..crate::resources::MAX_ATTEMPTS {
        let (done, raced) = reseal_pass(store).await?;
        rewritten += done;
        if !raced {
            return Ok(rewritten);
        }
    }
    Err(Error::Unavailable(
        "webhook endpoints are changing too fast to reseal their secrets".into(),
    ))
}

/// One pass of [`reseal`]: (endpoints rewritten, whether a write raced).
async fn reseal_pass(store: &Arc<Store>) -> Result<(usize, bool)> {
    let key = &store.master_key;
    let endpoints: Resources<WebhookKind> = Resources::system(store);
    let mut options = ListOptions::default().page_size(crate::MAX_PAGE_SIZE);
    let mut rewritten = 0;
    let mut raced = false;
    loop {
        let page = endpoints.list(&options).await?;
        for current in &page.items {
            let stale =
                |stored: &String| !stored.is_empty() && !key.secret_sealed_by_current(stored);
            if !stale(&current.spec.secret)
                && !current
                    .status
                    .retired_secrets
                    .iter()
                    .any(|r| stale(&r.secret))
            {
                continue;
            }
            let reseal = |stored: &mut String| -> Result<()> {
                if stale(stored) {
                    *stored = key.seal_secret(&key.open_secret(stored)?)?;
                }
                Ok(())
            };
            let mut next = current.clone();
            reseal(&mut next.spec.secret)?;
            for retired in &mut next.status.retired_secrets {
                reseal(&mut retired.secret)?;
            }
            let mut txn = Txn::new(crate::meta::SYSTEM_ACTOR);
            txn.replace(current, &next);
            match store.commit(txn).await {
                Ok(_) => rewritten += 1,
                Err(TxnError::Changed { .. }) => raced = true,
                Err(TxnError::Fatal(err)) => return Err(err),
            }
        }
        match page.next_page_token {
            Some(token) => options = options.page_token(token),
            None => return Ok((rewritten, raced)),
        }
    }
}
