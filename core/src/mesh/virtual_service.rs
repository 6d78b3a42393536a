//! Virtual services: how requests to a set of hosts are routed — Istio's
//! `VirtualService` (HTTP routes), as a namespaced kind.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::rules::{self, check_host, compile_regex, invalid, is_dns_label};
use crate::error::Result;
use crate::kind::{Kind, Object};
use crate::timestamp::Timestamp;
use crate::validation::Context;

/// Most hosts of one virtual service.
pub const MAX_HOSTS: usize = 100;
/// Most gateways of one virtual service.
pub const MAX_GATEWAYS: usize = 100;
/// Most HTTP routes of one virtual service.
pub const MAX_HTTP_ROUTES: usize = 256;
/// Most match conditions of one route.
pub const MAX_MATCHES: usize = 64;
/// Most destinations of one route.
pub const MAX_DESTINATIONS: usize = 64;
/// Most headers (or query parameters) one match condition tests.
pub const MAX_MATCH_ENTRIES: usize = 32;
/// The largest weight of a destination.
pub const MAX_WEIGHT: u32 = 100;
/// `retry_on` conditions a retry policy may name (Envoy's, as Istio takes
/// them), besides HTTP status codes.
pub const RETRY_ON: &[&str] = &[
    "5xx",
    "gateway-error",
    "reset",
    "reset-before-request",
    "connect-failure",
    "envoy-ratelimited",
    "retriable-4xx",
    "refused-stream",
    "retriable-status-codes",
    "retriable-headers",
    "http3-post-connect-failure",
    "cancelled",
    "deadline-exceeded",
    "internal",
    "resource-exhausted",
    "unavailable",
];

/// The virtual service kind.
pub struct VirtualServiceKind;

/// A virtual service.
pub type VirtualService = Object<VirtualServiceKind>;

/// What an operator sets on a virtual service.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct VirtualServiceSpec {
    /// The hosts it routes: DNS names, `*.` wildcards, or `*`.
    pub hosts: Vec<String>,
    /// The gateways it applies to: `mesh` (the sidecars; the default when
    /// empty) or `<namespace>/<name>`.
    pub gateways: Vec<String>,
    /// Rules in order; the first that matches a request routes it.
    pub http_routes: Vec<HttpRoute>,
}

/// One HTTP routing rule.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HttpRoute {
    /// A name for logs ("" for none).
    pub name: String,
    /// Any of these matches the rule; none matches every request.
    pub matches: Vec<HttpMatch>,
    /// Where matching requests go, by relative weight.
    pub route: Vec<RouteDestination>,
    /// Redirect instead of routing.
    pub redirect: Option<Redirect>,
    /// Rewrite before routing.
    pub rewrite: Option<Rewrite>,
    /// Time limit of a request, a duration such as `5s`.
    pub timeout: Option<String>,
    /// Retry policy.
    pub retries: Option<Retries>,
    /// Faults injected.
    pub fault: Option<Fault>,
}

/// Conditions a request must meet, all of them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HttpMatch {
    /// A name for logs ("" for none).
    pub name: String,
    /// The path (without the query).
    pub uri: Option<StringMatch>,
    /// The host (`:authority`).
    pub authority: Option<StringMatch>,
    /// The method.
    pub method: Option<StringMatch>,
    /// Headers by lowercase name.
    pub headers: BTreeMap<String, StringMatch>,
    /// Query parameters by name.
    pub query_params: BTreeMap<String, StringMatch>,
    /// The port the request came to.
    pub port: Option<u32>,
}

/// How a string is matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum StringMatch {
    /// Equal.
    Exact(String),
    /// Starts with.
    Prefix(String),
    /// The whole value matches this RE2 regex.
    Regex(String),
}

/// A weighted destination.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RouteDestination {
    /// Where.
    pub destination: Destination,
    /// Relative share, 0–100; `None`: see [`effective_weights`].
    pub weight: Option<u32>,
}

/// A service (and subset, port) traffic goes to.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Destination {
    /// The service's host; not a wildcard.
    pub host: String,
    /// A subset of it ("" for all).
    pub subset: String,
    /// The port, when the service has several.
    pub port: Option<u32>,
}

/// An HTTP redirect.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Redirect {
    /// The new path ("" keeps it).
    pub uri: String,
    /// The new host ("" keeps it).
    pub authority: String,
    /// 3xx; 301 by default.
    pub redirect_code: u32,
}

/// A rewrite before routing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Rewrite {
    /// The new path, or path prefix for a prefix match ("" keeps it).
    pub uri: String,
    /// The new host ("" keeps it).
    pub authority: String,
}

/// A retry policy.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Retries {
    /// Retries (0 disables).
    pub attempts: u32,
    /// Time limit per attempt, a duration.
    pub per_try_timeout: Option<String>,
    /// Comma-separated conditions ([`RETRY_ON`] or status codes).
    pub retry_on: String,
}

/// Faults injected into matching requests.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Fault {
    /// Delay some requests.
    pub delay: Option<Delay>,
    /// Fail some requests.
    pub abort: Option<Abort>,
}

/// A fixed delay for a share of requests.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Delay {
    /// How long, a duration.
    pub fixed_delay: String,
    /// Share of requests, 0–100.
    pub percentage: f64,
}

/// An error answer for a share of requests.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Abort {
    /// The status, 200–599.
    pub http_status: u32,
    /// Share of requests, 0–100.
    pub percentage: f64,
}

/// The weights traffic is split by: a destination's own weight when any
/// destination of the rule has one (a destination without one then gets
/// none), else equal shares. Weights are relative: 30 and 10 split
/// traffic 3 to 1, whatever their sum.
pub fn effective_weights(route: &[RouteDestination]) -> Vec<u32> {
    if route.iter().all(|d| d.weight.is_none()) {
        return vec![1; route.len()];
    }
    route.iter().map(|d| d.weight.unwrap_or(0)).collect()
}

impl Kind for VirtualServiceKind {
    type Spec = VirtualServiceSpec;
    type Status = ();
    const NAME: &'static str = "virtual_service";
    const SUBJECT: &'static str = "virtual service";
    const NAMESPACED: bool = true;
    const CHANGE_MARKER: Option<&'static str> = Some(super::rules::MESH_MARKER);

    fn validate(spec: &VirtualServiceSpec, _ctx: &Context) -> Result<()> {
        validate(spec)
    }

    fn initial_status(_spec: &VirtualServiceSpec, _now: Timestamp) {}
}

const SUBJECT: &str = "virtual service";

fn too_many(field: &str, max: usize) -> crate::error::Error {
    invalid(SUBJECT, field, format!("must have at most {max} entries"))
}

/// Checks a virtual service as Istio does, naming the exact field.
pub fn validate(spec: &VirtualServiceSpec) -> Result<()> {
    if spec.hosts.is_empty() {
        return Err(invalid(SUBJECT, "hosts", "must have at least one host"));
    }
    if spec.hosts.len() > MAX_HOSTS {
        return Err(too_many("hosts", MAX_HOSTS));
    }
    for (i, host) in spec.hosts.iter().enumerate() {
        let field = format!("hosts[{i}]");
        check_host(SUBJECT, &field, host, true)?;
        if spec.hosts[..i].contains(host) {
            return Err(invalid(
                SUBJECT,
                &field,
                format!("{host:?} is listed twice"),
            ));
        }
    }
    if spec.gateways.len() > MAX_GATEWAYS {
        return Err(too_many("gateways", MAX_GATEWAYS));
    }
    for (i, gateway) in spec.gateways.iter().enumerate() {
        check_gateway(&format!("gateways[{i}]"), gateway)?;
    }
    if spec.http_routes.len() > MAX_HTTP_ROUTES {
        return Err(too_many("http_routes", MAX_HTTP_ROUTES));
    }
    for (i, route) in spec.http_routes.iter().enumerate() {
        check_route(&format!("http_routes[{i}]"), route)?;
    }
    Ok(())
}

fn check_gateway(field: &str, gateway: &str) -> Result<()> {
    if gateway == "mesh" {
        return Ok(());
    }
    let valid = match gateway.split_once('/') {
        Some((namespace, name)) => {
            crate::meta::validate_namespace(SUBJECT, namespace).is_ok() && is_dns_label(name)
        }
        // Istio reads a bare name as a gateway of the service's namespace.
        None => is_dns_label(gateway),
    };
    if !valid {
        return Err(invalid(
            SUBJECT,
            field,
            "must be `mesh`, `<namespace>/<gateway name>` or a gateway name of the service's namespace",
        ));
    }
    Ok(())
}

/// `gateway` as a virtual service in `namespace` names it, qualified: a
/// bare name is a gateway of the service's own namespace (as Istio reads
/// it); `mesh` and `<namespace>/<name>` stay as they are.
pub fn qualified_gateway<'a>(gateway: &'a str, namespace: &str) -> std::borrow::Cow<'a, str> {
    if gateway == "mesh" || gateway.contains('/') {
        std::borrow::Cow::Borrowed(gateway)
    } else {
        std::borrow::Cow::Owned(format!("{namespace}/{gateway}"))
    }
}

fn check_route(field: &str, route: &HttpRoute) -> Result<()> {
    if route.name.len() > 253 || route.name.chars().any(char::is_control) {
        return Err(invalid(
            SUBJECT,
            &format!("{field}.name"),
            "must be at most 253 characters without control characters",
        ));
    }
    if route.matches.len() > MAX_MATCHES {
        return Err(too_many(&format!("{field}.match"), MAX_MATCHES));
    }
    for (i, matcher) in route.matches.iter().enumerate() {
        check_match(&format!("{field}.match[{i}]"), matcher)?;
    }
    match (&route.redirect, route.route.is_empty()) {
        (Some(_), false) => {
            return Err(invalid(
                SUBJECT,
                &format!("{field}.redirect"),
                "cannot be set together with route",
            ));
        }
        (Some(_), true) if route.fault.is_some() || route.rewrite.is_some() => {
            let other = if route.fault.is_some() {
                "fault"
            } else {
                "rewrite"
            };
            return Err(invalid(
                SUBJECT,
                &format!("{field}.redirect"),
                format!("cannot be set together with {other}"),
            ));
        }
        (None, true) => {
            return Err(invalid(
                SUBJECT,
                &format!("{field}.route"),
                "must have at least one destination (or the rule a redirect)",
            ));
        }
        _ => {}
    }
    if route.route.len() > MAX_DESTINATIONS {
        return Err(too_many(&format!("{field}.route"), MAX_DESTINATIONS));
    }
    for (i, destination) in route.route.iter().enumerate() {
        check_destination(&format!("{field}.route[{i}]"), destination)?;
    }
    if !route.route.is_empty() && effective_weights(&route.route).iter().all(|w| *w == 0) {
        return Err(invalid(
            SUBJECT,
            &format!("{field}.route"),
            "must give at least one destination a weight above 0",
        ));
    }
    if let Some(redirect) = &route.redirect {
        let at = format!("{field}.redirect");
        if redirect.uri.is_empty() && redirect.authority.is_empty() {
            return Err(invalid(SUBJECT, &at, "must set uri or authority"));
        }
        if !(300..=399).contains(&redirect.redirect_code) {
            return Err(invalid(
                SUBJECT,
                &format!("{at}.redirect_code"),
                "must be a 3xx status",
            ));
        }
        check_text(&format!("{at}.uri"), &redirect.uri)?;
        check_text(&format!("{at}.authority"), &redirect.authority)?;
    }
    if let Some(rewrite) = &route.rewrite {
        let at = format!("{field}.rewrite");
        if rewrite.uri.is_empty() && rewrite.authority.is_empty() {
            return Err(invalid(SUBJECT, &at, "must set uri or authority"));
        }
        check_text(&format!("{at}.uri"), &rewrite.uri)?;
        check_text(&format!("{at}.authority"), &rewrite.authority)?;
    }
    if let Some(timeout) = &route.timeout {
        rules::duration(SUBJECT, &format!("{field}.timeout"), timeout)?;
    }
    if let Some(retries) = &route.retries {
        if let Some(timeout) = &retries.per_try_timeout {
            rules::duration(
                SUBJECT,
                &format!("{field}.retries.per_try_timeout"),
                timeout,
            )?;
        }
        for (i, condition) in retries.retry_on.split(',').enumerate() {
            let condition = condition.trim();
            if retries.retry_on.is_empty() {
                break;
            }
            let known = RETRY_ON.contains(&condition)
                || condition
                    .parse::<u16>()
                    .is_ok_and(|c| (100..=599).contains(&c));
            if !known {
                return Err(invalid(
                    SUBJECT,
                    &format!("{field}.retries.retry_on"),
                    format!(
                        "condition {} ({condition:?}) must be an HTTP status or one of: {}",
                        i + 1,
                        RETRY_ON.join(", ")
                    ),
                ));
            }
        }
    }
    if let Some(fault) = &route.fault {
        let at = format!("{field}.fault");
        if fault.delay.is_none() && fault.abort.is_none() {
            return Err(invalid(SUBJECT, &at, "must set delay or abort"));
        }
        if let Some(delay) = &fault.delay {
            rules::duration(
                SUBJECT,
                &format!("{at}.delay.fixed_delay"),
                &delay.fixed_delay,
            )?;
            check_percentage(&format!("{at}.delay.percentage.value"), delay.percentage)?;
        }
        if let Some(abort) = &fault.abort {
            if !(200..=599).contains(&abort.http_status) {
                return Err(invalid(
                    SUBJECT,
                    &format!("{at}.abort.http_status"),
                    "must be between 200 and 599",
                ));
            }
            check_percentage(&format!("{at}.abort.percentage.value"), abort.percentage)?;
        }
    }
    Ok(())
}

fn check_text(field: &str, text: &str) -> Result<()> {
    if text.len() > 2048 || text.chars().any(char::is_control) {
        return Err(invalid(
            SUBJECT,
            field,
            "must be at most 2048 characters without control characters",
        ));
    }
    Ok(())
}

fn check_percentage(field: &str, value: f64) -> Result<()> {
    if !(0.0..=100.0).contains(&value) {
        return Err(invalid(SUBJECT, field, "must be between 0 and 100"));
    }
    Ok(())
}

fn check_port(field: &str, port: Option<u32>) -> Result<()> {
    match port {
        Some(p) if !(1..=65535).contains(&p) => {
            Err(invalid(SUBJECT, field, "must be between 1 and 65535"))
        }
        _ => Ok(()),
    }
}

fn check_match(field: &str, matcher: &HttpMatch) -> Result<()> {
    check_string_match(&format!("{field}.uri"), matcher.uri.as_ref())?;
    check_string_match(&format!("{field}.authority"), matcher.authority.as_ref())?;
    check_string_match(&format!("{field}.method"), matcher.method.as_ref())?;
    for (what, entries) in [
        ("headers", &matcher.headers),
        ("query_params", &matcher.query_params),
    ] {
        if entries.len() > MAX_MATCH_ENTRIES {
            return Err(too_many(&format!("{field}.{what}"), MAX_MATCH_ENTRIES));
        }
        for (name, value) in entries {
            let at = format!("{field}.{what}.{name}");
            let token = !name.is_empty()
                && name.len() <= 256
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
            if !token {
                return Err(invalid(SUBJECT, &at, "is not a valid name"));
            }
            if what == "headers" && name.bytes().any(|b| b.is_ascii_uppercase()) {
                return Err(invalid(SUBJECT, &at, "header names must be lowercase"));
            }
            check_string_match(&at, Some(value))?;
        }
    }
    check_port(&format!("{field}.port"), matcher.port)
}

fn check_string_match(field: &str, matcher: Option<&StringMatch>) -> Result<()> {
    match matcher {
        None => Ok(()),
        Some(StringMatch::Exact(text)) | Some(StringMatch::Prefix(text)) => {
            let kind = if matches!(matcher, Some(StringMatch::Exact(_))) {
                "exact"
            } else {
                "prefix"
            };
            let at = format!("{field}.{kind}");
            if text.is_empty() {
                return Err(invalid(SUBJECT, &at, "must not be empty"));
            }
            check_text(&at, text)
        }
        Some(StringMatch::Regex(source)) => {
            let at = format!("{field}.regex");
            if source.is_empty() {
                return Err(invalid(SUBJECT, &at, "must not be empty"));
            }
            compile_regex(SUBJECT, &at, source).map(|_| ())
        }
    }
}

fn check_destination(field: &str, destination: &RouteDestination) -> Result<()> {
    let at = format!("{field}.destination");
    check_host(
        SUBJECT,
        &format!("{at}.host"),
        &destination.destination.host,
        false,
    )?;
    if !destination.destination.subset.is_empty() && !is_dns_label(&destination.destination.subset)
    {
        return Err(invalid(
            SUBJECT,
            &format!("{at}.subset"),
            "must be a DNS label (lowercase letters, digits and '-', at most 63)",
        ));
    }
    check_port(&format!("{at}.port.number"), destination.destination.port)?;
    if destination.weight.is_some_and(|w| w > MAX_WEIGHT) {
        return Err(invalid(
            SUBJECT,
            &format!("{field}.weight"),
            format!("must be between 0 and {MAX_WEIGHT}"),
        ));
    }
    Ok(())
}
