//! Engine settings: `<data-dir>/animov.toml` (optional), then command-line overrides.

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
};

use serde::Deserialize;

pub mod env;
mod tls;
mod validate;
pub use tls::TlsConfig;

/// Where secrets are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SecretsBackend {
    /// The OS keyring, falling back to an owner-only file when there is none.
    Keyring,
    /// Owner-only files under `<data-dir>/secrets/` (headless servers, tests).
    File,
}

impl SecretsBackend {
    /// `keyring` or `file`.
    pub fn parse(s: &str) -> Option<SecretsBackend> {
        match s {
            "keyring" => Some(SecretsBackend::Keyring),
            "file" => Some(SecretsBackend::File),
            _ => None,
        }
    }
}

/// Which database to use.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum DatabaseConfig {
    /// Embedded SQLite (default): `path` or `<data-dir>/animov.sqlite`.
    Sqlite {
        /// Database file.
        #[serde(default)]
        path: Option<PathBuf>,
    },
    /// Remote MySQL/MariaDB; the password is the `mysql-password` secret.
    Mysql {
        /// `mysql://user@host:3306/database`.
        url: String,
        /// Encryption of the connection (default `preferred`).
        #[serde(default)]
        tls: DatabaseTls,
        /// With `tls = "verify"`: PEM file of the CA that signed the
        /// server's certificate (unset: the system's CAs).
        #[serde(default)]
        ca_file: Option<PathBuf>,
    },
}

/// How the connection to MySQL/MariaDB is encrypted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DatabaseTls {
    /// Encrypted when the server offers it, its certificate not checked
    /// (or as the URL's `ssl-mode=` says).
    #[default]
    Preferred,
    /// Encrypted or no connection; the certificate not checked.
    Required,
    /// Encrypted, and the server's certificate checked: it must chain to
    /// `ca_file` (or the system's CAs) and name the URL's host.
    Verify,
}

/// The demo feed.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DemoConfig {
    /// Demo cameras.
    pub cameras: u32,
    /// Seed of the simulated herds.
    pub seed: u64,
    /// One frame per camera every this many ms when streaming.
    pub interval_ms: u64,
    /// Days of history created on first start.
    pub backfill_days: u32,
    /// Spacing of backfilled frames, ms.
    pub backfill_interval_ms: u64,
    /// Local time of the farm, minutes from UTC (herd activity follows it).
    pub utc_offset_minutes: i32,
}

impl Default for DemoConfig {
    fn default() -> Self {
        DemoConfig {
            cameras: 3,
            seed: 42,
            interval_ms: 1_000,
            backfill_days: 7,
            backfill_interval_ms: 5_000,
            utc_offset_minutes: 60,
        }
    }
}

/// Cameras: capture, detection, recordings, snapshots.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VisionConfig {
    /// Capture and analyse the cameras that have an address (`demo:`, rtsp, ...).
    pub enabled: bool,
    /// Frames per second analysed per camera.
    pub fps: u32,
    /// Detectors running at once (the inference pool), shared by all cameras.
    pub workers: usize,
    /// Threads of each detector.
    pub threads_per_worker: usize,
    /// Default detector (`.onnx` with its `.json`); found in the bundled `models/` when unset.
    pub model: Option<PathBuf>,
    /// ONNX Runtime's library (`libonnxruntime.so.1.24.x`); searched for when unset.
    pub onnxruntime: Option<PathBuf>,
    /// Length of recording segments, minutes.
    pub segment_minutes: u32,
    /// Recordings older than this are deleted (kept ones never), days.
    pub retention_days: u32,
    /// Recordings may use at most this much disk, GiB.
    pub quota_gib: f64,
    /// Snapshots per hour and camera.
    pub snapshots_per_hour: u32,
    /// Bitrate of recordings that must be encoded (raw and MJPEG sources), kbit/s.
    pub record_bitrate_kbps: u32,
    /// Threads of each camera's video decoder (0: one per core). One is
    /// enough for 720p/1080p at 25 frames/s and keeps fewer pictures in
    /// memory; more for 4K streams on a slow processor.
    pub decoder_threads: u32,
    /// Free space kept on the data folder's disk for the database and the
    /// rest, MiB: below it retention deletes the oldest recordings it may,
    /// then recording stops (counting goes on) until there is a quarter more.
    pub min_free_mib: u64,
}

impl Default for VisionConfig {
    fn default() -> Self {
        VisionConfig {
            enabled: true,
            fps: 2,
            workers: 1,
            threads_per_worker: 1,
            model: None,
            onnxruntime: None,
            segment_minutes: 10,
            retention_days: 14,
            quota_gib: 50.0,
            snapshots_per_hour: 4,
            record_bitrate_kbps: 1500,
            decoder_threads: 1,
            min_free_mib: 2048,
        }
    }
}

/// The models tried by default: the default spec, a differenced one with
/// seasonal AR (the prototype's), and a pure AR(2) one with the seasonal MA.
pub const DEFAULT_CANDIDATES: [&str; 3] = [
    "(1,0,1)(0,1,1,96)",
    "(1,1,1)(1,1,1,96)",
    "(2,0,0)(0,1,1,96)",
];

/// Forecasts of the 15-minute standing ratio.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ForecastConfig {
    /// Retrain each camera's model every night when it has enough history.
    pub retrain: bool,
    /// Days of data a camera needs before its own model is trained.
    pub min_history_days: u32,
    /// The model a camera forecasts with until one of its own is trained.
    pub spec: String,
    /// The models tried for each camera at night, chosen by rolling-origin
    /// backtests (empty: `spec` alone).
    pub candidates: Vec<String>,
    /// Backtest folds: 2-day holdouts ending 2, 4, 6… days ago.
    pub backtest_folds: u32,
    /// When retraining runs, farm time `HH:MM-HH:MM` (may cross midnight).
    pub retrain_window: String,
    /// Days of history a nightly run reads (each fold fits on the 7 days
    /// before its holdout; the chosen model on the last 7 days).
    pub retrain_days: u32,
    /// Cameras fitted at the same time (each uses one core).
    pub retrain_parallel: u32,
}

impl Default for ForecastConfig {
    fn default() -> Self {
        ForecastConfig {
            retrain: true,
            min_history_days: 3,
            spec: "(1,0,1)(0,1,1,96)".into(),
            candidates: DEFAULT_CANDIDATES.iter().map(|s| s.to_string()).collect(),
            backtest_folds: 3,
            retrain_window: "01:00-05:00".into(),
            retrain_days: 13,
            retrain_parallel: 1,
        }
    }
}

/// How the SMTP server is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EmailTls {
    /// Plain connection upgraded with STARTTLS (port 587).
    Starttls,
    /// TLS from the start (port 465).
    Tls,
    /// No encryption: a relay on this machine, or one on the farm LAN
    /// without an account (a password is only ever sent in clear to this
    /// machine).
    None,
}

/// The SMTP server alerts are sent through; the password is the `smtp-password` secret.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EmailConfig {
    /// Server name; unset = no email.
    pub smtp_host: Option<String>,
    /// Port.
    pub smtp_port: u16,
    /// Encryption.
    pub tls: EmailTls,
    /// Account name, if the server wants one.
    pub username: Option<String>,
    /// Sender, e.g. `AniMOV <animov@farm.example>`.
    pub from: String,
    /// Give up on one try after this many seconds.
    pub timeout_seconds: u32,
}

impl Default for EmailConfig {
    fn default() -> Self {
        EmailConfig {
            smtp_host: None,
            smtp_port: 587,
            tls: EmailTls::Starttls,
            username: None,
            from: "AniMOV <animov@localhost>".into(),
            timeout_seconds: 20,
        }
    }
}

/// The alert engine.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AlertsConfig {
    /// Evaluate the rules.
    pub enabled: bool,
    /// Seconds between evaluations.
    pub interval_seconds: u32,
}

impl Default for AlertsConfig {
    fn default() -> Self {
        AlertsConfig {
            enabled: true,
            interval_seconds: 60,
        }
    }
}

/// Sync with a central AniMOV (see README, "Sync").
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SyncConfig {
    /// `site` (a barn PC, default) or `central` (collects sites; MySQL/MariaDB only).
    pub role: animov_api::SyncRole,
    /// PEM file of the CA (or the self-signed certificate) the central's
    /// HTTPS certificate must chain to; unset: the system's CAs.
    pub ca_file: Option<PathBuf>,
    /// Also send every analysed frame's counts (large).
    pub frames: bool,
    /// Seconds between passes when nothing is pending.
    pub interval_seconds: u32,
    /// Rows per batch.
    pub batch_rows: u32,
    /// Upload cap in kbit/s (0: none).
    pub max_kbit_s: u32,
    /// Also send the videos of kept recordings (the ones a person kept).
    pub kept_videos: bool,
    /// The largest kept video sent, MiB (larger ones stay at the farm).
    pub kept_video_max_mib: u32,
}

impl Default for SyncConfig {
    fn default() -> Self {
        SyncConfig {
            role: animov_api::SyncRole::Site,
            ca_file: None,
            frames: false,
            interval_seconds: 60,
            batch_rows: 2000,
            max_kbit_s: 0,
            kept_videos: false,
            kept_video_max_mib: 200,
        }
    }
}

/// All settings of the engine.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address of the HTTP API and UI.
    pub listen: SocketAddr,
    /// Must be true to listen on anything but loopback.
    pub allow_lan: bool,
    /// Database.
    pub database: DatabaseConfig,
    /// HTTPS for `animov serve`.
    pub tls: TlsConfig,
    /// Where secrets live.
    pub secrets: SecretsBackend,
    /// Session lifetime.
    pub token_ttl_hours: u32,
    /// Frames further in the future than this are refused (clock error).
    pub max_future_seconds: u32,
    /// A minute's statistics are written this long after it ends (late frames still recompute it).
    pub minute_grace_seconds: u32,
    /// Largest accepted request body, MiB.
    pub max_body_mib: u32,
    /// Failed sign-ins allowed per user name from one address within 5
    /// minutes (an address trying many names: 4 times that); beyond, the
    /// address waits, and guesses from many addresses only slow sign-ins
    /// of that user down.
    pub login_attempts: u32,
    /// Reverse proxies in front of AniMOV (e.g. `["127.0.0.1"]`): for a
    /// request from one of them, the client is the last address of
    /// `X-Forwarded-For` that is not a proxy (else every client would share
    /// the proxy's address, and its failed sign-ins).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Time zone of the naive dates sent to the legacy INRA route, minutes from UTC.
    pub legacy_utc_offset_minutes: i32,
    /// Demo feed settings.
    pub demo: DemoConfig,
    /// Cameras: capture, detection, recordings, snapshots.
    pub vision: VisionConfig,
    /// Forecasts.
    pub forecast: ForecastConfig,
    /// Alert rules evaluation.
    pub alerts: AlertsConfig,
    /// Email delivery of alerts.
    pub email: EmailConfig,
    /// Sync with a central AniMOV.
    pub sync: SyncConfig,
    /// Keep this many daily log files.
    pub log_files: usize,
    /// Folder of the built UI (`index.html`, wasm, assets); found automatically when unset.
    pub ui_dir: Option<PathBuf>,
    /// The data folder this configuration was loaded for (set at start, not in the file).
    #[serde(skip)]
    pub data_dir: PathBuf,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8642)),
            allow_lan: false,
            database: DatabaseConfig::Sqlite { path: None },
            tls: TlsConfig::default(),
            secrets: SecretsBackend::Keyring,
            token_ttl_hours: 12,
            max_future_seconds: 300,
            minute_grace_seconds: 5,
            max_body_mib: 16,
            login_attempts: 5,
            trusted_proxies: Vec::new(),
            legacy_utc_offset_minutes: 0,
            demo: DemoConfig::default(),
            vision: VisionConfig::default(),
            forecast: ForecastConfig::default(),
            alerts: AlertsConfig::default(),
            email: EmailConfig::default(),
            sync: SyncConfig::default(),
            log_files: 14,
            ui_dir: None,
            data_dir: PathBuf::new(),
        }
    }
}

/// A configuration that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file cannot be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid.
    #[error("{path} is not a valid AniMOV configuration: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What is wrong, with line and column.
        message: String,
    },
    /// A setting is refused.
    #[error("{0}")]
    Invalid(String),
}

impl Config {
    /// The SQLite file, on SQLite: `database.path` or `<data-dir>/animov.sqlite`.
    pub fn sqlite_file(&self) -> Option<PathBuf> {
        match &self.database {
            DatabaseConfig::Sqlite { path } => Some(
                path.clone()
                    .unwrap_or_else(|| self.data_dir.join("animov.sqlite")),
            ),
            DatabaseConfig::Mysql { .. } => None,
        }
    }

    /// The database, for people: its kind and where it is, no secret.
    pub fn database_label(&self) -> String {
        match (&self.database, self.sqlite_file()) {
            (DatabaseConfig::Mysql { url, .. }, _) => {
                format!("MySQL {}", animov_core::camera_uri::masked(url))
            }
            (_, Some(f)) => format!("SQLite {}", f.display()),
            (_, None) => String::new(),
        }
    }

    /// Parses the TOML text of a configuration file.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let cfg: Config = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// Reads `<data_dir>/animov.toml` (or the defaults when there is none),
    /// then the `ANIMOV__<SECTION>__<KEY>` settings (see [`env`]) and
    /// `ANIMOV_SECRETS=keyring|file` from the environment.
    pub fn load(data_dir: &Path) -> Result<Config, ConfigError> {
        Self::load_with(data_dir, std::env::vars())
    }

    /// [`Config::load`] with these environment variables.
    pub fn load_with(
        data_dir: &Path,
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        let path = data_dir.join("animov.toml");
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(source) => return Err(ConfigError::Read { path, source }),
        };
        let vars: Vec<(String, String)> = vars.into_iter().collect();
        let secrets = vars
            .iter()
            .find(|(k, _)| k == "ANIMOV_SECRETS")
            .map(|(_, v)| v.clone());
        let mut cfg = if vars.iter().any(|(k, _)| k.starts_with(env::PREFIX)) {
            let mut table: toml::Table = toml::from_str(&text).map_err(|e| ConfigError::Parse {
                path: path.clone(),
                message: e.to_string(),
            })?;
            let applied = env::apply(&mut table, vars)?;
            let cfg: Config =
                table
                    .try_into()
                    .map_err(|e: toml::de::Error| ConfigError::Parse {
                        path: path.clone(),
                        message: format!(
                            "{} (with {} from the environment)",
                            e.message(),
                            applied.join(", ")
                        ),
                    })?;
            cfg.validate()?;
            cfg
        } else {
            Config::parse(&text, &path)?
        };
        if let Some(v) = secrets {
            cfg.secrets = SecretsBackend::parse(&v).ok_or_else(|| {
                ConfigError::Invalid(format!("ANIMOV_SECRETS must be keyring or file, not {v:?}"))
            })?;
        }
        Ok(cfg)
    }
}

/// The OS data folder for AniMOV (e.g. `~/.local/share/animov`).
pub fn default_data_dir() -> PathBuf {
    dirs::data_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join("animov")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_file_gives_defaults() {
        assert_eq!(
            Config::parse("", Path::new("a.toml")).unwrap(),
            Config::default()
        );
    }

    #[test]
    fn environment_settings_override_the_file_and_are_validated() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("animov.toml"),
            "listen = \"127.0.0.1:9000\"\n[vision]\nfps = 3\n",
        )
        .unwrap();
        let vars = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let cfg = Config::load_with(dir.path(), vars(&[])).unwrap();
        assert_eq!(cfg.listen.port(), 9000);
        assert_eq!(cfg.vision.fps, 3);
        let cfg = Config::load_with(
            dir.path(),
            vars(&[
                ("ANIMOV__LISTEN", "0.0.0.0:8642"),
                ("ANIMOV__ALLOW_LAN", "true"),
                ("ANIMOV__DATABASE__KIND", "mysql"),
                ("ANIMOV__DATABASE__URL", "mysql://animov@db:3306/animov"),
                ("ANIMOV__SYNC__ROLE", "central"),
                ("ANIMOV_SECRETS", "file"),
            ]),
        )
        .unwrap();
        assert_eq!(cfg.listen, "0.0.0.0:8642".parse().unwrap());
        assert_eq!(cfg.vision.fps, 3, "the file's other settings stay");
        assert!(
            matches!(&cfg.database, DatabaseConfig::Mysql { url, .. } if url == "mysql://animov@db:3306/animov")
        );
        assert_eq!(cfg.sync.role, animov_api::SyncRole::Central);
        assert_eq!(cfg.secrets, SecretsBackend::File);
        // Checked like the file: the LAN needs allow_lan, names must exist.
        let e =
            Config::load_with(dir.path(), vars(&[("ANIMOV__LISTEN", "0.0.0.0:8642")])).unwrap_err();
        assert!(e.to_string().contains("allow_lan"), "{e}");
        let e = Config::load_with(dir.path(), vars(&[("ANIMOV__VISION__FSP", "4")])).unwrap_err();
        assert!(e.to_string().contains("ANIMOV__VISION__FSP"), "{e}");
    }

    #[test]
    fn tls_settings_that_cannot_work_are_refused() {
        let parse = |t: &str| Config::parse(t, Path::new("a.toml"));
        let ok =
            parse("[tls]\nenabled = true\nnames = [\"192.168.1.20\", \"barn.local\", \"::1\"]\n")
                .unwrap();
        assert!(ok.tls.enabled && ok.tls.cert_file.is_none());
        let half =
            parse("[tls]\nenabled = true\ncert_file = \"/etc/animov/cert.pem\"\n").unwrap_err();
        assert!(half.to_string().contains("tls.key_file"), "{half}");
        let bad = parse("[tls]\nnames = [\"barn farm\"]\n").unwrap_err();
        assert!(bad.to_string().contains("\"barn farm\""), "{bad}");
        let ca = parse(
            "[database]\nkind = \"mysql\"\nurl = \"mysql://a@db/animov\"\nca_file = \"/ca.pem\"\n",
        )
        .unwrap_err();
        assert!(ca.to_string().contains("tls = \"verify\""), "{ca}");
        let verify = parse(
            "[database]\nkind = \"mysql\"\nurl = \"mysql://a@db/animov\"\ntls = \"verify\"\nca_file = \"/ca.pem\"\n",
        )
        .unwrap();
        assert!(matches!(
            verify.database,
            DatabaseConfig::Mysql {
                tls: DatabaseTls::Verify,
                ca_file: Some(_),
                ..
            }
        ));
    }

    #[test]
    fn reads_a_full_file() {
        let cfg = Config::parse(
            "listen = \"0.0.0.0:9000\"\nallow_lan = true\nsecrets = \"file\"\n\
             [database]\nkind = \"mysql\"\nurl = \"mysql://animov@db:3306/animov\"\n[demo]\ncameras = 8\n",
            Path::new("a.toml"),
        )
        .unwrap();
        assert_eq!(cfg.listen.port(), 9000);
        assert_eq!(
            cfg.database,
            DatabaseConfig::Mysql {
                url: "mysql://animov@db:3306/animov".into(),
                tls: DatabaseTls::Preferred,
                ca_file: None,
            }
        );
        assert_eq!(cfg.demo.cameras, 8);
        assert_eq!(cfg.demo.seed, 42);
    }

    #[test]
    fn lan_needs_an_explicit_setting() {
        let e = Config::parse("listen = \"0.0.0.0:9000\"", Path::new("a.toml")).unwrap_err();
        assert!(e.to_string().contains("allow_lan"), "{e}");
    }

    #[test]
    fn typos_are_reported_with_their_place() {
        let e = Config::parse("lisen = \"x\"", Path::new("/etc/animov.toml")).unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("/etc/animov.toml") && msg.contains("lisen"),
            "{msg}"
        );
    }
}
