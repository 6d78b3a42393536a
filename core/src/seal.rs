//! [`MasterKey`]: secrets sealed at rest under a key held outside the
//! store.
//!
//! What the store must keep but no reader of its bytes may learn — the
//! token signing keys, webhook signing secrets, idempotency records (which
//! may replay a secret shown once) — is sealed with AES-256-GCM (ring)
//! under a key derived for that one value (HKDF-SHA-256 of the master key
//! and a random 128-bit salt, so no nonce is ever used twice under a key).
//! A sealed value reads `C5 | key id (8) | salt (16) | ciphertext | tag`,
//! and what it is for is bound as associated data, so a value sealed for
//! one use does not open as another.
//!
//! The master key lives in a file of its own, never in the store (mode
//! 0600; `<data file>.master-key` by default): one base64 key per line,
//! the first the one that seals, any others older keys still read after a
//! rotation. The key id is the first 8 bytes of a SHA-256 of the key.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use ring::hkdf;
use ring::rand::{SecureRandom, SystemRandom};

use crate::error::{Error, Result};

/// First byte of every sealed value (an envelope's is `0xC7`).
pub(crate) const SEALED_MAGIC: u8 = 0xC5;
/// How sealed text starts (a webhook secret in a stored spec).
const SEALED_TEXT_PREFIX: &str = "sealed:";
const KEY_BYTES: usize = 32;
const ID_BYTES: usize = 8;
const SALT_BYTES: usize = 16;
const HEADER_BYTES: usize = 1 + ID_BYTES + SALT_BYTES;

/// What a sealed value is for; bound into it, so it opens only as that.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Purpose {
    /// A token signing key (PKCS#8).
    SigningKey,
    /// A resource's write-only secret (a webhook signing secret).
    Secret,
    /// An idempotency record (a stored answer).
    IdempotencyRecord,
    /// The store's check that it was given the right key.
    Check,
}

impl Purpose {
    fn label(self) -> &'static [u8] {
        match self {
            Purpose::SigningKey => b"clusterdb signing key v1",
            Purpose::Secret => b"clusterdb secret v1",
            Purpose::IdempotencyRecord => b"clusterdb idempotency record v1",
            Purpose::Check => b"clusterdb master key check v1",
        }
    }
}

#[derive(Clone)]
struct Key {
    id: [u8; ID_BYTES],
    bytes: [u8; KEY_BYTES],
}

impl Key {
    fn new(bytes: [u8; KEY_BYTES]) -> Key {
        let digest = ring::digest::digest(&ring::digest::SHA256, &bytes);
        let mut id = [0; ID_BYTES];
        id.copy_from_slice(&digest.as_ref()[..ID_BYTES]);
        Key { id, bytes }
    }

    /// The AEAD key for one value sealed with `salt`.
    fn derive(&self, salt: &[u8]) -> Result<LessSafeKey> {
        let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, salt).extract(&self.bytes);
        let okm = prk
            .expand(&[b"clusterdb seal"], &AES_256_GCM)
            .map_err(|_| Error::Internal("key derivation failed".into()))?;
        Ok(LessSafeKey::new(UnboundKey::from(okm)))
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn random<const N: usize>() -> Result<[u8; N]> {
    let mut bytes = [0u8; N];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| Error::Internal("the system random source failed".into()))?;
    Ok(bytes)
}

/// The key that seals a store's secrets, and older keys that still open
/// what they sealed. Its bytes never appear in `Debug` output.
#[derive(Clone)]
pub struct MasterKey {
    /// The first seals; all open.
    keys: Vec<Key>,
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ids: Vec<String> = self.keys.iter().map(|k| hex(&k.id)).collect();
        f.debug_struct("MasterKey").field("ids", &ids).finish()
    }
}

impl MasterKey {
    /// A fresh random key.
    pub fn generate() -> Result<MasterKey> {
        Ok(MasterKey {
            keys: vec![Key::new(random()?)],
        })
    }

    /// A fresh key that seals from now on, keeping this one's keys to open
    /// what they sealed (`clusterdb admin rotate-master-key`).
    pub fn rotated(&self) -> Result<MasterKey> {
        let mut keys = vec![Key::new(random()?)];
        keys.extend(self.keys.iter().cloned());
        Ok(MasterKey { keys })
    }

    /// The id of the key that seals (16 hex digits).
    pub fn id(&self) -> String {
        hex(&self.keys[0].id)
    }

    /// Whether the key with id `id` (16 hex digits) is one of these.
    pub fn holds(&self, id: &str) -> bool {
        self.keys.iter().any(|k| hex(&k.id) == id)
    }

    /// Reads the key file at `path`; refused if others may read it, unless
    /// `allow_insecure`. Errors name the file.
    pub fn from_file(path: &Path, allow_insecure: bool) -> Result<MasterKey> {
        let text = std::fs::read_to_string(path).map_err(|err| {
            Error::Internal(format!(
                "cannot read the master key file {}: {err}",
                path.display()
            ))
        })?;
        if !allow_insecure {
            clusterdb_storage::private_file::check_private(path)?;
        }
        Self::parse(&text).map_err(|reason| {
            Error::Internal(format!("the master key file {} {reason}", path.display()))
        })
    }

    fn parse(text: &str) -> std::result::Result<MasterKey, String> {
        let mut keys = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let bytes = STANDARD
                .decode(line)
                .ok()
                .and_then(|b| <[u8; KEY_BYTES]>::try_from(b).ok())
                .ok_or_else(|| {
                    format!(
                        "is not a master key: line {} is not the base64 of {KEY_BYTES} bytes",
                        n + 1
                    )
                })?;
            keys.push(Key::new(bytes));
        }
        if keys.is_empty() {
            return Err("holds no key".into());
        }
        Ok(MasterKey { keys })
    }

    /// Writes the key file at `path` (mode 0600, replaced atomically).
    pub fn write_file(&self, path: &Path) -> Result<()> {
        let fail = |err: std::io::Error| {
            Error::Internal(format!(
                "cannot write the master key file {}: {err}",
                path.display()
            ))
        };
        let mut temporary = PathBuf::from(path);
        temporary.as_mut_os_string().push(".tmp");
        match std::fs::remove_file(&temporary) {
            Ok(()) => {}
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => return Err(fail(err)),
        }
        clusterdb_storage::private_file::create_private(&temporary).map_err(fail)?;
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .open(&temporary)
            .map_err(fail)?;
        let mut text = String::from(
            "# ClusterDB master key: it opens the secrets sealed in the store.\n\
             # Keep it private and apart from the data and its backups. The first\n\
             # key seals; any others are older keys, still read.\n",
        );
        for key in &self.keys {
            text.push_str(&STANDARD.encode(key.bytes));
            text.push('\n');
        }
        file.write_all(text.as_bytes()).map_err(fail)?;
        file.sync_all().map_err(fail)?;
        std::fs::rename(&temporary, path).map_err(fail)?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            // Make the rename durable; not every platform lets a directory
            // be synced, so a failure here is not one.
            let _ = std::fs::File::open(dir).and_then(|d| d.sync_all());
        }
        Ok(())
    }

    /// Seals `plaintext` for `purpose` under the current key.
    pub(crate) fn seal(&self, purpose: Purpose, plaintext: &[u8]) -> Result<Vec<u8>> {
        let key = &self.keys[0];
        let salt: [u8; SALT_BYTES] = random()?;
        let mut out = Vec::with_capacity(HEADER_BYTES + plaintext.len() + 16);
        out.push(SEALED_MAGIC);
        out.extend_from_slice(&key.id);
        out.extend_from_slice(&salt);
        let mut body = plaintext.to_vec();
        key.derive(&salt)?
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key([0; 12]),
                Aad::from(purpose.label()),
                &mut body,
            )
            .map_err(|_| Error::Internal("sealing failed".into()))?;
        out.extend_from_slice(&body);
        Ok(out)
    }

    /// Opens a value [`MasterKey::seal`] made for `purpose`.
    pub(crate) fn open(&self, purpose: Purpose, sealed: &[u8]) -> Result<Vec<u8>> {
        if sealed.len() < HEADER_BYTES + 16 || sealed[0] != SEALED_MAGIC {
            return Err(Error::Internal("not a sealed value".into()));
        }
        let id = &sealed[1..1 + ID_BYTES];
        let key = self.keys.iter().find(|k| k.id == id).ok_or_else(|| {
            Error::Internal(format!(
                "a secret in the store is sealed with master key {}, which this process was not given",
                hex(id)
            ))
        })?;
        let salt = &sealed[1 + ID_BYTES..HEADER_BYTES];
        let mut body = sealed[HEADER_BYTES..].to_vec();
        let plain = key
            .derive(salt)?
            .open_in_place(
                Nonce::assume_unique_for_key([0; 12]),
                Aad::from(purpose.label()),
                &mut body,
            )
            .map_err(|_| {
                Error::Internal(format!(
                    "a secret sealed with master key {} does not open: it was altered",
                    hex(id)
                ))
            })?;
        Ok(plain.to_vec())
    }

    /// Whether `value` is sealed under the key that seals now.
    pub(crate) fn sealed_by_current(&self, value: &[u8]) -> bool {
        value.len() > ID_BYTES
            && value[0] == SEALED_MAGIC
            && value[1..1 + ID_BYTES] == self.keys[0].id
    }

    /// `text` sealed for `purpose`, as text (`sealed:` + base64url).
    pub(crate) fn seal_text(&self, purpose: Purpose, text: &str) -> Result<String> {
        let sealed = self.seal(purpose, text.as_bytes())?;
        Ok(format!(
            "{SEALED_TEXT_PREFIX}{}",
            URL_SAFE_NO_PAD.encode(sealed)
        ))
    }

    /// Opens text [`MasterKey::seal_text`] made; text that is not sealed (a
    /// record written before secrets were sealed) is returned as it is.
    pub(crate) fn open_text(&self, purpose: Purpose, text: &str) -> Result<String> {
        let Some(encoded) = text.strip_prefix(SEALED_TEXT_PREFIX) else {
            return Ok(text.to_string());
        };
        let sealed = URL_SAFE_NO_PAD
            .decode(encoded)
            .map_err(|_| Error::Internal("a sealed secret is not base64".into()))?;
        let plain = self.open(purpose, &sealed)?;
        String::from_utf8(plain).map_err(|_| Error::Internal("a sealed secret is not text".into()))
    }

    /// Whether `text` is sealed under the key that seals now.
    pub(crate) fn text_sealed_by_current(&self, text: &str) -> bool {
        text.strip_prefix(SEALED_TEXT_PREFIX)
            .and_then(|encoded| URL_SAFE_NO_PAD.decode(encoded).ok())
            .is_some_and(|sealed| self.sealed_by_current(&sealed))
    }
}

/// Whether `text` is sealed text (not a secret in the clear).
pub fn is_sealed_text(text: &str) -> bool {
    text.starts_with(SEALED_TEXT_PREFIX)
}

impl MasterKey {
    /// A resource's write-only secret sealed for storage, as text
    /// ([`crate::Kind::seal`]).
    pub fn seal_secret(&self, secret: &str) -> Result<String> {
        self.seal_text(Purpose::Secret, secret)
    }

    /// A secret [`MasterKey::seal_secret`] sealed, in the clear; a secret
    /// that is not sealed (written before secrets were) as it is.
    pub fn open_secret(&self, stored: &str) -> Result<String> {
        self.open_text(Purpose::Secret, stored)
    }

    /// Whether `stored` is sealed under the key that seals now.
    pub fn secret_sealed_by_current(&self, stored: &str) -> bool {
        self.text_sealed_by_current(stored)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn sealed_values_open_only_with_their_key_and_purpose() {
        let key = MasterKey::generate().unwrap();
        let sealed = key.seal(Purpose::Secret, b"whsec_abc").unwrap();
        assert_eq!(key.open(Purpose::Secret, &sealed).unwrap(), b"whsec_abc");
        assert!(!sealed.windows(9).any(|w| w == b"whsec_abc"));
        assert_ne!(sealed, key.seal(Purpose::Secret, b"whsec_abc").unwrap());
        assert!(key.open(Purpose::SigningKey, &sealed).is_err());
        let other = MasterKey::generate().unwrap();
        let err = other.open(Purpose::Secret, &sealed).unwrap_err();
        assert!(err.to_string().contains(&key.id()), "{err}");
        // A rotated key seals anew and still opens the old values.
        let rotated = key.rotated().unwrap();
        assert_ne!(rotated.id(), key.id());
        assert!(rotated.holds(&key.id()));
        assert!(!rotated.sealed_by_current(&sealed));
        assert_eq!(
            rotated.open(Purpose::Secret, &sealed).unwrap(),
            b"whsec_abc"
        );
        let text = rotated.seal_text(Purpose::Secret, "whsec_x").unwrap();
        assert!(is_sealed_text(&text) && rotated.text_sealed_by_current(&text));
        assert_eq!(
            rotated.open_text(Purpose::Secret, &text).unwrap(),
            "whsec_x"
        );
        assert_eq!(
            rotated.open_text(Purpose::Secret, "whsec_y").unwrap(),
            "whsec_y"
        );
    }

    #[test]
    fn key_files_round_trip_and_bad_ones_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.master-key");
        let key = MasterKey::generate().unwrap().rotated().unwrap();
        key.write_file(&path).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        let read = MasterKey::from_file(&path, false).unwrap();
        assert_eq!(format!("{read:?}"), format!("{key:?}"));
        for (text, says) in [
            ("", "holds no key"),
            ("# only a comment\n", "holds no key"),
            ("c2hvcnQ=\n", "line 1"),
            ("not base64!\n", "line 1"),
        ] {
            std::fs::write(&path, text).unwrap();
            let err = MasterKey::from_file(&path, true).unwrap_err().to_string();
            assert!(err.contains(says) && err.contains("k.master-key"), "{err}");
        }
        let err = MasterKey::from_file(&dir.path().join("gone"), false).unwrap_err();
        assert!(err.to_string().contains("gone"), "{err}");
    }

    proptest! {
        /// Any change to a sealed value fails to open; nothing panics.
        #[test]
        fn tampering_is_detected(at in any::<prop::sample::Index>(), byte in any::<u8>(), junk in proptest::collection::vec(any::<u8>(), 0..80)) {
            let key = MasterKey::generate().unwrap();
            let mut sealed = key.seal(Purpose::IdempotencyRecord, b"payload").unwrap();
            let i = at.index(sealed.len());
            prop_assume!(sealed[i] != byte);
            sealed[i] = byte;
            prop_assert!(key.open(Purpose::IdempotencyRecord, &sealed).is_err());
            let _ = key.open(Purpose::IdempotencyRecord, &junk);
        }
    }
}
