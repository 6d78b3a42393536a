//! `clusterdb config`: manage the configuration file's profiles.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use serde_json::{Value, json};

use super::CliError;
use super::config::{ConfigFile, Profile};
use super::output::{self, Cell, Column, Format};
use super::session::{Loaded, normalize_endpoint};

/// `clusterdb config`.
#[derive(Subcommand)]
pub enum ConfigCommand {
    /// Write a new configuration file with one profile, `default`, and
    /// make it current.
    #[command(
        after_help = "Example:\n  clusterdb config init --endpoint http://127.0.0.1:7070 --api-key \"$(cat clusterdb.redb.admin-key)\""
    )]
    Init {
        #[command(flatten)]
        fields: ProfileFields,
        /// Replace an existing file.
        #[arg(long)]
        force: bool,
    },
    /// Create a profile, or change the fields given of an existing one.
    #[command(
        after_help = "Examples:\n  clusterdb config set-profile prod --endpoint https://db.example.com \\\n    --client-id oauthclient-… --client-secret … --ca-cert ca.pem\n  clusterdb config set-profile local --data ./clusterdb.redb"
    )]
    SetProfile {
        /// The profile's name.
        name: String,
        #[command(flatten)]
        fields: ProfileFields,
        /// Make it the current profile.
        #[arg(long)]
        current: bool,
    },
    /// Make a profile the current one.
    #[command(after_help = "Example:\n  clusterdb config use-profile prod")]
    UseProfile {
        /// The profile's name.
        name: String,
    },
    /// List the profiles (`*` marks the current one).
    #[command(after_help = "Example:\n  clusterdb config list")]
    List,
    /// Print the configuration file, secrets redacted.
    #[command(after_help = "Example:\n  clusterdb config view --show-secrets -o json")]
    View {
        /// Print API keys and client secrets as they are.
        #[arg(long)]
        show_secrets: bool,
    },
}

/// What a profile holds, as flags.
#[derive(Debug, Clone, Default, Args)]
pub struct ProfileFields {
    /// The server's URL (`host:port` means http); clears `data`.
    #[arg(long, value_name = "URL", conflicts_with = "data")]
    pub endpoint: Option<String>,
    /// An API key (`cdb_…`); clears OAuth client credentials.
    #[arg(long, value_name = "KEY", conflicts_with = "client_id")]
    pub api_key: Option<String>,
    /// An OAuth client id (with --client-secret); clears the API key.
    #[arg(long, value_name = "ID")]
    pub client_id: Option<String>,
    /// The OAuth client's secret.
    #[arg(long, value_name = "SECRET")]
    pub client_secret: Option<String>,
    /// A PEM CA certificate to trust.
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,
    /// A local data file (embedded mode, no server); clears the endpoint
    /// and credentials.
    #[arg(long, value_name = "FILE")]
    pub data: Option<PathBuf>,
}

impl ProfileFields {
    /// Applies the flags given to `profile`.
    fn apply(&self, profile: &mut Profile) -> Result<(), CliError> {
        if let Some(endpoint) = &self.endpoint {
            normalize_endpoint(endpoint)?;
            profile.endpoint = Some(endpoint.clone());
            profile.data = None;
        }
        if let Some(key) = &self.api_key {
            profile.api_key = Some(key.clone());
            profile.client_id = None;
            profile.client_secret = None;
        }
        if let Some(id) = &self.client_id {
            profile.client_id = Some(id.clone());
            profile.api_key = None;
        }
        if let Some(secret) = &self.client_secret {
            profile.client_secret = Some(secret.clone());
        }
        if let Some(path) = &self.ca_cert {
            profile.ca_cert = Some(absolute(path)?);
        }
        if let Some(path) = &self.data {
            profile.data = Some(absolute(path)?);
            profile.endpoint = None;
            profile.api_key = None;
            profile.client_id = None;
            profile.client_secret = None;
            profile.ca_cert = None;
        }
        Ok(())
    }
}

/// A path given on the command line, made absolute (the file resolves
/// relative paths against its own directory).
fn absolute(path: &Path) -> Result<PathBuf, CliError> {
    std::path::absolute(path)
        .map_err(|e| CliError::Usage(format!("cannot resolve {}: {e}", path.display())))
}

const PROFILE_COLUMNS: &[Column] = &[
    Column::new("CURRENT", Cell::Field("current")),
    Column::new("NAME", Cell::Field("name")),
    Column::new("TARGET", Cell::Field("target")),
    Column::new("AUTH", Cell::Field("auth")),
];

fn save(file: &ConfigFile, path: &Path) -> Result<(), CliError> {
    file.save(path).map_err(|e| CliError::Failed(e.into()))
}

/// Runs `clusterdb config …`.
pub fn run(command: ConfigCommand, loaded: Loaded, format: Format) -> Result<(), CliError> {
    let Loaded { path, file } = loaded;
    match command {
        ConfigCommand::Init { fields, force } => {
            if file.is_some() && !force {
                return Err(CliError::Usage(format!(
                    "{} exists; pass --force to replace it",
                    path.display()
                )));
            }
            let mut profile = Profile {
                endpoint: Some(super::session::DEFAULT_ENDPOINT.to_string()),
                ..Profile::default()
            };
            fields.apply(&mut profile)?;
            let file = ConfigFile {
                current_profile: Some("default".into()),
                profiles: [("default".to_string(), profile)].into(),
                ..ConfigFile::default()
            };
            save(&file, &path)?;
            Ok(output::note(format, &format!("wrote {}", path.display()))?)
        }
        ConfigCommand::SetProfile {
            name,
            fields,
            current,
        } => {
            let mut file = file.unwrap_or_default();
            let profile = file.profiles.entry(name.clone()).or_default();
            fields.apply(profile)?;
            if current || file.current_profile.is_none() {
                file.current_profile = Some(name.clone());
            }
            save(&file, &path)?;
            Ok(output::note(
                format,
                &format!("profile {name:?} saved in {}", path.display()),
            )?)
        }
        ConfigCommand::UseProfile { name } => {
            let mut file = file.ok_or_else(|| {
                CliError::Usage(format!(
                    "there is no configuration file at {}",
                    path.display()
                ))
            })?;
            file.profile(&name, &path)
                .map_err(|e| CliError::Usage(e.to_string()))?;
            file.current_profile = Some(name.clone());
            save(&file, &path)?;
            Ok(output::note(format, &format!("current profile: {name}"))?)
        }
        ConfigCommand::List => {
            let file = file.unwrap_or_default();
            let items = file
                .profiles
                .iter()
                .map(|(name, profile)| {
                    let current = file.current_profile.as_deref() == Some(name);
                    let target = match (&profile.endpoint, &profile.data) {
                        (Some(endpoint), _) => endpoint.clone(),
                        (None, Some(data)) => format!("data: {}", data.display()),
                        (None, None) => "-".into(),
                    };
                    let auth = if profile.data.is_some() && profile.endpoint.is_none() {
                        "embedded"
                    } else if profile.api_key.is_some() {
                        "api key"
                    } else if profile.client_id.is_some() {
                        "oauth client"
                    } else {
                        "none"
                    };
                    let item = json!({
                        "name": name,
                        "current": if current { "*" } else { "" },
                        "target": target,
                        "auth": auth,
                    });
                    serde_json::value::to_raw_value(&item)
                })
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| CliError::Failed(e.into()))?;
            Ok(output::list(format, PROFILE_COLUMNS, &items, "profiles")?)
        }
        ConfigCommand::View { show_secrets } => {
            let mut file = file.ok_or_else(|| {
                CliError::Usage(format!(
                    "there is no configuration file at {}",
                    path.display()
                ))
            })?;
            if !show_secrets {
                let redact = |value: &mut Option<String>| {
                    if value.is_some() {
                        *value = Some("REDACTED".into());
                    }
                };
                for profile in file.profiles.values_mut() {
                    redact(&mut profile.api_key);
                    redact(&mut profile.client_secret);
                }
                for webhook in &mut file.webhooks {
                    redact(&mut webhook.secret);
                }
            }
            let value: Value =
                serde_json::to_value(&file).map_err(|e| CliError::Failed(e.into()))?;
            let json =
                serde_json::value::to_raw_value(&value).map_err(|e| CliError::Failed(e.into()))?;
            // A person reads the file as YAML.
            let format = if matches!(format, Format::Json) {
                Format::Json
            } else {
                Format::Yaml
            };
            Ok(output::raw(format, &json)?)
        }
    }
}
