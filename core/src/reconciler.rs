//! The fleet reconciler: makes each fleet's live instances match its
//! `capacity`, and finishes fleet deletes.
//!
//! It follows the event log from a cursor stored in the database, so a
//! restart resumes where it stopped. Each step is level-based — it reads
//! the fleet and its members and writes the difference — so replaying an
//! event is harmless. Every step commits on the condition that the fleet
//! (and each member it touches) is unchanged since it was read, so a racing
//! writer or a second reconciler can never make it create or terminate
//! twice.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clusterdb_storage::Revision;

use crate::compute::instance::walk;
use crate::compute::{
    Fleet, FleetKind, FleetState, FleetStatus, Instance, InstanceKind, InstanceSpec, InstanceState,
    InstanceStatus,
};
use crate::error::{Error, Result};
use crate::event::known_event;
use crate::keys;
use crate::kind::Draft;
use crate::list::ListOptions;
use crate::meta::MAX_NAME_LEN;
use crate::meta::SYSTEM_ACTOR;
use crate::resources::{Resources, new_object};
use crate::store::Store;
use crate::txn::{Txn, TxnError};

/// Where the cursor is stored.
const CURSOR: &str = "cursor/fleet-reconciler";
/// Events read per step.
const BATCH: usize = 1024;
/// Instances created or terminated per commit: about three keys and two
/// events each, so a commit stays under etcd's default limit of 128
/// operations per transaction.
const CHUNK: usize = 20;
/// Commits one fleet may take per pass before yielding.
const MAX_ROUNDS: usize = 64;
/// Fleets reconciled at once.
const PARALLEL_FLEETS: usize = 256;
/// Events processed before the cursor is saved.
const CHECKPOINT_EVENTS: usize = 1024;
/// Longest time processed events go without the cursor being saved.
const CHECKPOINT_INTERVAL: Duration = Duration::from_secs(1);

/// Runs until aborted; on an error it logs, waits and resumes from the
/// stored cursor.
pub(crate) async fn run(store: Arc<Store>) {
    let mut backoff = Duration::from_millis(100);
    loop {
        match follow(&store).await {
            Ok(()) => return,
            Err(err) => {
                tracing::warn!(error = %err, "fleet reconciler stopped; resuming from its cursor");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(10));
            }
        }
    }
}

async fn follow(store: &Arc<Store>) -> Result<()> {
    let engine = &store.engine;
    let mut watch = engine.watch_revision();
    let (mut cursor, mut cursor_version) = load_cursor(store).await?;
    // Progress past the stored cursor, saved every CHECKPOINT_EVENTS
    // events or CHECKPOINT_INTERVAL, not once per batch: a restart replays
    // at most that much, which is harmless (every step is level-based).
    let mut processed = cursor;
    let own = Arc::new(OwnCommits::default());
    let mut unsaved = 0;
    let mut unsaved_since: Option<Instant> = None;
    loop {
        watch.borrow_and_update();
        let records = match engine.events_since(processed, BATCH).await {
            Ok(records) => records,
            Err(clusterdb_storage::Error::Compacted { .. }) => {
                // Missed events: look at every fleet instead.
                let now = engine.current_revision().await?;
                reconcile_all(store, &own).await?;
                (cursor, cursor_version) = save_cursor(store, now, cursor_version).await?;
                (processed, unsaved, unsaved_since) = (cursor, 0, None);
                continue;
            }
            Err(err) => return Err(err.into()),
        };
        let Some(last) = records.last().map(|r| r.revision) else {
            let Some(since) = unsaved_since else {
                if watch.changed().await.is_err() {
                    return Ok(()); // the store closed
                }
                continue;
            };
            // Idle with unsaved progress: save it when the interval is up,
            // unless new events come first.
            let due = (since + CHECKPOINT_INTERVAL).saturating_duration_since(Instant::now());
            match tokio::time::timeout(due, watch.changed()).await {
                Ok(Ok(())) => continue,
                Ok(Err(_)) => return Ok(()),
                Err(_elapsed) => {
                    (cursor, cursor_version) =
                        save_cursor(store, processed, cursor_version).await?;
                    (processed, unsaved, unsaved_since) = (cursor.max(processed), 0, None);
                    continue;
                }
            }
        };
        let mut dirty = BTreeSet::new();
        let mine = {
            let mut own = own.lock();
            let mine: BTreeSet<Revision> = own.range(..=last).copied().collect();
            own.retain(|revision| *revision > last);
            mine
        };
        let theirs = records.iter().filter(|r| !mine.contains(&r.revision));
        for event in theirs.filter_map(|r| known_event(r, &store.kinds)) {
            if event.is::<FleetKind>() {
                dirty.insert(event.meta.id);
                continue;
            }
            match event.object::<InstanceKind>() {
                Ok(instance) => dirty.extend(instance.and_then(|i| i.status.fleet_id)),
                Err(err) => {
                    tracing::warn!(event = %event.id, error = %err, "skipping an instance event")
                }
            }
        }
        reconcile_many(store, &own, dirty).await?;
        processed = last;
        unsaved += records.len();
        let since = *unsaved_since.get_or_insert_with(Instant::now);
        if unsaved >= CHECKPOINT_EVENTS || since.elapsed() >= CHECKPOINT_INTERVAL {
            (cursor, cursor_version) = save_cursor(store, processed, cursor_version).await?;
            (processed, unsaved, unsaved_since) = (cursor.max(processed), 0, None);
        }
    }
}

async fn load_cursor(store: &Store) -> Result<(Revision, Option<Revision>)> {
    let (cursor, version) = match store.engine.get(&keys::system(CURSOR)).await? {
        None => (0, None),
        Some(entry) => {
            let bytes: [u8; 8] = entry
                .value
                .as_slice()
                .try_into()
                .map_err(|_| Error::Internal("corrupt reconciler cursor".into()))?;
            (u64::from_le_bytes(bytes), Some(entry.mod_revision))
        }
    };
    store.reconciler_cursor.publish(cursor);
    Ok((cursor, version))
}

/// Stores the cursor, on the condition that nobody else moved it, and
/// returns the cursor to continue from with its version. When another
/// process sharing the store moved it meanwhile (several servers on one
/// etcd all reconcile until leader election exists; their changes are
/// conditional, so this is redundant but safe), its progress is adopted.
async fn save_cursor(
    store: &Store,
    cursor: Revision,
    version: Option<Revision>,
) -> Result<(Revision, Option<Revision>)> {
    let key = keys::system(CURSOR);
    let mut txn = Txn::new(SYSTEM_ACTOR);
    txn.expect_system(key.clone(), version);
    txn.put(key, cursor.to_le_bytes().to_vec());
    match store.commit(txn).await {
        Ok(revision) => {
            store.reconciler_cursor.publish(cursor);
            Ok((cursor, Some(revision)))
        }
        Err(TxnError::Fatal(err)) => Err(err),
        Err(TxnError::Changed { .. }) => {
            let (theirs, their_version) = load_cursor(store).await?;
            tracing::debug!(ours = cursor, theirs, "another reconciler moved the cursor");
            if theirs >= cursor {
                Ok((theirs, their_version))
            } else {
                // Ours is further: store it over theirs.
                Box::pin(save_cursor(store, cursor, their_version)).await
            }
        }
    }
}

async fn reconcile_all(store: &Arc<Store>, own: &Arc<OwnCommits>) -> Result<()> {
    let fleets: Resources<FleetKind> = Resources::system(store);
    let mut options = ListOptions::default().page_size(1000);
    loop {
        let page = fleets.list(&options).await?;
        let ids: Vec<String> = page.items.iter().map(|f| f.meta.id.clone()).collect();
        reconcile_many(store, own, ids).await?;
        match page.next_page_token {
            Some(token) => options = options.page_token(token),
            None => return Ok(()),
        }
    }
}

/// Reconciles fleets concurrently, at most [`PARALLEL_FLEETS`] at once, so
/// their commits share group commits instead of waiting for one fsync
/// each. Each fleet's steps stay sequential (and conditional), so this
/// changes no outcome, only how many fleets a second the reconciler keeps
/// up with.
async fn reconcile_many(
    store: &Arc<Store>,
    own: &Arc<OwnCommits>,
    fleet_ids: impl IntoIterator<Item = String>,
) -> Result<()> {
    let mut running = tokio::task::JoinSet::new();
    let mut first_error = None;
    for fleet_id in fleet_ids {
        if running.len() >= PARALLEL_FLEETS
            && let Some(done) = running.join_next().await
        {
            note(done, &mut first_error);
        }
        let (store, own) = (Arc::clone(store), Arc::clone(own));
        running.spawn(async move { reconcile(&store, &fleet_id, &own).await });
    }
    while let Some(done) = running.join_next().await {
        note(done, &mut first_error);
    }
    first_error.map_or(Ok(()), Err)
}

/// Keeps the first error of a reconcile task; a panic is passed on.
fn note(
    done: std::result::Result<Result<()>, tokio::task::JoinError>,
    first_error: &mut Option<Error>,
) {
    match done {
        Ok(Ok(())) => {}
        Ok(Err(err)) => {
            first_error.get_or_insert(err);
        }
        Err(join) if join.is_panic() => std::panic::resume_unwind(join.into_panic()),
        Err(_) => {}
    }
}

/// Brings one fleet to its desired state, a chunk per commit.
/// The revisions of the commits this reconciler made and has not read back
/// yet: their events need no reaction (each fleet's loop re-checked the
/// state after its own commit), so they are skipped instead of making the
/// fleet dirty again.
#[derive(Default)]
struct OwnCommits(std::sync::Mutex<BTreeSet<Revision>>);

impl OwnCommits {
    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeSet<Revision>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

async fn reconcile(store: &Arc<Store>, fleet_id: &str, own: &OwnCommits) -> Result<()> {
    let fleets: Resources<FleetKind> = Resources::system(store);
    let instances: Resources<InstanceKind> = Resources::system(store);
    for _ in 0..MAX_ROUNDS {
        let Some(fleet) = fleets.find(fleet_id).await? else {
            return Ok(());
        };
        let members = members(&instances, fleet_id).await?;
        let Some((txn, complete)) = plan(&fleet, &members) else {
            return Ok(());
        };
        match store.commit(txn).await {
            // The commit was conditional on the fleet and members read, and
            // wrote the status they imply: nothing is left to check.
            Ok(revision) if complete => {
                own.lock().insert(revision);
                return Ok(());
            }
            Ok(revision) => {
                own.lock().insert(revision);
            }
            // Someone changed the fleet or a member: look again.
            Err(TxnError::Changed { .. }) => {}
            // A generated member name was taken: try other names.
            Err(TxnError::Fatal(Error::AlreadyExists { .. })) => {}
            Err(TxnError::Fatal(err)) => return Err(err),
        }
    }
    Ok(())
}

async fn members(instances: &Resources<InstanceKind>, fleet_id: &str) -> Result<Vec<Instance>> {
    let mut options = ListOptions::default()
        .page_size(1000)
        .field("fleet_id", fleet_id);
    let mut all = Vec::new();
    loop {
        let page = instances.list(&options).await?;
        all.extend(page.items);
        match page.next_page_token {
            Some(token) => options = options.page_token(token),
            None => return Ok(all),
        }
    }
}

/// The next commit that moves `fleet` toward its desired state, and whether
/// that commit reaches it; `None` when the fleet is there.
fn plan(fleet: &Fleet, members: &[Instance]) -> Option<(Txn, bool)> {
    let mut txn = Txn::new(SYSTEM_ACTOR);
    let now = txn.now;
    let desired = match fleet.status.state {
        FleetState::Active => fleet.spec.capacity as usize,
        FleetState::Deleting => 0,
    };
    let mut live: Vec<Instance> = members
        .iter()
        .filter(|m| m.status.state != InstanceState::Terminated)
        .cloned()
        .collect();
    if live.len() < desired {
        for _ in 0..(desired - live.len()).min(CHUNK) {
            let mut member = new_object::<InstanceKind>(
                Draft::new(
                    member_name(fleet.name()),
                    InstanceSpec {
                        instance_type: fleet.spec.instance_type.clone(),
                    },
                ),
                InstanceStatus {
                    state: InstanceState::Pending,
                    fleet_id: Some(fleet.meta.id.clone()),
                    launched_at: None,
                    stopped_at: None,
                },
                now,
                SYSTEM_ACTOR,
            );
            // Created and started in one commit: the events show both
            // steps, the store holds the running instance.
            txn.event("created", &member);
            walk(&mut member, &[InstanceState::Running], "start", now)
                .expect("pending -> running is allowed");
            txn.insert(&member);
            txn.event("started", &member);
            live.push(member);
        }
    } else if live.len() > desired {
        // Terminate what serves least first: not running, then the newest.
        live.sort_by_key(|m| {
            (
                m.status.state == InstanceState::Running,
                std::cmp::Reverse(m.meta.id.clone()),
            )
        });
        let excess = (live.len() - desired).min(CHUNK);
        for member in live.drain(..excess) {
            let mut next = member.clone();
            walk(&mut next, &[InstanceState::Terminated], "terminate", now)
                .expect("a live instance can always terminate");
            txn.replace(&member, &next);
            txn.event("terminated", &next);
        }
    }
    let complete = live.len() == desired;
    let status = FleetStatus {
        state: fleet.status.state,
        instances: live.len() as u32,
        running_instances: live
            .iter()
            .filter(|m| m.status.state == InstanceState::Running)
            .count() as u32,
    };
    if fleet.status.state == FleetState::Deleting && live.is_empty() {
        let mut last = fleet.clone();
        last.status = status;
        txn.remove(fleet);
        txn.event("deleted", &last);
    } else if status != fleet.status {
        let mut next = fleet.clone();
        next.status = status;
        next.meta.updated_at = now;
        txn.replace(fleet, &next);
        txn.event("updated", &next);
    } else if txn.is_empty() {
        return None;
    } else {
        // Members changed but the recorded counts already match: still
        // tie the commit to the fleet version that was read.
        txn.expect_unchanged(fleet);
    }
    Some((txn, complete))
}

/// A member name: the fleet's name (shortened to fit) and a random suffix.
fn member_name(fleet_name: &str) -> String {
    let suffix = ulid::Ulid::new().to_string().to_lowercase();
    let suffix = &suffix[suffix.len() - 8..];
    let keep = fleet_name.len().min(MAX_NAME_LEN - 9);
    format!("{}-{suffix}", &fleet_name[..keep])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_names_are_valid_and_unique() {
        let long = "f".repeat(63);
        let a = member_name(&long);
        let b = member_name(&long);
        assert_ne!(a, b);
        crate::meta::validate_name("instance configuration", "name", &a).unwrap();
        assert!(member_name("web-fleet").starts_with("web-fleet-"));
    }
}
