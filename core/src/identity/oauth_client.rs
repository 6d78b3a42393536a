//! OAuth clients: machine callers that trade their credentials for access
//! tokens (the client-credentials grant), limited to their allowed scopes.
//! The client id is the resource id (`oauthclient-…`); the secret
//! (`cdb_cs_<64 hex>`) is shown once and stored only as an HMAC-SHA-256.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::api_key;
use super::policy::{Confers, known_scopes};
use super::user::{UserKind, is_user_id};
use crate::error::{Error, Result};
use crate::kind::{Kind, Object, OnDelete, Reference};
use crate::timestamp::Timestamp;
use crate::validation::{Context, MAX_DESCRIPTION_LEN, max_len};

/// The prefix of every client secret.
pub const CLIENT_SECRET_PREFIX: &str = "cdb_cs_";
/// The indexed field holding a client's owner.
pub const OWNER_FIELD: &str = "owner";

/// The OAuth client kind. Its name is a unique label.
pub struct OAuthClientKind;

/// An OAuth client.
pub type OAuthClient = Object<OAuthClientKind>;

/// What the store keeps of a client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OAuthClientSpec {
    /// Free text.
    pub description: String,
    /// The user responsible for it; deleting the user deletes the client.
    pub owner: String,
    /// Scopes it may be granted, e.g. `compute:read`.
    pub scopes: BTreeSet<String>,
}

/// What the server keeps of a client: its secret's hash (server-made, so
/// a replace of the spec keeps it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OAuthClientStatus {
    /// HMAC-SHA-256 of the secret (empty: no secret works).
    pub secret_hash: Vec<u8>,
}

impl Kind for OAuthClientKind {
    type Spec = OAuthClientSpec;
    type Status = OAuthClientStatus;
    const NAME: &'static str = "oauthclient";
    const SUBJECT: &'static str = "OAuth client";
    const CHANGE_MARKER: Option<&'static str> = Some(super::cache::IDENTITY_MARKER);
    const INDEXED_FIELDS: &'static [&'static str] = &[OWNER_FIELD];
    const REFERENCES: &'static [Reference] = &[Reference {
        field: OWNER_FIELD,
        target: UserKind::NAME,
        on_delete: OnDelete::Delete,
    }];

    fn validate(spec: &OAuthClientSpec, _ctx: &Context) -> Result<()> {
        max_len(
            Self::SUBJECT,
            "description",
            &spec.description,
            MAX_DESCRIPTION_LEN,
        )?;
        if !is_user_id(&spec.owner) {
            return Err(Error::invalid(
                Self::SUBJECT,
                OWNER_FIELD,
                "must be a user id (`user-` and letters, digits, `-`)",
            ));
        }
        let known = known_scopes();
        if let Some(bad) = spec.scopes.iter().find(|s| !known.contains(s)) {
            return Err(Error::invalid(
                Self::SUBJECT,
                "scopes",
                format!("{bad:?} is not a scope; known: {}", known.join(", ")),
            ));
        }
        Ok(())
    }

    fn initial_status(_spec: &OAuthClientSpec, _now: Timestamp) -> OAuthClientStatus {
        OAuthClientStatus::default()
    }

    fn indexed_values(object: &Object<Self>) -> Vec<(&'static str, String)> {
        vec![(OWNER_FIELD, object.spec.owner.clone())]
    }

    /// Its scopes (its secret is the credential that carries them).
    fn confers(client: &OAuthClient) -> Confers {
        Confers::Scopes(client.spec.scopes.clone())
    }
}

/// A fresh client secret and its hash.
pub(crate) fn new_client_secret() -> Result<(String, Vec<u8>)> {
    let secret = format!("{CLIENT_SECRET_PREFIX}{}", api_key::new_secret()?);
    let hash = api_key::hash_secret(&secret);
    Ok((secret, hash))
}

/// Whether `secret` is the client's, in constant time.
pub(crate) fn client_secret_matches(client: &OAuthClient, secret: &str) -> bool {
    !client.status.secret_hash.is_empty()
        && api_key::secret_matches(secret, &client.status.secret_hash)
}

impl crate::resources::Resources<OAuthClientKind> {
    /// Replaces the client's secret hash (a client change: the secret is
    /// the client's credential).
    pub(crate) async fn set_secret_hash(&self, id: &str, hash: Vec<u8>) -> Result<OAuthClient> {
        self.modify(id, None, |current, now| {
            let mut next = current.clone();
            next.status.secret_hash = hash.clone();
            next.meta.updated_at = now;
            Ok(crate::resources::Change::Replace(next, &["updated"]))
        })
        .await
    }
}
