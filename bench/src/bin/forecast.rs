//! Forecasting benchmark, side by side in one run on the same machine and
//! series: the fit time of animov-forecast (one thread, then all cores) and of
//! statsmodels 0.15 (the peer, `bench/forecast_peer.py`) for
//! (1,1,1)(1,1,1,96) and the default spec (1,0,1)(0,1,1,96), on 7 days and
//! on 28 days of 15-minute data with missing values, the ratios, and both
//! log-likelihoods.
//!
//! Series: 7 days of the goat-like fixture `tests/fixtures/forecast/goat15.csv`
//! (17 missing buckets, two of them in the first day, while the diffuse
//! states resolve — the slow case of our filter), and 7 and 28 days
//! of pen-c of `../shared/eval/alerts-dev/series.csv` (data the project did
//! not make): days 10–17 and 7–35, each with its 6 missing buckets (day 14).
//! Other series: `--series FILE.csv --source NAME [--from-day D] --days N`.
//!
//! `bash bench/forecast.sh` (sets up statsmodels), or
//! `cargo run --release -p animov-bench --bin forecast-bench`.

use std::{collections::BTreeMap, path::Path, process::Command, time::Instant};

use animov_forecast::{Sarimax, SarimaxSpec};
use anyhow::Context;

struct Case {
    name: String,
    y: Vec<f64>,
}

fn goat_fixture() -> anyhow::Result<Case> {
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/forecast/goat15.csv");
    let mut r = csv::Reader::from_path(&fixture).with_context(|| fixture.display().to_string())?;
    let y: Vec<f64> = r
        .records()
        .map(|rec| rec.map(|r| r[1].parse::<f64>().unwrap_or(f64::NAN)))
        .collect::<Result<_, _>>()?;
    Ok(Case {
        name: "goat fixture, 7 days".into(),
        y: y[..7 * 96].to_vec(),
    })
}

/// `days` of one source of a `timestamp,source,…,ratio_standing` file from
/// `from_day` days after its first row, on a 15-minute grid (a bucket without
/// a row is missing).
fn eval_series(path: &Path, source: &str, from_day: usize, days: usize) -> anyhow::Result<Case> {
    let mut r = csv::Reader::from_path(path).with_context(|| path.display().to_string())?;
    let headers = r.headers()?.clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .with_context(|| format!("{}: no column {name}", path.display()))
    };
    let (ts, src, ratio) = (col("timestamp")?, col("source")?, col("ratio_standing")?);
    let mut points: BTreeMap<i64, f64> = BTreeMap::new();
    for rec in r.records() {
        let rec = rec?;
        if &rec[src] != source {
            continue;
        }
        let t = chrono::DateTime::parse_from_rfc3339(&rec[ts])
            .with_context(|| format!("timestamp {:?}", &rec[ts]))?
            .timestamp();
        points.insert(t / 900, rec[ratio].parse().unwrap_or(f64::NAN));
    }
    let first = *points.keys().next().context("no row for that source")? + from_day as i64 * 96;
    let y = (0..days as i64 * 96)
        .map(|k| points.get(&(first + k)).copied().unwrap_or(f64::NAN))
        .collect();
    Ok(Case {
        name: format!("{source}, days {from_day}–{}", from_day + days),
        y,
    })
}

struct Peer {
    seconds: f64,
    llf: f64,
}

fn statsmodels(y: &[f64], spec: &SarimaxSpec) -> anyhow::Result<Peer> {
    let dir = tempfile::tempdir()?;
    let input = dir.path().join("series.json");
    let ys: Vec<serde_json::Value> = y
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
        serde_json::to_vec(&serde_json::json!({
            "y": ys,
            "order": [spec.p, spec.d, spec.q],
            "seasonal_order": [spec.sp, spec.sd, spec.sq, spec.s],
            "h": 1,
        }))?,
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
    Ok(Peer {
        seconds: peer["fit_seconds"].as_f64().unwrap_or(f64::NAN),
        llf: peer["llf"].as_f64().unwrap_or(f64::NAN),
    })
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let cases = if let Some(series) = arg("--series") {
        let days = arg("--days").map_or(Ok(28), |d| d.parse())?;
        vec![eval_series(
            Path::new(&series),
            &arg("--source").context("--source NAME")?,
            arg("--from-day").map_or(Ok(0), |d| d.parse())?,
            days,
        )?]
    } else {
        let pens =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/eval/alerts-dev/series.csv");
        let mut cases = vec![goat_fixture()?];
        for (from_day, days) in [(10, 7), (7, 28)] {
            match eval_series(&pens, "pen-c", from_day, days) {
                Ok(c) => cases.push(c),
                Err(e) => eprintln!("skipping pen-c: {e:#}"),
            }
        }
        cases
    };
    let specs = ["(1,1,1)(1,1,1,96)", "(1,0,1)(0,1,1,96)"];
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "| series | buckets (missing) | spec | animov 1 thread | animov {cores} threads | statsmodels 0.15 | ratio 1 thread | ratio {cores} threads | llf animov | llf statsmodels | relative difference |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for case in &cases {
        let missing = case.y.iter().filter(|v| !v.is_finite()).count();
        for spec in specs {
            let spec = SarimaxSpec::parse(spec)?;
            let t = Instant::now();
            let one = Sarimax::new(spec).with_threads(1).fit(&case.y, None)?;
            let one_s = t.elapsed().as_secs_f64();
            let t = Instant::now();
            let all = Sarimax::new(spec).with_threads(cores).fit(&case.y, None)?;
            let all_s = t.elapsed().as_secs_f64();
            let peer = statsmodels(&case.y, &spec)?;
            let llf = one.llf().min(all.llf());
            println!(
                "| {} | {} ({missing}) | {spec} | {one_s:.2} s | {all_s:.2} s | {:.1} s | {:.0}× | {:.0}× | {llf:.3} | {:.3} | {:+.1e} |",
                case.name,
                case.y.len(),
                peer.seconds,
                peer.seconds / one_s,
                peer.seconds / all_s,
                peer.llf,
                (llf - peer.llf) / peer.llf.abs(),
            );
        }
    }
    println!(
        "\nllf animov: the lower of its two fits; relative difference (animov − statsmodels) / |statsmodels|, ≥ 0 when ours is at least as likely."
    );
    Ok(())
}
