//! Security policies: who may call which workloads, and how — Istio's
//! `AuthorizationPolicy`, as a namespaced kind.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::rules::{Cidr, check_glob, invalid};
use crate::error::Result;
use crate::kind::{Kind, Object};
use crate::timestamp::Timestamp;
use crate::validation::Context;

/// Most rules of one policy.
pub const MAX_RULES: usize = 256;
/// Most entries of one list (sources, operations, conditions, values).
pub const MAX_ENTRIES: usize = 256;
/// The `when` keys a condition may test: Istio's AuthorizationPolicy
/// condition keys. `request.headers[<name>]` takes any header name,
/// `request.auth.claims[<name>]` a claim (`[a][b]` for a nested one), and
/// `experimental.envoy.filters.<filter>[<key>]` a filter's metadata.
/// Attributes a check request does not carry (claims, audiences, the
/// presenter, the destination IP, the SNI, filter metadata) match no
/// `values` in [`crate::mesh::Mesh::check`].
pub const CONDITION_KEYS: &[&str] = &[
    "source.ip",
    "remote.ip",
    "source.namespace",
    "source.principal",
    "request.auth.principal",
    "request.auth.audiences",
    "request.auth.presenter",
    "request.auth.claims[<name>]",
    "destination.ip",
    "destination.port",
    "connection.sni",
    "request.headers[<name>]",
    "experimental.envoy.filters.<filter>[<key>]",
];

/// What a condition key's values are, as Istio checks them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ValueKind {
    /// IP addresses or CIDR blocks.
    Ip,
    /// Port numbers.
    Port,
    /// Strings with Istio's `*` prefix/suffix patterns.
    Text,
}

/// The kind of values `key` takes, if it is a condition key.
fn condition_key(key: &str) -> Option<ValueKind> {
    match key {
        "source.ip" | "remote.ip" | "destination.ip" => return Some(ValueKind::Ip),
        "destination.port" => return Some(ValueKind::Port),
        "source.namespace"
        | "source.principal"
        | "request.auth.principal"
        | "request.auth.audiences"
        | "request.auth.presenter"
        | "connection.sni" => {
            return Some(ValueKind::Text);
        }
        _ => {}
    }
    let bracketed = header_key(key).is_some()
        || key
            .strip_prefix("request.auth.claims")
            .is_some_and(|names| bracket_names(names, usize::MAX))
        || key
            .strip_prefix("experimental.envoy.filters.")
            .and_then(|rest| rest.split_once('['))
            .is_some_and(|(filter, names)| {
                !filter.is_empty()
                    && filter.split('.').all(|part| {
                        !part.is_empty()
                            && part.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                    })
                    && bracket_names(&format!("[{names}"), 1)
            });
    bracketed.then_some(ValueKind::Text)
}

/// Whether `text` is one to `most` non-empty `[name]`s and nothing else.
fn bracket_names(text: &str, most: usize) -> bool {
    let mut rest = text;
    let mut count = 0;
    while let Some(inner) = rest.strip_prefix('[') {
        let Some((name, after)) = inner.split_once(']') else {
            return false;
        };
        if name.is_empty() || name.contains('[') {
            return false;
        }
        count += 1;
        rest = after;
    }
    rest.is_empty() && (1..=most).contains(&count)
}

/// The security policy kind.
pub struct SecurityPolicyKind;

/// A security policy.
pub type SecurityPolicy = Object<SecurityPolicyKind>;

/// What a matching rule does.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum PolicyAction {
    /// Let matching requests through (and, once any ALLOW policy selects
    /// a workload, deny the rest).
    #[default]
    Allow,
    /// Refuse matching requests (before any ALLOW).
    Deny,
    /// Record matching requests; never decides.
    Audit,
}

impl PolicyAction {
    /// `ALLOW`, `DENY`, `AUDIT`.
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyAction::Allow => "ALLOW",
            PolicyAction::Deny => "DENY",
            PolicyAction::Audit => "AUDIT",
        }
    }

    /// Parses `ALLOW`, `DENY`, `AUDIT`.
    pub fn parse(text: &str) -> Option<PolicyAction> {
        match text {
            "ALLOW" => Some(PolicyAction::Allow),
            "DENY" => Some(PolicyAction::Deny),
            "AUDIT" => Some(PolicyAction::Audit),
            _ => None,
        }
    }
}

/// What an operator sets on a security policy.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SecurityPolicySpec {
    /// Workload labels it applies to; empty: every workload of its
    /// namespace.
    pub selector: BTreeMap<String, String>,
    /// What matching requests get.
    pub action: PolicyAction,
    /// Any matching rule makes the policy match.
    pub rules: Vec<Rule>,
}

/// A rule: every part present must match.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    /// Any of these callers (none: any caller).
    pub from: Vec<Source>,
    /// Any of these operations (none: any operation).
    pub to: Vec<Operation>,
    /// All of these conditions.
    pub when: Vec<Condition>,
}

/// A caller: each field set must match (and its `not_` form must not).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Source {
    /// Principals (`*`, prefix `*`, suffix `*` patterns).
    pub principals: Vec<String>,
    /// Principals excluded.
    pub not_principals: Vec<String>,
    /// Source namespaces (patterns).
    pub namespaces: Vec<String>,
    /// Source namespaces excluded.
    pub not_namespaces: Vec<String>,
    /// Source addresses: CIDRs or single addresses.
    pub ip_blocks: Vec<String>,
    /// Source addresses excluded.
    pub not_ip_blocks: Vec<String>,
}

/// An operation: each field set must match (and its `not_` form must not).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Operation {
    /// Hosts (patterns).
    pub hosts: Vec<String>,
    /// Hosts excluded.
    pub not_hosts: Vec<String>,
    /// Ports, as decimal text.
    pub ports: Vec<String>,
    /// Ports excluded.
    pub not_ports: Vec<String>,
    /// Methods, e.g. `GET`.
    pub methods: Vec<String>,
    /// Methods excluded.
    pub not_methods: Vec<String>,
    /// Paths (patterns).
    pub paths: Vec<String>,
    /// Paths excluded.
    pub not_paths: Vec<String>,
}

/// A condition on a request attribute.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Condition {
    /// One of [`CONDITION_KEYS`].
    pub key: String,
    /// The attribute must match one of these.
    pub values: Vec<String>,
    /// The attribute must match none of these.
    pub not_values: Vec<String>,
}

impl Kind for SecurityPolicyKind {
    type Spec = SecurityPolicySpec;
    type Status = ();
    const NAME: &'static str = "security_policy";
    const SUBJECT: &'static str = "security policy";
    const NAMESPACED: bool = true;
    const CHANGE_MARKER: Option<&'static str> = Some(super::rules::MESH_MARKER);

    fn validate(spec: &SecurityPolicySpec, _ctx: &Context) -> Result<()> {
        validate(spec)
    }

    fn initial_status(_spec: &SecurityPolicySpec, _now: Timestamp) {}
}

const SUBJECT: &str = "security policy";

fn list_len(field: &str, len: usize) -> Result<()> {
    if len > MAX_ENTRIES {
        return Err(invalid(
            SUBJECT,
            field,
            format!("must have at most {MAX_ENTRIES} entries"),
        ));
    }
    Ok(())
}

/// Checks a security policy as Istio does, naming the exact field.
pub fn validate(spec: &SecurityPolicySpec) -> Result<()> {
    crate::meta::validate_tags(SUBJECT, &spec.selector).map_err(|err| match err {
        crate::Error::Invalid { field, reason, .. } => invalid(
            SUBJECT,
            &format!(
                "selector.match_labels{}",
                field.strip_prefix("tags").unwrap_or(&field)
            ),
            reason,
        ),
        other => other,
    })?;
    if spec.action == PolicyAction::Deny && spec.rules.is_empty() {
        return Err(invalid(
            SUBJECT,
            "rules",
            "a DENY policy must have at least one rule",
        ));
    }
    if spec.rules.len() > MAX_RULES {
        return Err(invalid(
            SUBJECT,
            "rules",
            format!("must have at most {MAX_RULES} entries"),
        ));
    }
    for (i, rule) in spec.rules.iter().enumerate() {
        let at = format!("rules[{i}]");
        list_len(&format!("{at}.from"), rule.from.len())?;
        for (j, source) in rule.from.iter().enumerate() {
            check_source(&format!("{at}.from[{j}].source"), source)?;
        }
        list_len(&format!("{at}.to"), rule.to.len())?;
        for (j, operation) in rule.to.iter().enumerate() {
            check_operation(&format!("{at}.to[{j}].operation"), operation)?;
        }
        list_len(&format!("{at}.when"), rule.when.len())?;
        for (j, condition) in rule.when.iter().enumerate() {
            check_condition(&format!("{at}.when[{j}]"), condition)?;
        }
    }
    Ok(())
}

fn check_patterns(field: &str, values: &[String]) -> Result<()> {
    list_len(field, values.len())?;
    for (i, value) in values.iter().enumerate() {
        check_glob(SUBJECT, &format!("{field}[{i}]"), value)?;
    }
    Ok(())
}

fn check_cidrs(field: &str, values: &[String]) -> Result<()> {
    list_len(field, values.len())?;
    for (i, value) in values.iter().enumerate() {
        if Cidr::parse(value).is_none() {
            return Err(invalid(
                SUBJECT,
                &format!("{field}[{i}]"),
                format!("{value:?} is not an IP address or CIDR block"),
            ));
        }
    }
    Ok(())
}

fn check_ports(field: &str, values: &[String]) -> Result<()> {
    list_len(field, values.len())?;
    for (i, value) in values.iter().enumerate() {
        if !value.parse::<u16>().is_ok_and(|p| p > 0) || value.starts_with('+') {
            return Err(invalid(
                SUBJECT,
                &format!("{field}[{i}]"),
                "must be a port number between 1 and 65535",
            ));
        }
    }
    Ok(())
}

fn check_source(field: &str, source: &Source) -> Result<()> {
    let lists = [
        &source.principals,
        &source.not_principals,
        &source.namespaces,
        &source.not_namespaces,
        &source.ip_blocks,
        &source.not_ip_blocks,
    ];
    if lists.iter().all(|l| l.is_empty()) {
        return Err(invalid(SUBJECT, field, "must set at least one field"));
    }
    check_patterns(&format!("{field}.principals"), &source.principals)?;
    check_patterns(&format!("{field}.not_principals"), &source.not_principals)?;
    check_patterns(&format!("{field}.namespaces"), &source.namespaces)?;
    check_patterns(&format!("{field}.not_namespaces"), &source.not_namespaces)?;
    check_cidrs(&format!("{field}.ip_blocks"), &source.ip_blocks)?;
    check_cidrs(&format!("{field}.not_ip_blocks"), &source.not_ip_blocks)
}

fn check_operation(field: &str, operation: &Operation) -> Result<()> {
    let lists = [
        &operation.hosts,
        &operation.not_hosts,
        &operation.ports,
        &operation.not_ports,
        &operation.methods,
        &operation.not_methods,
        &operation.paths,
        &operation.not_paths,
    ];
    if lists.iter().all(|l| l.is_empty()) {
        return Err(invalid(SUBJECT, field, "must set at least one field"));
    }
    check_patterns(&format!("{field}.hosts"), &operation.hosts)?;
    check_patterns(&format!("{field}.not_hosts"), &operation.not_hosts)?;
    check_ports(&format!("{field}.ports"), &operation.ports)?;
    check_ports(&format!("{field}.not_ports"), &operation.not_ports)?;
    check_patterns(&format!("{field}.methods"), &operation.methods)?;
    check_patterns(&format!("{field}.not_methods"), &operation.not_methods)?;
    for (name, paths) in [
        ("paths", &operation.paths),
        ("not_paths", &operation.not_paths),
    ] {
        check_patterns(&format!("{field}.{name}"), paths)?;
        for (i, path) in paths.iter().enumerate() {
            if !path.starts_with('/') && !path.starts_with('*') {
                return Err(invalid(
                    SUBJECT,
                    &format!("{field}.{name}[{i}]"),
                    "must start with '/' (or be a `*` pattern)",
                ));
            }
        }
    }
    Ok(())
}

/// The header a `request.headers[<name>]` key names.
pub fn header_key(key: &str) -> Option<&str> {
    key.strip_prefix("request.headers[")
        .and_then(|rest| rest.strip_suffix(']'))
        .filter(|name| !name.is_empty() && !name.contains(['[', ']']))
}

fn check_condition(field: &str, condition: &Condition) -> Result<()> {
    let Some(kind) = condition_key(&condition.key) else {
        return Err(invalid(
            SUBJECT,
            &format!("{field}.key"),
            format!("must be one of: {}", CONDITION_KEYS.join(", ")),
        ));
    };
    if condition.values.is_empty() && condition.not_values.is_empty() {
        return Err(invalid(SUBJECT, field, "must set values or not_values"));
    }
    for (name, values) in [
        ("values", &condition.values),
        ("not_values", &condition.not_values),
    ] {
        let at = format!("{field}.{name}");
        match kind {
            ValueKind::Ip => check_cidrs(&at, values)?,
            ValueKind::Port => check_ports(&at, values)?,
            ValueKind::Text => check_patterns(&at, values)?,
        }
    }
    Ok(())
}
