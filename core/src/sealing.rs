//! The store's side of the master key ([`MasterKey`]): a check record
//! (`s/master-key`) naming the key that seals the store's secrets, so a
//! process given another key — or none — refuses to open it; and the
//! resealing of every sealed value when the store meets a new key: a store
//! written before secrets were sealed (migrated on first open), or a key
//! rotated by `clusterdb admin rotate-master-key` (the new key file keeps
//! the old key, which opens what is not resealed yet).

use std::path::PathBuf;
use std::sync::Arc;

use clusterdb_storage::{Op, envelope};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::keys;
use crate::seal::{MasterKey, Purpose};
use crate::store::Store;

const CHECK_RECORD: &str = "master-key";
const CHECK_SCHEMA: u16 = 1;

/// What the store records of its master key.
#[derive(Debug, Serialize, Deserialize)]
struct Check {
    /// The id of the key that seals the store's secrets.
    key_id: String,
    /// The id sealed under that key: proof the key file is the same key,
    /// not only one with the same id.
    sealed_id: Vec<u8>,
    /// Whether every sealed value is sealed under it (false while a
    /// migration or rotation is under way).
    resealed: bool,
}

/// Where this process's master key came from.
pub(crate) enum KeyOrigin {
    /// Given, or read from an existing key file.
    Given,
    /// Made now: no key was given and `file` (if any) does not exist. It
    /// may only become the store's key if the store has none yet; then it
    /// is written to `file` before anything is sealed with it.
    Fresh {
        /// The key file to write.
        file: Option<PathBuf>,
    },
}

async fn read_check(store: &Store) -> Result<Option<(Check, u64)>> {
    let Some(entry) = store.engine.get(&keys::system(CHECK_RECORD)).await? else {
        return Ok(None);
    };
    let (_, check) = envelope::decode::<Check>(&entry.value, CHECK_SCHEMA)?;
    Ok(Some((check, entry.mod_revision)))
}

/// Writes the check for the current key, if the record is still at
/// `version` (`None`: absent); `false` if another process wrote first.
async fn write_check(store: &Store, resealed: bool, version: Option<u64>) -> Result<bool> {
    let key = &store.master_key;
    let check = Check {
        key_id: key.id(),
        sealed_id: key.seal(Purpose::Check, key.id().as_bytes())?,
        resealed,
    };
    let record = keys::system(CHECK_RECORD);
    let put = Op::Put(record.clone(), envelope::encode(CHECK_SCHEMA, &check));
    Ok(store.write_if(&record, version, put).await?.is_some())
}

/// Makes sure the store's secrets are sealed under this process's master
/// key: refuses a key that is not the store's, adopts a fresh key for a
/// store that has none (writing its key file first), and reseals whatever
/// is not sealed under the current key.
pub(crate) async fn establish(store: &Arc<Store>, origin: KeyOrigin) -> Result<()> {
    let key = &store.master_key;
    for _ in 0..16 {
        match read_check(store).await? {
            Some((check, version)) => {
                if let KeyOrigin::Fresh { file } = &origin {
                    return Err(Error::Internal(match file {
                        Some(path) => format!(
                            "the store's secrets are sealed with master key {}, but its key file {} does not exist: \
                             put the store's key file there, or name it (--master-key-file)",
                            check.key_id,
                            path.display()
                        ),
                        None => format!(
                            "the store's secrets are sealed with master key {}: open it with that key",
                            check.key_id
                        ),
                    }));
                }
                if !key.holds(&check.key_id) {
                    return Err(Error::Internal(format!(
                        "wrong master key: the store's secrets are sealed with master key {}, and the key given is {}; \
                         give every server the store's own key file",
                        check.key_id,
                        key.id()
                    )));
                }
                let opened = key.open(Purpose::Check, &check.sealed_id)?;
                if opened != check.key_id.as_bytes() {
                    return Err(Error::Internal(format!(
                        "the store's master key check does not match key {}",
                        check.key_id
                    )));
                }
                if check.key_id == key.id() && check.resealed {
                    return Ok(());
                }
                // A rotation (or a migration) to finish: claim the store for
                // the current key, then reseal.
                if check.key_id != key.id() && !write_check(store, false, Some(version)).await? {
                    continue;
                }
                reseal_all(store).await?;
                if let Some((_, version)) = read_check(store).await?
                    && write_check(store, true, Some(version)).await?
                {
                    return Ok(());
                }
            }
            None => {
                if let KeyOrigin::Fresh { file: Some(path) } = &origin {
                    key.write_file(path)?;
                    tracing::info!(
                        path = %path.display(),
                        master_key = %key.id(),
                        "wrote the master key that seals the store's secrets to this file: keep it, apart from the data's backups"
                    );
                }
                if !write_check(store, false, None).await? {
                    continue;
                }
                reseal_all(store).await?;
                if let Some((_, version)) = read_check(store).await?
                    && write_check(store, true, Some(version)).await?
                {
                    return Ok(());
                }
            }
        }
    }
    Err(Error::Unavailable(
        "the store's master key record is changing too fast".into(),
    ))
}

/// Seals under the current key everything that is not: the token signing
/// keys, webhook secrets, idempotency records.
async fn reseal_all(store: &Arc<Store>) -> Result<()> {
    let keys = crate::identity::reseal_signing_keys(store).await?;
    let endpoints = crate::webhooks::reseal(store).await?;
    let records = crate::idempotency::reseal(store).await?;
    if keys || endpoints > 0 || records > 0 {
        tracing::info!(
            signing_keys = keys,
            webhook_endpoints = endpoints,
            idempotency_records = records,
            master_key = %store.master_key.id(),
            "sealed the store's secrets under the master key"
        );
    }
    Ok(())
}

/// The key `<data file>.master-key` beside a data file.
pub fn default_key_file(data: &std::path::Path) -> PathBuf {
    let mut path = data.as_os_str().to_owned();
    path.push(".master-key");
    PathBuf::from(path)
}

/// Resolves a process's master key: the one given; else the key file
/// (`file`) if it exists; else a fresh key, to be written to `file` if the
/// store turns out to have none.
pub(crate) fn resolve(
    given: Option<MasterKey>,
    file: Option<PathBuf>,
    allow_insecure: bool,
) -> Result<(MasterKey, KeyOrigin)> {
    if let Some(key) = given {
        return Ok((key, KeyOrigin::Given));
    }
    match file {
        Some(path) if path.exists() => Ok((
            MasterKey::from_file(&path, allow_insecure)?,
            KeyOrigin::Given,
        )),
        file => Ok((MasterKey::generate()?, KeyOrigin::Fresh { file })),
    }
}
