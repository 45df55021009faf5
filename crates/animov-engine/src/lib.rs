//! The AniMOV engine: the runtime behind `animov serve` and the desktop app.
//! It knows nothing about HTTP or windows; the `animov-http` crate serves it,
//! the `animov` CLI and the desktop shell start it.
//!
//! * [`Engine`] — what every job shares: store, settings, secrets, clock,
//!   mailer, events, cameras ([`context`]).
//! * [`runtime`] — start order of the jobs and their orderly stop.
//! * [`minutes`] — closing minutes into statistics as frames arrive.
//! * [`cameras`] — one capture and one analysis thread per camera, the
//!   detector pool, the writer, recording retention, the live view; the
//!   pipeline run on files for `animov detect`.
//! * [`forecasting`] — forecasts every 15 minutes, training and promotion,
//!   the bundled model, `animov forecast eval`.
//! * [`alerting`] — the rules evaluated each minute, alert lifecycle,
//!   publishing, `animov alerts replay`.
//! * [`mail`] — the mailer seam and the email outbox.
//! * [`demo`], [`import`], [`users`], [`farm`] — the demo feed, INRA CSV
//!   import, users and passwords, the farm's name and time zone.
//! * [`storage`] — disk use, retention settings saved from the Storage page.
//! * [`detectors`] — the bundled detector and imported ones, checked before use.
//! * [`config`], [`secrets`], [`clock`], [`models`], [`metrics`],
//!   [`telemetry`], [`series_csv`], [`jobs`] — the supporting pieces.
//!
//! ```no_run
//! # async fn run() -> Result<(), animov_engine::EngineError> {
//! let dir = std::path::Path::new("/tmp/animov");
//! let config = animov_engine::config::Config::default();
//! let engine = animov_engine::open(dir, config).await?;
//! let runtime = animov_engine::runtime::start(&engine, None).await;
//! runtime.shutdown(&engine).await;
//! # Ok(()) }
//! ```

pub mod about;
pub mod alerting;
pub mod cameras;
pub mod clips;
pub mod clock;
pub mod config;
pub mod context;
pub mod dataset;
pub mod demo;
pub mod detectors;
pub mod farm;
pub mod forecasting;
pub mod import;
pub mod jobs;
pub mod mail;
pub mod memory;
pub mod metrics;
pub mod minutes;
pub mod models;
pub mod permissions;
pub mod playback;
pub mod runtime;
pub mod secrets;
pub mod series_csv;
pub mod storage;
pub mod sync;
pub mod telemetry;
pub mod users;

use std::path::Path;

use animov_store::{MysqlTls, Store, StoreConfig, StoreError};

pub use context::{Engine, Seams};

use crate::{
    config::{Config, DatabaseConfig, DatabaseTls},
    secrets::{SecretError, Secrets, names::MYSQL_PASSWORD},
};

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
    /// The data folder cannot be made.
    #[error("cannot create the data folder {}: {cause}", dir.display())]
    DataDir {
        /// The folder.
        dir: std::path::PathBuf,
        /// Why.
        cause: std::io::Error,
    },
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
        DatabaseConfig::Mysql { url, tls, ca_file } => StoreConfig::MySql {
            url: url.clone(),
            password: secrets.get(MYSQL_PASSWORD)?,
            tls: match tls {
                DatabaseTls::Preferred => MysqlTls::Preferred,
                DatabaseTls::Required => MysqlTls::Required,
                DatabaseTls::Verify => MysqlTls::Verify {
                    ca_file: ca_file.clone(),
                },
            },
        },
    })
}

/// Checks the configuration, opens the store (applying migrations) and
/// builds the engine for the data folder `data_dir`.
#[tracing::instrument(skip(config), fields(data_dir = %data_dir.display()))]
pub async fn open(data_dir: &Path, config: Config) -> Result<Engine, EngineError> {
    let mut config = config;
    config.validate()?;
    std::fs::create_dir_all(data_dir).map_err(|cause| EngineError::DataDir {
        dir: data_dir.to_path_buf(),
        cause,
    })?;
    config.data_dir = data_dir.to_path_buf();
    let secrets = Secrets::new(config.secrets, data_dir);
    let store = Store::open(&store_config(data_dir, &config, &secrets)?).await?;
    Ok(Engine::new(store, config))
}
