//! Secrets (token signing key, MySQL password, SMTP password): the OS keyring,
//! or owner-only files where there is no keyring (with a warning in the log).

use std::path::{Path, PathBuf};

use crate::config::SecretsBackend;

/// Keyring service name.
const SERVICE: &str = "animov";

/// The secrets AniMOV keeps.
pub mod names {
    /// HS256 key that signs session tokens.
    pub const JWT_SIGNING_KEY: &str = "jwt-signing-key";
    /// Password of the MySQL account in `database.url`.
    pub const MYSQL_PASSWORD: &str = "mysql-password";
    /// Password of the SMTP account in `email.username`.
    pub const SMTP_PASSWORD: &str = "smtp-password";
    /// This site's credential at its central (from `animov sync join`).
    pub const SYNC_CREDENTIAL: &str = "sync-credential";
    /// Private key (PEM) of the self-signed HTTPS certificate (made by
    /// `animov serve` with `tls.enabled` and no `tls.cert_file`).
    pub const TLS_KEY: &str = "tls-key";
    /// Every one of them (what `animov secret set` accepts).
    pub const ALL: [&str; 4] = [
        MYSQL_PASSWORD,
        SMTP_PASSWORD,
        JWT_SIGNING_KEY,
        SYNC_CREDENTIAL,
    ];
}

/// A secret that cannot be read or written.
#[derive(Debug, thiserror::Error)]
#[error("secret {name:?}: {reason}")]
pub struct SecretError {
    name: String,
    reason: String,
}

/// Reads and writes named secrets.
#[derive(Debug, Clone)]
pub struct Secrets {
    backend: SecretsBackend,
    dir: PathBuf,
    /// This install's keyring account suffix (see [`install_id`]).
    install: String,
}

/// An id of the install whose data folder is `data_dir`: the start of the
/// SHA-256 of its absolute path. Keyring entries carry it, so two installs
/// of one OS user (a demo and the farm's) never share a signing key or a
/// password.
pub fn install_id(data_dir: &Path) -> String {
    use sha2::{Digest, Sha256};
    let path = std::fs::canonicalize(data_dir).unwrap_or_else(|_| data_dir.to_path_buf());
    Sha256::digest(path.as_os_str().as_encoded_bytes())[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Secrets {
    /// Secrets of the install whose data folder is `data_dir`.
    pub fn new(backend: SecretsBackend, data_dir: &Path) -> Self {
        Secrets {
            backend,
            dir: data_dir.join("secrets"),
            install: install_id(data_dir),
        }
    }

    /// This install's keyring entry for `name`.
    fn entry(&self, name: &str) -> keyring::Result<keyring::Entry> {
        keyring::Entry::new(SERVICE, &format!("{name}@{}", self.install))
    }

    /// A password stored by a version that named entries for every install
    /// alike: copied into this install's entry (and left for the others).
    /// Never the signing key: a shared one is the hole being closed, so
    /// this install makes its own (sessions end once).
    fn migrate_legacy(&self, name: &str) -> Option<String> {
        if name == names::JWT_SIGNING_KEY {
            return None;
        }
        let old = keyring::Entry::new(SERVICE, name)
            .and_then(|e| e.get_password())
            .ok()?;
        if let Err(e) = self.entry(name).and_then(|e| e.set_password(&old)) {
            tracing::debug!(name, error = %e, "cannot copy the secret into this install's keyring entry");
        }
        Some(old)
    }

    fn file(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// A secret that is there but unusable.
    pub fn invalid(name: &str, reason: impl ToString) -> SecretError {
        Self::err(name, reason)
    }

    fn err(name: &str, reason: impl ToString) -> SecretError {
        SecretError {
            name: name.to_string(),
            reason: reason.to_string(),
        }
    }

    /// The variable naming a file that holds `name` (`mysql-password`:
    /// `ANIMOV_MYSQL_PASSWORD_FILE`), as container secrets and systemd
    /// credentials give them. Never the secret itself in a variable: the
    /// environment shows in `/proc` and `docker inspect`.
    pub fn file_variable(name: &str) -> String {
        format!(
            "ANIMOV_{}_FILE",
            name.to_ascii_uppercase().replace('-', "_")
        )
    }

    /// The secret, if set: from the file `ANIMOV_<NAME>_FILE` names, else
    /// the keyring or the data folder's secrets file.
    pub fn get(&self, name: &str) -> Result<Option<String>, SecretError> {
        self.get_given(name, std::env::var_os(Self::file_variable(name)))
    }

    /// [`Secrets::get`], `given` being the value of `ANIMOV_<NAME>_FILE`.
    fn get_given(
        &self,
        name: &str,
        given: Option<std::ffi::OsString>,
    ) -> Result<Option<String>, SecretError> {
        let variable = Self::file_variable(name);
        if let Some(path) = given {
            return match std::fs::read_to_string(&path) {
                Ok(v) => Ok(Some(v.trim_end_matches(['\n', '\r']).to_string())),
                Err(e) => Err(Self::err(
                    name,
                    format!(
                        "cannot read {} (from {variable}): {e}",
                        std::path::Path::new(&path).display()
                    ),
                )),
            };
        }
        if self.backend == SecretsBackend::Keyring {
            match self.entry(name).and_then(|e| e.get_password()) {
                Ok(v) => return Ok(Some(v)),
                Err(keyring::Error::NoEntry) => {
                    if let Some(v) = self.migrate_legacy(name) {
                        return Ok(Some(v));
                    }
                }
                Err(e) => {
                    tracing::debug!(name, error = %e, "no usable OS keyring; trying the secrets file")
                }
            }
        }
        match std::fs::read_to_string(self.file(name)) {
            Ok(v) => Ok(Some(v.trim_end_matches('\n').to_string())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Self::err(
                name,
                format!("cannot read {}: {e}", self.file(name).display()),
            )),
        }
    }

    /// Stores the secret (keyring first, owner-only file where there is no
    /// keyring); refused while `ANIMOV_<NAME>_FILE` names where it comes from.
    pub fn set(&self, name: &str, value: &str) -> Result<(), SecretError> {
        self.set_given(
            name,
            value,
            std::env::var_os(Self::file_variable(name)).is_some(),
        )
    }

    /// [`Secrets::set`], `given` telling whether `ANIMOV_<NAME>_FILE` is set.
    fn set_given(&self, name: &str, value: &str, given: bool) -> Result<(), SecretError> {
        let variable = Self::file_variable(name);
        if given {
            return Err(Self::err(
                name,
                format!("{variable} says where it comes from: change that file instead"),
            ));
        }
        if self.backend == SecretsBackend::Keyring {
            match self.entry(name).and_then(|e| e.set_password(value)) {
                Ok(()) => {
                    let _ = std::fs::remove_file(self.file(name));
                    return Ok(());
                }
                Err(e) => tracing::warn!(
                    name,
                    error = %e,
                    dir = %self.dir.display(),
                    "no usable OS keyring: keeping the secret in a file readable by this user only"
                ),
            }
        }
        self.write_file(name, value)
    }

    /// Forgets the secret (nothing to forget is fine).
    pub fn remove(&self, name: &str) -> Result<(), SecretError> {
        if self.backend == SecretsBackend::Keyring {
            match self.entry(name).and_then(|e| e.delete_credential()) {
                Ok(()) | Err(keyring::Error::NoEntry) => {}
                Err(e) => tracing::debug!(name, error = %e, "no usable OS keyring"),
            }
        }
        match std::fs::remove_file(self.file(name)) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(Self::err(
                name,
                format!("cannot remove {}: {e}", self.file(name).display()),
            )),
        }
    }

    /// Writes the file atomically: a temporary owner-only file, flushed to
    /// disk, then renamed over the old one — a crash leaves the old secret
    /// or the new one, never an empty or partial file.
    fn write_file(&self, name: &str, value: &str) -> Result<(), SecretError> {
        let io = |e: std::io::Error| {
            Self::err(name, format!("cannot write {}: {e}", self.dir.display()))
        };
        std::fs::create_dir_all(&self.dir).map_err(io)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&self.dir, std::fs::Permissions::from_mode(0o700))
                .map_err(io)?;
        }
        crate::permissions::write_atomically(&self.file(name), value.as_bytes()).map_err(io)?;
        Ok(())
    }

    /// The secret, created with `make` the first time.
    pub fn get_or_create(
        &self,
        name: &str,
        make: impl FnOnce() -> String,
    ) -> Result<String, SecretError> {
        if let Some(v) = self.get(name)? {
            return Ok(v);
        }
        let v = make();
        self.set(name, &v)?;
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn installs_have_their_own_keyring_entries() {
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        assert_ne!(install_id(a.path()), install_id(b.path()));
        assert_eq!(install_id(a.path()), install_id(&a.path().join(".")));
        let s = Secrets::new(SecretsBackend::Keyring, a.path());
        assert!(s.install.len() == 16 && s.install.bytes().all(|c| c.is_ascii_hexdigit()));
    }

    #[test]
    fn a_secret_file_named_by_the_environment_wins_and_cannot_be_overwritten() {
        let name = names::MYSQL_PASSWORD;
        assert_eq!(Secrets::file_variable(name), "ANIMOV_MYSQL_PASSWORD_FILE");
        let dir = tempfile::tempdir().unwrap();
        let s = Secrets::new(SecretsBackend::File, dir.path());
        s.set_given(name, "stored", false).unwrap();
        let given = dir.path().join("given");
        std::fs::write(&given, "from-the-file\n").unwrap();
        let g = || Some(given.clone().into_os_string());
        assert_eq!(
            s.get_given(name, g()).unwrap().as_deref(),
            Some("from-the-file")
        );
        let e = s.set_given(name, "other", true).unwrap_err();
        assert!(e.to_string().contains("ANIMOV_MYSQL_PASSWORD_FILE"), "{e}");
        std::fs::remove_file(&given).unwrap();
        let e = s.get_given(name, g()).unwrap_err();
        assert!(e.to_string().contains("cannot read"), "{e}");
        assert_eq!(s.get_given(name, None).unwrap().as_deref(), Some("stored"));
    }

    #[test]
    fn file_secrets_are_owner_only_and_persist() {
        let dir = tempfile::tempdir().unwrap();
        let s = Secrets::new(SecretsBackend::File, dir.path());
        assert_eq!(s.get("k").unwrap(), None);
        let v = s.get_or_create("k", || "first".into()).unwrap();
        assert_eq!(v, "first");
        assert_eq!(s.get_or_create("k", || "second".into()).unwrap(), "first");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("secrets/k"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // Rewritten in place: the new value, no temporary file left.
        s.set("k", "third").unwrap();
        assert_eq!(s.get("k").unwrap().as_deref(), Some("third"));
        let names: Vec<_> = std::fs::read_dir(dir.path().join("secrets"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["k"]);
    }
}
