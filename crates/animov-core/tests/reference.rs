//! Statistics against reference values computed with pandas/numpy by
//! `bench/reference_stats.py` on the committed `tests/fixtures/frames.csv`
//! (3 sources, 2 to 4 hours each, irregular spacing, one-frame and empty minutes).

use std::collections::{BTreeMap, HashMap};

use animov_api::Stat;
use animov_core::{
    FrameCount,
    consolidate::{Consolidated, consolidate_by},
    minute::{MinuteRow, minute_rows},
    series::{PostureHists, series},
};

/// The fixtures, found when the test runs (a test binary reused from another
/// checkout's build reads this checkout's files).
fn fixtures() -> String {
    format!(
        "{}/../../tests/fixtures",
        std::env::var("CARGO_MANIFEST_DIR").expect("run by cargo test")
    )
}
const TOL: f64 = 1e-9;

type Row = HashMap<String, String>;

fn read(name: &str) -> Vec<Row> {
    let mut r = csv::Reader::from_path(format!("{}/{name}", fixtures())).expect(name);
    let headers: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    r.records()
        .map(|rec| {
            headers
                .iter()
                .cloned()
                .zip(rec.unwrap().iter().map(String::from))
                .collect()
        })
        .collect()
}

fn frames_by_source() -> BTreeMap<String, Vec<FrameCount>> {
    let mut out: BTreeMap<String, Vec<FrameCount>> = BTreeMap::new();
    for r in read("frames.csv") {
        out.entry(r["source"].clone())
            .or_default()
            .push(FrameCount {
                ts_ms: r["ts_ms"].parse().unwrap(),
                lying: r["lying"].parse().unwrap(),
                standing: r["standing"].parse().unwrap(),
            });
    }
    out
}

/// Largest absolute difference seen, and where.
#[derive(Default)]
struct Worst(f64, String);

impl Worst {
    fn check(&mut self, what: &str, got: f64, want: f64) {
        let d = (got - want).abs();
        assert!(d <= TOL, "{what}: got {got}, pandas {want} (|Δ| = {d:e})");
        if d > self.0 {
            *self = Worst(d, what.to_string());
        }
    }

    fn check_opt(&mut self, what: &str, got: Option<f64>, want: &str) {
        match (got, want) {
            (None, "") => {}
            (Some(g), w) if !w.is_empty() => self.check(what, g, w.parse().unwrap()),
            (g, w) => panic!("{what}: got {g:?}, pandas {w:?}"),
        }
    }

    fn stat(&mut self, at: &str, f: &str, s: &Stat, r: &Row) {
        let num = |k: &str| -> f64 { r[&format!("{f}_{k}")].parse().unwrap() };
        self.check(&format!("{at} {f}.sum"), s.sum as f64, num("sum"));
        self.check(&format!("{at} {f}.mean"), s.mean, num("mean"));
        self.check_opt(&format!("{at} {f}.std"), s.std, &r[&format!("{f}_std")]);
        self.check(&format!("{at} {f}.min"), s.min as f64, num("min"));
        self.check(&format!("{at} {f}.max"), s.max as f64, num("max"));
        self.check(&format!("{at} {f}.q1"), s.q1, num("q1"));
        self.check(&format!("{at} {f}.q2"), s.q2, num("q2"));
        self.check(&format!("{at} {f}.q3"), s.q3, num("q3"));
        self.check(&format!("{at} {f}.mode"), s.mode as f64, num("mode"));
    }
}

fn minutes() -> BTreeMap<String, Vec<MinuteRow>> {
    frames_by_source()
        .into_iter()
        .map(|(s, f)| (s, minute_rows(&f)))
        .collect()
}

#[test]
fn minute_statistics_match_pandas() {
    let ours = minutes();
    let refs = read("ref_minutes.csv");
    assert_eq!(
        refs.len(),
        ours.values().map(Vec::len).sum::<usize>(),
        "same minutes"
    );
    assert!(
        refs.iter().any(|r| r["nb_frames"] == "1"),
        "fixture has one-frame minutes"
    );
    let index: HashMap<(String, i64), &MinuteRow> = ours
        .iter()
        .flat_map(|(s, rows)| rows.iter().map(move |r| ((s.clone(), r.minute_ts), r)))
        .collect();
    let mut worst = Worst::default();
    for r in &refs {
        let key = (r["source"].clone(), r["minute_ts"].parse().unwrap());
        let row = index
            .get(&key)
            .unwrap_or_else(|| panic!("missing minute {key:?}"));
        let at = format!("{} @ {}", key.0, key.1);
        assert_eq!(row.nb_frames.to_string(), r["nb_frames"], "{at}");
        worst.stat(&at, "total", &row.total.stat, r);
        worst.stat(&at, "lying", &row.lying.stat, r);
        worst.stat(&at, "standing", &row.standing.stat, r);
    }
    println!(
        "minutes: {} rows, max |Δ| vs pandas = {:e} ({})",
        refs.len(),
        worst.0,
        worst.1
    );
}

fn check_windows(file: &str, key: &str, width: i64) {
    let refs = read(file);
    let mut worst = Worst::default();
    let mut n = 0;
    for (source, rows) in minutes() {
        let pooled: Vec<(i64, Consolidated)> = consolidate_by(&rows, width);
        for (ts, c) in pooled {
            let r = refs
                .iter()
                .find(|r| r["source"] == source && r[key] == ts.to_string())
                .expect("window in reference");
            let at = format!("{source} {key}={ts}");
            assert_eq!(c.nb_frames.to_string(), r["nb_frames"], "{at}");
            worst.stat(&at, "total", c.total.as_ref().unwrap(), r);
            worst.stat(&at, "lying", c.lying.as_ref().unwrap(), r);
            worst.stat(&at, "standing", c.standing.as_ref().unwrap(), r);
            n += 1;
        }
    }
    assert_eq!(n, refs.len());
    println!(
        "{file}: {n} windows pooled from minutes, max |Δ| vs direct pandas = {:e} ({})",
        worst.0, worst.1
    );
}

#[test]
fn pooled_hours_equal_direct_statistics_over_frames() {
    check_windows("ref_hours.csv", "hour_ts", 3_600_000);
}

#[test]
fn pooled_days_equal_direct_statistics_over_frames() {
    check_windows("ref_days.csv", "day_ts", 86_400_000);
}

#[test]
fn fifteen_minute_series_match_pandas() {
    let refs = read("ref_series15.csv");
    let mut worst = Worst::default();
    let mut n = 0;
    for (source, rows) in minutes() {
        let hists: Vec<PostureHists> = rows.iter().map(PostureHists::from).collect();
        for p in series(&hists, 900_000) {
            let r = refs
                .iter()
                .find(|r| r["source"] == source && r["ts"] == p.ts.to_string())
                .expect("bucket in reference");
            let at = format!("{source} ts={}", p.ts);
            assert_eq!(p.nb_frames.to_string(), r["nb_frames"], "{at}");
            worst.check(&format!("{at} lying"), p.lying, r["lying"].parse().unwrap());
            worst.check(
                &format!("{at} standing"),
                p.standing,
                r["standing"].parse().unwrap(),
            );
            worst.check_opt(
                &format!("{at} ratio"),
                p.ratio_standing,
                &r["ratio_standing"],
            );
            n += 1;
        }
    }
    assert_eq!(n, refs.len());
    println!(
        "15-min series: {n} buckets, max |Δ| vs pandas = {:e} ({})",
        worst.0, worst.1
    );
}
