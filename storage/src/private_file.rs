//! Files only their owner may read: the data file, and the key files
//! beside it, are created mode 0600 (missing directories 0700) whatever
//! the umask, and a file that other users can read or write is refused
//! unless the caller allows it — as PostgreSQL refuses a data directory
//! others can read.

use std::fs::{self, OpenOptions};
use std::io;
use std::path::Path;

use crate::Error;

/// Permission bits that let users other than the owner in.
#[cfg(unix)]
const OTHERS: u32 = 0o077;

/// Creates `path` empty with mode 0600 if it does not exist, creating its
/// missing parent directories with mode 0700. An existing file is left as
/// it is.
pub fn create_private(path: &Path) -> io::Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        create_private_dirs(parent)?;
    }
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(file) => {
            // The umask may have taken bits away, never added: set exactly.
            #[cfg(unix)]
            file.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
            file.sync_all()
        }
        Err(err) if err.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(err) => Err(err),
    }
}

/// Creates the missing directories of `dir` with mode 0700.
pub fn create_private_dirs(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Refuses `path` if users other than its owner may read or write it:
/// [`Error::InsecurePermissions`], naming the fix. A missing file passes.
pub fn check_private(path: &Path) -> Result<(), Error> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = match fs::metadata(path) {
            Ok(meta) => meta.permissions().mode() & 0o777,
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(err) => return Err(Error::Backend(format!("{}: {err}", path.display()))),
        };
        if mode & OTHERS != 0 {
            return Err(Error::InsecurePermissions {
                path: path.display().to_string(),
                mode,
            });
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn files_and_directories_are_made_private_and_others_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a/b/data.redb");
        create_private(&file).unwrap();
        assert_eq!(mode(&file), 0o600);
        assert_eq!(mode(&dir.path().join("a")), 0o700);
        assert_eq!(mode(&dir.path().join("a/b")), 0o700);
        check_private(&file).unwrap();
        // An existing file keeps its bytes and mode.
        fs::write(&file, b"x").unwrap();
        fs::set_permissions(&file, fs::Permissions::from_mode(0o644)).unwrap();
        create_private(&file).unwrap();
        assert_eq!(fs::read(&file).unwrap(), b"x");
        let err = check_private(&file).unwrap_err();
        assert!(err.to_string().contains("chmod 600"), "{err}");
        assert!(err.to_string().contains("0644"), "{err}");
        check_private(&dir.path().join("missing")).unwrap();
    }
}
