//! The principals of recently seen credentials, valid while no identity
//! object has changed: every client write of a user, group, API key or
//! OAuth client touches the `identity` change marker in its own commit,
//! and an entry is used only while the marker is at the revision the entry
//! was computed at. One read of the marker then replaces the reads of a
//! full authentication, and a revocation, a disabled user or a changed
//! group is seen by the very next request — on every server of a shared
//! store, since the marker lives in the store. (A process that is its
//! store's sole writer knows the marker without reading it:
//! `Store::marker_revision`.)

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::policy::Principal;
use crate::timestamp::Timestamp;

/// The change marker every identity kind touches (see
/// [`crate::Kind::CHANGE_MARKER`]); the cache is valid while it stands.
pub(crate) const IDENTITY_MARKER: &str = "identity";

/// Entries held at most; past it the cache starts over.
const MAX_ENTRIES: usize = 10_000;

/// One cached authentication; a copy shares its principal and key id.
#[derive(Clone)]
pub(crate) struct Cached {
    pub principal: Arc<Principal>,
    /// The marker revision it was computed at.
    pub generation: u64,
    /// When the credential stops working, if ever.
    pub expires_at: Option<Timestamp>,
    /// For an API key: its id, and when its use was last recorded.
    pub api_key: Option<(Arc<str>, Option<Timestamp>)>,
}

/// Cached principals by presented credential.
#[derive(Default)]
pub(crate) struct PrincipalCache {
    entries: Mutex<HashMap<String, Cached>>,
}

impl PrincipalCache {
    /// The entry for `credential` if it is still valid at `generation`
    /// and `now`.
    pub fn get(&self, credential: &str, generation: u64, now: Timestamp) -> Option<Cached> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let cached = entries.get(credential)?;
        let valid = cached.generation == generation && cached.expires_at.is_none_or(|at| at > now);
        valid.then(|| cached.clone())
    }

    /// Remembers an authentication computed at `generation`.
    pub fn put(&self, credential: &str, cached: Cached) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= MAX_ENTRIES && !entries.contains_key(credential) {
            entries.clear();
        }
        entries.insert(credential.to_string(), cached);
    }

    /// Notes that the use of the key behind `credential` was recorded at
    /// `at`.
    pub fn used(&self, credential: &str, at: Timestamp) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(Cached {
            api_key: Some((_, last)),
            ..
        }) = entries.get_mut(credential)
        {
            *last = Some(at);
        }
    }
}
