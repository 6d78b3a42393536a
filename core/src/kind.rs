//! The generic resource model: a [`Kind`] describes one resource kind, an
//! [`Object`] is one stored resource of that kind.

use std::fmt::Debug;

use serde::{Serialize, de::DeserializeOwned};

use crate::error::Result;
use crate::identity::policy::Confers;
use crate::meta::{Meta, Tags};
use crate::timestamp::Timestamp;
use crate::validation::Context;

/// A resource kind: its user-set spec, its server-managed status, and the
/// rules the generic machinery in [`crate::Resources`] applies to it.
pub trait Kind: Send + Sync + Sized + 'static {
    /// Fields the user sets.
    type Spec: Clone + Debug + PartialEq + Serialize + DeserializeOwned + Send + Sync;
    /// Fields the server manages.
    type Status: Clone + Debug + PartialEq + Serialize + DeserializeOwned + Send + Sync;

    /// Kind name: the id prefix, the event type prefix and the key space
    /// (`fleet` gives ids `fleet-…` and events `fleet.created`).
    const NAME: &'static str;
    /// What validation errors call the input, e.g. `fleet configuration`.
    const SUBJECT: &'static str;
    /// What the API calls the resource's name (a user's is `username`):
    /// validation errors about the name name this field.
    const NAME_FIELD: &'static str = "name";
    /// Schema version of the stored record; bump it when the stored shape
    /// changes, and teach [`Kind::migrate`] the old one.
    const SCHEMA: u16 = 1;
    /// Secondary index fields besides tags that lists may filter on.
    const INDEXED_FIELDS: &'static [&'static str] = &[];
    /// Whether resources of this kind live in a namespace: names are then
    /// unique per namespace, lists filter by it, and `apply` addresses a
    /// resource by (namespace, name).
    const NAMESPACED: bool = false;
    /// Fields whose values are unique among the kind's objects (besides
    /// the name), such as a user's email; values from
    /// [`Kind::unique_values`]. A write that would repeat one is
    /// `ALREADY_EXISTS`.
    const UNIQUE_FIELDS: &'static [&'static str] = &[];
    /// Indexed fields whose values are ids of objects of another kind.
    /// Writes check that the referred objects exist (atomically: the commit
    /// requires them unchanged); deleting one deletes or detaches the
    /// objects that refer to it in the same commit.
    const REFERENCES: &'static [Reference] = &[];
    /// The most objects of this kind one store holds (a create past it is
    /// `FAILED_PRECONDITION`), for kinds a background worker walks in full
    /// each round (webhook endpoints, alert rules); `None`: unbounded.
    const MAX_OBJECTS: Option<usize> = None;
    /// A change marker: a system record every client write of an object
    /// of this kind touches in the same commit, so its revision says when
    /// any of them last changed (the identity kinds share `identity`;
    /// authentication caches on it).
    const CHANGE_MARKER: Option<&'static str> = None;

    /// Checks a spec (on create and update).
    fn validate(spec: &Self::Spec, ctx: &Context) -> Result<()>;

    /// The status of a newly created object.
    fn initial_status(spec: &Self::Spec, now: Timestamp) -> Self::Status;

    /// Values of [`Kind::INDEXED_FIELDS`] for `object` (omit a field to
    /// leave the object out of that index).
    fn indexed_values(_object: &Object<Self>) -> Vec<(&'static str, String)> {
        Vec::new()
    }

    /// Values of [`Kind::UNIQUE_FIELDS`] for `object` (normalized as they
    /// should compare, e.g. a lowercased email; omit a field to claim no
    /// value).
    fn unique_values(_object: &Object<Self>) -> Vec<(&'static str, String)> {
        Vec::new()
    }

    /// Removes the reference to `id` in `field` (a [`Reference`] with
    /// [`OnDelete::Detach`]) because that object is being deleted.
    fn detach(_object: &mut Object<Self>, _field: &str, _id: &str) {}

    /// Whether the user may replace `current`'s spec with `next` now.
    fn check_update(_current: &Object<Self>, _next: &Self::Spec) -> Result<()> {
        Ok(())
    }

    /// Completes a client's replacement `next` of `current` before it is
    /// compared and stored: fills in write-only fields the client left out
    /// and records in the status what the change implies (a webhook's
    /// rotated secret). Nothing by default.
    fn prepare_update(_current: &Object<Self>, _next: &mut Object<Self>, _now: Timestamp) {}

    /// What holding an object of this kind lets a principal do (identity
    /// kinds: a user, a group's roles, an API key, an OAuth client's
    /// scopes). A write by an authenticated principal must not make or
    /// change an object that confers more than the principal holds, before
    /// or after the write ([`crate::identity::authorize_grant`]). Nothing
    /// by default.
    fn confers(_object: &Object<Self>) -> Confers {
        Confers::Nothing
    }

    /// Seals the object's write-only secrets for storage under the store's
    /// master key: a secret in the clear in `next` is sealed, keeping
    /// `current`'s sealed form where it holds the same secret (so an
    /// unchanged write stays unchanged). Runs on every client write,
    /// before [`Kind::prepare_update`]. Nothing by default.
    fn seal(
        _current: Option<&Object<Self>>,
        _next: &mut Object<Self>,
        _key: &crate::seal::MasterKey,
    ) -> Result<()> {
        Ok(())
    }

    /// Prepares a delete. Returns `false` to remove the object now, or
    /// `true` after marking it as being deleted (a reconciler finishes the
    /// delete later).
    fn begin_delete(_object: &mut Object<Self>) -> bool {
        false
    }

    /// Event actions written when the object is removed, in order.
    fn delete_actions(_object: &Object<Self>) -> &'static [&'static str] {
        &["deleted"]
    }

    /// Upgrades the kind's half (spec and status, postcard) of a record
    /// stored with an older [`Kind::SCHEMA`]; the metadata half is the
    /// generic machinery's to upgrade.
    fn migrate(version: u16, _payload: &[u8]) -> Result<(Self::Spec, Self::Status)> {
        Err(crate::Error::Internal(format!(
            "{} record has unknown schema version {version}",
            Self::NAME
        )))
    }
}

/// A field of one kind that refers to objects of another (see
/// [`Kind::REFERENCES`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reference {
    /// The indexed field holding the ids (in [`Kind::INDEXED_FIELDS`], or
    /// `namespace` for a namespaced kind whose namespace is the owner).
    pub field: &'static str,
    /// The kind referred to.
    pub target: &'static str,
    /// What deleting the referred object does to the referring one.
    pub on_delete: OnDelete,
}

/// What deleting a referred object does to the objects referring to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnDelete {
    /// They are deleted too (an API key with its owner).
    Delete,
    /// The reference is removed from them ([`Kind::detach`]; a group loses
    /// the member).
    Detach,
}

/// One resource: metadata, spec and status.
pub struct Object<K: Kind> {
    /// Id, name, timestamps, version, tags.
    pub meta: Meta,
    /// What the user asked for.
    pub spec: K::Spec,
    /// What the server observed or decided.
    pub status: K::Status,
}

impl<K: Kind> Clone for Object<K> {
    fn clone(&self) -> Self {
        Object {
            meta: self.meta.clone(),
            spec: self.spec.clone(),
            status: self.status.clone(),
        }
    }
}

impl<K: Kind> PartialEq for Object<K> {
    fn eq(&self, other: &Self) -> bool {
        self.meta == other.meta && self.spec == other.spec && self.status == other.status
    }
}

impl<K: Kind> Debug for Object<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct(K::NAME)
            .field("meta", &self.meta)
            .field("spec", &self.spec)
            .field("status", &self.status)
            .finish()
    }
}

impl<K: Kind> Object<K> {
    /// Shorthand for `meta.id`.
    pub fn id(&self) -> &str {
        &self.meta.id
    }

    /// Shorthand for `meta.name`.
    pub fn name(&self) -> &str {
        &self.meta.name
    }

    /// Shorthand for `meta.namespace`.
    pub fn namespace(&self) -> &str {
        &self.meta.namespace
    }

    /// Shorthand for `meta.resource_version`.
    pub fn resource_version(&self) -> u64 {
        self.meta.resource_version
    }
}

/// What a user submits to create or replace a resource.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft<S> {
    /// Unique name within the kind (within the namespace, for namespaced
    /// kinds).
    pub name: String,
    /// For namespaced kinds: empty means `default` on create and "keep
    /// the current one" on update. Must be empty for other kinds.
    pub namespace: String,
    /// Labels.
    pub tags: Tags,
    /// Kind-specific fields.
    pub spec: S,
}

impl<S> Draft<S> {
    /// A draft with no tags.
    pub fn new(name: impl Into<String>, spec: S) -> Self {
        Draft {
            name: name.into(),
            namespace: String::new(),
            tags: Tags::new(),
            spec,
        }
    }

    /// Sets the namespace (namespaced kinds only).
    pub fn in_namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = namespace.into();
        self
    }

    /// Adds a tag.
    pub fn tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.tags.insert(key.into(), value.into());
        self
    }
}
