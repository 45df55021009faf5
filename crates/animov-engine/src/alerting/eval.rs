//! `animov alerts eval`: replays a labelled set (a folder holding
//! `series.csv`, `truth.csv` and `herd.csv`, as `shared/eval/alerts-dev`)
//! through the rules, one source at a time with its herd size, exactly as
//! `animov alerts replay` does, and scores the alerts against the truth
//! ([`animov_core::alerts::score`]).

use std::{collections::BTreeMap, fs::File, path::Path};

use animov_api::{AlertRules, AlertVerdict};
use animov_core::{
    alerts::score::{Score, Scored, Truth, overlaps_no_anomaly, score},
    time::QUARTER_MS,
};
use serde::Deserialize;

use super::replay::{ReplayError, ReplayOptions, ReplayedAlert, read_series_csv, replay_series};
use crate::series_csv::{SeriesCsvError, parse_utc};

/// Why a set cannot be evaluated.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// A file of the set is missing or unreadable.
    #[error("{file}: {why}")]
    File {
        /// The file.
        file: String,
        /// What is wrong.
        why: String,
    },
    /// The series cannot be read.
    #[error("series.csv: {0}")]
    Series(#[from] SeriesCsvError),
    /// The replay failed.
    #[error(transparent)]
    Replay(#[from] ReplayError),
}

#[derive(Deserialize)]
struct HerdRow {
    source: String,
    herd_size: u32,
}

#[derive(Deserialize)]
struct TruthRow {
    id: String,
    source: String,
    kind: String,
    start: String,
    end: String,
}

fn rows<T: for<'de> Deserialize<'de>>(dir: &Path, name: &str) -> Result<Vec<T>, EvalError> {
    let path = dir.join(name);
    let err = |why: String| EvalError::File {
        file: path.display().to_string(),
        why,
    };
    let f = File::open(&path).map_err(|e| err(e.to_string()))?;
    csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(f)
        .deserialize()
        .enumerate()
        .map(|(i, r)| r.map_err(|e| err(format!("line {}: {e}", i + 2))))
        .collect()
}

/// The alerts replayed over the set in `dir` and their score. With
/// `simulate_feedback`, a farmer who went to see judges each alert when it
/// ends — "false alarm" when it overlaps no anomaly of its source (as the
/// scorer counts it), "useful" otherwise — and the judgements tune that
/// source's rules from then on, as in the engine.
pub fn eval_dir(
    dir: &Path,
    rules: &AlertRules,
    opts: &ReplayOptions,
    simulate_feedback: bool,
) -> Result<(Vec<ReplayedAlert>, Score), EvalError> {
    let herd: BTreeMap<String, u32> = rows::<HerdRow>(dir, "herd.csv")?
        .into_iter()
        .map(|h| (h.source, h.herd_size))
        .collect();
    let truth = rows::<TruthRow>(dir, "truth.csv")?
        .into_iter()
        .enumerate()
        .map(|(i, t)| {
            let at = |v: &str| {
                parse_utc(v).ok_or_else(|| EvalError::File {
                    file: "truth.csv".into(),
                    why: format!("line {}: {v:?} is not an ISO 8601 UTC time", i + 2),
                })
            };
            Ok(Truth {
                start: at(&t.start)?,
                end: at(&t.end)?,
                id: t.id,
                source: t.source,
                kind: t.kind,
            })
        })
        .collect::<Result<Vec<_>, EvalError>>()?;
    let path = dir.join("series.csv");
    let file = File::open(&path).map_err(|e| EvalError::File {
        file: path.display().to_string(),
        why: e.to_string(),
    })?;
    let series = read_series_csv(file)?;
    let t0 = series
        .values()
        .filter_map(|b| b.first())
        .map(|b| b.ts)
        .min();
    let t1 = series.values().filter_map(|b| b.last()).map(|b| b.ts).max();
    let (Some(t0), Some(t1)) = (t0, t1) else {
        return Err(SeriesCsvError::Empty.into());
    };
    // Only the sources of herd.csv are replayed, each with its herd size.
    let series = series
        .into_iter()
        .filter(|(s, _)| herd.contains_key(s))
        .collect();
    let farmer = |a: &ReplayedAlert| {
        let end = a.resolved_at.unwrap_or(a.opened_at);
        Some(
            if overlaps_no_anomaly(&truth, &a.source, a.opened_at, end) {
                AlertVerdict::FalseAlarm
            } else {
                AlertVerdict::Useful
            },
        )
    };
    let opts = ReplayOptions {
        judge: if simulate_feedback {
            Some(&farmer)
        } else {
            opts.judge
        },
        ..*opts
    };
    let alerts = replay_series(series, |s| herd.get(s).copied(), rules, &opts)?;
    let scored: Vec<Scored> = alerts
        .iter()
        .map(|a| Scored {
            source: a.source.clone(),
            rule: a.rule.as_str().to_string(),
            opened: a.opened_at,
            resolved: a.resolved_at,
        })
        .collect();
    let sources: Vec<String> = herd.keys().cloned().collect();
    let s = score(&scored, &truth, &sources, t0, t1 + QUARTER_MS);
    Ok((alerts, s))
}
