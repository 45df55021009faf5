//! The engine inside the desktop app: started on a loopback port, stopped on exit.

use std::{path::PathBuf, sync::Mutex};

use animov_engine::{
    Engine,
    config::{Config, default_data_dir},
    demo, models, telemetry,
};
use animov_http::{
    AppState,
    server::{self, Running},
};

/// A command line the desktop app does not understand.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArgsError {
    /// `--data-dir` without a folder.
    #[error("--data-dir needs a folder")]
    NoFolder,
    /// `--open` without a page.
    #[error("--open needs a page, e.g. --open cameras")]
    NoPage,
    /// Something else.
    #[error("unknown option {0:?} (use --data-dir DIR, --demo, --open PAGE)")]
    Unknown(String),
}

/// Command-line options of the desktop app.
#[derive(Debug, Clone, PartialEq)]
pub struct Args {
    /// Data folder (`--data-dir`, `ANIMOV_DATA_DIR`, or the OS data folder).
    pub data_dir: PathBuf,
    /// Run the demo feed (`--demo`).
    pub demo: bool,
    /// The page the window opens on (`--open cameras`, `--open cameras/new`,
    /// `--open review/demo-1/2026-12-02/10:15:00`).
    pub open: Option<String>,
}

impl Args {
    /// Reads `--data-dir DIR` and `--demo`.
    pub fn parse(mut it: impl Iterator<Item = String>) -> Result<Args, ArgsError> {
        let mut args = Args {
            data_dir: std::env::var_os("ANIMOV_DATA_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(default_data_dir),
            demo: false,
            open: None,
        };
        while let Some(a) = it.next() {
            match a.as_str() {
                "--demo" => args.demo = true,
                "--data-dir" => {
                    args.data_dir = it.next().map(PathBuf::from).ok_or(ArgsError::NoFolder)?
                }
                "--open" => {
                    let page = it.next().ok_or(ArgsError::NoPage)?;
                    let page = page.trim_start_matches(['#', '/']);
                    if page.is_empty()
                        || !page
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || "/-_.:".contains(c))
                    {
                        return Err(ArgsError::NoPage);
                    }
                    args.open = Some(page.to_string());
                }
                other => return Err(ArgsError::Unknown(other.to_string())),
            }
        }
        Ok(args)
    }
}

/// The engine running inside the desktop app.
pub struct DesktopEngine {
    engine: Engine,
    running: Mutex<Option<Running>>,
    addr: std::net::SocketAddr,
    secret: String,
    _log: Option<telemetry::LogGuard>,
}

impl DesktopEngine {
    /// Opens the data folder and starts the engine on `127.0.0.1:<free port>`.
    /// `resources` is the package's resource folder (`ui/`, `models/`, `lib/`),
    /// used for what the configuration and environment do not name.
    pub async fn start(args: &Args, resources: Option<PathBuf>) -> anyhow::Result<DesktopEngine> {
        animov_engine::permissions::restrict_new_files();
        let fixed = animov_engine::permissions::secure(&args.data_dir)?;
        let mut config = Config::load(&args.data_dir)?;
        if let Some(res) = &resources {
            let ui = res.join("ui");
            if config.ui_dir.is_none()
                && std::env::var_os("ANIMOV_UI_DIR").is_none()
                && ui.join("index.html").is_file()
            {
                config.ui_dir = Some(ui);
            }
            let model = res.join("models").join(models::DETECTOR_FILE);
            if config.vision.model.is_none() && model.is_file() {
                config.vision.model = Some(model);
            }
            let ort = res.join(format!(
                "lib/libonnxruntime.so.{}",
                animov_vision::detector::ORT_VERSION
            ));
            if config.vision.onnxruntime.is_none() && ort.is_file() {
                config.vision.onnxruntime = Some(ort);
            }
        }
        let log = telemetry::init(&args.data_dir, config.log_files);
        if fixed > 0 {
            tracing::warn!(
                fixed,
                "parts of the data folder were readable by other users: made owner-only"
            );
        }
        if config.tls.enabled {
            tracing::info!(
                "[tls] is for `animov serve`: the window's engine listens on this machine only (loopback), in clear"
            );
        }
        let secret = animov_auth::new_signing_key();
        let engine = animov_engine::open(&args.data_dir, config).await?;
        let demo_cams = match args.demo {
            true => Some(demo::prepare(&engine).await?),
            false => None,
        };
        let state = AppState::open(engine.clone(), Some(secret.clone()))?;
        let running = server::start(state, "127.0.0.1:0".parse()?, demo_cams).await?;
        let addr = running.addr;
        Ok(DesktopEngine {
            engine,
            running: Mutex::new(Some(running)),
            addr,
            secret,
            _log: log,
        })
    }

    /// Where the engine listens.
    pub fn addr(&self) -> std::net::SocketAddr {
        self.addr
    }

    /// The engine's live events (new frames; alerts later).
    pub fn events(&self) -> tokio::sync::broadcast::Receiver<animov_api::Event> {
        self.engine.events.subscribe()
    }

    /// The per-launch secret the window signs in with.
    pub fn local_secret(&self) -> &str {
        &self.secret
    }

    /// Stops the engine (once).
    pub async fn stop(&self) {
        let running = self.running.lock().ok().and_then(|mut r| r.take());
        if let Some(r) = running {
            r.shutdown().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_its_options() {
        let a = Args::parse(
            ["--demo", "--data-dir", "/tmp/x", "--open", "#/cameras/new"]
                .into_iter()
                .map(String::from),
        )
        .unwrap();
        assert_eq!(
            a,
            Args {
                data_dir: "/tmp/x".into(),
                demo: true,
                open: Some("cameras/new".into()),
            }
        );
        assert!(Args::parse(["--open", "a b"].into_iter().map(String::from)).is_err());
        // A review link with its time.
        let a = Args::parse(
            ["--open", "review/demo-1/2026-12-02/10:15:00"]
                .into_iter()
                .map(String::from),
        )
        .unwrap();
        assert_eq!(a.open.as_deref(), Some("review/demo-1/2026-12-02/10:15:00"));
        assert!(Args::parse(["--nope"].into_iter().map(String::from)).is_err());
        assert!(Args::parse(["--data-dir"].into_iter().map(String::from)).is_err());
    }
}
