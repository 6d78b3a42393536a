//! Access tokens: JWTs in the RFC 9068 profile (`typ: at+jwt`), signed
//! with Ed25519 (`alg: EdDSA`) through ring, with a `kid` naming the key.
//!
//! The signing keys live in the store (one system record), made on first
//! use and rotatable: the newest key signs; older keys keep verifying
//! until every token they signed has expired. Verification accepts only
//! `EdDSA` with a known `kid` — `none`, `HS256` and everything else are
//! refused — and checks `exp`/`nbf` (with [`LEEWAY_S`] of leeway), `iss`
//! and `aud`. The compact-JWS parser is small and fuzzed
//! (`fuzzing::access_token`).
//!
//! ring rather than a JOSE crate: ring is already ClusterDB's crypto, and
//! jsonwebtoken has no ring backend (its rust_crypto backend would add a
//! second crypto stack for one algorithm).

use std::collections::BTreeSet;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use clusterdb_storage::{Op, envelope};
use ring::rand::SystemRandom;
use ring::signature::{ED25519, Ed25519KeyPair, KeyPair, UnparsedPublicKey};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::error::{Error, Result};
use crate::keys;
use crate::seal::Purpose;
use crate::store::Store;
use crate::timestamp::Timestamp;

/// Lifetime of an access token, and the longest one
/// [`AccessTokens::with_lifetime`] sets (a retired signing key is kept this
/// long).
pub const ACCESS_TOKEN_TTL_S: u64 = 3600;
/// Clock skew tolerated on `exp` and `nbf`.
pub const LEEWAY_S: i64 = 30;
/// Longest token accepted, in bytes.
pub const MAX_TOKEN_LEN: usize = 8192;
/// The `aud` of every ClusterDB access token.
pub const AUDIENCE: &str = "clusterdb";
/// How often a server re-reads the key set (to learn of a rotation).
const RELOAD_EVERY: Duration = Duration::from_secs(60);
/// The soonest a server re-reads the key set for an unknown `kid`.
const RELOAD_AT_MOST_EVERY: Duration = Duration::from_secs(5);
/// Schema of the stored key set: 2, each key's PKCS#8 sealed under the
/// master key; 1 (before secrets were sealed), in the clear.
const KEY_SET_SCHEMA: u16 = 2;
const KEY_SET_RECORD: &str = "identity/signing-keys";

/// One stored signing key.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoredKey {
    kid: String,
    /// PKCS#8 document (private key): in memory in the clear, stored
    /// sealed ([`crate::seal`]).
    pkcs8: Vec<u8>,
    created_at: Timestamp,
    /// When a newer key took over (it verifies until its tokens expire).
    retired_at: Option<Timestamp>,
}

/// A usable key.
struct SigningKey {
    kid: String,
    pair: Ed25519KeyPair,
}

/// The claims of a verified token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claims {
    /// The client id (`sub` and `client_id`).
    pub client_id: String,
    /// Granted scopes.
    pub scopes: BTreeSet<String>,
    /// Unix seconds.
    pub expires_at: i64,
    /// The token's id.
    pub jti: String,
}

/// A token just issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedToken {
    /// The compact JWS.
    pub access_token: String,
    /// Seconds until it expires.
    pub expires_in: u64,
    /// Granted scopes, space-separated.
    pub scope: String,
}

struct Cache {
    keys: Arc<Vec<SigningKey>>,
    loaded: Instant,
}

/// Issues and verifies access tokens for one issuer: `ClusterDb::tokens`.
pub struct AccessTokens {
    store: Arc<Store>,
    issuer: String,
    lifetime_s: u64,
    cache: RwLock<Cache>,
}

fn unix_now() -> i64 {
    Timestamp::now().unix_millis() / 1000
}

fn invalid(reason: &str) -> Error {
    Error::Unauthenticated(format!("the access token is not valid: {reason}"))
}

impl AccessTokens {
    /// Opens the key set (making the first key if there is none).
    pub(crate) async fn open(store: Arc<Store>, issuer: String) -> Result<AccessTokens> {
        let keys = load_or_create(&store).await?;
        Ok(AccessTokens {
            store,
            issuer,
            lifetime_s: ACCESS_TOKEN_TTL_S,
            cache: RwLock::new(Cache {
                keys: Arc::new(keys),
                loaded: Instant::now(),
            }),
        })
    }

    /// Issues tokens that live `lifetime` (whole seconds, 1 s to
    /// [`ACCESS_TOKEN_TTL_S`]) instead of the default.
    pub fn with_lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime_s = lifetime.as_secs().clamp(1, ACCESS_TOKEN_TTL_S);
        self
    }

    /// The `iss` of the tokens.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    fn keys(&self) -> Arc<Vec<SigningKey>> {
        Arc::clone(&self.cache.read().unwrap_or_else(|p| p.into_inner()).keys)
    }

    /// Re-reads the key set if it is older than `age`.
    async fn reload_if_older(&self, age: Duration) -> Result<()> {
        let stale = self
            .cache
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .loaded
            .elapsed()
            >= age;
        if stale {
            let keys = load_or_create(&self.store).await?;
            *self.cache.write().unwrap_or_else(|p| p.into_inner()) = Cache {
                keys: Arc::new(keys),
                loaded: Instant::now(),
            };
        }
        Ok(())
    }

    /// Issues a token for `client_id` with `scopes`.
    pub async fn issue(&self, client_id: &str, scopes: &BTreeSet<String>) -> Result<IssuedToken> {
        self.issue_at(client_id, scopes, unix_now()).await
    }

    /// [`AccessTokens::issue`] as if it were `now` (Unix seconds): for
    /// tests of expiry.
    #[doc(hidden)]
    pub async fn issue_at(
        &self,
        client_id: &str,
        scopes: &BTreeSet<String>,
        now: i64,
    ) -> Result<IssuedToken> {
        self.reload_if_older(RELOAD_EVERY).await?;
        let keys = self.keys();
        let key = keys
            .last()
            .ok_or_else(|| Error::Internal("no signing key".into()))?;
        let scope = scopes.iter().cloned().collect::<Vec<_>>().join(" ");
        let header = json!({"alg": "EdDSA", "typ": "at+jwt", "kid": key.kid});
        let claims = json!({
            "iss": self.issuer,
            "sub": client_id,
            "aud": AUDIENCE,
            "exp": now + self.lifetime_s as i64,
            "nbf": now,
            "iat": now,
            "jti": crate::resources::new_id("token"),
            "client_id": client_id,
            "scope": scope,
        });
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let signature = key.pair.sign(signing_input.as_bytes());
        Ok(IssuedToken {
            access_token: format!(
                "{signing_input}.{}",
                URL_SAFE_NO_PAD.encode(signature.as_ref())
            ),
            expires_in: self.lifetime_s,
            scope,
        })
    }

    /// Verifies a token; `UNAUTHENTICATED` unless it is a valid, current
    /// token of this issuer.
    pub async fn verify(&self, token: &str) -> Result<Claims> {
        let parsed = parse(token)?;
        if !self.keys().iter().any(|k| k.kid == parsed.kid) {
            // Perhaps rotated on another server since the last read.
            self.reload_if_older(RELOAD_AT_MOST_EVERY).await?;
        }
        let keys = self.keys();
        let key = keys
            .iter()
            .find(|k| k.kid == parsed.kid)
            .ok_or_else(|| invalid("unknown signing key"))?;
        UnparsedPublicKey::new(&ED25519, key.pair.public_key().as_ref())
            .verify(parsed.signing_input.as_bytes(), &parsed.signature)
            .map_err(|_| invalid("bad signature"))?;
        check_claims(&parsed.claims, &self.issuer, unix_now())
    }

    /// The public keys as a JSON Web Key Set (RFC 8037 `OKP` keys).
    pub fn jwks(&self) -> Value {
        let keys: Vec<Value> = self
            .keys()
            .iter()
            .map(|k| {
                json!({
                    "kty": "OKP",
                    "crv": "Ed25519",
                    "use": "sig",
                    "alg": "EdDSA",
                    "kid": k.kid,
                    "x": URL_SAFE_NO_PAD.encode(k.pair.public_key().as_ref()),
                })
            })
            .collect();
        json!({ "keys": keys })
    }

    /// Makes a new signing key the one that signs; keys retired longer ago
    /// than a token lives are dropped. Returns the new `kid`.
    pub async fn rotate(&self) -> Result<String> {
        let kid = rotate(&self.store).await?;
        self.reload_if_older(Duration::ZERO).await?;
        Ok(kid)
    }
}

/// A token split and decoded, not yet verified.
struct Parsed {
    kid: String,
    signing_input: String,
    signature: Vec<u8>,
    claims: Value,
}

/// Splits a compact JWS and checks its header: `alg` exactly `EdDSA`,
/// `typ` `at+jwt`, a `kid`, no `crit`.
fn parse(token: &str) -> Result<Parsed> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(invalid("too long"));
    }
    // Neither a `cdb_` key (those never come here) nor three dot-separated
    // parts: say what was expected rather than name the format.
    let not_jws =
        || Error::Unauthenticated("the credential is not a valid API key or access token".into());
    let (signing_input, signature) = token.rsplit_once('.').ok_or_else(not_jws)?;
    let (header, claims) = signing_input.split_once('.').ok_or_else(not_jws)?;
    if claims.contains('.') {
        return Err(not_jws());
    }
    let decode = |part: &str| {
        URL_SAFE_NO_PAD
            .decode(part)
            .map_err(|_| invalid("bad base64url"))
    };
    let header: Value =
        serde_json::from_slice(&decode(header)?).map_err(|_| invalid("bad header"))?;
    if header.get("alg").and_then(Value::as_str) != Some("EdDSA") {
        return Err(invalid("only alg EdDSA is accepted"));
    }
    if header.get("typ").and_then(Value::as_str) != Some("at+jwt") {
        return Err(invalid("typ must be at+jwt"));
    }
    if header.get("crit").is_some() {
        return Err(invalid("critical header parameters are not supported"));
    }
    let kid = header
        .get("kid")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("no kid"))?
        .to_string();
    let payload: Value =
        serde_json::from_slice(&decode(claims)?).map_err(|_| invalid("bad claims"))?;
    let signature = decode(signature)?;
    Ok(Parsed {
        kid,
        signing_input: signing_input.to_string(),
        signature,
        claims: payload,
    })
}

fn check_claims(claims: &Value, issuer: &str, now: i64) -> Result<Claims> {
    let string = |name: &str| claims.get(name).and_then(Value::as_str);
    let number = |name: &str| claims.get(name).and_then(Value::as_i64);
    if string("iss") != Some(issuer) {
        return Err(invalid("wrong issuer"));
    }
    let audience_ok = match claims.get("aud") {
        Some(Value::String(aud)) => aud == AUDIENCE,
        Some(Value::Array(auds)) => auds.iter().any(|a| a.as_str() == Some(AUDIENCE)),
        _ => false,
    };
    if !audience_ok {
        return Err(invalid("wrong audience"));
    }
    let exp = number("exp").ok_or_else(|| invalid("no exp"))?;
    if exp + LEEWAY_S <= now {
        return Err(invalid("expired"));
    }
    if let Some(nbf) = claims.get("nbf") {
        let nbf = nbf.as_i64().ok_or_else(|| invalid("bad nbf"))?;
        if nbf - LEEWAY_S > now {
            return Err(invalid("not valid yet"));
        }
    }
    let client_id = string("client_id")
        .or_else(|| string("sub"))
        .ok_or_else(|| invalid("no client_id"))?;
    Ok(Claims {
        client_id: client_id.to_string(),
        scopes: string("scope")
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_string)
            .collect(),
        expires_at: exp,
        jti: string("jti").unwrap_or_default().to_string(),
    })
}

/// The stored key set, its keys opened: (keys, version, whether every key
/// is sealed under the master key that seals now).
async fn read_key_set(store: &Store) -> Result<(Vec<StoredKey>, Option<u64>, bool)> {
    let Some(entry) = store.engine.get(&keys::system(KEY_SET_RECORD)).await? else {
        return Ok((Vec::new(), None, true));
    };
    let (schema, mut stored) = envelope::decode::<Vec<StoredKey>>(&entry.value, KEY_SET_SCHEMA)?;
    let mut current = schema == KEY_SET_SCHEMA;
    if schema == KEY_SET_SCHEMA {
        for key in &mut stored {
            current &= store.master_key.sealed_by_current(&key.pkcs8);
            key.pkcs8 = store.master_key.open(Purpose::SigningKey, &key.pkcs8)?;
        }
    }
    Ok((stored, Some(entry.mod_revision), current))
}

/// Writes the key set, sealed, on the condition that it is still at
/// `version`; `false` if another server changed it first.
async fn write_key_set(store: &Store, set: &[StoredKey], version: Option<u64>) -> Result<bool> {
    let key = keys::system(KEY_SET_RECORD);
    let mut sealed = set.to_vec();
    for stored in &mut sealed {
        stored.pkcs8 = store.master_key.seal(Purpose::SigningKey, &stored.pkcs8)?;
    }
    let put = Op::Put(key.clone(), envelope::encode(KEY_SET_SCHEMA, &sealed));
    Ok(store.write_if(&key, version, put).await?.is_some())
}

/// Seals the stored signing keys under the master key that seals now, if
/// any is not (a store written before keys were sealed, or a rotation of
/// the master key). Returns whether it wrote.
pub(crate) async fn reseal(store: &Store) -> Result<bool> {
    for _ in 0..16 {
        let (set, version, current) = read_key_set(store).await?;
        if current {
            return Ok(false);
        }
        if write_key_set(store, &set, version).await? {
            return Ok(true);
        }
    }
    Err(Error::Unavailable(
        "the signing keys are changing too fast".into(),
    ))
}

fn new_key() -> Result<StoredKey> {
    let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new())
        .map_err(|_| Error::Internal("generating a signing key failed".into()))?;
    Ok(StoredKey {
        kid: crate::resources::new_id("key"),
        pkcs8: pkcs8.as_ref().to_vec(),
        created_at: Timestamp::now(),
        retired_at: None,
    })
}

fn usable(stored: Vec<StoredKey>) -> Result<Vec<SigningKey>> {
    stored
        .into_iter()
        .map(|k| {
            let pair = Ed25519KeyPair::from_pkcs8(&k.pkcs8)
                .map_err(|_| Error::Internal(format!("signing key {} is corrupt", k.kid)))?;
            Ok(SigningKey { kid: k.kid, pair })
        })
        .collect()
}

async fn load_or_create(store: &Store) -> Result<Vec<SigningKey>> {
    for _ in 0..16 {
        let (set, version, _) = read_key_set(store).await?;
        if !set.is_empty() {
            return usable(set);
        }
        let set = vec![new_key()?];
        if write_key_set(store, &set, version).await? {
            return usable(set);
        }
    }
    Err(Error::Unavailable(
        "the signing keys are changing too fast".into(),
    ))
}

async fn rotate(store: &Store) -> Result<String> {
    for _ in 0..16 {
        let (mut set, version, _) = read_key_set(store).await?;
        let now = Timestamp::now();
        let horizon = now.unix_millis() - (ACCESS_TOKEN_TTL_S as i64 + LEEWAY_S) * 1000;
        set.retain(|k| k.retired_at.is_none_or(|at| at.unix_millis() > horizon));
        for key in &mut set {
            key.retired_at.get_or_insert(now);
        }
        let key = new_key()?;
        let kid = key.kid.clone();
        set.push(key);
        if write_key_set(store, &set, version).await? {
            return Ok(kid);
        }
    }
    Err(Error::Unavailable(
        "the signing keys are changing too fast".into(),
    ))
}

/// The fuzz target's body: parsing and checking any input never panics.
#[doc(hidden)]
pub fn fuzz_parse(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(parsed) = parse(text)
    {
        let _ = check_claims(&parsed.claims, "https://issuer", 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(header: Value, claims: Value) -> String {
        format!(
            "{}.{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string()),
            URL_SAFE_NO_PAD.encode([0u8; 64])
        )
    }

    #[test]
    fn only_eddsa_at_jwt_with_a_kid_parses() {
        let claims = json!({"iss": "i"});
        assert!(
            parse(&token(
                json!({"alg": "EdDSA", "typ": "at+jwt", "kid": "k"}),
                claims.clone()
            ))
            .is_ok()
        );
        for header in [
            json!({"alg": "none", "typ": "at+jwt", "kid": "k"}),
            json!({"alg": "HS256", "typ": "at+jwt", "kid": "k"}),
            json!({"alg": "EdDSA", "typ": "JWT", "kid": "k"}),
            json!({"alg": "EdDSA", "typ": "at+jwt"}),
            json!({"alg": "EdDSA", "typ": "at+jwt", "kid": "k", "crit": ["x"]}),
        ] {
            assert!(
                parse(&token(header.clone(), claims.clone())).is_err(),
                "{header}"
            );
        }
        for junk in ["", "a.b", "a.b.c.d", "..", "e30.e30.", "!!.e30.AA"] {
            assert!(parse(junk).is_err(), "{junk}");
        }
    }

    #[test]
    fn claims_are_checked() {
        let good = json!({"iss": "i", "aud": "clusterdb", "exp": 1000, "nbf": 900, "client_id": "c", "scope": "a b"});
        let claims = check_claims(&good, "i", 950).unwrap();
        assert_eq!(claims.client_id, "c");
        assert_eq!(claims.scopes.len(), 2);
        assert!(check_claims(&good, "other", 950).is_err());
        assert!(
            check_claims(&good, "i", 1000 + LEEWAY_S).is_err(),
            "expired"
        );
        assert!(
            check_claims(&good, "i", 1000 + LEEWAY_S - 1).is_ok(),
            "within leeway"
        );
        assert!(
            check_claims(&good, "i", 900 - LEEWAY_S - 1).is_err(),
            "not yet"
        );
        let mut wrong_aud = good.clone();
        wrong_aud["aud"] = json!(["x"]);
        assert!(check_claims(&wrong_aud, "i", 950).is_err());
        let mut no_exp = good.clone();
        no_exp.as_object_mut().unwrap().remove("exp");
        assert!(check_claims(&no_exp, "i", 950).is_err());
    }
}
