//! Retention: what the store keeps, bounded by a policy, with bounded work
//! per step.
//!
//! - **Events** older than [`RetentionPolicy::event_max_age`], or outside
//!   the newest [`RetentionPolicy::event_max_revisions`] revisions, are
//!   compacted — but never past a durable consumer (every cursor stored
//!   under `s/cursor/`, such as the fleet reconciler's) that has not yet
//!   passed them, unless it lags more than
//!   [`RetentionPolicy::consumer_max_lag`] revisions behind the head: then
//!   the events go, the consumer is named in the log, and it learns of the
//!   gap from `Compacted` on its next read (the reconciler then re-reads
//!   every fleet).
//! - **Terminated instances** are removed (`instance.deleted`) once they
//!   have been terminated for [`RetentionPolicy::terminated_instance_ttl`].
//!
//! One step compacts at most [`EVENTS_PER_STEP`] events and looks at most
//! at [`INSTANCES_PER_STEP`] terminated instances; the worker steps again
//! soon while there is more to do.

use std::sync::Arc;
use std::time::Duration;

use clusterdb_storage::Revision;

use crate::compute::InstanceKind;
use crate::compute::instance::TERMINATED_FIELD;
use crate::error::{Error, Result};
use crate::event::decode_event;
use crate::keys;
use crate::list::ListOptions;
use crate::resources::Resources;
use crate::store::Store;
use crate::timestamp::Timestamp;

/// Most events one step removes.
pub const EVENTS_PER_STEP: usize = 1000;
/// Most terminated instances one step looks at.
pub const INSTANCES_PER_STEP: u32 = 100;

/// What the store keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetentionPolicy {
    /// Events older than this are removed (default 7 days).
    pub event_max_age: Duration,
    /// Only the events of the newest this many revisions are kept (default
    /// 1,000,000).
    pub event_max_revisions: u64,
    /// A durable consumer further behind the head than this many revisions
    /// no longer holds events back (default 5,000,000).
    pub consumer_max_lag: u64,
    /// Terminated instances are removed after this long (default 24 h).
    pub terminated_instance_ttl: Duration,
    /// A function module no function refers to is removed once its last
    /// upload is this old (default 15 min: an upload and the function
    /// write naming it never straddle a collection).
    pub unreferenced_module_grace: Duration,
    /// Time between steps when there is nothing to catch up (default 60 s).
    pub interval: Duration,
}

impl Default for RetentionPolicy {
    fn default() -> Self {
        RetentionPolicy {
            event_max_age: Duration::from_secs(7 * 24 * 3600),
            event_max_revisions: 1_000_000,
            consumer_max_lag: 5_000_000,
            terminated_instance_ttl: Duration::from_secs(24 * 3600),
            unreferenced_module_grace: Duration::from_secs(15 * 60),
            interval: Duration::from_secs(60),
        }
    }
}

/// What one step did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RetentionReport {
    /// Events removed.
    pub events_removed: usize,
    /// Events below this revision are gone now (if any were removed).
    pub events_removed_before: Option<Revision>,
    /// Durable consumers that lost events because they lagged too far.
    pub lagging_consumers: Vec<String>,
    /// Terminated instances removed.
    pub instances_removed: usize,
    /// Function modules removed (no function referred to them).
    pub modules_removed: usize,
    /// Whether a limit per step was reached (more to do).
    pub more: bool,
}

/// The durable consumers' cursors: `(name, revision processed through)`.
pub(crate) async fn consumer_cursors(store: &Store) -> Result<Vec<(String, Revision)>> {
    let prefix = keys::system("cursor/");
    let page = store.engine.range(&prefix, None, 1000).await?;
    page.entries
        .into_iter()
        .map(|(key, entry)| {
            let name = String::from_utf8_lossy(&key[prefix.len()..]).into_owned();
            let bytes: [u8; 8] = entry
                .value
                .as_slice()
                .try_into()
                .map_err(|_| Error::Internal(format!("corrupt cursor {name}")))?;
            Ok((name, u64::from_le_bytes(bytes)))
        })
        .collect()
}

/// The oldest events still stored (at most one step's worth).
async fn oldest_events(store: &Store) -> Result<Vec<clusterdb_storage::EventRecord>> {
    match store.engine.events_since(0, EVENTS_PER_STEP).await {
        Err(clusterdb_storage::Error::Compacted {
            compacted_through, ..
        }) => Ok(store
            .engine
            .events_since(compacted_through, EVENTS_PER_STEP)
            .await?),
        other => Ok(other?),
    }
}

/// One step of event compaction.
async fn compact_events(
    store: &Store,
    policy: &RetentionPolicy,
    report: &mut RetentionReport,
) -> Result<()> {
    let oldest = oldest_events(store).await?;
    let (Some(first), Some(last)) = (oldest.first(), oldest.last()) else {
        // An empty log: the next revision will be the oldest kept.
        let head = store.engine.current_revision().await?;
        store.oldest_event.publish(head + 1);
        return Ok(());
    };
    let head = store.engine.current_revision().await?;
    let now = Timestamp::now().unix_millis();
    let max_age = i64::try_from(policy.event_max_age.as_millis()).unwrap_or(i64::MAX);
    // By age: up to the first event young enough to keep.
    let by_age = oldest
        .iter()
        .find(|record| {
            decode_event(record)
                .map(|e| now.saturating_sub(e.timestamp.unix_millis()) < max_age)
                // Unreadable: its age is unknown; keep it to the count rule.
                .unwrap_or(true)
        })
        .map_or(last.revision + 1, |record| record.revision);
    // By count: keep the newest `event_max_revisions` revisions.
    let by_count = head.saturating_sub(policy.event_max_revisions) + 1;
    // Bounded work: at most this step's batch.
    let mut cut = by_age.max(by_count).min(last.revision + 1);
    // Never past a durable consumer, unless it lags beyond the hard cap.
    let floor_allowed = head.saturating_sub(policy.consumer_max_lag) + 1;
    for (name, cursor) in consumer_cursors(store).await? {
        let floor = (cursor + 1).max(floor_allowed);
        if cut > cursor + 1 && floor > cursor + 1 {
            tracing::warn!(
                consumer = %name,
                cursor,
                head,
                "a durable consumer lags more than the retention cap; it loses events"
            );
            report.lagging_consumers.push(name);
        }
        cut = cut.min(floor);
    }
    if cut <= first.revision {
        store.oldest_event.publish(first.revision);
        return Ok(());
    }
    store.engine.compact_events(cut).await?;
    // The first event at or after the cut is the oldest kept.
    store.oldest_event.publish(cut);
    let removed = oldest.iter().filter(|r| r.revision < cut).count();
    tracing::info!(removed, before = cut, "events compacted");
    report.events_removed = removed;
    report.events_removed_before = Some(cut);
    report.more |= removed == oldest.len() && oldest.len() == EVENTS_PER_STEP;
    Ok(())
}

/// Where the instance and module sweeps continue (`None`: from the start).
#[derive(Debug, Default)]
pub(crate) struct SweepPosition {
    instances: Option<String>,
    modules: Option<Vec<u8>>,
}

/// One step of the terminated-instance sweep.
async fn collect_instances(
    store: &Arc<Store>,
    policy: &RetentionPolicy,
    position: &mut SweepPosition,
    report: &mut RetentionReport,
) -> Result<()> {
    let instances: Resources<InstanceKind> = Resources::system(store);
    let mut options = ListOptions::default()
        .field(TERMINATED_FIELD, "true")
        .page_size(INSTANCES_PER_STEP);
    if let Some(token) = position.instances.take() {
        options = options.page_token(token);
    }
    let page = instances.list(&options).await?;
    let now = Timestamp::now().unix_millis();
    let ttl = i64::try_from(policy.terminated_instance_ttl.as_millis()).unwrap_or(i64::MAX);
    for instance in &page.items {
        let terminated_at = instance
            .status
            .stopped_at
            .unwrap_or(instance.meta.updated_at)
            .unix_millis();
        if now.saturating_sub(terminated_at) < ttl {
            continue;
        }
        match instances
            .delete(instance.id(), Some(instance.resource_version()))
            .await
        {
            Ok(_) => report.instances_removed += 1,
            // Changed or gone meanwhile: the next pass looks again.
            Err(Error::Conflict { .. } | Error::NotFound { .. }) => {}
            Err(err) => return Err(err),
        }
    }
    if report.instances_removed > 0 {
        tracing::info!(
            removed = report.instances_removed,
            "terminated instances removed"
        );
    }
    report.more |= page.next_page_token.is_some();
    position.instances = page.next_page_token;
    Ok(())
}

/// One step of the function module collection.
async fn collect_modules(
    store: &Store,
    policy: &RetentionPolicy,
    position: &mut SweepPosition,
    report: &mut RetentionReport,
) -> Result<()> {
    let referrers: Vec<(&str, &str)> = store
        .kinds
        .referrers_of(crate::compute::module::MODULE)
        .map(|r| (r.kind, r.reference.field))
        .collect();
    let (removed, next) = crate::compute::module::collect(
        &*store.engine,
        &referrers,
        policy.unreferenced_module_grace,
        position.modules.take(),
    )
    .await?;
    if removed > 0 {
        tracing::info!(removed, "unreferenced function modules removed");
    }
    report.modules_removed += removed;
    report.more |= next.is_some();
    position.modules = next;
    Ok(())
}

/// One retention step: compaction, then the instance sweep.
pub(crate) async fn step(
    store: &Arc<Store>,
    policy: &RetentionPolicy,
    position: &mut SweepPosition,
) -> Result<RetentionReport> {
    let mut report = RetentionReport::default();
    compact_events(store, policy, &mut report).await?;
    collect_instances(store, policy, position, &mut report).await?;
    collect_modules(store, policy, position, &mut report).await?;
    Ok(report)
}

/// The retention worker: steps every interval, sooner while catching up.
pub(crate) async fn run(store: Arc<Store>, policy: RetentionPolicy) {
    let mut position = SweepPosition::default();
    loop {
        let wait = match step(&store, &policy, &mut position).await {
            Ok(report) if report.more => Duration::from_secs(1),
            Ok(_) => policy.interval,
            Err(err) => {
                tracing::warn!(error = %err, "a retention step failed; retrying later");
                policy.interval
            }
        };
        tokio::time::sleep(wait).await;
    }
}
