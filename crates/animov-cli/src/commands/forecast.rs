//! `animov forecast eval`: needs no data folder.

use std::path::Path;

use animov_engine::forecasting::eval::{evaluate, read_series, to_text};
use anyhow::{Context, bail};

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
