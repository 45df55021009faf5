//! Datasets for retraining: frames taken from the recordings with the boxes
//! the detector drew, corrected by a person in the box editor and kept as
//! ground truth, exported as YOLO or COCO.

use serde::{Deserialize, Serialize};

use crate::FieldError;

/// The classes a ground-truth box can have, in their YOLO/COCO order.
pub const DATASET_CLASSES: [&str; 3] = ["standing", "lying", "goat"];

/// Most frames one sampling job takes.
pub const MAX_SAMPLE_FRAMES: u32 = 500;

/// A box on a dataset frame, in the frame's pixels.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct GroundBox {
    /// Left edge.
    pub x: f64,
    /// Top edge.
    pub y: f64,
    /// Width (> 0).
    pub w: f64,
    /// Height (> 0).
    pub h: f64,
    /// Index in [`DATASET_CLASSES`]: 0 standing, 1 lying, 2 goat (posture unknown).
    pub class: u8,
}

impl GroundBox {
    /// What is wrong with the box on a `width` × `height` frame.
    pub fn validate(&self, width: u32, height: u32) -> Result<(), String> {
        let (w, h) = (f64::from(width), f64::from(height));
        if [self.x, self.y, self.w, self.h]
            .iter()
            .any(|v| !v.is_finite())
        {
            return Err("a box's x, y, w and h are numbers".into());
        }
        if self.w < 1.0 || self.h < 1.0 {
            return Err("a box is at least 1 pixel wide and high".into());
        }
        if self.x < 0.0 || self.y < 0.0 || self.x + self.w > w + 0.5 || self.y + self.h > h + 0.5 {
            return Err(format!("a box lies inside the {width}×{height} picture"));
        }
        if usize::from(self.class) >= DATASET_CLASSES.len() {
            return Err(format!(
                "class is 0 ({}), 1 ({}) or 2 ({})",
                DATASET_CLASSES[0], DATASET_CLASSES[1], DATASET_CLASSES[2]
            ));
        }
        Ok(())
    }
}

/// A dataset frame (`GET /api/v1/dataset/frames`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DatasetFrame {
    /// Id.
    pub id: i64,
    /// The camera.
    pub source: String,
    /// Capture time, UTC ms.
    pub ts_ms: i64,
    /// Picture width, pixels.
    pub width: u32,
    /// Picture height, pixels.
    pub height: u32,
    /// The boxes: the detector's until someone corrects them.
    pub boxes: Vec<GroundBox>,
    /// How it was chosen: `range`, `notes` or `disagree`.
    pub origin: String,
    /// Who checked the boxes (then it is ground truth), or `null`.
    pub reviewed_by: Option<String>,
    /// When, UTC ms.
    pub reviewed_ms: Option<i64>,
    /// When it was taken, UTC ms.
    pub created_ms: i64,
}

/// Which frames a sampling job takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SampleKind {
    /// Evenly over the time span.
    Range,
    /// Inside the notes of the span (of one tag, if given).
    Notes,
    /// Where the count differed from the herd size.
    Disagree,
}

impl SampleKind {
    /// The name stored with each frame.
    pub fn name(self) -> &'static str {
        match self {
            SampleKind::Range => "range",
            SampleKind::Notes => "notes",
            SampleKind::Disagree => "disagree",
        }
    }
}

/// `POST /api/v1/dataset/sample` body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SampleRequest {
    /// The camera.
    pub source: String,
    /// Start of the span, UTC ms.
    pub from_ms: i64,
    /// End of the span, UTC ms (at most 31 days after the start).
    pub to_ms: i64,
    /// Which frames.
    pub kind: SampleKind,
    /// How many (1 to 500).
    pub count: u32,
    /// With `notes`: only notes with this tag.
    #[serde(default)]
    pub tag: Option<String>,
}

impl SampleRequest {
    /// What is wrong with the request.
    pub fn validate(&self) -> Result<(), FieldError> {
        if self.to_ms <= self.from_ms || self.to_ms - self.from_ms > 31 * 86_400_000 {
            return Err(FieldError::new(
                "to_ms",
                "the span runs from from_ms to a later to_ms, at most 31 days",
            ));
        }
        if self.count == 0 || self.count > MAX_SAMPLE_FRAMES {
            return Err(FieldError::new(
                "count",
                format!("take 1 to {MAX_SAMPLE_FRAMES} frames"),
            ));
        }
        Ok(())
    }
}

/// The form of a dataset export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    /// `images/`, `labels/` (one `class cx cy w h` line per box, divided by
    /// the picture's size), `data.yaml`.
    Yolo,
    /// `images/`, `annotations.json` (COCO, boxes in pixels).
    Coco,
}

/// `POST /api/v1/dataset/export` body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ExportRequest {
    /// YOLO or COCO.
    pub format: ExportFormat,
    /// One camera (default: all).
    #[serde(default)]
    pub source: Option<String>,
    /// Only the frames whose boxes a person checked (default true).
    #[serde(default = "yes")]
    pub reviewed_only: bool,
}

pub(crate) fn yes() -> bool {
    true
}

/// `PUT /api/v1/dataset/frames/{id}` body: the corrected boxes (the frame
/// becomes ground truth, checked by whoever sent them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BoxesInput {
    /// Every box of the frame (an empty list: no goat in the picture).
    pub boxes: Vec<GroundBox>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(x: f64, y: f64, w: f64, h: f64, class: u8) -> GroundBox {
        GroundBox { x, y, w, h, class }
    }

    #[test]
    fn boxes_lie_inside_the_picture_with_a_known_class() {
        assert!(b(0.0, 0.0, 640.0, 360.0, 2).validate(640, 360).is_ok());
        assert!(b(600.0, 0.0, 50.0, 10.0, 0).validate(640, 360).is_err());
        assert!(b(10.0, 10.0, 0.5, 10.0, 0).validate(640, 360).is_err());
        assert!(b(10.0, 10.0, 10.0, 10.0, 3).validate(640, 360).is_err());
        assert!(b(f64::NAN, 10.0, 10.0, 10.0, 1).validate(640, 360).is_err());
    }

    #[test]
    fn a_sample_asks_for_a_bounded_span_and_count() {
        let mut r = SampleRequest {
            source: "a".into(),
            from_ms: 0,
            to_ms: 1000,
            kind: SampleKind::Range,
            count: 20,
            tag: None,
        };
        assert!(r.validate().is_ok());
        r.count = 501;
        assert_eq!(r.validate().unwrap_err().field, "count");
        r.count = 20;
        r.to_ms = 0;
        assert_eq!(r.validate().unwrap_err().field, "to_ms");
        let k: SampleKind = serde_json::from_str("\"disagree\"").unwrap();
        assert_eq!(k.name(), "disagree");
    }
}
