//! Builds one atomic storage commit out of object writes and their events,
//! and turns a failed precondition back into a meaningful error.

use clusterdb_storage::{Commit, CommitError, Engine, Op, Precondition, Revision, envelope};

use crate::codec::encode_object;
use crate::codec::{EVENT_SCHEMA, StoredEvent};
use crate::error::{Error, Result};
use crate::keys;
use crate::kind::{Kind, Object};
use crate::markers::Markers;
use crate::timestamp::Timestamp;

/// What a failed precondition means.
#[derive(Debug, Clone)]
pub(crate) enum Expectation {
    /// A name-index key must be free.
    NameFree { kind: &'static str, name: String },
    /// A unique value must be unclaimed.
    ValueFree {
        kind: &'static str,
        field: &'static str,
        value: String,
    },
    /// An object must be unchanged since it was read.
    Unchanged { kind: &'static str, id: String },
    /// A system record must be unchanged since it was read.
    System,
}

/// Why a transaction did not commit.
#[derive(Debug)]
pub(crate) enum TxnError {
    /// An object changed since it was read (retry, or report a conflict).
    Changed {
        kind: &'static str,
        id: String,
        now: Option<Revision>,
    },
    /// Any other failure.
    Fatal(Error),
}

impl From<Error> for TxnError {
    fn from(err: Error) -> Self {
        TxnError::Fatal(err)
    }
}

/// One commit under construction.
pub(crate) struct Txn {
    commit: Commit,
    expectations: Vec<Expectation>,
    /// The last object encoded for a put, by id, so the event that follows
    /// (a snapshot of the same object) reuses the bytes.
    last_encoded: Option<(String, Vec<u8>)>,
    /// The change markers this transaction touches.
    touched: Vec<&'static str>,
    /// The time stamped on everything this transaction writes.
    pub now: Timestamp,
    /// Who makes the change; recorded on every event.
    pub actor: String,
}

impl Txn {
    /// A transaction made by `actor`.
    pub fn new(actor: &str) -> Self {
        Txn {
            commit: Commit::default(),
            expectations: Vec::new(),
            last_encoded: None,
            touched: Vec::new(),
            now: Timestamp::now(),
            actor: actor.to_string(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.commit.is_empty()
    }

    fn expect(&mut self, precondition: Precondition, meaning: Expectation) {
        self.commit.preconditions.push(precondition);
        self.expectations.push(meaning);
    }

    /// Requires a system record to be at `revision` (absent when `None`).
    pub fn expect_system(&mut self, key: Vec<u8>, revision: Option<Revision>) {
        let precondition = match revision {
            Some(rev) => Precondition::AtRevision(key, rev),
            None => Precondition::Absent(key),
        };
        self.expect(precondition, Expectation::System);
    }

    /// Requires a leader's fencing token to still hold.
    pub fn expect_fence(&mut self, fence: Precondition) {
        self.expect(fence, Expectation::System);
    }

    pub fn put(&mut self, key: Vec<u8>, value: Vec<u8>) {
        self.commit.ops.push(Op::Put(key, value));
    }

    pub fn delete(&mut self, key: Vec<u8>) {
        self.commit.ops.push(Op::Delete(key));
    }

    /// Appends the event `{kind}.{action}` carrying a snapshot of `object`.
    pub fn event<K: Kind>(&mut self, action: &str, object: &Object<K>) {
        let snapshot = match &self.last_encoded {
            Some((id, bytes)) if *id == object.meta.id => bytes.clone(),
            _ => encode_object(object),
        };
        let event = StoredEvent {
            event_type: format!("{}.{action}", K::NAME),
            kind: K::NAME.to_string(),
            timestamp: self.now,
            object: snapshot,
            actor: self.actor.clone(),
        };
        self.commit
            .events
            .push(envelope::encode(EVENT_SCHEMA, &event));
    }

    /// Touches `K`'s change marker, if it has one (client writes only).
    pub fn touch<K: Kind>(&mut self) {
        if let Some(marker) = K::CHANGE_MARKER {
            self.put(keys::marker(marker), Vec::new());
            self.touched.push(marker);
        }
    }

    /// Stages a new object with its name and index entries.
    pub fn insert<K: Kind>(&mut self, object: &Object<K>) {
        let name_key = name_key(object);
        self.expect(
            Precondition::Absent(name_key.clone()),
            Expectation::NameFree {
                kind: K::NAME,
                name: object.meta.name.clone(),
            },
        );
        self.put(name_key, object.meta.id.as_bytes().to_vec());
        for (field, value) in K::unique_values(object) {
            self.claim::<K>(field, value, object.id());
        }
        for (field, value) in index_values(object) {
            self.put(
                keys::index_entry(K::NAME, &field, &value, object.id()),
                Vec::new(),
            );
        }
        self.put_object(object);
    }

    /// Claims a unique value for `id`.
    fn claim<K: Kind>(&mut self, field: &'static str, value: String, id: &str) {
        let key = keys::unique(K::NAME, field, &value);
        self.expect(
            Precondition::Absent(key.clone()),
            Expectation::ValueFree {
                kind: K::NAME,
                field,
                value,
            },
        );
        self.put(key, id.as_bytes().to_vec());
    }

    /// Requires the object of `kind` with `id` to be at `revision` (it
    /// exists and is unchanged), writing nothing.
    pub fn expect_object(&mut self, kind: &'static str, id: &str, revision: Revision) {
        self.expect(
            Precondition::AtRevision(keys::object(kind, id), revision),
            Expectation::Unchanged {
                kind,
                id: id.to_string(),
            },
        );
    }

    /// Puts the object's record, remembering its bytes for its event.
    fn put_object<K: Kind>(&mut self, object: &Object<K>) {
        let bytes = encode_object(object);
        self.put(keys::object(K::NAME, object.id()), bytes.clone());
        self.last_encoded = Some((object.meta.id.clone(), bytes));
    }

    /// Stages `next` in place of `current` (read at its resource_version),
    /// moving the name and index entries that changed.
    pub fn replace<K: Kind>(&mut self, current: &Object<K>, next: &Object<K>) {
        self.expect_unchanged(current);
        if current.meta.name != next.meta.name {
            let new_name = name_key(next);
            self.expect(
                Precondition::Absent(new_name.clone()),
                Expectation::NameFree {
                    kind: K::NAME,
                    name: next.meta.name.clone(),
                },
            );
            self.delete(name_key(current));
            self.put(new_name, next.meta.id.as_bytes().to_vec());
        }
        let old_unique = K::unique_values(current);
        let new_unique = K::unique_values(next);
        for (field, value) in old_unique.iter().filter(|e| !new_unique.contains(e)) {
            self.delete(keys::unique(K::NAME, field, value));
        }
        for (field, value) in new_unique.into_iter().filter(|e| !old_unique.contains(e)) {
            self.claim::<K>(field, value, next.id());
        }
        let old = index_values(current);
        let new = index_values(next);
        for (field, value) in old.iter().filter(|entry| !new.contains(entry)) {
            self.delete(keys::index_entry(K::NAME, field, value, current.id()));
        }
        for (field, value) in new.iter().filter(|entry| !old.contains(entry)) {
            self.put(
                keys::index_entry(K::NAME, field, value, next.id()),
                Vec::new(),
            );
        }
        self.put_object(next);
    }

    /// Stages the removal of `current` (read at its resource_version).
    pub fn remove<K: Kind>(&mut self, current: &Object<K>) {
        self.expect_unchanged(current);
        self.delete(name_key(current));
        for (field, value) in K::unique_values(current) {
            self.delete(keys::unique(K::NAME, field, &value));
        }
        for (field, value) in index_values(current) {
            self.delete(keys::index_entry(K::NAME, &field, &value, current.id()));
        }
        self.delete(keys::object(K::NAME, current.id()));
    }

    /// Requires `current` to be unchanged since it was read, writing nothing.
    pub fn expect_unchanged<K: Kind>(&mut self, current: &Object<K>) {
        self.expect(
            Precondition::AtRevision(
                keys::object(K::NAME, current.id()),
                current.resource_version(),
            ),
            Expectation::Unchanged {
                kind: K::NAME,
                id: current.meta.id.clone(),
            },
        );
    }

    /// Commits to `engine`; the change markers touched are noted in
    /// `markers` at the new revision before the caller hears of it. Returns
    /// the new revision. (Callers use `Store::commit`.)
    pub async fn commit(
        self,
        engine: &dyn Engine,
        markers: &Markers,
    ) -> Result<Revision, TxnError> {
        match engine.commit(self.commit).await {
            Ok(revision) => {
                for marker in self.touched {
                    markers.note(marker, revision);
                }
                Ok(revision)
            }
            Err(CommitError::Storage(err)) => Err(TxnError::Fatal(err.into())),
            Err(CommitError::PreconditionFailed(failed)) => {
                Err(match self.expectations.get(failed.index).cloned() {
                    Some(Expectation::NameFree { kind, name }) => {
                        TxnError::Fatal(Error::AlreadyExists { kind, name })
                    }
                    Some(Expectation::ValueFree { kind, field, value }) => {
                        TxnError::Fatal(Error::ValueTaken { kind, field, value })
                    }
                    Some(Expectation::Unchanged { kind, id }) => TxnError::Changed {
                        kind,
                        id,
                        now: failed.actual,
                    },
                    Some(Expectation::System) => TxnError::Changed {
                        kind: "system record",
                        id: String::from_utf8_lossy(&failed.key).into_owned(),
                        now: failed.actual,
                    },
                    None => TxnError::Fatal(Error::Internal(
                        "storage named an unknown precondition".into(),
                    )),
                })
            }
        }
    }
}

fn name_key<K: Kind>(object: &Object<K>) -> Vec<u8> {
    keys::name(K::NAME, &object.meta.namespace, &object.meta.name)
}

/// The index field every namespaced object is listed under.
pub(crate) const NAMESPACE_FIELD: &str = "namespace";

/// Every index entry of an object: its namespace (namespaced kinds), its
/// tags and its kind's indexed fields.
pub(crate) fn index_values<K: Kind>(object: &Object<K>) -> Vec<(String, String)> {
    let mut entries: Vec<(String, String)> = object
        .meta
        .tags
        .iter()
        .map(|(k, v)| (keys::tag_field(k), v.clone()))
        .collect();
    if K::NAMESPACED {
        entries.push((NAMESPACE_FIELD.to_string(), object.meta.namespace.clone()));
    }
    entries.extend(
        K::indexed_values(object)
            .into_iter()
            .map(|(field, value)| (field.to_string(), value)),
    );
    entries
}

/// Whether `object` carries `field == value` (tags as `tag:{key}`).
pub(crate) fn has_index_value<K: Kind>(object: &Object<K>, field: &str, value: &str) -> bool {
    index_values(object)
        .iter()
        .any(|(f, v)| f == field && v == value)
}
