//! `animov forecast eval` (needs no data folder) and `animov forecast retrain`.

use std::path::Path;

use animov_api::{CameraRetrainState, RetrainRun};
use animov_engine::forecasting::{
    eval::{evaluate, read_series, to_text},
    nightly,
};
use anyhow::{Context, bail};

use crate::{args::Global, setup};

/// Fits and scores each source of a series file; prints text or JSON.
pub fn eval(input: &Path, spec: &str, holdout_days: u32, json: bool) -> anyhow::Result<()> {
    let spec = animov_forecast::SarimaxSpec::parse(spec)?;
    if holdout_days == 0 || holdout_days > 60 {
        bail!("--holdout-days must be between 1 and 60");
    }
    let file =
        std::fs::File::open(input).with_context(|| format!("cannot open {}", input.display()))?;
    let series = read_series(file).with_context(|| input.display().to_string())?;
    let mut results = Vec::new();
    let mut failed = Vec::new();
    for s in &series {
        match evaluate(s, spec, holdout_days as usize * 96) {
            Ok(r) => {
                if !json {
                    print!("{}", to_text(&r));
                }
                results.push(r);
            }
            Err(e) => {
                eprintln!("animov forecast eval: {e}");
                failed.push(s.source.clone());
            }
        }
    }
    if json {
        serde_json::to_writer_pretty(std::io::stdout().lock(), &results)?;
        println!();
    }
    if !failed.is_empty() {
        bail!(
            "{} of {} sources could not be evaluated: {}",
            failed.len(),
            series.len(),
            failed.join(", ")
        );
    }
    Ok(())
}

/// Retrains every camera's model (or one), printing a line per camera.
pub async fn retrain(global: &Global, source: Option<&str>, json: bool) -> anyhow::Result<()> {
    let s = setup::prepare(global)?;
    let engine = animov_engine::open(&s.data_dir, s.config).await?;
    // The bundled model is the production model every camera is compared
    // with until it has its own (the server registers it at its first start).
    if let Err(e) = animov_engine::forecasting::bundled::ensure_bundled(&engine).await {
        tracing::warn!(error = %e, "the bundled forecast model could not be registered");
    }
    let run = nightly::run_now(&engine, source).await;
    engine.store.close().await;
    let run = run?;
    if json {
        println!("{}", serde_json::to_string_pretty(&run)?);
    } else {
        print!("{}", render(&run));
    }
    let failed = run
        .cameras
        .iter()
        .filter(|c| c.state == CameraRetrainState::Failed)
        .count();
    if failed > 0 {
        bail!(
            "{failed} of {} cameras could not be retrained",
            run.cameras.len()
        );
    }
    Ok(())
}

fn rmse(v: Option<f64>) -> String {
    v.map_or_else(|| "—".into(), |v| format!("{v:.2}"))
}

/// One line per camera (outcome, chosen model, its backtest error) and its
/// backtest table: each candidate, the baselines and production.
fn render(run: &RetrainRun) -> String {
    let mut out = format!("candidates {}\n", run.spec);
    for c in &run.cameras {
        let line = match c.state {
            CameraRetrainState::Trained => format!(
                "{:<16} model {} {} {} · backtest RMSE {} (seasonal naive {}, production {}) · {:.1} s",
                c.source,
                c.model_id.unwrap_or_default(),
                c.spec.as_deref().unwrap_or("?"),
                if c.promoted {
                    "promoted"
                } else {
                    "kept in staging"
                },
                rmse(c.validation_rmse),
                rmse(c.baseline_rmse),
                rmse(c.production_rmse),
                c.seconds
            ),
            CameraRetrainState::Skipped => format!("{:<16} skipped: {}", c.source, c.message),
            CameraRetrainState::Failed => format!("{:<16} failed: {}", c.source, c.message),
            CameraRetrainState::Pending => format!("{:<16} not done", c.source),
        };
        out.push_str(&line);
        out.push('\n');
        if !c.backtest.is_empty() {
            out.push_str(&format!(
                "    {:<32} {:>6}  {:>13}  per 2-day holdout\n",
                "method", "RMSE", "95 % coverage"
            ));
        }
        for r in &c.backtest {
            let name = if r.chosen {
                format!("{} (chosen)", r.method)
            } else {
                r.method.clone()
            };
            let folds: Vec<String> = r.fold_rmse.iter().map(|v| rmse(*v)).collect();
            out.push_str(&format!(
                "    {name:<32} {:>6}  {:>13}  {}{}\n",
                rmse(r.rmse),
                r.coverage95
                    .map_or_else(|| "—".into(), |v| format!("{:.0} %", v * 100.0)),
                folds.join(" · "),
                r.error
                    .as_deref()
                    .map(|e| format!(" ({e})"))
                    .unwrap_or_default()
            ));
        }
    }
    out
}
