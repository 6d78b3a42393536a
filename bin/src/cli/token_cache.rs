//! Access tokens of OAuth client credentials, cached between commands in
//! `~/.clusterdb/tokens/` (mode 0600), one file per endpoint and client,
//! and fetched again when the SDKs would: when a fifth of a token's
//! lifetime is left, or a minute, whichever is less.

use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clusterdb_client::AccessToken;
use serde::{Deserialize, Serialize};

use super::CliError;
use super::config::write_private;

/// The cache entry of one (endpoint, client).
pub struct TokenCache {
    path: PathBuf,
    endpoint: String,
    client_id: String,
}

#[derive(Serialize, Deserialize)]
struct Entry {
    endpoint: String,
    client_id: String,
    access_token: String,
    /// Unix seconds.
    expires_at: u64,
    /// Unix seconds; 0 in a cache written before it was kept (such a token
    /// is renewed in its last minute).
    #[serde(default)]
    issued_at: u64,
}

impl TokenCache {
    /// The entry of `client_id` at `endpoint`.
    pub fn new(endpoint: &str, client_id: &str) -> Result<TokenCache, CliError> {
        let digest = ring::digest::digest(
            &ring::digest::SHA256,
            format!("{endpoint}\n{client_id}").as_bytes(),
        );
        let name: String = digest.as_ref()[..12]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Ok(TokenCache {
            path: super::config::home()?
                .join(".clusterdb")
                .join("tokens")
                .join(format!("{name}.json")),
            endpoint: endpoint.to_string(),
            client_id: client_id.to_string(),
        })
    }

    /// The cached token, if there is one for this client that is not
    /// about to expire.
    pub fn read(&self) -> Option<String> {
        let bytes = std::fs::read(&self.path).ok()?;
        let entry: Entry = serde_json::from_slice(&bytes).ok()?;
        let token = AccessToken {
            token: entry.access_token,
            issued_at: UNIX_EPOCH + Duration::from_secs(entry.issued_at),
            expires_at: UNIX_EPOCH + Duration::from_secs(entry.expires_at),
        };
        let fresh = SystemTime::now() < token.renew_at();
        (fresh && entry.endpoint == self.endpoint && entry.client_id == self.client_id)
            .then_some(token.token)
    }

    /// Caches `token`; a cache that cannot be written only costs a fetch
    /// next time, so failures are logged, not returned.
    pub fn write(&self, token: &AccessToken) {
        let unix = |at: SystemTime| at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let entry = Entry {
            endpoint: self.endpoint.clone(),
            client_id: self.client_id.clone(),
            access_token: token.token.clone(),
            expires_at: unix(token.expires_at),
            issued_at: unix(token.issued_at),
        };
        let result = serde_json::to_vec(&entry)
            .map_err(|e| e.to_string())
            .and_then(|bytes| write_private(&self.path, &bytes).map_err(|e| e.to_string()));
        if let Err(err) = result {
            tracing::warn!(error = %err, "cannot cache the access token");
        }
    }

    /// Drops the entry (the server refused its token).
    pub fn forget(&self) {
        let _ = std::fs::remove_file(&self.path);
    }
}
