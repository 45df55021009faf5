//! Parity with statsmodels' SARIMAX on the fixtures of
//! `bench/forecast_reference.py` (statsmodels 0.15.0): a real seasonal dataset
//! shipped with statsmodels (monthly CO2) and a goat-like 15-minute series with
//! missing buckets, with and without a regressor.
//!
//! * our log-likelihood at statsmodels' parameters: within 1e-6 relative;
//! * our fitted log-likelihood: at least statsmodels' − 1e-6 relative;
//! * our forecasts: RMSE against theirs within 1 % of the series' scale.

use std::path::{Path, PathBuf};

use animov_forecast::{Sarimax, SarimaxSpec};
use serde_json::Value;

/// Read when the test runs (not built in): a test binary reused from
/// another checkout's build reads this checkout's files.
fn fixtures() -> PathBuf {
    Path::new(&std::env::var("CARGO_MANIFEST_DIR").expect("run by cargo test"))
        .join("../../tests/fixtures/forecast")
}

fn column(file: &str, name: &str) -> Vec<f64> {
    let mut r = csv::Reader::from_path(fixtures().join(file)).unwrap();
    let idx = r.headers().unwrap().iter().position(|h| h == name).unwrap();
    r.records()
        .map(|rec| rec.unwrap()[idx].parse::<f64>().unwrap_or(f64::NAN))
        .collect()
}

fn reference() -> Value {
    serde_json::from_slice(&std::fs::read(fixtures().join("reference.json")).unwrap()).unwrap()
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

struct Case {
    name: &'static str,
    y: Vec<f64>,
    exog: Option<Vec<Vec<f64>>>,
    exog_future: Option<Vec<Vec<f64>>>,
}

fn cases() -> Vec<Case> {
    let co2 = column("co2_monthly.csv", "co2");
    let goat = column("goat15.csv", "ratio_standing");
    let feeding = column("goat15.csv", "feeding");
    let train = 7 * 96;
    vec![
        Case {
            name: "co2_111_011_12",
            y: co2[..co2.len() - 24].to_vec(),
            exog: None,
            exog_future: None,
        },
        Case {
            name: "goat_111_111_96",
            y: goat[..train].to_vec(),
            exog: None,
            exog_future: None,
        },
        Case {
            name: "goat_exog_101_011_96",
            y: goat[..train].to_vec(),
            exog: Some(vec![feeding[..train].to_vec()]),
            exog_future: Some(vec![feeding[train..].to_vec()]),
        },
    ]
}

fn spec_of(r: &Value) -> SarimaxSpec {
    let o = floats(&r["order"]);
    let s = floats(&r["seasonal_order"]);
    SarimaxSpec::parse(&format!(
        "({},{},{})({},{},{},{})",
        o[0], o[1], o[2], s[0], s[1], s[2], s[3]
    ))
    .unwrap()
}

fn find<'a>(reference: &'a Value, name: &str) -> &'a Value {
    reference["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap()
}

#[test]
fn loglikelihood_at_statsmodels_parameters_matches() {
    let reference = reference();
    for c in cases() {
        let r = find(&reference, c.name);
        let model = Sarimax::new(spec_of(r));
        for (params, llf) in [
            (floats(&r["params"]), r["llf"].as_f64().unwrap()),
            (floats(&r["test_params"]), r["test_llf"].as_f64().unwrap()),
        ] {
            let ours = model.loglike(&c.y, c.exog.as_deref(), &params).unwrap();
            let rel = (ours - llf).abs() / llf.abs();
            println!(
                "{}: llf ours {ours:.9} statsmodels {llf:.9} (rel {rel:.2e})",
                c.name
            );
            assert!(rel < 1e-6, "{}: {ours} vs {llf}", c.name);
        }
    }
}

#[test]
fn fits_at_least_as_well_and_forecasts_alike() {
    let reference = reference();
    for c in cases() {
        let r = find(&reference, c.name);
        let started = std::time::Instant::now();
        let fitted = Sarimax::new(spec_of(r))
            .fit(&c.y, c.exog.as_deref())
            .unwrap();
        let theirs = r["llf"].as_f64().unwrap();
        let rel = (fitted.llf() - theirs) / theirs.abs();
        println!(
            "{}: fitted llf ours {:.6} statsmodels {theirs:.6} (rel {rel:+.2e}), {} iterations, {:.1} s; params ours {:?} theirs {:?}",
            c.name,
            fitted.llf(),
            fitted.iterations(),
            started.elapsed().as_secs_f64(),
            fitted.params(),
            floats(&r["params"]),
        );
        assert!(
            rel >= -1e-6,
            "{}: our fit {} is worse than statsmodels' {theirs}",
            c.name,
            fitted.llf()
        );
        let mean_theirs = floats(&r["forecast"]["mean"]);
        let h = mean_theirs.len();
        let f = fitted.forecast(h, c.exog_future.as_deref()).unwrap();
        let rmse = (f
            .mean
            .iter()
            .zip(&mean_theirs)
            .map(|(a, b)| (a - b).powi(2))
            .sum::<f64>()
            / h as f64)
            .sqrt();
        let observed: Vec<f64> = c.y.iter().copied().filter(|v| v.is_finite()).collect();
        let scale = (observed.iter().map(|v| v * v).sum::<f64>() / observed.len() as f64).sqrt();
        println!(
            "{}: forecast RMSE vs statsmodels {rmse:.4} ({:.3} % of the series' RMS)",
            c.name,
            100.0 * rmse / scale
        );
        assert!(
            rmse / scale < 0.01,
            "{}: forecasts differ by {rmse}",
            c.name
        );
        let up = floats(&r["forecast"]["upper95"]);
        let width_ours = f.upper95[h - 1] - f.mean[h - 1];
        let width_theirs = up[h - 1] - mean_theirs[h - 1];
        assert!(
            (width_ours / width_theirs - 1.0).abs() < 0.05,
            "{}: 95 % interval {width_ours} vs {width_theirs}",
            c.name
        );
    }
}
