//! The security policy kind on the REST API: Istio's
//! `AuthorizationPolicy` shape, and its conversion.

use std::collections::BTreeMap;

use clusterdb::mesh::{
    Condition, Operation, PolicyAction, Rule, SecurityPolicyKind, SecurityPolicySpec, Source,
};
use clusterdb::{Draft, Object};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::MetaOutput;
use crate::rest::kind::RestKind;

/// What a policy does to the requests its rules match.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
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

impl From<PolicyActionName> for PolicyAction {
    fn from(action: PolicyActionName) -> Self {
        match action {
            PolicyActionName::Allow => PolicyAction::Allow,
            PolicyActionName::Deny => PolicyAction::Deny,
            PolicyActionName::Audit => PolicyAction::Audit,
        }
    }
}

impl From<PolicyAction> for PolicyActionName {
    fn from(action: PolicyAction) -> Self {
        match action {
            PolicyAction::Allow => PolicyActionName::Allow,
            PolicyAction::Deny => PolicyActionName::Deny,
            PolicyAction::Audit => PolicyActionName::Audit,
        }
    }
}

/// Create or replace a security policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
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
    #[schema(max_items = 256)]
    pub rules: Vec<RuleJson>,
    /// Labels.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// A security policy as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
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
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SelectorJson {
    /// Every label must match.
    #[serde(default)]
    pub match_labels: BTreeMap<String, String>,
}

/// One rule (Istio's `Rule`): every part present must match.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
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
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FromJson {
    /// The caller.
    pub source: SourceJson,
}

/// `to` entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ToJson {
    /// The operation.
    pub operation: OperationJson,
}

/// A caller; patterns are exact, `*`, `prefix*` or `*suffix`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
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
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
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
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
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

impl From<&RuleJson> for Rule {
    fn from(r: &RuleJson) -> Self {
        Rule {
            from: r
                .from
                .iter()
                .map(|f| {
                    let s = &f.source;
                    Source {
                        principals: s.principals.clone(),
                        not_principals: s.not_principals.clone(),
                        namespaces: s.namespaces.clone(),
                        not_namespaces: s.not_namespaces.clone(),
                        ip_blocks: s.ip_blocks.clone(),
                        not_ip_blocks: s.not_ip_blocks.clone(),
                    }
                })
                .collect(),
            to: r
                .to
                .iter()
                .map(|t| {
                    let o = &t.operation;
                    Operation {
                        hosts: o.hosts.clone(),
                        not_hosts: o.not_hosts.clone(),
                        ports: o.ports.clone(),
                        not_ports: o.not_ports.clone(),
                        methods: o.methods.clone(),
                        not_methods: o.not_methods.clone(),
                        paths: o.paths.clone(),
                        not_paths: o.not_paths.clone(),
                    }
                })
                .collect(),
            when: r
                .when
                .iter()
                .map(|c| Condition {
                    key: c.key.clone(),
                    values: c.values.clone(),
                    not_values: c.not_values.clone(),
                })
                .collect(),
        }
    }
}

impl From<&Rule> for RuleJson {
    fn from(r: &Rule) -> Self {
        RuleJson {
            from: r
                .from
                .iter()
                .map(|s| FromJson {
                    source: SourceJson {
                        principals: s.principals.clone(),
                        not_principals: s.not_principals.clone(),
                        namespaces: s.namespaces.clone(),
                        not_namespaces: s.not_namespaces.clone(),
                        ip_blocks: s.ip_blocks.clone(),
                        not_ip_blocks: s.not_ip_blocks.clone(),
                    },
                })
                .collect(),
            to: r
                .to
                .iter()
                .map(|o| ToJson {
                    operation: OperationJson {
                        hosts: o.hosts.clone(),
                        not_hosts: o.not_hosts.clone(),
                        ports: o.ports.clone(),
                        not_ports: o.not_ports.clone(),
                        methods: o.methods.clone(),
                        not_methods: o.not_methods.clone(),
                        paths: o.paths.clone(),
                        not_paths: o.not_paths.clone(),
                    },
                })
                .collect(),
            when: r
                .when
                .iter()
                .map(|c| ConditionJson {
                    key: c.key.clone(),
                    values: c.values.clone(),
                    not_values: c.not_values.clone(),
                })
                .collect(),
        }
    }
}

fn selector_of(spec: &SecurityPolicySpec) -> Option<SelectorJson> {
    (!spec.selector.is_empty()).then(|| SelectorJson {
        match_labels: spec.selector.clone(),
    })
}

impl RestKind for SecurityPolicyKind {
    const SINGULAR: &'static str = "security policy";
    const TITLE: &'static str = "SecurityPolicy";
    const COLLECTION: &'static str = "mesh/security-policies";
    const LIST_FIELD: &'static str = "security_policies";
    type Input = SecurityPolicyInput;
    type Output = SecurityPolicyOutput;

    fn queries() -> Vec<crate::rest::kind::Action> {
        vec![check_query()]
    }

    fn draft(input: SecurityPolicyInput) -> Draft<SecurityPolicySpec> {
        Draft {
            tags: input.tags,
            ..Draft::new(
                input.name,
                SecurityPolicySpec {
                    selector: input.selector.map(|s| s.match_labels).unwrap_or_default(),
                    action: input.action.into(),
                    rules: input.rules.iter().map(Into::into).collect(),
                },
            )
            .in_namespace(input.namespace)
        }
    }

    fn input(object: &Object<Self>) -> SecurityPolicyInput {
        SecurityPolicyInput {
            name: object.meta.name.clone(),
            namespace: object.meta.namespace.clone(),
            selector: selector_of(&object.spec),
            action: object.spec.action.into(),
            rules: object.spec.rules.iter().map(Into::into).collect(),
            tags: object.meta.tags.clone(),
        }
    }

    fn output(object: &Object<Self>) -> SecurityPolicyOutput {
        SecurityPolicyOutput {
            id: object.meta.id.clone(),
            name: object.meta.name.clone(),
            namespace: object.meta.namespace.clone(),
            selector: selector_of(&object.spec),
            action: object.spec.action.into(),
            rules: object.spec.rules.iter().map(Into::into).collect(),
            meta: MetaOutput::of(&object.meta),
        }
    }
}

/// `POST /mesh/security-policies:check`: a request to authorize.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
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
    #[schema(max_length = 1024)]
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
    #[schema(max_length = 253)]
    pub host: String,
    /// The method.
    #[serde(default)]
    #[schema(max_length = 32)]
    pub method: String,
    /// The path (default `/`).
    #[serde(default)]
    #[schema(max_length = 8192)]
    pub path: Option<String>,
    /// The port called.
    #[serde(default, deserialize_with = "super::optional_integer")]
    #[schema(minimum = 1, maximum = 65535)]
    pub port: Option<u32>,
    /// Headers.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
}

/// A policy that decided, or was recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PolicyRef {
    /// Its namespace.
    pub namespace: String,
    /// Its name.
    pub name: String,
    /// Its action.
    pub action: PolicyActionName,
}

/// The policies' answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
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

impl From<clusterdb::mesh::Decision> for DecisionJson {
    fn from(decision: clusterdb::mesh::Decision) -> Self {
        let reason = decision.reason();
        DecisionJson {
            decision: if decision.allowed {
                PolicyActionName::Allow
            } else {
                PolicyActionName::Deny
            },
            policy: decision
                .deciding
                .map(|(namespace, name, action)| PolicyRef {
                    namespace,
                    name,
                    action: action.into(),
                }),
            reason,
            audited: decision
                .audited
                .into_iter()
                .map(|(namespace, name)| PolicyRef {
                    namespace,
                    name,
                    action: PolicyActionName::Audit,
                })
                .collect(),
        }
    }
}

/// `POST /mesh/security-policies:check`.
async fn check(
    caller: crate::caller::Caller,
    crate::rest::extract::JsonBody(request): crate::rest::extract::JsonBody<CheckRequestJson>,
) -> Result<axum::Json<DecisionJson>, crate::rest::error::ApiError> {
    let ip = match request.ip.as_deref() {
        None => None,
        Some(text) => Some(text.parse().map_err(|_| {
            crate::rest::error::ApiError::invalid(
                "Invalid check request",
                "ip",
                "must be an IPv4 or IPv6 address",
            )
        })?),
    };
    let request = clusterdb::mesh::CheckRequest {
        namespace: request
            .namespace
            .unwrap_or_else(|| clusterdb::DEFAULT_NAMESPACE.to_string()),
        labels: request.labels,
        principal: request.principal,
        source_namespace: request.source_namespace,
        ip,
        host: request.host,
        method: request.method,
        path: request.path.unwrap_or_else(|| "/".into()),
        port: request.port,
        headers: request.headers,
    };
    let decision = caller.db.mesh().check(&request).await?;
    Ok(axum::Json(decision.into()))
}

/// The route of `POST /mesh/security-policies:check`.
pub(super) fn check_query() -> crate::rest::kind::Action {
    use crate::rest::kind::{Access, Action, ActionBody, FieldRule, SchemaOf};
    Action {
        path: "mesh/security-policies:check",
        method: axum::http::Method::POST,
        operation_id: "checkSecurityPolicies",
        summary: "Whether the security policies allow a request, and which one decides",
        body: ActionBody::Json(SchemaOf::of::<CheckRequestJson>(), || {
            vec![("ip", FieldRule::OptionalIp)]
        }),
        if_match: false,
        paged: false,
        query: &[],
        response: Some(SchemaOf::of::<DecisionJson>()),
        access: Access::Kind(clusterdb::identity::Verb::Read),
        route: axum::routing::post(check),
    }
}
