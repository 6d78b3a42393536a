//! Which server (or data file) a command talks to, and as whom: the
//! profile, the environment and the defaults resolved into a connected
//! SDK client.
//!
//! Precedence, field by field: flag > environment > profile > default.

use std::path::{Path, PathBuf};

use clusterdb::ClusterDb;
use clusterdb_client::Client;

use super::config::{ConfigFile, expand_env, home, resolve_path};
use super::token_cache::TokenCache;
use super::{CliError, Globals};

/// The server `clusterdb serve` listens on by default.
pub const DEFAULT_ENDPOINT: &str = "http://127.0.0.1:7070";

/// The configuration the globals name, read once.
pub struct Loaded {
    /// The file's path (whether or not it exists).
    pub path: PathBuf,
    /// Its contents; `None` when there is no file.
    pub file: Option<ConfigFile>,
}

impl Loaded {
    /// Reads the file `--config` / `CLUSTERDB_CONFIG` / the default names.
    pub fn read(globals: &Globals) -> Result<Loaded, CliError> {
        let path = config_path(globals)?;
        let file = ConfigFile::load(&path).map_err(|e| CliError::Usage(e.to_string()))?;
        Ok(Loaded { path, file })
    }

    /// [`Loaded::read`] for a command that uses the file: one named with
    /// `--config` or `CLUSTERDB_CONFIG` must exist (the default path need
    /// not).
    pub fn read_existing(globals: &Globals) -> Result<Loaded, CliError> {
        let loaded = Self::read(globals)?;
        if globals.config.is_some() && loaded.file.is_none() {
            return Err(CliError::Usage(format!(
                "the configuration file {} (--config or CLUSTERDB_CONFIG) does not exist",
                loaded.path.display()
            )));
        }
        Ok(loaded)
    }

    /// The profile to use: `--profile`, `CLUSTERDB_PROFILE`, or the file's
    /// `current_profile`; a named profile must exist.
    pub fn profile(
        &self,
        globals: &Globals,
    ) -> Result<Option<(String, super::config::Profile)>, CliError> {
        let named = globals.profile.clone();
        let name = match (&named, &self.file) {
            (Some(name), _) => name.clone(),
            (None, Some(file)) => match &file.current_profile {
                Some(name) => name.clone(),
                None => return Ok(None),
            },
            (None, None) => return Ok(None),
        };
        let Some(file) = &self.file else {
            return Err(CliError::Usage(format!(
                "profile {name:?} was asked for, but there is no configuration file at {} \
                 (create one with `clusterdb config set-profile {name} …`)",
                self.path.display()
            )));
        };
        let profile = file
            .profile(&name, &self.path)
            .map_err(|e| CliError::Usage(e.to_string()))?;
        Ok(Some((name, profile.clone())))
    }
}

/// `--config`, `CLUSTERDB_CONFIG` (both through clap), or
/// `~/.clusterdb/config.yaml`.
fn config_path(globals: &Globals) -> Result<PathBuf, CliError> {
    match &globals.config {
        Some(path) => Ok(path.clone()),
        None => Ok(home()?.join(".clusterdb").join("config.yaml")),
    }
}

/// How requests authenticate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credentials {
    /// None (the server will refuse most calls).
    None,
    /// An API key.
    ApiKey(String),
    /// OAuth client credentials: tokens are fetched and cached.
    Client {
        /// `client_id`.
        id: String,
        /// `client_secret`.
        secret: String,
    },
}

/// What a command talks to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A server.
    Remote {
        /// Its URL.
        endpoint: String,
        /// As whom.
        credentials: Credentials,
        /// A CA certificate to trust.
        ca_cert: Option<PathBuf>,
    },
    /// A data file opened in this process.
    Embedded {
        /// The file.
        data: PathBuf,
    },
}

/// Reads an environment variable; empty counts as unset.
fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// Resolves the target from the environment, the profile and defaults.
pub fn target(globals: &Globals, loaded: &Loaded) -> Result<Target, CliError> {
    let profile = loaded.profile(globals)?;
    let (name, profile) = match profile {
        Some((name, profile)) => (name, profile),
        None => (String::new(), Default::default()),
    };
    let expand = |value: &Option<String>, field: &str| -> Result<Option<String>, CliError> {
        value
            .as_deref()
            .map(|v| expand_env(v, &format!("profiles.{name}.{field}")))
            .transpose()
            .map_err(|e| CliError::Usage(e.to_string()))
    };
    let endpoint = match env("CLUSTERDB_ENDPOINT") {
        Some(endpoint) => Some(endpoint),
        None => expand(&profile.endpoint, "endpoint")?,
    };
    if endpoint.is_none()
        && let Some(data) = &profile.data
    {
        if profile.api_key.is_some() || profile.client_id.is_some() {
            return Err(CliError::Usage(format!(
                "profile {name:?} names a data file and credentials; a data file needs none"
            )));
        }
        return Ok(Target::Embedded {
            data: resolve_path(data, &loaded.path),
        });
    }
    let credentials = if let Some(key) = env("CLUSTERDB_API_KEY") {
        Credentials::ApiKey(key)
    } else if let Some(id) = env("CLUSTERDB_CLIENT_ID") {
        let secret = match env("CLUSTERDB_CLIENT_SECRET") {
            Some(secret) => secret,
            None => expand(&profile.client_secret, "client_secret")?.ok_or_else(|| {
                CliError::Usage("CLUSTERDB_CLIENT_ID is set without CLUSTERDB_CLIENT_SECRET".into())
            })?,
        };
        Credentials::Client { id, secret }
    } else if let Some(key) = expand(&profile.api_key, "api_key")? {
        Credentials::ApiKey(key)
    } else if let Some(id) = expand(&profile.client_id, "client_id")? {
        let secret = match env("CLUSTERDB_CLIENT_SECRET") {
            Some(secret) => secret,
            None => expand(&profile.client_secret, "client_secret")?.ok_or_else(|| {
                CliError::Usage(format!(
                    "profile {name:?} has a client_id without a client_secret"
                ))
            })?,
        };
        Credentials::Client { id, secret }
    } else {
        Credentials::None
    };
    Ok(Target::Remote {
        endpoint: normalize_endpoint(endpoint.as_deref().unwrap_or(DEFAULT_ENDPOINT))?,
        credentials,
        ca_cert: profile
            .ca_cert
            .as_deref()
            .map(|path| resolve_path(path, &loaded.path)),
    })
}

/// A URL from an endpoint as users write it: `host:port` means http.
pub fn normalize_endpoint(endpoint: &str) -> Result<String, CliError> {
    let endpoint = endpoint.trim();
    let url = if endpoint.contains("://") {
        endpoint.to_string()
    } else {
        format!("http://{endpoint}")
    };
    let url = url.trim_end_matches('/').to_string();
    let scheme_ok = url.starts_with("http://") || url.starts_with("https://");
    let host = url.split_once("://").map(|(_, rest)| rest).unwrap_or("");
    let host = host.trim_end_matches('/');
    if !scheme_ok || host.is_empty() {
        return Err(CliError::Usage(format!(
            "the endpoint {endpoint:?} is not an http:// or https:// URL"
        )));
    }
    Ok(url)
}

/// A connected client, and the database it holds open in embedded mode.
pub struct Session {
    /// The SDK client.
    pub client: Client,
    /// Embedded mode: the database, closed by [`Session::close`].
    db: Option<ClusterDb>,
    /// A cached access token in use, forgotten if the server refuses it.
    cached_token: Option<TokenCache>,
    /// The access token requests carry (OAuth client credentials).
    token: Option<String>,
    /// The target.
    pub target: Target,
}

impl Session {
    /// Connects to `target` (opening the data file in embedded mode).
    pub async fn open(target: Target) -> Result<Session, CliError> {
        match &target {
            Target::Embedded { data } => {
                let db = open_embedded(data).await?;
                let client = Client::in_process(clusterdb_api::InProcess::new(
                    clusterdb_api::embedded_app(db.clone()),
                ))?;
                Ok(Session {
                    client,
                    db: Some(db),
                    cached_token: None,
                    token: None,
                    target,
                })
            }
            Target::Remote {
                endpoint,
                credentials,
                ca_cert,
            } => {
                let pem = match ca_cert {
                    Some(path) => std::fs::read(path).map_err(|e| {
                        CliError::Usage(format!(
                            "cannot read the CA certificate {}: {e}",
                            path.display()
                        ))
                    })?,
                    None => Vec::new(),
                };
                let client = Client::with_root_certificates(endpoint, &pem)?;
                let (client, cached_token, token) = match credentials {
                    Credentials::None => (client, None, None),
                    Credentials::ApiKey(key) => (client.with_api_key(key)?, None, None),
                    Credentials::Client { id, secret } => {
                        let cache = TokenCache::new(endpoint, id)?;
                        let token = match cache.read() {
                            Some(token) => token,
                            None => {
                                let fetched = client
                                    .clone()
                                    .with_client_credentials(id, secret)
                                    .access_token()
                                    .await?
                                    .ok_or_else(|| {
                                        CliError::Unavailable("no access token was issued".into())
                                    })?;
                                cache.write(&fetched);
                                fetched.token
                            }
                        };
                        (client.with_api_key(&token)?, Some(cache), Some(token))
                    }
                };
                Ok(Session {
                    client,
                    db: None,
                    cached_token,
                    token,
                    target,
                })
            }
        }
    }

    /// The access token of OAuth client credentials, if that is how the
    /// session authenticates.
    pub fn bearer_token(&self) -> Option<String> {
        self.token.clone()
    }

    /// After a command: forgets a cached token the server refused, and
    /// closes an embedded database.
    pub async fn close(self, outcome: &Result<(), CliError>) -> Result<(), CliError> {
        if let (Some(cache), Err(err)) = (&self.cached_token, outcome)
            && err.is_unauthenticated()
        {
            cache.forget();
        }
        if let Some(db) = self.db {
            db.close()
                .await
                .map_err(|e| CliError::Failed(anyhow::anyhow!("closing the data file: {e}")))?;
        }
        Ok(())
    }
}

/// Opens a data file for one command: no background work (reconcilers,
/// retention), which `clusterdb serve` on the file does.
async fn open_embedded(data: &Path) -> Result<ClusterDb, CliError> {
    let builder = ClusterDb::builder()
        .reconcile(false)
        // As a server: no native handlers, WebAssembly only.
        .without_runtime(clusterdb::NativeRuntime::NAME);
    match builder.open(data).await {
        Ok(db) => Ok(db),
        Err(err) if err.is_store_in_use() => Err(CliError::Unavailable(format!(
            "the data file {} is in use by another process (a server? then use a profile \
                 with its endpoint)",
            data.display()
        ))),
        Err(err) => Err(CliError::Unavailable(format!(
            "cannot open the data file {}: {err}",
            data.display()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_default_to_http() {
        assert_eq!(
            normalize_endpoint("127.0.0.1:7070").unwrap(),
            "http://127.0.0.1:7070"
        );
        assert_eq!(
            normalize_endpoint("https://db.example.com/").unwrap(),
            "https://db.example.com"
        );
        assert!(normalize_endpoint("ftp://x").is_err());
        assert!(normalize_endpoint("http://").is_err());
    }
}
