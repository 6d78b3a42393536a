//! The virtual service kind on the REST API: Istio's `VirtualService` shape
//! (`http_routes` in place of `http`): the conversions of its JSON types
//! (`clusterdb-client`'s).

use std::collections::BTreeMap;

use clusterdb::mesh::{
    Abort, Delay, Destination, Fault, HttpMatch, HttpRoute, Redirect, Retries, Rewrite,
    RouteDestination, StringMatch, VirtualServiceKind, VirtualServiceSpec,
};
use clusterdb::{Draft, Object};
use clusterdb_client::wire::{
    AbortJson, DelayJson, DestinationJson, FaultJson, HttpMatchJson, HttpRouteJson, PercentJson,
    PortJson, RedirectJson, ResolutionJson, ResourceRef, RetriesJson, RewriteJson,
    RouteDestinationJson, RouteRequestJson, StringMatchJson, VirtualServiceInput,
    VirtualServiceOutput, WeightedDestination,
};

use super::{Convert, meta_output};
use crate::rest::error::ApiError;
use crate::rest::kind::{FieldRule, RestKind};

/// A host of a virtual service: `*`, or DNS labels joined by dots with an
/// optional leading `*.` (core's `check_host`; the 253-character bound
/// is not stated).
const HOST_PATTERN: &str =
    r"^(\*|(\*\.)?[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*)$";

/// The share of requests a fault applies to: `percentage`, else the older
/// whole-number `percent`; `None` when the input gives neither.
fn share(percentage: &Option<PercentJson>, percent: Option<u32>) -> Option<f64> {
    percentage
        .as_ref()
        .map(|p| p.value)
        .or(percent.map(f64::from))
}

impl Convert<StringMatch> for &StringMatchJson {
    fn convert(self) -> StringMatch {
        let m = self;
        match m {
            StringMatchJson::Exact(s) => StringMatch::Exact(s.clone()),
            StringMatchJson::Prefix(s) => StringMatch::Prefix(s.clone()),
            StringMatchJson::Regex(s) => StringMatch::Regex(s.clone()),
        }
    }
}

impl Convert<StringMatchJson> for &StringMatch {
    fn convert(self) -> StringMatchJson {
        let m = self;
        match m {
            StringMatch::Exact(s) => StringMatchJson::Exact(s.clone()),
            StringMatch::Prefix(s) => StringMatchJson::Prefix(s.clone()),
            StringMatch::Regex(s) => StringMatchJson::Regex(s.clone()),
        }
    }
}

fn matches<A, B>(map: &BTreeMap<String, A>) -> BTreeMap<String, B>
where
    for<'a> &'a A: Convert<B>,
{
    map.iter().map(|(k, v)| (k.clone(), v.convert())).collect()
}

impl Convert<HttpRoute> for &HttpRouteJson {
    fn convert(self) -> HttpRoute {
        let r = self;
        HttpRoute {
            name: r.name.clone(),
            matches: r
                .matches
                .iter()
                .map(|m| HttpMatch {
                    name: m.name.clone(),
                    uri: m.uri.as_ref().map(Convert::convert),
                    authority: m.authority.as_ref().map(Convert::convert),
                    method: m.method.as_ref().map(Convert::convert),
                    headers: matches(&m.headers),
                    query_params: matches(&m.query_params),
                    port: m.port,
                })
                .collect(),
            route: r
                .route
                .iter()
                .map(|d| RouteDestination {
                    destination: Destination {
                        host: d.destination.host.clone(),
                        subset: d.destination.subset.clone(),
                        port: d.destination.port.as_ref().map(|p| p.number),
                    },
                    weight: d.weight,
                })
                .collect(),
            redirect: r.redirect.as_ref().map(|x| Redirect {
                uri: x.uri.clone(),
                authority: x.authority.clone(),
                redirect_code: x.redirect_code,
            }),
            rewrite: r.rewrite.as_ref().map(|x| Rewrite {
                uri: x.uri.clone(),
                authority: x.authority.clone(),
            }),
            timeout: r.timeout.clone(),
            retries: r.retries.as_ref().map(|x| Retries {
                attempts: x.attempts,
                per_try_timeout: x.per_try_timeout.clone(),
                retry_on: x.retry_on.clone(),
            }),
            fault: r.fault.as_ref().map(|f| Fault {
                // Neither share given: refused before this by `prepare`.
                delay: f.delay.as_ref().map(|d| Delay {
                    fixed_delay: d.fixed_delay.clone(),
                    percentage: share(&d.percentage, d.percent).unwrap_or_default(),
                }),
                abort: f.abort.as_ref().map(|a| Abort {
                    http_status: a.http_status,
                    percentage: share(&a.percentage, a.percent).unwrap_or_default(),
                }),
            }),
        }
    }
}

impl Convert<HttpRouteJson> for &HttpRoute {
    fn convert(self) -> HttpRouteJson {
        let r = self;
        HttpRouteJson {
            name: r.name.clone(),
            matches: r
                .matches
                .iter()
                .map(|m| HttpMatchJson {
                    name: m.name.clone(),
                    uri: m.uri.as_ref().map(Convert::convert),
                    authority: m.authority.as_ref().map(Convert::convert),
                    method: m.method.as_ref().map(Convert::convert),
                    headers: matches(&m.headers),
                    query_params: matches(&m.query_params),
                    port: m.port,
                })
                .collect(),
            route: r
                .route
                .iter()
                .map(|d| RouteDestinationJson {
                    destination: DestinationJson {
                        host: d.destination.host.clone(),
                        subset: d.destination.subset.clone(),
                        port: d.destination.port.map(|number| PortJson { number }),
                    },
                    weight: d.weight,
                })
                .collect(),
            redirect: r.redirect.as_ref().map(|x| RedirectJson {
                uri: x.uri.clone(),
                authority: x.authority.clone(),
                redirect_code: x.redirect_code,
            }),
            rewrite: r.rewrite.as_ref().map(|x| RewriteJson {
                uri: x.uri.clone(),
                authority: x.authority.clone(),
            }),
            timeout: r.timeout.clone(),
            retries: r.retries.as_ref().map(|x| RetriesJson {
                attempts: x.attempts,
                per_try_timeout: x.per_try_timeout.clone(),
                retry_on: x.retry_on.clone(),
            }),
            fault: r.fault.as_ref().map(|f| FaultJson {
                delay: f.delay.as_ref().map(|d| DelayJson {
                    fixed_delay: d.fixed_delay.clone(),
                    percentage: Some(PercentJson {
                        value: d.percentage,
                    }),
                    percent: None,
                }),
                abort: f.abort.as_ref().map(|a| AbortJson {
                    http_status: a.http_status,
                    percentage: Some(PercentJson {
                        value: a.percentage,
                    }),
                    percent: None,
                }),
            }),
        }
    }
}

/// Refuses a fault that says neither how many requests it applies to.
fn check_shares(input: &VirtualServiceInput) -> Result<(), ApiError> {
    for (i, route) in input.http_routes.iter().enumerate() {
        let Some(fault) = &route.fault else { continue };
        let missing = [
            (
                "delay",
                fault.delay.as_ref().map(|d| (&d.percentage, d.percent)),
            ),
            (
                "abort",
                fault.abort.as_ref().map(|a| (&a.percentage, a.percent)),
            ),
        ]
        .into_iter()
        .find_map(|(name, given)| {
            let (percentage, percent) = given?;
            share(percentage, percent).is_none().then_some(name)
        });
        if let Some(name) = missing {
            return Err(ApiError::invalid(
                "Invalid virtual service",
                &format!("http_routes[{i}].fault.{name}.percentage"),
                "is required (or the older whole-number percent)",
            ));
        }
    }
    Ok(())
}

impl RestKind for VirtualServiceKind {
    type Wire = clusterdb_client::VirtualServices;
    const TITLE: &'static str = "VirtualService";
    type Input = VirtualServiceInput;
    type Output = VirtualServiceOutput;

    fn queries() -> Vec<crate::rest::kind::Action> {
        vec![resolve_query()]
    }

    fn field_rules(_context: &clusterdb::Context) -> Vec<(&'static str, FieldRule)> {
        vec![(
            "hosts",
            FieldRule::Strings {
                pattern: HOST_PATTERN.into(),
                max_items: clusterdb::mesh::MAX_HOSTS,
            },
        )]
    }

    async fn prepare(
        _db: &clusterdb::ClusterDb,
        input: VirtualServiceInput,
    ) -> Result<Draft<VirtualServiceSpec>, ApiError> {
        check_shares(&input)?;
        Ok(Self::draft(input))
    }

    fn draft(input: VirtualServiceInput) -> Draft<VirtualServiceSpec> {
        Draft {
            tags: input.tags,
            ..Draft::new(
                input.name,
                VirtualServiceSpec {
                    hosts: input.hosts,
                    gateways: input.gateways,
                    http_routes: input.http_routes.iter().map(Convert::convert).collect(),
                },
            )
            .in_namespace(input.namespace)
        }
    }

    fn input(object: &Object<Self>) -> VirtualServiceInput {
        VirtualServiceInput {
            name: object.meta.name.clone(),
            namespace: object.meta.namespace.clone(),
            hosts: object.spec.hosts.clone(),
            gateways: object.spec.gateways.clone(),
            http_routes: object
                .spec
                .http_routes
                .iter()
                .map(Convert::convert)
                .collect(),
            tags: object.meta.tags.clone(),
        }
    }

    fn output(object: &Object<Self>) -> VirtualServiceOutput {
        VirtualServiceOutput {
            id: object.meta.id.clone(),
            name: object.meta.name.clone(),
            namespace: object.meta.namespace.clone(),
            hosts: object.spec.hosts.clone(),
            gateways: object.spec.gateways.clone(),
            http_routes: object
                .spec
                .http_routes
                .iter()
                .map(Convert::convert)
                .collect(),
            meta: meta_output(&object.meta),
        }
    }
}

impl Convert<ResolutionJson> for Option<clusterdb::mesh::Resolution> {
    fn convert(self) -> ResolutionJson {
        let resolution = self;
        let Some(resolution) = resolution else {
            return ResolutionJson {
                matched: false,
                virtual_service: None,
                rule_index: None,
                rule: None,
                destinations: Vec::new(),
            };
        };
        let (id, namespace, name) = resolution.virtual_service;
        let rule = (&resolution.rule).convert();
        ResolutionJson {
            matched: true,
            virtual_service: Some(ResourceRef {
                id,
                namespace,
                name,
            }),
            rule_index: Some(resolution.rule_index),
            destinations: resolution
                .destinations
                .into_iter()
                .map(|(d, weight, percent)| WeightedDestination {
                    destination: DestinationJson {
                        host: d.host,
                        subset: d.subset,
                        port: d.port.map(|number| PortJson { number }),
                    },
                    weight,
                    percent,
                })
                .collect(),
            rule: Some(rule),
        }
    }
}

/// `POST /mesh/routes:resolve`.
async fn resolve(
    caller: crate::caller::Caller,
    crate::rest::extract::JsonBody(request): crate::rest::extract::JsonBody<RouteRequestJson>,
) -> Result<axum::Json<ResolutionJson>, crate::rest::error::ApiError> {
    let request = clusterdb::mesh::RouteRequest {
        host: request.host,
        path: request.path,
        method: request.method,
        headers: request.headers,
        port: request.port,
        gateway: request.gateway,
    };
    let resolution = caller.db.mesh().resolve(&request).await?;
    Ok(axum::Json(resolution.convert()))
}

/// The route of `POST /mesh/routes:resolve`.
pub(super) fn resolve_query() -> crate::rest::kind::Action {
    use crate::rest::kind::{Access, Action, ActionBody, SchemaOf};
    Action {
        path: "mesh/routes:resolve",
        method: axum::http::Method::POST,
        operation_id: "resolveRoute",
        summary: "Which virtual service, rule and destinations a request would get",
        body: ActionBody::Json(SchemaOf::of::<RouteRequestJson>(), Vec::new),
        if_match: false,
        paged: false,
        query: &[],
        response: Some(SchemaOf::of::<ResolutionJson>()),
        access: Access::Kind(clusterdb::identity::Verb::Read),
        route: axum::routing::post(resolve),
    }
}

#[cfg(test)]
mod host_pattern_tests {
    use clusterdb::mesh::rules::check_host;

    use super::HOST_PATTERN;

    /// The document's host pattern accepts what core accepts.
    #[test]
    fn the_host_pattern_is_the_rule_core_enforces() {
        let pattern = regex::Regex::new(HOST_PATTERN).unwrap();
        for host in [
            "*",
            "*.example.com",
            "a",
            "1",
            "reviews",
            "a-b.c-d.e",
            "*.a",
            "",
            ".",
            "a.",
            ".a",
            "-a",
            "a-",
            "A",
            "a..b",
            "**",
            "*.*",
            "a.*",
            "*a",
            "a_b",
            "a b",
            "é",
        ] {
            assert_eq!(
                pattern.is_match(host),
                check_host("virtual service", "hosts[0]", host, true).is_ok(),
                "{host:?}"
            );
        }
    }
}
