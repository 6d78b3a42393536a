//! `clusterdb admin`: maintenance of a store — with its servers stopped, a
//! new bootstrap key, token signing key or master key; backups of a
//! serving store, checked and restored.

use crate::serve::{self, StoreArgs};

use super::backup::{BackupArgs, RestoreArgs, VerifyArgs};
use super::{CliError, Globals};

/// `clusterdb admin`.
#[derive(clap::Subcommand)]
pub enum AdminCommand {
    /// Revoke the bootstrap admin key and write a new one to
    /// `<data file>.admin-key` (re-enabling the `admin` user, with the
    /// admin role): a lost admin credential is not a lost database.
    #[command(
        after_help = "Example (with the server stopped):\n  clusterdb admin reset-bootstrap --data /var/lib/clusterdb/data.redb"
    )]
    ResetBootstrap(StoreArgs),
    /// Make a new access-token signing key the one that signs; tokens
    /// signed with the old key keep working until they expire. Running
    /// servers pick the new key up within a minute.
    #[command(
        after_help = "Example:\n  clusterdb admin rotate-signing-key --data /var/lib/clusterdb/data.redb"
    )]
    RotateSigningKey(StoreArgs),
    /// Seal the store's secrets under a new master key. The key file gets
    /// a new key, which seals from now on; the old key stays in the file
    /// to open what it sealed before (events written before the rotation)
    /// and may be deleted from it once those have aged out of the event
    /// log. Run it with every server stopped, then give every server of a
    /// shared store the new file.
    #[command(
        after_help = "Example (with every server stopped):\n  clusterdb admin rotate-master-key --data /var/lib/clusterdb/data.redb"
    )]
    RotateMasterKey(StoreArgs),
    /// Write a consistent snapshot of the whole store to a file, while the
    /// server keeps serving: through the profile's server (an admin's
    /// credentials), or from a stopped server's data file (--data). The
    /// file is checked before it takes its name.
    #[command(
        after_help = "Examples:\n  clusterdb admin backup --out clusterdb.cdbsnap\n  clusterdb admin backup --data /var/lib/clusterdb/data.redb --out clusterdb.cdbsnap"
    )]
    Backup(BackupArgs),
    /// Check a snapshot file end to end — every checksum, every record
    /// and event decoded under this release's kinds — and print what it
    /// holds. A damaged file exits 1, naming the first bad frame.
    #[command(after_help = "Example:\n  clusterdb admin verify clusterdb.cdbsnap -o json")]
    Verify(VerifyArgs),
    /// Restore a snapshot into a new, empty store: a data file (--data),
    /// or an etcd prefix (--store). The file is checked first; nothing is
    /// written if any check fails.
    #[command(
        after_help = "Example:\n  clusterdb admin restore --from clusterdb.cdbsnap --data /var/lib/clusterdb/restored.redb"
    )]
    Restore(RestoreArgs),
}

/// `clusterdb admin rotate-master-key`.
async fn rotate_master_key(args: StoreArgs) -> anyhow::Result<()> {
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
async fn rotate_signing_key(args: StoreArgs) -> anyhow::Result<()> {
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
async fn reset_bootstrap(args: StoreArgs) -> anyhow::Result<()> {
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

/// Runs an `admin` command.
pub async fn run(command: AdminCommand, globals: &Globals) -> Result<(), CliError> {
    match command {
        AdminCommand::ResetBootstrap(args) => reset_bootstrap(args).await,
        AdminCommand::RotateMasterKey(args) => rotate_master_key(args).await,
        AdminCommand::RotateSigningKey(args) => rotate_signing_key(args).await,
        AdminCommand::Backup(args) => return super::backup::backup(args, globals).await,
        AdminCommand::Verify(args) => return super::backup::verify(args, globals).await,
        AdminCommand::Restore(args) => return super::backup::restore(args, globals).await,
    }
    .map_err(CliError::Failed)
}
