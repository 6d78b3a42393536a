//! A security policy's JSON (Istio's `AuthorizationPolicy` shape), and
//! the check query's request and decision.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::MetaOutput;

/// What a policy does to the requests its rules match.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "UPPERCASE")]
pub enum PolicyActionName {
    /// Allow them; once any ALLOW policy selects a workload, requests no
    /// ALLOW policy matches are denied.
    #[default]
    Allow,
    /// Deny them (DENY is evaluated before ALLOW).
    Deny,
    /// Record them; never decides.
    Audit,
}

/// Create or replace a security policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SecurityPolicyInput {
    /// Unique in its namespace.
    pub name: String,
    /// Its namespace (default `default`): it governs the workloads there.
    #[serde(default)]
    pub namespace: String,
    /// The workloads it applies to; absent: all of its namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<SelectorJson>,
    /// `ALLOW` (default), `DENY` or `AUDIT`.
    #[serde(default)]
    pub action: PolicyActionName,
    /// A request matching any rule matches the policy. An ALLOW policy
    /// without rules matches nothing; a DENY policy needs rules.
    #[serde(default)]
    #[cfg_attr(feature = "schema", schema(max_items = 256))]
    pub rules: Vec<RuleJson>,
    /// Labels.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// A security policy as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct SecurityPolicyOutput {
    /// `security_policy-…`.
    pub id: String,
    /// Unique in its namespace.
    pub name: String,
    /// Its namespace.
    pub namespace: String,
    /// The workloads it applies to; absent: all of its namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<SelectorJson>,
    /// What matching requests get.
    pub action: PolicyActionName,
    /// Its rules.
    pub rules: Vec<RuleJson>,
    /// Timestamps, actors, version and tags.
    #[serde(flatten)]
    pub meta: MetaOutput,
}

/// Workload labels a policy applies to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SelectorJson {
    /// Every label must match.
    #[serde(default)]
    pub match_labels: BTreeMap<String, String>,
}

/// One rule (Istio's `Rule`): every part present must match.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RuleJson {
    /// Any of these callers (absent: any).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub from: Vec<FromJson>,
    /// Any of these operations (absent: any).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub to: Vec<ToJson>,
    /// All of these conditions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub when: Vec<ConditionJson>,
}

/// `from` entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct FromJson {
    /// The caller.
    pub source: SourceJson,
}

/// `to` entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ToJson {
    /// The operation.
    pub operation: OperationJson,
}

/// A caller; patterns are exact, `*`, `prefix*` or `*suffix`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SourceJson {
    /// Principals, e.g. `cluster.local/ns/web/sa/frontend`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub principals: Vec<String>,
    /// Principals excluded.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_principals: Vec<String>,
    /// Caller namespaces.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub namespaces: Vec<String>,
    /// Caller namespaces excluded.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_namespaces: Vec<String>,
    /// Caller addresses: CIDR blocks or addresses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ip_blocks: Vec<String>,
    /// Caller addresses excluded.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_ip_blocks: Vec<String>,
}

/// An operation; patterns are exact, `*`, `prefix*` or `*suffix`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OperationJson {
    /// Hosts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hosts: Vec<String>,
    /// Hosts excluded.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_hosts: Vec<String>,
    /// Ports, as text.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<String>,
    /// Ports excluded.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_ports: Vec<String>,
    /// Methods.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub methods: Vec<String>,
    /// Methods excluded.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_methods: Vec<String>,
    /// Paths.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<String>,
    /// Paths excluded.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_paths: Vec<String>,
}

/// A condition on a request attribute.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ConditionJson {
    /// `source.ip`, `remote.ip`, `source.namespace`, `source.principal`,
    /// `request.auth.principal`, `destination.port` or
    /// `request.headers[<name>]`.
    pub key: String,
    /// The attribute matches one of these.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
    /// The attribute matches none of these.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_values: Vec<String>,
}

/// `POST /mesh/security-policies:check`: a request to authorize.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CheckRequestJson {
    /// The workload's namespace, whose policies apply (default
    /// `default`).
    #[serde(default)]
    pub namespace: Option<String>,
    /// The workload's labels, for policy selectors.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// The caller's principal, e.g. `cluster.local/ns/web/sa/frontend`.
    #[serde(default)]
    #[cfg_attr(feature = "schema", schema(max_length = 1024))]
    pub principal: String,
    /// The caller's namespace (default: from a `…/ns/<namespace>/…`
    /// principal).
    #[serde(default)]
    pub source_namespace: Option<String>,
    /// The caller's address.
    #[serde(default)]
    pub ip: Option<String>,
    /// The host called.
    #[serde(default)]
    #[cfg_attr(feature = "schema", schema(max_length = 253))]
    pub host: String,
    /// The method.
    #[serde(default)]
    #[cfg_attr(feature = "schema", schema(max_length = 32))]
    pub method: String,
    /// The path (default `/`).
    #[serde(default)]
    #[cfg_attr(feature = "schema", schema(max_length = 8192))]
    pub path: Option<String>,
    /// The port called.
    #[serde(default, deserialize_with = "super::optional_integer")]
    #[cfg_attr(feature = "schema", schema(minimum = 1, maximum = 65535))]
    pub port: Option<u32>,
    /// Headers.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
}

/// A policy that decided, or was recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct PolicyRef {
    /// Its namespace.
    pub namespace: String,
    /// Its name.
    pub name: String,
    /// Its action.
    pub action: PolicyActionName,
}

/// The policies' answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct DecisionJson {
    /// `ALLOW` or `DENY`.
    pub decision: PolicyActionName,
    /// The policy that decided; absent when none matched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<PolicyRef>,
    /// Why, in words.
    pub reason: String,
    /// AUDIT policies that matched.
    pub audited: Vec<PolicyRef>,
}

crate::resource::resources! {
    /// `/v1/mesh/security-policies`, namespaced.
    SecurityPolicies {
        collection: "mesh/security-policies",
        list_field: "security_policies",
        singular: "security policy",
        id_prefix: "security_policy",
        input: SecurityPolicyInput,
        output: SecurityPolicyOutput,
    }
}
