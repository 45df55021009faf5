//! Forecasting benchmark, side by side in one run: SARIMAX(1,1,1)(1,1,1,96) on
//! 7 days of the goat-like 15-minute fixture — fit time of animov-forecast and
//! of statsmodels (the peer, `bench/forecast_peer.py`), and RMSE on the 2 days
//! that follow for ours, statsmodels' and the seasonal naive forecast.
//!
//! `bash bench/forecast.sh` (sets up statsmodels), or
//! `cargo run --release -p animov-bench --bin forecast-bench`.

use std::{path::Path, process::Command, time::Instant};

use animov_forecast::{
    Sarimax, SarimaxSpec,
    baseline::{rmse, seasonal_mean, seasonal_naive},
};
use anyhow::Context;

fn main() -> anyhow::Result<()> {
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/forecast/goat15.csv");
    let mut r = csv::Reader::from_path(&fixture).with_context(|| fixture.display().to_string())?;
    let y: Vec<f64> = r
        .records()
        .map(|rec| rec.map(|r| r[1].parse::<f64>().unwrap_or(f64::NAN)))
        .collect::<Result<_, _>>()?;
    let (train, test) = y.split_at(7 * 96);
    let h = test.len();
    let spec = SarimaxSpec::parse("(1,1,1)(1,1,1,96)")?;

    let t = Instant::now();
    let fitted = Sarimax::new(spec).fit(train, None)?;
    let ours_s = t.elapsed().as_secs_f64();
    let ours = fitted.forecast(h, None)?;

    let dir = tempfile::tempdir()?;
    let input = dir.path().join("series.json");
    let ys: Vec<serde_json::Value> = train
        .iter()
        .map(|v| {
            if v.is_finite() {
                serde_json::json!(v)
            } else {
                serde_json::Value::Null
            }
        })
        .collect();
    std::fs::write(
        &input,
        serde_json::to_vec(
            &serde_json::json!({"y": ys, "order": [1, 1, 1], "seasonal_order": [1, 1, 1, 96], "h": h}),
        )?,
    )?;
    let python = std::env::var("ANIMOV_BENCH_PYTHON").unwrap_or_else(|_| "python3".into());
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("forecast_peer.py");
    let out = Command::new(&python)
        .arg(script)
        .arg(&input)
        .output()
        .context("running the statsmodels peer")?;
    anyhow::ensure!(
        out.status.success(),
        "statsmodels peer failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let peer: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let peer_s = peer["fit_seconds"].as_f64().unwrap_or(f64::NAN);
    let peer_mean: Vec<f64> = peer["mean"]
        .as_array()
        .context("peer forecast")?
        .iter()
        .filter_map(|v| v.as_f64())
        .collect();

    let naive = seasonal_naive(train, 96, h)?;
    let mean3 = seasonal_mean(train, 96, 3, h)?;
    let fmt = |v: Option<f64>| v.map_or("n/a".into(), |v| format!("{v:.3}"));
    println!(
        "SARIMAX(1,1,1)(1,1,1,96), 7 days of 15-min data (672 buckets, {} missing), validated on the next 2 days\n",
        train.iter().filter(|v| !v.is_finite()).count()
    );
    println!("| | fit time | log-likelihood | validation RMSE |");
    println!("|---|---|---|---|");
    println!(
        "| animov-forecast | {ours_s:.1} s | {:.3} | {} |",
        fitted.llf(),
        fmt(rmse(&ours.mean, test))
    );
    println!(
        "| statsmodels 0.15.0 | {peer_s:.1} s | {:.3} | {} |",
        peer["llf"].as_f64().unwrap_or(f64::NAN),
        fmt(rmse(&peer_mean, test))
    );
    println!(
        "| seasonal naive (s = 96) | — | — | {} |",
        fmt(rmse(&naive, test))
    );
    println!(
        "| seasonal mean of 3 days | — | — | {} |",
        fmt(rmse(&mean3, test))
    );
    println!(
        "\nfit time ratio: statsmodels / animov-forecast = {:.1}×",
        peer_s / ours_s
    );
    Ok(())
}
