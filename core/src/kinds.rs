//! The kinds one open database knows. Event consumers (subscriptions, the
//! reconciler, later webhooks) deliver only events of a registered kind at
//! a schema version this binary can read, and skip the rest with a
//! warning, so an event written by a newer release never stalls them.
//! Writes are refused for a kind that is not registered: its events could
//! not be read back.

use std::collections::BTreeMap;

use crate::compute::{FleetKind, FunctionKind, InstanceKind};
use crate::error::{Error, Result};
use crate::identity::{ApiKeyKind, GroupKind, OAuthClientKind, UserKind};
use crate::references::Referrer;
use crate::resource::Kind;

/// What the registry knows of one kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct KindInfo {
    /// Newest schema version of its records this binary reads.
    pub schema: u16,
}

/// The registered kinds, by name.
#[derive(Clone, Default)]
pub(crate) struct KindRegistry {
    kinds: BTreeMap<&'static str, KindInfo>,
    /// Every registered kind's references to other kinds.
    referrers: Vec<Referrer>,
}

impl KindRegistry {
    /// The kinds ClusterDB itself defines — the one place a built-in kind
    /// is registered in core.
    pub fn builtin() -> Self {
        let mut registry = KindRegistry::default();
        registry.register::<FleetKind>();
        registry.register::<InstanceKind>();
        registry.register::<FunctionKind>();
        registry.register::<UserKind>();
        registry.register::<GroupKind>();
        registry.register::<ApiKeyKind>();
        registry.register::<OAuthClientKind>();
        registry.register::<crate::mesh::VirtualServiceKind>();
        registry.register::<crate::mesh::SecurityPolicyKind>();
        registry.register::<crate::webhooks::WebhookKind>();
        registry.register::<crate::monitoring::AlertRuleKind>();
        registry.register::<crate::monitoring::SilenceKind>();
        registry.register::<crate::monitoring::AlertKind>();
        registry
    }

    /// Adds a kind (again: no change). Panics on the reserved name
    /// `module` (function modules are stored under it).
    pub fn register<K: Kind>(&mut self) {
        assert_ne!(
            K::NAME,
            crate::compute::module::MODULE,
            "the kind name `module` is reserved for function modules"
        );
        if self
            .kinds
            .insert(K::NAME, KindInfo { schema: K::SCHEMA })
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
