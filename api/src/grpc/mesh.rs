//! `clusterdb.mesh.v1.MeshService`: virtual services and security
//! policies by namespace and name (or id), and the mesh's evaluations.
//! Both kinds go through one generic set of methods ([`MeshKind`]); each
//! message converts in one place.

use std::collections::HashMap;

use clusterdb::identity::Verb;
use clusterdb::mesh::{
    Abort, Condition, Delay, Destination, Fault, HttpMatch, HttpRoute, Operation, PolicyAction,
    Redirect, Retries, Rewrite, RouteDestination, Rule, SecurityPolicyKind, SecurityPolicySpec,
    Source, StringMatch, VirtualServiceKind, VirtualServiceSpec,
};
use clusterdb::{Draft, Kind, ListOptions, Object};
use clusterdb_proto::mesh::v1 as pb;
use tonic::{Request, Response, Status};

use super::auth::caller;
use super::convert::{list_options, map, tags, timestamp};
use super::kind::{Reply, applied_response};
use super::status::{invalid, status};

/// The mesh service. It works on the database of each request's
/// authenticated caller.
#[derive(Clone, Default)]
pub struct MeshApi;

/// A mesh kind on gRPC: its message, both ways.
trait MeshKind: Kind {
    /// The resource message.
    type Message: Send + 'static;
    /// The message of an object.
    fn message(object: &Object<Self>) -> Self::Message;
    /// The draft a message asks for (its namespace, name, tags and spec).
    fn draft(message: Self::Message) -> Draft<Self::Spec>;
}

/// Which resource a get or delete names: an id, else namespace and name.
struct Target {
    id: String,
    namespace: String,
    name: String,
}

async fn apply<K: MeshKind>(
    request: Request<(Option<K::Message>, Option<u64>)>,
) -> Reply<K::Message> {
    let db = caller(&request, K::NAME, Verb::Write)?;
    let (message, expected) = request.into_inner();
    let message = message.ok_or_else(|| invalid("resource", "is required"))?;
    let applied = db
        .resources::<K>()
        .apply(K::draft(message), expected)
        .await
        .map_err(status)?;
    Ok(applied_response(
        K::message(&applied.object),
        applied.outcome,
    ))
}

async fn find<K: MeshKind>(
    db: &clusterdb::ClusterDb,
    target: &Target,
) -> Result<Object<K>, Status> {
    let resources = db.resources::<K>();
    let found = if !target.id.is_empty() {
        resources.get(&target.id).await
    } else if !target.name.is_empty() {
        let namespace = match target.namespace.as_str() {
            "" => clusterdb::DEFAULT_NAMESPACE,
            namespace => namespace,
        };
        resources.get_in(namespace, &target.name).await
    } else {
        return Err(invalid("id", "give an id, or a name (and namespace)"));
    };
    found.map_err(status)
}

async fn get<K: MeshKind>(request: Request<Target>) -> Reply<K::Message> {
    let db = caller(&request, K::NAME, Verb::Read)?;
    let object = find::<K>(&db, request.get_ref()).await?;
    Ok(Response::new(K::message(&object)))
}

async fn delete<K: MeshKind>(request: Request<(Target, Option<u64>)>) -> Reply<()> {
    let db = caller(&request, K::NAME, Verb::Write)?;
    let (target, expected) = request.into_inner();
    let object = find::<K>(&db, &target).await?;
    db.resources::<K>()
        .delete(object.id(), expected)
        .await
        .map_err(status)?;
    Ok(Response::new(()))
}

async fn list<K: MeshKind>(
    request: Request<ListOptions>,
) -> Result<(Vec<K::Message>, String), Status> {
    let db = caller(&request, K::NAME, Verb::Read)?;
    let page = db
        .resources::<K>()
        .list(request.get_ref())
        .await
        .map_err(status)?;
    Ok((
        page.items.iter().map(K::message).collect(),
        page.next_page_token.unwrap_or_default(),
    ))
}

fn options(
    namespace: String,
    page_size: i32,
    page_token: String,
    tags: HashMap<String, String>,
) -> ListOptions {
    let options = list_options(page_size, page_token, tags);
    if namespace.is_empty() {
        options
    } else {
        options.namespace(&namespace)
    }
}

/// Moves a request's message into another shape, keeping its metadata
/// and extensions (the caller).
fn reshape<T, U>(request: Request<T>, f: impl FnOnce(T) -> U) -> Request<U> {
    let (metadata, extensions, message) = request.into_parts();
    Request::from_parts(metadata, extensions, f(message))
}

fn string_match(m: Option<pb::StringMatch>) -> Option<StringMatch> {
    use pb::string_match::MatchType;
    match m?.match_type? {
        MatchType::Exact(s) => Some(StringMatch::Exact(s)),
        MatchType::Prefix(s) => Some(StringMatch::Prefix(s)),
        MatchType::Regex(s) => Some(StringMatch::Regex(s)),
    }
}

fn string_match_message(m: &StringMatch) -> pb::StringMatch {
    use pb::string_match::MatchType;
    pb::StringMatch {
        match_type: Some(match m {
            StringMatch::Exact(s) => MatchType::Exact(s.clone()),
            StringMatch::Prefix(s) => MatchType::Prefix(s.clone()),
            StringMatch::Regex(s) => MatchType::Regex(s.clone()),
        }),
    }
}

/// An empty string as `None`.
fn optional(text: String) -> Option<String> {
    (!text.is_empty()).then_some(text)
}

fn route(r: pb::HttpRoute) -> HttpRoute {
    let matches_of = |entries: HashMap<String, pb::StringMatch>| {
        entries
            .into_iter()
            .filter_map(|(k, v)| Some((k, string_match(Some(v))?)))
            .collect()
    };
    HttpRoute {
        name: r.name,
        matches: r
            .r#match
            .into_iter()
            .map(|m| HttpMatch {
                name: m.name,
                uri: string_match(m.uri),
                authority: string_match(m.authority),
                method: string_match(m.method),
                headers: matches_of(m.headers),
                query_params: matches_of(m.query_params),
                port: (m.port != 0).then_some(m.port),
            })
            .collect(),
        route: r
            .route
            .into_iter()
            .map(|d| {
                let destination = d.destination.unwrap_or_default();
                RouteDestination {
                    destination: Destination {
                        host: destination.host,
                        subset: destination.subset,
                        port: destination.port.map(|p| p.number),
                    },
                    weight: d.weight,
                }
            })
            .collect(),
        redirect: r.redirect.map(|x| Redirect {
            uri: x.uri,
            authority: x.authority,
            redirect_code: if x.redirect_code == 0 {
                301
            } else {
                x.redirect_code
            },
        }),
        rewrite: r.rewrite.map(|x| Rewrite {
            uri: x.uri,
            authority: x.authority,
        }),
        timeout: optional(r.timeout),
        retries: r.retries.map(|x| Retries {
            attempts: x.attempts,
            per_try_timeout: optional(x.per_try_timeout),
            retry_on: x.retry_on,
        }),
        fault: r.fault.map(|f| Fault {
            delay: f.delay.map(|d| Delay {
                fixed_delay: d.fixed_delay,
                percentage: d.percentage.map(|p| p.value).unwrap_or_default(),
            }),
            abort: f.abort.map(|a| Abort {
                http_status: a.http_status,
                percentage: a.percentage.map(|p| p.value).unwrap_or_default(),
            }),
        }),
    }
}

fn destination_message(d: &Destination) -> pb::Destination {
    pb::Destination {
        host: d.host.clone(),
        subset: d.subset.clone(),
        port: d.port.map(|number| pb::PortSelector { number }),
    }
}

fn route_message(r: &HttpRoute) -> pb::HttpRoute {
    let matches_of = |entries: &std::collections::BTreeMap<String, StringMatch>| {
        entries
            .iter()
            .map(|(k, v)| (k.clone(), string_match_message(v)))
            .collect()
    };
    pb::HttpRoute {
        name: r.name.clone(),
        r#match: r
            .matches
            .iter()
            .map(|m| pb::HttpMatchRequest {
                name: m.name.clone(),
                uri: m.uri.as_ref().map(string_match_message),
                authority: m.authority.as_ref().map(string_match_message),
                method: m.method.as_ref().map(string_match_message),
                headers: matches_of(&m.headers),
                query_params: matches_of(&m.query_params),
                port: m.port.unwrap_or(0),
            })
            .collect(),
        route: r
            .route
            .iter()
            .map(|d| pb::HttpRouteDestination {
                destination: Some(destination_message(&d.destination)),
                weight: d.weight,
            })
            .collect(),
        redirect: r.redirect.as_ref().map(|x| pb::HttpRedirect {
            uri: x.uri.clone(),
            authority: x.authority.clone(),
            redirect_code: x.redirect_code,
        }),
        rewrite: r.rewrite.as_ref().map(|x| pb::HttpRewrite {
            uri: x.uri.clone(),
            authority: x.authority.clone(),
        }),
        timeout: r.timeout.clone().unwrap_or_default(),
        retries: r.retries.as_ref().map(|x| pb::HttpRetry {
            attempts: x.attempts,
            per_try_timeout: x.per_try_timeout.clone().unwrap_or_default(),
            retry_on: x.retry_on.clone(),
        }),
        fault: r.fault.as_ref().map(|f| pb::HttpFaultInjection {
            delay: f.delay.as_ref().map(|d| pb::http_fault_injection::Delay {
                fixed_delay: d.fixed_delay.clone(),
                percentage: Some(pb::Percent {
                    value: d.percentage,
                }),
            }),
            abort: f.abort.as_ref().map(|a| pb::http_fault_injection::Abort {
                http_status: a.http_status,
                percentage: Some(pb::Percent {
                    value: a.percentage,
                }),
            }),
        }),
    }
}

impl MeshKind for VirtualServiceKind {
    type Message = pb::VirtualService;

    fn message(o: &Object<Self>) -> pb::VirtualService {
        pb::VirtualService {
            name: o.meta.name.clone(),
            namespace: o.meta.namespace.clone(),
            hosts: o.spec.hosts.clone(),
            gateways: o.spec.gateways.clone(),
            http_routes: o.spec.http_routes.iter().map(route_message).collect(),
            id: o.meta.id.clone(),
            tags: map(&o.meta.tags),
            resource_version: o.meta.resource_version,
            created_at: Some(timestamp(o.meta.created_at)),
            updated_at: Some(timestamp(o.meta.updated_at)),
            created_by: o.meta.created_by.clone(),
            updated_by: o.meta.updated_by.clone(),
        }
    }

    fn draft(m: pb::VirtualService) -> Draft<VirtualServiceSpec> {
        Draft {
            tags: tags(m.tags),
            ..Draft::new(
                m.name,
                VirtualServiceSpec {
                    hosts: m.hosts,
                    gateways: m.gateways,
                    http_routes: m.http_routes.into_iter().map(route).collect(),
                },
            )
            .in_namespace(m.namespace)
        }
    }
}

fn action(action: PolicyAction) -> pb::security_policy::Action {
    match action {
        PolicyAction::Allow => pb::security_policy::Action::Allow,
        PolicyAction::Deny => pb::security_policy::Action::Deny,
        PolicyAction::Audit => pb::security_policy::Action::Audit,
    }
}

impl MeshKind for SecurityPolicyKind {
    type Message = pb::SecurityPolicy;

    fn message(o: &Object<Self>) -> pb::SecurityPolicy {
        pb::SecurityPolicy {
            name: o.meta.name.clone(),
            namespace: o.meta.namespace.clone(),
            selector: map(&o.spec.selector),
            action: action(o.spec.action) as i32,
            rules: o
                .spec
                .rules
                .iter()
                .map(|r| pb::Rule {
                    from: r
                        .from
                        .iter()
                        .map(|s| pb::rule::From {
                            source: Some(pb::Source {
                                principals: s.principals.clone(),
                                not_principals: s.not_principals.clone(),
                                namespaces: s.namespaces.clone(),
                                not_namespaces: s.not_namespaces.clone(),
                                ip_blocks: s.ip_blocks.clone(),
                                not_ip_blocks: s.not_ip_blocks.clone(),
                            }),
                        })
                        .collect(),
                    to: r
                        .to
                        .iter()
                        .map(|op| pb::rule::To {
                            operation: Some(pb::Operation {
                                hosts: op.hosts.clone(),
                                not_hosts: op.not_hosts.clone(),
                                ports: op.ports.clone(),
                                not_ports: op.not_ports.clone(),
                                methods: op.methods.clone(),
                                not_methods: op.not_methods.clone(),
                                paths: op.paths.clone(),
                                not_paths: op.not_paths.clone(),
                            }),
                        })
                        .collect(),
                    when: r
                        .when
                        .iter()
                        .map(|c| pb::Condition {
                            key: c.key.clone(),
                            values: c.values.clone(),
                            not_values: c.not_values.clone(),
                        })
                        .collect(),
                })
                .collect(),
            id: o.meta.id.clone(),
            tags: map(&o.meta.tags),
            resource_version: o.meta.resource_version,
            created_at: Some(timestamp(o.meta.created_at)),
            updated_at: Some(timestamp(o.meta.updated_at)),
            created_by: o.meta.created_by.clone(),
            updated_by: o.meta.updated_by.clone(),
        }
    }

    fn draft(m: pb::SecurityPolicy) -> Draft<SecurityPolicySpec> {
        let policy_action = match pb::security_policy::Action::try_from(m.action) {
            Ok(pb::security_policy::Action::Deny) => PolicyAction::Deny,
            Ok(pb::security_policy::Action::Audit) => PolicyAction::Audit,
            _ => PolicyAction::Allow,
        };
        Draft {
            tags: tags(m.tags),
            ..Draft::new(
                m.name,
                SecurityPolicySpec {
                    selector: m.selector.into_iter().collect(),
                    action: policy_action,
                    rules: m
                        .rules
                        .into_iter()
                        .map(|r| Rule {
                            from: r
                                .from
                                .into_iter()
                                .map(|f| {
                                    let s = f.source.unwrap_or_default();
                                    Source {
                                        principals: s.principals,
                                        not_principals: s.not_principals,
                                        namespaces: s.namespaces,
                                        not_namespaces: s.not_namespaces,
                                        ip_blocks: s.ip_blocks,
                                        not_ip_blocks: s.not_ip_blocks,
                                    }
                                })
                                .collect(),
                            to: r
                                .to
                                .into_iter()
                                .map(|t| {
                                    let o = t.operation.unwrap_or_default();
                                    Operation {
                                        hosts: o.hosts,
                                        not_hosts: o.not_hosts,
                                        ports: o.ports,
                                        not_ports: o.not_ports,
                                        methods: o.methods,
                                        not_methods: o.not_methods,
                                        paths: o.paths,
                                        not_paths: o.not_paths,
                                    }
                                })
                                .collect(),
                            when: r
                                .when
                                .into_iter()
                                .map(|c| Condition {
                                    key: c.key,
                                    values: c.values,
                                    not_values: c.not_values,
                                })
                                .collect(),
                        })
                        .collect(),
                },
            )
            .in_namespace(m.namespace)
        }
    }
}

#[tonic::async_trait]
impl pb::MeshService for MeshApi {
    async fn apply_virtual_service(
        &self,
        r: Request<pb::ApplyVirtualServiceRequest>,
    ) -> Reply<pb::VirtualService> {
        apply::<VirtualServiceKind>(reshape(r, |m| (m.virtual_service, m.expected_version))).await
    }

    async fn get_virtual_service(
        &self,
        r: Request<pb::GetVirtualServiceRequest>,
    ) -> Reply<pb::VirtualService> {
        get::<VirtualServiceKind>(reshape(r, |m| Target {
            id: m.id,
            namespace: m.namespace,
            name: m.name,
        }))
        .await
    }

    async fn delete_virtual_service(
        &self,
        r: Request<pb::DeleteVirtualServiceRequest>,
    ) -> Reply<()> {
        delete::<VirtualServiceKind>(reshape(r, |m| {
            (
                Target {
                    id: m.id,
                    namespace: m.namespace,
                    name: m.name,
                },
                m.expected_version,
            )
        }))
        .await
    }

    async fn list_virtual_services(
        &self,
        r: Request<pb::ListVirtualServicesRequest>,
    ) -> Reply<pb::ListVirtualServicesResponse> {
        let (virtual_services, next_page_token) = list::<VirtualServiceKind>(reshape(r, |m| {
            options(m.namespace, m.page_size, m.page_token, m.tags)
        }))
        .await?;
        Ok(Response::new(pb::ListVirtualServicesResponse {
            virtual_services,
            next_page_token,
        }))
    }

    async fn apply_security_policy(
        &self,
        r: Request<pb::ApplySecurityPolicyRequest>,
    ) -> Reply<pb::SecurityPolicy> {
        apply::<SecurityPolicyKind>(reshape(r, |m| (m.security_policy, m.expected_version))).await
    }

    async fn get_security_policy(
        &self,
        r: Request<pb::GetSecurityPolicyRequest>,
    ) -> Reply<pb::SecurityPolicy> {
        get::<SecurityPolicyKind>(reshape(r, |m| Target {
            id: m.id,
            namespace: m.namespace,
            name: m.name,
        }))
        .await
    }

    async fn delete_security_policy(
        &self,
        r: Request<pb::DeleteSecurityPolicyRequest>,
    ) -> Reply<()> {
        delete::<SecurityPolicyKind>(reshape(r, |m| {
            (
                Target {
                    id: m.id,
                    namespace: m.namespace,
                    name: m.name,
                },
                m.expected_version,
            )
        }))
        .await
    }

    async fn list_security_policies(
        &self,
        r: Request<pb::ListSecurityPoliciesRequest>,
    ) -> Reply<pb::ListSecurityPoliciesResponse> {
        let (security_policies, next_page_token) = list::<SecurityPolicyKind>(reshape(r, |m| {
            options(m.namespace, m.page_size, m.page_token, m.tags)
        }))
        .await?;
        Ok(Response::new(pb::ListSecurityPoliciesResponse {
            security_policies,
            next_page_token,
        }))
    }

    async fn resolve_route(
        &self,
        r: Request<pb::ResolveRouteRequest>,
    ) -> Reply<pb::ResolveRouteResponse> {
        let db = caller(&r, VirtualServiceKind::NAME, Verb::Read)?;
        let m = r.into_inner();
        if m.host.is_empty() {
            return Err(invalid("host", "is required"));
        }
        let request = clusterdb::mesh::RouteRequest {
            host: m.host,
            path: optional(m.path).unwrap_or_else(|| "/".into()),
            method: optional(m.method).unwrap_or_else(|| "GET".into()),
            headers: m.headers.into_iter().collect(),
            port: (m.port != 0).then_some(m.port),
            gateway: optional(m.gateway),
        };
        let Some(resolution) = db.mesh().resolve(&request).await.map_err(status)? else {
            return Ok(Response::new(pb::ResolveRouteResponse::default()));
        };
        let (id, namespace, name) = resolution.virtual_service;
        Ok(Response::new(pb::ResolveRouteResponse {
            matched: true,
            virtual_service_id: id,
            namespace,
            name,
            rule_index: u32::try_from(resolution.rule_index).unwrap_or(u32::MAX),
            rule: Some(route_message(&resolution.rule)),
            destinations: resolution
                .destinations
                .iter()
                .map(|(d, weight, percent)| pb::WeightedDestination {
                    destination: Some(destination_message(d)),
                    weight: *weight,
                    percent: *percent,
                })
                .collect(),
        }))
    }

    async fn check_security_policies(
        &self,
        r: Request<pb::CheckSecurityPoliciesRequest>,
    ) -> Reply<pb::CheckSecurityPoliciesResponse> {
        let db = caller(&r, SecurityPolicyKind::NAME, Verb::Read)?;
        let m = r.into_inner();
        let ip = match optional(m.ip) {
            None => None,
            Some(text) => Some(
                text.parse()
                    .map_err(|_| invalid("ip", "must be an IPv4 or IPv6 address"))?,
            ),
        };
        let request = clusterdb::mesh::CheckRequest {
            namespace: optional(m.namespace)
                .unwrap_or_else(|| clusterdb::DEFAULT_NAMESPACE.to_string()),
            labels: m.labels.into_iter().collect(),
            principal: m.principal,
            source_namespace: optional(m.source_namespace),
            ip,
            host: m.host,
            method: m.method,
            path: optional(m.path).unwrap_or_else(|| "/".into()),
            port: (m.port != 0).then_some(m.port),
            headers: m.headers.into_iter().collect(),
        };
        let decision = db.mesh().check(&request).await.map_err(status)?;
        let reason = decision.reason();
        let (policy_namespace, policy_name, policy_action) = match decision.deciding {
            Some((namespace, name, a)) => (namespace, name, action(a) as i32),
            None => (String::new(), String::new(), 0),
        };
        Ok(Response::new(pb::CheckSecurityPoliciesResponse {
            allowed: decision.allowed,
            policy_namespace,
            policy_name,
            policy_action,
            reason,
            audited: decision
                .audited
                .into_iter()
                .map(|(namespace, name)| format!("{namespace}/{name}"))
                .collect(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use clusterdb::mesh::arbitrary::{security_policy_spec, virtual_service_spec};
    use clusterdb::{Meta, Timestamp};
    use proptest::prelude::*;
    use prost::Message as _;

    use super::*;
    use crate::rest::wire::RestKind;

    fn object<K: Kind<Status = ()>>(spec: K::Spec) -> Object<K> {
        let now = Timestamp::from_unix_millis(1_764_000_000_000);
        Object {
            meta: Meta {
                id: format!("{}-01abc", K::NAME),
                name: "x".into(),
                namespace: "prod".into(),
                created_at: now,
                updated_at: now,
                resource_version: 7,
                spec_version: 0,
                tags: [("app".to_string(), "web".to_string())].into(),
                created_by: "user-1".into(),
                updated_by: "user-1".into(),
            },
            spec,
            status: (),
        }
    }

    /// The spec of `object` after REST (JSON), YAML and gRPC (protobuf
    /// bytes), in turn.
    fn round_trips<K>(object: &Object<K>) -> Vec<Draft<K::Spec>>
    where
        K: MeshKind + RestKind,
        K::Message: prost::Message + Default,
    {
        let json = serde_json::to_string(&<K as RestKind>::input(object)).unwrap();
        let rest: K::Input = serde_json::from_str(&json).unwrap();
        let yaml =
            serde_saphyr::to_string(&serde_json::from_str::<serde_json::Value>(&json).unwrap())
                .unwrap();
        let from_yaml: serde_json::Value = serde_saphyr::from_str(&yaml).unwrap();
        let from_yaml: K::Input = serde_json::from_value(from_yaml).unwrap();
        let bytes = <K as MeshKind>::message(object).encode_to_vec();
        let grpc = K::Message::decode(bytes.as_slice()).unwrap();
        vec![
            <K as RestKind>::draft(rest),
            <K as RestKind>::draft(from_yaml),
            <K as MeshKind>::draft(grpc),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        #[test]
        fn virtual_services_round_trip_rest_yaml_and_grpc(spec in virtual_service_spec()) {
            let object = object::<VirtualServiceKind>(spec);
            for draft in round_trips(&object) {
                prop_assert_eq!(&draft.spec, &object.spec);
                prop_assert_eq!((&draft.name, &draft.namespace, &draft.tags), (&object.meta.name, &object.meta.namespace, &object.meta.tags));
            }
        }

        #[test]
        fn security_policies_round_trip_rest_yaml_and_grpc(spec in security_policy_spec()) {
            let object = object::<SecurityPolicyKind>(spec);
            for draft in round_trips(&object) {
                prop_assert_eq!(&draft.spec, &object.spec);
                prop_assert_eq!((&draft.name, &draft.namespace, &draft.tags), (&object.meta.name, &object.meta.namespace, &object.meta.tags));
            }
        }
    }
}
