//! The resource kinds of the REST API as a client sees them: where each
//! lives and which wire types it sends and answers ([`Resource`]), one
//! marker type per kind ([`Fleets`], [`VirtualServices`], …) for
//! [`crate::Client::resources`].

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::wire;

/// A resource kind of the REST API.
pub trait Resource: Send + Sync + 'static {
    /// Collection path below `/v1`, e.g. `fleets` or
    /// `mesh/virtual-services`.
    const COLLECTION: &'static str;
    /// The key of a list answer's items, e.g. `virtual_services`.
    const LIST_FIELD: &'static str = Self::COLLECTION;
    /// The singular noun, e.g. `virtual service`.
    const SINGULAR: &'static str;
    /// What ids of the kind start with, before `-` (e.g. `fleet`).
    const ID_PREFIX: &'static str;
    /// What a create or replace sends.
    type Input: Serialize + DeserializeOwned + Send + 'static;
    /// What the API answers.
    type Output: Serialize + DeserializeOwned + Send + 'static;
}

macro_rules! resources {
    ($($(#[$doc:meta])* $marker:ident {
        collection: $collection:literal,
        $(list_field: $list_field:literal,)?
        singular: $singular:literal,
        id_prefix: $prefix:literal,
        input: $input:ty,
        output: $output:ty $(,)?
    })*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct $marker;

        impl Resource for $marker {
            const COLLECTION: &'static str = $collection;
            $(const LIST_FIELD: &'static str = $list_field;)?
            const SINGULAR: &'static str = $singular;
            const ID_PREFIX: &'static str = $prefix;
            type Input = $input;
            type Output = $output;
        }
    )*};
}

resources! {
    /// `/v1/fleets`.
    Fleets {
        collection: "fleets",
        singular: "fleet",
        id_prefix: "fleet",
        input: wire::FleetInput,
        output: wire::FleetOutput,
    }
    /// `/v1/instances`, with [`crate::ResourceClient::start`] and `stop`.
    Instances {
        collection: "instances",
        singular: "instance",
        id_prefix: "instance",
        input: wire::InstanceInput,
        output: wire::InstanceOutput,
    }
    /// `/v1/functions`, with [`crate::ResourceClient::invoke`].
    Functions {
        collection: "functions",
        singular: "function",
        id_prefix: "function",
        input: wire::FunctionInput,
        output: wire::FunctionOutput,
    }
    /// `/v1/mesh/virtual-services`, namespaced.
    VirtualServices {
        collection: "mesh/virtual-services",
        list_field: "virtual_services",
        singular: "virtual service",
        id_prefix: "virtual_service",
        input: wire::VirtualServiceInput,
        output: wire::VirtualServiceOutput,
    }
    /// `/v1/mesh/security-policies`, namespaced.
    SecurityPolicies {
        collection: "mesh/security-policies",
        list_field: "security_policies",
        singular: "security policy",
        id_prefix: "security_policy",
        input: wire::SecurityPolicyInput,
        output: wire::SecurityPolicyOutput,
    }
    /// `/v1/users`.
    Users {
        collection: "users",
        singular: "user",
        id_prefix: "user",
        input: wire::UserInput,
        output: wire::UserOutput,
    }
    /// `/v1/groups`.
    Groups {
        collection: "groups",
        singular: "group",
        id_prefix: "group",
        input: wire::GroupInput,
        output: wire::GroupOutput,
    }
    /// `/v1/oauth-clients` (admins only).
    OAuthClients {
        collection: "oauth-clients",
        list_field: "oauth_clients",
        singular: "OAuth client",
        id_prefix: "oauthclient",
        input: wire::OAuthClientInput,
        output: wire::OAuthClientOutput,
    }
    /// `/v1/webhooks` (admins only).
    Webhooks {
        collection: "webhooks",
        singular: "webhook endpoint",
        id_prefix: "webhook",
        input: wire::WebhookInput,
        output: wire::WebhookOutput,
    }
    /// `/v1/monitoring/alert-rules`.
    AlertRules {
        collection: "monitoring/alert-rules",
        list_field: "alert_rules",
        singular: "alert rule",
        id_prefix: "alertrule",
        input: wire::AlertRuleInput,
        output: wire::AlertRuleOutput,
    }
    /// `/v1/monitoring/silences`.
    Silences {
        collection: "monitoring/silences",
        list_field: "silences",
        singular: "silence",
        id_prefix: "silence",
        input: wire::SilenceInput,
        output: wire::SilenceOutput,
    }
}
