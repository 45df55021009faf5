//! Why an alert fired, in figures (`GET /api/v1/alerts/{id}/explain`): what
//! was seen against what is usual for that camera, the limit the rule used,
//! how far outside in the camera's own spreads, the farm's other pens, and
//! how the farmer's judgements have tuned the rule.

use serde::{Deserialize, Serialize};

use crate::RuleKind;

/// What the figures measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ExplainUnit {
    /// Standing share of the herd, %.
    Percent,
    /// Goats seen.
    Goats,
    /// Minutes (a silent camera, a goat lying).
    Minutes,
}

/// What "usual" was when the rule fired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum UsualBasis {
    /// The camera's own last days at the same time of day.
    OwnHistory,
    /// The bundled forecast's interval (the camera had under 3 days of its own).
    ForecastPrior,
    /// The herd size (the camera had under 3 days of counts).
    HerdSize,
    /// A fixed limit of the rule (minutes).
    RuleLimit,
}

/// One 15-minute bucket around the alert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExplainPoint {
    /// Bucket start, UTC ms.
    pub ts_ms: i64,
    /// What was seen.
    pub observed: Option<f64>,
    /// What is usual at that time (median of the camera's last days).
    pub expected: Option<f64>,
    /// Low end of the usual range.
    pub low: Option<f64>,
    /// High end of the usual range.
    pub high: Option<f64>,
    /// The rule's limit at that time (`null`: the rule does not look then).
    pub limit: Option<f64>,
    /// The day's running average, placed under the low end of the range
    /// (the less-active rule only).
    pub smoothed: Option<f64>,
}

/// The farm's other pens when the rule fired.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FarmContext {
    /// Other pens with data then.
    pub others: u32,
    /// Of those, how many moved the same way (more than 5 points outside their usual range).
    pub moved: u32,
    /// The shift they shared, which moved this pen's usual range (points; 0: none).
    pub shift: f64,
}

/// `GET /api/v1/alerts/{id}/explain`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AlertExplanation {
    /// The alert.
    pub alert_id: i64,
    /// Its rule.
    pub rule: RuleKind,
    /// What the figures measure.
    pub unit: ExplainUnit,
    /// What "usual" was.
    pub basis: UsualBasis,
    /// Earlier days at that time of day the usual was learned from.
    pub history_days: u32,
    /// The bucket in which the rule fired (UTC ms; `null` for the minute rules).
    pub fired_ms: Option<i64>,
    /// What was seen then (for the less-active rule, the running average, points).
    pub observed: Option<f64>,
    /// What was usual then.
    pub expected: Option<f64>,
    /// The limit crossed.
    pub limit: Option<f64>,
    /// The camera's own day-to-day spread then (σ, points).
    pub spread: Option<f64>,
    /// How far outside the usual range, in σ (negative: below).
    pub residual_sigma: Option<f64>,
    /// The buckets around the alert.
    pub points: Vec<ExplainPoint>,
    /// Factor on this rule's limits on this camera now after the farmer's
    /// judgements (1: as set; between 0.8 and 1.5).
    pub sensitivity: f64,
    /// Judgements counted in it: false alarms.
    pub false_alarms: u32,
    /// Judgements counted in it: useful.
    pub useful: u32,
    /// The farm's other pens then (`null`: fewer than 3 pens with data).
    pub farm: Option<FarmContext>,
}
