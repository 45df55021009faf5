//! The AniMOV engine: configuration, secrets, storage wiring, background jobs
//! (minute statistics, demo feed), cameras (capture, detection, recordings,
//! snapshots, live view), CSV import, authentication and the HTTP API.
//!
//! It knows nothing about windows: `animov serve` is the whole product minus
//! the desktop shell, and the shell only starts it.
//!
//! ```no_run
//! # async fn run() -> Result<(), animov_engine::EngineError> {
//! let dir = std::path::Path::new("/tmp/animov");
//! let config = animov_engine::config::Config::default();
//! let state = animov_engine::open(dir, config).await?;
//! let router = animov_engine::api::app(state);
//! # Ok(()) }
//! ```

pub mod alerting;
pub mod api;
pub mod auth;
pub mod background;
pub mod config;
pub mod demo;
pub mod detect;
pub mod forecast_eval;
pub mod forecasting;
pub mod import;
pub mod jobs;
pub mod legacy_format;
pub mod metrics;
pub mod secrets;
pub mod server;
pub mod state;
pub mod telemetry;
pub mod users;
pub mod vision;

use std::path::Path;

use animov_store::{Store, StoreConfig, StoreError};

use crate::{
    config::{Config, DatabaseConfig},
    secrets::{SecretError, Secrets},
    state::AppState,
};

/// Secret names.
pub mod secret_names {
    /// HS256 key that signs session tokens.
    pub const JWT_SIGNING_KEY: &str = "jwt-signing-key";
    /// Password of the MySQL account in `database.url`.
    pub const MYSQL_PASSWORD: &str = "mysql-password";
    /// Password of the SMTP account in `email.username`.
    pub const SMTP_PASSWORD: &str = "smtp-password";
}

/// What can stop the engine from starting.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// Bad configuration.
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    /// The database cannot be used.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A secret cannot be read or written.
    #[error(transparent)]
    Secret(#[from] SecretError),
    /// The address cannot be listened on.
    #[error("cannot listen on {addr}: {reason}")]
    Listen {
        /// The address.
        addr: std::net::SocketAddr,
        /// Why, and what to do.
        reason: String,
    },
    /// Any other I/O failure.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// The store the configuration names (SQLite in `data_dir` by default).
pub fn store_config(
    data_dir: &Path,
    config: &Config,
    secrets: &Secrets,
) -> Result<StoreConfig, EngineError> {
    Ok(match &config.database {
        DatabaseConfig::Sqlite { path } => StoreConfig::sqlite(
            path.clone()
                .unwrap_or_else(|| data_dir.join("animov.sqlite")),
        ),
        DatabaseConfig::Mysql { url } => StoreConfig::MySql {
            url: url.clone(),
            password: secrets.get(secret_names::MYSQL_PASSWORD)?,
        },
    })
}

/// Opens the store (applying migrations) and builds the shared state.
pub async fn open(data_dir: &Path, config: Config) -> Result<AppState, EngineError> {
    open_with_local_secret(data_dir, config, None).await
}

/// Same, for the desktop shell: its window signs in with `local_secret`.
#[tracing::instrument(skip(config, local_secret), fields(data_dir = %data_dir.display()))]
pub async fn open_with_local_secret(
    data_dir: &Path,
    config: Config,
    local_secret: Option<String>,
) -> Result<AppState, EngineError> {
    let mut config = config;
    config.validate()?;
    std::fs::create_dir_all(data_dir)?;
    config.data_dir = data_dir.to_path_buf();
    let secrets = Secrets::new(config.secrets, data_dir);
    let store = Store::open(&store_config(data_dir, &config, &secrets)?).await?;
    let key = secrets.get_or_create(secret_names::JWT_SIGNING_KEY, auth::new_signing_key)?;
    Ok(AppState::with_local_secret(
        store,
        config,
        key.as_bytes(),
        local_secret,
    ))
}
