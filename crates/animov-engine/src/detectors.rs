//! The detectors the cameras can use: the bundled one and those imported
//! from the Cameras page (a YOLOv8/YOLO11 or NanoDet ONNX export with its
//! JSON description), each checked by running it on a test picture before
//! it is accepted, kept under `<data-dir>/detectors/<name>/`, listed with
//! where they come from, removable when no camera uses them.

use std::path::{Path, PathBuf};

use animov_api::{DetectorInfo, FieldError};
use animov_core::analysis::Role;
use animov_store::StoreError;
use animov_vision::{Detect, Detector, spec::ModelSpec};
use serde::{Deserialize, Serialize};

use crate::{Engine, cameras::settings, models::default_detector};

/// Name of the imported detectors' list in `app_settings`.
pub const DETECTORS_SETTING: &str = "detectors";

/// What is stored of an imported detector (its files say the rest).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Imported {
    name: String,
    imported_by: String,
    imported_ms: i64,
}

/// Why a detector is refused or cannot be removed.
#[derive(Debug, thiserror::Error)]
pub enum DetectorError {
    /// A field or file of the import is wrong.
    #[error("{}", .0.message)]
    Invalid(FieldError),
    /// The name is taken.
    #[error("a detector named {0:?} exists already: choose another name")]
    Taken(String),
    /// No such imported detector.
    #[error("no imported detector named {0:?}")]
    NotFound(String),
    /// Cameras use it.
    #[error("cameras use this detector ({}): choose another detector for them first", .0.join(", "))]
    InUse(Vec<String>),
    /// The disk refused.
    #[error("cannot write the detector's files: {0} (is the disk full?)")]
    Disk(std::io::Error),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn invalid(field: &str, message: impl Into<String>) -> DetectorError {
    DetectorError::Invalid(FieldError::new(field, message))
}

/// The folder of imported detectors.
pub fn dir(data_dir: &Path) -> PathBuf {
    data_dir.join("detectors")
}

/// Whether `name` can name a detector: 1 to 40 of `a-z 0-9 - _`, not `default`.
pub fn valid_name(name: &str) -> bool {
    (1..=40).contains(&name.len())
        && name != "default"
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

async fn imported(engine: &Engine) -> Result<Vec<Imported>, StoreError> {
    Ok(match engine.store.app_setting(DETECTORS_SETTING).await? {
        Some(json) => serde_json::from_slice(&json).map_err(|e| {
            StoreError::Corrupt(format!("the list of detectors cannot be read ({e})"))
        })?,
        None => Vec::new(),
    })
}

async fn save_list(engine: &Engine, list: &[Imported]) -> Result<(), StoreError> {
    let json = serde_json::to_vec(list).expect("list serialises");
    engine.store.set_app_setting(DETECTORS_SETTING, &json).await
}

/// Which cameras use which model file (`None`: the default).
async fn usage(engine: &Engine) -> Result<Vec<(String, Option<String>)>, StoreError> {
    let mut out = Vec::new();
    for c in engine.store.cameras().await? {
        if c.uri.is_some() {
            out.push((c.source, settings::load(&engine.store, c.id).await?.model));
        }
    }
    Ok(out)
}

fn info(name: &str, onnx: &Path, spec: &ModelSpec, bundled: bool) -> DetectorInfo {
    let roles = spec.class_roles();
    DetectorInfo {
        name: name.to_string(),
        title: spec.name.clone(),
        path: onnx.display().to_string(),
        format: format!("{:?}", spec.format).to_lowercase(),
        input: [spec.input.width, spec.input.height],
        classes: spec.classes.clone(),
        counted_classes: spec
            .classes
            .iter()
            .zip(&roles)
            .filter(|(_, r)| **r != Role::Ignore)
            .map(|(c, _)| c.clone())
            .collect(),
        bundled,
        imported_by: None,
        imported_ms: None,
        provenance: match (&spec.provenance, &spec.licence) {
            (Some(p), Some(l)) => Some(format!("{p} — {l}")),
            (p, l) => p.clone().or_else(|| l.clone()),
        },
        used_by: Vec::new(),
    }
}

/// Every detector: the bundled one first, then the imported ones, with the
/// cameras that use each.
pub async fn list(engine: &Engine) -> Result<Vec<DetectorInfo>, StoreError> {
    let used = usage(engine).await?;
    let mut out = Vec::new();
    let bundled = engine.config.vision.model.clone().or_else(default_detector);
    if let Some(onnx) = bundled
        && let Ok(spec) = ModelSpec::for_model(&onnx)
    {
        let mut d = info("default", &onnx, &spec, true);
        d.used_by = used
            .iter()
            .filter(|(s, m)| m.is_none() && !s.is_empty())
            .map(|(s, _)| s.clone())
            .collect();
        out.push(d);
    }
    let root = dir(&engine.config.data_dir);
    for i in imported(engine).await? {
        let onnx = root.join(&i.name).join("model.onnx");
        match ModelSpec::for_model(&onnx) {
            Ok(spec) => {
                let mut d = info(&i.name, &onnx, &spec, false);
                d.imported_by = Some(i.imported_by);
                d.imported_ms = Some(i.imported_ms);
                let path = d.path.clone();
                d.used_by = used
                    .iter()
                    .filter(|(_, m)| m.as_deref() == Some(path.as_str()))
                    .map(|(s, _)| s.clone())
                    .collect();
                out.push(d);
            }
            Err(e) => {
                tracing::warn!(name = i.name, error = %e, "an imported detector's files are unreadable")
            }
        }
    }
    Ok(out)
}

/// Whether `path` is the `.onnx` of a detector of this install (the bundled
/// one or an imported one); reads no camera settings.
pub async fn is_known(engine: &Engine, path: &str) -> Result<bool, StoreError> {
    let bundled = engine.config.vision.model.clone().or_else(default_detector);
    if bundled.is_some_and(|b| b.display().to_string() == path) {
        return Ok(true);
    }
    let root = dir(&engine.config.data_dir);
    Ok(imported(engine)
        .await?
        .iter()
        .any(|i| root.join(&i.name).join("model.onnx").display().to_string() == path))
}

/// Checks a model on test pictures (the demo barn, and a grey frame): it
/// must load and its outputs must decode as its description says. Blocking.
fn check(onnx: &Path) -> Result<(), DetectorError> {
    let mut d = Detector::load(onnx, 1)
        .map_err(|e| invalid("model", format!("the model cannot be loaded: {e}")))?;
    let scene = animov_vision::scene::DemoScene::new(
        animov_core::demo::DemoSettings::for_camera(1, 0, 0),
        0,
    )
    .render(0)
    .frame;
    let grey =
        animov_vision::RgbFrame::new(320, 240, vec![128; 320 * 240 * 3]).expect("a valid frame");
    for frame in [&scene, &grey] {
        d.detect(frame).map_err(|e| {
            invalid(
                "model",
                format!("the model's outputs do not fit its description (format, classes, input size): {e}"),
            )
        })?;
    }
    Ok(())
}

/// Imports a detector: its ONNX file and its JSON description, checked on
/// test pictures, stored as `name` by `by`.
#[tracing::instrument(skip(engine, onnx, sidecar))]
pub async fn import(
    engine: &Engine,
    name: &str,
    onnx: Vec<u8>,
    sidecar: Vec<u8>,
    by: &str,
) -> Result<DetectorInfo, DetectorError> {
    if !valid_name(name) {
        return Err(invalid(
            "name",
            "a detector's name is 1 to 40 of a-z, 0-9, - and _ (not default)",
        ));
    }
    let spec = ModelSpec::parse(&sidecar, "the description")
        .map_err(|e| invalid("sidecar", e.to_string()))?;
    if spec.class_roles().iter().all(|r| *r == Role::Ignore) {
        return Err(invalid(
            "sidecar",
            "the description counts no class: give \"roles\" mapping the goat classes to animal, standing or lying",
        ));
    }
    if onnx.is_empty() {
        return Err(invalid("model", "the model file is empty"));
    }
    let mut list = imported(engine).await?;
    let root = dir(&engine.config.data_dir);
    let target = root.join(name);
    if list.iter().any(|i| i.name == name) || target.exists() {
        return Err(DetectorError::Taken(name.to_string()));
    }
    let staging = root.join(format!(".{name}.importing"));
    let onnx_path = staging.join("model.onnx");
    let write = || -> std::io::Result<()> {
        let _ = std::fs::remove_dir_all(&staging);
        std::fs::create_dir_all(&staging)?;
        std::fs::write(&onnx_path, &onnx)?;
        std::fs::write(staging.join("model.json"), &sidecar)
    };
    write().map_err(DetectorError::Disk)?;
    let checked = onnx_path.clone();
    let verdict = tokio::task::spawn_blocking(move || check(&checked))
        .await
        .unwrap_or_else(|e| Err(invalid("model", format!("the check stopped: {e}"))));
    if let Err(e) = verdict {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(e);
    }
    std::fs::rename(&staging, &target).map_err(DetectorError::Disk)?;
    list.push(Imported {
        name: name.to_string(),
        imported_by: by.to_string(),
        imported_ms: engine.now_ms(),
    });
    save_list(engine, &list).await?;
    tracing::info!(name, by, classes = spec.classes.len(), "detector imported");
    let onnx = target.join("model.onnx");
    let mut d = info(name, &onnx, &spec, false);
    d.imported_by = Some(by.to_string());
    d.imported_ms = list.last().map(|i| i.imported_ms);
    Ok(d)
}

/// Removes an imported detector no camera uses.
pub async fn remove(engine: &Engine, name: &str) -> Result<(), DetectorError> {
    let mut list = imported(engine).await?;
    let Some(pos) = list.iter().position(|i| i.name == name) else {
        return Err(DetectorError::NotFound(name.to_string()));
    };
    let target = dir(&engine.config.data_dir).join(name);
    let path = target.join("model.onnx").display().to_string();
    let users: Vec<String> = usage(engine)
        .await?
        .into_iter()
        .filter(|(_, m)| m.as_deref() == Some(path.as_str()))
        .map(|(s, _)| s)
        .collect();
    if !users.is_empty() {
        return Err(DetectorError::InUse(users));
    }
    list.remove(pos);
    save_list(engine, &list).await?;
    if let Err(e) = std::fs::remove_dir_all(&target) {
        tracing::warn!(dir = %target.display(), error = %e, "the detector's files could not be removed");
    }
    tracing::info!(name, "detector removed");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detector_names_are_folder_safe() {
        assert!(valid_name("yolo11n-barn_2"));
        for bad in ["", "default", "Barn", "a/b", "..", &"x".repeat(41)] {
            assert!(!valid_name(bad), "{bad}");
        }
    }
}
