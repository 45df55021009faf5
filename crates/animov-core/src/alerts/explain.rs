//! Why an alert fired, in figures: the same usual ranges and limits the rule
//! used, bucket by bucket around the alert, and the residual in the
//! camera's own spreads where the rule fired.

use animov_api::{
    AlertExplanation, AlertRules, ExplainPoint, ExplainUnit, FarmContext, RuleKind, UsualBasis,
};

use super::{
    CameraInput,
    rules::{day_average, running_limit},
    usual::History,
};
use crate::time::{QUARTER_MS, in_hours, local_day_start, local_hour};

/// One local day's running averages and the limit with its spread.
type DayAverages = (i64, Vec<(i64, f64)>, Option<(f64, f64)>);

fn sigma(residual: f64, spread: f64) -> Option<f64> {
    (spread > 1e-9).then_some(residual / spread)
}

/// The explanation of an alert of `rule` whose condition was judged with
/// `rules` on `input` (its buckets from well before `from_ms`, so the usual
/// is known), with the buckets of `[from_ms, to_ms)` laid out and the figures
/// of the bucket starting at `fired_ts`. `alert_id`, the sensitivity and the
/// judgement counts are left for the caller (0 and 1).
pub fn explain(
    rule: RuleKind,
    rules: &AlertRules,
    input: &CameraInput,
    from_ms: i64,
    to_ms: i64,
    fired_ts: Option<i64>,
) -> AlertExplanation {
    let h = History::new(&input.buckets).with_farm(&input.farm);
    let off = rules.utc_offset_minutes;
    let mut out = AlertExplanation {
        alert_id: 0,
        rule,
        unit: ExplainUnit::Percent,
        basis: UsualBasis::OwnHistory,
        history_days: 0,
        fired_ms: fired_ts,
        observed: None,
        expected: None,
        limit: None,
        spread: None,
        residual_sigma: None,
        points: Vec::new(),
        sensitivity: 1.0,
        false_alarms: 0,
        useful: 0,
        farm: None,
    };
    let span = input
        .buckets
        .iter()
        .filter(|b| b.ts >= from_ms && b.ts + QUARTER_MS <= to_ms);
    match rule {
        RuleKind::CameraOffline | RuleKind::ProlongedLying | RuleKind::DiskFull => {
            out.unit = ExplainUnit::Minutes;
            out.basis = UsualBasis::RuleLimit;
            out.fired_ms = None;
            return out;
        }
        RuleKind::HerdCountDrop => {
            out.unit = ExplainUnit::Goats;
            let tol = f64::from(rules.herd_count_drop.tolerance);
            for b in span {
                let usual = h.usual_count(b.ts).map(f64::round);
                let expected = usual.or(input.herd_size.map(f64::from));
                out.points.push(ExplainPoint {
                    ts_ms: b.ts,
                    observed: b.total,
                    expected,
                    low: None,
                    high: None,
                    limit: expected.map(|e| e - tol),
                    smoothed: None,
                });
                if Some(b.ts) == fired_ts {
                    out.basis = if usual.is_some() {
                        UsualBasis::OwnHistory
                    } else {
                        UsualBasis::HerdSize
                    };
                    out.observed = b.total;
                    out.expected = expected;
                    out.limit = expected.map(|e| e - tol);
                }
            }
        }
        RuleKind::ForecastDeviation | RuleKind::NightDisturbance | RuleKind::LowActivityDay => {
            let nd = &rules.night_disturbance;
            let night = |ts| in_hours(local_hour(ts, off), nd.night_start_hour, nd.night_end_hour);
            let la = &rules.low_activity_day;
            let mut day: Option<DayAverages> = None;
            for b in span {
                let usual = h.usual(b.ts);
                let prior = b.lower95.zip(b.upper95).map(|(l, u)| {
                    let s = h.farm_shift(b.ts);
                    (l + s, u + s)
                });
                let (expected, low, high, spread) = match (usual, prior) {
                    (Some(u), _) => (Some(u.median), Some(u.low), Some(u.high), Some(u.spread)),
                    (None, Some((l, u))) => {
                        (Some((l + u) / 2.0), Some(l), Some(u), Some((u - l) / 3.92))
                    }
                    (None, None) => (None, None, None, None),
                };
                let mut p = ExplainPoint {
                    ts_ms: b.ts,
                    observed: b.ratio,
                    expected,
                    low,
                    high,
                    limit: None,
                    smoothed: None,
                };
                let mut residual = None;
                match rule {
                    RuleKind::ForecastDeviation if !night(b.ts) => {
                        p.limit = low.map(|l| l - rules.forecast_deviation.margin_pct);
                        residual = b.ratio.zip(low).map(|(v, l)| (v - l).min(0.0));
                    }
                    RuleKind::NightDisturbance if night(b.ts) => {
                        if let Some(u) = usual {
                            p.limit = Some(u.high + (nd.sigmas * u.spread).max(nd.min_excess_pct));
                            residual = b.ratio.map(|v| (v - u.high).max(0.0));
                        }
                    }
                    RuleKind::LowActivityDay
                        if (la.day_start_hour..la.day_end_hour)
                            .contains(&local_hour(b.ts, off)) =>
                    {
                        let start = local_day_start(b.ts, off);
                        if day.as_ref().is_none_or(|(d, _, _)| *d != start) {
                            let avgs = day_average(&h, start + 86_400_000 - QUARTER_MS, off, la);
                            day = Some((start, avgs, running_limit(&h, start, off, la)));
                        }
                        if let Some((_, avgs, lim)) = &day {
                            let avg = avgs.iter().find(|(t, _)| *t == b.ts).map(|(_, a)| *a);
                            p.smoothed = low.zip(avg).map(|(l, a)| l + a);
                            p.limit = low.zip(*lim).map(|(l, (lim, _))| l + lim);
                            if Some(b.ts) == fired_ts {
                                out.observed = avg;
                                out.limit = lim.map(|(l, _)| l);
                                out.spread = lim.map(|(_, s)| s);
                                out.residual_sigma =
                                    avg.zip(*lim).and_then(|(a, (_, s))| sigma(a, s));
                            }
                        }
                    }
                    _ => {}
                }
                if Some(b.ts) == fired_ts {
                    out.basis = if usual.is_some() {
                        UsualBasis::OwnHistory
                    } else {
                        UsualBasis::ForecastPrior
                    };
                    out.expected = expected;
                    if rule != RuleKind::LowActivityDay {
                        out.observed = b.ratio;
                        out.limit = p.limit;
                        out.spread = spread;
                        out.residual_sigma = residual.zip(spread).and_then(|(r, s)| sigma(r, s));
                    }
                }
                out.points.push(p);
            }
        }
    }
    if let Some(ts) = fired_ts {
        out.history_days = h.days_known(ts) as u32;
        out.farm = input.farm.get(&ts).map(|f| FarmContext {
            others: f.others,
            moved: f.moved,
            shift: f.shift,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        alerts::{Bucket, Monitor, Step},
        time::DAY_MS,
    };

    const DAY0: i64 = 1_732_838_400_000;

    /// A week at 40 % by day (±2), then today 10 % from 10:00.
    fn week_then_drop(n_today: i64) -> Vec<Bucket> {
        let mut b: Vec<Bucket> = (0..7 * 96)
            .map(|i| Bucket {
                ts: DAY0 + i * QUARTER_MS,
                ratio: Some(40.0 + ((i / 96) % 3) as f64 * 2.0 - 2.0),
                total: Some(20.0),
                lower95: None,
                upper95: None,
            })
            .collect();
        let today = DAY0 + 7 * DAY_MS;
        b.extend((0..n_today).map(|k| Bucket {
            ts: today + k * QUARTER_MS,
            ratio: Some(if k >= 40 { 10.0 } else { 40.0 }),
            total: Some(20.0),
            lower95: None,
            upper95: None,
        }));
        b
    }

    #[test]
    fn the_explanation_shows_the_range_and_limit_the_rule_fired_on() {
        let rules = AlertRules::default();
        let mut m = Monitor::new(rules.clone());
        let today = DAY0 + 7 * DAY_MS;
        // Tick until the rule opens, as the engine would.
        let (opened, fired) = (41..50)
            .find_map(|n| {
                let input = CameraInput {
                    buckets: week_then_drop(n),
                    last_frame_ms: Some(today + n * QUARTER_MS - 1000),
                    ..CameraInput::default()
                };
                let now = today + n * QUARTER_MS;
                m.tick(&input, now)
                    .into_iter()
                    .find(|t| {
                        t.rule == RuleKind::ForecastDeviation && matches!(t.step, Step::Open(_))
                    })
                    .map(|_| (now, now - QUARTER_MS))
            })
            .expect("the drop opens an alert");
        let input = CameraInput {
            buckets: week_then_drop(60),
            ..CameraInput::default()
        };
        let e = explain(
            RuleKind::ForecastDeviation,
            &rules,
            &input,
            today + 30 * QUARTER_MS,
            today + 60 * QUARTER_MS,
            Some(fired),
        );
        assert_eq!(e.basis, UsualBasis::OwnHistory);
        assert_eq!(e.history_days, 7);
        assert_eq!(e.points.len(), 30);
        assert_eq!((e.observed, e.expected), (Some(10.0), Some(40.0)));
        // The days were 38, 40 or 42 %: usual 40, the limit 25 points under
        // it; the residual is 30 points, in σ of the days' spread (1.4826 × 2).
        assert_eq!(e.limit, Some(15.0));
        let s = e.residual_sigma.unwrap();
        assert!((s - (-30.0 / (2.0 * 1.4826))).abs() < 1e-6, "{s}");
        let p = e.points.iter().find(|p| p.ts_ms == fired).unwrap();
        assert!(p.observed.unwrap() < p.limit.unwrap());
        assert!(opened > fired);
        assert_eq!(e.farm, None);
    }

    #[test]
    fn minute_rules_have_no_chart_and_counts_are_in_goats() {
        let rules = AlertRules::default();
        let input = CameraInput {
            buckets: week_then_drop(48),
            herd_size: Some(22),
            ..CameraInput::default()
        };
        let today = DAY0 + 7 * DAY_MS;
        let e = explain(
            RuleKind::CameraOffline,
            &rules,
            &input,
            today,
            today + DAY_MS,
            None,
        );
        assert_eq!((e.unit, e.points.len()), (ExplainUnit::Minutes, 0));
        let e = explain(
            RuleKind::HerdCountDrop,
            &rules,
            &input,
            today,
            today + 12 * 3_600_000,
            Some(today + 40 * QUARTER_MS),
        );
        assert_eq!(e.unit, ExplainUnit::Goats);
        assert_eq!((e.expected, e.limit), (Some(20.0), Some(18.0)));
        assert_eq!(e.basis, UsualBasis::OwnHistory);
    }
}
