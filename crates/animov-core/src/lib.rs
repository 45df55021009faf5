//! AniMOV's pure domain: no I/O, no async.
//!
//! * [`Histogram`] — how many frames showed each count; the exact basis for
//!   quantiles and modes at every level (minute, hour, day, any window).
//! * [`minute`] — per-camera, per-UTC-minute statistics from frame counts.
//! * [`consolidate`] — any longer window from minute rows only (pooled std).
//! * [`series`] — bucketed activity series (medians, standing ratio).
//! * [`ingest`] — validation of incoming frames.
//! * [`demo`] — a seedable synthetic herd for demos, tests and benchmarks.
//! * [`geometry`] — boxes, overlap, non-maximum suppression, regions of interest.
//! * [`posture`] — standing or lying from box geometry, per-camera calibration.
//! * [`tracker`] — ByteTrack-like tracking and lying bouts per animal.
//! * [`analysis`] — one frame's boxes to counts (roles, filters, posture, tracks).
//! * [`retention`] — which recording segments to delete.
//! * [`alerts`] — alert rules, their open/hold/resolve lifecycle, delivery
//!   decisions and the words people read.
//! * [`backoff`] — waiting between retries of something that keeps failing.
//! * [`camera_uri`] — camera addresses with their password kept apart.
//! * [`promotion`] — whether a new forecast model replaces the production one.
//!
//! ```
//! use animov_core::{FrameCount, minute::minute_rows};
//! let frames = [
//!     FrameCount { ts_ms: 0, lying: 3, standing: 5 },
//!     FrameCount { ts_ms: 1_000, lying: 4, standing: 4 },
//! ];
//! let rows = minute_rows(&frames);
//! assert_eq!(rows[0].nb_frames, 2);
//! assert_eq!(rows[0].lying.stat.mean, 3.5);
//! ```

pub mod alerts;
pub mod analysis;
pub mod backoff;
pub mod budget;
pub mod camera_uri;
pub mod consolidate;
pub mod dataset;
pub mod demo;
pub mod geometry;
mod histogram;
pub mod ingest;
pub mod minute;
pub mod posture;
pub mod promotion;
pub mod retention;
pub mod series;
pub mod time;
pub mod tracker;

pub use histogram::{Histogram, HistogramError};

/// Counts seen in one analysed frame of one camera.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameCount {
    /// Capture time, UTC ms.
    pub ts_ms: i64,
    /// Goats lying.
    pub lying: u32,
    /// Goats standing.
    pub standing: u32,
}

impl FrameCount {
    /// Goats seen: lying + standing.
    pub fn total(&self) -> u32 {
        self.lying + self.standing
    }
}
