//! Activity series: per bucket, the median lying and standing counts over the
//! frames of the bucket and the standing ratio taken from those medians.
//!
//! Built from minute rows (their histograms make the medians exact), so series
//! stay available after frame-level rows are purged.

use std::collections::BTreeMap;

use animov_api::SeriesPoint;

use crate::{FrameCount, Histogram, minute::MinuteRow, time::floor_to};

/// The lying and standing histograms of one minute: all a series needs.
#[derive(Debug, Clone, PartialEq)]
pub struct PostureHists {
    /// Start of the minute, UTC ms.
    pub minute_ts: i64,
    /// Frames per lying count.
    pub lying: Histogram,
    /// Frames per standing count.
    pub standing: Histogram,
}

impl From<&MinuteRow> for PostureHists {
    fn from(r: &MinuteRow) -> Self {
        PostureHists {
            minute_ts: r.minute_ts,
            lying: r.lying.hist.clone(),
            standing: r.standing.hist.clone(),
        }
    }
}

/// `100 · standing / (standing + lying)`, `None` when both are 0.
pub fn ratio_standing(lying: f64, standing: f64) -> Option<f64> {
    let all = lying + standing;
    (all > 0.0).then(|| 100.0 * standing / all)
}

#[derive(Default)]
struct Acc {
    lying: Histogram,
    standing: Histogram,
}

impl Acc {
    fn point(self, ts: i64) -> Option<SeriesPoint> {
        let l = self.lying.stat()?;
        let s = self.standing.stat()?;
        Some(SeriesPoint {
            ts,
            nb_frames: self.lying.len() as i64,
            lying: l.q2,
            standing: s.q2,
            ratio_standing: ratio_standing(l.q2, s.q2),
            lying_mean: l.mean,
            standing_mean: s.mean,
            lying_min: l.min,
            lying_max: l.max,
            standing_min: s.min,
            standing_max: s.max,
        })
    }
}

fn finish(acc: BTreeMap<i64, Acc>) -> Vec<SeriesPoint> {
    acc.into_iter().filter_map(|(ts, a)| a.point(ts)).collect()
}

/// Series from minutes (any order), buckets of `bucket_ms` aligned on the
/// epoch (UTC), oldest first; buckets without frames are absent.
pub fn series(rows: &[PostureHists], bucket_ms: i64) -> Vec<SeriesPoint> {
    let mut acc: BTreeMap<i64, Acc> = BTreeMap::new();
    for r in rows {
        let a = acc.entry(floor_to(r.minute_ts, bucket_ms)).or_default();
        a.lying.merge(&r.lying);
        a.standing.merge(&r.standing);
    }
    finish(acc)
}

/// The same series computed directly from frames (the reference definition).
pub fn series_from_frames(frames: &[FrameCount], bucket_ms: i64) -> Vec<SeriesPoint> {
    let mut acc: BTreeMap<i64, Acc> = BTreeMap::new();
    for f in frames {
        let a = acc.entry(floor_to(f.ts_ms, bucket_ms)).or_default();
        a.lying.add(f.lying as i64, 1);
        a.standing.add(f.standing as i64, 1);
    }
    finish(acc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::minute::minute_rows;

    fn hists(frames: &[FrameCount]) -> Vec<PostureHists> {
        minute_rows(frames).iter().map(PostureHists::from).collect()
    }

    #[test]
    fn fifteen_minute_medians_and_ratio() {
        let frames = [
            FrameCount {
                ts_ms: 0,
                lying: 10,
                standing: 2,
            },
            FrameCount {
                ts_ms: 120_000,
                lying: 6,
                standing: 4,
            },
            FrameCount {
                ts_ms: 899_999,
                lying: 8,
                standing: 3,
            },
            FrameCount {
                ts_ms: 900_000,
                lying: 0,
                standing: 0,
            },
        ];
        let s = series(&hists(&frames), 900_000);
        assert_eq!(s.len(), 2);
        assert_eq!((s[0].lying, s[0].standing, s[0].nb_frames), (8.0, 3.0, 3));
        assert!((s[0].ratio_standing.unwrap() - 300.0 / 11.0).abs() < 1e-12);
        assert_eq!((s[0].lying_min, s[0].lying_max), (6, 10));
        assert_eq!(s[1].ratio_standing, None);
        assert_eq!(s, series_from_frames(&frames, 900_000));
    }

    #[test]
    fn even_bucket_median_interpolates() {
        let frames = [
            FrameCount {
                ts_ms: 0,
                lying: 1,
                standing: 0,
            },
            FrameCount {
                ts_ms: 70_000,
                lying: 4,
                standing: 1,
            },
        ];
        assert_eq!(series(&hists(&frames), 300_000)[0].lying, 2.5);
    }
}
