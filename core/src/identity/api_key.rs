//! API keys: long-lived bearer credentials of a user.
//!
//! A key reads `cdb_<key id>_<secret>` — only `[A-Za-z0-9_]`, so it pastes
//! into shells and headers unquoted, and secret scanners can match the
//! prefix. The key id is the ULID of the key's resource id
//! (`apikey-<ulid>`); the secret is 256 random bits from the system's
//! CSPRNG, hex-encoded. The store keeps only an HMAC-SHA-256 of the secret
//! (a fast hash suits a high-entropy secret) and compares in constant
//! time. Keys live in their owner's namespace (the owner's user id), so a
//! key name is unique per user and deleting the user deletes its keys.

use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};
use serde::{Deserialize, Serialize};

use super::policy::Confers;
use super::user::UserKind;
use crate::error::{Error, Result};
use crate::kind::{Kind, Object, OnDelete, Reference};
use crate::timestamp::Timestamp;
use crate::txn::NAMESPACE_FIELD;
use crate::validation::Context;

/// The prefix of every key.
pub const API_KEY_PREFIX: &str = "cdb_";
/// Bytes of randomness in a key's secret.
pub const SECRET_BYTES: usize = 32;
/// How stale `last_used_at` may get: it is written at most this often.
pub const LAST_USED_RESOLUTION_MS: i64 = 60_000;

/// The API key kind.
pub struct ApiKeyKind;

/// An API key (its secret is not stored).
pub type ApiKey = Object<ApiKeyKind>;

/// What the store keeps of a key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeySpec {
    /// HMAC-SHA-256 of the secret.
    pub secret_hash: Vec<u8>,
    /// When it stops working, if ever.
    pub expires_at: Option<Timestamp>,
    /// Made by `serve` on an empty store (or `admin reset-bootstrap`).
    pub bootstrap: bool,
}

/// What the server tracks of a key.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyStatus {
    /// Last successful authentication, to [`LAST_USED_RESOLUTION_MS`].
    pub last_used_at: Option<Timestamp>,
}

impl Kind for ApiKeyKind {
    type Spec = ApiKeySpec;
    type Status = ApiKeyStatus;
    const NAME: &'static str = "apikey";
    const SUBJECT: &'static str = "API key";
    const CHANGE_MARKER: Option<&'static str> = Some(super::cache::IDENTITY_MARKER);
    const NAMESPACED: bool = true;
    const REFERENCES: &'static [Reference] = &[Reference {
        field: NAMESPACE_FIELD,
        target: UserKind::NAME,
        on_delete: OnDelete::Delete,
    }];

    fn validate(spec: &ApiKeySpec, _ctx: &Context) -> Result<()> {
        if spec.secret_hash.len() != 32 {
            return Err(Error::invalid(
                Self::SUBJECT,
                "secret_hash",
                "must be 32 bytes",
            ));
        }
        Ok(())
    }

    fn initial_status(_spec: &ApiKeySpec, _now: Timestamp) -> ApiKeyStatus {
        ApiKeyStatus::default()
    }

    /// Everything its user may do.
    fn confers(key: &ApiKey) -> Confers {
        Confers::CredentialOf(key.meta.namespace.clone())
    }
}

fn hmac_key() -> hmac::Key {
    hmac::Key::new(hmac::HMAC_SHA256, b"clusterdb api key secret v1")
}

/// The stored hash of a secret.
pub(crate) fn hash_secret(secret: &str) -> Vec<u8> {
    hmac::sign(&hmac_key(), secret.as_bytes()).as_ref().to_vec()
}

/// Whether `secret` hashes to `hash`, in constant time.
pub(crate) fn secret_matches(secret: &str, hash: &[u8]) -> bool {
    hmac::verify(&hmac_key(), secret.as_bytes(), hash).is_ok()
}

/// A fresh secret: [`SECRET_BYTES`] random bytes, hex-encoded.
pub(crate) fn new_secret() -> Result<String> {
    let mut bytes = [0u8; SECRET_BYTES];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| Error::Internal("the system random source failed".into()))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// The key a user holds for the key with resource id `id` and `secret`.
pub(crate) fn format_key(id: &str, secret: &str) -> String {
    let ulid = id.strip_prefix("apikey-").unwrap_or(id);
    format!("{API_KEY_PREFIX}{ulid}_{secret}")
}

/// Splits a presented key into (resource id, secret); `None` if it is not
/// shaped like one.
pub fn parse_key(key: &str) -> Option<(String, &str)> {
    let rest = key.strip_prefix(API_KEY_PREFIX)?;
    let (ulid, secret) = rest.split_once('_')?;
    let ulid_ok = ulid.len() == 26 && ulid.bytes().all(|b| b.is_ascii_alphanumeric());
    let secret_ok =
        secret.len() == SECRET_BYTES * 2 && secret.bytes().all(|b| b.is_ascii_hexdigit());
    (ulid_ok && secret_ok).then(|| (format!("apikey-{}", ulid.to_ascii_lowercase()), secret))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn keys_round_trip_and_use_only_safe_characters() {
        let secret = new_secret().unwrap();
        let id = "apikey-01jzxk2m3n4p5q6r7s8t9v0w1x";
        let key = format_key(id, &secret);
        assert!(
            key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'),
            "{key}"
        );
        assert_eq!(parse_key(&key), Some((id.to_string(), secret.as_str())));
        assert!(secret_matches(&secret, &hash_secret(&secret)));
        assert_ne!(new_secret().unwrap(), secret);
    }

    proptest! {
        /// Any other secret fails, and no input panics the parser.
        #[test]
        fn other_secrets_do_not_match(other in "[0-9a-f]{64}", junk in ".{0,200}") {
            let secret = new_secret().unwrap();
            prop_assume!(other != secret);
            prop_assert!(!secret_matches(&other, &hash_secret(&secret)));
            let _ = parse_key(&junk);
        }
    }
}
