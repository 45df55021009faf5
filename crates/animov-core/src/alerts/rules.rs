//! The rules: each reads a window of one camera's data ending now and says
//! whether its condition holds ([`Finding`]) or not (`None`).
//!
//! Rules that read 15-minute buckets only speak while the camera's newest
//! complete bucket is the one that just ended: a camera that stopped sending
//! is the offline rule's business, not a deviation that holds forever.

use std::collections::HashMap;

use animov_api::{
    CameraOfflineRule, ForecastDeviationRule, HerdCountDropRule, LowActivityDayRule,
    NightDisturbanceRule, ProlongedLyingRule, Severity,
};

use super::{Bout, Bucket, Finding};
use crate::time::{
    DAY_MS, HOUR_MS, MINUTE_MS, QUARTER_MS, floor_to, in_hours, local_day_start, local_hour,
};

/// How late the newest bucket may be read (its minutes close after it ends).
pub const LATE_MS: i64 = MINUTE_MS;

/// The newest run of buckets, one right after the other, for which `pred`
/// holds, ending with the bucket that ended last before `now` (empty when
/// the camera's data stopped earlier).
fn trailing_run<'a, T>(
    b: &'a [Bucket],
    now_ms: i64,
    mut pred: impl FnMut(&'a Bucket) -> Option<T>,
) -> Vec<(&'a Bucket, T)> {
    let mut run = Vec::new();
    let Some(last) = b.last() else {
        return run;
    };
    if !(last.ts + QUARTER_MS <= now_ms && now_ms < last.ts + 2 * QUARTER_MS + LATE_MS) {
        return run;
    }
    let mut expected = last.ts;
    for x in b.iter().rev() {
        if x.ts != expected {
            break;
        }
        match pred(x) {
            Some(v) => run.push((x, v)),
            None => break,
        }
        expected -= QUARTER_MS;
    }
    run.reverse();
    run
}

/// Observed standing ratio outside the forecast's 95 % interval (by more
/// than the margin) for N consecutive buckets.
pub fn forecast_deviation(b: &[Bucket], now_ms: i64, r: &ForecastDeviationRule) -> Option<Finding> {
    let run = trailing_run(b, now_ms, |x| {
        let (v, lo, hi) = (x.ratio?, x.lower95?, x.upper95?);
        if v < lo - r.margin_pct {
            Some((v, lo, "below"))
        } else if v > hi + r.margin_pct {
            Some((v, hi, "above"))
        } else {
            None
        }
    });
    let n = run.len() as u32;
    if n < r.warning_buckets.max(1) {
        return None;
    }
    let (first, _) = run[0];
    let (_, (v, bound, side)) = run[run.len() - 1];
    Some(Finding {
        severity: if n >= r.critical_buckets {
            Severity::Critical
        } else {
            Severity::Warning
        },
        since_ms: first.ts,
        value: Some(v),
        threshold: Some(bound),
        message: format!(
            "standing share {v:.0} % is {side} the expected range (limit {bound:.0} %) for {} min",
            n * 15
        ),
        track_id: None,
    })
}

/// No frame for longer than the limit (a source that never sent one is not offline).
pub fn camera_offline(
    now_ms: i64,
    last_frame_ms: Option<i64>,
    r: &CameraOfflineRule,
) -> Option<Finding> {
    let last = last_frame_ms?;
    let limit = i64::from(r.after_seconds) * 1000;
    let quiet = now_ms - last;
    (quiet > limit).then(|| Finding {
        severity: Severity::Critical,
        since_ms: last,
        value: Some(quiet as f64 / 60_000.0),
        threshold: Some(limit as f64 / 60_000.0),
        message: format!("no picture from the camera for {} min", quiet / 60_000),
        track_id: None,
    })
}

/// The 15-minute median of goats seen below the herd size minus the tolerance for a while.
pub fn herd_count_drop(
    b: &[Bucket],
    now_ms: i64,
    herd_size: u32,
    r: &HerdCountDropRule,
) -> Option<Finding> {
    let limit = f64::from(herd_size) - f64::from(r.tolerance);
    let run = trailing_run(b, now_ms, |x| x.total.filter(|t| *t < limit));
    let minutes = run.len() as u32 * 15;
    if run.is_empty() || minutes < r.minutes {
        return None;
    }
    let seen = run[run.len() - 1].1;
    Some(Finding {
        severity: if minutes >= r.critical_minutes {
            Severity::Critical
        } else {
            Severity::Warning
        },
        since_ms: run[0].0.ts,
        value: Some(seen),
        threshold: Some(limit),
        message: format!(
            "{seen:.0} of {herd_size} goats seen for {minutes} min: is one missing or hidden?"
        ),
        track_id: None,
    })
}

/// Minutes of `[start, end)` that fall within the local hours `[h0, h1)`.
fn minutes_within_hours(start: i64, end: i64, off: i32, h0: u32, h1: u32) -> i64 {
    if end <= start {
        return 0;
    }
    let mut total = 0;
    let mut day = local_day_start(start, off) - DAY_MS;
    while day < end {
        let windows: &[(u32, u32)] = if h0 <= h1 {
            &[(h0, h1)]
        } else {
            &[(0, h1), (h0, 24)]
        };
        for &(a, b) in windows {
            let (ws, we) = (day + i64::from(a) * HOUR_MS, day + i64::from(b) * HOUR_MS);
            total += (end.min(we) - start.max(ws)).max(0);
        }
        day += DAY_MS;
    }
    total / MINUTE_MS
}

/// One tracked goat lying, in one bout, for longer than the limit within the day hours.
pub fn prolonged_lying(
    bouts: &[Bout],
    now_ms: i64,
    utc_offset_min: i32,
    r: &ProlongedLyingRule,
) -> Option<Finding> {
    let (h0, h1) = (r.day_start_hour, r.day_end_hour);
    let worst = bouts
        .iter()
        .filter(|b| b.running && now_ms - b.end_ms <= 5 * MINUTE_MS)
        .map(|b| {
            let m = minutes_within_hours(b.start_ms, b.end_ms.min(now_ms), utc_offset_min, h0, h1);
            (m, b)
        })
        .filter(|(m, _)| *m >= i64::from(r.minutes))
        .max_by_key(|(m, _)| *m)?;
    let (m, b) = worst;
    Some(Finding {
        severity: if m >= i64::from(r.critical_minutes) {
            Severity::Critical
        } else {
            Severity::Warning
        },
        since_ms: b.start_ms,
        value: Some(m as f64),
        threshold: Some(f64::from(r.minutes)),
        message: format!(
            "goat #{} has been lying for {} h {:02} min during the day",
            b.track_id,
            m / 60,
            m % 60
        ),
        track_id: Some(b.track_id),
    })
}

/// Mean and sample standard deviation (`None` for fewer than two values).
fn mean_sd(v: &[f64]) -> Option<(f64, f64)> {
    if v.len() < 2 {
        return None;
    }
    let n = v.len() as f64;
    let m = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0);
    Some((m, var.sqrt()))
}

/// Fewest earlier days a baseline needs.
pub const MIN_BASELINE_DAYS: usize = 3;

/// At night, the standing ratio above its nightly baseline (same time of
/// night, last 7 nights) for N consecutive buckets.
pub fn night_disturbance(
    b: &[Bucket],
    now_ms: i64,
    utc_offset_min: i32,
    r: &NightDisturbanceRule,
) -> Option<Finding> {
    let by_ts: HashMap<i64, f64> = b
        .iter()
        .filter_map(|x| x.ratio.map(|v| (x.ts, v)))
        .collect();
    let run = trailing_run(b, now_ms, |x| {
        if !in_hours(
            local_hour(x.ts, utc_offset_min),
            r.night_start_hour,
            r.night_end_hour,
        ) {
            return None;
        }
        let v = x.ratio?;
        let past: Vec<f64> = (1..=7)
            .filter_map(|k| by_ts.get(&(x.ts - k * DAY_MS)).copied())
            .collect();
        if past.len() < MIN_BASELINE_DAYS {
            return None;
        }
        let (m, sd) = mean_sd(&past)?;
        let limit = m + (r.sigmas * sd).max(r.min_excess_pct);
        (v > limit).then_some((v, limit))
    });
    if run.is_empty() || (run.len() as u32) < r.buckets.max(1) {
        return None;
    }
    let (v, limit) = run[run.len() - 1].1;
    Some(Finding {
        severity: if run.len() as u32 >= 4 * r.buckets.max(1) {
            Severity::Critical
        } else {
            Severity::Warning
        },
        since_ms: run[0].0.ts,
        value: Some(v),
        threshold: Some(limit),
        message: format!(
            "{v:.0} % of the herd standing at night (usual nights up to {limit:.0} %) for {} min",
            run.len() * 15
        ),
        track_id: None,
    })
}

/// Standing hours per goat over `[from, to)` from the buckets (mean ratio ×
/// hours), or `None` when fewer than half the buckets were observed.
fn standing_hours(by_ts: &HashMap<i64, f64>, from: i64, to: i64) -> Option<f64> {
    let slots = (to - from) / QUARTER_MS;
    if slots <= 0 {
        return None;
    }
    let vals: Vec<f64> = (0..slots)
        .filter_map(|k| by_ts.get(&(from + k * QUARTER_MS)).copied())
        .collect();
    if (vals.len() as i64) * 2 < slots {
        return None;
    }
    let mean = vals.iter().sum::<f64>() / vals.len() as f64;
    Some(mean / 100.0 * (slots * QUARTER_MS) as f64 / HOUR_MS as f64)
}

/// Standing hours of the local day so far below the same hours of the last 7 days.
pub fn low_activity_day(
    b: &[Bucket],
    now_ms: i64,
    utc_offset_min: i32,
    r: &LowActivityDayRule,
) -> Option<Finding> {
    let day = local_day_start(now_ms, utc_offset_min);
    let to = floor_to(now_ms, QUARTER_MS);
    if to - day < i64::from(r.min_hours) * HOUR_MS {
        return None;
    }
    let by_ts: HashMap<i64, f64> = b
        .iter()
        .filter_map(|x| x.ratio.map(|v| (x.ts, v)))
        .collect();
    let today = standing_hours(&by_ts, day, to)?;
    let past: Vec<f64> = (1..=7)
        .filter_map(|k| standing_hours(&by_ts, day - k * DAY_MS, to - k * DAY_MS))
        .collect();
    if past.len() < MIN_BASELINE_DAYS {
        return None;
    }
    let (m, sd) = mean_sd(&past)?;
    let shortfall = (r.sigmas * sd).max(r.min_deficit_share * m);
    let limit = m - shortfall;
    (today < limit).then(|| Finding {
        severity: if today < m - 2.0 * shortfall {
            Severity::Critical
        } else {
            Severity::Warning
        },
        since_ms: day,
        value: Some(today),
        threshold: Some(limit),
        message: format!(
            "{today:.1} h standing per goat since midnight, usually {m:.1} h by now (limit {limit:.1} h)"
        ),
        track_id: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY0: i64 = 1_732_838_400_000; // 2024-11-29T00:00Z, a local (UTC) midnight

    fn bucket(ts: i64, ratio: f64) -> Bucket {
        Bucket {
            ts,
            ratio: Some(ratio),
            total: Some(20.0),
            lower95: Some(20.0),
            upper95: Some(40.0),
        }
    }

    /// `n` buckets from `start`, ratios from `f(k)`.
    fn series(start: i64, n: i64, f: impl Fn(i64) -> f64) -> Vec<Bucket> {
        (0..n)
            .map(|k| bucket(start + k * QUARTER_MS, f(k)))
            .collect()
    }

    #[test]
    fn forecast_deviation_opens_after_three_buckets_and_escalates_after_eight() {
        let r = ForecastDeviationRule::default();
        // Inside, then 2 outside: nothing; 3 outside: a warning since the first.
        let mut b = series(DAY0, 10, |_| 30.0);
        b.extend(series(DAY0 + 10 * QUARTER_MS, 2, |_| 60.0));
        let now = DAY0 + 12 * QUARTER_MS;
        assert_eq!(forecast_deviation(&b, now, &r), None);
        b.push(bucket(DAY0 + 12 * QUARTER_MS, 60.0));
        let f = forecast_deviation(&b, now + QUARTER_MS, &r).unwrap();
        assert_eq!(f.severity, Severity::Warning);
        assert_eq!(f.since_ms, DAY0 + 10 * QUARTER_MS);
        assert_eq!(f.threshold, Some(40.0));
        b.extend(series(DAY0 + 13 * QUARTER_MS, 5, |_| 5.0)); // below counts too
        let f = forecast_deviation(&b, now + 6 * QUARTER_MS, &r).unwrap();
        assert_eq!(f.severity, Severity::Critical);
        // Within the margin (5 points) is not outside.
        let b = series(DAY0, 4, |_| 44.0);
        assert_eq!(forecast_deviation(&b, DAY0 + 4 * QUARTER_MS, &r), None);
        // A hole in the data breaks the run.
        let mut b = series(DAY0, 2, |_| 60.0);
        b.push(bucket(DAY0 + 3 * QUARTER_MS, 60.0));
        assert_eq!(forecast_deviation(&b, DAY0 + 4 * QUARTER_MS, &r), None);
    }

    #[test]
    fn bucket_rules_fall_silent_when_the_data_stops() {
        let r = ForecastDeviationRule::default();
        let b = series(DAY0, 4, |_| 60.0);
        assert!(forecast_deviation(&b, DAY0 + 4 * QUARTER_MS + 1, &r).is_some());
        assert!(forecast_deviation(&b, DAY0 + 5 * QUARTER_MS + LATE_MS - 1, &r).is_some());
        assert_eq!(
            forecast_deviation(&b, DAY0 + 5 * QUARTER_MS + LATE_MS, &r),
            None
        );
    }

    #[test]
    fn camera_offline_after_two_minutes_and_never_for_a_silent_source() {
        let r = CameraOfflineRule::default();
        assert_eq!(camera_offline(DAY0 + 120_000, Some(DAY0), &r), None);
        let f = camera_offline(DAY0 + 121_000, Some(DAY0), &r).unwrap();
        assert_eq!(f.severity, Severity::Critical);
        assert_eq!(f.since_ms, DAY0);
        assert_eq!(camera_offline(DAY0, None, &r), None);
    }

    #[test]
    fn herd_count_drop_needs_thirty_minutes_below_the_tolerance() {
        let r = HerdCountDropRule::default();
        let mk = |totals: &[f64]| -> Vec<Bucket> {
            totals
                .iter()
                .enumerate()
                .map(|(k, t)| Bucket {
                    total: Some(*t),
                    ..bucket(DAY0 + k as i64 * QUARTER_MS, 30.0)
                })
                .collect()
        };
        let now = |n: usize| DAY0 + n as i64 * QUARTER_MS;
        // Herd of 20, tolerance 2: 18 is fine, 17.5 is not.
        assert_eq!(
            herd_count_drop(&mk(&[18.0, 18.0, 18.0]), now(3), 20, &r),
            None
        );
        assert_eq!(
            herd_count_drop(&mk(&[20.0, 20.0, 17.5]), now(3), 20, &r),
            None
        );
        let f = herd_count_drop(&mk(&[20.0, 17.0, 17.0]), now(3), 20, &r).unwrap();
        assert_eq!(
            (f.severity, f.since_ms),
            (Severity::Warning, DAY0 + QUARTER_MS)
        );
        assert_eq!(f.value, Some(17.0));
        let f = herd_count_drop(&mk(&[16.0; 8]), now(8), 20, &r).unwrap();
        assert_eq!(f.severity, Severity::Critical);
    }

    #[test]
    fn prolonged_lying_counts_daytime_minutes_of_running_bouts_only() {
        let r = ProlongedLyingRule::default(); // 07:00–20:00, 300 / 420 min
        let bout = |start_h: i64, end_h: i64, running: bool| Bout {
            track_id: 7,
            start_ms: DAY0 + start_h * HOUR_MS,
            end_ms: DAY0 + end_h * HOUR_MS,
            running,
        };
        // Lying since 04:00: only 07:00–11:00 counts at 11:00 (4 h).
        let b = [bout(4, 11, true)];
        assert_eq!(prolonged_lying(&b, DAY0 + 11 * HOUR_MS, 0, &r), None);
        let b = [bout(4, 12, true)];
        let f = prolonged_lying(&b, DAY0 + 12 * HOUR_MS, 0, &r).unwrap();
        assert_eq!(
            (f.severity, f.track_id, f.value),
            (Severity::Warning, Some(7), Some(300.0))
        );
        let b = [bout(7, 14, true)];
        assert_eq!(
            prolonged_lying(&b, DAY0 + 14 * HOUR_MS, 0, &r)
                .unwrap()
                .severity,
            Severity::Critical
        );
        // Ended (the goat stood up), or lost from sight for long: nothing.
        assert_eq!(
            prolonged_lying(&[bout(7, 14, false)], DAY0 + 14 * HOUR_MS, 0, &r),
            None
        );
        assert_eq!(
            prolonged_lying(&[bout(7, 14, true)], DAY0 + 15 * HOUR_MS, 0, &r),
            None
        );
        // The night does not count: 20:00 to 06:00 is no lying "during the day".
        let night = [bout(20, 30, true)];
        assert_eq!(prolonged_lying(&night, DAY0 + 30 * HOUR_MS, 0, &r), None);
        // Local time: with UTC+2, 05:00 UTC is 07:00 local.
        let b = [bout(5, 10, true)];
        assert!(prolonged_lying(&b, DAY0 + 10 * HOUR_MS, 120, &r).is_some());
        assert_eq!(prolonged_lying(&b, DAY0 + 10 * HOUR_MS, 0, &r), None);
    }

    #[test]
    fn night_disturbance_compares_with_the_same_time_of_past_nights() {
        let r = NightDisturbanceRule::default();
        // 7 nights around 5 % (±1), then tonight 40 % at 02:00 and 02:15.
        let mut b = Vec::new();
        for d in 0..7 {
            b.extend(series(DAY0 + d * DAY_MS, 96, |k| {
                5.0 + (k % 3) as f64 - 1.0
            }));
        }
        let tonight = DAY0 + 7 * DAY_MS;
        let mut t = series(tonight, 8, |_| 5.0);
        t.extend(series(tonight + 8 * QUARTER_MS, 2, |_| 40.0));
        b.extend(t.clone());
        let now = tonight + 10 * QUARTER_MS;
        let f = night_disturbance(&b, now, 0, &r).unwrap();
        assert_eq!(f.since_ms, tonight + 8 * QUARTER_MS);
        // 02:15 was 4 % every night (σ = 0): the limit is 4 + 15 points.
        assert_eq!(f.threshold, Some(19.0));
        // One bucket only: hold back.
        b.pop();
        assert_eq!(night_disturbance(&b, now - QUARTER_MS, 0, &r), None);
        // The same at 14:00 is day, not night.
        let mut day = Vec::new();
        for d in 0..7 {
            day.extend(series(DAY0 + d * DAY_MS, 96, |_| 5.0));
        }
        let noon = DAY0 + 7 * DAY_MS + 14 * HOUR_MS;
        day.extend(series(noon, 2, |_| 40.0));
        assert_eq!(night_disturbance(&day, noon + 2 * QUARTER_MS, 0, &r), None);
        // Without three past nights there is no baseline.
        let short: Vec<Bucket> = b[5 * 96..].to_vec();
        assert_eq!(night_disturbance(&short, now, 0, &r), None);
    }

    #[test]
    fn low_activity_day_compares_the_day_so_far_with_the_last_seven() {
        let r = LowActivityDayRule::default(); // 2 σ, 15 %, from 09:00
        let mut b = Vec::new();
        for d in 0..7 {
            b.extend(series(DAY0 + d * DAY_MS, 96, |k| {
                30.0 + (d % 2) as f64 + (k % 2) as f64
            }));
        }
        let today = DAY0 + 7 * DAY_MS;
        let mut low = b.clone();
        low.extend(series(today, 48, |_| 18.0));
        let noon = today + 12 * HOUR_MS;
        let f = low_activity_day(&low, noon, 0, &r).unwrap();
        assert_eq!(f.since_ms, today);
        assert!((f.value.unwrap() - 0.18 * 12.0).abs() < 1e-9);
        // An ordinary day is fine; before 09:00 the rule is silent.
        let mut ok = b.clone();
        ok.extend(series(today, 48, |_| 29.0));
        assert_eq!(low_activity_day(&ok, noon, 0, &r), None);
        assert_eq!(low_activity_day(&low, today + 8 * HOUR_MS, 0, &r), None);
    }
}
