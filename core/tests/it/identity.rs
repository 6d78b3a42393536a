//! Users, groups and API keys: unique emails, members that must exist and
//! leave with their user in one commit, keys that authenticate with their
//! user's and groups' roles, revocation, expiry, bootstrap; every write
//! records its actor.

use std::collections::BTreeSet;

use clusterdb::identity::{GroupSpec, Principal, Role, UserSpec, UserState};
use clusterdb::{ClusterDb, Draft, ErrorCode, Timestamp};

use crate::support::db;

fn user(name: &str, email: &str) -> Draft<UserSpec> {
    Draft::new(
        name,
        UserSpec {
            email: email.into(),
            display_name: name.into(),
            ..UserSpec::default()
        },
    )
}

fn group(name: &str, members: &[&str], roles: &[Role]) -> Draft<GroupSpec> {
    Draft::new(
        name,
        GroupSpec {
            description: String::new(),
            members: members.iter().map(|m| m.to_string()).collect(),
            roles: roles.iter().copied().collect(),
        },
    )
}

#[tokio::test]
async fn emails_are_validated_and_unique_ignoring_case() {
    let db = db().await;
    let err = db
        .users()
        .create(user("bad", "not-an-email"))
        .await
        .unwrap_err();
    assert_eq!(
        err.field_violation(),
        Some(("email", "must be a valid email address"))
    );
    let alice = db
        .users()
        .create(user("alice", "alice@example.com"))
        .await
        .unwrap();
    let err = db
        .users()
        .create(user("alice2", "ALICE@example.com"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::AlreadyExists);
    assert!(err.to_string().contains("email"), "{err}");
    let err = db
        .users()
        .create(user("alice", "other@example.com"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::AlreadyExists);
    // A changed email frees the old one; a deleted user frees its own.
    db.users()
        .update(alice.id(), user("alice", "a@example.com"), None)
        .await
        .unwrap();
    db.users()
        .create(user("carol", "alice@example.com"))
        .await
        .unwrap();
    db.users().delete(alice.id(), None).await.unwrap();
    db.users()
        .create(user("dave", "a@example.com"))
        .await
        .unwrap();
    // Service accounts have no email; any number of them.
    db.users().create(user("ci-1", "")).await.unwrap();
    db.users().create(user("ci-2", "")).await.unwrap();
}

#[tokio::test]
async fn members_must_exist_and_leave_with_their_user_in_one_commit() {
    let db = db().await;
    let alice = db.users().create(user("alice", "")).await.unwrap();
    let bob = db.users().create(user("bob", "")).await.unwrap();
    let err = db
        .groups()
        .create(group("ops", &[alice.id(), "user-missing"], &[]))
        .await
        .unwrap_err();
    assert_eq!(err.field_violation().map(|f| f.0), Some("members"));
    let ops = db
        .groups()
        .create(group("ops", &[alice.id()], &[]))
        .await
        .unwrap();
    let dev = db
        .groups()
        .create(group("dev", &[alice.id(), bob.id()], &[]))
        .await
        .unwrap();
    let ops = db.groups().add_member(ops.id(), bob.id()).await.unwrap();
    assert_eq!(ops.spec.members.len(), 2);
    // Adding again changes nothing.
    let again = db.groups().add_member(ops.id(), bob.id()).await.unwrap();
    assert_eq!(again.resource_version(), ops.resource_version());
    let err = db
        .groups()
        .add_member(ops.id(), "user-nobody")
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidRequest);
    let err = db
        .groups()
        .remove_member(dev.id(), "user-nobody")
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);

    let before = db.events().list(0, 1000).await.unwrap().len();
    db.users().delete(alice.id(), None).await.unwrap();
    for id in [ops.id(), dev.id()] {
        let g = db.groups().get(id).await.unwrap();
        assert_eq!(g.spec.members, BTreeSet::from([bob.id().to_string()]));
    }
    let events = db.events().list(0, 1000).await.unwrap();
    let new: Vec<_> = events[before..]
        .iter()
        .map(|e| (e.revision, e.event_type.as_str()))
        .collect();
    let revision = new[0].0;
    assert_eq!(
        new,
        vec![
            (revision, "user.deleted"),
            (revision, "group.updated"),
            (revision, "group.updated")
        ],
        "one commit"
    );
}

#[tokio::test]
async fn keys_authenticate_with_user_and_group_roles_until_revoked() {
    let db = db().await;
    let alice = db.users().create(user("alice", "")).await.unwrap();
    let key = db
        .identity()
        .create_api_key(alice.id(), "laptop", None)
        .await
        .unwrap();
    assert!(key.secret.starts_with("cdb_"), "{}", key.secret);
    let principal = db
        .identity()
        .authenticate_api_key(&key.secret)
        .await
        .unwrap();
    assert_eq!(*principal, Principal::user(alice.id(), []));
    db.groups()
        .create(group("editors", &[alice.id()], &[Role::Editor]))
        .await
        .unwrap();
    let principal = db
        .identity()
        .authenticate_api_key(&key.secret)
        .await
        .unwrap();
    assert_eq!(principal.roles, BTreeSet::from([Role::Editor]));

    // A changed secret, an unknown id or garbage: the same answer.
    let mut tampered = key.secret.clone();
    let last = tampered.pop().unwrap();
    tampered.push(if last == '0' { '1' } else { '0' });
    for bad in [tampered.as_str(), "cdb_x", "", "Bearer x"] {
        let err = db.identity().authenticate_api_key(bad).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::Unauthenticated, "{bad}");
    }
    // Names are unique per owner.
    let err = db
        .identity()
        .create_api_key(alice.id(), "laptop", None)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::AlreadyExists);

    // Disabling the user stops the key.
    let mut spec = alice.spec.clone();
    spec.state = UserState::Disabled;
    let alice = db
        .users()
        .update(alice.id(), Draft::new("alice", spec), None)
        .await
        .unwrap();
    let err = db
        .identity()
        .authenticate_api_key(&key.secret)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Unauthenticated);
    let mut spec = alice.spec.clone();
    spec.state = UserState::Active;
    db.users()
        .update(alice.id(), Draft::new("alice", spec), None)
        .await
        .unwrap();
    db.identity()
        .authenticate_api_key(&key.secret)
        .await
        .unwrap();

    let err = db
        .identity()
        .revoke_api_key("user-other", key.key.id())
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);
    db.identity()
        .revoke_api_key(alice.id(), key.key.id())
        .await
        .unwrap();
    let err = db
        .identity()
        .authenticate_api_key(&key.secret)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Unauthenticated);
}

#[tokio::test]
async fn expired_keys_fail_and_deleting_the_user_deletes_its_keys() {
    let db = db().await;
    let alice = db.users().create(user("alice", "")).await.unwrap();
    let past = Timestamp::from_unix_millis(Timestamp::now().unix_millis() - 1);
    let err = db
        .identity()
        .create_api_key(alice.id(), "old", Some(past))
        .await
        .unwrap_err();
    assert_eq!(err.field_violation().map(|f| f.0), Some("expires_at"));
    let soon = Timestamp::from_unix_millis(Timestamp::now().unix_millis() + 300);
    let key = db
        .identity()
        .create_api_key(alice.id(), "short", Some(soon))
        .await
        .unwrap();
    db.identity()
        .authenticate_api_key(&key.secret)
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    let err = db
        .identity()
        .authenticate_api_key(&key.secret)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("expired"), "{err}");

    let other = db
        .identity()
        .create_api_key(alice.id(), "other", None)
        .await
        .unwrap();
    db.users().delete(alice.id(), None).await.unwrap();
    let err = db
        .identity()
        .authenticate_api_key(&other.secret)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Unauthenticated);
    let err = db
        .resources::<clusterdb::identity::ApiKeyKind>()
        .get(other.key.id())
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);
}

#[tokio::test]
async fn last_use_is_recorded_at_most_once_a_minute() {
    let db = db().await;
    let alice = db.users().create(user("alice", "")).await.unwrap();
    let key = db
        .identity()
        .create_api_key(alice.id(), "k", None)
        .await
        .unwrap();
    assert_eq!(key.key.status.last_used_at, None);
    db.identity()
        .authenticate_api_key(&key.secret)
        .await
        .unwrap();
    let keys = db.resources::<clusterdb::identity::ApiKeyKind>();
    let used = crate::support::eventually("last use recorded", || {
        let keys = keys.clone();
        let id = key.key.id().to_string();
        async move { keys.get(&id).await.unwrap().status.last_used_at }
    })
    .await;
    let version = keys.get(key.key.id()).await.unwrap().resource_version();
    for _ in 0..5 {
        db.identity()
            .authenticate_api_key(&key.secret)
            .await
            .unwrap();
    }
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let now = keys.get(key.key.id()).await.unwrap();
    assert_eq!(
        (now.status.last_used_at, now.resource_version()),
        (Some(used), version)
    );
}

#[tokio::test]
async fn bootstrap_happens_once_and_reset_replaces_the_key() {
    let db = db().await;
    let first = db
        .identity()
        .bootstrap()
        .await
        .unwrap()
        .expect("a key on an empty store");
    assert_eq!(db.identity().bootstrap().await.unwrap(), None);
    let admin = db.identity().authenticate_api_key(&first).await.unwrap();
    assert!(admin.has_role(Role::Admin));
    let second = db.identity().reset_bootstrap().await.unwrap();
    assert_ne!(first, second);
    db.identity().authenticate_api_key(&second).await.unwrap();
    let err = db
        .identity()
        .authenticate_api_key(&first)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Unauthenticated);
}

#[tokio::test]
async fn writes_record_their_actor() {
    let db = db().await;
    let as_alice: ClusterDb = db.acting_as("user-alice");
    let fleet = as_alice
        .fleets()
        .create(crate::support::fleet("web", 1))
        .await
        .unwrap();
    assert_eq!(
        (
            fleet.meta.created_by.as_str(),
            fleet.meta.updated_by.as_str()
        ),
        ("user-alice", "user-alice")
    );
    let updated = db
        .acting_as("user-bob")
        .fleets()
        .update(fleet.id(), crate::support::fleet("web", 2), None)
        .await
        .unwrap();
    assert_eq!(
        (
            updated.meta.created_by.as_str(),
            updated.meta.updated_by.as_str()
        ),
        ("user-alice", "user-bob")
    );
    // The events of the two commits name their actors (the reconciler's
    // own status writes in between are the system's).
    let events = db.events().list(0, 1000).await.unwrap();
    let actor_at = |revision: u64| {
        events
            .iter()
            .find(|e| e.kind == "fleet" && e.revision == revision)
            .map(|e| (e.event_type.clone(), e.actor.clone()))
            .unwrap()
    };
    assert_eq!(
        actor_at(fleet.resource_version()),
        ("fleet.created".to_string(), "user-alice".to_string())
    );
    assert_eq!(
        actor_at(updated.resource_version()),
        ("fleet.updated".to_string(), "user-bob".to_string())
    );
    assert!(
        events
            .iter()
            .filter(|e| e.kind == "fleet" && e.actor != "user-alice" && e.actor != "user-bob")
            .all(|e| e.actor == clusterdb::SYSTEM_ACTOR)
    );
    // The reconciler's instances are the system's.
    let instance = crate::support::eventually("an instance", || {
        let db = db.clone();
        async move {
            db.instances()
                .list(&Default::default())
                .await
                .unwrap()
                .items
                .into_iter()
                .next()
        }
    })
    .await;
    assert_eq!(instance.meta.created_by, clusterdb::SYSTEM_ACTOR);
}

mod tokens {
    use std::collections::BTreeSet;

    use clusterdb::ErrorCode;
    use proptest::prelude::*;

    use crate::support::db;

    fn scopes(list: &[&str]) -> BTreeSet<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[tokio::test]
    async fn tokens_verify_until_rotation_retires_their_key() {
        let db = db().await;
        let tokens = db.tokens("https://cdb.test").await.unwrap();
        let issued = tokens
            .issue("oauthclient-1", &scopes(&["compute:read"]))
            .await
            .unwrap();
        let claims = tokens.verify(&issued.access_token).await.unwrap();
        assert_eq!(claims.client_id, "oauthclient-1");
        assert_eq!(claims.scopes, scopes(&["compute:read"]));
        // Another issuer (or a second handle) shares the keys, not the iss.
        let other = db.tokens("https://elsewhere").await.unwrap();
        assert_eq!(
            other.verify(&issued.access_token).await.unwrap_err().code(),
            ErrorCode::Unauthenticated
        );
        // After a rotation the old token still verifies; new ones use the
        // new key; the JWKS lists both.
        let kid = tokens.rotate().await.unwrap();
        tokens.verify(&issued.access_token).await.unwrap();
        let fresh = tokens.issue("oauthclient-1", &scopes(&[])).await.unwrap();
        assert!(fresh.access_token.split('.').next().is_some(), "{fresh:?}");
        let jwks = tokens.jwks();
        let kids: Vec<&str> = jwks["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["kid"].as_str().unwrap())
            .collect();
        assert_eq!(kids.len(), 2);
        assert!(kids.contains(&kid.as_str()));
        // A server that opened the key set before the rotation learns of it.
        let second = db.tokens("https://cdb.test").await.unwrap();
        second.verify(&fresh.access_token).await.unwrap();
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Any single-byte change to a valid token is rejected.
        #[test]
        fn any_single_byte_change_is_rejected(index in any::<prop::sample::Index>(), byte in any::<u8>()) {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(async {
                let db = db().await;
                let tokens = db.tokens("https://cdb.test").await.unwrap();
                let token = tokens.issue("oauthclient-1", &scopes(&["mesh:write"])).await.unwrap().access_token;
                let mut bytes = token.clone().into_bytes();
                let at = index.index(bytes.len());
                prop_assume!(bytes[at] != byte);
                bytes[at] = byte;
                let changed = String::from_utf8_lossy(&bytes).into_owned();
                let err = tokens.verify(&changed).await.unwrap_err();
                prop_assert_eq!(err.code(), ErrorCode::Unauthenticated);
                Ok(())
            })?;
        }
    }
}

/// Authentication is cached on the identity change marker: every kind of
/// identity change is seen by the very next request.
#[tokio::test]
async fn cached_authentications_see_every_identity_change() {
    use clusterdb::identity::OAuthClientSpec;
    let db = db().await;
    let alice = db.users().create(user("alice", "")).await.unwrap();
    let key = db
        .identity()
        .create_api_key(alice.id(), "k", None)
        .await
        .unwrap();
    let principal = db
        .identity()
        .authenticate_api_key(&key.secret)
        .await
        .unwrap();
    assert!(principal.roles.is_empty());
    // A direct role change.
    let mut spec = alice.spec.clone();
    spec.roles.insert(Role::Admin);
    db.users()
        .update(alice.id(), Draft::new("alice", spec), None)
        .await
        .unwrap();
    let principal = db
        .identity()
        .authenticate_api_key(&key.secret)
        .await
        .unwrap();
    assert_eq!(principal.roles, BTreeSet::from([Role::Admin]));
    // A token, cached, then its client deleted.
    let client = db
        .identity()
        .create_oauth_client(Draft::new(
            "c",
            OAuthClientSpec {
                description: String::new(),
                owner: alice.id().to_string(),
                scopes: ["compute:read".to_string()].into(),
            },
        ))
        .await
        .unwrap();
    let tokens = db.tokens("https://cdb.test").await.unwrap();
    let token = tokens
        .issue(client.client.id(), &["compute:read".to_string()].into())
        .await
        .unwrap()
        .access_token;
    let identity = db.identity();
    identity.authenticate_token(&tokens, &token).await.unwrap();
    identity.authenticate_token(&tokens, &token).await.unwrap();
    db.resources::<clusterdb::identity::OAuthClientKind>()
        .delete(client.client.id(), None)
        .await
        .unwrap();
    let err = identity
        .authenticate_token(&tokens, &token)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Unauthenticated);
    // Deleting the user deletes its key: refused next time.
    db.users().delete(alice.id(), None).await.unwrap();
    let err = db
        .identity()
        .authenticate_api_key(&key.secret)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Unauthenticated);
}

/// A client acts for its owner: disabling the owner stops the client's
/// secret and the tokens already issued; enabling them again restores both.
#[tokio::test]
async fn a_disabled_owners_clients_are_refused() {
    let db = db().await;
    let owner = db
        .users()
        .create(user("olga", "olga@example.com"))
        .await
        .unwrap();
    let made = db
        .identity()
        .create_oauth_client(Draft::new(
            "deployer",
            clusterdb::identity::OAuthClientSpec {
                description: String::new(),
                owner: owner.id().to_string(),
                scopes: ["compute:read".to_string()].into(),
            },
        ))
        .await
        .unwrap();
    let identity = db.identity();
    let tokens = db.tokens("https://cdb.test").await.unwrap();
    identity
        .authenticate_client(made.client.id(), &made.secret)
        .await
        .unwrap();
    let token = tokens
        .issue(made.client.id(), &["compute:read".to_string()].into())
        .await
        .unwrap()
        .access_token;
    identity.authenticate_token(&tokens, &token).await.unwrap();
    let mut spec = owner.spec.clone();
    spec.state = UserState::Disabled;
    db.users()
        .update(owner.id(), Draft::new("olga", spec.clone()), None)
        .await
        .unwrap();
    let err = identity
        .authenticate_client(made.client.id(), &made.secret)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Unauthenticated);
    assert!(err.to_string().contains("disabled"), "{err}");
    let err = identity
        .authenticate_token(&tokens, &token)
        .await
        .unwrap_err();
    assert_eq!(
        err.code(),
        ErrorCode::Unauthenticated,
        "a cached token is refused too"
    );
    spec.state = UserState::Active;
    db.users()
        .update(owner.id(), Draft::new("olga", spec), None)
        .await
        .unwrap();
    identity.authenticate_token(&tokens, &token).await.unwrap();
}
