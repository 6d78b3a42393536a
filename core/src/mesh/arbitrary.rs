//! proptest strategies for mesh specs (feature `arbitrary`, and tests):
//! shapes of every kind, mostly valid (DNS names, weights in range), so
//! that both the rules and the round trips get exercised.

use proptest::collection::{btree_map, vec};
use proptest::option;
use proptest::prelude::*;

use super::{
    Abort, Condition, Delay, Destination, Fault, HttpMatch, HttpRoute, Operation, PolicyAction,
    Redirect, Retries, Rewrite, RouteDestination, Rule, SecurityPolicySpec, Source, StringMatch,
    VirtualServiceSpec,
};

fn dns() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9]{0,6}(\\.[a-z][a-z0-9]{0,4}){0,2}"
}

fn text() -> impl Strategy<Value = String> {
    "/[a-z0-9/._-]{0,12}"
}

fn string_match() -> impl Strategy<Value = StringMatch> {
    prop_oneof![
        text().prop_map(StringMatch::Exact),
        text().prop_map(StringMatch::Prefix),
        Just(StringMatch::Regex("/api/v[0-9]+".into())),
    ]
}

fn http_match() -> impl Strategy<Value = HttpMatch> {
    (
        option::of(string_match()),
        option::of(string_match()),
        btree_map("[a-z][a-z-]{0,8}", string_match(), 0..3),
        btree_map("[a-z]{1,6}", string_match(), 0..2),
        option::of(1u32..=65535),
    )
        .prop_map(|(uri, method, headers, query_params, port)| HttpMatch {
            name: String::new(),
            uri,
            authority: None,
            method,
            headers,
            query_params,
            port,
        })
}

fn duration() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("1s".to_string()),
        Just("250ms".to_string()),
        Just("1.5s".to_string())
    ]
}

fn destination() -> impl Strategy<Value = RouteDestination> {
    (
        dns(),
        "[a-z0-9]{0,4}",
        option::of(1u32..=65535),
        option::of(1u32..=100),
    )
        .prop_map(|(host, subset, port, weight)| RouteDestination {
            destination: Destination { host, subset, port },
            weight,
        })
}

fn route() -> impl Strategy<Value = HttpRoute> {
    let redirect = (text(), 300u32..=399).prop_map(|(uri, redirect_code)| Redirect {
        uri,
        authority: String::new(),
        redirect_code,
    });
    let routed = (
        vec(http_match(), 0..3),
        vec(destination(), 1..4),
        option::of(text().prop_map(|uri| Rewrite {
            uri,
            authority: String::new(),
        })),
        option::of(duration()),
        option::of(
            (0u32..5, option::of(duration())).prop_map(|(attempts, per_try_timeout)| Retries {
                attempts,
                per_try_timeout,
                retry_on: "5xx,connect-failure".into(),
            }),
        ),
        option::of(
            (0.0f64..=100.0, 200u32..=599).prop_map(|(percentage, http_status)| Fault {
                delay: Some(Delay {
                    fixed_delay: "1s".into(),
                    percentage,
                }),
                abort: Some(Abort {
                    http_status,
                    percentage,
                }),
            }),
        ),
    )
        .prop_map(|(matches, route, rewrite, timeout, retries, fault)| {
            // Where any destination has a weight, give all one.
            let weighted = route.iter().any(|d| d.weight.is_some());
            let route = route
                .into_iter()
                .map(|mut d| {
                    if weighted {
                        d.weight = Some(d.weight.unwrap_or(1));
                    }
                    d
                })
                .collect();
            HttpRoute {
                matches,
                route,
                rewrite,
                timeout,
                retries,
                fault,
                ..HttpRoute::default()
            }
        });
    prop_oneof![
        4 => routed,
        1 => (vec(http_match(), 0..2), redirect).prop_map(|(matches, redirect)| HttpRoute {
            matches,
            redirect: Some(redirect),
            ..HttpRoute::default()
        }),
    ]
}

/// Virtual service specs, valid by construction (distinct hosts, weights
/// in range, a route or a redirect per rule).
pub fn virtual_service_spec() -> impl Strategy<Value = VirtualServiceSpec> {
    (
        proptest::collection::btree_set(dns(), 1..4),
        vec(
            prop_oneof![Just("mesh".to_string()), Just("prod/edge".to_string())],
            0..2,
        ),
        vec(route(), 0..4),
    )
        .prop_map(|(hosts, gateways, http_routes)| {
            let mut gateways = gateways;
            gateways.dedup();
            VirtualServiceSpec {
                hosts: hosts.into_iter().collect(),
                gateways,
                http_routes,
            }
        })
}

fn patterns() -> impl Strategy<Value = Vec<String>> {
    vec(
        prop_oneof![
            "[a-z]{1,6}",
            "[a-z]{1,4}\\*",
            "\\*[a-z]{1,4}",
            Just("*".to_string())
        ],
        0..3,
    )
}

fn source() -> impl Strategy<Value = Source> {
    (
        patterns(),
        patterns(),
        patterns(),
        vec(
            prop_oneof![
                Just("10.0.0.0/8".to_string()),
                Just("192.168.1.1".to_string())
            ],
            0..2,
        ),
    )
        .prop_map(
            |(principals, not_principals, namespaces, ip_blocks)| Source {
                principals: if principals.is_empty()
                    && not_principals.is_empty()
                    && namespaces.is_empty()
                    && ip_blocks.is_empty()
                {
                    vec!["*".into()]
                } else {
                    principals
                },
                not_principals,
                namespaces,
                ip_blocks,
                ..Source::default()
            },
        )
}

fn operation() -> impl Strategy<Value = Operation> {
    (
        vec("/[a-z]{0,5}\\*?", 0..3),
        vec(
            prop_oneof![Just("GET".to_string()), Just("POST".to_string())],
            0..2,
        ),
        vec((1u16..=65535).prop_map(|p| p.to_string()), 0..2),
    )
        .prop_map(|(paths, methods, ports)| Operation {
            paths: if paths.is_empty() && methods.is_empty() && ports.is_empty() {
                vec!["/*".into()]
            } else {
                paths
            },
            methods,
            ports,
            ..Operation::default()
        })
}

fn rule() -> impl Strategy<Value = Rule> {
    (
        vec(source(), 0..2),
        vec(operation(), 0..2),
        vec(
            ("[a-z]{1,6}", vec("[a-z]{1,4}", 1..3)).prop_map(|(header, values)| Condition {
                key: format!("request.headers[x-{header}]"),
                values,
                not_values: Vec::new(),
            }),
            0..2,
        ),
    )
        .prop_map(|(from, to, when)| Rule { from, to, when })
}

/// Security policy specs, valid by construction.
pub fn security_policy_spec() -> impl Strategy<Value = SecurityPolicySpec> {
    (
        btree_map("[a-z]{1,5}", "[a-z0-9]{1,5}", 0..3),
        prop_oneof![
            Just(PolicyAction::Allow),
            Just(PolicyAction::Deny),
            Just(PolicyAction::Audit)
        ],
        vec(rule(), 1..3),
    )
        .prop_map(|(selector, action, rules)| SecurityPolicySpec {
            selector,
            action,
            rules,
        })
}
