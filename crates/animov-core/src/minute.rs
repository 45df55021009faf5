//! Per-camera, per-UTC-minute statistics ("edge computing").

use std::collections::BTreeMap;

use animov_api::Stat;

use crate::{FrameCount, Histogram, time::minute_of};

/// One count's summary over a window, with the histogram it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct CountSummary {
    /// Sum, mean, std, min, max, quartiles, mode.
    pub stat: Stat,
    /// Frames per value: lets longer windows get exact quantiles and modes.
    pub hist: Histogram,
}

impl CountSummary {
    /// Summary of a non-empty histogram.
    pub fn from_hist(hist: Histogram) -> Option<CountSummary> {
        Some(CountSummary {
            stat: hist.stat()?,
            hist,
        })
    }
}

/// The statistics of one camera over one UTC minute.
#[derive(Debug, Clone, PartialEq)]
pub struct MinuteRow {
    /// Start of the minute, UTC ms.
    pub minute_ts: i64,
    /// Frames in the minute (≥ 1).
    pub nb_frames: i64,
    /// Goats seen.
    pub total: CountSummary,
    /// Goats lying.
    pub lying: CountSummary,
    /// Goats standing.
    pub standing: CountSummary,
}

impl MinuteRow {
    /// The API shape (histograms left out).
    pub fn to_api(&self) -> animov_api::MinuteStats {
        animov_api::MinuteStats {
            minute_ts: self.minute_ts,
            nb_frames: self.nb_frames,
            total: self.total.stat.clone(),
            lying: self.lying.stat.clone(),
            standing: self.standing.stat.clone(),
        }
    }
}

/// Builds a minute row from three histograms of equal, non-zero size.
pub fn row_from_hists(
    minute_ts: i64,
    total: Histogram,
    lying: Histogram,
    standing: Histogram,
) -> Option<MinuteRow> {
    let nb_frames = total.len() as i64;
    Some(MinuteRow {
        minute_ts,
        nb_frames,
        total: CountSummary::from_hist(total)?,
        lying: CountSummary::from_hist(lying)?,
        standing: CountSummary::from_hist(standing)?,
    })
}

/// Statistics over `frames`, all of which belong to the minute starting at `minute_ts`.
/// `None` when `frames` is empty.
pub fn minute_row(minute_ts: i64, frames: &[FrameCount]) -> Option<MinuteRow> {
    let total = Histogram::from_values(frames.iter().map(|f| f.total() as i64));
    let lying = Histogram::from_values(frames.iter().map(|f| f.lying as i64));
    let standing = Histogram::from_values(frames.iter().map(|f| f.standing as i64));
    row_from_hists(minute_ts, total, lying, standing)
}

/// Groups frames (any order) by UTC minute and computes each minute's row, oldest first.
pub fn minute_rows(frames: &[FrameCount]) -> Vec<MinuteRow> {
    let mut by_minute: BTreeMap<i64, Vec<FrameCount>> = BTreeMap::new();
    for f in frames {
        by_minute.entry(minute_of(f.ts_ms)).or_default().push(*f);
    }
    by_minute
        .into_iter()
        .filter_map(|(m, fs)| minute_row(m, &fs))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(ts_ms: i64, lying: u32, standing: u32) -> FrameCount {
        FrameCount {
            ts_ms,
            lying,
            standing,
        }
    }

    #[test]
    fn groups_out_of_order_frames_by_minute() {
        let rows = minute_rows(&[
            f(61_000, 1, 1),
            f(5_000, 2, 3),
            f(59_999, 4, 1),
            f(60_000, 0, 0),
        ]);
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].minute_ts, rows[0].nb_frames), (0, 2));
        assert_eq!(rows[0].total.stat.sum, 10);
        assert_eq!(rows[0].lying.stat.max, 4);
        assert_eq!((rows[1].minute_ts, rows[1].nb_frames), (60_000, 2));
        assert_eq!(rows[1].total.stat.min, 0);
    }

    #[test]
    fn no_frames_no_row() {
        assert!(minute_row(0, &[]).is_none());
        assert!(minute_rows(&[]).is_empty());
    }
}
