//! `animov alerts replay` and `animov alerts eval`: need no data folder.

use std::{collections::BTreeMap, path::Path};

use animov_api::AlertRules;
use animov_core::{alerts::feedback::Judgement, time::iso_utc};
use animov_engine::alerting::{
    eval::eval_dir,
    replay::{ReplayOptions, read_judgements, replay_csv, to_text},
};
use anyhow::{Context, bail};

use crate::args::ReplayArgs;

/// The rules of `--rules`, or the defaults.
fn read_rules(rules: Option<&Path>) -> anyhow::Result<AlertRules> {
    Ok(match rules {
        Some(p) => {
            let text = std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))?;
            serde_json::from_slice(&text)
                .with_context(|| format!("{} is not valid alert rules JSON", p.display()))?
        }
        None => AlertRules::default(),
    })
}

/// Reads the judgements of `--feedback`, if given.
fn read_feedback(how: &ReplayArgs) -> anyhow::Result<Option<BTreeMap<String, Vec<Judgement>>>> {
    how.feedback
        .as_deref()
        .map(|p| {
            let f =
                std::fs::File::open(p).with_context(|| format!("cannot open {}", p.display()))?;
            read_judgements(f).with_context(|| p.display().to_string())
        })
        .transpose()
}

/// How `--history-days`, `--single-pen` and `--feedback` ask the replay to run.
fn options<'a>(
    how: &ReplayArgs,
    judged: Option<&'a BTreeMap<String, Vec<Judgement>>>,
) -> ReplayOptions<'a> {
    ReplayOptions {
        history_days: how.history_days as usize,
        farm: !how.single_pen,
        judgements: judged,
        judge: None,
    }
}

/// Replays a series file through the rules and prints the alerts.
pub fn replay(input: &Path, herd_size: Option<u32>, how: &ReplayArgs) -> anyhow::Result<()> {
    let rules = read_rules(how.rules.as_deref())?;
    if herd_size == Some(0) {
        bail!("--herd-size must be at least 1");
    }
    let judged = read_feedback(how)?;
    let opts = options(how, judged.as_ref());
    let json = how.json;
    let file =
        std::fs::File::open(input).with_context(|| format!("cannot open {}", input.display()))?;
    let alerts =
        replay_csv(file, herd_size, &rules, &opts).with_context(|| input.display().to_string())?;
    if json {
        serde_json::to_writer_pretty(std::io::stdout().lock(), &alerts)?;
        println!();
    } else {
        print!("{}", to_text(&alerts));
    }
    Ok(())
}

fn minutes(m: Option<f64>) -> String {
    match m {
        None => "-".into(),
        Some(m) if m >= 60.0 => format!("{} h {:02} min", m as i64 / 60, m as i64 % 60),
        Some(m) => format!("{m:.0} min"),
    }
}

/// Replays a labelled set and prints its score.
pub fn eval(dir: &Path, simulate_feedback: bool, how: &ReplayArgs) -> anyhow::Result<()> {
    let rules = read_rules(how.rules.as_deref())?;
    let judged = read_feedback(how)?;
    let opts = options(how, judged.as_ref());
    let json = how.json;
    let (alerts, s) = eval_dir(dir, &rules, &opts, simulate_feedback)?;
    if json {
        let out = serde_json::json!({ "score": s, "alerts": alerts });
        serde_json::to_writer_pretty(std::io::stdout().lock(), &out)?;
        println!();
        return Ok(());
    }
    let pct = |a: usize, b: usize| 100.0 * a as f64 / b.max(1) as f64;
    println!(
        "anomalies caught: {}/{} = {:.1} %, {} within 45 min; median delay {}",
        s.caught,
        s.anomalies,
        pct(s.caught, s.anomalies),
        s.caught_within_45min,
        minutes(s.median_delay_min)
    );
    println!(
        "false alerts per camera-day: {} on {} normal camera-days = {:.3}",
        s.false_on_normal_days,
        s.normal_camera_days,
        s.false_per_camera_day.unwrap_or(0.0)
    );
    println!(
        "hard-normal periods alerted: {}/{} {}",
        s.hard_normal_alerted.len(),
        s.hard_normal_total,
        s.hard_normal_alerted.join(" ")
    );
    println!("per kind:");
    for (k, v) in &s.per_kind {
        println!(
            "  {k:<17} {}/{}  median delay {}",
            v.caught,
            v.total,
            minutes(v.median_delay_min)
        );
    }
    println!("per rule:");
    for (k, v) in &s.per_rule {
        println!(
            "  {k:<19} {} alerts, {} false ({} on normal days)",
            v.alerts, v.false_alerts, v.false_on_normal_days
        );
    }
    println!("anomalies:");
    for a in &s.per_anomaly {
        match (&a.rule, a.delay_min) {
            (Some(r), d) => println!(
                "  {} {} {:<17} caught by {r} after {}",
                a.id,
                a.source,
                a.kind,
                minutes(d)
            ),
            _ => println!("  {} {} {:<17} MISSED", a.id, a.source, a.kind),
        }
    }
    println!("false alerts:");
    for (src, rule, opened, resolved) in &s.false_alerts {
        println!(
            "  {src} {rule} {} .. {}",
            iso_utc(*opened),
            resolved.map(iso_utc).unwrap_or_else(|| "-".into())
        );
    }
    Ok(())
}
