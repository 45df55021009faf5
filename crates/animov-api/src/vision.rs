//! Cameras' vision pipeline: settings, health, live view, recordings,
//! snapshots, lying bouts.

use serde::{Deserialize, Serialize};

use crate::{Detection, FieldError, names::names};

/// `POST /api/v1/cameras` body (admin): a new camera.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewCamera {
    /// Stable name (`[A-Za-z0-9_.-]`, 1 to 64 characters).
    pub source: String,
    /// Display name.
    pub name: String,
    /// `rtsp://…`, `http(s)://…` (MJPEG), `/dev/videoN`, a video file, or `demo:N`.
    pub uri: String,
    /// Goats in the pen.
    #[serde(default)]
    pub herd_size: Option<i64>,
}

/// How a camera decides standing vs lying for boxes the detector only calls "animal".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum PostureSettings {
    /// Lying when the box's height / width is below the threshold (default 0.62).
    Aspect {
        /// Threshold on h / w.
        lying_below: f32,
    },
    /// Fitted from boxes marked on a snapshot (`POST .../posture/calibrate`).
    Logistic {
        /// Feature means.
        mean: [f64; 3],
        /// Feature scales.
        scale: [f64; 3],
        /// Weights.
        weights: [f64; 3],
        /// Intercept.
        bias: f64,
        /// Boxes it was fitted on.
        samples: u32,
    },
}

/// Per-camera vision settings (`GET`/`PUT /api/v1/cameras/{source}/vision`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct CameraSettings {
    /// Region of interest: polygon of `[x, y]` points in frame pixels; empty = whole frame.
    pub roi: Vec<[f32; 2]>,
    /// Boxes below this score are ignored (calibrate against the herd size).
    pub min_score: f32,
    /// Boxes narrower or lower than this many pixels are ignored.
    pub min_box: f32,
    /// Tiled inference for large frames: `[columns, rows]`; `null` = whole frame only.
    pub tiles: Option<[u32; 2]>,
    /// Detector (`.onnx` path with its `.json` beside it); `null` = the default
    /// (the bundled detector; the scene itself for `demo:` cameras).
    pub model: Option<String>,
    /// Posture classifier for "animal" boxes.
    pub posture: PostureSettings,
    /// Record this camera.
    pub record: bool,
}

impl Default for CameraSettings {
    fn default() -> Self {
        CameraSettings {
            roi: Vec::new(),
            min_score: 0.35,
            min_box: 8.0,
            tiles: None,
            model: None,
            posture: PostureSettings::Aspect { lying_below: 0.62 },
            record: true,
        }
    }
}

impl CameraSettings {
    /// Refuses settings that cannot work, naming the field to blame.
    pub fn validate(&self) -> Result<(), FieldError> {
        if !(0.0..=1.0).contains(&self.min_score) {
            return Err(FieldError::new(
                "min_score",
                "min_score must be between 0 and 1",
            ));
        }
        if !(0.0..=10_000.0).contains(&self.min_box) {
            return Err(FieldError::new(
                "min_box",
                "min_box must be between 0 and 10000 pixels",
            ));
        }
        if !self.roi.is_empty() && (self.roi.len() < 3 || self.roi.len() > 100) {
            return Err(FieldError::new(
                "roi",
                "a region of interest needs 3 to 100 points (or none)",
            ));
        }
        if self
            .roi
            .iter()
            .flatten()
            .any(|v| !v.is_finite() || *v < 0.0 || *v > 100_000.0)
        {
            return Err(FieldError::new(
                "roi",
                "region points must be pixel positions (0 to 100000)",
            ));
        }
        if let Some([c, r]) = self.tiles
            && (!(1..=8).contains(&c) || !(1..=8).contains(&r))
        {
            return Err(FieldError::new(
                "tiles",
                "tiles must be [columns, rows] with 1 to 8 each",
            ));
        }
        if let PostureSettings::Aspect { lying_below } = self.posture
            && !(0.05..=5.0).contains(&lying_below)
        {
            return Err(FieldError::new(
                "posture.lying_below",
                "lying_below must be between 0.05 and 5",
            ));
        }
        if let Some(m) = &self.model
            && !m.ends_with(".onnx")
        {
            return Err(FieldError::new(
                "model",
                "model must be the path of an .onnx file (its .json beside it)",
            ));
        }
        Ok(())
    }
}

/// One box marked by the user on a snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MarkedBox {
    /// Left edge.
    pub x: f32,
    /// Top edge.
    pub y: f32,
    /// Width.
    pub w: f32,
    /// Height.
    pub h: f32,
    /// `standing` or `lying`.
    pub posture: String,
}

/// `POST /api/v1/cameras/{source}/posture/calibrate` body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CalibrationRequest {
    /// Height of the picture the boxes were marked on.
    pub frame_height: f32,
    /// At least one standing and one lying box.
    pub boxes: Vec<MarkedBox>,
}

/// Where a camera's pipeline stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CameraState {
    /// Opening the source.
    Connecting,
    /// Frames arrive.
    Running,
    /// The source failed; waiting before the next try.
    Reconnecting,
    /// A video file reached its end.
    Ended,
    /// Stopped by the engine.
    Stopped,
    /// Cannot start (bad address, no GStreamer).
    Failed,
}

names!(CameraState, "camera state" {
    Connecting => "connecting",
    Running => "running",
    Reconnecting => "reconnecting",
    Ended => "ended",
    Stopped => "stopped",
    Failed => "failed",
});

/// What a camera's recording does. On the wire: `off`, `starting`, `remux`,
/// `encode`, or `failed: <why>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RecordingState {
    /// Not recorded.
    Off,
    /// Waiting for the stream to know how.
    Starting,
    /// Segments are the camera's own H.264/H.265, remuxed.
    Remux,
    /// Segments are encoded here (raw and MJPEG sources, the demo barn).
    Encode,
    /// Recording stopped on an error.
    Failed(String),
}

impl std::fmt::Display for RecordingState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RecordingState::Off => f.write_str("off"),
            RecordingState::Starting => f.write_str("starting"),
            RecordingState::Remux => f.write_str("remux"),
            RecordingState::Encode => f.write_str("encode"),
            RecordingState::Failed(why) => write!(f, "failed: {why}"),
        }
    }
}

impl std::str::FromStr for RecordingState {
    type Err = crate::UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "off" => RecordingState::Off,
            "starting" => RecordingState::Starting,
            "remux" => RecordingState::Remux,
            "encode" => RecordingState::Encode,
            other => match other.strip_prefix("failed: ") {
                Some(why) => RecordingState::Failed(why.to_string()),
                None => {
                    return Err(crate::UnknownName {
                        kind: "recording state",
                        value: other.to_string(),
                    });
                }
            },
        })
    }
}

impl Serialize for RecordingState {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for RecordingState {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Health of a camera's pipeline (`GET /api/v1/cameras/health`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CameraHealth {
    /// The camera.
    pub source: String,
    /// `connecting`, `running`, `reconnecting`, `ended`, `stopped` or `failed`.
    pub state: CameraState,
    /// Pictures received from the source per second over the last minute
    /// (at most the analysis rate: the capture drops the rest).
    pub fps_in: f64,
    /// Frames analysed per second over the last minute.
    pub fps_out: f64,
    /// Frames decoded since start.
    pub frames_in: u64,
    /// Frames analysed since start.
    pub frames_out: u64,
    /// Frames dropped because inference was behind.
    pub dropped: u64,
    /// Wall-clock time of the last decoded frame, UTC ms.
    pub last_frame_ms: Option<i64>,
    /// Times the source was reopened.
    pub reconnects: u64,
    /// The last problem, in words.
    pub last_error: Option<String>,
    /// Detector in use.
    pub detector: String,
    /// Mean inference time over the last frames, ms.
    pub inference_ms: Option<f64>,
    /// Recording: `remux`, `encode`, `off`, `starting`, or `failed: <why>`.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub recording: RecordingState,
    /// Segments recorded since start.
    pub segments: u64,
    /// Someone is watching the live view.
    pub watched: bool,
    /// What kind of problem `last_error` is, for saying it in plain words.
    #[serde(default)]
    pub problem: Option<crate::CameraProblem>,
    /// Disk used by the camera's recordings, bytes.
    #[serde(default)]
    pub disk_bytes: u64,
}

/// The newest analysed frame of a camera (`GET /api/v1/cameras/{source}/live.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LiveFrameInfo {
    /// The camera.
    pub source: String,
    /// Capture time, UTC ms.
    pub ts_ms: i64,
    /// Picture width.
    pub width: u32,
    /// Picture height.
    pub height: u32,
    /// Counted boxes (`class` is the posture).
    pub detections: Vec<Detection>,
    /// Standing animals.
    pub standing: u32,
    /// Lying animals.
    pub lying: u32,
}

/// A recording segment (`GET /api/v1/recordings`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Recording {
    /// Id.
    pub id: i64,
    /// The camera.
    pub source: String,
    /// Start, UTC ms.
    pub start_ms: i64,
    /// End, UTC ms.
    pub end_ms: i64,
    /// Size in bytes.
    pub bytes: i64,
    /// Kept: never deleted by retention.
    pub keep: bool,
    /// Download path (Matroska video).
    pub url: String,
    /// Playback path (MP4, the same video copied, with byte ranges).
    #[serde(default)]
    pub play_url: String,
    /// The video is on this machine: false at a central for a recording
    /// whose video stayed at the farm (only kept ones travel, when the farm
    /// sends them).
    #[serde(default = "crate::dataset::yes")]
    pub video_here: bool,
}

/// `GET /api/v1/detections`: a camera's stored detections over a time
/// range, compact (one array per box).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DetectionFrames {
    /// The camera.
    pub source: String,
    /// Analysed frames with detections, oldest first.
    pub frames: Vec<DetectionFrame>,
}

/// One analysed frame's boxes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DetectionFrame {
    /// Capture time, UTC ms.
    pub ts_ms: i64,
    /// `[x, y, w, h, class, score, track]`: the box in the analysed frame's
    /// pixels, class 0 standing, 1 lying, 2 other, score in \[0, 1\], track id
    /// (−1: not tracked).
    pub boxes: Vec<[f64; 7]>,
}

impl DetectionFrame {
    /// The compact form of a frame's detections.
    pub fn new(ts_ms: i64, dets: &[crate::Detection]) -> Self {
        let boxes = dets
            .iter()
            .map(|d| {
                let class = match d.class.as_str() {
                    "standing" => 0.0,
                    "lying" => 1.0,
                    _ => 2.0,
                };
                let track = d.track_id.map_or(-1.0, |t| t as f64);
                [
                    f64::from(d.x),
                    f64::from(d.y),
                    f64::from(d.w),
                    f64::from(d.h),
                    class,
                    f64::from(d.score),
                    track,
                ]
            })
            .collect();
        DetectionFrame { ts_ms, boxes }
    }

    /// The analysed frame shown over the video at capture time `ts`: the
    /// newest at or before it, if within [`FRAME_TOLERANCE_MS`] (frames
    /// oldest first). The Review page's overlay and its measurement share it.
    pub fn shown_at(frames: &[DetectionFrame], ts: i64) -> Option<&DetectionFrame> {
        let i = frames.partition_point(|f| f.ts_ms <= ts);
        let f = frames.get(i.checked_sub(1)?)?;
        (ts - f.ts_ms <= FRAME_TOLERANCE_MS).then_some(f)
    }
}

/// How far back the overlay looks for the analysed frame shown (a little
/// more than one frame at the slowest analysis rate).
pub const FRAME_TOLERANCE_MS: i64 = 1_500;

/// `PUT /api/v1/recordings/{id}/keep` body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct KeepRequest {
    /// Keep (true) or let retention delete it (false).
    pub keep: bool,
}

/// A snapshot (`GET /api/v1/snapshots`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Snapshot {
    /// Id.
    pub id: i64,
    /// The camera.
    pub source: String,
    /// Capture time, UTC ms.
    pub ts_ms: i64,
    /// Picture width.
    pub width: i64,
    /// Picture height.
    pub height: i64,
    /// JPEG path.
    pub url: String,
    /// Counted boxes at that time.
    pub detections: Vec<Detection>,
}

/// A lying bout of one tracked animal (`GET /api/v1/lying-bouts`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LyingBout {
    /// Track id (unique per camera).
    pub track_id: i64,
    /// Start, UTC ms.
    pub start_ms: i64,
    /// End (last sighting while running), UTC ms.
    pub end_ms: i64,
    /// Still lying.
    pub running: bool,
}

/// `POST /api/v1/cameras/{source}/threshold/calibrate` answer: the camera's
/// `min_score` set so that the newest picture counts the herd.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ThresholdCalibration {
    /// The new `min_score`.
    pub min_score: f32,
    /// Animals counted at that threshold on the newest picture.
    pub counted: u32,
    /// The camera's herd size.
    pub herd_size: i64,
    /// Candidate boxes the detector saw.
    pub candidates: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_checks_name_their_field() {
        assert!(CameraSettings::default().validate().is_ok());
        let field = |s: CameraSettings| s.validate().unwrap_err().field;
        let bad = CameraSettings {
            tiles: Some([0, 2]),
            ..Default::default()
        };
        assert_eq!(field(bad), "tiles");
        let bad = CameraSettings {
            roi: vec![[0.0, 0.0], [1.0, 1.0]],
            ..Default::default()
        };
        assert_eq!(field(bad), "roi");
        let bad = CameraSettings {
            model: Some("/x/model.pt".into()),
            ..Default::default()
        };
        assert_eq!(field(bad), "model");
    }

    #[test]
    fn recording_states_read_as_before() {
        for (state, text) in [
            (RecordingState::Remux, "\"remux\""),
            (
                RecordingState::Failed("disk full".into()),
                "\"failed: disk full\"",
            ),
        ] {
            assert_eq!(serde_json::to_string(&state).unwrap(), text);
            assert_eq!(serde_json::from_str::<RecordingState>(text).unwrap(), state);
        }
        assert!(serde_json::from_str::<RecordingState>("\"recording\"").is_err());
    }
}
