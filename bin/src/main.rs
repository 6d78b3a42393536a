//! The `clusterdb` binary: `clusterdb serve` runs the server on one local
//! data file; the other commands are the CLI ([`cli`]).
//!
//! Run: `cargo run --release -- serve` (listens on 127.0.0.1:7070, data in
//! `./clusterdb.redb`).

mod cli;
mod listener;
mod serve;
mod tls;

/// mimalloc instead of the system allocator: under a busy server glibc's
/// malloc was about a sixth of the worker threads' time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::{CommandFactory as _, FromArgMatches as _, Subcommand};
use cli::{Cli, CliError, Command};

/// `clusterdb admin`.
#[derive(Subcommand)]
pub enum AdminCommand {
    /// Revoke the bootstrap admin key and write a new one to
    /// `<data file>.admin-key` (re-enabling the `admin` user, with the
    /// admin role): a lost admin credential is not a lost database.
    ResetBootstrap(serve::StoreArgs),
    /// Make a new access-token signing key the one that signs; tokens
    /// signed with the old key keep working until they expire. Running
    /// servers pick the new key up within a minute.
    RotateSigningKey(serve::StoreArgs),
    /// Seal the store's secrets under a new master key. The key file gets
    /// a new key, which seals from now on; the old key stays in the file
    /// to open what it sealed before (events written before the rotation)
    /// and may be deleted from it once those have aged out of the event
    /// log. Run it with every server stopped, then give every server of a
    /// shared store the new file.
    RotateMasterKey(serve::StoreArgs),
}

/// `clusterdb admin rotate-master-key`.
async fn rotate_master_key(args: serve::StoreArgs) -> anyhow::Result<()> {
    use anyhow::Context as _;
    let path = args.master_key_path();
    let old = clusterdb::MasterKey::from_file(&path, args.allow_insecure_permissions)?;
    // The store must open with the key as it is before anything changes.
    serve::open_store_for_admin(&args)
        .await?
        .close()
        .await
        .context("closing the store")?;
    let new = old.rotated()?;
    new.write_file(&path)?;
    // Opening with the new key reseals everything under it.
    let db = serve::open_store_for_admin(&args)
        .await
        .context("sealing the store's secrets under the new key")?;
    db.close().await.context("closing the store")?;
    println!(
        "the store's secrets are sealed with the new master key {} (the old key {} stays in {} to read what it sealed)",
        new.id(),
        old.id(),
        path.display()
    );
    Ok(())
}

/// `clusterdb admin rotate-signing-key`.
async fn rotate_signing_key(args: serve::StoreArgs) -> anyhow::Result<()> {
    use anyhow::Context as _;
    let db = serve::open_store_for_admin(&args).await?;
    // The issuer does not matter for a rotation.
    let kid = db
        .tokens("")
        .await
        .context("opening the signing keys")?
        .rotate()
        .await
        .context("rotating the signing key")?;
    db.close().await.context("closing the store")?;
    println!("new signing key {kid}");
    Ok(())
}

/// `clusterdb admin reset-bootstrap`.
async fn reset_bootstrap(args: serve::StoreArgs) -> anyhow::Result<()> {
    use anyhow::Context as _;
    let db = serve::open_store_for_admin(&args).await?;
    let key = db
        .identity()
        .reset_bootstrap()
        .await
        .context("resetting the bootstrap key")?;
    let path = serve::admin_key_path(&args.data);
    serve::write_admin_key(&path, &key)?;
    db.close().await.context("closing the store")?;
    println!("wrote a new admin key to {}", path.display());
    Ok(())
}

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
    let result = runtime.block_on(async {
        match cli.command {
            Command::Serve(args) => serve::run(*args).await.map_err(CliError::Failed),
            Command::Admin(AdminCommand::ResetBootstrap(args)) => {
                reset_bootstrap(args).await.map_err(CliError::Failed)
            }
            Command::Admin(AdminCommand::RotateMasterKey(args)) => {
                rotate_master_key(args).await.map_err(CliError::Failed)
            }
            Command::Admin(AdminCommand::RotateSigningKey(args)) => {
                rotate_signing_key(args).await.map_err(CliError::Failed)
            }
            command => cli::run_client(command, &globals).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            err.report(globals.output);
            ExitCode::from(err.exit_code())
        }
    }
}
