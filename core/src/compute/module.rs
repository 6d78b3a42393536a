//! Function code, stored once per content: a module is kept under the
//! SHA-256 of its bytes, outside the records of the functions that use it,
//! so records and events carry the digest and size, never the code.
//!
//! Layout: the manifest at `o/module/{sha256}` (size, chunk count, when it
//! was last uploaded) and the bytes in chunks of [`CHUNK_LEN`] at
//! `b/module/{sha256}/{n}`, each chunk its own commit (etcd refuses
//! requests over 1.5 MiB). The manifest is written last: a module is
//! readable once its manifest exists. A function refers to its module
//! through the `code` index ([`Kind::REFERENCES`]), so a write naming a
//! module requires its manifest, unchanged, in the same commit.
//!
//! Garbage collection (the retention worker) removes a module no function
//! refers to once its last upload is older than a grace period — an
//! upload refreshes the manifest, so a function write that follows its
//! upload never finds the module gone, and the delete is conditional on
//! the manifest the sweep read.

use std::sync::Arc;
use std::time::Duration;

use clusterdb_storage::{Commit, CommitError, Engine, Op, Precondition};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::keys;
use crate::timestamp::Timestamp;

/// The pseudo-kind modules are stored under (their manifests).
pub(crate) use crate::keys::MODULE;
/// Bytes per stored chunk.
pub const CHUNK_LEN: usize = 512 << 10;

/// A stored module, as a function refers to it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ModuleRef {
    /// Lowercase hex SHA-256 of the module's bytes.
    pub sha256: String,
    /// Its length in bytes.
    pub size: u64,
}

/// What the manifest key holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Manifest {
    size: u64,
    chunks: u32,
    /// Unix milliseconds of the last upload of these bytes.
    uploaded_at: i64,
    /// Whether every chunk is written.
    complete: bool,
}

/// Hex SHA-256 of `bytes`.
pub fn digest(bytes: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, bytes);
    digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether `text` is a module digest as stored (64 lowercase hex digits).
pub fn is_digest(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn chunk_key(sha256: &str, n: u32) -> Vec<u8> {
    keys::module_chunk(sha256, n)
}

fn manifest_key(sha256: &str) -> Vec<u8> {
    keys::object(MODULE, sha256)
}

/// Stores `bytes` (or, if they are stored already, refreshes their
/// manifest's upload time) and returns the reference.
pub(crate) async fn put(engine: &dyn Engine, bytes: &[u8]) -> Result<ModuleRef> {
    let sha256 = digest(bytes);
    if let Some(module) = touch(engine, &sha256).await? {
        return Ok(module);
    }
    let chunks = bytes.chunks(CHUNK_LEN).collect::<Vec<_>>();
    let mut manifest = Manifest {
        size: bytes.len() as u64,
        chunks: chunks.len() as u32,
        uploaded_at: Timestamp::now().unix_millis(),
        complete: false,
    };
    // An incomplete manifest first, unless one exists (a concurrent upload
    // of the same bytes): chunks a crash strands are found (and collected)
    // through it, and a complete manifest is never made incomplete.
    let claim = Commit {
        preconditions: vec![Precondition::Absent(manifest_key(&sha256))],
        ops: vec![put_manifest(&sha256, &manifest)?],
        ..Commit::default()
    };
    match engine.commit(claim).await {
        Ok(_) | Err(CommitError::PreconditionFailed(_)) => {}
        Err(CommitError::Storage(err)) => return Err(err.into()),
    }
    for (n, chunk) in chunks.iter().enumerate() {
        let commit = Commit {
            ops: vec![Op::Put(chunk_key(&sha256, n as u32), chunk.to_vec())],
            ..Commit::default()
        };
        commit_plain(engine, commit).await?;
    }
    manifest.complete = true;
    let complete = Commit {
        ops: vec![put_manifest(&sha256, &manifest)?],
        ..Commit::default()
    };
    commit_plain(engine, complete).await?;
    Ok(ModuleRef {
        sha256,
        size: bytes.len() as u64,
    })
}

/// The write of a module's manifest.
fn put_manifest(sha256: &str, manifest: &Manifest) -> Result<Op> {
    let value = postcard::to_stdvec(manifest).map_err(|e| Error::Internal(e.to_string()))?;
    Ok(Op::Put(manifest_key(sha256), value))
}

/// The reference to a completely stored module, refreshing its manifest
/// as an upload would; `None` if there is no such module.
pub(crate) async fn touch(engine: &dyn Engine, sha256: &str) -> Result<Option<ModuleRef>> {
    let Some(entry) = engine.get(&manifest_key(sha256)).await? else {
        return Ok(None);
    };
    let mut manifest = decode(&entry.value)?;
    if !manifest.complete {
        return Ok(None);
    }
    manifest.uploaded_at = Timestamp::now().unix_millis();
    let commit = Commit {
        preconditions: vec![Precondition::AtRevision(
            manifest_key(sha256),
            entry.mod_revision,
        )],
        ops: vec![put_manifest(sha256, &manifest)?],
        ..Commit::default()
    };
    match engine.commit(commit).await {
        Ok(_) => Ok(Some(ModuleRef {
            sha256: sha256.to_string(),
            size: manifest.size,
        })),
        // Collected (or touched) meanwhile: the caller uploads again.
        Err(CommitError::PreconditionFailed(_)) => Ok(None),
        Err(CommitError::Storage(err)) => Err(err.into()),
    }
}

/// Commits writes that have no preconditions.
async fn commit_plain(engine: &dyn Engine, commit: Commit) -> Result<()> {
    match engine.commit(commit).await {
        Ok(_) => Ok(()),
        Err(CommitError::Storage(err)) => Err(err.into()),
        Err(CommitError::PreconditionFailed(failed)) => Err(Error::Internal(format!(
            "an unconditional write failed a precondition: {failed:?}"
        ))),
    }
}

fn decode(bytes: &[u8]) -> Result<Manifest> {
    postcard::from_bytes(bytes)
        .map_err(|e| Error::Internal(format!("corrupt module manifest: {e}")))
}

/// The bytes of a stored module, checked against its digest.
pub(crate) async fn load(engine: &dyn Engine, module: &ModuleRef) -> Result<Vec<u8>> {
    let missing = || Error::FailedPrecondition {
        kind: "module",
        id: module.sha256.clone(),
        state: "missing".into(),
        reason: "the function's code is not in the engine; upload it again".into(),
    };
    let Some(entry) = engine.get(&manifest_key(&module.sha256)).await? else {
        return Err(missing());
    };
    let manifest = decode(&entry.value)?;
    if !manifest.complete {
        return Err(missing());
    }
    let mut bytes = Vec::with_capacity(usize::try_from(manifest.size).unwrap_or(0));
    for n in 0..manifest.chunks {
        match engine.get(&chunk_key(&module.sha256, n)).await? {
            Some(chunk) => bytes.extend_from_slice(&chunk.value),
            None => return Err(missing()),
        }
    }
    if digest(&bytes) != module.sha256 {
        return Err(Error::Internal(format!(
            "module {} does not match its digest",
            module.sha256
        )));
    }
    Ok(bytes)
}

/// Loads a function's module on demand, for a runtime whose cache misses.
#[derive(Clone)]
pub struct ModuleSource {
    engine: Arc<dyn Engine>,
    module: ModuleRef,
}

impl ModuleSource {
    pub(crate) fn new(engine: Arc<dyn Engine>, module: ModuleRef) -> Self {
        ModuleSource { engine, module }
    }

    /// The module this source loads.
    pub fn module(&self) -> &ModuleRef {
        &self.module
    }

    /// The module's bytes, read from the store and checked.
    pub async fn bytes(&self) -> Result<Vec<u8>> {
        load(&*self.engine, &self.module).await
    }
}

impl std::fmt::Debug for ModuleSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("ModuleSource").field(&self.module).finish()
    }
}

/// Most deletes in one collection commit (etcd takes 128 operations).
const MAX_DELETES_PER_COMMIT: usize = 100;

/// Most manifests one collection step reads.
pub(crate) const MODULES_PER_STEP: usize = 100;

/// Whether an object of any kind refers to the module (through the
/// index of its [`crate::Kind::REFERENCES`] field: `referrers` are the
/// (kind, field) pairs that refer to modules).
async fn is_referred_to(
    engine: &dyn Engine,
    referrers: &[(&str, &str)],
    sha256: &str,
) -> Result<bool> {
    for (kind, field) in referrers {
        let prefix = keys::index_prefix(kind, field, sha256);
        if !engine.range(&prefix, None, 1).await?.entries.is_empty() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// One step of module collection, from `position`: removes unreferenced
/// modules last uploaded more than `grace` ago. Returns how many it removed
/// and where the next step starts (`None`: from the beginning).
pub(crate) async fn collect(
    engine: &dyn Engine,
    referrers: &[(&str, &str)],
    grace: Duration,
    position: Option<Vec<u8>>,
) -> Result<(usize, Option<Vec<u8>>)> {
    let prefix = keys::objects(MODULE);
    let page = engine
        .range(&prefix, position.as_deref(), MODULES_PER_STEP)
        .await?;
    let cutoff =
        Timestamp::now().unix_millis() - i64::try_from(grace.as_millis()).unwrap_or(i64::MAX);
    let mut removed = 0;
    for (key, entry) in &page.entries {
        let Ok(sha256) = std::str::from_utf8(&key[prefix.len()..]) else {
            continue;
        };
        let manifest = decode(&entry.value)?;
        if manifest.uploaded_at > cutoff {
            continue;
        }
        if is_referred_to(engine, referrers, sha256).await? {
            continue;
        }
        // Manifest and chunks in one commit, conditioned on the manifest
        // read (an upload since then refreshed it): a concurrent upload
        // never finds its chunks deleted under a manifest it completed.
        let mut ops = vec![Op::Delete(key.clone())];
        ops.extend((0..manifest.chunks).map(|n| Op::Delete(chunk_key(sha256, n))));
        if ops.len() > MAX_DELETES_PER_COMMIT {
            // Larger than the store takes in one commit (modules over
            // 50 MiB): the manifest first, then the chunks.
            ops.truncate(1);
        }
        let whole = ops.len() > 1;
        let commit = Commit {
            preconditions: vec![Precondition::AtRevision(key.clone(), entry.mod_revision)],
            ops,
            ..Commit::default()
        };
        match engine.commit(commit).await {
            Ok(_) => {}
            Err(CommitError::PreconditionFailed(_)) => continue,
            Err(CommitError::Storage(err)) => return Err(err.into()),
        }
        if !whole {
            let chunks = (0..manifest.chunks)
                .map(|n| Op::Delete(chunk_key(sha256, n)))
                .collect::<Vec<_>>();
            for ops in chunks.chunks(MAX_DELETES_PER_COMMIT) {
                let commit = Commit {
                    ops: ops.to_vec(),
                    ..Commit::default()
                };
                commit_plain(engine, commit).await?;
            }
        }
        removed += 1;
    }
    let next = if page.entries.len() == MODULES_PER_STEP {
        page.entries.last().map(|(key, _)| key.clone())
    } else {
        None
    };
    Ok((removed, next))
}
