//! A camera's picture with every proposed box and what the camera's settings
//! count on it: the answer of testing an address and of trying settings.

use animov_api::{CameraPicture, CameraSettings, CandidateBox};
use animov_core::analysis::{RawDetection, preview};
use animov_vision::{Detect, DetectError};
use base64::Engine as _;

use super::{Cameras, lock, settings};
use crate::config::Config;

/// Why settings cannot be tried on a camera's picture.
#[derive(Debug, thiserror::Error)]
pub enum PreviewError {
    /// The camera does not run (no address, or cameras off).
    #[error("the camera is not running: it has no address, or the cameras are off")]
    NotRunning,
    /// It has not delivered a picture yet.
    #[error("no picture yet: the camera is still connecting")]
    NoPictureYet,
    /// The chosen detector failed on the picture.
    #[error(transparent)]
    Detect(#[from] DetectError),
}

impl Cameras {
    /// What `settings` count on the newest picture of `camera_id`. The boxes
    /// are those the camera saw when `settings` use its detector and tiling;
    /// another detector or tiling analyses the picture again (blocking).
    pub fn preview(
        &self,
        camera_id: i64,
        settings: &CameraSettings,
        config: &Config,
    ) -> Result<CameraPicture, PreviewError> {
        let (uri, running, live, detector) = {
            let workers = lock(&self.workers);
            let w = workers.get(&camera_id).ok_or(PreviewError::NotRunning)?;
            (
                w.uri.clone(),
                w.settings.clone(),
                w.live.clone(),
                w.health().detector,
            )
        };
        let frame = live.latest().ok_or(PreviewError::NoPictureYet)?;
        let same = settings.model == running.model && settings.tiles == running.tiles;
        let (raw, detector) = match self.detectors(&uri, settings, config) {
            Some(pool) if !same => {
                let tiling = super::settings::tiling(settings);
                let raw = pool
                    .with(0, |d| match tiling {
                        Some(t) => d.detect_tiled(&frame.frame, t),
                        None => d.detect(&frame.frame),
                    })
                    .and_then(|r| r)?;
                (raw, pool.path().display().to_string())
            }
            _ => (frame.raw.clone(), detector),
        };
        let size = (frame.info.width, frame.info.height);
        Ok(picture(
            frame.jpeg(),
            size,
            frame.info.ts_ms,
            &raw,
            settings,
            detector,
            0,
        ))
    }
}

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
