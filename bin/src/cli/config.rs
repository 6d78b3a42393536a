//! The configuration file (`~/.clusterdb/config.yaml` by default): CLI
//! profiles, and the server's `server:` and `webhooks:` sections.
//!
//! ```yaml
//! current_profile: prod
//! profiles:
//!   prod:
//!     endpoint: https://clusterdb.example.com
//!     client_id: oauthclient-…
//!     client_secret: ${CLUSTERDB_CLIENT_SECRET}
//!     ca_cert: ca.pem
//!   local:
//!     data: ./clusterdb.redb
//! server:
//!   listen: 0.0.0.0:7070
//!   rate_limit: 6000
//! webhooks:
//!   - url: https://example.com/webhook
//!     events: [fleet.created]
//!     secret: ${WEBHOOK_SECRET}
//! ```
//!
//! Strings may name environment variables as `${VAR}`, expanded when the
//! value is used (a missing variable is an error naming it); the file is
//! rewritten with them unexpanded.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::CliError;

/// The whole file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// The profile used when none is named.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_profile: Option<String>,
    /// Named profiles.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub profiles: BTreeMap<String, Profile>,
    /// `clusterdb serve` options: one key per flag (`rate_limit` or
    /// `rate-limit` for `--rate-limit`); a list for a repeatable flag,
    /// `true` for a switch.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub server: BTreeMap<String, serde_json::Value>,
    /// The spec's webhook endpoints.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub webhooks: Vec<WebhookConfig>,
}

/// Where a profile points: a server, or a local data file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// The server's URL, e.g. `https://clusterdb.example.com`
    /// (`host:port` means http).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// An API key (`cdb_…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key: Option<String>,
    /// An OAuth client's id (with `client_secret`): the CLI fetches and
    /// caches access tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// The OAuth client's secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    /// A PEM CA certificate to trust (a server with a private CA); relative
    /// to the config file's directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_cert: Option<PathBuf>,
    /// A local data file: embedded mode, no server; relative to the config
    /// file's directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<PathBuf>,
}

/// One webhook endpoint of the spec's `webhooks:` block.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// Where events are posted.
    pub url: String,
    /// Event types to deliver (`*` for all).
    #[serde(default)]
    pub events: Vec<String>,
    /// The signing secret (`${VAR}` from the environment).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Whether deliveries are made (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
}

/// Why a configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file cannot be read or written.
    #[error("{path}: {error}")]
    Io {
        /// The file.
        path: String,
        /// What failed.
        error: std::io::Error,
    },
    /// The file is not valid configuration.
    #[error("{path}:{line}:{column}: {message}")]
    Malformed {
        /// The file.
        path: String,
        /// 1-based line.
        line: u64,
        /// 1-based column.
        column: u64,
        /// What is wrong there.
        message: String,
    },
    /// Anything else, worded for the user.
    #[error("{0}")]
    Invalid(String),
}

impl ConfigFile {
    /// Reads `path`; `Ok(None)` if there is no such file.
    pub fn load(path: &Path) -> Result<Option<ConfigFile>, ConfigError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(error) => {
                return Err(ConfigError::Io {
                    path: path.display().to_string(),
                    error,
                });
            }
        };
        Self::parse(&text, path).map(Some)
    }

    /// Parses the text of the file at `path` (named in errors).
    pub fn parse(text: &str, path: &Path) -> Result<ConfigFile, ConfigError> {
        if text.trim().is_empty() {
            return Ok(ConfigFile::default());
        }
        // YAML 1.2 booleans: `off` (as in `rate_limit: off`) stays text.
        let options = serde_saphyr::options! { strict_booleans: true };
        serde_saphyr::from_str_with_options::<ConfigFile>(text, options).map_err(|err| {
            let (line, column) = err
                .location()
                .map(|l| (l.line(), l.column()))
                .unwrap_or((1, 1));
            ConfigError::Malformed {
                path: path.display().to_string(),
                line,
                column,
                message: first_line(&err.to_string()),
            }
        })
    }

    /// Writes the file, readable by its owner only (it holds credentials),
    /// creating its directory if needed; replaced atomically.
    pub fn save(&self, path: &Path) -> Result<(), ConfigError> {
        let text = serde_saphyr::to_string(self)
            .map_err(|e| ConfigError::Invalid(format!("cannot write the configuration: {e}")))?;
        write_private(path, text.as_bytes())
    }

    /// The profile `name`, or an error listing the ones there are.
    pub fn profile(&self, name: &str, path: &Path) -> Result<&Profile, ConfigError> {
        self.profiles.get(name).ok_or_else(|| {
            let known: Vec<&str> = self.profiles.keys().map(String::as_str).collect();
            ConfigError::Invalid(format!(
                "no profile {name:?} in {}{}",
                path.display(),
                if known.is_empty() {
                    " (it has none; add one with `clusterdb config set-profile`)".to_string()
                } else {
                    format!(" (profiles: {})", known.join(", "))
                }
            ))
        })
    }
}

/// The message of a parse error without the snippet some errors append.
fn first_line(message: &str) -> String {
    message
        .lines()
        .next()
        .unwrap_or("invalid YAML")
        .trim()
        .to_string()
}

/// Writes `bytes` to `path` with mode 0600 through a temporary file in the
/// same directory, so a crash leaves the old file or the new one.
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<(), ConfigError> {
    use std::io::Write as _;
    let io = |error: std::io::Error| ConfigError::Io {
        path: path.display().to_string(),
        error,
    };
    let directory = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(&directory).map_err(io)?;
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(format!(".tmp{}", std::process::id()));
    let temporary = PathBuf::from(temporary);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let result = (|| {
        let mut file = options.open(&temporary)?;
        #[cfg(unix)]
        file.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temporary, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result.map_err(io)
}

/// Expands `${VAR}` from the environment in `text`; `$$` is a `$`. A
/// variable that is not set is an error naming it (and `what`).
pub fn expand_env(text: &str, what: &str) -> Result<String, ConfigError> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        if let Some(more) = after.strip_prefix('$') {
            out.push('$');
            rest = more;
        } else if let Some(body) = after.strip_prefix('{') {
            let end = body.find('}').ok_or_else(|| {
                ConfigError::Invalid(format!("{what}: unclosed `${{` in {text:?}"))
            })?;
            let name = &body[..end];
            let valid = !name.is_empty()
                && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                && !name.as_bytes()[0].is_ascii_digit();
            if !valid {
                return Err(ConfigError::Invalid(format!(
                    "{what}: `${{{name}}}` is not an environment variable name"
                )));
            }
            let value = std::env::var(name).map_err(|_| {
                ConfigError::Invalid(format!(
                    "{what}: the environment variable {name} is not set"
                ))
            })?;
            out.push_str(&value);
            rest = &body[end + 1..];
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// `path` as written in the file at `config`: relative paths are relative
/// to the file's directory.
pub fn resolve_path(path: &Path, config: &Path) -> PathBuf {
    if path.is_absolute() {
        return path.to_path_buf();
    }
    match config.parent() {
        Some(parent) => parent.join(path),
        None => path.to_path_buf(),
    }
}

/// The user's home directory.
pub fn home() -> Result<PathBuf, CliError> {
    std::env::home_dir()
        .filter(|p| !p.as_os_str().is_empty())
        .ok_or_else(|| {
            CliError::Usage("no home directory (set HOME, or pass --config)".to_string())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_file_parses_and_round_trips() {
        let text = "current_profile: prod\nprofiles:\n  prod:\n    endpoint: https://db.example.com\n    api_key: cdb_x\n  local:\n    data: ./clusterdb.redb\nserver:\n  listen: 127.0.0.1:9000\n  rate_limit: 100\n  rate_limit_role: [admin=10]\nwebhooks:\n  - url: https://example.com/webhook\n    events:\n      - fleet.created\n    secret: ${WEBHOOK_SECRET}\n";
        let file = ConfigFile::parse(text, Path::new("c.yaml")).unwrap();
        assert_eq!(file.current_profile.as_deref(), Some("prod"));
        assert_eq!(file.profiles["prod"].api_key.as_deref(), Some("cdb_x"));
        assert_eq!(
            file.profiles["local"].data.as_deref(),
            Some(Path::new("./clusterdb.redb"))
        );
        assert_eq!(file.server["rate_limit"], serde_json::json!(100));
        assert_eq!(
            file.webhooks[0].secret.as_deref(),
            Some("${WEBHOOK_SECRET}")
        );
        let again = serde_saphyr::to_string(&file).unwrap();
        assert_eq!(
            ConfigFile::parse(&again, Path::new("c.yaml")).unwrap(),
            file
        );
    }

    #[test]
    fn only_yaml_1_2_booleans_are_booleans() {
        let file =
            ConfigFile::parse("server:\n  rate_limit: off\n  tls: true\n", Path::new("c")).unwrap();
        assert_eq!(file.server["rate_limit"], serde_json::json!("off"));
        assert_eq!(file.server["tls"], serde_json::json!(true));
    }

    #[test]
    fn errors_name_the_path_line_and_column() {
        let err = ConfigFile::parse(
            "profiles:\n  a:\n    endpoint: x\n    colour: red\n",
            Path::new("/tmp/c.yaml"),
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("/tmp/c.yaml:4:"), "{text}");
        assert!(text.contains("colour"), "{text}");
        let err = ConfigFile::parse("profiles: [\n", Path::new("c.yaml")).unwrap_err();
        assert!(matches!(err, ConfigError::Malformed { .. }), "{err}");
        // Empty is an empty configuration.
        assert_eq!(
            ConfigFile::parse("\n", Path::new("c.yaml")).unwrap(),
            ConfigFile::default()
        );
    }

    #[test]
    fn environment_variables_expand_and_a_missing_one_is_named() {
        // SAFETY-free: the test owns a variable name no one else uses.
        let name = "CLUSTERDB_TEST_EXPAND_VALUE";
        assert_eq!(expand_env("a$$b", "x").unwrap(), "a$b");
        assert_eq!(expand_env("cost $5", "x").unwrap(), "cost $5");
        let err = expand_env(&format!("${{{name}_MISSING}}"), "webhooks[0].secret").unwrap_err();
        assert!(
            err.to_string().contains(&format!("{name}_MISSING")),
            "{err}"
        );
        assert!(err.to_string().starts_with("webhooks[0].secret"), "{err}");
        assert!(expand_env("${1X}", "x").is_err());
        assert!(expand_env("${OPEN", "x").is_err());
        let path = std::env::var("PATH").unwrap();
        assert_eq!(expand_env("<${PATH}>", "x").unwrap(), format!("<{path}>"));
    }

    #[test]
    fn relative_paths_are_relative_to_the_file() {
        assert_eq!(
            resolve_path(
                Path::new("./d.redb"),
                Path::new("/home/u/.clusterdb/config.yaml")
            ),
            Path::new("/home/u/.clusterdb/./d.redb")
        );
        assert_eq!(
            resolve_path(Path::new("/abs/d.redb"), Path::new("/x/c.yaml")),
            Path::new("/abs/d.redb")
        );
    }

    proptest::proptest! {
        /// Whatever a config file holds, reading it answers a value or an
        /// error with a position; it never panics.
        #[test]
        fn any_text_parses_or_fails_cleanly(text in "(?s).{0,300}") {
            let _ = ConfigFile::parse(&text, Path::new("c.yaml"));
        }

        /// Valid files with bytes flipped or cut: the same.
        #[test]
        fn damaged_files_parse_or_fail_cleanly(cut in 0usize..400, flip in 0usize..400, byte in 0u8..128) {
            let mut text = "current_profile: a\nprofiles:\n  a:\n    endpoint: http://x:1\n    api_key: ${K}\nserver:\n  listen: 1.2.3.4:5\n  rate_limit_role: [admin=1]\nwebhooks:\n  - url: https://e/h\n    events: [fleet.created]\n".as_bytes().to_vec();
            if flip < text.len() {
                text[flip] = byte;
            }
            text.truncate(cut);
            let _ = ConfigFile::parse(&String::from_utf8_lossy(&text), Path::new("c.yaml"));
        }
    }

    #[test]
    fn saved_files_are_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/config.yaml");
        let mut file = ConfigFile::default();
        file.profiles.insert("a".into(), Profile::default());
        file.save(&path).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(ConfigFile::load(&path).unwrap().unwrap(), file);
        assert_eq!(ConfigFile::load(&dir.path().join("none")).unwrap(), None);
    }
}
