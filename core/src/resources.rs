//! [`Resources`]: create, read, list, update and delete for any [`Kind`].
//!
//! Every write is a read-modify-write: read the object at revision R, build
//! the change, commit it on the condition that the object is still at R.
//! Without an expected version a lost race is retried on the fresh state;
//! with one it is a `CONFLICT`.

use std::marker::PhantomData;
use std::sync::Arc;

use crate::codec::decode_object;
use crate::db::Shared;
use crate::error::{Error, Result};
use crate::keys;
use crate::list::{ListOptions, ListPage, Query, encode_token};
use crate::meta::{Meta, validate_name, validate_tags};
use crate::resource::{Draft, Kind, Object};
use crate::timestamp::Timestamp;
use crate::txn::{Txn, TxnError, has_index_value};

/// Attempts a write makes before giving up under contention.
const MAX_ATTEMPTS: usize = 64;
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

/// The typed service for one kind, e.g. `ClusterDb::fleets()`.
pub struct Resources<K: Kind> {
    pub(crate) shared: Arc<Shared>,
    kind: PhantomData<fn() -> K>,
}

impl<K: Kind> Clone for Resources<K> {
    fn clone(&self) -> Self {
        Resources::new(Arc::clone(&self.shared))
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
) -> Object<K> {
    Object {
        meta: Meta {
            id: new_id(K::NAME),
            name: draft.name,
            created_at: now,
            updated_at: now,
            resource_version: 0,
            tags: draft.tags,
        },
        spec: draft.spec,
        status,
    }
}

impl<K: Kind> Resources<K> {
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        Resources {
            shared,
            kind: PhantomData,
        }
    }

    fn validate(&self, draft: &Draft<K::Spec>) -> Result<()> {
        validate_name(K::SUBJECT, &draft.name)?;
        validate_tags(K::SUBJECT, &draft.tags)?;
        K::validate(&draft.spec, &self.shared.context)
    }

    /// Creates a resource. Fails with `ALREADY_EXISTS` if the name is taken.
    pub async fn create(&self, draft: Draft<K::Spec>) -> Result<Object<K>> {
        self.validate(&draft)?;
        let mut txn = Txn::new();
        let status = K::initial_status(&draft.spec, txn.now);
        let mut object = new_object::<K>(draft, status, txn.now);
        txn.insert(&object);
        txn.event("created", &object);
        object.meta.resource_version = self.commit(txn).await?;
        Ok(object)
    }

    /// The resource with this id, or `NOT_FOUND`.
    pub async fn get(&self, id: &str) -> Result<Object<K>> {
        self.find(id).await?.ok_or_else(|| Error::NotFound {
            kind: K::NAME,
            id: id.to_string(),
        })
    }

    /// The resource with this name, or `NOT_FOUND`.
    pub async fn get_by_name(&self, name: &str) -> Result<Object<K>> {
        let not_found = || Error::NotFound {
            kind: K::NAME,
            id: name.to_string(),
        };
        let entry = self
            .shared
            .engine
            .get(&keys::name(K::NAME, name))
            .await?
            .ok_or_else(not_found)?;
        let id = String::from_utf8(entry.value)
            .map_err(|_| Error::Internal(format!("corrupt name index entry for {name:?}")))?;
        // The name may have moved between the two reads.
        match self.find(&id).await? {
            Some(object) if object.meta.name == name => Ok(object),
            _ => Err(not_found()),
        }
    }

    /// The resource with this id, if any.
    pub(crate) async fn find(&self, id: &str) -> Result<Option<Object<K>>> {
        let entry = self.shared.engine.get(&keys::object(K::NAME, id)).await?;
        entry
            .map(|entry| decode_object::<K>(&entry.value, entry.mod_revision))
            .transpose()
    }

    /// One page of resources in id (creation) order, optionally filtered.
    pub async fn list(&self, options: &ListOptions) -> Result<ListPage<Object<K>>> {
        let query = Query::parse::<K>(options)?;
        match query.filters.first() {
            None => self.list_all(&query).await,
            Some(first) => {
                let prefix = keys::index_prefix(K::NAME, &first.field, &first.value);
                self.list_indexed(&query, &prefix).await
            }
        }
    }

    async fn list_all(&self, query: &Query) -> Result<ListPage<Object<K>>> {
        let prefix = keys::objects(K::NAME);
        let start = query
            .after_id
            .as_deref()
            .map(|id| keys::object(K::NAME, id));
        let page = self
            .shared
            .engine
            .range(&prefix, start.as_deref(), query.limit)
            .await?;
        let items = page
            .entries
            .iter()
            .map(|(_, entry)| decode_object::<K>(&entry.value, entry.mod_revision))
            .collect::<Result<Vec<_>>>()?;
        let next_page_token = match items.last() {
            Some(last) if page.more => Some(encode_token(last.id())),
            _ => None,
        };
        Ok(ListPage {
            items,
            next_page_token,
        })
    }

    async fn list_indexed(&self, query: &Query, prefix: &[u8]) -> Result<ListPage<Object<K>>> {
        let mut cursor = query
            .after_id
            .as_deref()
            .map(|id| [prefix, id.as_bytes()].concat());
        let mut items = Vec::with_capacity(query.limit);
        let mut scanned = 0;
        loop {
            let want = query.limit - items.len();
            let page = self
                .shared
                .engine
                .range(prefix, cursor.as_deref(), want)
                .await?;
            for (key, _) in &page.entries {
                scanned += 1;
                let id = std::str::from_utf8(&key[prefix.len()..])
                    .map_err(|_| Error::Internal("corrupt index entry".into()))?;
                // The object is read apart from the index: re-check it.
                if let Some(object) = self.find(id).await?
                    && query
                        .filters
                        .iter()
                        .all(|f| has_index_value(&object, &f.field, &f.value))
                {
                    items.push(object);
                }
            }
            cursor = page.entries.last().map(|(key, _)| key.clone());
            if !page.more {
                return Ok(ListPage {
                    items,
                    next_page_token: None,
                });
            }
            if items.len() == query.limit || scanned >= MAX_SCAN {
                let last = cursor
                    .as_deref()
                    .map(|key| &key[prefix.len()..])
                    .unwrap_or_default();
                return Ok(ListPage {
                    items,
                    next_page_token: Some(encode_token(&String::from_utf8_lossy(last))),
                });
            }
        }
    }

    /// Replaces name, tags and spec. With `expected_version`, fails with
    /// `CONFLICT` unless the resource is at that version. Writing the same
    /// values again changes nothing and emits no event.
    pub async fn update(
        &self,
        id: &str,
        draft: Draft<K::Spec>,
        expected_version: Option<u64>,
    ) -> Result<Object<K>> {
        self.validate(&draft)?;
        self.modify(id, expected_version, |current, now| {
            K::check_update(current, &draft.spec)?;
            if current.meta.name == draft.name
                && current.meta.tags == draft.tags
                && current.spec == draft.spec
            {
                return Ok(Change::Keep);
            }
            let mut next = current.clone();
            next.meta.name = draft.name.clone();
            next.meta.tags = draft.tags.clone();
            next.meta.updated_at = now;
            next.spec = draft.spec.clone();
            Ok(Change::Replace(next, &["updated"]))
        })
        .await
    }

    /// Deletes a resource (or, for kinds that finish deletes in a
    /// reconciler, marks it as being deleted). Returns its last state.
    pub async fn delete(&self, id: &str, expected_version: Option<u64>) -> Result<Object<K>> {
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

    /// The read-modify-write loop behind every change to one object.
    pub(crate) async fn modify(
        &self,
        id: &str,
        expected_version: Option<u64>,
        mut change: impl FnMut(&Object<K>, Timestamp) -> Result<Change<K>>,
    ) -> Result<Object<K>> {
        for _ in 0..MAX_ATTEMPTS {
            let current = self.get(id).await?;
            if let Some(expected) = expected_version
                && current.resource_version() != expected
            {
                return Err(self.conflict(id, expected, current.resource_version()));
            }
            let mut txn = Txn::new();
            let result = match change(&current, txn.now)? {
                Change::Keep => return Ok(current),
                Change::Replace(mut next, actions) => {
                    txn.replace(&current, &next);
                    for action in actions {
                        txn.event(action, &next);
                    }
                    txn.commit(&*self.shared.engine).await.map(|revision| {
                        next.meta.resource_version = revision;
                        next
                    })
                }
                Change::Remove(actions) => {
                    txn.remove(&current);
                    for action in actions {
                        txn.event(action, &current);
                    }
                    txn.commit(&*self.shared.engine).await.map(|_| current)
                }
            };
            match result {
                Ok(object) => return Ok(object),
                Err(TxnError::Fatal(err)) => return Err(err),
                Err(TxnError::Changed { now: None, .. }) => {
                    return Err(Error::NotFound {
                        kind: K::NAME,
                        id: id.to_string(),
                    });
                }
                Err(TxnError::Changed {
                    now: Some(actual), ..
                }) => {
                    if let Some(expected) = expected_version {
                        return Err(self.conflict(id, expected, actual));
                    }
                }
            }
        }
        Err(Error::Unavailable(format!(
            "{} {id} is changing too fast; gave up after {MAX_ATTEMPTS} attempts",
            K::NAME
        )))
    }

    fn conflict(&self, id: &str, expected: u64, actual: u64) -> Error {
        Error::Conflict {
            kind: K::NAME,
            id: id.to_string(),
            expected,
            actual,
        }
    }

    /// Commits a transaction that only creates objects.
    async fn commit(&self, txn: Txn) -> Result<u64> {
        txn.commit(&*self.shared.engine)
            .await
            .map_err(|err| match err {
                TxnError::Fatal(err) => err,
                TxnError::Changed { kind, id, .. } => {
                    Error::Internal(format!("{kind} {id} changed during create"))
                }
            })
    }
}
