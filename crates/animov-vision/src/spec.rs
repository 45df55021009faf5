//! The sidecar JSON that describes an ONNX detector (`model.onnx` + `model.json`).
//!
//! ```json
//! {
//!   "name": "nanodet-g-416",
//!   "format": "nanodet",
//!   "input": { "width": 416, "height": 416, "channels": "bgr",
//!              "mean": [103.53, 116.28, 123.675], "std": [57.375, 57.12, 58.395] },
//!   "strides": [8, 16, 32], "reg_max": 10,
//!   "classes": ["person", "bicycle", "..."],
//!   "roles": { "sheep": "animal", "dog": "animal" },
//!   "score_threshold": 0.35, "iou_threshold": 0.5, "class_agnostic_nms": true
//! }
//! ```
//!
//! Formats: `yolov8` (Ultralytics YOLOv8/YOLO11 export: one output
//! `[1, 4 + classes, anchors]`, centre/size in input pixels, scores already
//! sigmoid; RGB / 255, letterbox padded with 114) and `nanodet` (NanoDet-g:
//! per stride one `[1, g², classes]` sigmoid score output and one
//! `[1, g², 4·(reg_max+1)]` distance-bin output). Classes without a role are
//! ignored.

use std::{collections::HashMap, path::Path};

use animov_core::analysis::Role;
use serde::Deserialize;

/// How the model's outputs are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutputFormat {
    /// Ultralytics YOLOv8 / YOLO11 export.
    Yolov8,
    /// NanoDet (distance bins, per-stride outputs).
    Nanodet,
}

/// Channel order of the input tensor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channels {
    /// Red, green, blue.
    Rgb,
    /// Blue, green, red.
    Bgr,
}

/// Input tensor description (always NCHW float32).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputSpec {
    /// Width the model takes.
    pub width: u32,
    /// Height the model takes.
    pub height: u32,
    /// Channel order.
    pub channels: Channels,
    /// Subtracted per channel (in the model's channel order), on 0–255 values.
    pub mean: [f32; 3],
    /// Divided per channel after the mean.
    pub std: [f32; 3],
    /// Keep the aspect ratio and pad (true, default) or stretch.
    #[serde(default = "yes")]
    pub letterbox: bool,
    /// Padding value on 0–255 values; `null`: the mean (0 after normalisation).
    #[serde(default)]
    pub pad: Option<f32>,
}

fn yes() -> bool {
    true
}

fn default_strides() -> Vec<u32> {
    vec![8, 16, 32]
}

fn default_reg_max() -> u32 {
    10
}

fn default_center_offset() -> f32 {
    0.5
}

fn default_score() -> f32 {
    0.35
}

fn default_iou() -> f32 {
    0.5
}

/// A detector's sidecar.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelSpec {
    /// Display name.
    pub name: String,
    /// Output layout.
    pub format: OutputFormat,
    /// Input tensor.
    pub input: InputSpec,
    /// NanoDet strides.
    #[serde(default = "default_strides")]
    pub strides: Vec<u32>,
    /// NanoDet: bins per side − 1.
    #[serde(default = "default_reg_max")]
    pub reg_max: u32,
    /// NanoDet: a cell's centre is `(index + center_offset) · stride` (NanoDet-g: 0.5).
    #[serde(default = "default_center_offset")]
    pub center_offset: f32,
    /// Class names in output order.
    pub classes: Vec<String>,
    /// Class name → role; absent classes are ignored.
    pub roles: HashMap<String, String>,
    /// Boxes below this score are dropped before NMS.
    #[serde(default = "default_score")]
    pub score_threshold: f32,
    /// NMS overlap threshold.
    #[serde(default = "default_iou")]
    pub iou_threshold: f32,
    /// Suppress across classes (default true: one goat is often `sheep` and `dog`).
    #[serde(default = "yes")]
    pub class_agnostic_nms: bool,
    /// Free text: where it comes from.
    #[serde(default)]
    pub provenance: Option<String>,
    /// Free text: licence.
    #[serde(default)]
    pub licence: Option<String>,
}

/// Why a sidecar cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    /// The file cannot be read.
    #[error(
        "cannot read the model description {path}: {cause} (every model .onnx needs its .json beside it; see models/MODELS.md)"
    )]
    Read {
        /// File.
        path: String,
        /// Cause.
        cause: std::io::Error,
    },
    /// Not valid JSON for a sidecar.
    #[error("the model description {path} is not valid: {message}")]
    Parse {
        /// File.
        path: String,
        /// What is wrong.
        message: String,
    },
}

impl ModelSpec {
    /// Parses a sidecar from its bytes (`path` only names it in errors).
    pub fn parse(bytes: &[u8], path: &str) -> Result<ModelSpec, SpecError> {
        let spec: ModelSpec = serde_json::from_slice(bytes).map_err(|e| SpecError::Parse {
            path: path.into(),
            message: e.to_string(),
        })?;
        spec.validate(path)?;
        Ok(spec)
    }

    /// Reads the sidecar of `model.onnx`: `model.json` beside it.
    pub fn for_model(onnx: &Path) -> Result<ModelSpec, SpecError> {
        let path = onnx.with_extension("json");
        let bytes = std::fs::read(&path).map_err(|cause| SpecError::Read {
            path: path.display().to_string(),
            cause,
        })?;
        ModelSpec::parse(&bytes, &path.display().to_string())
    }

    /// Refuses a sidecar whose numbers cannot work (`path` names it in errors).
    fn validate(&self, path: &str) -> Result<(), SpecError> {
        let invalid = |message: String| {
            Err(SpecError::Parse {
                path: path.into(),
                message,
            })
        };
        if self.input.width < 8
            || self.input.height < 8
            || self.input.width > 8192
            || self.input.height > 8192
        {
            return invalid(format!(
                "input size {}×{} is out of range (8 to 8192)",
                self.input.width, self.input.height
            ));
        }
        if self.input.std.iter().any(|s| *s == 0.0 || !s.is_finite()) {
            return invalid("input.std must be non-zero".into());
        }
        if self.classes.is_empty() {
            return invalid("classes is empty".into());
        }
        for (class, role) in &self.roles {
            if !self.classes.contains(class) {
                return invalid(format!(
                    "roles names the class {class:?}, which is not in classes"
                ));
            }
            if Role::parse(role).is_none() {
                return invalid(format!(
                    "role {role:?} of class {class:?} must be animal, standing, lying or ignore"
                ));
            }
        }
        if !(0.0..=1.0).contains(&self.score_threshold)
            || !(0.0..=1.0).contains(&self.iou_threshold)
        {
            return invalid("score_threshold and iou_threshold must lie in [0, 1]".into());
        }
        if self.format == OutputFormat::Nanodet
            && (self.strides.is_empty()
                || self.strides.iter().any(|s| {
                    *s == 0
                        || !self.input.width.is_multiple_of(*s)
                        || !self.input.height.is_multiple_of(*s)
                }))
        {
            return invalid("strides must divide the input size".into());
        }
        Ok(())
    }

    /// Role of each class, in output order.
    pub fn class_roles(&self) -> Vec<Role> {
        self.classes
            .iter()
            .map(|c| {
                self.roles
                    .get(c)
                    .and_then(|r| Role::parse(r))
                    .unwrap_or(Role::Ignore)
            })
            .collect()
    }

    /// Whether the model itself tells standing from lying.
    pub fn has_posture_classes(&self) -> bool {
        self.class_roles()
            .iter()
            .any(|r| matches!(r, Role::Standing | Role::Lying))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const YOLO: &str = r#"{"name": "barn", "format": "yolov8",
        "input": {"width": 640, "height": 640, "channels": "rgb", "mean": [0,0,0], "std": [255,255,255], "pad": 114},
        "classes": ["standing", "lying", "person"], "roles": {"standing": "standing", "lying": "lying"}}"#;

    #[test]
    fn parses_a_yolo_sidecar_with_defaults() {
        let s = ModelSpec::parse(YOLO.as_bytes(), "barn.json").unwrap();
        assert_eq!(s.format, OutputFormat::Yolov8);
        assert!(s.input.letterbox && s.class_agnostic_nms);
        assert_eq!(
            s.class_roles(),
            vec![Role::Standing, Role::Lying, Role::Ignore]
        );
        assert!(s.has_posture_classes());
    }

    #[test]
    fn bad_sidecars_say_what_is_wrong() {
        let bad_role = YOLO.replace(r#""lying": "lying""#, r#""lying": "asleep""#);
        let e = ModelSpec::parse(bad_role.as_bytes(), "x.json")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("asleep") && e.contains("animal, standing, lying or ignore"),
            "{e}"
        );
        let unknown_class = YOLO.replace(r#""lying": "lying""#, r#""goat": "animal""#);
        let e = ModelSpec::parse(unknown_class.as_bytes(), "x.json")
            .unwrap_err()
            .to_string();
        assert!(e.contains("goat"), "{e}");
        let e = ModelSpec::parse(b"{", "x.json").unwrap_err().to_string();
        assert!(e.contains("x.json"), "{e}");
    }

    #[test]
    fn bundled_sidecar_is_valid() {
        let path = Path::new(&std::env::var("CARGO_MANIFEST_DIR").expect("run by cargo test"))
            .join("../../models/nanodet.onnx");
        let s = ModelSpec::for_model(&path).unwrap();
        assert_eq!(s.format, OutputFormat::Nanodet);
        assert_eq!(s.classes.len(), 80);
        assert_eq!(s.class_roles()[18], Role::Animal); // sheep
        assert!(!s.has_posture_classes());
    }
}
