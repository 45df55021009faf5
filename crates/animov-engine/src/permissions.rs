//! The data folder is this user's only: it holds password hashes, session
//! revocations, camera addresses and (without a keyring) secrets.

use std::path::Path;

/// Files created from now on by this process are owner-only (umask 077).
pub fn restrict_new_files() {
    #[cfg(unix)]
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
}

/// Writes `bytes` to `path` atomically, owner-only: a temporary file beside
/// it, flushed to disk, renamed over the old one (the folder flushed too) —
/// a crash leaves the old content or the new, never an empty or partial file.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp"));
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts.open(&tmp)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    f.write_all(bytes)?;
    f.sync_all()?;
    drop(f);
    std::fs::rename(&tmp, path)?;
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Creates `data_dir` if needed and makes it and what it holds owner-only:
/// folders (the data folder and those in it, one level down) 0700, files at
/// its top and in `logs/` and `secrets/` 0600 — files deeper down sit in
/// owner-only folders. Returns how many had to be changed (an install made
/// before this check, or a folder copied in).
pub fn secure(data_dir: &Path) -> std::io::Result<usize> {
    std::fs::create_dir_all(data_dir)?;
    #[cfg(unix)]
    {
        let mut changed = usize::from(restrict(data_dir, 0o700)?);
        for entry in std::fs::read_dir(data_dir)? {
            let entry = entry?;
            let kind = entry.file_type()?;
            if kind.is_dir() {
                changed += usize::from(restrict(&entry.path(), 0o700)?);
                if matches!(entry.file_name().to_str(), Some("logs" | "secrets")) {
                    for inner in std::fs::read_dir(entry.path())? {
                        let inner = inner?;
                        if inner.file_type()?.is_file() {
                            changed += usize::from(restrict(&inner.path(), 0o600)?);
                        }
                    }
                }
            } else if kind.is_file() {
                changed += usize::from(restrict(&entry.path(), 0o600)?);
            }
        }
        Ok(changed)
    }
    #[cfg(not(unix))]
    Ok(0)
}

/// Clears group and other bits beyond `mode`; true when something changed.
#[cfg(unix)]
fn restrict(path: &Path, mode: u32) -> std::io::Result<bool> {
    use std::os::unix::fs::PermissionsExt;
    let current = std::fs::metadata(path)?.permissions().mode() & 0o777;
    if current & 0o077 == 0 {
        return Ok(false);
    }
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
    Ok(true)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn an_open_data_folder_is_made_owner_only() {
        let root = tempfile::tempdir().unwrap();
        let data = root.path().join("data");
        for d in ["", "logs", "secrets", "recordings/pen"] {
            std::fs::create_dir_all(data.join(d)).unwrap();
            std::fs::set_permissions(data.join(d), std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        for f in [
            "animov.sqlite",
            "logs/animov.2026-12-03.log",
            "secrets/smtp-password",
        ] {
            std::fs::write(data.join(f), "x").unwrap();
            std::fs::set_permissions(data.join(f), std::fs::Permissions::from_mode(0o644)).unwrap();
        }
        assert_eq!(secure(&data).unwrap(), 7);
        for d in ["", "logs", "secrets", "recordings"] {
            assert_eq!(mode(&data.join(d)), 0o700, "{d}");
        }
        for f in [
            "animov.sqlite",
            "logs/animov.2026-12-03.log",
            "secrets/smtp-password",
        ] {
            assert_eq!(mode(&data.join(f)), 0o600, "{f}");
        }
        // Already right: nothing to change.
        assert_eq!(secure(&data).unwrap(), 0);
        // A new folder is created owner-only.
        let fresh = root.path().join("fresh");
        secure(&fresh).unwrap();
        assert_eq!(mode(&fresh), 0o700);
    }
}
