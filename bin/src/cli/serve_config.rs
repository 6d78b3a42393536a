//! `clusterdb serve --config FILE`: the file's `server:` section holds
//! what the flags hold (one key per flag), under the flags and the
//! environment: flag > environment > file > default.

use std::ffi::OsString;
use std::path::Path;

use clap::ArgMatches;
use clap::parser::ValueSource;
use serde_json::Value;

use clusterdb::Draft;
use clusterdb::webhooks::WebhookSpec;

use super::CliError;
use super::config::{ConfigFile, expand_env};

/// The arguments the `server:` section of `file` adds to `serve`, for the
/// options neither the command line nor the environment set. `serve` is
/// the `serve` command, `matches` its matches from the command line.
pub fn server_args(
    file: &ConfigFile,
    path: &Path,
    serve: &clap::Command,
    matches: &ArgMatches,
) -> Result<Vec<OsString>, CliError> {
    let mut args = Vec::new();
    for (key, value) in &file.server {
        let id = key.replace('-', "_");
        let what = format!("{}: server.{key}", path.display());
        let arg = serve
            .get_arguments()
            .find(|a| a.get_id() == id.as_str() && a.get_long().is_some())
            .ok_or_else(|| {
                CliError::Usage(format!(
                    "{what} is not an option of `clusterdb serve` (see `clusterdb serve --help`)"
                ))
            })?;
        if matches!(
            matches.value_source(&id),
            Some(ValueSource::CommandLine | ValueSource::EnvVariable)
        ) {
            continue;
        }
        let long = format!("--{}", arg.get_long().unwrap_or_default());
        let repeatable = matches!(arg.get_action(), clap::ArgAction::Append);
        let switch = matches!(arg.get_action(), clap::ArgAction::SetTrue);
        match value {
            Value::Bool(on) if switch => {
                if *on {
                    args.push(OsString::from(&long));
                }
            }
            Value::Array(items) if repeatable => {
                for item in items {
                    args.push(OsString::from(format!("{long}={}", scalar(item, &what)?)));
                }
            }
            other if !switch => {
                args.push(OsString::from(format!("{long}={}", scalar(other, &what)?)));
            }
            _ => {
                return Err(CliError::Usage(format!("{what} must be true or false")));
            }
        }
    }
    Ok(args)
}

/// A scalar value as flag text, `${VAR}` expanded.
fn scalar(value: &Value, what: &str) -> Result<String, CliError> {
    match value {
        Value::String(text) => expand_env(text, what).map_err(|e| CliError::Usage(e.to_string())),
        Value::Number(number) => Ok(number.to_string()),
        Value::Bool(flag) => Ok(flag.to_string()),
        _ => Err(CliError::Usage(format!("{what} must be a single value"))),
    }
}

/// The `webhooks:` block as endpoint drafts, `${VAR}`s expanded (a missing
/// variable is an error naming it). Each endpoint is named after its URL;
/// one without `events` gets every event.
pub fn webhook_drafts(file: &ConfigFile, path: &Path) -> Result<Vec<Draft<WebhookSpec>>, CliError> {
    file.webhooks
        .iter()
        .enumerate()
        .map(|(i, webhook)| {
            let what = format!("{}: webhooks[{i}]", path.display());
            let expand = |text: &str, field: &str| {
                expand_env(text, &format!("{what}.{field}"))
                    .map_err(|e| CliError::Usage(e.to_string()))
            };
            let url = expand(&webhook.url, "url")?;
            let secret = match &webhook.secret {
                Some(secret) => expand(secret, "secret")?,
                None => String::new(),
            };
            let events = match webhook.events.is_empty() {
                true => vec![clusterdb::webhooks::ALL_EVENTS.to_string()],
                false => webhook.events.clone(),
            };
            Ok(Draft::new(
                clusterdb::webhooks::default_name(&url),
                WebhookSpec {
                    url,
                    events,
                    enabled: webhook.enabled.unwrap_or(true),
                    description: webhook.description.clone().unwrap_or_default(),
                    secret,
                },
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{CommandFactory as _, FromArgMatches as _};

    fn serve_matches(argv: &[&str]) -> (clap::Command, ArgMatches) {
        let command = crate::cli::Cli::command();
        let matches = command.clone().try_get_matches_from(argv).unwrap();
        let serve = command.find_subcommand("serve").unwrap().clone();
        let sub = matches.subcommand_matches("serve").unwrap().clone();
        (serve, sub)
    }

    fn file(text: &str) -> ConfigFile {
        ConfigFile::parse(text, Path::new("c.yaml")).unwrap()
    }

    #[test]
    fn keys_become_flags_unless_the_command_line_sets_them() {
        let (serve, matches) = serve_matches(&["clusterdb", "serve", "--body-limit", "5"]);
        let config = file(
            "server:\n  listen: 127.0.0.1:9999\n  body_limit: 7\n  rate-limit: off\n  rate_limit_role: [admin=5, viewer=1]\n",
        );
        let args = server_args(&config, Path::new("c.yaml"), &serve, &matches).unwrap();
        let args: Vec<String> = args.into_iter().map(|a| a.into_string().unwrap()).collect();
        assert!(
            args.contains(&"--listen=127.0.0.1:9999".to_string()),
            "{args:?}"
        );
        assert!(args.contains(&"--rate-limit=off".to_string()), "{args:?}");
        assert!(
            args.contains(&"--rate-limit-role=admin=5".to_string()),
            "{args:?}"
        );
        assert!(
            args.contains(&"--rate-limit-role=viewer=1".to_string()),
            "{args:?}"
        );
        // The flag given on the command line wins.
        assert!(
            !args.iter().any(|a| a.starts_with("--body-limit")),
            "{args:?}"
        );
        // And the whole command line still parses.
        let mut argv = vec![
            "clusterdb".to_string(),
            "serve".into(),
            "--body-limit".into(),
            "5".into(),
        ];
        argv.extend(args);
        let cli = crate::cli::Cli::from_arg_matches(
            &crate::cli::Cli::command()
                .try_get_matches_from(argv)
                .unwrap(),
        );
        assert!(cli.is_ok());
    }

    #[test]
    fn unknown_keys_and_shapes_are_usage_errors_naming_the_key() {
        let (serve, matches) = serve_matches(&["clusterdb", "serve"]);
        let err = server_args(
            &file("server:\n  colour: red\n"),
            Path::new("c.yaml"),
            &serve,
            &matches,
        )
        .unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("server.colour"), "{err}");
        let err = server_args(
            &file("server:\n  listen: [a, b]\n"),
            Path::new("c.yaml"),
            &serve,
            &matches,
        )
        .unwrap_err();
        assert!(err.to_string().contains("server.listen"), "{err}");
    }

    #[test]
    fn the_webhooks_block_becomes_endpoint_drafts() {
        let config = file(
            "webhooks:\n  - url: https://example.com/h\n    events: [fleet.created]\n    secret: ${CLUSTERDB_TEST_SURELY_UNSET}\n",
        );
        let err = webhook_drafts(&config, Path::new("c.yaml")).unwrap_err();
        assert!(err.to_string().contains("webhooks[0].secret"), "{err}");
        assert!(
            err.to_string().contains("CLUSTERDB_TEST_SURELY_UNSET"),
            "{err}"
        );
        let config = file(
            "webhooks:\n  - url: https://example.com/h\n    events: [fleet.created, fleet.updated]\n  - url: https://example.com/all\n    enabled: false\n",
        );
        let drafts = webhook_drafts(&config, Path::new("c.yaml")).unwrap();
        assert_eq!(drafts.len(), 2);
        assert_eq!(drafts[0].spec.url, "https://example.com/h");
        assert_eq!(drafts[0].spec.events, ["fleet.created", "fleet.updated"]);
        assert_eq!(
            drafts[0].spec.secret, "",
            "no secret: generated on create, kept on update"
        );
        assert!(drafts[0].spec.enabled);
        assert_eq!(
            drafts[0].name,
            clusterdb::webhooks::default_name("https://example.com/h")
        );
        assert_eq!(drafts[1].spec.events, ["*"]);
        assert!(!drafts[1].spec.enabled);
        assert!(
            webhook_drafts(&ConfigFile::default(), Path::new("c.yaml"))
                .unwrap()
                .is_empty()
        );
    }
}
