//! The `clusterdb` binary. `clusterdb serve` runs the server on one local
//! data file.
//!
//! Run: `cargo run --release -- serve` (listens on 127.0.0.1:7070, data in
//! `./clusterdb.redb`).

mod listener;
mod serve;
mod tls;

/// mimalloc instead of the system allocator: under a busy server glibc's
/// malloc was about a sixth of the worker threads' time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::{Parser, Subcommand};

/// ClusterDB: a control-plane database.
#[derive(Parser)]
#[command(name = "clusterdb", version, about)]
struct Cli {
    /// Enable debug logging.
    #[arg(long, global = true)]
    debug: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server: REST (and gRPC) on one port, one data file.
    Serve(Box<serve::ServeArgs>),
    /// Maintenance of a store, with the server stopped.
    #[command(subcommand)]
    Admin(AdminCommand),
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Revoke the bootstrap admin key and write a new one to
    /// `<data file>.admin-key` (re-enabling the `admin` user, with the
    /// admin role): a lost admin credential is not a lost database.
    ResetBootstrap(serve::StoreArgs),
    /// Make a new access-token signing key the one that signs; tokens
    /// signed with the old key keep working until they expire. Running
    /// servers pick the new key up within a minute.
    RotateSigningKey(serve::StoreArgs),
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

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let level = if cli.debug { "debug" } else { "info" };
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
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Serve(args) => serve::run(*args).await,
            Command::Admin(AdminCommand::ResetBootstrap(args)) => reset_bootstrap(args).await,
            Command::Admin(AdminCommand::RotateSigningKey(args)) => rotate_signing_key(args).await,
        }
    });
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
