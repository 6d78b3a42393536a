//! A virtual service's JSON (Istio's `VirtualService` shape, `http_routes`
//! in place of `http`), and the resolve query's request and answer.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::MetaOutput;

/// Create or replace a virtual service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct VirtualServiceInput {
    /// Unique in its namespace.
    pub name: String,
    /// Its namespace (default `default`).
    #[serde(default)]
    pub namespace: String,
    /// DNS names, `*.` wildcards or `*`; at least one, no duplicates.
    #[serde(default)]
    #[cfg_attr(feature = "schema", schema(min_items = 1, max_items = 100))]
    pub hosts: Vec<String>,
    /// `mesh` or `<namespace>/<gateway>`; none means `mesh`.
    #[serde(default)]
    #[cfg_attr(feature = "schema", schema(max_items = 100))]
    pub gateways: Vec<String>,
    /// Rules in order; the first that matches routes the request.
    #[serde(default)]
    #[cfg_attr(feature = "schema", schema(max_items = 256))]
    pub http_routes: Vec<HttpRouteJson>,
    /// Labels.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// A virtual service as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
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
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct HttpRouteJson {
    /// A name for logs.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// Any of these conditions matches; none matches everything.
    #[serde(default, rename = "match", skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "schema", schema(max_items = 64))]
    pub matches: Vec<HttpMatchJson>,
    /// Weighted destinations (or a redirect instead).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "schema", schema(max_items = 64))]
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
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
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
    #[cfg_attr(feature = "schema", schema(minimum = 1, maximum = 65535))]
    pub port: Option<u32>,
}

/// Exactly one of `exact`, `prefix`, `regex` (RE2, the whole value).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
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
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
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
    #[cfg_attr(feature = "schema", schema(minimum = 0, maximum = 100))]
    pub weight: Option<u32>,
}

/// A service, subset and port.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
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
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PortJson {
    /// 1–65535.
    #[serde(deserialize_with = "super::integer")]
    #[cfg_attr(feature = "schema", schema(minimum = 1, maximum = 65535))]
    pub number: u32,
}

/// A redirect.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
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
    #[cfg_attr(feature = "schema", schema(minimum = 300, maximum = 399))]
    pub redirect_code: u32,
}

fn moved_permanently() -> u32 {
    301
}

/// A rewrite.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
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
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
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
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
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
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
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
    #[cfg_attr(feature = "schema", schema(minimum = 0, maximum = 100))]
    pub percent: Option<u32>,
}

/// An abort.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AbortJson {
    /// The status, 200–599.
    #[serde(deserialize_with = "super::integer")]
    #[cfg_attr(feature = "schema", schema(minimum = 200, maximum = 599))]
    pub http_status: u32,
    /// Share of requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(deserialize_with = "super::present")]
    pub percentage: Option<PercentJson>,
    /// Share of requests as a whole percent: the older field Istio's own
    /// samples still use, used when `percentage` is absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(deserialize_with = "super::present_integer")]
    #[cfg_attr(feature = "schema", schema(minimum = 0, maximum = 100))]
    pub percent: Option<u32>,
}

/// A percentage (Istio's `Percent`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PercentJson {
    /// 0–100.
    #[cfg_attr(feature = "schema", schema(minimum = 0, maximum = 100))]
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

/// `POST /mesh/routes:resolve`: a request to route.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RouteRequestJson {
    /// The host (a `:port` suffix is ignored).
    #[cfg_attr(feature = "schema", schema(min_length = 1, max_length = 253))]
    pub host: String,
    /// The path, with its query string if any (default `/`).
    #[serde(default = "root")]
    #[cfg_attr(feature = "schema", schema(max_length = 8192))]
    pub path: String,
    /// The method (default `GET`).
    #[serde(default = "get_method")]
    #[cfg_attr(feature = "schema", schema(max_length = 32))]
    pub method: String,
    /// Headers.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// The port it came to.
    #[serde(default, deserialize_with = "super::optional_integer")]
    #[cfg_attr(feature = "schema", schema(minimum = 1, maximum = 65535))]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct ResourceRef {
    /// Its id.
    pub id: String,
    /// Its namespace.
    pub namespace: String,
    /// Its name.
    pub name: String,
}

/// A destination and its share of the traffic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct WeightedDestination {
    /// Where.
    pub destination: DestinationJson,
    /// Its effective weight (above 0).
    pub weight: u32,
    /// Its share of the rule's traffic, in percent.
    pub percent: f64,
}

/// Where a request goes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
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

crate::resource::resources! {
    /// `/v1/mesh/virtual-services`, namespaced.
    VirtualServices {
        collection: "mesh/virtual-services",
        list_field: "virtual_services",
        singular: "virtual service",
        id_prefix: "virtual_service",
        input: VirtualServiceInput,
        output: VirtualServiceOutput,
    }
}
