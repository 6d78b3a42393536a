//! The `clusterdb` command line: global options, the command tree, and
//! how a command's outcome becomes output and an exit code.
//!
//! Client commands talk to a server through the Rust SDK, or — with a
//! profile naming a data file — to the database opened in this process,
//! through the same SDK and the same REST handlers
//! ([`clusterdb_api::embedded_app`]).

pub mod admin;
pub mod args;
mod backup;
pub mod compute;
pub mod config;
mod config_cmd;
pub mod events;
pub mod identity;
pub mod manifest;
pub mod mesh;
pub mod monitor;
pub mod output;
pub mod resource;
pub mod serve_config;
pub mod session;
mod token_cache;
pub mod webhook;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use clusterdb_client::ClientError;

use output::Format;

/// The exit codes, in `--help`.
const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  the API refused the request (or another failure)
  2  usage error: bad flags, arguments or configuration
  3  cannot connect, or not authenticated

Environment:
  CLUSTERDB_CONFIG, CLUSTERDB_PROFILE      as --config, --profile
  CLUSTERDB_ENDPOINT                       the server's URL (host:port means http)
  CLUSTERDB_API_KEY                        an API key
  CLUSTERDB_CLIENT_ID, CLUSTERDB_CLIENT_SECRET
                                           OAuth client credentials
  Flags win over the environment, the environment over the profile.";

/// ClusterDB: a control-plane database.
#[derive(Parser)]
#[command(name = "clusterdb", version, after_help = EXIT_CODES)]
pub struct Cli {
    #[command(flatten)]
    pub globals: Globals,
    #[command(subcommand)]
    pub command: Command,
}

/// The global options, accepted before or after the subcommand.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Global options")]
pub struct Globals {
    /// Config file [default: ~/.clusterdb/config.yaml]
    #[arg(
        long,
        global = true,
        env = "CLUSTERDB_CONFIG",
        hide_env_values = true,
        value_name = "FILE"
    )]
    pub config: Option<PathBuf>,
    /// Configuration profile to use
    #[arg(
        long,
        global = true,
        env = "CLUSTERDB_PROFILE",
        hide_env_values = true,
        value_name = "NAME"
    )]
    pub profile: Option<String>,
    /// Enable debug logging
    #[arg(long, global = true)]
    pub debug: bool,
    /// Output format (json|yaml|table|wide)
    #[arg(
        long,
        short = 'o',
        global = true,
        value_enum,
        hide_possible_values = true,
        default_value_t = Format::Table,
        value_name = "FORMAT"
    )]
    pub output: Format,
}

/// The commands.
#[derive(Subcommand)]
pub enum Command {
    /// Run the server: REST (and gRPC) on one port, one data file.
    Serve(Box<crate::serve::ServeArgs>),
    /// Fleets, instances and functions.
    #[command(subcommand)]
    Compute(compute::ComputeCommand),
    /// Users, groups, API keys, OAuth clients and tokens.
    #[command(subcommand)]
    Identity(identity::IdentityCommand),
    /// Virtual services and security policies: apply, read, diff, and
    /// what a request would do.
    #[command(subcommand)]
    Mesh(mesh::MeshCommand),
    /// Webhook endpoints, their deliveries, redeliveries and tests.
    #[command(subcommand)]
    Webhook(webhook::WebhookCommand),
    /// Metrics history, alerts, alert rules and silences.
    #[command(subcommand)]
    Monitor(monitor::MonitorCommand),
    /// The event log: list it, or follow it live.
    #[command(subcommand)]
    Events(events::EventsCommand),
    /// Manage the configuration file's profiles.
    #[command(subcommand)]
    Config(config_cmd::ConfigCommand),
    /// Maintenance of a store, with the server stopped.
    #[command(subcommand)]
    Admin(admin::AdminCommand),
    /// Print a shell completion script.
    #[command(
        after_help = "Example:\n  clusterdb completion bash > /etc/bash_completion.d/clusterdb"
    )]
    Completion {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the client's version, and the server's when it answers.
    #[command(after_help = "Example:\n  clusterdb version --profile prod")]
    Version,
}

/// How a command failed, and so its exit code.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Bad flags, arguments or configuration (exit 2).
    #[error("{0}")]
    Usage(String),
    /// The server cannot be reached or the data file opened (exit 3).
    #[error("{0}")]
    Unavailable(String),
    /// No valid credentials (exit 3).
    #[error("{0}")]
    Unauthenticated(String),
    /// A call failed: the API's error, or the transport's (exit 1 or 3).
    #[error("{0}")]
    Api(#[from] ClientError),
    /// Anything else (exit 1).
    #[error("{0:#}")]
    Failed(#[from] anyhow::Error),
    /// A failure whose details were already printed (exit 1).
    #[error("{0}")]
    Reported(String),
    /// `mesh diff` found differences, and printed them (exit 1, as `diff`
    /// and `kubectl diff` do).
    #[error("the documents differ from the store")]
    Differences,
}

impl CliError {
    /// Whether the server refused the credentials.
    pub fn is_unauthenticated(&self) -> bool {
        match self {
            CliError::Unauthenticated(_) => true,
            CliError::Api(err) => err.code() == Some("UNAUTHENTICATED"),
            _ => false,
        }
    }

    /// The exit code: 1 API error, 2 usage, 3 connection or credentials.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) => 2,
            CliError::Unavailable(_) | CliError::Unauthenticated(_) => 3,
            CliError::Api(ClientError::Transport(_) | ClientError::Grpc(_)) => 3,
            CliError::Api(ClientError::Credentials(_)) => 3,
            CliError::Api(_) if self.is_unauthenticated() => 3,
            CliError::Api(_) | CliError::Failed(_) | CliError::Reported(_) => 1,
            CliError::Differences => 1,
        }
    }

    /// The error in the API's error format: `code`, `message`, `details`.
    fn as_api_error(&self) -> ErrorBody {
        let (code, message, details) = match self {
            CliError::Api(ClientError::Api {
                code,
                message,
                details,
                ..
            }) => (code.as_str(), message.clone(), details.clone()),
            CliError::Usage(message) => ("USAGE", message.clone(), Default::default()),
            CliError::Unauthenticated(message)
            | CliError::Api(ClientError::Credentials(message)) => {
                ("UNAUTHENTICATED", message.clone(), Default::default())
            }
            CliError::Unavailable(message) => ("UNAVAILABLE", message.clone(), Default::default()),
            CliError::Api(ClientError::Transport(_) | ClientError::Grpc(_)) => {
                ("UNAVAILABLE", self.line(), Default::default())
            }
            CliError::Reported(message) => ("FAILED", message.clone(), Default::default()),
            CliError::Differences => ("DIFFERENCES", self.to_string(), Default::default()),
            CliError::Api(_) | CliError::Failed(_) => {
                ("INTERNAL", self.to_string(), Default::default())
            }
        };
        ErrorBody {
            error: ErrorFields {
                code: code.to_string(),
                message,
                details,
            },
        }
    }

    /// The error in the API's format, as JSON.
    pub fn api_error_value(&self) -> serde_json::Value {
        serde_json::to_value(self.as_api_error()).unwrap_or_default()
    }

    /// The error as a person reads it: `CODE: message (field: reason)`.
    pub fn line(&self) -> String {
        match self {
            CliError::Api(ClientError::Api {
                code,
                message,
                details,
                ..
            }) => {
                let mut line = format!("{code}: {message}");
                let field = details.get("field").and_then(|v| v.as_str());
                let reason = details.get("reason").and_then(|v| v.as_str());
                let detail = match (field, reason) {
                    (Some(field), Some(reason)) => Some(format!("{field}: {reason}")),
                    // The message names the kind and what was asked for.
                    _ if details.is_empty() || code == "NOT_FOUND" => None,
                    _ => Some(
                        details
                            .iter()
                            .map(|(k, v)| match v {
                                serde_json::Value::String(s) => format!("{k}: {s}"),
                                other => format!("{k}: {other}"),
                            })
                            .collect::<Vec<_>>()
                            .join(", "),
                    ),
                };
                if let Some(detail) = detail {
                    line.push_str(&format!(" ({detail})"));
                }
                line
            }
            CliError::Api(ClientError::Transport(err)) if err.is_connect() => {
                let to = err
                    .url()
                    .map(|url| format!(" to {}", url.origin().ascii_serialization()))
                    .unwrap_or_default();
                let tls = error_chain(err);
                let why = if tls.contains("InvalidContentType") || tls.contains("corrupt message") {
                    "the server does not speak TLS there: use http://".to_string()
                } else if tls.contains("Connection refused") {
                    "nothing listens there (is the server running?)".to_string()
                } else {
                    tls
                };
                format!(
                    "cannot connect{to}: {why}; set the server with --endpoint, CLUSTERDB_ENDPOINT or a profile"
                )
            }
            CliError::Api(ClientError::Transport(err)) => {
                format!("cannot connect: {}", error_chain(err))
            }
            other => format!("error: {other}"),
        }
    }

    /// Prints the error to stderr: as JSON with `-o json`, else a line
    /// (with a hint when credentials are missing).
    pub fn report(&self, format: Format) {
        if matches!(self, CliError::Differences) {
            return;
        }
        if format == Format::Json {
            let text = serde_json::to_string_pretty(&self.as_api_error())
                .unwrap_or_else(|_| self.to_string());
            eprintln!("{text}");
            return;
        }
        eprintln!("{}", self.line());
        if self.is_unauthenticated() {
            eprintln!(
                "hint: set CLUSTERDB_API_KEY (a new server writes its admin key to \
                 <data file>.admin-key), or use a profile with credentials \
                 (`clusterdb config set-profile`)"
            );
        }
    }
}

/// `{"error": {…}}`, as the API writes errors.
#[derive(serde::Serialize)]
struct ErrorBody {
    error: ErrorFields,
}

#[derive(serde::Serialize)]
struct ErrorFields {
    code: String,
    message: String,
    details: serde_json::Map<String, serde_json::Value>,
}

/// An error and its sources, joined.
fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = String::new();
    for cause in std::iter::successors(Some(err), |e| e.source()) {
        let cause = cause.to_string();
        if !text.contains(&cause) {
            if !text.is_empty() {
                text.push_str(": ");
            }
            text.push_str(&cause);
        }
    }
    text
}

/// Runs a command: `serve`, `admin`, or a client command.
pub async fn run(command: Command, globals: &Globals) -> Result<(), CliError> {
    let format = globals.output;
    match command {
        Command::Serve(args) => crate::serve::run(*args).await.map_err(CliError::Failed),
        Command::Admin(command) => admin::run(command, globals).await,
        Command::Completion { shell } => {
            use clap::CommandFactory as _;
            let mut command = Cli::command();
            clap_complete::generate(shell, &mut command, "clusterdb", &mut std::io::stdout());
            Ok(())
        }
        Command::Config(command) => {
            config_cmd::run(command, session::Loaded::read(globals)?, format)
        }
        Command::Version => version(globals).await,
        Command::Compute(command) => {
            with_session(globals, async |session| {
                compute::run(command, &session.client, format).await
            })
            .await
        }
        Command::Identity(command) => {
            with_session(globals, async |session| {
                identity::run(command, session, format).await
            })
            .await
        }
        Command::Mesh(command) => {
            with_session(globals, async |session| {
                mesh::run(command, &session.client, format).await
            })
            .await
        }
        Command::Webhook(command) => {
            with_session(globals, async |session| {
                webhook::run(command, &session.client, format).await
            })
            .await
        }
        Command::Monitor(command) => {
            with_session(globals, async |session| {
                monitor::run(command, &session.client, format).await
            })
            .await
        }
        Command::Events(command) => {
            with_session(globals, async |session| {
                events::run(command, &session.client, format).await
            })
            .await
        }
    }
}

/// Opens a session, runs `body`, and closes the session whatever the
/// outcome.
async fn with_session(
    globals: &Globals,
    body: impl AsyncFnOnce(&session::Session) -> Result<(), CliError>,
) -> Result<(), CliError> {
    let loaded = session::Loaded::read_existing(globals)?;
    let target = session::target(globals, &loaded)?;
    let session = session::Session::open(target).await?;
    let outcome = body(&session).await;
    let closed = session.close(&outcome).await;
    outcome.and(closed)
}

/// `clusterdb version`.
async fn version(globals: &Globals) -> Result<(), CliError> {
    let client_version = env!("CARGO_PKG_VERSION");
    let server: Result<String, CliError> = match session::Loaded::read_existing(globals)
        .and_then(|loaded| session::target(globals, &loaded))
    {
        Ok(session::Target::Embedded { .. }) => Ok(format!("{client_version} (embedded)")),
        Ok(target) => match session::Session::open(target).await {
            Ok(session) => session
                .client
                .server_version()
                .await
                .map_err(CliError::from),
            Err(err) => Err(err),
        },
        Err(err) => Err(err),
    };
    match globals.output {
        Format::Json | Format::Yaml => {
            let value =
                serde_json::json!({"client": client_version, "server": server.as_ref().ok()});
            let json =
                serde_json::value::to_raw_value(&value).map_err(|e| CliError::Failed(e.into()))?;
            output::raw(globals.output, &json)?;
        }
        Format::Table | Format::Wide => {
            println!("client: {client_version}");
            match &server {
                Ok(version) => println!("server: {version}"),
                Err(err) => println!("server: unreachable ({})", err.line()),
            }
        }
    }
    Ok(())
}
