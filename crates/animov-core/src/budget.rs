//! Time budgets of tracked goats from their lying bouts: minutes lying per
//! stretch of time (bouts cut to it), bouts that began in it and their mean
//! length, goats seen lying.

use std::collections::BTreeSet;

use animov_api::{LyingBout, LyingStats};

use crate::time::{HOUR_MS, MINUTE_MS};

/// Lying over `[from, to)`.
pub fn stats(bouts: &[LyingBout], from: i64, to: i64) -> LyingStats {
    let mut s = LyingStats {
        start_ms: from,
        ..LyingStats::default()
    };
    let mut goats = BTreeSet::new();
    let mut began_len = 0.0;
    for b in bouts {
        let (a, e) = (b.start_ms.max(from), b.end_ms.min(to));
        if e > a {
            s.lying_min += (e - a) as f64 / MINUTE_MS as f64;
            goats.insert(b.track_id);
        }
        if (from..to).contains(&b.start_ms) {
            s.bouts += 1;
            began_len += (b.end_ms - b.start_ms).max(0) as f64 / MINUTE_MS as f64;
        }
    }
    s.goats = goats.len() as u32;
    s.mean_bout_min = (s.bouts > 0).then(|| began_len / f64::from(s.bouts));
    s
}

/// The hours of `[from, to)` (from on an hour), in order.
pub fn hours(bouts: &[LyingBout], from: i64, to: i64) -> Vec<LyingStats> {
    (0..)
        .map(|k| from + k * HOUR_MS)
        .take_while(|h| *h < to)
        .map(|h| stats(bouts, h, (h + HOUR_MS).min(to)))
        .collect()
}

/// The bouts overlapping `[from, to)`, cut to it, by track then time.
pub fn within(bouts: &[LyingBout], from: i64, to: i64) -> Vec<LyingBout> {
    let mut v: Vec<LyingBout> = bouts
        .iter()
        .filter(|b| b.end_ms > from && b.start_ms < to)
        .map(|b| LyingBout {
            start_ms: b.start_ms.max(from),
            end_ms: b.end_ms.min(to),
            ..*b
        })
        .collect();
    v.sort_by_key(|b| (b.track_id, b.start_ms));
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bout(track: i64, start_min: i64, end_min: i64) -> LyingBout {
        LyingBout {
            track_id: track,
            start_ms: start_min * MINUTE_MS,
            end_ms: end_min * MINUTE_MS,
            running: false,
        }
    }

    #[test]
    fn lying_is_cut_to_the_stretch_and_bouts_count_where_they_begin() {
        // Goat 1: 00:30–01:30; goat 2: 00:10–00:40 and 00:50–00:55.
        let b = [bout(1, 30, 90), bout(2, 10, 40), bout(2, 50, 55)];
        let h = hours(&b, 0, 2 * HOUR_MS);
        assert_eq!(h.len(), 2);
        assert_eq!(
            (h[0].lying_min, h[0].bouts, h[0].goats),
            (30.0 + 30.0 + 5.0, 3, 2)
        );
        assert_eq!(h[0].mean_bout_min, Some((60.0 + 30.0 + 5.0) / 3.0));
        assert_eq!((h[1].lying_min, h[1].bouts, h[1].goats), (30.0, 0, 1));
        assert_eq!(h[1].mean_bout_min, None);
        let day = stats(&b, 0, 2 * HOUR_MS);
        assert_eq!((day.lying_min, day.bouts), (95.0, 3));
        let cut = within(&b, 45 * MINUTE_MS, 2 * HOUR_MS);
        assert_eq!(cut.len(), 2);
        assert_eq!(cut[0].start_ms, 45 * MINUTE_MS);
        assert_eq!(cut[1].track_id, 2);
    }
}
