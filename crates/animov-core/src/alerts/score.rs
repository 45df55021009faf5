//! Scores alerts against a labelled truth, as the evaluation sets'
//! reference scorer does (`shared/eval/alerts-dev/score.py`):
//!
//! * an anomaly is caught when an alert of its source opens in
//!   `[start, end + 45 min]`; its delay runs from `start`;
//! * an alert is false when its span `[opened, resolved]` (open: up to the
//!   end of the series) overlaps no anomaly window `[start, end + 45 min]` of
//!   its source; `hard_normal` periods are no excuse;
//! * the false-alert rate counts false alerts opened on the camera-days
//!   (UTC) after the warm-up that no anomaly touches.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::usual::median_spread;
use crate::time::{DAY_MS, MINUTE_MS, floor_to};

/// Grace after an anomaly's end.
pub const GRACE_MS: i64 = 45 * MINUTE_MS;
/// Days at the start that are not scored (the baselines' warm-up).
pub const WARMUP_DAYS: i64 = 7;
/// The kind of a truth row that is not an anomaly.
pub const HARD_NORMAL: &str = "hard_normal";

/// One labelled period.
#[derive(Debug, Clone, PartialEq)]
pub struct Truth {
    /// Its id (`A01`, `H01`…).
    pub id: String,
    /// The source.
    pub source: String,
    /// Anomaly kind, or [`HARD_NORMAL`].
    pub kind: String,
    /// Start, UTC ms.
    pub start: i64,
    /// End, UTC ms.
    pub end: i64,
}

/// One alert to score.
#[derive(Debug, Clone, PartialEq)]
pub struct Scored {
    /// The source.
    pub source: String,
    /// The rule.
    pub rule: String,
    /// Opened, UTC ms.
    pub opened: i64,
    /// Resolved, UTC ms (`None`: still open).
    pub resolved: Option<i64>,
}

/// How one anomaly fared.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnomalyResult {
    /// Its id.
    pub id: String,
    /// The source.
    pub source: String,
    /// Its kind.
    pub kind: String,
    /// Minutes from its start to the first alert, if caught.
    pub delay_min: Option<f64>,
    /// The rule that caught it.
    pub rule: Option<String>,
}

/// Per anomaly kind.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KindResult {
    /// Anomalies of the kind.
    pub total: usize,
    /// Caught.
    pub caught: usize,
    /// Median delay of those caught, minutes.
    pub median_delay_min: Option<f64>,
}

/// Per rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleResult {
    /// Alerts it opened.
    pub alerts: usize,
    /// Of which false.
    pub false_alerts: usize,
    /// Of which false on a normal camera-day.
    pub false_on_normal_days: usize,
}

/// The figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Score {
    /// Alerts read.
    pub alerts: usize,
    /// Anomalies.
    pub anomalies: usize,
    /// Caught.
    pub caught: usize,
    /// Caught with a delay of at most 45 min.
    pub caught_within_45min: usize,
    /// Median delay of the caught, minutes.
    pub median_delay_min: Option<f64>,
    /// False alerts opened on normal camera-days.
    pub false_on_normal_days: usize,
    /// Normal camera-days scored.
    pub normal_camera_days: usize,
    /// False alerts per normal camera-day.
    pub false_per_camera_day: Option<f64>,
    /// Hard-normal periods with a (false) alert.
    pub hard_normal_alerted: Vec<String>,
    /// Hard-normal periods.
    pub hard_normal_total: usize,
    /// Per anomaly kind.
    pub per_kind: BTreeMap<String, KindResult>,
    /// Per rule.
    pub per_rule: BTreeMap<String, RuleResult>,
    /// Each anomaly.
    pub per_anomaly: Vec<AnomalyResult>,
    /// The false alerts.
    pub false_alerts: Vec<(String, String, i64, Option<i64>)>,
}

fn median(v: Vec<f64>) -> Option<f64> {
    median_spread(&v).map(|(m, _)| m)
}

/// Whether an alert of `source` over `[opened, end]` overlaps no anomaly
/// window of its source: what the scorer calls a false alert (and what a
/// farmer who went to see would call a false alarm).
pub fn overlaps_no_anomaly(truth: &[Truth], source: &str, opened: i64, end: i64) -> bool {
    !truth.iter().any(|an| {
        an.kind != HARD_NORMAL
            && an.source == source
            && opened <= an.end + GRACE_MS
            && end >= an.start
    })
}

/// Scores `alerts` against `truth` for `sources` over the series `[t0, t1)`.
pub fn score(alerts: &[Scored], truth: &[Truth], sources: &[String], t0: i64, t1: i64) -> Score {
    let anomalies: Vec<&Truth> = truth.iter().filter(|t| t.kind != HARD_NORMAL).collect();
    let overlaps = |a: &Scored, w0: i64, w1: i64| a.opened <= w1 && a.resolved.unwrap_or(t1) >= w0;
    let per_anomaly: Vec<AnomalyResult> = anomalies
        .iter()
        .map(|an| {
            let first = alerts
                .iter()
                .filter(|a| {
                    a.source == an.source && an.start <= a.opened && a.opened <= an.end + GRACE_MS
                })
                .min_by_key(|a| a.opened);
            AnomalyResult {
                id: an.id.clone(),
                source: an.source.clone(),
                kind: an.kind.clone(),
                delay_min: first.map(|a| (a.opened - an.start) as f64 / MINUTE_MS as f64),
                rule: first.map(|a| a.rule.clone()),
            }
        })
        .collect();
    let is_false =
        |a: &Scored| overlaps_no_anomaly(truth, &a.source, a.opened, a.resolved.unwrap_or(t1));
    let false_alerts: Vec<&Scored> = alerts.iter().filter(|a| is_false(a)).collect();
    // Camera-days of the scored period, normal when no anomaly touches them.
    let d0 = floor_to(t0, DAY_MS);
    let days: Vec<i64> = (0..)
        .map(|k| d0 + k * DAY_MS)
        .take_while(|d| *d < t1)
        .skip(WARMUP_DAYS as usize)
        .collect();
    let mut normal: BTreeSet<(String, i64)> = BTreeSet::new();
    for s in sources {
        for &d in &days {
            let touched = anomalies
                .iter()
                .any(|an| &an.source == s && an.start < d + DAY_MS && an.end > d);
            if !touched {
                normal.insert((s.clone(), d));
            }
        }
    }
    let on_normal_day =
        |a: &Scored| normal.contains(&(a.source.clone(), floor_to(a.opened, DAY_MS)));
    let false_normal = false_alerts.iter().filter(|a| on_normal_day(a)).count();
    let hard_normal_alerted = truth
        .iter()
        .filter(|t| t.kind == HARD_NORMAL)
        .filter(|h| {
            false_alerts
                .iter()
                .any(|a| a.source == h.source && overlaps(a, h.start, h.end + GRACE_MS))
        })
        .map(|h| h.id.clone())
        .collect();
    let mut per_kind: BTreeMap<String, KindResult> = BTreeMap::new();
    for r in &per_anomaly {
        let k = per_kind.entry(r.kind.clone()).or_insert(KindResult {
            total: 0,
            caught: 0,
            median_delay_min: None,
        });
        k.total += 1;
        k.caught += usize::from(r.delay_min.is_some());
    }
    for (kind, k) in per_kind.iter_mut() {
        k.median_delay_min = median(
            per_anomaly
                .iter()
                .filter(|r| &r.kind == kind)
                .filter_map(|r| r.delay_min)
                .collect(),
        );
    }
    let mut per_rule: BTreeMap<String, RuleResult> = BTreeMap::new();
    for a in alerts {
        let r = per_rule.entry(a.rule.clone()).or_insert(RuleResult {
            alerts: 0,
            false_alerts: 0,
            false_on_normal_days: 0,
        });
        r.alerts += 1;
        if is_false(a) {
            r.false_alerts += 1;
            r.false_on_normal_days += usize::from(on_normal_day(a));
        }
    }
    let delays: Vec<f64> = per_anomaly.iter().filter_map(|r| r.delay_min).collect();
    Score {
        alerts: alerts.len(),
        anomalies: per_anomaly.len(),
        caught: delays.len(),
        caught_within_45min: delays.iter().filter(|d| **d <= 45.0).count(),
        median_delay_min: median(delays),
        false_on_normal_days: false_normal,
        normal_camera_days: normal.len(),
        false_per_camera_day: (!normal.is_empty())
            .then(|| false_normal as f64 / normal.len() as f64),
        hard_normal_alerted,
        hard_normal_total: truth.iter().filter(|t| t.kind == HARD_NORMAL).count(),
        per_kind,
        per_rule,
        per_anomaly,
        false_alerts: false_alerts
            .iter()
            .map(|a| (a.source.clone(), a.rule.clone(), a.opened, a.resolved))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_767_225_600_000; // 2026-01-01T00:00Z
    const H: i64 = 3_600_000;

    fn alert(source: &str, opened: i64, resolved: Option<i64>) -> Scored {
        Scored {
            source: source.into(),
            rule: "r".into(),
            opened,
            resolved,
        }
    }

    #[test]
    fn catches_delays_false_alerts_and_hard_normals() {
        let day = |d: i64| T0 + d * DAY_MS;
        let truth = vec![
            Truth {
                id: "A1".into(),
                source: "a".into(),
                kind: "agitation".into(),
                start: day(8) + 2 * H,
                end: day(8) + 3 * H,
            },
            Truth {
                id: "H1".into(),
                source: "a".into(),
                kind: HARD_NORMAL.into(),
                start: day(9) + 2 * H,
                end: day(9) + 3 * H,
            },
        ];
        let alerts = vec![
            // Caught 30 min in.
            alert("a", day(8) + 2 * H + 30 * MINUTE_MS, Some(day(8) + 4 * H)),
            // In the hard-normal period: false, on a normal day.
            alert("a", day(9) + 2 * H, Some(day(9) + 3 * H)),
            // During the warm-up: false, not counted per camera-day.
            alert("b", day(2), Some(day(2) + H)),
            // Opened after the grace: false, but on an anomalous day.
            alert("a", day(8) + 4 * H, Some(day(8) + 5 * H)),
        ];
        let s = score(&alerts, &truth, &["a".into(), "b".into()], T0, day(10));
        assert_eq!((s.caught, s.anomalies), (1, 1));
        assert_eq!(s.median_delay_min, Some(30.0));
        assert_eq!(s.false_alerts.len(), 3);
        // Scored days 7, 8, 9 for two sources; day 8 of "a" is anomalous.
        assert_eq!(s.normal_camera_days, 5);
        assert_eq!(s.false_on_normal_days, 1);
        assert_eq!(s.hard_normal_alerted, vec!["H1".to_string()]);
        assert_eq!(s.per_kind["agitation"].caught, 1);
        assert_eq!(s.per_rule["r"].false_alerts, 3);
    }
}
