//! The mesh: virtual services and security policies as namespaced kinds,
//! their validation, and evaluation (route resolution, policy checks).

use std::collections::BTreeMap;

use clusterdb::mesh::{
    CheckRequest, Condition, Destination, HttpMatch, HttpRoute, Operation, PolicyAction, Redirect,
    RouteDestination, RouteRequest, Rule, SecurityPolicySpec, Source, StringMatch,
    VirtualServiceSpec,
};
use clusterdb::{ApplyOutcome, Draft, ErrorCode};
use proptest::prelude::*;

use crate::support::quiet_db;

fn to(host: &str, weight: Option<u32>) -> RouteDestination {
    RouteDestination {
        destination: Destination {
            host: host.into(),
            ..Destination::default()
        },
        weight,
    }
}

fn route(matches: Vec<HttpMatch>, destinations: Vec<RouteDestination>) -> HttpRoute {
    HttpRoute {
        matches,
        route: destinations,
        ..HttpRoute::default()
    }
}

fn uri_prefix(prefix: &str) -> HttpMatch {
    HttpMatch {
        uri: Some(StringMatch::Prefix(prefix.into())),
        ..HttpMatch::default()
    }
}

fn service(hosts: &[&str], routes: Vec<HttpRoute>) -> VirtualServiceSpec {
    VirtualServiceSpec {
        hosts: hosts.iter().map(|h| h.to_string()).collect(),
        gateways: Vec::new(),
        http_routes: routes,
    }
}

/// `(field, reason fragment)` of the error a spec gets, or `None`.
fn violation(spec: &VirtualServiceSpec) -> Option<(String, String)> {
    clusterdb::mesh::rules::check_virtual_service(spec)
        .err()
        .map(|e| {
            let (field, reason) = e.field_violation().unwrap();
            (field.to_string(), reason.to_string())
        })
}

#[test]
fn virtual_service_rules_name_the_exact_field() {
    let ok = service(&["reviews"], vec![route(vec![], vec![to("reviews", None)])]);
    assert_eq!(violation(&ok), None);
    type Change = Box<dyn Fn(&mut VirtualServiceSpec)>;
    let cases: Vec<(Change, &str, &str)> = vec![
        (Box::new(|s| s.hosts.clear()), "hosts", "at least one"),
        (
            Box::new(|s| s.hosts.push("reviews".into())),
            "hosts[1]",
            "twice",
        ),
        (
            Box::new(|s| s.hosts[0] = "Bad_Host".into()),
            "hosts[0]",
            "DNS name",
        ),
        (
            Box::new(|s| s.hosts[0] = "a.*.com".into()),
            "hosts[0]",
            "`*`",
        ),
        (
            Box::new(|s| s.gateways.push("nope/".into())),
            "gateways[0]",
            "mesh",
        ),
        (
            Box::new(|s| s.http_routes[0].route.clear()),
            "http_routes[0].route",
            "at least one",
        ),
        (
            Box::new(|s| s.http_routes[0].route[0].destination.host = "*".into()),
            "http_routes[0].route[0].destination.host",
            "wildcard",
        ),
        (
            Box::new(|s| s.http_routes[0].route[0].destination.subset = "V1".into()),
            "http_routes[0].route[0].destination.subset",
            "DNS label",
        ),
        (
            Box::new(|s| s.http_routes[0].route[0].destination.port = Some(70000)),
            "http_routes[0].route[0].destination.port.number",
            "65535",
        ),
        (
            Box::new(|s| s.http_routes[0].route[0].weight = Some(101)),
            "http_routes[0].route[0].weight",
            "between 0 and 100",
        ),
        (
            Box::new(|s| s.http_routes[0].route[0].weight = Some(0)),
            "http_routes[0].route",
            "above 0",
        ),
        (
            Box::new(|s| {
                s.http_routes[0].matches.push(HttpMatch {
                    uri: Some(StringMatch::Regex("(".into())),
                    ..HttpMatch::default()
                })
            }),
            "http_routes[0].match[0].uri.regex",
            "RE2",
        ),
        (
            Box::new(|s| {
                s.http_routes[0].matches.push(HttpMatch {
                    headers: [("X-User".to_string(), StringMatch::Exact("a".into()))].into(),
                    ..HttpMatch::default()
                })
            }),
            "http_routes[0].match[0].headers.X-User",
            "lowercase",
        ),
        (
            Box::new(|s| s.http_routes[0].matches.push(uri_prefix(""))),
            "http_routes[0].match[0].uri.prefix",
            "empty",
        ),
        (
            Box::new(|s| s.http_routes[0].timeout = Some("5 seconds".into())),
            "http_routes[0].timeout",
            "duration",
        ),
        (
            Box::new(|s| {
                s.http_routes[0].redirect = Some(Redirect {
                    uri: "/x".into(),
                    redirect_code: 301,
                    ..Redirect::default()
                })
            }),
            "http_routes[0].redirect",
            "together with route",
        ),
        (
            Box::new(|s| {
                s.http_routes[0].route.clear();
                s.http_routes[0].redirect = Some(Redirect {
                    uri: "/x".into(),
                    redirect_code: 200,
                    ..Redirect::default()
                });
            }),
            "http_routes[0].redirect.redirect_code",
            "3xx",
        ),
        (
            Box::new(|s| {
                s.http_routes[0].retries = Some(clusterdb::mesh::Retries {
                    attempts: 3,
                    per_try_timeout: None,
                    retry_on: "5xx,sometimes".into(),
                })
            }),
            "http_routes[0].retries.retry_on",
            "sometimes",
        ),
        (
            Box::new(|s| {
                s.http_routes[0].fault = Some(clusterdb::mesh::Fault {
                    delay: None,
                    abort: Some(clusterdb::mesh::Abort {
                        http_status: 600,
                        percentage: 10.0,
                    }),
                })
            }),
            "http_routes[0].fault.abort.http_status",
            "599",
        ),
        (
            Box::new(|s| {
                s.http_routes[0].fault = Some(clusterdb::mesh::Fault {
                    delay: Some(clusterdb::mesh::Delay {
                        fixed_delay: "1s".into(),
                        percentage: 150.0,
                    }),
                    abort: None,
                })
            }),
            "http_routes[0].fault.delay.percentage.value",
            "100",
        ),
    ];
    for (change, field, reason) in cases {
        let mut spec = ok.clone();
        change(&mut spec);
        let (got_field, got_reason) =
            violation(&spec).unwrap_or_else(|| panic!("{field}: accepted"));
        assert_eq!(got_field, field, "{got_reason}");
        assert!(got_reason.contains(reason), "{field}: {got_reason}");
    }
}

fn policy(action: PolicyAction, rules: Vec<Rule>) -> SecurityPolicySpec {
    SecurityPolicySpec {
        selector: BTreeMap::new(),
        action,
        rules,
    }
}

#[test]
fn security_policy_rules_name_the_exact_field() {
    let check = |spec: &SecurityPolicySpec| {
        clusterdb::mesh::rules::check_security_policy(spec)
            .err()
            .map(|e| e.field_violation().unwrap().0.to_string())
    };
    assert_eq!(check(&policy(PolicyAction::Allow, vec![])), None);
    assert_eq!(
        check(&policy(PolicyAction::Deny, vec![])).as_deref(),
        Some("rules")
    );
    let source = |s: Source| {
        policy(
            PolicyAction::Allow,
            vec![Rule {
                from: vec![s],
                ..Rule::default()
            }],
        )
    };
    assert_eq!(
        check(&source(Source::default())).as_deref(),
        Some("rules[0].from[0].source")
    );
    assert_eq!(
        check(&source(Source {
            ip_blocks: vec!["10.0.0.0/33".into()],
            ..Source::default()
        }))
        .as_deref(),
        Some("rules[0].from[0].source.ip_blocks[0]")
    );
    assert_eq!(
        check(&source(Source {
            principals: vec!["a*b".into()],
            ..Source::default()
        }))
        .as_deref(),
        Some("rules[0].from[0].source.principals[0]")
    );
    let op = |o: Operation| {
        policy(
            PolicyAction::Allow,
            vec![Rule {
                to: vec![o],
                ..Rule::default()
            }],
        )
    };
    assert_eq!(
        check(&op(Operation {
            ports: vec!["http".into()],
            ..Operation::default()
        }))
        .as_deref(),
        Some("rules[0].to[0].operation.ports[0]")
    );
    assert_eq!(
        check(&op(Operation {
            paths: vec!["api".into()],
            ..Operation::default()
        }))
        .as_deref(),
        Some("rules[0].to[0].operation.paths[0]")
    );
    let when = |c: Condition| {
        policy(
            PolicyAction::Allow,
            vec![Rule {
                when: vec![c],
                ..Rule::default()
            }],
        )
    };
    assert_eq!(
        check(&when(Condition {
            key: "request.colour".into(),
            values: vec!["x".into()],
            not_values: vec![]
        }))
        .as_deref(),
        Some("rules[0].when[0].key")
    );
    assert_eq!(
        check(&when(Condition {
            key: "request.headers[x-a]".into(),
            values: vec![],
            not_values: vec![]
        }))
        .as_deref(),
        Some("rules[0].when[0]")
    );
    // Every condition key of Istio's AuthorizationPolicy, each checking
    // its values as Istio does.
    let condition = |key: &str, value: &str| {
        check(&when(Condition {
            key: key.into(),
            values: vec![value.into()],
            not_values: vec![],
        }))
    };
    for (key, value) in [
        ("source.ip", "10.0.0.0/8"),
        ("remote.ip", "192.168.1.1"),
        ("destination.ip", "10.1.2.3"),
        ("destination.port", "8080"),
        ("source.namespace", "prod"),
        ("source.principal", "cluster.local/ns/default/sa/*"),
        ("request.auth.principal", "issuer/subject"),
        ("request.auth.audiences", "bookinfo.com"),
        ("request.auth.presenter", "*.example.com"),
        ("request.auth.claims[iss]", "https://accounts.google.com"),
        ("request.auth.claims[nested1][nested2]", "v"),
        ("connection.sni", "www.example.com"),
        ("request.headers[x-token]", "t"),
        (
            "experimental.envoy.filters.network.mysql_proxy[db.table]",
            "[update]",
        ),
    ] {
        assert_eq!(condition(key, value), None, "{key} = {value}");
    }
    for (key, value, field) in [
        ("destination.ip", "not-an-ip", "rules[0].when[0].values[0]"),
        ("destination.port", "http", "rules[0].when[0].values[0]"),
        ("request.auth.claims[]", "v", "rules[0].when[0].key"),
        ("request.auth.claims", "v", "rules[0].when[0].key"),
        ("request.auth.claims[a]b", "v", "rules[0].when[0].key"),
        (
            "experimental.envoy.filters.[k]",
            "v",
            "rules[0].when[0].key",
        ),
        ("connection.sni.x", "v", "rules[0].when[0].key"),
    ] {
        assert_eq!(
            condition(key, value).as_deref(),
            Some(field),
            "{key} = {value}"
        );
    }
    let mut labelled = policy(PolicyAction::Allow, vec![]);
    labelled.selector.insert("bad key!".into(), "x".into());
    assert!(
        check(&labelled)
            .unwrap()
            .starts_with("selector.match_labels")
    );
}

#[tokio::test]
async fn virtual_services_are_namespaced_resources_with_events() {
    let db = quiet_db().await;
    let spec = service(&["reviews"], vec![route(vec![], vec![to("reviews", None)])]);
    let applied = db
        .virtual_services()
        .apply(
            Draft::new("web-vs", spec.clone()).in_namespace("prod"),
            None,
        )
        .await
        .unwrap();
    assert_eq!(applied.outcome, ApplyOutcome::Created);
    assert!(applied.object.id().starts_with("virtual_service-"));
    let again = db
        .virtual_services()
        .apply(Draft::new("web-vs", spec).in_namespace("prod"), None)
        .await
        .unwrap();
    assert_eq!(again.outcome, ApplyOutcome::Unchanged);
    let events = db.events().list(0, 100).await.unwrap();
    assert!(
        events
            .iter()
            .any(|e| e.event_type == "virtual_service.created")
    );
    let bad = db
        .virtual_services()
        .create(Draft::new("bad", service(&[], vec![])))
        .await
        .unwrap_err();
    assert_eq!(bad.code(), ErrorCode::InvalidRequest);
}

#[tokio::test]
async fn resolve_picks_the_most_specific_host_then_the_first_matching_rule() {
    let db = quiet_db().await;
    let vs = db.virtual_services();
    vs.create(Draft::new(
        "catch-all",
        service(
            &["*"],
            vec![route(vec![], vec![to("default-backend", None)])],
        ),
    ))
    .await
    .unwrap();
    vs.create(Draft::new(
        "wild",
        service(
            &["*.example.com"],
            vec![route(vec![], vec![to("wild", None)])],
        ),
    ))
    .await
    .unwrap();
    vs.create(Draft::new(
        "web",
        service(
            &["www.example.com"],
            vec![
                route(
                    vec![uri_prefix("/api")],
                    vec![
                        to("api", Some(90)),
                        to("api-canary", Some(10)),
                        to("off", Some(0)),
                    ],
                ),
                HttpRoute {
                    matches: vec![HttpMatch {
                        headers: [("x-beta".to_string(), StringMatch::Exact("1".into()))].into(),
                        ..HttpMatch::default()
                    }],
                    route: vec![to("beta", None)],
                    ..HttpRoute::default()
                },
                route(vec![], vec![to("web", None)]),
            ],
        ),
    ))
    .await
    .unwrap();
    let resolve = |host: &str, path: &str, headers: &[(&str, &str)]| {
        let db = db.clone();
        let request = RouteRequest {
            host: host.into(),
            path: path.into(),
            method: "GET".into(),
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..RouteRequest::default()
        };
        async move { db.mesh().resolve(&request).await.unwrap() }
    };
    let api = resolve("www.example.com:443", "/api/v1?x=1", &[])
        .await
        .unwrap();
    assert_eq!((api.virtual_service.2.as_str(), api.rule_index), ("web", 0));
    let shares: Vec<(String, f64)> = api
        .destinations
        .iter()
        .map(|(d, _, share)| (d.host.clone(), *share))
        .collect();
    assert_eq!(
        shares,
        [("api".to_string(), 90.0), ("api-canary".to_string(), 10.0)]
    );
    let beta = resolve("WWW.example.com", "/", &[("X-Beta", "1")])
        .await
        .unwrap();
    assert_eq!(beta.rule_index, 1);
    assert_eq!(
        resolve("www.example.com", "/", &[])
            .await
            .unwrap()
            .rule_index,
        2
    );
    assert_eq!(
        resolve("shop.example.com", "/", &[])
            .await
            .unwrap()
            .virtual_service
            .2,
        "wild"
    );
    assert_eq!(
        resolve("other.org", "/", &[])
            .await
            .unwrap()
            .virtual_service
            .2,
        "catch-all"
    );
    // A change is seen by the next resolve.
    let web = vs.get_by_name("web").await.unwrap();
    vs.delete(web.id(), None).await.unwrap();
    assert_eq!(
        resolve("www.example.com", "/api", &[])
            .await
            .unwrap()
            .virtual_service
            .2,
        "wild"
    );
    // A virtual service for a gateway only routes what comes through it.
    let mut gated = service(&["gated.io"], vec![route(vec![], vec![to("g", None)])]);
    gated.gateways = vec!["prod/edge".into()];
    vs.create(Draft::new("gated", gated)).await.unwrap();
    assert_eq!(
        resolve("gated.io", "/", &[])
            .await
            .unwrap()
            .virtual_service
            .2,
        "catch-all"
    );
    let through = db
        .mesh()
        .resolve(&RouteRequest {
            host: "gated.io".into(),
            path: "/".into(),
            gateway: Some("prod/edge".into()),
            ..RouteRequest::default()
        })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(through.virtual_service.2, "gated");
    // A bare gateway name is one of the service's own namespace (Istio's
    // reading): `edge` in `default` routes what comes through
    // `default/edge`, not `prod/edge`.
    let mut bare = service(&["bare.io"], vec![route(vec![], vec![to("b", None)])]);
    bare.gateways = vec!["edge".into()];
    vs.create(Draft::new("bare", bare)).await.unwrap();
    let through = |gateway: &str| {
        let db = &db;
        let gateway = gateway.to_string();
        async move {
            db.mesh()
                .resolve(&RouteRequest {
                    host: "bare.io".into(),
                    path: "/".into(),
                    gateway: Some(gateway),
                    ..RouteRequest::default()
                })
                .await
                .unwrap()
                .map(|r| r.virtual_service.2)
        }
    };
    assert_eq!(through("default/edge").await.as_deref(), Some("bare"));
    assert_ne!(through("prod/edge").await.as_deref(), Some("bare"));
}

fn request(principal: &str, path: &str) -> CheckRequest {
    CheckRequest {
        namespace: "default".into(),
        principal: principal.into(),
        host: "api".into(),
        method: "GET".into(),
        path: path.into(),
        ip: Some("10.1.2.3".parse().unwrap()),
        port: Some(8080),
        ..CheckRequest::default()
    }
}

#[tokio::test]
async fn checks_deny_before_allow_and_default_deny_once_an_allow_selects() {
    let db = quiet_db().await;
    let sp = db.security_policies();
    // No policy: allowed.
    let open = db
        .mesh()
        .check(&request("cluster.local/ns/web/sa/fe", "/"))
        .await
        .unwrap();
    assert!(open.allowed && open.deciding.is_none());
    sp.create(Draft::new(
        "allow-web",
        policy(
            PolicyAction::Allow,
            vec![Rule {
                from: vec![Source {
                    namespaces: vec!["web".into()],
                    ..Source::default()
                }],
                to: vec![Operation {
                    methods: vec!["GET".into()],
                    ..Operation::default()
                }],
                ..Rule::default()
            }],
        ),
    ))
    .await
    .unwrap();
    sp.create(Draft::new(
        "deny-admin",
        policy(
            PolicyAction::Deny,
            vec![Rule {
                to: vec![Operation {
                    paths: vec!["/admin*".into()],
                    ..Operation::default()
                }],
                when: vec![Condition {
                    key: "source.ip".into(),
                    values: vec![],
                    not_values: vec!["192.168.0.0/16".into()],
                }],
                ..Rule::default()
            }],
        ),
    ))
    .await
    .unwrap();
    sp.create(Draft::new(
        "audit-all",
        policy(PolicyAction::Audit, vec![Rule::default()]),
    ))
    .await
    .unwrap();
    let check = |r: CheckRequest| {
        let db = db.clone();
        async move { db.mesh().check(&r).await.unwrap() }
    };
    let allowed = check(request("cluster.local/ns/web/sa/fe", "/items")).await;
    assert!(allowed.allowed);
    assert_eq!(allowed.deciding.as_ref().unwrap().1, "allow-web");
    assert_eq!(
        allowed.audited,
        [("default".to_string(), "audit-all".to_string())]
    );
    let denied = check(request("cluster.local/ns/web/sa/fe", "/admin/users")).await;
    assert!(!denied.allowed);
    assert_eq!(denied.deciding.as_ref().unwrap().1, "deny-admin");
    let stranger = check(request("cluster.local/ns/other/sa/x", "/items")).await;
    assert!(
        !stranger.allowed && stranger.deciding.is_none(),
        "{stranger:?}"
    );
    let mut inside = request("cluster.local/ns/web/sa/fe", "/admin");
    inside.ip = Some("192.168.1.1".parse().unwrap());
    assert!(check(inside).await.allowed);
    // Policies of another namespace do not apply.
    let mut elsewhere = request("x", "/admin");
    elsewhere.namespace = "prod".into();
    assert!(check(elsewhere).await.allowed);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whatever the weights, resolve lists no weight-0 destination and the
    /// shares add up to 100.
    #[test]
    fn resolve_never_offers_a_weight_zero_destination(weights in proptest::collection::vec(proptest::option::of(0u32..=100), 1..6)) {
        let destinations: Vec<RouteDestination> = weights
            .iter()
            .enumerate()
            .map(|(i, w)| to(&format!("d{i}"), *w))
            .collect();
        let spec = service(&["h"], vec![route(vec![], destinations)]);
        prop_assume!(clusterdb::mesh::rules::check_virtual_service(&spec).is_ok());
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let db = quiet_db().await;
            db.virtual_services().create(Draft::new("vs", spec)).await.unwrap();
            let resolved = db
                .mesh()
                .resolve(&RouteRequest { host: "h".into(), path: "/".into(), ..RouteRequest::default() })
                .await
                .unwrap()
                .unwrap();
            let effective = clusterdb::mesh::effective_weights(&resolved.rule.route);
            for (destination, weight, _) in &resolved.destinations {
                let i: usize = destination.host[1..].parse().unwrap();
                prop_assert!(*weight > 0 && effective[i] == *weight);
            }
            let total: f64 = resolved.destinations.iter().map(|d| d.2).sum();
            prop_assert!((total - 100.0).abs() < 1e-9);
            Ok(())
        })?;
    }

    /// A matching DENY policy decides, whatever ALLOW policies say.
    #[test]
    fn deny_always_beats_allow(allows in 0usize..4, paths in proptest::collection::vec("/[a-c]{0,2}", 1..4)) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let db = quiet_db().await;
            for i in 0..allows {
                db.security_policies()
                    .create(Draft::new(format!("allow-{i}"), policy(PolicyAction::Allow, vec![Rule::default()])))
                    .await
                    .unwrap();
            }
            let deny = policy(
                PolicyAction::Deny,
                vec![Rule {
                    to: vec![Operation { paths: paths.clone(), ..Operation::default() }],
                    ..Rule::default()
                }],
            );
            db.security_policies().create(Draft::new("deny", deny)).await.unwrap();
            for path in &paths {
                let decision = db.mesh().check(&request("p", path)).await.unwrap();
                prop_assert!(!decision.allowed);
                prop_assert_eq!(decision.deciding.unwrap().2, PolicyAction::Deny);
            }
            Ok(())
        })?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Applying the same document twice changes nothing the second time:
    /// no write, no event, the same version.
    #[test]
    fn apply_is_idempotent(
        vs in clusterdb::mesh::arbitrary::virtual_service_spec(),
        sp in clusterdb::mesh::arbitrary::security_policy_spec(),
    ) {
        prop_assert!(clusterdb::mesh::rules::check_virtual_service(&vs).is_ok(), "{vs:?}");
        prop_assert!(clusterdb::mesh::rules::check_security_policy(&sp).is_ok(), "{sp:?}");
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let db = quiet_db().await;
            let first = db.virtual_services().apply(Draft::new("vs", vs.clone()), None).await.unwrap();
            db.security_policies().apply(Draft::new("sp", sp.clone()), None).await.unwrap();
            let head = db.events().current_revision().await.unwrap();
            let again = db.virtual_services().apply(Draft::new("vs", vs), None).await.unwrap();
            let policy = db.security_policies().apply(Draft::new("sp", sp), None).await.unwrap();
            prop_assert_eq!(again.outcome, ApplyOutcome::Unchanged);
            prop_assert_eq!(policy.outcome, ApplyOutcome::Unchanged);
            prop_assert_eq!(again.object.resource_version(), first.object.resource_version());
            prop_assert_eq!(db.events().current_revision().await.unwrap(), head);
            Ok(())
        })?;
    }
}
