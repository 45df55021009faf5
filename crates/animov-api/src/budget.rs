//! Time budgets (`GET /api/v1/time-budget`): how long the tracked goats of a
//! camera lay, in how many bouts, per hour and for the day, against the
//! previous days.

use serde::{Deserialize, Serialize};

use crate::LyingBout;

/// Lying of the tracked goats over one stretch of time.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LyingStats {
    /// Start, UTC ms.
    pub start_ms: i64,
    /// Minutes lying, all tracked goats together (bouts cut to the stretch).
    pub lying_min: f64,
    /// Bouts that began in it.
    pub bouts: u32,
    /// Mean length of those bouts, minutes (`null`: none began).
    pub mean_bout_min: Option<f64>,
    /// Goats tracked lying in it.
    pub goats: u32,
}

/// `GET /api/v1/time-budget`: one day of a camera.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimeBudget {
    /// The camera.
    pub source: String,
    /// The day.
    pub day: LyingStats,
    /// Its hours, in order.
    pub hours: Vec<LyingStats>,
    /// The same day figures for each of the 7 days before, oldest first.
    pub previous: Vec<LyingStats>,
    /// The day's bouts (cut to the day), per track: the Gantt. Track ids
    /// hold for one day; an identity can switch when goats cross.
    pub bouts: Vec<LyingBout>,
}
