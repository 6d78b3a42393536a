//! [`Resources`]: create, read, list, update and delete for any [`Kind`].
//!
//! Every write is a read-modify-write: read the object at revision R, build
//! the change, commit it on the condition that the object is still at R.
//! Without an expected version a lost race is retried on the fresh state;
//! with one it is a `CONFLICT`.

use std::marker::PhantomData;
use std::sync::Arc;

use crate::codec::decode_object;
use crate::error::{Error, Result};
use crate::keys;
use crate::kind::{Draft, Kind, Object};
use crate::list::{ListOptions, ListPage, MAX_PAGE_BYTES, Query};
use crate::meta::{DEFAULT_NAMESPACE, Meta, validate_name, validate_namespace, validate_tags};
use crate::references;
use crate::store::Store;
use crate::timestamp::Timestamp;
use crate::txn::{Txn, TxnError, has_index_value};
use clusterdb_storage::freshness::{self, Freshness};

/// Attempts a write makes before giving up under contention.
pub(crate) const MAX_ATTEMPTS: usize = 64;
/// Index entries one filtered list reads at most before returning a
/// (possibly short) page with a token to continue.
const MAX_SCAN: usize = 10_000;

/// The change a read-modify-write makes to one object.
pub(crate) enum Change<K: Kind> {
    /// Nothing to write.
    Keep,
    /// Write the new object, with these event actions.
    Replace(Object<K>, &'static [&'static str]),
    /// Remove the object, with these event actions.
    Remove(&'static [&'static str]),
}

/// What [`Resources::apply`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApplyOutcome {
    /// No resource had the name: it was created.
    Created,
    /// The resource existed and was changed.
    Configured,
    /// The resource already matched: nothing was written, no event emitted.
    Unchanged,
}

impl ApplyOutcome {
    /// kubectl's word for it: `created`, `configured`, `unchanged`.
    pub fn as_str(self) -> &'static str {
        match self {
            ApplyOutcome::Created => "created",
            ApplyOutcome::Configured => "configured",
            ApplyOutcome::Unchanged => "unchanged",
        }
    }
}

/// The result of [`Resources::apply`].
pub struct Applied<K: Kind> {
    /// The resource as stored now.
    pub object: Object<K>,
    /// What the apply did.
    pub outcome: ApplyOutcome,
}

impl<K: Kind> Clone for Applied<K> {
    fn clone(&self) -> Self {
        Applied {
            object: self.object.clone(),
            outcome: self.outcome,
        }
    }
}

impl<K: Kind> PartialEq for Applied<K> {
    fn eq(&self, other: &Self) -> bool {
        self.object == other.object && self.outcome == other.outcome
    }
}

impl<K: Kind> std::fmt::Debug for Applied<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Applied")
            .field("object", &self.object)
            .field("outcome", &self.outcome)
            .finish()
    }
}

/// The typed service for one kind: `ClusterDb::resources::<K>()`, or a
/// short form such as `ClusterDb::fleets()`.
pub struct Resources<K: Kind> {
    pub(crate) store: Arc<Store>,
    /// Who this service writes as (see `ClusterDb::acting_as`).
    pub(crate) actor: crate::actor::Actor,
    kind: PhantomData<fn() -> K>,
}

impl<K: Kind> Clone for Resources<K> {
    fn clone(&self) -> Self {
        Resources::new(Arc::clone(&self.store), self.actor.clone())
    }
}

/// A fresh id for a kind: `{kind}-{ulid}`. Ids made by one process sort
/// in creation order (the generator is monotonic within a millisecond).
pub(crate) fn new_id(kind: &str) -> String {
    static GENERATOR: std::sync::Mutex<ulid::Generator> =
        std::sync::Mutex::new(ulid::Generator::new());
    let ulid = GENERATOR
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .generate()
        // Only 2^80 ids in one millisecond overflow; fall back to random.
        .unwrap_or_else(|_| ulid::Ulid::new());
    format!("{kind}-{}", ulid.to_string().to_lowercase())
}

/// A new object of kind `K`, not yet stored.
pub(crate) fn new_object<K: Kind>(
    draft: Draft<K::Spec>,
    status: K::Status,
    now: Timestamp,
    actor: &str,
) -> Object<K> {
    Object {
        meta: Meta {
            id: new_id(K::NAME),
            name: draft.name,
            namespace: draft.namespace,
            created_at: now,
            updated_at: now,
            resource_version: 0,
            spec_version: 0,
            tags: draft.tags,
            created_by: actor.to_string(),
            updated_by: actor.to_string(),
        },
        spec: draft.spec,
        status,
    }
}

impl<K: Kind> Resources<K> {
    pub(crate) fn new(store: Arc<Store>, actor: crate::actor::Actor) -> Self {
        Resources {
            store,
            actor,
            kind: PhantomData,
        }
    }

    /// A service for ClusterDB's own writes (reconcilers, bootstrap).
    pub(crate) fn system(store: &Arc<Store>) -> Self {
        Resources::new(Arc::clone(store), crate::actor::Actor::system())
    }

    /// A transaction written by this service's actor.
    pub(crate) fn txn(&self) -> Txn {
        Txn::new(&self.actor)
    }

    /// Checks a draft as a write would, without writing: name, namespace,
    /// tags and the kind's own rules.
    pub fn validate(&self, draft: &Draft<K::Spec>) -> Result<()> {
        self.store.kinds.require::<K>()?;
        validate_name(K::SUBJECT, K::NAME_FIELD, &draft.name)?;
        if K::NAMESPACED {
            if !draft.namespace.is_empty() {
                validate_namespace(K::SUBJECT, &draft.namespace)?;
            }
        } else if !draft.namespace.is_empty() {
            return Err(Error::invalid(
                K::SUBJECT,
                "namespace",
                format!("must be empty: {} resources are not namespaced", K::NAME),
            ));
        }
        validate_tags(K::SUBJECT, &draft.tags)?;
        K::validate(&draft.spec, &self.store.context)
    }

    /// Validates a draft for a new resource: a namespaced kind's empty
    /// namespace becomes `default`.
    fn validate_new(&self, mut draft: Draft<K::Spec>) -> Result<Draft<K::Spec>> {
        self.validate(&draft)?;
        if K::NAMESPACED && draft.namespace.is_empty() {
            draft.namespace = DEFAULT_NAMESPACE.to_string();
        }
        Ok(draft)
    }

    /// Creates a resource. Fails with `ALREADY_EXISTS` if the name is taken
    /// (in the namespace, for namespaced kinds).
    pub async fn create(&self, draft: Draft<K::Spec>) -> Result<Object<K>> {
        let draft = self.validate_new(draft)?;
        self.insert(draft).await
    }

    /// Creates a resource with a status the caller made (such as a
    /// secret's hash, or an alert created `pending`) in place of
    /// [`Kind::initial_status`], its event saying `action` (`created`, or
    /// a state the object starts in).
    pub(crate) async fn create_as(
        &self,
        draft: Draft<K::Spec>,
        status: K::Status,
        action: &'static str,
    ) -> Result<Object<K>> {
        let draft = self.validate_new(draft)?;
        self.insert_with(draft, Some(status), action).await
    }

    /// Whether the store holds at least `limit` objects of the kind (reads
    /// at most `limit` of them).
    async fn count_reaches(&self, limit: usize) -> Result<bool> {
        let mut options = ListOptions::default().page_size(crate::MAX_PAGE_SIZE);
        let mut count = 0;
        loop {
            let page = self.list(&options).await?;
            count += page.items.len();
            match page.next_page_token {
                Some(token) if count < limit => options = options.page_token(token),
                _ => return Ok(count >= limit),
            }
        }
    }

    /// Stores a validated draft as a new resource.
    async fn insert(&self, draft: Draft<K::Spec>) -> Result<Object<K>> {
        self.insert_with(draft, None, "created").await
    }

    async fn insert_with(
        &self,
        draft: Draft<K::Spec>,
        status: Option<K::Status>,
        action: &'static str,
    ) -> Result<Object<K>> {
        if let Some(max) = K::MAX_OBJECTS
            && self.count_reaches(max).await?
        {
            return Err(Error::FailedPrecondition {
                kind: K::NAME,
                id: format!("{} objects", K::NAME),
                state: format!("at {max}, the most a store holds"),
                reason: "delete one first".into(),
            });
        }
        for _ in 0..MAX_ATTEMPTS {
            let mut txn = self.txn();
            let status = match &status {
                Some(status) => status.clone(),
                None => K::initial_status(&draft.spec, txn.now),
            };
            let mut object = new_object::<K>(draft.clone(), status, txn.now, &self.actor);
            K::seal(None, &mut object, &self.store.master_key)?;
            self.check_grant(&object).await?;
            references::check_new(&self.store, None, &object, &mut txn).await?;
            txn.insert(&object);
            txn.touch::<K>();
            txn.event(action, &object);
            match self.store.commit(txn).await {
                Ok(revision) => {
                    object.meta.stamp(revision);
                    return Ok(object);
                }
                Err(TxnError::Fatal(err)) => return Err(err),
                // A referred object changed (or went) since it was read:
                // check again.
                Err(TxnError::Changed { .. }) => {}
            }
        }
        Err(Error::Unavailable(format!(
            "the objects a new {} refers to are changing too fast; gave up after {MAX_ATTEMPTS} attempts",
            K::NAME
        )))
    }

    /// Creates the resource named by the draft's (namespace, name), or
    /// updates it to match the draft. With `expected_version`, the
    /// resource must exist and be at that version. An apply that changes
    /// nothing writes nothing and emits no event ([`ApplyOutcome::Unchanged`]).
    pub async fn apply(
        &self,
        draft: Draft<K::Spec>,
        expected_version: Option<u64>,
    ) -> Result<Applied<K>> {
        let draft = self.validate_new(draft)?;
        for _ in 0..MAX_ATTEMPTS {
            let Some(current) = self.find_by_name(&draft.namespace, &draft.name).await? else {
                if expected_version.is_some() {
                    return Err(self.not_found(&draft.name));
                }
                match self.insert(draft.clone()).await {
                    Ok(object) => {
                        return Ok(Applied {
                            object,
                            outcome: ApplyOutcome::Created,
                        });
                    }
                    // Created by someone else meanwhile: update it instead.
                    Err(Error::AlreadyExists { .. }) => continue,
                    Err(err) => return Err(err),
                }
            };
            match self
                .replace_spec(current.id(), &draft, expected_version)
                .await
            {
                Ok((object, written)) => {
                    let outcome = if written {
                        ApplyOutcome::Configured
                    } else {
                        ApplyOutcome::Unchanged
                    };
                    return Ok(Applied { object, outcome });
                }
                // Deleted (or renamed) meanwhile: look the name up again.
                Err(Error::NotFound { .. }) => continue,
                Err(err) => return Err(err),
            }
        }
        Err(Error::Unavailable(format!(
            "{} {:?} is changing too fast; gave up after {MAX_ATTEMPTS} attempts",
            K::NAME,
            draft.name
        )))
    }

    /// What [`Resources::apply`] would do, without writing anything (a
    /// dry run): the outcome, and the resource as it would be — a new one
    /// with the id it would have had. Validation and version checks are
    /// the apply's; a concurrent write may still change the real outcome.
    pub async fn plan_apply(
        &self,
        draft: Draft<K::Spec>,
        expected_version: Option<u64>,
    ) -> Result<Applied<K>> {
        let draft = self.validate_new(draft)?;
        let now = Timestamp::now();
        let Some(current) = self.find_by_name(&draft.namespace, &draft.name).await? else {
            if expected_version.is_some() {
                return Err(self.not_found(&draft.name));
            }
            let status = K::initial_status(&draft.spec, now);
            return Ok(Applied {
                object: new_object(draft, status, now, &self.actor),
                outcome: ApplyOutcome::Created,
            });
        };
        if let Some(expected) = expected_version
            && !current.meta.accepts_version(expected)
        {
            return Err(self.conflict(current.id(), expected, current.resource_version()));
        }
        K::check_update(&current, &draft.spec)?;
        let mut next = current.clone();
        next.meta.tags = draft.tags;
        next.spec = draft.spec;
        K::seal(Some(&current), &mut next, &self.store.master_key)?;
        K::prepare_update(&current, &mut next, now);
        if next == current {
            return Ok(Applied {
                object: current,
                outcome: ApplyOutcome::Unchanged,
            });
        }
        next.meta.updated_at = now;
        next.meta.updated_by = self.actor.to_string();
        Ok(Applied {
            object: next,
            outcome: ApplyOutcome::Configured,
        })
    }

    /// The resource with this id, or `NOT_FOUND`.
    pub async fn get(&self, id: &str) -> Result<Object<K>> {
        self.find(id)
            .await?
            .ok_or_else(|| Error::not_found(K::NAME, id))
    }

    /// The resource with this name (in the `default` namespace, for
    /// namespaced kinds), or `NOT_FOUND`.
    pub async fn get_by_name(&self, name: &str) -> Result<Object<K>> {
        let namespace = if K::NAMESPACED { DEFAULT_NAMESPACE } else { "" };
        self.get_in(namespace, name).await
    }

    /// The resource of a namespaced kind with this namespace and name, or
    /// `NOT_FOUND`.
    pub async fn get_in(&self, namespace: &str, name: &str) -> Result<Object<K>> {
        let not_found = || match K::NAMESPACED {
            true => self.not_found(&format!("{namespace}/{name}")),
            false => self.not_found(name),
        };
        self.find_by_name(namespace, name)
            .await?
            .ok_or_else(not_found)
    }

    fn not_found(&self, id: &str) -> Error {
        Error::not_found(K::NAME, id)
    }

    /// The resource with this (namespace, name), if any.
    async fn find_by_name(&self, namespace: &str, name: &str) -> Result<Option<Object<K>>> {
        let key = keys::name(K::NAME, namespace, name);
        let Some(entry) = self.store.engine.get(&key).await? else {
            return Ok(None);
        };
        let id = String::from_utf8(entry.value)
            .map_err(|_| Error::Internal(format!("corrupt name index entry for {name:?}")))?;
        // The name may have moved between the two reads.
        Ok(self
            .find(&id)
            .await?
            .filter(|object| object.meta.name == name && object.meta.namespace == namespace))
    }

    /// The resource with this id, if any.
    pub(crate) async fn find(&self, id: &str) -> Result<Option<Object<K>>> {
        let entry = self.store.engine.get(&keys::object(K::NAME, id)).await?;
        entry
            .map(|entry| decode_object::<K>(&entry.value, entry.mod_revision))
            .transpose()
    }

    /// One page of resources in id (creation) order, optionally filtered.
    ///
    /// Every page of one list reflects one store revision: the first page
    /// pins it, its token carries it, and later pages read at it while the
    /// read cache keeps it (else `OUT_OF_RANGE`: start the list again).
    pub async fn list(&self, options: &ListOptions) -> Result<ListPage<Object<K>>> {
        let mut query = Query::parse::<K>(options)?;
        let revision = match query.revision {
            Some(revision) => revision,
            None => self.store.engine.read_revision().await?,
        };
        query.revision = Some(revision);
        let pinned = Freshness::Exactly(revision);
        let (page, _) = freshness::scoped(pinned, self.list_at(&query)).await;
        page.map_err(|err| match err {
            Error::EventsCompacted {
                available_after, ..
            } => Error::ListExpired {
                revision,
                oldest: available_after + 1,
            },
            other => other,
        })
    }

    async fn list_at(&self, query: &Query) -> Result<ListPage<Object<K>>> {
        if let Some(name) = &query.name {
            return self.list_named(query, name).await;
        }
        match query.filters.first() {
            None => self.list_all(query).await,
            Some(first) => {
                let prefix = keys::index_prefix(K::NAME, &first.field, &first.value);
                self.list_indexed(query, &prefix).await
            }
        }
    }

    /// The page of a list by name: the named resource, if it passes the
    /// other filters and comes after the page token.
    async fn list_named(&self, query: &Query, name: &str) -> Result<ListPage<Object<K>>> {
        let namespace = match query
            .filters
            .iter()
            .find(|f| f.field == crate::txn::NAMESPACE_FIELD)
        {
            Some(filter) if K::NAMESPACED => filter.value.as_str(),
            _ if K::NAMESPACED => DEFAULT_NAMESPACE,
            _ => "",
        };
        let found = self.find_by_name(namespace, name).await?.filter(|object| {
            query
                .after_id
                .as_deref()
                .is_none_or(|after| object.id() > after)
                && query
                    .filters
                    .iter()
                    .all(|f| has_index_value(object, &f.field, &f.value))
        });
        Ok(query.page(found.into_iter().collect(), None))
    }

    async fn list_all(&self, query: &Query) -> Result<ListPage<Object<K>>> {
        let prefix = keys::objects(K::NAME);
        let start = query
            .after_id
            .as_deref()
            .map(|id| keys::object(K::NAME, id));
        let page = self
            .store
            .engine
            .range(&prefix, start.as_deref(), query.limit)
            .await?;
        let mut items = Vec::with_capacity(page.entries.len());
        let mut bytes = 0;
        let mut full = false;
        for (_, entry) in &page.entries {
            if bytes >= MAX_PAGE_BYTES {
                full = true;
                break;
            }
            bytes += entry.value.len();
            items.push(decode_object::<K>(&entry.value, entry.mod_revision)?);
        }
        let next_page_token = match items.last() {
            Some(last) if page.more || full => Some(query.token_after(last.id())),
            _ => None,
        };
        Ok(query.page(items, next_page_token))
    }

    async fn list_indexed(&self, query: &Query, prefix: &[u8]) -> Result<ListPage<Object<K>>> {
        let mut cursor = query
            .after_id
            .as_deref()
            .map(|id| [prefix, id.as_bytes()].concat());
        let mut items = Vec::new(); // most pages are far below the limit
        let mut scanned = 0;
        let mut bytes = 0;
        loop {
            let want = query.limit - items.len();
            let page = self
                .store
                .engine
                .range(prefix, cursor.as_deref(), want)
                .await?;
            for (key, _) in &page.entries {
                scanned += 1;
                let id = std::str::from_utf8(&key[prefix.len()..])
                    .map_err(|_| Error::Internal("corrupt index entry".into()))?;
                // The object is read apart from the index: re-check it.
                let Some(entry) = self.store.engine.get(&keys::object(K::NAME, id)).await? else {
                    continue;
                };
                let object = decode_object::<K>(&entry.value, entry.mod_revision)?;
                if query
                    .filters
                    .iter()
                    .all(|f| has_index_value(&object, &f.field, &f.value))
                {
                    items.push(object);
                    bytes += entry.value.len();
                    if bytes >= MAX_PAGE_BYTES {
                        // Full by size: continue after this item.
                        return Ok(query.page(items, Some(query.token_after(id))));
                    }
                }
            }
            cursor = page.entries.last().map(|(key, _)| key.clone());
            if !page.more {
                return Ok(query.page(items, None));
            }
            if items.len() == query.limit || scanned >= MAX_SCAN {
                let last = cursor
                    .as_deref()
                    .map(|key| &key[prefix.len()..])
                    .unwrap_or_default();
                return Ok(query.page(
                    items,
                    Some(query.token_after(&String::from_utf8_lossy(last))),
                ));
            }
        }
    }

    /// Replaces name, tags and spec. With `expected_version`, fails with
    /// `CONFLICT` if a client changed the resource after that version
    /// (see [`Meta::accepts_version`]). Writing the same values again
    /// changes nothing and emits no event. A namespace cannot change (an
    /// empty one keeps the current).
    pub async fn update(
        &self,
        id: &str,
        draft: Draft<K::Spec>,
        expected_version: Option<u64>,
    ) -> Result<Object<K>> {
        self.validate(&draft)?;
        Ok(self.replace_spec(id, &draft, expected_version).await?.0)
    }

    /// The update behind `update` and `apply`; also says whether it wrote.
    async fn replace_spec(
        &self,
        id: &str,
        draft: &Draft<K::Spec>,
        expected_version: Option<u64>,
    ) -> Result<(Object<K>, bool)> {
        self.modify_inner(id, expected_version, |current, now| {
            if !draft.namespace.is_empty() && draft.namespace != current.meta.namespace {
                return Err(Error::invalid(
                    K::SUBJECT,
                    "namespace",
                    format!(
                        "cannot change from {:?}; delete and create instead",
                        current.meta.namespace
                    ),
                ));
            }
            K::check_update(current, &draft.spec)?;
            let mut next = current.clone();
            next.meta.name = draft.name.clone();
            next.meta.tags = draft.tags.clone();
            next.spec = draft.spec.clone();
            K::seal(Some(current), &mut next, &self.store.master_key)?;
            K::prepare_update(current, &mut next, now);
            if next == *current {
                return Ok(Change::Keep);
            }
            next.meta.updated_at = now;
            Ok(Change::Replace(next, &["updated"]))
        })
        .await
    }

    /// Deletes a resource (or, for kinds that finish deletes in a
    /// reconciler, marks it as being deleted). Returns its last state.
    pub async fn delete(&self, id: &str, expected_version: Option<u64>) -> Result<Object<K>> {
        self.store.kinds.require::<K>()?;
        self.modify(id, expected_version, |current, now| {
            let mut next = current.clone();
            if K::begin_delete(&mut next) {
                if next == *current {
                    return Ok(Change::Keep);
                }
                next.meta.updated_at = now;
                return Ok(Change::Replace(next, &["updated"]));
            }
            Ok(Change::Remove(K::delete_actions(current)))
        })
        .await
    }

    /// The read-modify-write loop behind every client change to one object.
    /// A replaced object counts as changed by the client (its
    /// `spec_version` moves); server status writes go through `Txn`
    /// directly.
    pub(crate) async fn modify(
        &self,
        id: &str,
        expected_version: Option<u64>,
        change: impl FnMut(&Object<K>, Timestamp) -> Result<Change<K>>,
    ) -> Result<Object<K>> {
        Ok(self.modify_inner(id, expected_version, change).await?.0)
    }

    /// Replaces the object with the draft `transform` makes of its current
    /// state, through the one read-modify-write loop: how an update that
    /// depends on the stored object (a REST merge patch) is written. With
    /// `expected`, a client change after that version is `CONFLICT`;
    /// without, a race runs `transform` again on the fresh state. An error
    /// of `transform` (of the caller's type, which core's errors convert
    /// into) is returned as it is.
    pub async fn update_with<E, F, Fut>(
        &self,
        id: &str,
        expected: Option<u64>,
        mut transform: F,
    ) -> std::result::Result<Object<K>, E>
    where
        E: From<Error>,
        F: FnMut(Object<K>) -> Fut,
        Fut: std::future::Future<Output = std::result::Result<Draft<K::Spec>, E>>,
    {
        for _ in 0..MAX_ATTEMPTS {
            let current = self.get(id).await?;
            let draft = transform(current.clone()).await?;
            if let Some(expected) = expected
                && !current.meta.accepts_version(expected)
            {
                return Err(self
                    .conflict(id, expected, current.resource_version())
                    .into());
            }
            self.validate(&draft)?;
            match self
                .replace_spec(id, &draft, Some(current.resource_version()))
                .await
            {
                Ok((object, _)) => return Ok(object),
                Err(Error::Conflict { actual, .. }) => match expected {
                    Some(expected) => return Err(self.conflict(id, expected, actual).into()),
                    None => continue,
                },
                Err(err) => return Err(err.into()),
            }
        }
        Err(Error::Unavailable(format!(
            "{} {id} is changing too fast to update; retry",
            K::NAME
        ))
        .into())
    }

    /// `modify`, also saying whether anything was written.
    async fn modify_inner(
        &self,
        id: &str,
        expected_version: Option<u64>,
        mut change: impl FnMut(&Object<K>, Timestamp) -> Result<Change<K>>,
    ) -> Result<(Object<K>, bool)> {
        for _ in 0..MAX_ATTEMPTS {
            let current = self.get(id).await?;
            if let Some(expected) = expected_version
                && !current.meta.accepts_version(expected)
            {
                return Err(self.conflict(id, expected, current.resource_version()));
            }
            let mut txn = self.txn();
            let result = match change(&current, txn.now)? {
                Change::Keep => return Ok((current, false)),
                Change::Replace(mut next, actions) => {
                    if self.actor.authority().is_some() {
                        self.check_grant(&current).await?;
                        if K::confers(&next) != K::confers(&current) {
                            self.check_grant(&next).await?;
                        }
                    }
                    next.meta.spec_version = 0; // changed by this write
                    next.meta.updated_by = self.actor.to_string();
                    references::check_new(&self.store, Some(&current), &next, &mut txn).await?;
                    txn.replace(&current, &next);
                    txn.touch::<K>();
                    for action in actions {
                        txn.event(action, &next);
                    }
                    self.store.commit(txn).await.map(|revision| {
                        next.meta.stamp(revision);
                        next
                    })
                }
                Change::Remove(actions) => {
                    self.check_grant(&current).await?;
                    txn.remove(&current);
                    txn.touch::<K>();
                    for action in actions {
                        txn.event(action, &current);
                    }
                    references::stage_cascade(&self.store, K::NAME, id, &mut txn).await?;
                    self.store.commit(txn).await.map(|_| current)
                }
            };
            match result {
                Ok(object) => return Ok((object, true)),
                Err(TxnError::Fatal(err)) => return Err(err),
                Err(TxnError::Changed {
                    kind,
                    id: changed,
                    now: None,
                }) if kind == K::NAME && changed == id => return Err(self.not_found(id)),
                // Changed since read (it, or an object it refers to or
                // that refers to it): read again. The expected version is
                // checked against the fresh state, so a server status
                // write in between does not fail the caller.
                Err(TxnError::Changed { .. }) => {}
            }
        }
        Err(Error::Unavailable(format!(
            "{} {id} is changing too fast; gave up after {MAX_ATTEMPTS} attempts",
            K::NAME
        )))
    }

    /// Refuses a write by a principal that would make, change or remove
    /// `object` if the object confers more than the principal holds (see
    /// [`Kind::confers`]); trusted handles pass.
    async fn check_grant(&self, object: &Object<K>) -> Result<()> {
        let Some(authority) = self.actor.authority() else {
            return Ok(());
        };
        let confers = K::confers(object);
        if confers == crate::identity::policy::Confers::Nothing {
            return Ok(());
        }
        let what = format!("{} {:?}", K::SUBJECT, object.meta.name);
        (self.store.grants)(&self.store, authority, confers, what).await
    }

    fn conflict(&self, id: &str, expected: u64, actual: u64) -> Error {
        Error::Conflict {
            kind: K::NAME,
            id: id.to_string(),
            expected,
            actual,
        }
    }
}
