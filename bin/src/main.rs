//! The `clusterdb` binary: `clusterdb serve` runs the server on one local
//! data file; the other commands are the CLI ([`cli`]).
//!
//! Run: `cargo run --release -- serve` (listens on 127.0.0.1:7070, data in
//! `./clusterdb.redb`).

mod backups;
mod cache_check;
mod cli;
mod listener;
mod parse_errors;
mod serve;
mod tls;

/// mimalloc instead of the system allocator: under a busy server glibc's
/// malloc was about a sixth of the worker threads' time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::{CommandFactory as _, FromArgMatches as _};
use cli::{Cli, CliError, Command};

/// Parses `argv`; for `serve`, the configuration file's `server:`
/// section fills in the options the command line and environment left
/// unset.
fn parse(argv: Vec<OsString>) -> Result<Cli, ExitCode> {
    let command = Cli::command();
    let matches = command
        .clone()
        .try_get_matches_from(&argv)
        .map_err(|e| exit_with(&e))?;
    let cli = Cli::from_arg_matches(&matches).map_err(|e| exit_with(&e))?;
    let Command::Serve(_) = &cli.command else {
        return Ok(cli);
    };
    let with_file = (|| -> Result<Option<(Vec<OsString>, Vec<_>)>, CliError> {
        let explicit = cli.globals.config.is_some();
        let loaded = cli::session::Loaded::read(&cli.globals)?;
        let Some(file) = loaded.file else {
            return match explicit {
                true => Err(CliError::Usage(format!(
                    "no configuration file at {}",
                    loaded.path.display()
                ))),
                false => Ok(None),
            };
        };
        let webhooks = cli::serve_config::webhook_drafts(&file, &loaded.path)?;
        let serve = command
            .find_subcommand("serve")
            .expect("serve is a command");
        let serve_matches = matches
            .subcommand_matches("serve")
            .expect("serve was parsed");
        let extra = cli::serve_config::server_args(&file, &loaded.path, serve, serve_matches)?;
        Ok(Some((extra, webhooks)))
    })();
    match with_file {
        Ok(None) => Ok(cli),
        Ok(Some((extra, webhooks))) => {
            let mut cli = match extra.is_empty() {
                true => cli,
                false => <Cli as clap::Parser>::try_parse_from(argv.into_iter().chain(extra))
                    .map_err(|e| exit_with(&e))?,
            };
            if let Command::Serve(args) = &mut cli.command {
                args.webhooks = webhooks;
            }
            Ok(cli)
        }
        Err(err) => {
            err.report(cli.globals.output);
            Err(ExitCode::from(err.exit_code()))
        }
    }
}

/// Prints a parse error (or `--help`, `--version`) as clap does; usage
/// errors exit 2.
fn exit_with(err: &clap::Error) -> ExitCode {
    let _ = err.print();
    ExitCode::from(u8::try_from(err.exit_code()).unwrap_or(2))
}

fn main() -> ExitCode {
    let cli = match parse(std::env::args_os().collect()) {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    let serving = matches!(cli.command, Command::Serve(_) | Command::Admin(_));
    let level = match (cli.globals.debug, serving) {
        (true, _) => "debug",
        (false, true) => "info",
        (false, false) => "warn",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new(format!("{level},h2=info,hyper=info"))
    });
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let globals = cli.globals.clone();
    let result = runtime.block_on(cli::run(cli.command, &globals));
    cli::output::write_deferred();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            err.report(globals.output);
            ExitCode::from(err.exit_code())
        }
    }
}
