//! What commands that use the data folder share: the folder itself (made
//! owner-only when new), its configuration with the command line's
//! overrides, logging, and reading a secret from standard input.

use std::{io::BufRead, path::PathBuf};

use animov_engine::{
    config::{Config, SecretsBackend, default_data_dir},
    permissions, telemetry,
};
use anyhow::{Context, bail};

use crate::args::Global;

/// A data folder ready for a command.
pub struct Setup {
    /// The folder.
    pub data_dir: PathBuf,
    /// Its configuration.
    pub config: Config,
    _log: Option<telemetry::LogGuard>,
}

/// Makes the data folder if needed, reads its configuration and starts logging.
pub fn prepare(global: &Global) -> anyhow::Result<Setup> {
    let data_dir = global.data_dir.clone().unwrap_or_else(default_data_dir);
    // The folder holds password hashes and maybe secrets: this user only.
    permissions::restrict_new_files();
    let fixed = permissions::secure(&data_dir).with_context(|| {
        format!(
            "cannot create the data folder {} or make it owner-only",
            data_dir.display()
        )
    })?;
    let mut config = Config::load(&data_dir)?;
    if let Some(s) = &global.secrets {
        config.secrets = SecretsBackend::parse(s)
            .with_context(|| format!("--secrets must be keyring or file, not {s:?}"))?;
    }
    let log = telemetry::init(&data_dir, config.log_files);
    if fixed > 0 {
        tracing::warn!(
            fixed,
            dir = %data_dir.display(),
            "parts of the data folder were readable by other users: made owner-only"
        );
    }
    Ok(Setup {
        data_dir,
        config,
        _log: log,
    })
}

/// The first line of standard input (a password or secret), which must not be empty.
pub fn read_stdin_line(what: &str) -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .with_context(|| format!("cannot read the {what} from standard input"))?;
    let line = line.trim_end_matches(['\n', '\r']).to_string();
    if line.is_empty() {
        bail!(
            "no {what} on standard input: pipe it in, e.g. `printf '%s\\n' \"$PASS\" | animov ...`"
        );
    }
    Ok(line)
}
