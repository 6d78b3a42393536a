//! The virtual service kind on the REST API: Istio's `VirtualService`
//! shape (`http_routes` in place of `http`), and its conversion.

use std::collections::BTreeMap;

use clusterdb::mesh::{
    Abort, Delay, Destination, Fault, HttpMatch, HttpRoute, Redirect, Retries, Rewrite,
    RouteDestination, StringMatch, VirtualServiceKind, VirtualServiceSpec,
};
use clusterdb::{Draft, Object};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::MetaOutput;
use crate::rest::error::ApiError;
use crate::rest::kind::{FieldRule, RestKind};

/// A host of a virtual service: `*`, or DNS labels joined by dots with an
/// optional leading `*.` (core's `check_host`; the 253-character bound
/// is not stated).
const HOST_PATTERN: &str =
    r"^(\*|(\*\.)?[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*)$";

/// Create or replace a virtual service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VirtualServiceInput {
    /// Unique in its namespace.
    pub name: String,
    /// Its namespace (default `default`).
    #[serde(default)]
    pub namespace: String,
    /// DNS names, `*.` wildcards or `*`; at least one, no duplicates.
    #[serde(default)]
    #[schema(min_items = 1, max_items = 100)]
    pub hosts: Vec<String>,
    /// `mesh` or `<namespace>/<gateway>`; none means `mesh`.
    #[serde(default)]
    #[schema(max_items = 100)]
    pub gateways: Vec<String>,
    /// Rules in order; the first that matches routes the request.
    #[serde(default)]
    #[schema(max_items = 256)]
    pub http_routes: Vec<HttpRouteJson>,
    /// Labels.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// A virtual service as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct VirtualServiceOutput {
    /// `virtual_service-…`.
    pub id: String,
    /// Unique in its namespace.
    pub name: String,
    /// Its namespace.
    pub namespace: String,
    /// The hosts it routes.
    pub hosts: Vec<String>,
    /// The gateways it applies to.
    pub gateways: Vec<String>,
    /// Rules in order.
    pub http_routes: Vec<HttpRouteJson>,
    /// Timestamps, actors, version and tags.
    #[serde(flatten)]
    pub meta: MetaOutput,
}

/// One HTTP routing rule (Istio's `HTTPRoute`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HttpRouteJson {
    /// A name for logs.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// Any of these conditions matches; none matches everything.
    #[serde(default, rename = "match", skip_serializing_if = "Vec::is_empty")]
    #[schema(max_items = 64)]
    pub matches: Vec<HttpMatchJson>,
    /// Weighted destinations (or a redirect instead).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(max_items = 64)]
    pub route: Vec<RouteDestinationJson>,
    /// Redirect instead of routing (not with route, rewrite or fault).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect: Option<RedirectJson>,
    /// Rewrite the path or host before routing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rewrite: Option<RewriteJson>,
    /// Request time limit, e.g. `5s`, `250ms`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
    /// Retry policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retries: Option<RetriesJson>,
    /// Faults to inject.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fault: Option<FaultJson>,
}

/// Match conditions, all of which must hold (Istio's `HTTPMatchRequest`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HttpMatchJson {
    /// A name for logs.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// The path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<StringMatchJson>,
    /// The host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authority: Option<StringMatchJson>,
    /// The method.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<StringMatchJson>,
    /// Headers by lowercase name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, StringMatchJson>,
    /// Query parameters by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub query_params: BTreeMap<String, StringMatchJson>,
    /// The port the request came to.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::optional_integer"
    )]
    #[schema(minimum = 1, maximum = 65535)]
    pub port: Option<u32>,
}

/// Exactly one of `exact`, `prefix`, `regex` (RE2, the whole value).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum StringMatchJson {
    /// Equal.
    Exact(String),
    /// Starts with.
    Prefix(String),
    /// Matches this RE2 regex.
    Regex(String),
}

/// A weighted destination (Istio's `HTTPRouteDestination`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RouteDestinationJson {
    /// Where.
    pub destination: DestinationJson,
    /// Relative share 0–100. If no destination of the rule has a weight,
    /// traffic is split equally; otherwise one without a weight gets none.
    /// Weights need not sum to 100: 30 and 10 split 3 to 1.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::optional_integer"
    )]
    #[schema(minimum = 0, maximum = 100)]
    pub weight: Option<u32>,
}

/// A service, subset and port.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DestinationJson {
    /// The service's host (not a wildcard).
    pub host: String,
    /// A subset (a DNS label).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub subset: String,
    /// The port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<PortJson>,
}

/// A port.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PortJson {
    /// 1–65535.
    #[serde(deserialize_with = "super::integer")]
    #[schema(minimum = 1, maximum = 65535)]
    pub number: u32,
}

/// A redirect.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RedirectJson {
    /// The new path.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub uri: String,
    /// The new host.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub authority: String,
    /// 3xx (default 301).
    #[serde(default = "moved_permanently", deserialize_with = "super::integer")]
    #[schema(minimum = 300, maximum = 399)]
    pub redirect_code: u32,
}

fn moved_permanently() -> u32 {
    301
}

/// A rewrite.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RewriteJson {
    /// The new path (prefix).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub uri: String,
    /// The new host.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub authority: String,
}

/// A retry policy.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RetriesJson {
    /// Retries (0 disables).
    #[serde(default, deserialize_with = "super::integer")]
    pub attempts: u32,
    /// Time limit per attempt, e.g. `2s`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_try_timeout: Option<String>,
    /// Comma-separated conditions, e.g. `5xx,connect-failure`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub retry_on: String,
}

/// Faults to inject: a delay and/or an abort.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FaultJson {
    /// Delay a share of requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay: Option<DelayJson>,
    /// Fail a share of requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub abort: Option<AbortJson>,
}

/// A delay.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DelayJson {
    /// How long, e.g. `5s`.
    pub fixed_delay: String,
    /// Share of requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(deserialize_with = "super::present")]
    pub percentage: Option<PercentJson>,
    /// Share of requests as a whole percent: Istio's deprecated field,
    /// used when `percentage` is absent (as Istio does).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(deserialize_with = "super::present_integer")]
    #[schema(minimum = 0, maximum = 100)]
    pub percent: Option<u32>,
}

/// An abort.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AbortJson {
    /// The status, 200–599.
    #[serde(deserialize_with = "super::integer")]
    #[schema(minimum = 200, maximum = 599)]
    pub http_status: u32,
    /// Share of requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(deserialize_with = "super::present")]
    pub percentage: Option<PercentJson>,
    /// Share of requests as a whole percent: the older field Istio's own
    /// samples still use, used when `percentage` is absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(deserialize_with = "super::present_integer")]
    #[schema(minimum = 0, maximum = 100)]
    pub percent: Option<u32>,
}

/// The share of requests a fault applies to: `percentage`, else the older
/// whole-number `percent`; `None` when the input gives neither.
fn share(percentage: &Option<PercentJson>, percent: Option<u32>) -> Option<f64> {
    percentage
        .as_ref()
        .map(|p| p.value)
        .or(percent.map(f64::from))
}

/// A percentage (Istio's `Percent`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PercentJson {
    /// 0–100.
    #[schema(minimum = 0, maximum = 100)]
    pub value: f64,
}

/// What a string match may hold; exactly one must be set.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StringMatchFields {
    exact: Option<String>,
    prefix: Option<String>,
    regex: Option<String>,
}

impl<'de> Deserialize<'de> for StringMatchJson {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let fields = StringMatchFields::deserialize(deserializer)?;
        match (fields.exact, fields.prefix, fields.regex) {
            (Some(text), None, None) => Ok(StringMatchJson::Exact(text)),
            (None, Some(text), None) => Ok(StringMatchJson::Prefix(text)),
            (None, None, Some(text)) => Ok(StringMatchJson::Regex(text)),
            _ => Err(serde::de::Error::custom(
                "must set exactly one of exact, prefix and regex",
            )),
        }
    }
}

impl From<&StringMatchJson> for StringMatch {
    fn from(m: &StringMatchJson) -> Self {
        match m {
            StringMatchJson::Exact(s) => StringMatch::Exact(s.clone()),
            StringMatchJson::Prefix(s) => StringMatch::Prefix(s.clone()),
            StringMatchJson::Regex(s) => StringMatch::Regex(s.clone()),
        }
    }
}

impl From<&StringMatch> for StringMatchJson {
    fn from(m: &StringMatch) -> Self {
        match m {
            StringMatch::Exact(s) => StringMatchJson::Exact(s.clone()),
            StringMatch::Prefix(s) => StringMatchJson::Prefix(s.clone()),
            StringMatch::Regex(s) => StringMatchJson::Regex(s.clone()),
        }
    }
}

fn matches<A, B: for<'a> From<&'a A>>(map: &BTreeMap<String, A>) -> BTreeMap<String, B> {
    map.iter().map(|(k, v)| (k.clone(), B::from(v))).collect()
}

impl From<&HttpRouteJson> for HttpRoute {
    fn from(r: &HttpRouteJson) -> Self {
        HttpRoute {
            name: r.name.clone(),
            matches: r
                .matches
                .iter()
                .map(|m| HttpMatch {
                    name: m.name.clone(),
                    uri: m.uri.as_ref().map(Into::into),
                    authority: m.authority.as_ref().map(Into::into),
                    method: m.method.as_ref().map(Into::into),
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
                // Neither share given: refused before this by `upload`.
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

impl From<&HttpRoute> for HttpRouteJson {
    fn from(r: &HttpRoute) -> Self {
        HttpRouteJson {
            name: r.name.clone(),
            matches: r
                .matches
                .iter()
                .map(|m| HttpMatchJson {
                    name: m.name.clone(),
                    uri: m.uri.as_ref().map(Into::into),
                    authority: m.authority.as_ref().map(Into::into),
                    method: m.method.as_ref().map(Into::into),
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
    const SINGULAR: &'static str = "virtual service";
    const TITLE: &'static str = "VirtualService";
    const COLLECTION: &'static str = "mesh/virtual-services";
    const LIST_FIELD: &'static str = "virtual_services";
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

    async fn upload(
        _db: &clusterdb::ClusterDb,
        input: VirtualServiceInput,
    ) -> Result<VirtualServiceInput, ApiError> {
        check_shares(&input)?;
        Ok(input)
    }

    fn draft(input: VirtualServiceInput) -> Draft<VirtualServiceSpec> {
        Draft {
            tags: input.tags,
            ..Draft::new(
                input.name,
                VirtualServiceSpec {
                    hosts: input.hosts,
                    gateways: input.gateways,
                    http_routes: input.http_routes.iter().map(Into::into).collect(),
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
            http_routes: object.spec.http_routes.iter().map(Into::into).collect(),
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
            http_routes: object.spec.http_routes.iter().map(Into::into).collect(),
            meta: MetaOutput::of(&object.meta),
        }
    }
}

/// `POST /mesh/routes:resolve`: a request to route.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RouteRequestJson {
    /// The host (a `:port` suffix is ignored).
    #[schema(min_length = 1, max_length = 253)]
    pub host: String,
    /// The path, with its query string if any (default `/`).
    #[serde(default = "root")]
    #[schema(max_length = 8192)]
    pub path: String,
    /// The method (default `GET`).
    #[serde(default = "get_method")]
    #[schema(max_length = 32)]
    pub method: String,
    /// Headers.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// The port it came to.
    #[serde(default, deserialize_with = "super::optional_integer")]
    #[schema(minimum = 1, maximum = 65535)]
    pub port: Option<u32>,
    /// The gateway it came through (default `mesh`: a sidecar).
    #[serde(default)]
    pub gateway: Option<String>,
}

fn root() -> String {
    "/".into()
}

fn get_method() -> String {
    "GET".into()
}

/// Which virtual service routed a request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ResourceRef {
    /// Its id.
    pub id: String,
    /// Its namespace.
    pub namespace: String,
    /// Its name.
    pub name: String,
}

/// A destination and its share of the traffic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WeightedDestination {
    /// Where.
    pub destination: DestinationJson,
    /// Its effective weight (above 0).
    pub weight: u32,
    /// Its share of the rule's traffic, in percent.
    pub percent: f64,
}

/// Where a request goes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ResolutionJson {
    /// Whether a rule routes it; `false`: no route.
    pub matched: bool,
    /// The virtual service that routes it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub virtual_service: Option<ResourceRef>,
    /// The index of the rule in its `http_routes`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule_index: Option<usize>,
    /// The rule.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<HttpRouteJson>,
    /// The destinations traffic is split over (none with weight 0).
    pub destinations: Vec<WeightedDestination>,
}

impl From<Option<clusterdb::mesh::Resolution>> for ResolutionJson {
    fn from(resolution: Option<clusterdb::mesh::Resolution>) -> Self {
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
        let rule = HttpRouteJson::from(&resolution.rule);
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
    Ok(axum::Json(resolution.into()))
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
