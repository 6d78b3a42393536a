//! Referential integrity between kinds ([`Kind::REFERENCES`]): a write
//! that adds a reference requires the referred object to exist, in the
//! same commit; deleting an object deletes or detaches the objects that
//! refer to it, in the same commit.

use crate::error::{Error, Result};
use crate::keys;
use crate::kind::{Kind, Object};
use crate::store::Store;
use crate::txn::{Txn, index_values};

/// Most objects one delete may delete or detach along with it; past it the
/// delete is refused (remove the references first).
pub const MAX_REFERRERS: usize = 1000;

/// Requires every object `next` refers to and `current` did not to exist,
/// unchanged until the commit.
pub(crate) async fn check_new<K: Kind>(
    store: &Store,
    current: Option<&Object<K>>,
    next: &Object<K>,
    txn: &mut Txn,
) -> Result<()> {
    if K::REFERENCES.is_empty() {
        return Ok(());
    }
    let before = current.map(index_values).unwrap_or_default();
    for reference in K::REFERENCES {
        for (field, id) in index_values(next) {
            if field != reference.field || before.contains(&(field.clone(), id.clone())) {
                continue;
            }
            match store
                .engine
                .get(&keys::object(reference.target, &id))
                .await?
            {
                Some(entry) => txn.expect_object(reference.target, &id, entry.mod_revision),
                None => {
                    return Err(Error::invalid(
                        K::SUBJECT,
                        reference.field,
                        format!("refers to {} {id}, which does not exist", reference.target),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Stages, into the transaction deleting `kind` `id`, the delete or detach
/// of every object referring to it.
pub(crate) async fn stage_cascade(
    store: &Store,
    kind: &'static str,
    id: &str,
    txn: &mut Txn,
) -> Result<()> {
    for referrer in store.kinds.referrers_of(kind) {
        let prefix = keys::index_prefix(referrer.kind, referrer.reference.field, id);
        let page = store.engine.range(&prefix, None, MAX_REFERRERS + 1).await?;
        if page.entries.len() > MAX_REFERRERS {
            return Err(Error::FailedPrecondition {
                kind,
                id: id.to_string(),
                state: "referenced".into(),
                reason: format!(
                    "more than {MAX_REFERRERS} {} objects refer to it; remove those references first",
                    referrer.kind
                ),
            });
        }
        for (key, _) in &page.entries {
            let referring = std::str::from_utf8(&key[prefix.len()..])
                .map_err(|_| Error::Internal("corrupt index entry".into()))?;
            // The index is read apart from the object: a vanished one is
            // not referring any more.
            if let Some(entry) = store
                .engine
                .get(&keys::object(referrer.kind, referring))
                .await?
            {
                (referrer.stage)(
                    &entry.value,
                    entry.mod_revision,
                    &referrer.reference,
                    id,
                    txn,
                )?;
            }
        }
    }
    Ok(())
}
