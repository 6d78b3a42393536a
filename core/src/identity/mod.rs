//! The identity domain: users, groups, API keys, and the authorization
//! policy ([`authorize`]).

mod api_key;
pub(crate) mod cache;
mod grant;
mod group;
mod oauth_client;
pub(crate) mod policy;
mod token;
mod user;

use std::collections::BTreeSet;
use std::sync::Arc;

pub use api_key::{
    API_KEY_PREFIX, ApiKey, ApiKeyKind, ApiKeySpec, ApiKeyStatus, LAST_USED_RESOLUTION_MS,
    SECRET_BYTES, parse_key,
};
pub use group::{Group, GroupKind, GroupSpec, GroupStatus, MAX_MEMBERS, MEMBERS_FIELD};
pub use oauth_client::{
    CLIENT_SECRET_PREFIX, OAuthClient, OAuthClientKind, OAuthClientSpec, OAuthClientStatus,
    OWNER_FIELD,
};
pub use policy::{
    Area, Confers, METRICS, Principal, Role, Rule, Verb, authorize, authorize_grant,
    authorize_own_keys, known_scopes, policy_kinds, rule,
};
#[doc(hidden)]
pub use token::fuzz_parse as fuzz_access_token;
pub use token::{
    ACCESS_TOKEN_TTL_S, AUDIENCE, AccessTokens, Claims, IssuedToken, LEEWAY_S, MAX_TOKEN_LEN,
};
pub use user::{
    EMAIL_PATTERN, MAX_DISPLAY_NAME_LEN, MAX_EMAIL_LEN, User, UserKind, UserSpec, UserState,
    UserStatus, validate_email,
};

use crate::error::{Error, Result};
use crate::kind::{Draft, Kind};
use crate::list::{ListOptions, ListPage, MAX_PAGE_SIZE};
use crate::meta::SYSTEM_ACTOR;
use crate::resources::Resources;
use crate::store::Store;
use crate::timestamp::Timestamp;
use crate::txn::{Txn, TxnError};

use cache::IDENTITY_MARKER;
use clusterdb_storage::freshness::{self, Freshness};
pub(crate) use grant::check as check_grant;
pub(crate) use token::reseal as reseal_signing_keys;

/// The name of the user `clusterdb serve` creates on an empty store.
pub const BOOTSTRAP_USER: &str = "admin";
/// The name of the bootstrap user's key.
pub const BOOTSTRAP_KEY: &str = "bootstrap";

/// A key just made: the stored record and the only copy of the key itself.
#[derive(Debug, Clone)]
pub struct NewApiKey {
    /// The stored key (no secret).
    pub key: ApiKey,
    /// `cdb_<key id>_<secret>`: show it once; it cannot be read again.
    pub secret: String,
}

/// A client just made (or given a new secret): the record and the only
/// copy of its secret.
#[derive(Debug, Clone)]
pub struct NewOAuthClient {
    /// The stored client (no secret).
    pub client: OAuthClient,
    /// `cdb_cs_…`: show it once; it cannot be read again.
    pub secret: String,
}

/// Authentication and API keys: `ClusterDb::identity()`.
#[derive(Clone)]
pub struct Identity {
    store: Arc<Store>,
    actor: crate::actor::Actor,
}

impl Identity {
    pub(crate) fn new(store: Arc<Store>, actor: crate::actor::Actor) -> Self {
        Identity { store, actor }
    }

    /// The service of one identity kind, writing as this handle's actor.
    fn of<K: Kind>(&self) -> Resources<K> {
        Resources::new(Arc::clone(&self.store), self.actor.clone())
    }

    /// Makes an API key named `name` for user `owner` (which must exist).
    /// The name is unique among the owner's keys.
    pub async fn create_api_key(
        &self,
        owner: &str,
        name: &str,
        expires_at: Option<Timestamp>,
    ) -> Result<NewApiKey> {
        self.of::<UserKind>().get(owner).await?;
        self.create_key(owner, name, expires_at, false).await
    }

    async fn create_key(
        &self,
        owner: &str,
        name: &str,
        expires_at: Option<Timestamp>,
        bootstrap: bool,
    ) -> Result<NewApiKey> {
        if let Some(at) = expires_at
            && at <= Timestamp::now()
        {
            return Err(Error::invalid(
                ApiKeyKind::SUBJECT,
                "expires_at",
                "must be in the future",
            ));
        }
        let secret = api_key::new_secret()?;
        let spec = ApiKeySpec {
            secret_hash: api_key::hash_secret(&secret),
            expires_at,
            bootstrap,
        };
        let key = self
            .of::<ApiKeyKind>()
            .create(Draft::new(name, spec).in_namespace(owner))
            .await?;
        let secret = api_key::format_key(key.id(), &secret);
        Ok(NewApiKey { key, secret })
    }

    /// One page of `owner`'s keys.
    pub async fn api_keys_of(
        &self,
        owner: &str,
        options: &ListOptions,
    ) -> Result<ListPage<ApiKey>> {
        self.of::<UserKind>().get(owner).await?;
        let mut options = options.clone();
        options.filters.insert(
            0,
            crate::Filter {
                field: crate::txn::NAMESPACE_FIELD.to_string(),
                value: owner.to_string(),
            },
        );
        self.of::<ApiKeyKind>().list(&options).await
    }

    /// Revokes (deletes) `owner`'s key `key_id`; it stops working at once,
    /// on every server of the store.
    pub async fn revoke_api_key(&self, owner: &str, key_id: &str) -> Result<ApiKey> {
        let key = self.of::<ApiKeyKind>().get(key_id).await?;
        if key.namespace() != owner {
            return Err(Error::not_found(ApiKeyKind::NAME, key_id));
        }
        self.of::<ApiKeyKind>().delete(key_id, None).await
    }

    /// The caller holding `presented` (an API key), with the roles of its
    /// user and the user's groups. `UNAUTHENTICATED` for a malformed,
    /// unknown, revoked or expired key, or a disabled user. A key seen
    /// before costs one read while no identity object has changed. The
    /// reads are consistent whatever the caller's read scope asks.
    pub async fn authenticate_api_key(&self, presented: &str) -> Result<Arc<Principal>> {
        freshness::apart(Freshness::Consistent, self.api_key_principal(presented)).await
    }

    async fn api_key_principal(&self, presented: &str) -> Result<Arc<Principal>> {
        let now = Timestamp::now();
        let generation = self.store.marker_revision(IDENTITY_MARKER).await?;
        if let Some(cached) = self.store.principals.get(presented, generation, now) {
            self.record_use_if_stale(presented, &cached, now);
            return Ok(cached.principal);
        }
        let invalid = || Error::Unauthenticated("the API key is not valid".into());
        let (id, secret) = api_key::parse_key(presented).ok_or_else(invalid)?;
        let key = match self.of::<ApiKeyKind>().get(&id).await {
            Ok(key) => key,
            Err(Error::NotFound { .. }) => return Err(invalid()),
            Err(err) => return Err(err),
        };
        if !api_key::secret_matches(secret, &key.spec.secret_hash) {
            return Err(invalid());
        }
        if key.spec.expires_at.is_some_and(|at| at <= now) {
            return Err(Error::Unauthenticated("the API key has expired".into()));
        }
        let user = match self.of::<UserKind>().get(key.namespace()).await {
            Ok(user) => user,
            Err(Error::NotFound { .. }) => return Err(invalid()),
            Err(err) => return Err(err),
        };
        let principal = Arc::new(self.principal_of(&user).await?);
        let cached = cache::Cached {
            principal: Arc::clone(&principal),
            generation,
            expires_at: key.spec.expires_at,
            api_key: Some((key.meta.id.as_str().into(), key.status.last_used_at)),
        };
        self.store.principals.put(presented, cached.clone());
        self.record_use_if_stale(presented, &cached, now);
        Ok(principal)
    }

    /// Records the key's use off the request's path if the last record is
    /// older than [`LAST_USED_RESOLUTION_MS`].
    fn record_use_if_stale(&self, presented: &str, cached: &cache::Cached, now: Timestamp) {
        let Some((id, last)) = &cached.api_key else {
            return;
        };
        let stale =
            last.is_none_or(|at| now.unix_millis() - at.unix_millis() >= LAST_USED_RESOLUTION_MS);
        if !stale {
            return;
        }
        self.store.principals.used(presented, now);
        let store = Arc::clone(&self.store);
        let id = Arc::clone(id);
        // A lost race only means another request or server recorded it.
        tokio::spawn(async move {
            if let Err(err) = record_use(&store, &id, now).await {
                tracing::debug!(error = %err, "recording an API key's last use failed");
            }
        });
    }

    /// The caller holding `token`, an access token `tokens` verifies; a
    /// token seen before costs one read while no identity object has
    /// changed (its expiry is still checked). The reads are consistent
    /// whatever the caller's read scope asks.
    pub async fn authenticate_token(
        &self,
        tokens: &AccessTokens,
        token: &str,
    ) -> Result<Arc<Principal>> {
        freshness::apart(Freshness::Consistent, self.token_principal(tokens, token)).await
    }

    async fn token_principal(&self, tokens: &AccessTokens, token: &str) -> Result<Arc<Principal>> {
        let now = Timestamp::now();
        let credential = format!("{}\n{token}", tokens.issuer());
        let generation = self.store.marker_revision(IDENTITY_MARKER).await?;
        if let Some(cached) = self.store.principals.get(&credential, generation, now) {
            return Ok(cached.principal);
        }
        let claims = tokens.verify(token).await?;
        let principal = Arc::new(self.principal_of_token(&claims).await?);
        self.store.principals.put(
            &credential,
            cache::Cached {
                principal: Arc::clone(&principal),
                generation,
                expires_at: Some(Timestamp::from_unix_millis(
                    (claims.expires_at + LEEWAY_S).saturating_mul(1000),
                )),
                api_key: None,
            },
        );
        Ok(principal)
    }

    /// Makes an OAuth client owned by user `owner` (which must exist),
    /// allowed `scopes`, with a fresh secret.
    pub async fn create_oauth_client(
        &self,
        draft: Draft<OAuthClientSpec>,
    ) -> Result<NewOAuthClient> {
        let (secret, hash) = oauth_client::new_client_secret()?;
        let status = OAuthClientStatus { secret_hash: hash };
        let client = self
            .of::<OAuthClientKind>()
            .create_as(draft, status, "created")
            .await?;
        Ok(NewOAuthClient { client, secret })
    }

    /// Gives client `id` a new secret; the old one stops working at once.
    pub async fn reset_oauth_client_secret(&self, id: &str) -> Result<NewOAuthClient> {
        let (secret, hash) = oauth_client::new_client_secret()?;
        let client = self
            .of::<OAuthClientKind>()
            .set_secret_hash(id, hash)
            .await?;
        Ok(NewOAuthClient { client, secret })
    }

    /// The client `client_id` if `secret` is its secret; `UNAUTHENTICATED`
    /// otherwise (the same answer for an unknown client).
    pub async fn authenticate_client(&self, client_id: &str, secret: &str) -> Result<OAuthClient> {
        let invalid = || Error::Unauthenticated("client authentication failed".into());
        let client = match self.of::<OAuthClientKind>().get(client_id).await {
            Ok(client) => client,
            Err(Error::NotFound { .. } | Error::Invalid { .. }) => return Err(invalid()),
            Err(err) => return Err(err),
        };
        if !oauth_client::client_secret_matches(&client, secret) {
            return Err(invalid());
        }
        self.require_active_owner(&client).await?;
        Ok(client)
    }

    /// A client acts for its owner: while the owner is disabled, neither
    /// its secret nor its tokens work.
    async fn require_active_owner(&self, client: &OAuthClient) -> Result<()> {
        match self.of::<UserKind>().get(&client.spec.owner).await {
            Ok(owner) if owner.spec.state == UserState::Disabled => Err(Error::Unauthenticated(
                format!("the client's owner {} is disabled", owner.name()),
            )),
            Ok(_) => Ok(()),
            Err(Error::NotFound { .. }) => Err(Error::Unauthenticated(
                "the client's owner no longer exists".into(),
            )),
            Err(err) => Err(err),
        }
    }

    /// The principal of a verified access token: its client (which must
    /// still exist), with the granted scopes it is still allowed.
    pub async fn principal_of_token(&self, claims: &Claims) -> Result<Principal> {
        let client = match self.of::<OAuthClientKind>().get(&claims.client_id).await {
            Ok(client) => client,
            Err(Error::NotFound { .. } | Error::Invalid { .. }) => {
                return Err(Error::Unauthenticated(
                    "the access token's client no longer exists".into(),
                ));
            }
            Err(err) => return Err(err),
        };
        self.require_active_owner(&client).await?;
        let scopes = claims
            .scopes
            .iter()
            .filter(|s| client.spec.scopes.contains(*s))
            .cloned();
        Ok(Principal::client(client.id(), scopes))
    }

    /// The principal of an active user: its roles and its groups' roles.
    pub async fn principal_of(&self, user: &User) -> Result<Principal> {
        if user.spec.state == UserState::Disabled {
            return Err(Error::Unauthenticated(format!(
                "user {} is disabled",
                user.name()
            )));
        }
        let mut roles: BTreeSet<Role> = user.spec.roles.clone();
        roles.extend(grant::group_roles(&self.store, user.id()).await?);
        Ok(Principal::user(user.id(), roles))
    }

    /// On a store without users: creates the user [`BOOTSTRAP_USER`] with
    /// the admin role and its key [`BOOTSTRAP_KEY`], and returns the key.
    /// `None` when the store has users already (or another server just
    /// bootstrapped it).
    pub async fn bootstrap(&self) -> Result<Option<String>> {
        let users = self
            .of::<UserKind>()
            .list(&ListOptions::default().page_size(1))
            .await?;
        if !users.items.is_empty() {
            return Ok(None);
        }
        let spec = UserSpec {
            display_name: "Bootstrap administrator".into(),
            roles: [Role::Admin].into(),
            ..UserSpec::default()
        };
        let user = match self
            .of::<UserKind>()
            .create(Draft::new(BOOTSTRAP_USER, spec))
            .await
        {
            Ok(user) => user,
            Err(Error::AlreadyExists { .. }) => return Ok(None),
            Err(err) => return Err(err),
        };
        let key = self
            .create_key(user.id(), BOOTSTRAP_KEY, None, true)
            .await?;
        Ok(Some(key.secret))
    }

    /// Recovery for a lost admin credential (run with the server stopped):
    /// makes sure [`BOOTSTRAP_USER`] exists, is active and an admin,
    /// revokes its bootstrap keys and returns a new one.
    pub async fn reset_bootstrap(&self) -> Result<String> {
        let users = self.of::<UserKind>();
        let user = match users.get_by_name(BOOTSTRAP_USER).await {
            Ok(mut user) => {
                if user.spec.state != UserState::Active || !user.spec.roles.contains(&Role::Admin) {
                    let mut spec = user.spec.clone();
                    spec.state = UserState::Active;
                    spec.roles.insert(Role::Admin);
                    let draft = Draft {
                        name: user.meta.name.clone(),
                        namespace: String::new(),
                        tags: user.meta.tags.clone(),
                        spec,
                    };
                    user = users.update(user.id(), draft, None).await?;
                }
                user
            }
            Err(Error::NotFound { .. }) => {
                let spec = UserSpec {
                    display_name: "Bootstrap administrator".into(),
                    roles: [Role::Admin].into(),
                    ..UserSpec::default()
                };
                users.create(Draft::new(BOOTSTRAP_USER, spec)).await?
            }
            Err(err) => return Err(err),
        };
        let mut options = ListOptions::default()
            .namespace(user.id())
            .page_size(MAX_PAGE_SIZE);
        loop {
            let page = self.of::<ApiKeyKind>().list(&options).await?;
            for key in page.items.iter().filter(|k| k.spec.bootstrap) {
                match self.of::<ApiKeyKind>().delete(key.id(), None).await {
                    Ok(_) | Err(Error::NotFound { .. }) => {}
                    Err(err) => return Err(err),
                }
            }
            match page.next_page_token {
                Some(token) => options = options.page_token(token),
                None => break,
            }
        }
        let name = format!("{BOOTSTRAP_KEY}-{}", Timestamp::now().unix_millis());
        Ok(self.create_key(user.id(), &name, None, true).await?.secret)
    }
}

/// Records that key `id` was used at `now` (a status write: no event, no
/// client change, no change marker).
async fn record_use(store: &Store, id: &str, now: Timestamp) -> Result<()> {
    let Some(entry) = store
        .engine
        .get(&crate::keys::object(ApiKeyKind::NAME, id))
        .await?
    else {
        return Ok(());
    };
    let key = crate::codec::decode_object::<ApiKeyKind>(&entry.value, entry.mod_revision)?;
    let mut next = key.clone();
    next.status.last_used_at = Some(now);
    let mut txn = Txn::new(SYSTEM_ACTOR);
    txn.replace(&key, &next);
    match store.commit(txn).await {
        Ok(_) | Err(TxnError::Changed { .. }) => Ok(()),
        Err(TxnError::Fatal(err)) => Err(err),
    }
}
