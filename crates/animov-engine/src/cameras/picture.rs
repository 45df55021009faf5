//! A camera's picture with every proposed box and what the camera's settings
//! count on it: the answer of testing an address and of trying settings.

use animov_api::{CameraPicture, CameraSettings, CandidateBox};
use animov_core::analysis::{RawDetection, preview};
use base64::Engine as _;

use super::settings;

/// What `settings` count on a picture (`jpeg`, `width`×`height`) whose
/// detector proposed `raw`.
pub fn picture(
    jpeg: &[u8],
    (width, height): (u32, u32),
    ts_ms: i64,
    raw: &[RawDetection],
    settings: &CameraSettings,
    detector: String,
    elapsed_ms: u64,
) -> CameraPicture {
    let (boxes, counts) = preview(
        &settings::filter(settings),
        &settings::posture_model(settings),
        height as f32,
        raw,
    );
    CameraPicture {
        width,
        height,
        jpeg_base64: base64::engine::general_purpose::STANDARD.encode(jpeg),
        ts_ms,
        boxes: boxes
            .into_iter()
            .map(|b| CandidateBox {
                x: b.det.bbox.x,
                y: b.det.bbox.y,
                w: b.det.bbox.w,
                h: b.det.bbox.h,
                score: b.det.score,
                posture: b.posture.as_str().into(),
                counted: b.counted,
            })
            .collect(),
        standing: counts.standing,
        lying: counts.lying,
        unknown: counts.unknown,
        detector,
        elapsed_ms,
    }
}
