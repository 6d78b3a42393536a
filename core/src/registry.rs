//! The kinds one open database knows. Event consumers (subscriptions, the
//! reconciler, later webhooks) deliver only events of a registered kind at
//! a schema version this binary can read, and skip the rest with a
//! warning, so an event written by a newer release never stalls them.
//! Writes are refused for a kind that is not registered: its events could
//! not be read back.

use std::collections::BTreeMap;

use clusterdb_storage::Revision;

use crate::codec::decode_object;
use crate::error::{Error, Result};
use crate::kind::{Kind, OnDelete, Reference};
use crate::txn::Txn;

/// What the registry knows of one kind.
#[derive(Debug, Clone, Copy)]
pub(crate) struct KindInfo {
    /// Newest schema version of its records this binary reads.
    pub schema: u16,
    /// Decodes a stored record of the kind (at its revision), to check it.
    pub check: fn(&[u8], Revision) -> Result<()>,
}

fn check<K: Kind>(bytes: &[u8], revision: Revision) -> Result<()> {
    decode_object::<K>(bytes, revision).map(drop)
}

/// The registered kinds, by name.
#[derive(Clone, Default)]
pub(crate) struct KindRegistry {
    kinds: BTreeMap<&'static str, KindInfo>,
    /// Every registered kind's references to other kinds.
    referrers: Vec<Referrer>,
}

impl KindRegistry {
    /// Adds a kind (again: no change). Panics on the reserved name
    /// `module` (function modules are stored under it).
    pub fn register<K: Kind>(&mut self) {
        assert_ne!(
            K::NAME,
            crate::keys::MODULE,
            "the kind name `module` is reserved for function modules"
        );
        if self
            .kinds
            .insert(
                K::NAME,
                KindInfo {
                    schema: K::SCHEMA,
                    check: check::<K>,
                },
            )
            .is_none()
        {
            self.referrers.extend(Referrer::of::<K>());
        }
    }

    /// The references of registered kinds to `target`.
    pub fn referrers_of(&self, target: &str) -> impl Iterator<Item = &Referrer> {
        self.referrers
            .iter()
            .filter(move |r| r.reference.target == target)
    }

    /// Every registered kind's name and schema version.
    pub fn schemas(&self) -> impl Iterator<Item = (&'static str, u16)> + '_ {
        self.kinds.iter().map(|(name, info)| (*name, info.schema))
    }

    /// The kind called `name`, if registered.
    pub fn get(&self, name: &str) -> Option<KindInfo> {
        self.kinds.get(name).copied()
    }

    /// Fails unless `K` is registered.
    pub fn require<K: Kind>(&self) -> Result<()> {
        if self.kinds.contains_key(K::NAME) {
            return Ok(());
        }
        Err(Error::Internal(format!(
            "kind {:?} is not registered with this database; add it with Builder::kind",
            K::NAME
        )))
    }
}

/// A kind that refers to another, as the registry keeps it.
#[derive(Clone, Copy)]
pub(crate) struct Referrer {
    /// The referring kind.
    pub kind: &'static str,
    /// Its reference.
    pub reference: Reference,
    /// Stages the delete or detach of one referring object (its stored
    /// record at `revision`) because `target_id` goes away.
    pub stage: fn(&[u8], Revision, &Reference, &str, &mut Txn) -> Result<()>,
}

impl Referrer {
    /// The referrers `K` declares.
    pub fn of<K: Kind>() -> impl Iterator<Item = Referrer> {
        K::REFERENCES.iter().map(|reference| Referrer {
            kind: K::NAME,
            reference: *reference,
            stage: stage::<K>,
        })
    }
}

fn stage<R: Kind>(
    bytes: &[u8],
    revision: Revision,
    reference: &Reference,
    target_id: &str,
    txn: &mut Txn,
) -> Result<()> {
    let object = decode_object::<R>(bytes, revision)?;
    txn.touch::<R>();
    match reference.on_delete {
        OnDelete::Delete => {
            txn.remove(&object);
            for action in R::delete_actions(&object) {
                txn.event(action, &object);
            }
        }
        OnDelete::Detach => {
            let mut next = object.clone();
            R::detach(&mut next, reference.field, target_id);
            next.meta.updated_at = txn.now;
            next.meta.spec_version = 0;
            next.meta.updated_by = txn.actor.clone();
            txn.replace(&object, &next);
            txn.event("updated", &next);
        }
    }
    Ok(())
}
