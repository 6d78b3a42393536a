//! The one authorization policy: who may do what to which kind. REST and
//! gRPC both ask [`authorize`]; an embedding application may too.
//!
//! | kinds | area | read | write |
//! |---|---|---|---|
//! | `fleet`, `instance`, `function` (incl. invoke) | `compute` | viewer | editor |
//! | `virtual_service`, `security_policy` | `mesh` | viewer | editor |
//! | `metric`, `alertrule`, `alert`, `silence` | `monitoring` | viewer | editor |
//! | `user`, `group` | `identity` | viewer | admin |
//! | `apikey`, `oauthclient` (credentials) | `identity` | admin (scope `identity:write`) | admin |
//! | `webhook` (secrets) | `webhooks` | admin | admin |
//! | anything else | — | admin | admin |
//!
//! Roles nest: `admin` ⊇ `editor` ⊇ `viewer`. A user holds the roles bound
//! to it and to its groups. An OAuth client holds scopes instead:
//! `<area>:read` or `<area>:write` (write includes read; `identity:admin`
//! is `identity:write`). `identity:read` reads what a viewer reads of
//! identity — users and groups, not API keys or OAuth clients;
//! `identity:write` also reads those and writes every identity kind. A user
//! may always list, create and revoke their own API keys
//! ([`authorize_own_keys`]).
//!
//! **No principal grants what it does not hold** ([`authorize_grant`]):
//! a write that makes or changes a credential — a user's roles or state,
//! a group's roles or members, an API key, an OAuth client's scopes or
//! secret — is allowed only if the caller holds every permission the
//! credential carries, before and after the write (Kubernetes' `escalate`
//! and `bind` checks). An admin holds all; an `identity:write` client can
//! manage only principals no stronger than its own scopes.
use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// A built-in role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Role {
    /// Reads everything but secrets.
    Viewer,
    /// Viewer, plus writes compute, mesh and monitoring.
    Editor,
    /// Everything, including identity, API keys and webhooks.
    Admin,
}

impl Role {
    /// Every role, weakest first.
    pub const ALL: [Role; 3] = [Role::Viewer, Role::Editor, Role::Admin];

    /// The API's name: `viewer`, `editor`, `admin`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Editor => "editor",
            Role::Admin => "admin",
        }
    }

    /// The role called `name`.
    pub fn parse(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == name)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a request does to a kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    /// Get, list, watch.
    Read,
    /// Create, update, delete, lifecycle actions, invoke.
    Write,
}

impl Verb {
    /// `read` or `write`, as in scopes.
    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Read => "read",
            Verb::Write => "write",
        }
    }
}

/// A group of kinds that scopes name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    /// Fleets, instances, functions.
    Compute,
    /// Virtual services, security policies.
    Mesh,
    /// Metrics, alert rules, alerts, silences.
    Monitoring,
    /// Webhook endpoints.
    Webhooks,
    /// Users, groups, API keys, OAuth clients.
    Identity,
    /// The server's own metrics (`GET /metrics`).
    Metrics,
}

/// The pseudo-kind the policy names for the server's metrics exposition.
pub const METRICS: &str = "metrics";

impl Area {
    /// Every area.
    pub const ALL: [Area; 6] = [
        Area::Compute,
        Area::Mesh,
        Area::Monitoring,
        Area::Webhooks,
        Area::Identity,
        Area::Metrics,
    ];

    /// The scope prefix, e.g. `compute`.
    pub fn as_str(self) -> &'static str {
        match self {
            Area::Compute => "compute",
            Area::Mesh => "mesh",
            Area::Monitoring => "monitoring",
            Area::Webhooks => "webhooks",
            Area::Identity => "identity",
            Area::Metrics => "metrics",
        }
    }
}

/// The policy's row for one kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// The area its scopes name (`None`: only admins, no scope).
    pub area: Option<Area>,
    /// The least role that reads it.
    pub read: Role,
    /// The least role that writes it.
    pub write: Role,
    /// The scope verb that reads it: `Read`, or `Write` for credentials a
    /// viewer may not see (API keys, OAuth clients).
    pub read_scope: Verb,
}

/// The policy table: the kinds of each row and the row (see the module
/// documentation). A kind in no row is admin-only ([`OTHER`]).
const TABLE: &[(&[&str], Rule)] = &[
    (
        &["fleet", "instance", "function"],
        Rule::of(Area::Compute, Role::Viewer, Role::Editor),
    ),
    (
        &["virtual_service", "security_policy"],
        Rule::of(Area::Mesh, Role::Viewer, Role::Editor),
    ),
    (
        &["metric", "alertrule", "alert", "silence"],
        Rule::of(Area::Monitoring, Role::Viewer, Role::Editor),
    ),
    (
        &["user", "group"],
        Rule::of(Area::Identity, Role::Viewer, Role::Admin),
    ),
    (
        &["apikey", "oauthclient"],
        Rule {
            read_scope: Verb::Write,
            ..Rule::of(Area::Identity, Role::Admin, Role::Admin)
        },
    ),
    (
        &["webhook"],
        Rule::of(Area::Webhooks, Role::Admin, Role::Admin),
    ),
    (
        &[METRICS],
        Rule::of(Area::Metrics, Role::Viewer, Role::Admin),
    ),
];

/// The row of every kind the table does not name: admins only.
const OTHER: Rule = Rule {
    area: None,
    read: Role::Admin,
    write: Role::Admin,
    read_scope: Verb::Read,
};

impl Rule {
    const fn of(area: Area, read: Role, write: Role) -> Rule {
        Rule {
            area: Some(area),
            read,
            write,
            read_scope: Verb::Read,
        }
    }

    /// Whether a principal holding `principal`'s roles or scopes passes
    /// this row for `verb`.
    fn allows(&self, principal: &Principal, verb: Verb) -> bool {
        match &principal.scopes {
            Some(_) => self.area.is_some_and(|area| {
                let needed = match verb {
                    Verb::Read => self.read_scope,
                    Verb::Write => Verb::Write,
                };
                principal.has_scope(area, needed)
            }),
            None => principal.has_role(match verb {
                Verb::Read => self.read,
                Verb::Write => self.write,
            }),
        }
    }
}

/// Every kind the policy table names, in its order (a kind it does not
/// name is admin-only).
pub fn policy_kinds() -> impl Iterator<Item = &'static str> {
    TABLE.iter().flat_map(|(kinds, _)| kinds.iter().copied())
}

/// The policy's row for `kind` (see the module documentation).
pub fn rule(kind: &str) -> Rule {
    TABLE
        .iter()
        .find(|(kinds, _)| kinds.contains(&kind))
        .map_or(OTHER, |(_, rule)| *rule)
}

/// Who is calling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The user id (`user-…`) or OAuth client id; recorded as the actor of
    /// its writes.
    pub id: String,
    /// Roles (users): bound directly and through groups.
    pub roles: BTreeSet<Role>,
    /// Scopes (OAuth clients): when set, they decide instead of roles.
    pub scopes: Option<BTreeSet<String>>,
}

impl Principal {
    /// A user with these roles.
    pub fn user(id: impl Into<String>, roles: impl IntoIterator<Item = Role>) -> Principal {
        Principal {
            id: id.into(),
            roles: roles.into_iter().collect(),
            scopes: None,
        }
    }

    /// An OAuth client with these scopes.
    pub fn client(id: impl Into<String>, scopes: impl IntoIterator<Item = String>) -> Principal {
        Principal {
            id: id.into(),
            roles: BTreeSet::new(),
            scopes: Some(scopes.into_iter().collect()),
        }
    }

    /// Whether it holds `role` (or a stronger one).
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.iter().any(|held| *held >= role)
    }

    fn has_scope(&self, area: Area, verb: Verb) -> bool {
        let Some(scopes) = &self.scopes else {
            return false;
        };
        let has = |s: &str| scopes.contains(&format!("{}:{s}", area.as_str()));
        match verb {
            Verb::Read => has("read") || has("write") || has("admin"),
            Verb::Write => has("write") || has("admin"),
        }
    }
}

/// Whether `principal` may `verb` resources of `kind`: `PERMISSION_DENIED`
/// naming what is missing if not.
pub fn authorize(principal: &Principal, kind: &str, verb: Verb) -> Result<()> {
    let rule = rule(kind);
    if rule.allows(principal, verb) {
        return Ok(());
    }
    let needs = match (&principal.scopes, rule.area) {
        (Some(_), Some(area)) => {
            let scope_verb = match verb {
                Verb::Read => rule.read_scope,
                Verb::Write => Verb::Write,
            };
            format!("the scope {}:{}", area.as_str(), scope_verb.as_str())
        }
        (Some(_), None) => "a user with the admin role".to_string(),
        (None, _) => format!(
            "the {} role",
            match verb {
                Verb::Read => rule.read,
                Verb::Write => rule.write,
            }
        ),
    };
    Err(Error::PermissionDenied(format!(
        "{} may not {} {kind} resources: that needs {needs}",
        principal.id,
        verb.as_str()
    )))
}

/// Whether `principal` may manage the API keys of user `owner`: their own
/// always (a user, not a client), anyone's as an admin.
pub fn authorize_own_keys(principal: &Principal, owner: &str, verb: Verb) -> Result<()> {
    if principal.scopes.is_none() && principal.id == owner {
        return Ok(());
    }
    authorize(principal, "apikey", verb)
}

/// Every permission the policy distinguishes: one (row, verb) pair per
/// row of the table and per verb, the admin-only row included.
fn permissions() -> impl Iterator<Item = (Rule, &'static str, Verb)> {
    TABLE
        .iter()
        .map(|(kinds, rule)| (*rule, kinds[0]))
        .chain(std::iter::once((OTHER, "any other")))
        .flat_map(|(rule, kind)| [Verb::Read, Verb::Write].map(|verb| (rule, kind, verb)))
}

/// Whether `caller` holds every permission `granted` carries: the rule
/// that no principal grants what it does not hold. `granted` stands for
/// the credential a write makes or changes — a user with its roles, the
/// members of a group with its roles, an API key with its user's roles,
/// an OAuth client with its scopes. `PERMISSION_DENIED` naming the first
/// permission the caller lacks.
pub fn authorize_grant(caller: &Principal, granted: &Principal, what: &str) -> Result<()> {
    for (rule, kind, verb) in permissions() {
        if rule.allows(granted, verb) && !rule.allows(caller, verb) {
            return Err(Error::PermissionDenied(format!(
                "{} may not grant {what}: it carries the permission to {} {kind} resources, \
                 which {} does not hold itself",
                caller.id,
                verb.as_str(),
                caller.id
            )));
        }
    }
    Ok(())
}

/// What an identity object gives whoever holds it, for
/// [`authorize_grant`] ([`crate::Kind::confers`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confers {
    /// Nothing (every kind but the identity kinds).
    Nothing,
    /// A user's authority: its own roles and its groups', whether or not
    /// it is active now (it may be enabled later).
    User {
        /// The user id.
        id: String,
        /// Roles bound to it directly.
        roles: BTreeSet<Role>,
    },
    /// Roles every member of a group holds.
    Roles(BTreeSet<Role>),
    /// The whole authority of the user with this id (its API key).
    CredentialOf(String),
    /// An OAuth client's scopes.
    Scopes(BTreeSet<String>),
}

/// Every scope a client may be granted.
pub fn known_scopes() -> Vec<String> {
    let mut scopes = Vec::new();
    for area in Area::ALL {
        scopes.push(format!("{}:read", area.as_str()));
        scopes.push(format!("{}:write", area.as_str()));
    }
    scopes.push("identity:admin".into());
    scopes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_nest_and_follow_the_table() {
        let viewer = Principal::user("user-v", [Role::Viewer]);
        let editor = Principal::user("user-e", [Role::Editor]);
        let admin = Principal::user("user-a", [Role::Admin]);
        let nobody = Principal::user("user-n", []);
        let cases = [
            ("fleet", Verb::Read, [false, true, true, true]),
            ("fleet", Verb::Write, [false, false, true, true]),
            ("function", Verb::Write, [false, false, true, true]),
            ("user", Verb::Read, [false, true, true, true]),
            ("user", Verb::Write, [false, false, false, true]),
            ("group", Verb::Write, [false, false, false, true]),
            ("apikey", Verb::Read, [false, false, false, true]),
            ("webhook", Verb::Read, [false, false, false, true]),
            (METRICS, Verb::Read, [false, true, true, true]),
            ("something-new", Verb::Read, [false, false, false, true]),
        ];
        for (kind, verb, expected) in cases {
            let got = [&nobody, &viewer, &editor, &admin].map(|p| authorize(p, kind, verb).is_ok());
            assert_eq!(got, expected, "{kind} {verb:?}");
        }
        let err = authorize(&viewer, "fleet", Verb::Write).unwrap_err();
        assert_eq!(err.code(), crate::ErrorCode::PermissionDenied);
        assert!(err.to_string().contains("editor"), "{err}");
    }

    #[test]
    fn scopes_decide_for_clients() {
        let client = Principal::client("app", ["compute:write".to_string()]);
        assert!(authorize(&client, "fleet", Verb::Read).is_ok());
        assert!(authorize(&client, "instance", Verb::Write).is_ok());
        assert!(authorize(&client, "virtual_service", Verb::Read).is_err());
        assert!(authorize(&client, "unknown", Verb::Read).is_err());
        let identity = Principal::client("ops", ["identity:admin".to_string()]);
        assert!(authorize(&identity, "user", Verb::Write).is_ok());
        let reader = Principal::client("dash", ["compute:read".to_string()]);
        let err = authorize(&reader, "fleet", Verb::Write).unwrap_err();
        assert!(err.to_string().contains("compute:write"), "{err}");
    }

    #[test]
    fn identity_read_reads_what_a_viewer_reads() {
        let reader = Principal::client("dash", ["identity:read".to_string()]);
        let viewer = Principal::user("user-v", [Role::Viewer]);
        for kind in ["user", "group", "apikey", "oauthclient"] {
            assert_eq!(
                authorize(&reader, kind, Verb::Read).is_ok(),
                authorize(&viewer, kind, Verb::Read).is_ok(),
                "{kind}"
            );
        }
        let err = authorize(&reader, "apikey", Verb::Read).unwrap_err();
        assert!(err.to_string().contains("identity:write"), "{err}");
        let writer = Principal::client("ops", ["identity:write".to_string()]);
        assert!(authorize(&writer, "oauthclient", Verb::Read).is_ok());
    }

    #[test]
    fn nobody_grants_what_it_lacks() {
        let admin = Principal::user("user-a", [Role::Admin]);
        let editor = Principal::user("user-e", [Role::Editor]);
        let viewer = Principal::user("user-v", [Role::Viewer]);
        let client = |scopes: &[&str]| Principal::client("c", scopes.iter().map(|s| s.to_string()));
        let ops = client(&["identity:write"]);
        let ops_compute = client(&["identity:write", "compute:write"]);
        let cases: [(&Principal, &Principal, bool); 11] = [
            (&admin, &admin, true),
            (&admin, &ops, true),
            (&editor, &viewer, true),
            (&viewer, &editor, false),
            (&ops, &admin, false),
            (&ops, &viewer, false),
            (&ops, &Principal::user("user-n", []), true),
            (&ops, &ops, true),
            (&ops, &ops_compute, false),
            (&ops_compute, &client(&["compute:read"]), true),
            (&ops_compute, &client(&["webhooks:write"]), false),
        ];
        for (caller, granted, allowed) in cases {
            assert_eq!(
                authorize_grant(caller, granted, "it").is_ok(),
                allowed,
                "{caller:?} granting {granted:?}"
            );
        }
        let err = authorize_grant(&ops, &admin, "an API key of user-a").unwrap_err();
        assert_eq!(err.code(), crate::ErrorCode::PermissionDenied);
        assert!(err.to_string().contains("an API key of user-a"), "{err}");
    }

    #[test]
    fn own_keys_need_no_admin() {
        let viewer = Principal::user("user-v", [Role::Viewer]);
        assert!(authorize_own_keys(&viewer, "user-v", Verb::Write).is_ok());
        assert!(authorize_own_keys(&viewer, "user-x", Verb::Read).is_err());
        let admin = Principal::user("user-a", [Role::Admin]);
        assert!(authorize_own_keys(&admin, "user-x", Verb::Write).is_ok());
        let client = Principal::client("user-v", ["identity:read".to_string()]);
        assert!(authorize_own_keys(&client, "user-v", Verb::Write).is_err());
    }
}
