//! `animov secret set`.

use animov_engine::secrets::{Secrets, names};
use anyhow::bail;

use crate::{args::Global, setup};

/// Stores a secret read from the first line of standard input.
pub fn set(global: &Global, name: &str) -> anyhow::Result<()> {
    let s = setup::prepare(global)?;
    if !names::ALL.contains(&name) {
        bail!("unknown secret {name:?}: use mysql-password, smtp-password or jwt-signing-key");
    }
    let value = setup::read_stdin_line("secret")?;
    if name == names::JWT_SIGNING_KEY && value.len() < animov_auth::MIN_SIGNING_KEY_BYTES {
        bail!(
            "a token signing key needs at least {} bytes, got {}: e.g. `head -c 32 /dev/urandom | base64`",
            animov_auth::MIN_SIGNING_KEY_BYTES,
            value.len()
        );
    }
    Secrets::new(s.config.secrets, &s.data_dir).set(name, &value)?;
    println!("secret {name} stored");
    Ok(())
}
