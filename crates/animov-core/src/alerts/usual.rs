//! What is usual for one camera, learned from its own history: for each
//! 15-minute time of day, the median of the same quarter hour over the last
//! [`HISTORY_DAYS`] days, and how much it varies from day to day.
//!
//! The *usual range* of a bucket spans the medians of its own quarter hour and
//! of the one before and after it, so a feed that comes a quarter hour early
//! or late is not a deviation; a value inside the range has a residual of 0,
//! one outside it the distance to the range. Everything here reads only days
//! before the bucket judged: a replay and the live engine see the same thing.
//!
//! With the farm's other pens ([`super::farm`]), the usual of a recent bucket
//! moves by the shift they share: what the whole farm does at once is the
//! day's weather, not this pen's problem.

use std::{
    cell::RefCell,
    collections::{BTreeMap, HashMap},
};

use super::{Bucket, farm::FarmShift};
use crate::time::{DAY_MS, QUARTER_MS};

/// Days of a camera's own history its usual day is learned from.
pub const HISTORY_DAYS: i64 = 14;
/// Fewest earlier days with data before a camera has a usual day of its own.
pub const MIN_DAYS: usize = 3;

/// Median of a non-empty slice (sorted in place).
fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Median and robust spread (1.4826 × the median absolute deviation, an
/// estimate of the standard deviation that ignores odd days) of `v`.
pub fn median_spread(v: &[f64]) -> Option<(f64, f64)> {
    if v.is_empty() {
        return None;
    }
    let mut w = v.to_vec();
    let m = median(&mut w);
    let mut dev: Vec<f64> = v.iter().map(|x| (x - m).abs()).collect();
    Some((m, 1.4826 * median(&mut dev)))
}

/// One camera's series indexed by bucket start, for the look-ups below
/// (each quarter hour's usual value is worked out once).
#[derive(Debug, Clone, Default)]
pub struct History {
    ratio: HashMap<i64, f64>,
    total: HashMap<i64, f64>,
    slots: RefCell<HashMap<i64, Option<(f64, f64)>>>,
    farm: HashMap<i64, f64>,
}

/// The usual range of a bucket and the day-to-day spread of its quarter hour.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Usual {
    /// Lowest median of the three quarter hours around the bucket, %.
    pub low: f64,
    /// Highest, %.
    pub high: f64,
    /// Median of the bucket's own quarter hour, %.
    pub median: f64,
    /// Robust spread of that quarter hour across the days, points.
    pub spread: f64,
}

impl Usual {
    /// How far `v` lies outside the range: negative below, positive above, 0 inside.
    pub fn residual(&self, v: f64) -> f64 {
        if v < self.low {
            v - self.low
        } else if v > self.high {
            v - self.high
        } else {
            0.0
        }
    }
}

impl History {
    /// Indexes the buckets.
    pub fn new(buckets: &[Bucket]) -> Self {
        let mut h = History::default();
        h.ratio.reserve(buckets.len());
        h.total.reserve(buckets.len());
        for b in buckets {
            if let Some(r) = b.ratio {
                h.ratio.insert(b.ts, r);
            }
            if let Some(t) = b.total {
                h.total.insert(b.ts, t);
            }
        }
        h
    }

    /// Moves the usual of each bucket in `farm` by the shift the farm's
    /// other pens shared then.
    pub fn with_farm(mut self, farm: &BTreeMap<i64, FarmShift>) -> Self {
        self.farm = farm
            .iter()
            .filter(|(_, f)| f.shift != 0.0)
            .map(|(ts, f)| (*ts, f.shift))
            .collect();
        self
    }

    /// The farm's shared shift at `ts`, points (0 without one).
    pub fn farm_shift(&self, ts: i64) -> f64 {
        self.farm.get(&ts).copied().unwrap_or(0.0)
    }

    /// Values of the same quarter hour on the days before `ts`.
    fn same_time(map: &HashMap<i64, f64>, ts: i64) -> Vec<f64> {
        (1..=HISTORY_DAYS)
            .filter_map(|k| map.get(&(ts - k * DAY_MS)).copied())
            .collect()
    }

    fn slot(&self, ts: i64) -> Option<(f64, f64)> {
        if let Some(s) = self.slots.borrow().get(&ts) {
            return *s;
        }
        let v = Self::same_time(&self.ratio, ts);
        let s = if v.len() < MIN_DAYS {
            None
        } else {
            median_spread(&v)
        };
        self.slots.borrow_mut().insert(ts, s);
        s
    }

    /// The usual standing share around the bucket starting at `ts`, once the
    /// camera has [`MIN_DAYS`] days of its own (moved by the farm's shift).
    pub fn usual(&self, ts: i64) -> Option<Usual> {
        let (median, spread) = self.slot(ts)?;
        let (a, _) = self.slot(ts - QUARTER_MS).unwrap_or((median, 0.0));
        let (b, _) = self.slot(ts + QUARTER_MS).unwrap_or((median, 0.0));
        let shift = self.farm_shift(ts);
        Some(Usual {
            low: median.min(a).min(b) + shift,
            high: median.max(a).max(b) + shift,
            median: median + shift,
            spread,
        })
    }

    /// How many earlier days at the time of `ts` the usual is learned from.
    pub fn days_known(&self, ts: i64) -> usize {
        Self::same_time(&self.ratio, ts).len()
    }

    /// The standing share of the bucket at `ts`, if known.
    pub fn ratio(&self, ts: i64) -> Option<f64> {
        self.ratio.get(&ts).copied()
    }

    /// The standing share of the bucket at `ts` and its residual, if both are known.
    pub fn residual(&self, ts: i64) -> Option<(f64, f64, Usual)> {
        let v = *self.ratio.get(&ts)?;
        let u = self.usual(ts)?;
        Some((v, u.residual(v), u))
    }

    /// How many goats this camera usually sees at the time of `ts` (median
    /// of the same quarter hour over its last days): detectors miss some
    /// goats consistently, so a drop is measured from this, not the herd size.
    pub fn usual_count(&self, ts: i64) -> Option<f64> {
        let v = Self::same_time(&self.total, ts);
        if v.len() < MIN_DAYS {
            return None;
        }
        median_spread(&v).map(|(m, _)| m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY0: i64 = 1_732_838_400_000;

    fn day(d: i64, f: impl Fn(i64) -> f64) -> Vec<Bucket> {
        (0..96)
            .map(|k| Bucket {
                ts: DAY0 + d * DAY_MS + k * QUARTER_MS,
                ratio: Some(f(k)),
                total: Some(20.0),
                lower95: None,
                upper95: None,
            })
            .collect()
    }

    #[test]
    fn median_and_spread_ignore_an_odd_day() {
        let (m, s) = median_spread(&[10.0, 11.0, 9.0, 10.0, 90.0]).unwrap();
        assert_eq!(m, 10.0);
        assert!((s - 1.4826).abs() < 1e-9);
        assert_eq!(median_spread(&[]), None);
    }

    #[test]
    fn a_feed_a_quarter_hour_late_is_within_the_usual_range() {
        // Every day the herd stands at 08:00 (bucket 32): 10 % before, 70 % from then.
        let mut b = Vec::new();
        for d in 0..5 {
            b.extend(day(d, |k| if k >= 32 { 70.0 } else { 10.0 }));
        }
        let h = History::new(&b);
        let at = |k: i64| DAY0 + 5 * DAY_MS + k * QUARTER_MS;
        let u = h.usual(at(32)).unwrap();
        assert_eq!((u.low, u.high, u.median), (10.0, 70.0, 70.0));
        // Still lying at 08:00 (the feed is late): no residual; at 08:30 it is one.
        assert_eq!(u.residual(10.0), 0.0);
        assert_eq!(h.usual(at(34)).unwrap().residual(10.0), -60.0);
        // Before three days of history there is no usual day.
        let short = History::new(&b[..2 * 96]);
        assert_eq!(short.usual(DAY0 + 2 * DAY_MS), None);
        assert_eq!(h.usual_count(at(3)), Some(20.0));
    }
}
