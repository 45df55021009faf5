//! Cameras' vision pipeline: settings, health, live view, recordings,
//! snapshots, lying bouts.

use serde::{Deserialize, Serialize};

use crate::Detection;

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

/// Health of a camera's pipeline (`GET /api/v1/cameras/health`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CameraHealth {
    /// The camera.
    pub source: String,
    /// `connecting`, `running`, `reconnecting`, `ended`, `stopped` or `failed`.
    pub state: String,
    /// Frames decoded per second over the last minute.
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
    /// Recording: `remux`, `encode`, `off`, or `starting`.
    pub recording: String,
    /// Segments recorded since start.
    pub segments: u64,
    /// Someone is watching the live view.
    pub watched: bool,
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
}

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
