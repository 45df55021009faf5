//! What this AniMOV is: version, commit, build date, schema version and
//! the bundled models, for `/api/v1/version`, `animov --version`, the About
//! page and the first line of every log.

use std::{
    io::Read,
    path::{Path, PathBuf},
    sync::OnceLock,
};

use animov_api::{BundledModelVersion, VersionInfo};
use sha2::{Digest, Sha256};

use crate::models;

/// The first 12 hex digits of a file's SHA-256, if it can be read.
fn short_sha256(path: &Path) -> Option<String> {
    let mut file = std::fs::File::open(path).ok()?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf).ok()?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    let digest = hasher.finalize();
    Some(digest[..6].iter().map(|b| format!("{b:02x}")).collect())
}

/// A model file's `name` field (the detector's sidecar, the forecast model).
fn json_name(path: &Path) -> Option<String> {
    let bytes = std::fs::read(path).ok()?;
    let v: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    v.get("name")?.as_str().map(str::to_string)
}

/// A bundled model: `file` where it is installed (none: `expected` names
/// the file that is missing), `named_by` the JSON file holding its name.
fn model(
    role: &str,
    expected: &str,
    file: Option<PathBuf>,
    named_by: impl Fn(&Path) -> PathBuf,
) -> BundledModelVersion {
    let (name, sha256) = match file {
        Some(f) => (
            json_name(&named_by(&f)).unwrap_or_else(|| "unnamed".into()),
            short_sha256(&f),
        ),
        None => (format!("models/{expected}"), None),
    };
    BundledModelVersion {
        role: role.into(),
        name,
        sha256,
    }
}

fn gather() -> VersionInfo {
    VersionInfo {
        version: animov_build::VERSION.into(),
        commit: animov_build::COMMIT.into(),
        dirty: animov_build::dirty(),
        build_date: animov_build::DATE.into(),
        schema_version: animov_store::SCHEMA_VERSION,
        models: vec![
            model(
                "detector",
                models::DETECTOR_FILE,
                models::default_detector(),
                |f| f.with_extension("json"),
            ),
            model(
                "forecast",
                models::FORECAST_FILE,
                models::bundled_forecast_file(),
                Path::to_path_buf,
            ),
        ],
    }
}

/// This binary's version information (the models are read once).
pub fn version_info() -> &'static VersionInfo {
    static INFO: OnceLock<VersionInfo> = OnceLock::new();
    INFO.get_or_init(gather)
}

/// One line for `--version` and the logs, e.g.
/// `0.1.0 (commit 51d9dd2c1b0a-dirty, built 2026-12-04T02:00:00Z, schema 10, detector nanodet-g-416 (COCO) d1ca35c1ebd1, forecast AniMOV default (simulated herd) 3f1e0b9a7c2d)`.
pub fn version_line() -> String {
    let v = version_info();
    let models: Vec<String> = v
        .models
        .iter()
        .map(|m| match &m.sha256 {
            Some(h) => format!("{} {} {h}", m.role, m.name),
            None => format!("{} {} not installed", m.role, m.name),
        })
        .collect();
    format!(
        "{} (commit {}, built {}, schema {}, {})",
        v.version,
        animov_build::short_commit(),
        v.build_date,
        v.schema_version,
        models.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_source_trees_models_are_listed_with_their_hashes() {
        let v = version_info();
        assert_eq!(v.schema_version, animov_store::SCHEMA_VERSION);
        let detector = &v.models[0];
        assert_eq!(detector.role, "detector");
        assert_eq!(detector.name, "nanodet-g-416 (COCO)");
        // models/MODELS.md: sha256 d1ca35c1ebd1…
        assert_eq!(detector.sha256.as_deref(), Some("d1ca35c1ebd1"));
        assert_eq!(v.models[1].role, "forecast");
        assert_eq!(v.models[1].name, "AniMOV default (simulated herd)");
        assert_eq!(v.models[1].sha256.as_ref().map(String::len), Some(12));
        let line = version_line();
        assert!(
            line.starts_with(&format!("{} (commit ", animov_build::VERSION)),
            "{line}"
        );
        assert!(
            line.contains("schema ") && line.contains("d1ca35c1ebd1"),
            "{line}"
        );
    }

    #[test]
    fn a_missing_model_says_so() {
        let m = model("detector", "nanodet.onnx", None, Path::to_path_buf);
        assert_eq!(m.name, "models/nanodet.onnx");
        assert_eq!(m.sha256, None);
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("x.onnx");
        std::fs::write(&f, b"abc").unwrap();
        let m = model("detector", "x.onnx", Some(f), |f| f.with_extension("json"));
        assert_eq!(m.name, "unnamed");
        // sha256("abc") = ba7816bf8f01cfea…
        assert_eq!(m.sha256.as_deref(), Some("ba7816bf8f01"));
    }
}
