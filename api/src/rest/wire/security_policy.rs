//! The security policy kind on the REST API: Istio's `AuthorizationPolicy`
//! shape: the conversions of its JSON types (`clusterdb-client`'s).

use clusterdb::mesh::{
    Condition, Operation, PolicyAction, Rule, SecurityPolicyKind, SecurityPolicySpec, Source,
};
use clusterdb::{Draft, Object};
use clusterdb_client::wire::{
    CheckRequestJson, ConditionJson, DecisionJson, FromJson, OperationJson, PolicyActionName,
    PolicyRef, RuleJson, SecurityPolicyInput, SecurityPolicyOutput, SelectorJson, SourceJson,
    ToJson,
};

use super::{Convert, meta_output};
use crate::rest::kind::RestKind;

impl Convert<PolicyAction> for PolicyActionName {
    fn convert(self) -> PolicyAction {
        let action = self;
        match action {
            PolicyActionName::Allow => PolicyAction::Allow,
            PolicyActionName::Deny => PolicyAction::Deny,
            PolicyActionName::Audit => PolicyAction::Audit,
        }
    }
}

impl Convert<PolicyActionName> for PolicyAction {
    fn convert(self) -> PolicyActionName {
        let action = self;
        match action {
            PolicyAction::Allow => PolicyActionName::Allow,
            PolicyAction::Deny => PolicyActionName::Deny,
            PolicyAction::Audit => PolicyActionName::Audit,
        }
    }
}

impl Convert<Rule> for &RuleJson {
    fn convert(self) -> Rule {
        let r = self;
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

impl Convert<RuleJson> for &Rule {
    fn convert(self) -> RuleJson {
        let r = self;
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
    type Wire = clusterdb_client::SecurityPolicies;
    const TITLE: &'static str = "SecurityPolicy";
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
                    action: input.action.convert(),
                    rules: input.rules.iter().map(Convert::convert).collect(),
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
            action: object.spec.action.convert(),
            rules: object.spec.rules.iter().map(Convert::convert).collect(),
            tags: object.meta.tags.clone(),
        }
    }

    fn output(object: &Object<Self>) -> SecurityPolicyOutput {
        SecurityPolicyOutput {
            id: object.meta.id.clone(),
            name: object.meta.name.clone(),
            namespace: object.meta.namespace.clone(),
            selector: selector_of(&object.spec),
            action: object.spec.action.convert(),
            rules: object.spec.rules.iter().map(Convert::convert).collect(),
            meta: meta_output(&object.meta),
        }
    }
}

impl Convert<DecisionJson> for clusterdb::mesh::Decision {
    fn convert(self) -> DecisionJson {
        let decision = self;
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
                    action: action.convert(),
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
    Ok(axum::Json(decision.convert()))
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
