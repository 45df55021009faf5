//! The models a fresh install ships in `models/`: where they are, and the
//! bundled forecast model's file.

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// File name of the bundled detector.
pub const DETECTOR_FILE: &str = "nanodet.onnx";
/// The bundled forecast model, inside `models/`.
pub const FORECAST_FILE: &str = "forecast/default.json";

/// The folders `models/` may be in: `ANIMOV_MODELS_DIR`, beside the
/// executable (`models/`, `../share/animov/models/`), or the source tree's.
fn model_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(d) = std::env::var_os("ANIMOV_MODELS_DIR") {
        dirs.push(PathBuf::from(d));
    }
    if let Ok(exe) = std::env::current_exe()
        && let Some(dir) = exe.parent()
    {
        dirs.push(dir.join("models"));
        dirs.push(dir.join("../share/animov/models"));
    }
    dirs.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models"));
    dirs
}

/// The bundled detector, if installed.
pub fn default_detector() -> Option<PathBuf> {
    model_dirs()
        .into_iter()
        .map(|d| d.join(DETECTOR_FILE))
        .find(|p| p.is_file())
}

/// A model file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ModelFileError {
    /// Not installed.
    #[error(
        "the bundled forecast model (models/{FORECAST_FILE}) is missing: reinstall AniMOV or run from its source tree"
    )]
    MissingForecast,
    /// No detector given and none bundled.
    #[error(
        "no detector found: pass --model PATH.onnx (with its .json beside it) or set ANIMOV_MODELS_DIR to the bundled models/ folder"
    )]
    MissingDetector,
    /// There but unreadable.
    #[error("{} cannot be read ({reason}): restore models/ from the package", path.display())]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
}

/// The bundled forecast model file (`models/forecast/default.json`).
#[derive(Debug, Clone, Deserialize)]
pub struct BundledModel {
    /// Display name.
    pub name: String,
    /// `(p,d,q)(P,D,Q,s)`.
    pub spec: String,
    /// Parameters.
    pub params: Vec<f64>,
    /// What it was fitted on.
    pub trained_on: String,
    /// Start of the reference week.
    pub profile_start_ms: i64,
    /// The reference week.
    pub profile: Vec<Option<f64>>,
}

/// The installed bundled forecast model's file, if there is one.
pub fn bundled_forecast_file() -> Option<PathBuf> {
    model_dirs()
        .into_iter()
        .map(|d| d.join(FORECAST_FILE))
        .find(|p| p.is_file())
}

impl BundledModel {
    /// Reads the installed bundled forecast model.
    pub fn load() -> Result<BundledModel, ModelFileError> {
        let path = bundled_forecast_file().ok_or(ModelFileError::MissingForecast)?;
        let unreadable = |reason: String| ModelFileError::Unreadable {
            path: path.clone(),
            reason,
        };
        let bytes = std::fs::read(&path).map_err(|e| unreadable(e.to_string()))?;
        serde_json::from_slice(&bytes).map_err(|e| unreadable(e.to_string()))
    }
}

/// The detector `animov detect` uses: `explicit`, or the bundled one.
pub fn detector_or_default(explicit: Option<PathBuf>) -> Result<PathBuf, ModelFileError> {
    explicit
        .or_else(default_detector)
        .ok_or(ModelFileError::MissingDetector)
}
