use serde::{Deserialize, Serialize};

/// `POST /api/v1/ingest` body: a batch of frames from one source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct IngestRequest {
    /// The camera's stable name (`[A-Za-z0-9_.-]`, 1 to 64 characters).
    pub source: String,
    /// Frames, in any order (1 to 10 000).
    pub frames: Vec<IngestFrame>,
}

/// One analysed frame.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct IngestFrame {
    /// Capture time, UTC milliseconds.
    pub ts_ms: i64,
    /// Goats lying in the frame.
    pub lying: u32,
    /// Goats standing in the frame.
    pub standing: u32,
    /// Optional boxes behind the counts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detections: Option<Vec<Detection>>,
}

/// One detected box, in pixels of the analysed frame.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Detection {
    /// `standing`, `lying` or another class name of the detector.
    pub class: String,
    /// Confidence in \[0, 1\].
    pub score: f32,
    /// Left edge.
    pub x: f32,
    /// Top edge.
    pub y: f32,
    /// Width (≥ 0).
    pub w: f32,
    /// Height (≥ 0).
    pub h: f32,
    /// Track id of the animal (built-in detection), when tracked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub track_id: Option<u64>,
}

/// `POST /api/v1/ingest` answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IngestResponse {
    /// Frames stored.
    pub accepted: u64,
    /// Frames already stored for the same (source, ts_ms), left as they were.
    pub duplicates: u64,
}

/// One item of the legacy INRA stream (`POST /receive_data_animov`).
///
/// The body is either a JSON array of items or an object `{"data": [items], ...}`
/// (other top-level keys such as `_send_date` or `_general_stats` are ignored).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LegacyItem {
    /// Camera number; stored as source `cam-<n>`.
    #[cfg_attr(feature = "openapi", schema(example = 1))]
    pub source_id: i64,
    /// Capture time `YYYY-MM-DD HH:MM:SS[.fff]` (a one-element list, as the INRA
    /// sender does, or a plain string), in the configured legacy time zone.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>, example = json!(["2024-02-19 09:28:09.703"])))]
    pub date: serde_json::Value,
    /// Detections: `[id, x_min, y_min, x_max, y_max, score, class, ...]`, class 1 = lying, 0 = standing;
    /// further elements are ignored.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Vec<f64>>, example = json!([[0, 911.1, 201.1, 1104.9, 379.8, 0.94, 0, 0, 0, 0]])))]
    pub detect: serde_json::Value,
    /// The analysed picture, base64 JPEG (checked, not stored).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frame: Option<String>,
    /// Frame number of the sender.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frame_id: Option<i64>,
}

/// A refused line of an imported file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RejectedLine {
    /// Line number (1 = the header).
    pub line: u64,
    /// Why.
    pub reason: String,
}

/// `POST /api/v1/import/csv` answer: what importing one INRA CSV export did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportResult {
    /// The file's name.
    pub file: String,
    /// The source its frames went to.
    pub source: String,
    /// Frames stored.
    pub imported: u64,
    /// Frames that were stored already (importing twice changes nothing).
    pub duplicates: u64,
    /// Lines refused.
    pub rejected: u64,
    /// The first refused lines, with why.
    pub rejected_lines: Vec<RejectedLine>,
    /// First and last frame imported, UTC ms.
    pub first_ms: Option<i64>,
    /// Last frame.
    pub last_ms: Option<i64>,
    /// Offset from UTC the file's times were read in, minutes.
    pub utc_offset_minutes: i32,
}
