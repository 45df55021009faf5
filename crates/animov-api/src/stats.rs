use serde::{Deserialize, Serialize};

use crate::names::names;

/// Summary of one count (`total`, `lying` or `standing`) over the frames of a window.
///
/// Definitions (DESIGN.md): `std` is the sample standard deviation (ddof = 1,
/// `null` for one frame); quartiles use linear interpolation (numpy default);
/// `mode` is the most frequent value, ties broken towards the smallest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Stat {
    /// Sum over frames.
    pub sum: i64,
    /// Mean over frames.
    pub mean: f64,
    /// Sample standard deviation, `null` when there is one frame.
    pub std: Option<f64>,
    /// Smallest value.
    pub min: i64,
    /// Largest value.
    pub max: i64,
    /// First quartile.
    pub q1: f64,
    /// Median.
    pub q2: f64,
    /// Third quartile.
    pub q3: f64,
    /// Most frequent value (smallest on ties).
    pub mode: i64,
}

/// Statistics of one camera over one UTC minute.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MinuteStats {
    /// Start of the minute, UTC ms.
    pub minute_ts: i64,
    /// Frames in the minute.
    pub nb_frames: i64,
    /// Goats seen (lying + standing).
    pub total: Stat,
    /// Goats lying.
    pub lying: Stat,
    /// Goats standing.
    pub standing: Stat,
}

/// Statistics of one camera over a window, consolidated from minute rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConsolidatedStats {
    /// The source.
    pub source: String,
    /// Window start (inclusive), UTC ms.
    pub from: i64,
    /// Window end (exclusive), UTC ms.
    pub to: i64,
    /// Minutes with data in the window.
    pub nb_minutes: i64,
    /// Frames in the window.
    pub nb_frames: i64,
    /// Goats seen; `null` when the window holds no frame.
    pub total: Option<Stat>,
    /// Goats lying; `null` when the window holds no frame.
    pub lying: Option<Stat>,
    /// Goats standing; `null` when the window holds no frame.
    pub standing: Option<Stat>,
}

/// Width of a series bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Bucket {
    /// 5 minutes.
    #[serde(rename = "5m")]
    M5,
    /// 15 minutes (the forecasting input).
    #[serde(rename = "15m")]
    M15,
    /// 1 hour.
    #[serde(rename = "1h")]
    H1,
    /// 1 UTC day.
    #[serde(rename = "1d")]
    D1,
}

impl Bucket {
    /// Bucket width in milliseconds.
    pub const fn millis(self) -> i64 {
        match self {
            Bucket::M5 => 5 * 60_000,
            Bucket::M15 => 15 * 60_000,
            Bucket::H1 => 3_600_000,
            Bucket::D1 => 86_400_000,
        }
    }

    /// Parses `5m`, `15m`, `1h` or `1d`.
    pub fn parse(s: &str) -> Option<Bucket> {
        match s {
            "5m" => Some(Bucket::M5),
            "15m" => Some(Bucket::M15),
            "1h" => Some(Bucket::H1),
            "1d" => Some(Bucket::D1),
            _ => None,
        }
    }

    /// The name used in query strings.
    pub fn as_str(self) -> &'static str {
        match self {
            Bucket::M5 => "5m",
            Bucket::M15 => "15m",
            Bucket::H1 => "1h",
            Bucket::D1 => "1d",
        }
    }
}

/// One point of an activity series.
///
/// `lying` and `standing` are the **medians** over the frames of the bucket;
/// `ratio_standing = 100 · standing / (standing + lying)` from those medians
/// (`null` when both are 0). Means and min/max bands come with them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SeriesPoint {
    /// Bucket start, UTC ms.
    pub ts: i64,
    /// Frames in the bucket.
    pub nb_frames: i64,
    /// Median of lying over the frames.
    pub lying: f64,
    /// Median of standing over the frames.
    pub standing: f64,
    /// Percentage standing from the medians; `null` when both are 0.
    pub ratio_standing: Option<f64>,
    /// Mean of lying.
    pub lying_mean: f64,
    /// Mean of standing.
    pub standing_mean: f64,
    /// Smallest lying count seen.
    pub lying_min: i64,
    /// Largest lying count seen.
    pub lying_max: i64,
    /// Smallest standing count seen.
    pub standing_min: i64,
    /// Largest standing count seen.
    pub standing_max: i64,
}

/// Where a source's data comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// A camera the engine captures from.
    Camera,
    /// Counts posted by an external detector.
    Ingest,
    /// The built-in demo feed.
    Demo,
}

names!(SourceKind, "source kind" {
    Camera => "camera",
    Ingest => "ingest",
    Demo => "demo",
});

/// Whether a source sends data now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SourceState {
    /// A frame within the last minute.
    Live,
    /// Frames, but none within the last minute.
    Idle,
    /// No frame ever.
    NoData,
}

names!(SourceState, "source state" {
    Live => "live",
    Idle => "idle",
    NoData => "no_data",
});

/// A camera or ingest source (`GET /api/v1/cameras`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Camera {
    /// Stable name, used as `source` everywhere.
    pub source: String,
    /// Display name.
    pub name: String,
    /// Capture URI; `null` for ingest-only sources.
    pub uri: Option<String>,
    /// Goats in the pen, when known.
    pub herd_size: Option<i64>,
    /// Where its data comes from.
    pub kind: SourceKind,
    /// `live` (a frame within the last minute), `idle` or `no_data`.
    pub state: SourceState,
    /// Time of the newest frame, UTC ms.
    pub last_frame_ts: Option<i64>,
}

/// A UTC day with data (`GET /api/v1/dates`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DateInfo {
    /// `YYYY-MM-DD` (UTC).
    pub date: String,
    /// Start of the day, UTC ms.
    pub day_ts: i64,
    /// Minutes with data that day.
    pub nb_minutes: i64,
}

/// `PUT /api/v1/cameras/{source}` body (admin): display settings of a source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CameraUpdate {
    /// Display name (1 to 200 characters).
    pub name: String,
    /// Goats in the pen (1 to 10 000), or `null` when unknown.
    #[serde(default)]
    pub herd_size: Option<i64>,
    /// A new address for a camera (absent: unchanged). A password shown as
    /// `•••` keeps the stored one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
}

/// Latest minute statistics of one source (legacy `/stats_minute`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SourceMinute {
    /// The source.
    pub source: String,
    /// Its newest closed minute.
    #[serde(flatten)]
    pub minute: MinuteStats,
}

/// The newest frame of a source (`GET /api/v1/live`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LiveCounts {
    /// The source.
    pub source: String,
    /// Capture time of the frame, UTC ms.
    pub ts_ms: i64,
    /// Goats lying.
    pub lying: i64,
    /// Goats standing.
    pub standing: i64,
    /// Goats seen.
    pub total: i64,
}

/// Something that happened, pushed to the UI on `GET /api/v1/events`
/// (server-sent events, one JSON object per `data:` line).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// The newest frame of a source.
    Frame(LiveCounts),
    /// An alert opened, escalated, was acknowledged or ended.
    Alert(Box<crate::AlertChange>),
}
