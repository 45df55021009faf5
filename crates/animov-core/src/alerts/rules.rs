//! The rules: each reads a window of one camera's data ending now and says
//! whether its condition holds ([`Finding`]) or not (`None`).
//!
//! Rules that read 15-minute buckets only speak while the camera's newest
//! complete bucket is the one that just ended: a camera that stopped sending
//! is the offline rule's business, not a deviation that holds forever.

use animov_api::{
    CameraOfflineRule, ForecastDeviationRule, HerdCountDropRule, LowActivityDayRule,
    NightDisturbanceRule, ProlongedLyingRule, Severity,
};

use super::{
    Bout, Bucket, Finding,
    usual::{HISTORY_DAYS, History, MIN_DAYS, median_spread},
};
use crate::time::{DAY_MS, HOUR_MS, MINUTE_MS, QUARTER_MS, in_hours, local_day_start, local_hour};

/// How late the newest bucket may be read (its minutes close after it ends).
pub const LATE_MS: i64 = MINUTE_MS;

/// Whether `last` is the bucket that ended just before `now` (read up to
/// [`LATE_MS`] after the next one ends): the data is current.
fn is_newest(last: &Bucket, now_ms: i64) -> bool {
    last.ts + QUARTER_MS <= now_ms && now_ms < last.ts + 2 * QUARTER_MS + LATE_MS
}

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
    if !is_newest(last, now_ms) {
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

/// Far below the usual: outside the night hours, the standing share below the
/// camera's usual range (its own history) by more than the margin for N
/// consecutive buckets; a camera without [`usual::MIN_DAYS`] days of its own
/// is judged against the forecast interval (the prior) with the same margin.
/// More standing than usual by day is no welfare sign (fresh straw, a visit):
/// at night it is the night rule's business.
pub fn forecast_deviation(
    b: &[Bucket],
    h: &History,
    now_ms: i64,
    utc_offset_min: i32,
    night: (u32, u32),
    r: &ForecastDeviationRule,
) -> Option<Finding> {
    let run = trailing_run(b, now_ms, |x| {
        if in_hours(local_hour(x.ts, utc_offset_min), night.0, night.1) {
            return None;
        }
        let v = x.ratio?;
        let (expected, low) = match h.usual(x.ts) {
            Some(u) => (u.median, u.low),
            None => {
                let shift = h.farm_shift(x.ts);
                let (l, u) = x.lower95.zip(x.upper95)?;
                ((l + u) / 2.0 + shift, l + shift)
            }
        };
        let limit = low - r.margin_pct;
        (v < limit).then_some((v, expected, limit))
    });
    let n = run.len() as u32;
    if n < r.warning_buckets.max(1) {
        return None;
    }
    let (first, _) = run[0];
    let (_, (v, expected, limit)) = run[run.len() - 1];
    Some(Finding {
        severity: if n >= r.critical_buckets {
            Severity::Critical
        } else {
            Severity::Warning
        },
        since_ms: first.ts,
        value: Some(v),
        threshold: Some(limit),
        message: format!(
            "standing share {v:.0} %, usually {expected:.0} % at this time (alert below {limit:.0} %), for {} min",
            n * 15
        ),
        track_id: None,
    })
}

/// The camera's recording stopped for want of disk space (value: free MiB,
/// threshold: the MiB it needs to start again).
pub fn disk_full(stop: &super::RecordingStop) -> Finding {
    const MIB: f64 = 1024.0 * 1024.0;
    Finding {
        severity: Severity::Critical,
        since_ms: stop.since_ms,
        value: Some((stop.free_bytes as f64 / MIB).floor()),
        threshold: Some((stop.resume_bytes as f64 / MIB).ceil()),
        message: format!(
            "the disk is full ({} MiB free): recording stopped, counting goes on; it resumes above {} MiB free",
            stop.free_bytes / (1024 * 1024),
            stop.resume_bytes.div_ceil(1024 * 1024)
        ),
        track_id: None,
    }
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

/// The 15-minute median of goats seen at least `tolerance` below what this
/// camera usually sees at that time (its own last days; the herd size until
/// it has them) for a while.
pub fn herd_count_drop(
    b: &[Bucket],
    h: &History,
    now_ms: i64,
    herd_size: Option<u32>,
    r: &HerdCountDropRule,
) -> Option<Finding> {
    let tolerance = f64::from(r.tolerance);
    let run = trailing_run(b, now_ms, |x| {
        let usual = h
            .usual_count(x.ts)
            .map(f64::round)
            .or(herd_size.map(f64::from))?;
        let seen = x.total?;
        (seen <= usual - tolerance).then_some((seen, usual))
    });
    let minutes = run.len() as u32 * 15;
    if run.is_empty() || minutes < r.minutes {
        return None;
    }
    let (seen, usual) = run[run.len() - 1].1;
    let herd = herd_size
        .map(|n| format!(" (herd of {n})"))
        .unwrap_or_default();
    Some(Finding {
        severity: if minutes >= r.critical_minutes {
            Severity::Critical
        } else {
            Severity::Warning
        },
        since_ms: run[0].0.ts,
        value: Some(seen),
        threshold: Some(usual - tolerance),
        message: format!(
            "{seen:.0} goats seen for {minutes} min, usually {usual:.0} at this time{herd}: is one missing or hidden?"
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

/// At night, the standing share above the camera's usual range for that time
/// of night by `sigmas` of its spread and at least the minimum, for N
/// consecutive buckets.
pub fn night_disturbance(
    b: &[Bucket],
    h: &History,
    now_ms: i64,
    utc_offset_min: i32,
    r: &NightDisturbanceRule,
) -> Option<Finding> {
    let run = trailing_run(b, now_ms, |x| {
        if !in_hours(
            local_hour(x.ts, utc_offset_min),
            r.night_start_hour,
            r.night_end_hour,
        ) {
            return None;
        }
        let (v, _, u) = h.residual(x.ts)?;
        let limit = u.high + (r.sigmas * u.spread).max(r.min_excess_pct);
        (v > limit).then_some((v, u.median, limit))
    });
    if run.is_empty() || (run.len() as u32) < r.buckets.max(1) {
        return None;
    }
    let (v, usual, limit) = run[run.len() - 1].1;
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
            "{v:.0} % of the herd standing at night, usually {usual:.0} % at this time (alert above {limit:.0} %), for {} min",
            run.len() * 15
        ),
        track_id: None,
    })
}

/// The day's running average of residuals (exponentially weighted, restarting
/// at `day_start_hour`) at each day bucket of the local day that holds `ts`,
/// up to `ts`: `(bucket start, average)`.
pub(crate) fn day_average(
    h: &History,
    ts: i64,
    utc_offset_min: i32,
    r: &LowActivityDayRule,
) -> Vec<(i64, f64)> {
    let day = local_day_start(ts, utc_offset_min);
    let from = day + i64::from(r.day_start_hour) * HOUR_MS;
    let to = (day + i64::from(r.day_end_hour) * HOUR_MS).min(ts + QUARTER_MS);
    let mut avg = 0.0;
    let mut out = Vec::new();
    let mut t = from;
    while t < to {
        if let Some((_, res, _)) = h.residual(t) {
            avg = r.smoothing * res + (1.0 - r.smoothing) * avg;
            out.push((t, avg));
        }
        t += QUARTER_MS;
    }
    out
}

/// The limit of the running average on the local day starting at
/// `today_start` (negative points) and the spread it comes from: `sigmas`
/// times that average's spread over the camera's last days, at least the
/// minimum. `None` until [`MIN_DAYS`] days of day hours are known.
pub(crate) fn running_limit(
    h: &History,
    today_start: i64,
    utc_offset_min: i32,
    r: &LowActivityDayRule,
) -> Option<(f64, f64)> {
    let past: Vec<f64> = (1..=HISTORY_DAYS)
        .flat_map(|k| {
            let day_end = today_start - (k - 1) * DAY_MS - QUARTER_MS;
            day_average(h, day_end, utc_offset_min, r)
        })
        .map(|(_, a)| a)
        .collect();
    // The day hours of MIN_DAYS days, at least half observed.
    let per_day = (r.day_end_hour.saturating_sub(r.day_start_hour)) as usize * 4;
    if past.len() < MIN_DAYS * per_day / 2 {
        return None;
    }
    let (_, spread) = median_spread(&past)?;
    Some((-(r.sigmas * spread).max(r.min_shift_pct), spread))
}

/// Less active than usual: by day, the running average of how far the
/// standing share sits below the usual range, below `sigmas` times that
/// average's own spread over the camera's last days (and at least the minimum).
pub fn low_activity_day(
    b: &[Bucket],
    h: &History,
    now_ms: i64,
    utc_offset_min: i32,
    r: &LowActivityDayRule,
) -> Option<Finding> {
    let last = b.last()?;
    if !is_newest(last, now_ms) {
        return None;
    }
    let local = local_hour(last.ts, utc_offset_min);
    if !(r.day_start_hour..r.day_end_hour).contains(&local) {
        return None;
    }
    let today = day_average(h, last.ts, utc_offset_min, r);
    let &(ts, avg) = today.last()?;
    if ts != last.ts {
        return None;
    }
    let today_start = local_day_start(last.ts, utc_offset_min);
    let (limit, _) = running_limit(h, today_start, utc_offset_min, r)?;
    if avg > limit {
        return None;
    }
    let since = today
        .iter()
        .rev()
        .take_while(|(_, a)| *a <= limit)
        .last()
        .map_or(ts, |(t, _)| *t);
    let shortfall = -avg;
    let limit_pts = -limit;
    Some(Finding {
        severity: if avg <= 2.0 * limit {
            Severity::Critical
        } else {
            Severity::Warning
        },
        since_ms: since,
        value: Some(avg),
        threshold: Some(limit),
        message: format!(
            "over the last hours the herd stood {shortfall:.0} points less than usual on average (this pen varies by up to {limit_pts:.0})"
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

    /// `n` days from DAY0, ratio `f(day, bucket of the day)`, 20 goats seen.
    fn days(n: i64, f: impl Fn(i64, i64) -> f64) -> Vec<Bucket> {
        (0..n * 96)
            .map(|i| bucket(DAY0 + i * QUARTER_MS, f(i / 96, i % 96)))
            .collect()
    }

    /// 40 % standing by day (07:00–20:00 UTC), 5 % at night.
    fn routine(level: f64) -> impl Fn(i64, i64) -> f64 {
        move |_, k| if (28..80).contains(&k) { level } else { 5.0 }
    }

    const NIGHT: (u32, u32) = (22, 5);

    #[test]
    fn forecast_deviation_judges_each_camera_against_its_own_day() {
        let r = ForecastDeviationRule::default(); // 25 points, 2 / 8 buckets
        let fd = |b: &[Bucket], now| forecast_deviation(b, &History::new(b), now, 0, NIGHT, &r);
        // A week at 40 %, then today 10 % from 10:00 (30 points below).
        let mut b = days(7, routine(40.0));
        let today = DAY0 + 7 * DAY_MS;
        b.extend(series(today, 40, |k| {
            if k >= 40 { 10.0 } else { routine(40.0)(0, k) }
        }));
        b.extend(series(today + 40 * QUARTER_MS, 1, |_| 10.0));
        let now = |n: i64| today + n * QUARTER_MS;
        assert_eq!(fd(&b, now(41)), None, "one bucket is not enough");
        b.push(bucket(now(41), 10.0));
        let f = fd(&b, now(42)).unwrap();
        assert_eq!((f.severity, f.since_ms), (Severity::Warning, now(40)));
        assert_eq!(f.threshold, Some(15.0));
        b.extend(series(now(42), 6, |_| 10.0));
        assert_eq!(fd(&b, now(48)).unwrap().severity, Severity::Critical);
        // 20 % is only 20 points below: no alert.
        let mut mild = days(7, routine(40.0));
        mild.extend(series(today, 44, |k| {
            if k >= 40 { 20.0 } else { routine(40.0)(0, k) }
        }));
        assert_eq!(fd(&mild, now(44)), None);
        // The same 10 % is usual on a pen that lies most of the day.
        let mut calm = days(7, routine(12.0));
        calm.extend(series(today, 44, |k| {
            if k >= 40 { 10.0 } else { routine(12.0)(0, k) }
        }));
        assert_eq!(fd(&calm, now(44)), None);
        // At night a low share is no deviation.
        let mut night = days(7, |_, _| 40.0);
        night.extend(series(today, 8, |_| 0.0));
        assert_eq!(fd(&night, now(8)), None);
    }

    #[test]
    fn a_camera_without_its_own_days_is_judged_against_the_forecast_prior() {
        let r = ForecastDeviationRule::default();
        // One day of history only; the forecast interval is 20–40 %.
        let b = series(DAY0 + 10 * HOUR_MS, 3, |_| 0.0);
        let fd = |b: &[Bucket]| {
            forecast_deviation(
                b,
                &History::new(b),
                DAY0 + 10 * HOUR_MS + 3 * QUARTER_MS,
                0,
                NIGHT,
                &r,
            )
        };
        // 0 % is 20 below the interval's low end: within the wide margin.
        assert_eq!(fd(&b), None);
        let high: Vec<Bucket> = b
            .iter()
            .map(|x| Bucket {
                lower95: Some(60.0),
                upper95: Some(80.0),
                ..*x
            })
            .collect();
        let f = fd(&high).unwrap();
        assert_eq!(f.threshold, Some(35.0));
    }

    #[test]
    fn bucket_rules_fall_silent_when_the_data_stops() {
        let r = ForecastDeviationRule::default();
        let mut b = days(7, routine(40.0));
        let today = DAY0 + 7 * DAY_MS + 10 * HOUR_MS;
        b.extend(series(today, 4, |_| 0.0));
        let h = History::new(&b);
        let fd = |now| forecast_deviation(&b, &h, now, 0, NIGHT, &r);
        assert!(fd(today + 4 * QUARTER_MS + 1).is_some());
        assert!(fd(today + 5 * QUARTER_MS + LATE_MS - 1).is_some());
        assert_eq!(fd(today + 5 * QUARTER_MS + LATE_MS), None);
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
    fn herd_count_drop_compares_with_the_count_this_camera_usually_sees() {
        let r = HerdCountDropRule::default(); // 2 goats, 30 min
        // The detector usually sees 21 of the 22 goats.
        let with_totals = |n_days: i64, today: &[f64]| -> Vec<Bucket> {
            let mut b: Vec<Bucket> = days(n_days, |_, _| 30.0)
                .into_iter()
                .map(|x| Bucket {
                    total: Some(21.0),
                    ..x
                })
                .collect();
            let t0 = DAY0 + n_days * DAY_MS;
            b.extend(today.iter().enumerate().map(|(k, t)| Bucket {
                total: Some(*t),
                ..bucket(t0 + k as i64 * QUARTER_MS, 30.0)
            }));
            b
        };
        let hc = |b: &[Bucket], herd| {
            let now = b.last().unwrap().ts + QUARTER_MS;
            herd_count_drop(b, &History::new(b), now, herd, &r)
        };
        // One fewer than usual is not a drop; two fewer for 30 min is, even
        // though 19 is only 3 below the herd's 22.
        assert_eq!(hc(&with_totals(5, &[20.0, 20.0, 20.0]), Some(22)), None);
        assert_eq!(hc(&with_totals(5, &[21.0, 21.0, 19.0]), Some(22)), None);
        let f = hc(&with_totals(5, &[21.0, 19.0, 19.0]), Some(22)).unwrap();
        assert_eq!(
            (f.severity, f.value, f.threshold),
            (Severity::Warning, Some(19.0), Some(19.0))
        );
        assert!(f.message.contains("usually 21"), "{}", f.message);
        assert_eq!(
            hc(&with_totals(5, &[18.0; 8]), None).unwrap().severity,
            Severity::Critical
        );
        // Without days of its own, the herd size stands in; without either, nothing.
        assert!(hc(&with_totals(0, &[20.0, 20.0]), Some(22)).is_some());
        assert_eq!(hc(&with_totals(0, &[20.0, 20.0]), None), None);
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
    fn night_disturbance_needs_three_quarter_hours_well_above_usual_nights() {
        let r = NightDisturbanceRule::default(); // 22:00–05:00, 20 points, 45 min
        // 7 nights around 5 % (±1), then tonight 40 % from 02:00.
        let mut b = days(7, |_, k| 5.0 + (k % 3) as f64 - 1.0);
        let tonight = DAY0 + 7 * DAY_MS;
        b.extend(series(tonight, 8, |_| 5.0));
        let nd = |b: &[Bucket], now| night_disturbance(b, &History::new(b), now, 0, &r);
        let mut up = b.clone();
        up.extend(series(tonight + 8 * QUARTER_MS, 2, |_| 40.0));
        // A 30-minute round (two quarter hours) is no alert.
        assert_eq!(nd(&up, tonight + 10 * QUARTER_MS), None);
        up.push(bucket(tonight + 10 * QUARTER_MS, 40.0));
        let f = nd(&up, tonight + 11 * QUARTER_MS).unwrap();
        assert_eq!(f.since_ms, tonight + 8 * QUARTER_MS);
        // Usual range at 02:30 is 4–6 %: the limit is 6 + 20 points.
        assert_eq!(f.threshold, Some(26.0));
        // A windy night, 10 points up, is not agitation.
        let mut windy = b.clone();
        windy.extend(series(tonight + 8 * QUARTER_MS, 6, |_| 15.0));
        assert_eq!(nd(&windy, tonight + 14 * QUARTER_MS), None);
        // The same at 14:00 is day, not night.
        let noon = tonight + 14 * HOUR_MS;
        let mut day = days(7, |_, _| 5.0);
        day.extend(series(tonight, 56, |_| 5.0));
        day.extend(series(noon, 3, |_| 40.0));
        assert_eq!(nd(&day, noon + 3 * QUARTER_MS), None);
        // Without three past nights there is no usual night.
        let short: Vec<Bucket> = up[5 * 96..].to_vec();
        assert_eq!(nd(&short, tonight + 11 * QUARTER_MS), None);
    }

    /// 14 ordinary days: 40 % by day with a day-to-day wobble of ±1 point.
    fn ordinary_days() -> Vec<Bucket> {
        days(14, |d, k| {
            routine(40.0 + [0.0, 1.0, -1.0][(d % 3) as usize])(d, k)
        })
    }

    #[test]
    fn low_activity_finds_a_sustained_moderate_shift_within_about_an_hour() {
        let r = LowActivityDayRule::default();
        let today = DAY0 + 14 * DAY_MS;
        let la = |b: &[Bucket]| {
            let now = b.last().unwrap().ts + QUARTER_MS;
            low_activity_day(b, &History::new(b), now, 0, &r)
        };
        // 15 points below usual from 10:00: found within 90 min, not in the first quarter hour.
        let shifted = |until_k: i64| {
            let mut b = ordinary_days();
            b.extend(series(today, until_k, |k| {
                if k >= 40 { 25.0 } else { routine(40.0)(0, k) }
            }));
            b
        };
        assert_eq!(la(&shifted(41)), None);
        let first = (41..=60)
            .find(|&k| la(&shifted(k)).is_some())
            .expect("found");
        assert!(first <= 46, "found only after {} min", (first - 40) * 15);
        assert!(
            first >= 43,
            "found after {} min: too eager",
            (first - 40) * 15
        );
        let f = la(&shifted(60)).unwrap();
        assert!(
            f.value.unwrap() < -7.0 && f.message.contains("less than usual"),
            "{f:?}"
        );
        // An ordinary day, and a day only 4 points lower, stay quiet.
        let mut ok = ordinary_days();
        ok.extend(series(today, 60, |k| routine(40.0)(0, k)));
        assert_eq!(la(&ok), None);
        let mut slight = ordinary_days();
        slight.extend(series(today, 60, |k| routine(36.0)(0, k)));
        assert_eq!(la(&slight), None);
        // At night the rule is silent.
        let mut night = ordinary_days();
        night.extend(series(today, 8, |_| 0.0));
        assert_eq!(la(&night), None);
    }
}
