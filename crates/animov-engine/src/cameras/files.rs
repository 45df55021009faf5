//! The camera pipeline (detector → posture → tracks → counts) on image and
//! video files: `animov detect`, for users checking a model on their own photos.

use std::{path::Path, sync::Arc, time::Duration};

use animov_core::{
    analysis::{CameraAnalyser, CameraFilter, FrameAnalysis, RawDetection},
    posture::PostureModel,
    tracker::TrackerConfig,
};
use animov_vision::{
    Detect, DetectError, Detector, ImageError, PipelineError, RgbFrame,
    capture::{Capture, CaptureConfig, CaptureState, CapturedFrame, Source, SourceError},
    handoff::Handoff,
};
use serde::Serialize;

/// One box in the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BoxReport {
    /// The model's class name.
    pub class: String,
    /// What the class means: animal, standing, lying or ignore.
    pub role: String,
    /// standing, lying or unknown.
    pub posture: String,
    /// Confidence.
    pub score: f32,
    /// Left edge, pixels.
    pub x: f32,
    /// Top edge, pixels.
    pub y: f32,
    /// Width, pixels.
    pub w: f32,
    /// Height, pixels.
    pub h: f32,
}

/// Counts of one image or frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CountsReport {
    /// Standing animals.
    pub standing: u32,
    /// Lying animals.
    pub lying: u32,
    /// Animals of undecided posture.
    pub unknown: u32,
}

/// One image, or one frame of a video.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FrameReport {
    /// The file.
    pub file: String,
    /// Position in the video, ms (absent for images).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pts_ms: Option<i64>,
    /// Picture width.
    pub width: u32,
    /// Picture height.
    pub height: u32,
    /// Counted boxes.
    pub detections: Vec<BoxReport>,
    /// Counts.
    pub counts: CountsReport,
}

fn is_image(path: &Path) -> bool {
    matches!(
        path.extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Some("jpg" | "jpeg" | "png")
    )
}

/// Why a file cannot be analysed.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// Nothing there.
    #[error("{0}: no such file")]
    NoSuchFile(String),
    /// An image that cannot be decoded.
    #[error(transparent)]
    Image(#[from] ImageError),
    /// The detector failed.
    #[error(transparent)]
    Detect(#[from] DetectError),
    /// Not an address GStreamer can open.
    #[error(transparent)]
    Source(#[from] SourceError),
    /// The video pipeline cannot start.
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
    /// Not a video GStreamer can read.
    #[error("{file}: cannot be read as a video ({reason}): is it a video file GStreamer can play?")]
    NotVideo {
        /// The file.
        file: String,
        /// What GStreamer said.
        reason: String,
    },
}

fn report(file: &str, pts_ms: Option<i64>, frame: &RgbFrame, a: &FrameAnalysis) -> FrameReport {
    FrameReport {
        file: file.to_string(),
        pts_ms,
        width: frame.width(),
        height: frame.height(),
        detections: a
            .boxes
            .iter()
            .map(|b| BoxReport {
                class: b.det.class.clone(),
                role: b.det.role.as_str().into(),
                posture: b.posture.as_str().into(),
                score: b.det.score,
                x: b.det.bbox.x,
                y: b.det.bbox.y,
                w: b.det.bbox.w,
                h: b.det.bbox.h,
            })
            .collect(),
        counts: CountsReport {
            standing: a.counts.standing,
            lying: a.counts.lying,
            unknown: a.counts.unknown,
        },
    }
}

fn analyser() -> CameraAnalyser {
    CameraAnalyser::new(
        CameraFilter::default(),
        PostureModel::default(),
        TrackerConfig::default(),
        1,
    )
}

/// Runs the pipeline on one file: an image gives one report, a video one per
/// analysed frame (`fps` frames per second of video).
#[tracing::instrument(skip(detector))]
pub fn detect_file(
    detector: &mut Detector,
    path: &Path,
    fps: u32,
) -> Result<Vec<FrameReport>, FileError> {
    let name = path.display().to_string();
    if !path.is_file() {
        return Err(FileError::NoSuchFile(name));
    }
    if is_image(path) {
        let frame = RgbFrame::open(path)?;
        let dets = detector.detect(&frame)?;
        let a = analyser().analyse(0, frame.height() as f32, dets);
        return Ok(vec![report(&name, None, &frame, &a)]);
    }
    let source = Source::parse(&name)?;
    let frames: Arc<Handoff<CapturedFrame>> = Handoff::new(4);
    let cfg = CaptureConfig {
        fps,
        realtime: false,
        loop_file: false,
        record: None,
        stall_timeout: Duration::from_secs(30),
        ..CaptureConfig::default()
    };
    let mut capture = Capture::start(&name, source, cfg, frames.clone(), Box::new(|_| {}))?;
    let mut tracks = analyser();
    let mut out = Vec::new();
    loop {
        if let Some(f) = frames.take(Duration::from_millis(200)) {
            let dets: Vec<RawDetection> = match detector.detect(&f.frame) {
                Ok(d) => d,
                Err(e) => {
                    frames.close();
                    capture.stop();
                    return Err(e.into());
                }
            };
            let pts = f.pts_ms.unwrap_or(0);
            let a = tracks.analyse(pts, f.frame.height() as f32, dets);
            out.push(report(&name, Some(pts), &f.frame, &a));
            continue;
        }
        let h = capture.health();
        match h.state {
            CaptureState::Ended => break,
            CaptureState::Reconnecting => {
                frames.close();
                capture.stop();
                return Err(FileError::NotVideo {
                    file: name,
                    reason: h.last_error.unwrap_or_default(),
                });
            }
            _ => {}
        }
    }
    frames.close();
    capture.stop();
    Ok(out)
}

/// Plain-text lines for one report.
pub fn to_text(r: &FrameReport) -> String {
    let at = r
        .pts_ms
        .map(|p| format!(" @ {:.1} s", p as f64 / 1000.0))
        .unwrap_or_default();
    let mut s = format!(
        "{}{at} ({}×{}): {} standing, {} lying, {} unknown\n",
        r.file, r.width, r.height, r.counts.standing, r.counts.lying, r.counts.unknown
    );
    for d in &r.detections {
        s.push_str(&format!(
            "  {:<8} {:<8} ({} {:.2})  x={:.0} y={:.0} w={:.0} h={:.0}\n",
            d.posture, d.role, d.class, d.score, d.x, d.y, d.w, d.h
        ));
    }
    s
}
