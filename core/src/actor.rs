//! [`Actor`]: who a handle writes as, and on whose authority.
//!
//! Every write records its actor (a user id, an OAuth client id, or
//! `system`). A handle made for an authenticated principal
//! (`ClusterDb::acting_for`) also carries that principal, so core can hold
//! identity writes to the rule that no principal grants what it does not
//! hold ([`crate::identity::authorize_grant`]); embedded use and the
//! server's own work carry none and are trusted.

use std::ops::Deref;
use std::sync::Arc;

use crate::identity::policy::Principal;

/// Who writes, and the principal whose authority bounds identity writes.
#[derive(Clone)]
pub(crate) struct Actor {
    id: Arc<str>,
    authority: Option<Arc<Principal>>,
}

impl Actor {
    /// ClusterDB itself ([`crate::SYSTEM_ACTOR`]), trusted.
    pub fn system() -> Actor {
        Actor::named(crate::meta::SYSTEM_ACTOR)
    }

    /// A trusted actor recorded as `id`.
    pub fn named(id: impl Into<Arc<str>>) -> Actor {
        Actor {
            id: id.into(),
            authority: None,
        }
    }

    /// `principal`, whose identity writes are checked against what it
    /// holds.
    pub fn principal(principal: Principal) -> Actor {
        Actor {
            id: Arc::from(principal.id.as_str()),
            authority: Some(Arc::new(principal)),
        }
    }

    /// The principal whose authority bounds identity writes, if any.
    pub fn authority(&self) -> Option<&Principal> {
        self.authority.as_deref()
    }
}

impl Deref for Actor {
    type Target = str;

    fn deref(&self) -> &str {
        &self.id
    }
}
