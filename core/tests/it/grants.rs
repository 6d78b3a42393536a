//! No principal grants what it does not hold: identity writes through a
//! handle acting for a principal (`ClusterDb::acting_for`, as the servers
//! make one per request) never make or change a credential that carries a
//! permission the principal lacks — checked case by case, and as a
//! property over random sequences of identity operations.

use std::collections::BTreeSet;

use clusterdb::identity::{
    GroupSpec, OAuthClientKind, OAuthClientSpec, Principal, Role, UserSpec, UserState, Verb,
    authorize, authorize_grant,
};
use clusterdb::{ClusterDb, Draft, ErrorCode, ListOptions};

use crate::support::db;

fn scopes(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn user(name: &str, roles: &[Role]) -> Draft<UserSpec> {
    Draft::new(
        name,
        UserSpec {
            roles: roles.iter().copied().collect(),
            ..UserSpec::default()
        },
    )
}

fn client(name: &str, owner: &str, granted: &[&str]) -> Draft<OAuthClientSpec> {
    Draft::new(
        name,
        OAuthClientSpec {
            description: String::new(),
            owner: owner.to_string(),
            scopes: scopes(granted),
        },
    )
}

fn denied<T: std::fmt::Debug>(result: clusterdb::Result<T>) {
    let err = result.unwrap_err();
    assert_eq!(err.code(), ErrorCode::PermissionDenied, "{err}");
}

/// The red team's escalation, step by step: a client with only
/// `identity:write` can neither mint the admin's key, nor a client with
/// scopes it lacks, nor widen its own scopes, nor touch the admin — but
/// it can manage principals no stronger than itself.
#[tokio::test]
async fn an_identity_writer_cannot_make_itself_admin() {
    let db = db().await;
    let admin = db
        .users()
        .create(user("root", &[Role::Admin]))
        .await
        .unwrap();
    let admins = db
        .groups()
        .create(Draft::new(
            "admins",
            GroupSpec {
                roles: [Role::Admin].into(),
                ..GroupSpec::default()
            },
        ))
        .await
        .unwrap();
    let made = db
        .identity()
        .create_oauth_client(client("ops", admin.id(), &["identity:write"]))
        .await
        .unwrap();
    let ops = db.acting_for(Principal::client(
        made.client.id(),
        scopes(&["identity:write"]),
    ));

    denied(
        ops.identity()
            .create_api_key(admin.id(), "mine", None)
            .await,
    );
    denied(
        ops.identity()
            .create_oauth_client(client("wider", admin.id(), &["webhooks:write"]))
            .await,
    );
    let mut wider = made.client.spec.clone();
    wider.scopes.insert("webhooks:write".into());
    denied(
        ops.resources::<clusterdb::identity::OAuthClientKind>()
            .update(made.client.id(), Draft::new("ops", wider), None)
            .await,
    );
    denied(ops.users().create(user("sock", &[Role::Viewer])).await);
    let mut disabled = admin.spec.clone();
    disabled.state = UserState::Disabled;
    denied(
        ops.users()
            .update(admin.id(), Draft::new("root", disabled), None)
            .await,
    );
    denied(ops.users().delete(admin.id(), None).await);

    // A user of its own with no roles, put in the admins group, then keyed:
    // the group step is refused.
    let puppet = ops.users().create(user("puppet", &[])).await.unwrap();
    denied(ops.groups().add_member(admins.id(), puppet.id()).await);
    let key = ops
        .identity()
        .create_api_key(puppet.id(), "k", None)
        .await
        .unwrap();
    let holder = db
        .identity()
        .authenticate_api_key(&key.secret)
        .await
        .unwrap();
    assert!(holder.roles.is_empty(), "{holder:?}");
    // A client no wider than itself is fine, and so is a new secret for it.
    let same = ops
        .identity()
        .create_oauth_client(client("same", admin.id(), &["identity:write"]))
        .await
        .unwrap();
    ops.identity()
        .reset_oauth_client_secret(same.client.id())
        .await
        .unwrap();
    // Trusted handles (embedded use, the server itself) are not bound.
    db.identity()
        .create_api_key(admin.id(), "by-the-app", None)
        .await
        .unwrap();
}

/// A user may manage its own keys whatever its roles; a viewer cannot
/// mint an editor's.
#[tokio::test]
async fn users_key_themselves_but_no_one_stronger() {
    let db = db().await;
    let editor = db
        .users()
        .create(user("ed", &[Role::Editor]))
        .await
        .unwrap();
    let viewer = db
        .users()
        .create(user("vi", &[Role::Viewer]))
        .await
        .unwrap();
    let as_viewer = db.acting_for(Principal::user(viewer.id(), [Role::Viewer]));
    let own = as_viewer
        .identity()
        .create_api_key(viewer.id(), "own", None)
        .await
        .unwrap();
    as_viewer
        .identity()
        .revoke_api_key(viewer.id(), own.key.id())
        .await
        .unwrap();
    denied(
        as_viewer
            .identity()
            .create_api_key(editor.id(), "theirs", None)
            .await,
    );
    let as_editor = db.acting_for(Principal::user(editor.id(), [Role::Editor]));
    as_editor
        .identity()
        .create_api_key(viewer.id(), "weaker", None)
        .await
        .unwrap();
}

/// Kinds and verbs that stand for every row of the policy table.
const PROBES: [&str; 8] = [
    "fleet",
    "virtual_service",
    "alertrule",
    "user",
    "apikey",
    "webhook",
    "metrics",
    "anything-else",
];

/// The (kind, verb) permissions `principal` holds, over [`PROBES`].
fn permissions(principal: &Principal) -> BTreeSet<(&'static str, &'static str)> {
    PROBES
        .iter()
        .flat_map(|kind| [(*kind, Verb::Read), (*kind, Verb::Write)])
        .filter(|(kind, verb)| authorize(principal, kind, *verb).is_ok())
        .map(|(kind, verb)| (kind, verb.as_str()))
        .collect()
}

/// Every user's permissions (its roles and its groups'), active or not.
async fn user_permissions(
    db: &ClusterDb,
) -> std::collections::BTreeMap<String, BTreeSet<(&'static str, &'static str)>> {
    let all = ListOptions::default().page_size(1000);
    let groups = db.groups().list(&all).await.unwrap().items;
    let mut out = std::collections::BTreeMap::new();
    for user in db.users().list(&all).await.unwrap().items {
        let mut roles = user.spec.roles.clone();
        for group in groups.iter().filter(|g| g.spec.members.contains(user.id())) {
            roles.extend(group.spec.roles.iter().copied());
        }
        out.insert(
            user.id().to_string(),
            permissions(&Principal::user(user.id(), roles)),
        );
    }
    out
}

mod property {
    use proptest::prelude::*;

    use super::*;

    const ROLES: [Role; 3] = [Role::Viewer, Role::Editor, Role::Admin];
    const SCOPES: [&str; 8] = [
        "identity:write",
        "identity:read",
        "compute:write",
        "compute:read",
        "mesh:write",
        "webhooks:write",
        "monitoring:read",
        "metrics:read",
    ];

    #[derive(Debug, Clone)]
    enum Op {
        CreateUser(u8),
        SetRoles(usize, u8),
        SetDisabled(usize, bool),
        CreateGroup(u8, usize),
        SetGroupRoles(usize, u8),
        AddMember(usize, usize),
        RemoveMember(usize, usize),
        CreateKey(usize),
        RevokeKeys(usize),
        CreateClient(u8),
        SetScopes(usize, u8),
        ResetSecret(usize),
        DeleteUser(usize),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            any::<u8>().prop_map(Op::CreateUser),
            (any::<usize>(), any::<u8>()).prop_map(|(u, r)| Op::SetRoles(u, r)),
            (any::<usize>(), any::<bool>()).prop_map(|(u, d)| Op::SetDisabled(u, d)),
            (any::<u8>(), any::<usize>()).prop_map(|(r, u)| Op::CreateGroup(r, u)),
            (any::<usize>(), any::<u8>()).prop_map(|(g, r)| Op::SetGroupRoles(g, r)),
            (any::<usize>(), any::<usize>()).prop_map(|(g, u)| Op::AddMember(g, u)),
            (any::<usize>(), any::<usize>()).prop_map(|(g, u)| Op::RemoveMember(g, u)),
            any::<usize>().prop_map(Op::CreateKey),
            any::<usize>().prop_map(Op::RevokeKeys),
            any::<u8>().prop_map(Op::CreateClient),
            (any::<usize>(), any::<u8>()).prop_map(|(c, s)| Op::SetScopes(c, s)),
            any::<usize>().prop_map(Op::ResetSecret),
            any::<usize>().prop_map(Op::DeleteUser),
        ]
    }

    /// A non-admin caller: a client with random scopes, or a user that is
    /// at most an editor.
    fn caller() -> impl Strategy<Value = Principal> {
        prop_oneof![
            any::<u8>().prop_map(|bits| Principal::client("oauthclient-caller", scope_set(bits))),
            (0usize..3).prop_map(|n| Principal::user("user-caller", ROLES[..n].to_vec())),
        ]
    }

    fn role_set(bits: u8) -> BTreeSet<Role> {
        ROLES
            .iter()
            .enumerate()
            .filter(|(i, _)| bits & (1 << i) != 0)
            .map(|(_, r)| *r)
            .collect()
    }

    fn scope_set(bits: u8) -> BTreeSet<String> {
        SCOPES
            .iter()
            .enumerate()
            .filter(|(i, _)| bits & (1 << i) != 0)
            .map(|(_, s)| s.to_string())
            .collect()
    }

    fn pick<T: Clone>(list: &[T], index: usize) -> Option<T> {
        (!list.is_empty()).then(|| list[index % list.len()].clone())
    }

    /// What an admin set up before the caller acts.
    struct Setup {
        users: Vec<String>,
        groups: Vec<String>,
        clients: Vec<String>,
    }

    async fn setup(db: &ClusterDb) -> Setup {
        let setup = [
            ("root", &[Role::Admin][..]),
            ("ed", &[Role::Editor][..]),
            ("vi", &[Role::Viewer][..]),
            ("nobody", &[][..]),
        ];
        let mut users = Vec::new();
        for (name, roles) in setup {
            users.push(
                db.users()
                    .create(user(name, roles))
                    .await
                    .unwrap()
                    .id()
                    .to_string(),
            );
        }
        let mut groups = Vec::new();
        for (name, roles) in [("admins", 4u8), ("viewers", 1), ("plain", 0)] {
            let spec = GroupSpec {
                roles: role_set(roles),
                ..GroupSpec::default()
            };
            groups.push(
                db.groups()
                    .create(Draft::new(name, spec))
                    .await
                    .unwrap()
                    .id()
                    .to_string(),
            );
        }
        let clients = vec![
            db.identity()
                .create_oauth_client(client(
                    "wide",
                    &users[0],
                    &["compute:write", "webhooks:write"],
                ))
                .await
                .unwrap()
                .client
                .id()
                .to_string(),
        ];
        Setup {
            users,
            groups,
            clients,
        }
    }

    /// Runs `ops` as `caller`; returns the secrets the caller was handed.
    async fn run(
        db: &ClusterDb,
        setup: Setup,
        caller: &Principal,
        ops: &[Op],
    ) -> (Vec<String>, Vec<(String, String)>) {
        let Setup {
            mut users,
            mut groups,
            mut clients,
        } = setup;
        let acting = db.acting_for(caller.clone());
        let mut keys = Vec::new();
        let mut client_secrets = Vec::new();
        for (n, op) in ops.iter().enumerate() {
            match op.clone() {
                Op::CreateUser(bits) => {
                    if let Ok(made) = acting
                        .users()
                        .create(user(
                            &format!("u{n}"),
                            &role_set(bits).into_iter().collect::<Vec<_>>(),
                        ))
                        .await
                    {
                        users.push(made.id().to_string());
                    }
                }
                Op::SetRoles(u, _) | Op::SetDisabled(u, _) => {
                    let id = pick(&users, u).unwrap();
                    let Ok(current) = db.users().get(&id).await else {
                        continue;
                    };
                    let mut spec = current.spec.clone();
                    match op {
                        Op::SetRoles(_, bits) => spec.roles = role_set(*bits),
                        Op::SetDisabled(_, disabled) => {
                            spec.state = if *disabled {
                                UserState::Disabled
                            } else {
                                UserState::Active
                            }
                        }
                        _ => unreachable!(),
                    }
                    let _ = acting
                        .users()
                        .update(&id, Draft::new(current.name(), spec), None)
                        .await;
                }
                Op::CreateGroup(bits, u) => {
                    let mut spec = GroupSpec {
                        roles: role_set(bits),
                        ..GroupSpec::default()
                    };
                    if let Some(member) = pick(&users, u) {
                        spec.members.insert(member);
                    }
                    if let Ok(made) = acting
                        .groups()
                        .create(Draft::new(format!("g{n}"), spec))
                        .await
                    {
                        groups.push(made.id().to_string());
                    }
                }
                Op::SetGroupRoles(g, bits) => {
                    let id = pick(&groups, g).unwrap();
                    let Ok(current) = db.groups().get(&id).await else {
                        continue;
                    };
                    let mut spec = current.spec.clone();
                    spec.roles = role_set(bits);
                    let _ = acting
                        .groups()
                        .update(&id, Draft::new(current.name(), spec), None)
                        .await;
                }
                Op::AddMember(g, u) | Op::RemoveMember(g, u) => {
                    let (Some(group), Some(member)) = (pick(&groups, g), pick(&users, u)) else {
                        continue;
                    };
                    let _ = match op {
                        Op::AddMember(..) => acting.groups().add_member(&group, &member).await,
                        _ => acting.groups().remove_member(&group, &member).await,
                    };
                }
                Op::CreateKey(u) => {
                    let Some(owner) = pick(&users, u) else {
                        continue;
                    };
                    if let Ok(made) = acting
                        .identity()
                        .create_api_key(&owner, &format!("k{n}"), None)
                        .await
                    {
                        keys.push(made.secret);
                    }
                }
                Op::RevokeKeys(u) => {
                    let Some(owner) = pick(&users, u) else {
                        continue;
                    };
                    let Ok(page) = db
                        .identity()
                        .api_keys_of(&owner, &ListOptions::default())
                        .await
                    else {
                        continue;
                    };
                    for key in page.items {
                        let _ = acting.identity().revoke_api_key(&owner, key.id()).await;
                    }
                }
                Op::CreateClient(bits) => {
                    let granted: Vec<String> = scope_set(bits).into_iter().collect();
                    let granted: Vec<&str> = granted.iter().map(String::as_str).collect();
                    if let Ok(made) = acting
                        .identity()
                        .create_oauth_client(client(&format!("c{n}"), &users[0], &granted))
                        .await
                    {
                        clients.push(made.client.id().to_string());
                        client_secrets.push((made.client.id().to_string(), made.secret));
                    }
                }
                Op::SetScopes(c, bits) => {
                    let id = pick(&clients, c).unwrap();
                    let Ok(current) = db.resources::<OAuthClientKind>().get(&id).await else {
                        continue;
                    };
                    let mut spec = current.spec.clone();
                    spec.scopes = scope_set(bits);
                    let _ = acting
                        .resources::<OAuthClientKind>()
                        .update(&id, Draft::new(current.name(), spec), None)
                        .await;
                }
                Op::ResetSecret(c) => {
                    let id = pick(&clients, c).unwrap();
                    if let Ok(made) = acting.identity().reset_oauth_client_secret(&id).await {
                        client_secrets.push((id, made.secret));
                    }
                }
                Op::DeleteUser(u) => {
                    let Some(id) = pick(&users, u) else { continue };
                    let _ = acting.users().delete(&id, None).await;
                }
            }
        }
        (keys, client_secrets)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        /// Whatever a non-admin does, every credential it was handed, and
        /// every user and client in the store, carries no permission the
        /// caller lacks beyond what it carried before.
        #[test]
        fn no_sequence_of_identity_writes_escalates(
            caller in caller(),
            ops in proptest::collection::vec(op(), 1..14),
        ) {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(async {
                let db = db().await;
                let setup = setup(&db).await;
                let before_users = user_permissions(&db).await;
                let (keys, client_secrets) = run(&db, setup, &caller, &ops).await;
                let held = permissions(&caller);
                for key in &keys {
                    if let Ok(holder) = db.identity().authenticate_api_key(key).await {
                        prop_assert!(authorize_grant(&caller, &holder, "a key").is_ok(),
                            "{caller:?} obtained a key of {holder:?}");
                    }
                }
                for (id, secret) in &client_secrets {
                    if let Ok(made) = db.identity().authenticate_client(id, secret).await {
                        let holder = Principal::client(made.id(), made.spec.scopes.clone());
                        prop_assert!(authorize_grant(&caller, &holder, "a client").is_ok(),
                            "{caller:?} obtained the secret of {holder:?}");
                    }
                }
                for (id, now) in user_permissions(&db).await {
                    let before = before_users.get(&id).cloned().unwrap_or_default();
                    let gained: Vec<_> = now.difference(&before).filter(|p| !held.contains(p)).collect();
                    prop_assert!(gained.is_empty(), "{id} gained {gained:?} from {caller:?}");
                }
                let all = ListOptions::default().page_size(1000);
                for made in db.resources::<OAuthClientKind>().list(&all).await.unwrap().items {
                    // The admin's client as it was, or changed within the
                    // caller's own scopes.
                    if made.name() == "wide"
                        && made.spec.scopes == scopes(&["compute:write", "webhooks:write"])
                    {
                        continue;
                    }
                    let holder = Principal::client(made.id(), made.spec.scopes.clone());
                    prop_assert!(authorize_grant(&caller, &holder, "a client").is_ok(),
                        "{caller:?} left a client {holder:?}");
                }
                Ok(())
            })?;
        }
    }
}
