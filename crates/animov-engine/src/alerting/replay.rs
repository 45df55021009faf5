//! `animov alerts replay`: a 15-minute series through the alert rules, with
//! forecasts made as the engine makes them (the bundled model, from the data
//! before each bucket; before a source's first bucket, the model's reference
//! week), printing the alerts that would open and resolve.
//!
//! The replay ticks at the end of each 15-minute bucket (the engine ticks each
//! minute), so its times are at 15-minute resolution. A series has no tracks:
//! prolonged lying needs [`ReplaySource::bouts`], which evaluations supply.

use std::{collections::BTreeMap, io::Read};

use animov_api::{AlertRules, AlertVerdict, FieldError, RuleKind, Severity};
use animov_core::{
    alerts::{
        Bout, Bucket, CameraInput, HISTORY_WINDOW_DAYS, Monitor, Step, farm,
        feedback::{self, Judgement},
        input::with_band,
    },
    time::{DAY_MS, QUARTER_MS, iso_utc},
};
use animov_forecast::{ForecastError, Sarimax, SarimaxSpec, SpecError};
use serde::Serialize;

use crate::{
    forecasting::{HISTORY, predict::history},
    models::{BundledModel, ModelFileError},
    series_csv::{SeriesCsvError, bucket_ts, check_span, optional_number, parse_utc, records},
};

/// Days of history the rules are given at each tick, as in the engine.
pub const DEFAULT_HISTORY_DAYS: usize = HISTORY_WINDOW_DAYS as usize;

/// Why a series cannot be replayed.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// The rule settings cannot work.
    #[error("the rules are not valid: {0}")]
    Rules(FieldError),
    /// The series file cannot be read.
    #[error(transparent)]
    Csv(#[from] SeriesCsvError),
    /// The bundled forecast model is missing or unreadable.
    #[error(transparent)]
    Model(#[from] ModelFileError),
    /// The bundled model's description is wrong.
    #[error("the bundled forecast model: {0}")]
    Spec(SpecError),
    /// The forecast model cannot run on a source's series.
    #[error("{source_name}: the forecast model cannot run on this series: {cause}")]
    Forecast {
        /// The source.
        source_name: String,
        /// Why.
        cause: ForecastError,
    },
}

/// One source to replay.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ReplaySource {
    /// The source.
    pub source: String,
    /// Its buckets, oldest first (missing buckets absent).
    pub buckets: Vec<Bucket>,
    /// Goats in the pen.
    pub herd_size: Option<u32>,
    /// Lying bouts of its tracked goats with their true ends (`None`: no tracks).
    pub bouts: Option<Vec<Bout>>,
}

/// An alert the replay opened.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReplayedAlert {
    /// The rule.
    pub rule: RuleKind,
    /// The source.
    pub source: String,
    /// Highest severity it reached.
    pub severity: Severity,
    /// When it opened, UTC ms.
    pub opened_at: i64,
    /// When it resolved itself, UTC ms (`null`: still open at the end).
    pub resolved_at: Option<i64>,
    /// When its condition began, UTC ms.
    pub since: i64,
    /// What was seen when it opened.
    pub message: String,
}

/// Reads `timestamp,source,lying,standing,total,ratio_standing` (ISO 8601
/// UTC on 15-minute boundaries; empty = missing).
pub fn read_series_csv(input: impl Read) -> Result<BTreeMap<String, Vec<Bucket>>, SeriesCsvError> {
    let needs = [
        "timestamp",
        "source",
        "lying",
        "standing",
        "total",
        "ratio_standing",
    ];
    let mut by_source: BTreeMap<String, BTreeMap<i64, Bucket>> = BTreeMap::new();
    for (line, rec) in records(input, &needs)? {
        let ts = bucket_ts(&rec.timestamp, line)?;
        if rec.source.is_empty() {
            return Err(SeriesCsvError::Line {
                line,
                reason: "the source is empty".into(),
            });
        }
        let b = Bucket {
            ts,
            ratio: optional_number(rec.ratio_standing.as_deref(), line, "ratio_standing")?,
            total: optional_number(rec.total.as_deref(), line, "total")?,
            lower95: None,
            upper95: None,
        };
        if b.ratio.is_some_and(|v| !(0.0..=100.0).contains(&v)) {
            return Err(SeriesCsvError::Line {
                line,
                reason: "ratio_standing must be between 0 and 100".into(),
            });
        }
        by_source.entry(rec.source).or_default().insert(ts, b);
    }
    // The replay walks every quarter hour from the first to the last.
    check_span(by_source.values().flat_map(|m| m.keys().copied()))?;
    Ok(by_source
        .into_iter()
        .map(|(s, m)| (s, m.into_values().collect()))
        .collect())
}

/// Reads judgements given on alerts: `source,rule,at,verdict` (ISO 8601 UTC;
/// `false_alarm` or `useful`), per source, oldest first.
pub fn read_judgements(
    input: impl Read,
) -> Result<BTreeMap<String, Vec<Judgement>>, SeriesCsvError> {
    #[derive(serde::Deserialize)]
    struct Row {
        source: String,
        rule: String,
        at: String,
        verdict: String,
    }
    let mut out: BTreeMap<String, Vec<Judgement>> = BTreeMap::new();
    let mut rd = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(input);
    for (i, rec) in rd.deserialize::<Row>().enumerate() {
        let line = i + 2;
        let bad = |reason: String| SeriesCsvError::Line { line, reason };
        let r = rec.map_err(|e| bad(format!("expected source,rule,at,verdict: {e}")))?;
        let rule = RuleKind::parse(&r.rule)
            .ok_or_else(|| bad(format!("{:?} is not an alert rule", r.rule)))?;
        let verdict = AlertVerdict::parse(&r.verdict).ok_or_else(|| {
            bad(format!(
                "verdict must be false_alarm or useful, got {:?}",
                r.verdict
            ))
        })?;
        let at_ms = parse_utc(&r.at)
            .ok_or_else(|| bad(format!("{:?} is not an ISO 8601 UTC time", r.at)))?;
        out.entry(r.source).or_default().push(Judgement {
            rule,
            at_ms,
            verdict,
        });
    }
    for v in out.values_mut() {
        v.sort_by_key(|j| j.at_ms);
    }
    Ok(out)
}

/// Lays on each bucket the 95 % interval the engine would have forecast for
/// it just before it began: the model run over the data before it (one step
/// ahead), the reference week standing in for the time before the first bucket.
pub fn forecast_bands(buckets: &mut [Bucket], model: &BundledModel) -> Result<(), ReplayError> {
    let (Some(first), Some(last)) = (buckets.first(), buckets.last()) else {
        return Ok(());
    };
    let (first, last) = (first.ts, last.ts);
    let spec = SarimaxSpec::parse(&model.spec).map_err(ReplayError::Spec)?;
    let reference = Some((model.profile.as_slice(), model.profile_start_ms));
    let start = first - HISTORY as i64 * QUARTER_MS;
    let mut y = history(&[], first, reference);
    y.resize(((last - start) / QUARTER_MS + 1) as usize, f64::NAN);
    for b in buckets.iter() {
        y[((b.ts - start) / QUARTER_MS) as usize] = b.ratio.unwrap_or(f64::NAN);
    }
    let fitted = Sarimax::new(spec)
        .with_params(&y, None, &model.params, 0, true)
        .map_err(|cause| ReplayError::Forecast {
            source_name: String::new(),
            cause,
        })?;
    let f = fitted.one_step_ahead();
    let c = |v: f64| v.clamp(0.0, 100.0);
    with_band(buckets, |ts| {
        let k = ((ts - start) / QUARTER_MS) as usize;
        Some((c(f.lower95[k]), c(f.upper95[k])))
    });
    Ok(())
}

/// A farmer judging alerts as the replay raises them: called when an alert
/// resolves, its verdict tunes that source's rules from then on.
pub type Judge<'a> = &'a dyn Fn(&ReplayedAlert) -> Option<AlertVerdict>;

/// How a replay runs besides the rules.
#[derive(Clone, Copy)]
pub struct ReplayOptions<'a> {
    /// Days of history the rules see at each tick (the engine: 29).
    pub history_days: usize,
    /// Judge the sources together as the pens of one farm, as the engine
    /// judges a site's cameras ([`animov_core::alerts::farm`]).
    pub farm: bool,
    /// Judgements given over time, per source (as a farmer gave them).
    pub judgements: Option<&'a BTreeMap<String, Vec<Judgement>>>,
    /// A simulated farmer.
    pub judge: Option<Judge<'a>>,
}

impl Default for ReplayOptions<'_> {
    fn default() -> Self {
        ReplayOptions {
            history_days: DEFAULT_HISTORY_DAYS,
            farm: true,
            judgements: None,
            judge: None,
        }
    }
}

/// One source's state in a replay.
struct Pen<'a> {
    src: &'a ReplaySource,
    monitor: Monitor,
    open: BTreeMap<RuleKind, usize>,
    bouts: Vec<Bout>,
    judged: Vec<Judgement>,
    idx: usize,
}

impl Pen<'_> {
    fn first_tick(&self) -> Option<i64> {
        self.src.buckets.first().map(|b| b.ts + QUARTER_MS)
    }
    fn last_tick(&self) -> Option<i64> {
        self.src.buckets.last().map(|b| b.ts + QUARTER_MS)
    }
    /// The buckets the rules see at `now`, as the engine's cache: the last
    /// days' complete buckets.
    fn window(&mut self, now: i64, span_ms: i64) -> &[Bucket] {
        let b = &self.src.buckets;
        while self.idx < b.len() && b[self.idx].ts + QUARTER_MS <= now {
            self.idx += 1;
        }
        let from = b[..self.idx].partition_point(|x| x.ts < now - span_ms);
        &b[from..self.idx]
    }
    /// Running bouts at `now`, as the engine sees them.
    fn bouts_at(&self, now: i64) -> Option<Vec<Bout>> {
        self.src.bouts.as_ref().map(|_| {
            self.bouts
                .iter()
                .take_while(|b| b.start_ms <= now)
                .filter(|b| b.end_ms > now)
                .map(|b| Bout {
                    end_ms: now,
                    running: true,
                    ..*b
                })
                .collect()
        })
    }
}

/// Runs the rules over one source (no farm), ticking at the end of each
/// bucket up to the end of its last one: the end of the file is not a camera
/// going offline (a gap inside it is).
pub fn replay(src: &ReplaySource, rules: &AlertRules, history_days: usize) -> Vec<ReplayedAlert> {
    replay_farm(
        std::slice::from_ref(src),
        rules,
        &ReplayOptions {
            history_days,
            ..ReplayOptions::default()
        },
    )
}

/// Runs the rules over several sources in step, ticking at the end of each
/// 15-minute bucket; each source from its first bucket to the end of its last.
pub fn replay_farm(
    srcs: &[ReplaySource],
    rules: &AlertRules,
    opts: &ReplayOptions,
) -> Vec<ReplayedAlert> {
    let span_ms = opts.history_days.max(1) as i64 * DAY_MS;
    let mut out: Vec<ReplayedAlert> = Vec::new();
    let mut pens: Vec<Pen> = srcs
        .iter()
        .map(|src| {
            let mut bouts = src.bouts.clone().unwrap_or_default();
            bouts.sort_by_key(|b| b.start_ms);
            Pen {
                src,
                monitor: Monitor::new(rules.clone()),
                open: BTreeMap::new(),
                bouts,
                judged: Vec::new(),
                idx: 0,
            }
        })
        .collect();
    let (Some(mut now), Some(end)) = (
        pens.iter().filter_map(Pen::first_tick).min(),
        pens.iter().filter_map(Pen::last_tick).max(),
    ) else {
        return out;
    };
    while now <= end {
        let active: Vec<usize> = (0..pens.len())
            .filter(|&i| pens[i].first_tick().is_some_and(|t| t <= now))
            .collect();
        let mut windows: Vec<Vec<Bucket>> = active
            .iter()
            .map(|&i| pens[i].window(now, span_ms).to_vec())
            .collect();
        let mut shifts = if opts.farm {
            let refs: Vec<&[Bucket]> = windows.iter().map(Vec::as_slice).collect();
            farm::shifts(&refs, now)
        } else {
            vec![BTreeMap::new(); windows.len()]
        };
        for (k, &i) in active.iter().enumerate() {
            let pen = &mut pens[i];
            if pen.last_tick().is_some_and(|t| now > t) {
                continue;
            }
            let given = opts
                .judgements
                .and_then(|j| j.get(&pen.src.source))
                .into_iter()
                .flatten()
                .chain(&pen.judged)
                .copied()
                .collect::<Vec<_>>();
            pen.monitor.set_rules(feedback::apply(rules, &given, now));
            let window = std::mem::take(&mut windows[k]);
            let input = CameraInput {
                herd_size: pen.src.herd_size,
                // Frames arrive through the bucket: the newest one ends a second before it.
                last_frame_ms: window.last().map(|b| b.ts + QUARTER_MS - 1_000),
                bouts: pen.bouts_at(now),
                farm: std::mem::take(&mut shifts[k]),
                buckets: window,
                recording_stopped: None,
            };
            for t in pen.monitor.tick(&input, now) {
                match t.step {
                    Step::Open(f) => {
                        pen.open.insert(t.rule, out.len());
                        out.push(ReplayedAlert {
                            rule: t.rule,
                            source: pen.src.source.clone(),
                            severity: f.severity,
                            opened_at: now,
                            resolved_at: None,
                            since: f.since_ms,
                            message: f.message,
                        });
                    }
                    Step::Escalate(f) => {
                        if let Some(&i) = pen.open.get(&t.rule) {
                            out[i].severity = out[i].severity.max(f.severity);
                        }
                    }
                    Step::Resolve => {
                        if let Some(i) = pen.open.remove(&t.rule) {
                            out[i].resolved_at = Some(now);
                            if let Some(verdict) = opts.judge.and_then(|j| j(&out[i])) {
                                pen.judged.push(Judgement {
                                    rule: t.rule,
                                    at_ms: now,
                                    verdict,
                                });
                            }
                        }
                    }
                    Step::Idle | Step::Hold { .. } => {}
                }
            }
        }
        now += QUARTER_MS;
    }
    out.sort_by(|a, b| a.opened_at.cmp(&b.opened_at).then(a.source.cmp(&b.source)));
    out
}

/// Lays on each source the forecast band of the bundled model (the prior).
fn with_forecast_bands(
    series: BTreeMap<String, Vec<Bucket>>,
    model: &BundledModel,
) -> Result<BTreeMap<String, Vec<Bucket>>, ReplayError> {
    let mut out = BTreeMap::new();
    for (source, mut buckets) in series {
        forecast_bands(&mut buckets, model).map_err(|e| match e {
            ReplayError::Forecast { cause, .. } => ReplayError::Forecast {
                source_name: source.clone(),
                cause,
            },
            e => e,
        })?;
        out.insert(source, buckets);
    }
    Ok(out)
}

/// Replays every source of a series with the bundled forecast model as the
/// prior, each with its herd size (`herd(source)`), as `opts` says.
pub fn replay_series(
    series: BTreeMap<String, Vec<Bucket>>,
    herd: impl Fn(&str) -> Option<u32>,
    rules: &AlertRules,
    opts: &ReplayOptions,
) -> Result<Vec<ReplayedAlert>, ReplayError> {
    rules.validate().map_err(ReplayError::Rules)?;
    let model = BundledModel::load()?;
    let srcs: Vec<ReplaySource> = with_forecast_bands(series, &model)?
        .into_iter()
        .map(|(source, buckets)| ReplaySource {
            herd_size: herd(&source),
            source,
            buckets,
            bouts: None,
        })
        .collect();
    Ok(replay_farm(&srcs, rules, opts))
}

/// Reads a series CSV and replays every source in it (the `animov alerts
/// replay` command): one herd size for all.
pub fn replay_csv(
    input: impl Read,
    herd_size: Option<u32>,
    rules: &AlertRules,
    opts: &ReplayOptions,
) -> Result<Vec<ReplayedAlert>, ReplayError> {
    replay_series(read_series_csv(input)?, |_| herd_size, rules, opts)
}

/// One line per alert: rule, source, opened, resolved, severity, message.
pub fn to_text(alerts: &[ReplayedAlert]) -> String {
    let mut s = format!(
        "{:<20} {:<16} {:<21} {:<21} {:<9} message\n",
        "rule", "source", "opened_at", "resolved_at", "severity"
    );
    for a in alerts {
        s.push_str(&format!(
            "{:<20} {:<16} {:<21} {:<21} {:<9} {}\n",
            a.rule.as_str(),
            a.source,
            iso_utc(a.opened_at),
            a.resolved_at.map(iso_utc).unwrap_or_else(|| "-".into()),
            a.severity.as_str(),
            a.message
        ));
    }
    s.push_str(&format!("{} alert(s)\n", alerts.len()));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    const CSV: &str = "timestamp,source,lying,standing,total,ratio_standing\n\
        2024-11-29T00:00:00Z,cam-1,10,10,20,50\n\
        2024-11-29T00:15:00Z,cam-1,10,10,20,\n";

    #[test]
    fn reads_the_series_and_says_what_is_wrong() {
        let s = read_series_csv(CSV.as_bytes()).unwrap();
        assert_eq!(s["cam-1"].len(), 2);
        assert_eq!(s["cam-1"][1].ratio, None);
        assert_eq!(s["cam-1"][1].total, Some(20.0));
        let e = read_series_csv("timestamp,source\n".as_bytes())
            .unwrap_err()
            .to_string();
        assert!(e.contains("ratio_standing"), "{e}");
        let bad = CSV.replace(",50\n", ",fifty\n");
        let e = read_series_csv(bad.as_bytes()).unwrap_err().to_string();
        assert!(e.contains("line 2") && e.contains("ratio_standing"), "{e}");
        // One wrong year: refused before a grid of 8,000 years is laid.
        let far = CSV.replace("2024-11-29T00:15:00Z", "9999-11-29T00:15:00Z");
        let e = read_series_csv(far.as_bytes()).unwrap_err().to_string();
        assert!(e.contains("is a date wrong"), "{e}");
        let bad = CSV.replace("00:15:00Z", "00:16:00Z");
        assert!(
            read_series_csv(bad.as_bytes())
                .unwrap_err()
                .to_string()
                .contains("15-minute")
        );
    }

    #[test]
    fn a_gap_in_the_series_opens_and_resolves_camera_offline() {
        let t0 = 1_732_838_400_000;
        let mk = |k: i64| Bucket {
            ts: t0 + k * QUARTER_MS,
            ratio: Some(30.0),
            total: Some(20.0),
            lower95: None,
            upper95: None,
        };
        let buckets: Vec<Bucket> = (0..4).chain(8..12).map(mk).collect();
        let src = ReplaySource {
            source: "cam-1".into(),
            buckets,
            herd_size: Some(20),
            bouts: None,
        };
        let alerts = replay(&src, &AlertRules::default(), DEFAULT_HISTORY_DAYS);
        assert_eq!(alerts.len(), 1, "{alerts:?}");
        assert_eq!(alerts[0].rule, RuleKind::CameraOffline);
        assert_eq!(alerts[0].opened_at, t0 + 5 * QUARTER_MS);
        assert_eq!(alerts[0].resolved_at, Some(t0 + 9 * QUARTER_MS));
        // The file ends after the last bucket: that is no camera going offline.
    }
}
