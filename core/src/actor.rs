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
pub(crate) enum Actor {
    /// ClusterDB itself, trusted.
    System,
    /// A trusted actor recorded by this id.
    Named(Arc<str>),
    /// An authenticated principal, shared with the request that carries
    /// it: making a handle for one allocates nothing.
    Principal(Arc<Principal>),
}

impl Actor {
    /// ClusterDB itself ([`crate::SYSTEM_ACTOR`]), trusted.
    pub fn system() -> Actor {
        Actor::System
    }

    /// A trusted actor recorded as `id`.
    pub fn named(id: impl Into<Arc<str>>) -> Actor {
        Actor::Named(id.into())
    }

    /// `principal`, whose identity writes are checked against what it
    /// holds.
    pub fn principal(principal: Arc<Principal>) -> Actor {
        Actor::Principal(principal)
    }

    /// The principal whose authority bounds identity writes, if any.
    pub fn authority(&self) -> Option<&Principal> {
        match self {
            Actor::Principal(principal) => Some(principal),
            Actor::System | Actor::Named(_) => None,
        }
    }
}

impl Deref for Actor {
    type Target = str;

    fn deref(&self) -> &str {
        match self {
            Actor::System => crate::meta::SYSTEM_ACTOR,
            Actor::Named(id) => id,
            Actor::Principal(principal) => &principal.id,
        }
    }
}
