//! Asking the mesh what a request would do: which route a request takes
//! ([`MeshIndex::resolve`]) and whether the security policies let it
//! through ([`MeshIndex::check`]). Both run on an index of every virtual
//! service and security policy read at one revision of the mesh, with
//! regexes compiled once.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;

use super::rules::{Cidr, compile_regex, glob_matches};
use super::security_policy::{
    Condition, Operation, PolicyAction, Rule, SecurityPolicy, Source, header_key,
};
use super::virtual_service::{
    HttpMatch, HttpRoute, StringMatch, VirtualService, effective_weights, qualified_gateway,
};

/// A request to route.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RouteRequest {
    /// The host (a `:port` suffix is ignored).
    pub host: String,
    /// The path, with its query string if any.
    pub path: String,
    /// The method, e.g. `GET`.
    pub method: String,
    /// Headers (names compared without case).
    pub headers: BTreeMap<String, String>,
    /// The port it came to, if known.
    pub port: Option<u32>,
    /// The gateway it came through; `mesh` (the default) for sidecars.
    pub gateway: Option<String>,
}

/// Where a routed request goes.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolution {
    /// The virtual service that routes it: (id, namespace, name).
    pub virtual_service: (String, String, String),
    /// The index of the rule in its `http_routes`.
    pub rule_index: usize,
    /// The rule.
    pub rule: HttpRoute,
    /// The destinations traffic is split over, with their share in
    /// percent (weight-0 destinations are not listed).
    pub destinations: Vec<(super::virtual_service::Destination, u32, f64)>,
}

/// A request to authorize.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckRequest {
    /// The workload's namespace: the policies there apply.
    pub namespace: String,
    /// The workload's labels (for policy selectors).
    pub labels: BTreeMap<String, String>,
    /// The caller's principal, e.g. `cluster.local/ns/web/sa/frontend`.
    pub principal: String,
    /// The caller's namespace; derived from a `…/ns/<namespace>/…`
    /// principal when not given.
    pub source_namespace: Option<String>,
    /// The caller's address.
    pub ip: Option<IpAddr>,
    /// The host called.
    pub host: String,
    /// The method.
    pub method: String,
    /// The path.
    pub path: String,
    /// The port.
    pub port: Option<u32>,
    /// Headers (names compared without case).
    pub headers: BTreeMap<String, String>,
}

/// The policies' answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Allowed or not.
    pub allowed: bool,
    /// The policy that decided (namespace, name) and its action; `None`
    /// when no policy matched (allowed: no ALLOW policy selects the
    /// workload; denied: some do, none matched).
    pub deciding: Option<(String, String, PolicyAction)>,
    /// AUDIT policies that matched (namespace, name).
    pub audited: Vec<(String, String)>,
}

/// Longest path an evaluation takes.
pub const MAX_PATH_LEN: usize = 8192;
/// Longest method.
pub const MAX_METHOD_LEN: usize = 32;
/// Longest principal.
pub const MAX_PRINCIPAL_LEN: usize = 1024;

fn bounded(subject: &'static str, field: &str, value: &str, max: usize) -> crate::Result<()> {
    if value.chars().count() > max {
        return Err(crate::Error::invalid(
            subject,
            field,
            format!("must be at most {max} characters"),
        ));
    }
    Ok(())
}

fn port_in_range(subject: &'static str, port: Option<u32>) -> crate::Result<()> {
    if port.is_some_and(|p| !(1..=65535).contains(&p)) {
        return Err(crate::Error::invalid(
            subject,
            "port",
            "must be between 1 and 65535",
        ));
    }
    Ok(())
}

impl RouteRequest {
    /// Checks the request's bounds.
    pub fn validate(&self) -> crate::Result<()> {
        const SUBJECT: &str = "route request";
        if self.host.is_empty() {
            return Err(crate::Error::invalid(SUBJECT, "host", "must not be empty"));
        }
        bounded(SUBJECT, "host", &self.host, super::rules::MAX_HOST_LEN)?;
        bounded(SUBJECT, "path", &self.path, MAX_PATH_LEN)?;
        bounded(SUBJECT, "method", &self.method, MAX_METHOD_LEN)?;
        port_in_range(SUBJECT, self.port)
    }
}

impl CheckRequest {
    /// Checks the request's bounds.
    pub fn validate(&self) -> crate::Result<()> {
        const SUBJECT: &str = "check request";
        bounded(SUBJECT, "host", &self.host, super::rules::MAX_HOST_LEN)?;
        bounded(SUBJECT, "path", &self.path, MAX_PATH_LEN)?;
        bounded(SUBJECT, "method", &self.method, MAX_METHOD_LEN)?;
        bounded(SUBJECT, "principal", &self.principal, MAX_PRINCIPAL_LEN)?;
        port_in_range(SUBJECT, self.port)
    }
}

impl Decision {
    /// Why, in words.
    pub fn reason(&self) -> String {
        match (&self.deciding, self.allowed) {
            (Some((_, name, PolicyAction::Deny)), _) => format!("denied by DENY policy {name}"),
            (Some((_, name, _)), _) => format!("allowed by ALLOW policy {name}"),
            (None, true) => "allowed: no ALLOW policy selects the workload".to_string(),
            (None, false) => {
                "denied: ALLOW policies select the workload and none matches".to_string()
            }
        }
    }
}

/// A string match, compiled.
enum Matcher {
    Exact(String),
    Prefix(String),
    Regex(regex::Regex),
}

impl Matcher {
    fn of(matcher: &StringMatch) -> Matcher {
        match matcher {
            StringMatch::Exact(text) => Matcher::Exact(text.clone()),
            StringMatch::Prefix(text) => Matcher::Prefix(text.clone()),
            // Stored specs were validated: the regex compiles.
            StringMatch::Regex(source) => match compile_regex("route", "regex", source) {
                Ok(regex) => Matcher::Regex(regex),
                Err(_) => Matcher::Exact(String::from('\u{0}')),
            },
        }
    }

    fn matches(&self, value: &str) -> bool {
        match self {
            Matcher::Exact(text) => value == text,
            Matcher::Prefix(text) => value.starts_with(text.as_str()),
            Matcher::Regex(regex) => regex.is_match(value),
        }
    }
}

/// One match condition, compiled.
struct CompiledMatch {
    uri: Option<Matcher>,
    authority: Option<Matcher>,
    method: Option<Matcher>,
    headers: Vec<(String, Matcher)>,
    query_params: Vec<(String, Matcher)>,
    port: Option<u32>,
}

impl CompiledMatch {
    fn of(m: &HttpMatch) -> CompiledMatch {
        CompiledMatch {
            uri: m.uri.as_ref().map(Matcher::of),
            authority: m.authority.as_ref().map(Matcher::of),
            method: m.method.as_ref().map(Matcher::of),
            headers: m
                .headers
                .iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), Matcher::of(v)))
                .collect(),
            query_params: m
                .query_params
                .iter()
                .map(|(k, v)| (k.clone(), Matcher::of(v)))
                .collect(),
            port: m.port,
        }
    }

    fn matches(&self, request: &Prepared) -> bool {
        let optional =
            |m: &Option<Matcher>, value: &str| m.as_ref().is_none_or(|m| m.matches(value));
        optional(&self.uri, &request.path)
            && optional(&self.authority, &request.host)
            && optional(&self.method, &request.method)
            && self.port.is_none_or(|p| request.port == Some(p))
            && self.headers.iter().all(|(name, m)| {
                request
                    .headers
                    .get(name)
                    .is_some_and(|value| m.matches(value))
            })
            && self
                .query_params
                .iter()
                .all(|(name, m)| request.query.iter().any(|(k, v)| k == name && m.matches(v)))
    }
}

/// A request with its parts split out once.
struct Prepared {
    host: String,
    path: String,
    query: Vec<(String, String)>,
    method: String,
    headers: HashMap<String, String>,
    port: Option<u32>,
}

impl Prepared {
    fn of(request: &RouteRequest) -> Prepared {
        let host = host_of(&request.host);
        let (path, query) = match request.path.split_once('?') {
            Some((path, query)) => (path.to_string(), query_pairs(query)),
            None => (request.path.clone(), Vec::new()),
        };
        Prepared {
            host,
            path,
            query,
            method: request.method.clone(),
            headers: request
                .headers
                .iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
                .collect(),
            port: request.port,
        }
    }
}

/// A host without its port, lowercase (`[::1]:80` -> `::1`).
fn host_of(host: &str) -> String {
    let host = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or(rest)
    } else if host.matches(':').count() == 1 {
        host.split(':').next().unwrap_or(host)
    } else {
        host
    };
    host.to_ascii_lowercase()
}

fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => (pair.to_string(), String::new()),
        })
        .collect()
}

/// One virtual service, compiled.
struct CompiledService {
    service: VirtualService,
    /// Per rule: its match conditions.
    rules: Vec<Vec<CompiledMatch>>,
}

/// Every virtual service and security policy at one revision, ready to
/// evaluate.
pub struct MeshIndex {
    services: Vec<CompiledService>,
    /// Exact host -> services (in creation order).
    exact: HashMap<String, Vec<usize>>,
    /// `*.suffix` wildcards: (suffix with its dot, service), longest
    /// suffix first, then creation order.
    wildcards: Vec<(String, usize)>,
    /// Services for `*`.
    catch_all: Vec<usize>,
    /// Policies by namespace.
    policies: HashMap<String, Vec<SecurityPolicy>>,
}

impl MeshIndex {
    /// Indexes `services` and `policies` (each in creation order).
    pub fn new(services: Vec<VirtualService>, policies: Vec<SecurityPolicy>) -> MeshIndex {
        let mut index = MeshIndex {
            services: Vec::with_capacity(services.len()),
            exact: HashMap::new(),
            wildcards: Vec::new(),
            catch_all: Vec::new(),
            policies: HashMap::new(),
        };
        for service in services {
            let at = index.services.len();
            for host in &service.spec.hosts {
                if host == "*" {
                    index.catch_all.push(at);
                } else if let Some(suffix) = host.strip_prefix('*') {
                    index.wildcards.push((suffix.to_string(), at));
                } else {
                    index.exact.entry(host.clone()).or_default().push(at);
                }
            }
            let rules = service
                .spec
                .http_routes
                .iter()
                .map(|r| r.matches.iter().map(CompiledMatch::of).collect())
                .collect();
            index.services.push(CompiledService { service, rules });
        }
        index
            .wildcards
            .sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.1.cmp(&b.1)));
        for policy in policies {
            index
                .policies
                .entry(policy.meta.namespace.clone())
                .or_default()
                .push(policy);
        }
        index
    }

    /// The route `request` takes, if any: the virtual service whose host
    /// matches most precisely (exact, then the longest `*.` suffix, then
    /// `*`; among equals the oldest) and applies to the request's gateway,
    /// then its first rule that matches.
    pub fn resolve(&self, request: &RouteRequest) -> Option<Resolution> {
        let prepared = Prepared::of(request);
        let gateway = request.gateway.as_deref().unwrap_or("mesh");
        let serves_gateway = |at: &usize| {
            let service = &self.services[*at].service;
            let gateways = &service.spec.gateways;
            (gateways.is_empty() && gateway == "mesh")
                || gateways
                    .iter()
                    .any(|g| qualified_gateway(g, &service.meta.namespace) == gateway)
        };
        let exact = self.exact.get(&prepared.host).into_iter().flatten();
        let wildcard = self
            .wildcards
            .iter()
            .filter(|(suffix, _)| prepared.host.ends_with(suffix.as_str()))
            .map(|(_, at)| at);
        let at = *exact
            .chain(wildcard)
            .chain(self.catch_all.iter())
            .find(|at| serves_gateway(at))?;
        let compiled = &self.services[at];
        let (rule_index, rule) =
            compiled
                .service
                .spec
                .http_routes
                .iter()
                .enumerate()
                .find(|(i, _)| {
                    let matches = &compiled.rules[*i];
                    matches.is_empty() || matches.iter().any(|m| m.matches(&prepared))
                })?;
        let weights = effective_weights(&rule.route);
        let total: u32 = weights.iter().sum();
        let destinations = rule
            .route
            .iter()
            .zip(&weights)
            .filter(|(_, w)| **w > 0)
            .map(|(d, w)| {
                (
                    d.destination.clone(),
                    *w,
                    f64::from(*w) * 100.0 / f64::from(total.max(1)),
                )
            })
            .collect();
        let meta = &compiled.service.meta;
        Some(Resolution {
            virtual_service: (meta.id.clone(), meta.namespace.clone(), meta.name.clone()),
            rule_index,
            rule: rule.clone(),
            destinations,
        })
    }

    /// Whether the policies of `request.namespace` let `request` through:
    /// a matching DENY policy denies; else, if no ALLOW policy selects the
    /// workload, it is allowed; else a matching ALLOW policy allows and
    /// anything else is denied. AUDIT policies are reported, never decide.
    pub fn check(&self, request: &CheckRequest) -> Decision {
        let policies = self.policies.get(&request.namespace);
        let selected: Vec<&SecurityPolicy> = policies
            .into_iter()
            .flatten()
            .filter(|p| {
                p.spec
                    .selector
                    .iter()
                    .all(|(k, v)| request.labels.get(k) == Some(v))
            })
            .collect();
        let attributes = Attributes::of(request);
        let matching = |action: PolicyAction| {
            selected
                .iter()
                .filter(move |p| p.spec.action == action)
                .filter(|p| p.spec.rules.iter().any(|r| rule_matches(r, &attributes)))
        };
        let audited = matching(PolicyAction::Audit)
            .map(|p| (p.meta.namespace.clone(), p.meta.name.clone()))
            .collect();
        let decided = |p: &&SecurityPolicy, allowed: bool| Decision {
            allowed,
            deciding: Some((p.meta.namespace.clone(), p.meta.name.clone(), p.spec.action)),
            audited: Vec::new(),
        };
        let mut decision = if let Some(deny) = matching(PolicyAction::Deny).next() {
            decided(deny, false)
        } else if let Some(allow) = matching(PolicyAction::Allow).next() {
            decided(allow, true)
        } else {
            let any_allow = selected
                .iter()
                .any(|p| p.spec.action == PolicyAction::Allow);
            Decision {
                allowed: !any_allow,
                deciding: None,
                audited: Vec::new(),
            }
        };
        decision.audited = audited;
        decision
    }

    /// The number of virtual services indexed.
    pub fn virtual_services(&self) -> usize {
        self.services.len()
    }
}

/// A check request's attributes, as conditions read them.
struct Attributes<'a> {
    request: &'a CheckRequest,
    source_namespace: String,
    headers: HashMap<String, &'a str>,
}

impl<'a> Attributes<'a> {
    fn of(request: &'a CheckRequest) -> Attributes<'a> {
        let source_namespace = request.source_namespace.clone().unwrap_or_else(|| {
            let mut parts = request.principal.split('/');
            parts
                .by_ref()
                .find(|p| *p == "ns")
                .and_then(|_| parts.next())
                .unwrap_or_default()
                .to_string()
        });
        Attributes {
            request,
            source_namespace,
            headers: request
                .headers
                .iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v.as_str()))
                .collect(),
        }
    }
}

/// `values` (patterns) is empty or one matches; `excluded` none matches.
fn allowed_by(values: &[String], excluded: &[String], value: &str) -> bool {
    (values.is_empty() || values.iter().any(|p| glob_matches(p, value)))
        && !excluded.iter().any(|p| glob_matches(p, value))
}

fn in_blocks(blocks: &[String], excluded: &[String], ip: Option<IpAddr>) -> bool {
    let contains = |block: &String, ip: IpAddr| Cidr::parse(block).is_some_and(|c| c.contains(ip));
    let included = blocks.is_empty() || ip.is_some_and(|ip| blocks.iter().any(|b| contains(b, ip)));
    let out = ip.is_some_and(|ip| excluded.iter().any(|b| contains(b, ip)));
    included && !out
}

fn source_matches(source: &Source, a: &Attributes) -> bool {
    allowed_by(
        &source.principals,
        &source.not_principals,
        &a.request.principal,
    ) && allowed_by(
        &source.namespaces,
        &source.not_namespaces,
        &a.source_namespace,
    ) && in_blocks(&source.ip_blocks, &source.not_ip_blocks, a.request.ip)
}

fn operation_matches(operation: &Operation, a: &Attributes) -> bool {
    let port = a.request.port.map(|p| p.to_string()).unwrap_or_default();
    allowed_by(&operation.hosts, &operation.not_hosts, &a.request.host)
        && allowed_by(&operation.ports, &operation.not_ports, &port)
        && allowed_by(
            &operation.methods,
            &operation.not_methods,
            &a.request.method,
        )
        && allowed_by(&operation.paths, &operation.not_paths, &a.request.path)
}

fn condition_matches(condition: &Condition, a: &Attributes) -> bool {
    let key = condition.key.as_str();
    if matches!(key, "source.ip" | "remote.ip") {
        return in_blocks(&condition.values, &condition.not_values, a.request.ip);
    }
    let value = match key {
        "source.namespace" => Some(a.source_namespace.clone()),
        "source.principal" | "request.auth.principal" => Some(a.request.principal.clone()),
        "destination.port" => a.request.port.map(|p| p.to_string()),
        _ => header_key(key)
            .and_then(|name| a.headers.get(&name.to_ascii_lowercase()))
            .map(|v| v.to_string()),
    };
    // An attribute the request does not carry matches no values.
    match value {
        Some(value) => allowed_by(&condition.values, &condition.not_values, &value),
        None => condition.values.is_empty(),
    }
}

fn rule_matches(rule: &Rule, a: &Attributes) -> bool {
    (rule.from.is_empty() || rule.from.iter().any(|s| source_matches(s, a)))
        && (rule.to.is_empty() || rule.to.iter().any(|o| operation_matches(o, a)))
        && rule.when.iter().all(|c| condition_matches(c, a))
}
/// The index last built, at the marker revision it was built at.
#[derive(Default)]
pub(crate) struct IndexCache {
    pub current: std::sync::Mutex<Option<(u64, std::sync::Arc<MeshIndex>)>>,
    /// Held while the index is rebuilt, so that requests arriving after a
    /// mesh write wait for one rebuild instead of each reading the mesh.
    pub rebuilding: tokio::sync::Mutex<()>,
}
