//! The farmer's word on alerts tunes each camera's rules, within bounds.
//!
//! Each "false alarm" on an alert widens that rule's limits on that camera by
//! [`FALSE_ALARM_STEP`] (15 %), each "useful" narrows them by
//! [`USEFUL_STEP`] (5 %), one after the other in the order they were given,
//! always between [`MIN_FACTOR`] and [`MAX_FACTOR`] of the limits as set;
//! judgements older than [`MEMORY_DAYS`] days are forgotten. The limits are
//! the margins of the behaviour rules (how far below or above the usual
//! range, the running average's limit) and the minutes of a goat lying.
//! A missing goat and a silent camera are facts, not judgements: their rules
//! are never tuned.

use animov_api::{AlertRules, AlertVerdict, RuleKind};

use crate::time::DAY_MS;

/// A "false alarm" multiplies the rule's limits by this.
pub const FALSE_ALARM_STEP: f64 = 1.15;
/// A "useful" divides them by this.
pub const USEFUL_STEP: f64 = 1.05;
/// The limits never go below this share of the set ones.
pub const MIN_FACTOR: f64 = 0.8;
/// Nor above this.
pub const MAX_FACTOR: f64 = 1.5;
/// Judgements are forgotten after this many days.
pub const MEMORY_DAYS: i64 = 60;

/// One judgement on one alert of a camera.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Judgement {
    /// The alert's rule.
    pub rule: RuleKind,
    /// When it was given, UTC ms.
    pub at_ms: i64,
    /// What was said.
    pub verdict: AlertVerdict,
}

/// The factor on `rule`'s limits at `now_ms` after `judgements` (any order):
/// 1 with none; the judgements of the last [`MEMORY_DAYS`] days applied
/// oldest first, each step kept within the bounds.
pub fn factor(judgements: &[Judgement], rule: RuleKind, now_ms: i64) -> f64 {
    if !rule.tuned_by_feedback() {
        return 1.0;
    }
    let mut mine: Vec<&Judgement> = judgements
        .iter()
        .filter(|j| j.rule == rule && j.at_ms <= now_ms && now_ms - j.at_ms <= MEMORY_DAYS * DAY_MS)
        .collect();
    mine.sort_by_key(|j| j.at_ms);
    mine.iter().fold(1.0, |f, j| {
        let next = match j.verdict {
            AlertVerdict::FalseAlarm => f * FALSE_ALARM_STEP,
            AlertVerdict::Useful => f / USEFUL_STEP,
        };
        next.clamp(MIN_FACTOR, MAX_FACTOR)
    })
}

fn minutes(m: u32, f: f64) -> u32 {
    (f64::from(m) * f).round() as u32
}

/// The rules with each tuned rule's limits multiplied by its factor.
pub fn apply(rules: &AlertRules, judgements: &[Judgement], now_ms: i64) -> AlertRules {
    let mut r = rules.clone();
    if judgements.is_empty() {
        return r;
    }
    let f = |rule| factor(judgements, rule, now_ms);
    let fd = f(RuleKind::ForecastDeviation);
    r.forecast_deviation.margin_pct *= fd;
    let nd = f(RuleKind::NightDisturbance);
    r.night_disturbance.sigmas *= nd;
    r.night_disturbance.min_excess_pct *= nd;
    let la = f(RuleKind::LowActivityDay);
    r.low_activity_day.sigmas *= la;
    r.low_activity_day.min_shift_pct *= la;
    let pl = f(RuleKind::ProlongedLying);
    r.prolonged_lying.minutes = minutes(r.prolonged_lying.minutes, pl);
    r.prolonged_lying.critical_minutes = minutes(r.prolonged_lying.critical_minutes, pl);
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn j(rule: RuleKind, day: i64, verdict: AlertVerdict) -> Judgement {
        Judgement {
            rule,
            at_ms: day * DAY_MS,
            verdict,
        }
    }

    #[test]
    fn false_alarms_widen_useful_alerts_narrow_within_bounds() {
        use AlertVerdict::*;
        let fd = RuleKind::ForecastDeviation;
        let now = 100 * DAY_MS;
        assert_eq!(factor(&[], fd, now), 1.0);
        let one = [j(fd, 90, FalseAlarm)];
        assert!((factor(&one, fd, now) - 1.15).abs() < 1e-12);
        // Another rule's judgement, a future one and a forgotten one change nothing.
        let other = [
            j(RuleKind::NightDisturbance, 90, FalseAlarm),
            j(fd, 101, FalseAlarm),
            j(fd, 39, FalseAlarm),
        ];
        assert_eq!(factor(&other, fd, now), 1.0);
        // Ten false alarms stop at the upper bound; one useful after them narrows from there.
        let mut many: Vec<Judgement> = (80..90).map(|d| j(fd, d, FalseAlarm)).collect();
        assert_eq!(factor(&many, fd, now), MAX_FACTOR);
        many.push(j(fd, 95, Useful));
        assert!((factor(&many, fd, now) - MAX_FACTOR / 1.05).abs() < 1e-12);
        let useful: Vec<Judgement> = (80..99).map(|d| j(fd, d, Useful)).collect();
        assert_eq!(factor(&useful, fd, now), MIN_FACTOR);
        // Facts are never tuned.
        let offline = [j(RuleKind::CameraOffline, 90, FalseAlarm)];
        assert_eq!(factor(&offline, RuleKind::CameraOffline, now), 1.0);
    }

    #[test]
    fn apply_scales_the_limits_of_the_judged_rule_only() {
        let base = AlertRules::default();
        let js = [
            j(RuleKind::ForecastDeviation, 1, AlertVerdict::FalseAlarm),
            j(RuleKind::HerdCountDrop, 1, AlertVerdict::FalseAlarm),
        ];
        let r = apply(&base, &js, 2 * DAY_MS);
        assert!(
            (r.forecast_deviation.margin_pct - base.forecast_deviation.margin_pct * 1.15).abs()
                < 1e-9
        );
        assert_eq!(r.night_disturbance, base.night_disturbance);
        assert_eq!(r.herd_count_drop, base.herd_count_drop);
        let js = [j(RuleKind::ProlongedLying, 1, AlertVerdict::FalseAlarm)];
        let r = apply(&base, &js, 2 * DAY_MS);
        assert_eq!(
            r.prolonged_lying.minutes,
            (f64::from(base.prolonged_lying.minutes) * 1.15).round() as u32
        );
    }
}
