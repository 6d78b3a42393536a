//! The kinds ClusterDB itself defines.

use crate::registry::KindRegistry;

/// The kinds ClusterDB itself defines — the one place a built-in kind is
/// registered in core (the registry type, in `registry.rs`, knows none).
pub(crate) fn builtin_kinds() -> KindRegistry {
    let mut registry = KindRegistry::default();
    registry.register::<crate::compute::FleetKind>();
    registry.register::<crate::compute::InstanceKind>();
    registry.register::<crate::compute::FunctionKind>();
    registry.register::<crate::identity::UserKind>();
    registry.register::<crate::identity::GroupKind>();
    registry.register::<crate::identity::ApiKeyKind>();
    registry.register::<crate::identity::OAuthClientKind>();
    registry.register::<crate::mesh::VirtualServiceKind>();
    registry.register::<crate::mesh::SecurityPolicyKind>();
    registry.register::<crate::webhooks::WebhookKind>();
    registry.register::<crate::monitoring::AlertRuleKind>();
    registry.register::<crate::monitoring::SilenceKind>();
    registry.register::<crate::monitoring::AlertKind>();
    registry
}
