//! Forecast quality on held-out days, as the product makes its forecasts:
//! for each of the last `--test-days` days of each source, at midnight, the
//! candidate models are backtested on the history before (3 rolling 2-day
//! holdouts, each fitted on the 7 days before it — what the nightly
//! retraining does), the best is fitted on the last 7 days and forecasts the
//! next 24 h. Printed per source and pooled: RMSE of that forecast, of each
//! candidate kept fixed, of the seasonal naive forecast and of the seasonal
//! mean of the last 3 days, the improvement over the seasonal naive, and the
//! share of observed values inside the 95 % interval.
//!
//! Default data: `../shared/eval/alerts-dev/series.csv` (4 pens, 35 days, a
//! labelled set for the alert rules that the project did not generate).
//!
//! `cargo run --release -p animov-bench --bin forecast-quality [-- --series FILE --test-days 14]`

use std::{cell::RefCell, collections::BTreeMap, collections::HashMap, path::Path};

use animov_forecast::{
    FittedSarimax, Forecast, ForecastError, Sarimax, SarimaxSpec,
    backtest::{self, Plan},
    baseline::{seasonal_mean, seasonal_naive},
};
use anyhow::Context;

const CANDIDATES: [&str; 3] = [
    "(1,0,1)(0,1,1,96)",
    "(1,1,1)(1,1,1,96)",
    "(2,0,0)(0,1,1,96)",
];
const DAY: usize = 96;
const FIT: usize = 7 * DAY;

/// Every source of a `timestamp,source,…,ratio_standing` file on one
/// 15-minute grid from the file's first bucket (no row: missing).
fn read(path: &Path) -> anyhow::Result<BTreeMap<String, Vec<f64>>> {
    let mut r = csv::Reader::from_path(path).with_context(|| path.display().to_string())?;
    let h = r.headers()?.clone();
    let col = |n: &str| {
        h.iter()
            .position(|x| x == n)
            .with_context(|| format!("no column {n}"))
    };
    let (ts, src, ratio) = (col("timestamp")?, col("source")?, col("ratio_standing")?);
    let mut points: BTreeMap<String, BTreeMap<i64, f64>> = BTreeMap::new();
    for rec in r.records() {
        let rec = rec?;
        let t = chrono::DateTime::parse_from_rfc3339(&rec[ts])?.timestamp() / 900;
        points
            .entry(rec[src].to_string())
            .or_default()
            .insert(t, rec[ratio].parse().unwrap_or(f64::NAN));
    }
    let first = points
        .values()
        .filter_map(|p| p.keys().next())
        .min()
        .copied()
        .context("empty")?;
    let last = points
        .values()
        .filter_map(|p| p.keys().last())
        .max()
        .copied()
        .context("empty")?;
    let len = ((last - first + 1) as usize).div_ceil(DAY) * DAY;
    Ok(points
        .into_iter()
        .map(|(s, p)| {
            let y = (0..len as i64)
                .map(|k| p.get(&(first + k)).copied().unwrap_or(f64::NAN))
                .collect();
            (s, y)
        })
        .collect())
}

/// Squared errors and interval hits, pooled.
#[derive(Default, Clone)]
struct Acc {
    sq: f64,
    n: usize,
    inside: usize,
    banded: usize,
}

impl Acc {
    fn add(&mut self, f: &Forecast, actual: &[f64]) {
        for (k, a) in actual.iter().enumerate() {
            let Some(m) = f.mean.get(k).filter(|m| m.is_finite() && a.is_finite()) else {
                continue;
            };
            self.sq += (m - a).powi(2);
            self.n += 1;
            if let (Some(lo), Some(hi)) = (f.lower95.get(k), f.upper95.get(k)) {
                self.banded += 1;
                self.inside += usize::from(lo <= a && a <= hi);
            }
        }
    }
    fn merge(&mut self, o: &Acc) {
        self.sq += o.sq;
        self.n += o.n;
        self.inside += o.inside;
        self.banded += o.banded;
    }
    fn rmse(&self) -> f64 {
        (self.sq / self.n.max(1) as f64).sqrt()
    }
    fn coverage(&self) -> String {
        if self.banded == 0 {
            "—".into()
        } else {
            format!("{:.1} %", 100.0 * self.inside as f64 / self.banded as f64)
        }
    }
}

/// The table of one source (or all): the chosen forecasts, then each method;
/// `naive` is the seasonal naive's index in `per`.
fn table(picks: &str, chosen: &Acc, names: &[String], per: &[Acc], naive: usize) {
    let naive = per[naive].rmse();
    let line = |name: &str, acc: &Acc| {
        println!(
            "| {name} | {:.2} | {:+.1} % | {} |",
            acc.rmse(),
            100.0 * (acc.rmse() / naive - 1.0),
            acc.coverage()
        )
    };
    println!(
        "| forecast of the next 24 h | RMSE (points of %) | vs seasonal naive | inside the 95 % interval |"
    );
    println!("|---|---|---|---|");
    line(
        &format!("**chosen each night by backtests** {picks}"),
        chosen,
    );
    for (name, acc) in names.iter().zip(per) {
        line(name, acc);
    }
}

fn point(mean: Vec<f64>) -> Forecast {
    Forecast {
        mean,
        ..Forecast::default()
    }
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |n: &str| {
        args.iter()
            .position(|a| a == n)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let path = arg("--series").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/eval/alerts-dev/series.csv"),
        Into::into,
    );
    let test_days: usize = arg("--test-days").map_or(Ok(14), |d| d.parse())?;
    let specs: Vec<SarimaxSpec> = CANDIDATES
        .iter()
        .map(|s| SarimaxSpec::parse(s))
        .collect::<Result<_, _>>()?;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let plan = Plan {
        horizon: 2 * DAY,
        folds: 3,
        min_train: 3 * DAY,
        max_train: FIT,
    };
    let series = read(&path)?;
    let names: Vec<String> = specs
        .iter()
        .map(ToString::to_string)
        .chain(["seasonal naive".into(), "seasonal mean of 3 days".into()])
        .collect();
    let mut total_chosen = Acc::default();
    let mut total: Vec<Acc> = vec![Acc::default(); names.len()];
    println!(
        "Data: {} — the last {test_days} days of each source, forecast at midnight for the next 24 h.\n",
        path.display()
    );
    for (source, y) in &series {
        let days = y.len() / DAY;
        anyhow::ensure!(days > test_days + 9, "{source}: {days} days are too few");
        // Fits by (candidate, origin): a fold's fit is an earlier day's fit.
        let cache: RefCell<HashMap<(usize, usize), Result<FittedSarimax, ForecastError>>> =
            RefCell::default();
        let fitted = |ci: usize, origin: usize| -> Result<FittedSarimax, ForecastError> {
            if let Some(f) = cache.borrow().get(&(ci, origin)) {
                return f.clone();
            }
            let f = Sarimax::new(specs[ci])
                .with_threads(threads)
                .fit(&y[origin.saturating_sub(FIT)..origin], None);
            cache.borrow_mut().insert((ci, origin), f.clone());
            f
        };
        let mut chosen = Acc::default();
        let mut per: Vec<Acc> = vec![Acc::default(); names.len()];
        let mut picks: BTreeMap<String, usize> = BTreeMap::new();
        for d in days - test_days..days {
            let origin = d * DAY;
            let actual = &y[origin..origin + DAY];
            let history = &y[..origin];
            let scores: Vec<_> = (0..specs.len())
                .map(|ci| {
                    backtest::score(history, &plan, &|train: &[f64], start, h| {
                        fitted(ci, start + train.len())?.forecast(h, None)
                    })
                })
                .collect();
            if let Some(best) = backtest::best(&scores) {
                *picks.entry(specs[best].to_string()).or_default() += 1;
                if let Ok(f) = fitted(best, origin).and_then(|m| m.forecast(DAY, None)) {
                    chosen.add(&f, actual);
                }
            }
            for (ci, acc) in per.iter_mut().enumerate().take(specs.len()) {
                if let Ok(f) = fitted(ci, origin).and_then(|m| m.forecast(DAY, None)) {
                    acc.add(&f, actual);
                }
            }
            per[specs.len()].add(&point(seasonal_naive(history, DAY, DAY)?), actual);
            per[specs.len() + 1].add(&point(seasonal_mean(history, DAY, 3, DAY)?), actual);
            eprint!(
                "\r{source}: day {} of {test_days}   ",
                d + test_days + 1 - days
            );
        }
        eprintln!();
        let picked: Vec<String> = picks.iter().map(|(k, v)| format!("{k} ×{v}")).collect();
        println!("### {source}\n");
        table(
            &format!("({})", picked.join(", ")),
            &chosen,
            &names,
            &per,
            specs.len(),
        );
        println!();
        total_chosen.merge(&chosen);
        for (t, a) in total.iter_mut().zip(&per) {
            t.merge(a);
        }
    }
    println!("### All sources pooled\n");
    table("", &total_chosen, &names, &total, specs.len());
    Ok(())
}
