//! Statistics over any window (hour, day, custom) from minute rows only.
//!
//! Sum, mean, min and max combine directly; the sample std is pooled exactly:
//! `s² = (Σ(Nᵢ−1)sᵢ² + ΣNᵢ(μᵢ−μ)²) / (ΣNᵢ − 1)` with `μ = ΣNᵢμᵢ / ΣNᵢ`.
//! Quartiles and mode come from the merged histograms, so every figure equals
//! the direct computation over all frames of the window.

use animov_api::Stat;

use crate::{
    Histogram,
    minute::{CountSummary, MinuteRow},
};

/// Statistics over a window.
#[derive(Debug, Clone, PartialEq)]
pub struct Consolidated {
    /// Minute rows combined.
    pub nb_minutes: i64,
    /// Frames in the window.
    pub nb_frames: i64,
    /// Goats seen (`None` without frames).
    pub total: Option<Stat>,
    /// Goats lying.
    pub lying: Option<Stat>,
    /// Goats standing.
    pub standing: Option<Stat>,
}

/// Pools the summaries of one count over several windows.
pub fn pool<'a, I>(parts: I) -> Option<Stat>
where
    I: IntoIterator<Item = &'a CountSummary>,
    I::IntoIter: Clone,
{
    let parts = parts.into_iter();
    let n: u64 = parts.clone().map(|p| p.hist.len()).sum();
    if n == 0 {
        return None;
    }
    let sum: i64 = parts.clone().map(|p| p.stat.sum).sum();
    let mean = sum as f64 / n as f64;
    let std = (n > 1).then(|| {
        let mut within = 0.0;
        let mut between = 0.0;
        for p in parts.clone() {
            let ni = p.hist.len() as f64;
            if let Some(s) = p.stat.std {
                within += (ni - 1.0) * s * s;
            }
            let d = p.stat.mean - mean;
            between += ni * d * d;
        }
        ((within + between) / (n - 1) as f64).sqrt()
    });
    let mut hist = Histogram::new();
    for p in parts.clone() {
        hist.merge(&p.hist);
    }
    let from_hist = hist.stat()?;
    Some(Stat {
        sum,
        mean,
        std,
        min: parts.clone().map(|p| p.stat.min).min()?,
        max: parts.map(|p| p.stat.max).max()?,
        ..from_hist
    })
}

/// Consolidates minute rows (any order) into one window's statistics.
pub fn consolidate(rows: &[MinuteRow]) -> Consolidated {
    consolidate_refs(&rows.iter().collect::<Vec<_>>())
}

fn consolidate_refs(rows: &[&MinuteRow]) -> Consolidated {
    Consolidated {
        nb_minutes: rows.len() as i64,
        nb_frames: rows.iter().map(|r| r.nb_frames).sum(),
        total: pool(rows.iter().map(|r| &r.total)),
        lying: pool(rows.iter().map(|r| &r.lying)),
        standing: pool(rows.iter().map(|r| &r.standing)),
    }
}

/// Consolidates minute rows into windows of `bucket_ms` (aligned on the epoch), oldest first.
pub fn consolidate_by(rows: &[MinuteRow], bucket_ms: i64) -> Vec<(i64, Consolidated)> {
    let mut sorted: Vec<&MinuteRow> = rows.iter().collect();
    sorted.sort_by_key(|r| r.minute_ts);
    sorted
        .chunk_by(|a, b| {
            crate::time::floor_to(a.minute_ts, bucket_ms)
                == crate::time::floor_to(b.minute_ts, bucket_ms)
        })
        .map(|g| {
            (
                crate::time::floor_to(g[0].minute_ts, bucket_ms),
                consolidate_refs(g),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{FrameCount, minute::minute_rows};

    #[test]
    fn pooled_equals_direct_over_all_frames() {
        let mut frames = Vec::new();
        let mut x: u64 = 7;
        for i in 0..5_000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let lying = ((x >> 33) % 20) as u32;
            let standing = ((x >> 45) % 9) as u32;
            // Irregular spacing: some minutes get one frame, others dozens.
            let ts_ms = if i < 4_990 {
                i * i * 37 % 7_200_000
            } else {
                7_200_000 + i * 60_000
            };
            frames.push(FrameCount {
                ts_ms,
                lying,
                standing,
            });
        }
        let rows = minute_rows(&frames);
        assert!(
            rows.iter().any(|r| r.nb_frames == 1),
            "test needs one-frame minutes"
        );
        let c = consolidate(&rows);
        let direct = Histogram::from_values(frames.iter().map(|f| f.lying as i64))
            .stat()
            .unwrap();
        let pooled = c.lying.unwrap();
        assert!((pooled.std.unwrap() - direct.std.unwrap()).abs() < 1e-9);
        assert!((pooled.mean - direct.mean).abs() < 1e-12);
        assert_eq!(
            (pooled.q1, pooled.q2, pooled.q3),
            (direct.q1, direct.q2, direct.q3)
        );
        assert_eq!(
            (pooled.min, pooled.max, pooled.mode, pooled.sum),
            (direct.min, direct.max, direct.mode, direct.sum)
        );
        assert_eq!(c.nb_frames, 5_000);
    }

    #[test]
    fn one_frame_window_has_null_std() {
        let rows = minute_rows(&[FrameCount {
            ts_ms: 0,
            lying: 2,
            standing: 1,
        }]);
        assert_eq!(consolidate(&rows).total.unwrap().std, None);
    }

    #[test]
    fn empty_window() {
        let c = consolidate(&[]);
        assert_eq!((c.nb_frames, c.nb_minutes), (0, 0));
        assert!(c.total.is_none());
    }

    #[test]
    fn consolidates_hour_by_hour() {
        let frames: Vec<FrameCount> = (0..180)
            .map(|i| FrameCount {
                ts_ms: i * 60_000,
                lying: (i % 3) as u32,
                standing: 1,
            })
            .collect();
        let hours = consolidate_by(&minute_rows(&frames), 3_600_000);
        assert_eq!(
            hours
                .iter()
                .map(|(h, c)| (*h, c.nb_frames))
                .collect::<Vec<_>>(),
            [(0, 60), (3_600_000, 60), (7_200_000, 60)]
        );
        assert_eq!(hours[1].1.lying.as_ref().unwrap().sum, 60);
    }
}
