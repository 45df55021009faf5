//! `animov alerts replay` as an analyst runs it: five days of a simulated
//! pen whose last day has the herd down through the evening feed, goats
//! missing and the camera down for an hour; the alerts it prints, and its
//! messages for bad input. `animov alerts eval` on the alert development set
//! holds the figures reached, and agrees with the set's reference scorer.

use std::{path::Path, process::Command};

use animov_core::{
    FrameCount,
    alerts::input::buckets_from_frames,
    demo::{DemoHerd, DemoSettings},
    time::{DAY_MS, HOUR_MS, iso_utc},
};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_animov");
const DAY0: i64 = 1_732_838_400_000; // 2024-11-29T00:00Z
/// The day with the anomalies (four ordinary days before it).
const LAST_DAY: i64 = 4;

fn replay(csv: &str, args: &[&str]) -> (bool, String, String) {
    crate::common::cli_on_csv(&["alerts", "replay"], csv, args)
}

/// Five days of pen-a (20 goats, UTC+1): day 5 has everyone lying at
/// 16:00–17:30 UTC (the evening feed), 6 goats missing at 08:00–09:30 and no
/// picture at 19:00–20:00.
fn series() -> String {
    let s = DemoSettings {
        herd_size: 20,
        seed: 3,
        utc_offset_min: 60,
    };
    let mut herd = DemoHerd::new(s, DAY0);
    let day3 = DAY0 + LAST_DAY * DAY_MS;
    let frames: Vec<FrameCount> = herd
        .frames(DAY0, day3 + DAY_MS, 30_000)
        .into_iter()
        .filter(|f| !(day3 + 19 * HOUR_MS..day3 + 20 * HOUR_MS).contains(&f.ts_ms))
        .map(|mut f| {
            if (day3 + 16 * HOUR_MS..day3 + 17 * HOUR_MS + HOUR_MS / 2).contains(&f.ts_ms) {
                f = FrameCount {
                    lying: f.total(),
                    standing: 0,
                    ..f
                };
            }
            if (day3 + 8 * HOUR_MS..day3 + 9 * HOUR_MS + HOUR_MS / 2).contains(&f.ts_ms) {
                f.lying = f.lying.saturating_sub(6);
            }
            f
        })
        .collect();
    let mut csv = String::from("timestamp,source,lying,standing,total,ratio_standing\n");
    for b in buckets_from_frames(&frames) {
        csv.push_str(&format!(
            "{},pen-a,,,{},{}\n",
            iso_utc(b.ts),
            b.total.unwrap(),
            b.ratio.map_or(String::new(), |r| format!("{r:.2}"))
        ));
    }
    csv
}

#[test]
fn replay_prints_the_alerts_that_would_open_and_resolve() {
    let (ok, out, err) = replay(&series(), &["--herd-size", "20", "--json"]);
    assert!(ok, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let alerts = v.as_array().unwrap();
    let day3 = DAY0 + LAST_DAY * DAY_MS;
    let find = |rule: &str| {
        alerts
            .iter()
            .find(|a| a["rule"] == rule && a["opened_at"].as_i64().unwrap() >= day3)
            .unwrap_or_else(|| panic!("no {rule} alert on day 3 in {out}"))
    };
    let herd = find("herd_count_drop");
    // Missing from 08:00: two buckets below the limit by 08:30.
    assert_eq!(
        herd["opened_at"],
        day3 + 8 * HOUR_MS + HOUR_MS / 2,
        "{herd}"
    );
    assert!(herd["resolved_at"].as_i64().unwrap() > day3 + 9 * HOUR_MS + HOUR_MS / 2);
    let dev = find("forecast_deviation");
    let opened = dev["opened_at"].as_i64().unwrap();
    let since = dev["since"].as_i64().unwrap();
    // Two quarter hours far below this pen's usual evening: found 30 min in.
    assert!(
        (day3 + 16 * HOUR_MS..=day3 + 16 * HOUR_MS + HOUR_MS / 2).contains(&since),
        "{dev}"
    );
    assert_eq!(opened, since + 30 * 60_000, "{dev}");
    assert!(
        dev["message"].as_str().unwrap().contains("usually"),
        "{dev}"
    );
    let off = find("camera_offline");
    assert_eq!(off["severity"], "critical");
    assert_eq!(
        off["resolved_at"],
        day3 + 20 * HOUR_MS + 15 * 60_000,
        "{off}"
    );
    // The end of the file is no camera going offline.
    assert!(
        alerts
            .iter()
            .all(|a| !a["resolved_at"].is_null() || a["rule"] != "camera_offline"),
        "{out}"
    );
    for a in alerts {
        for k in ["rule", "source", "opened_at", "resolved_at", "severity"] {
            assert!(a.get(k).is_some(), "{a} lacks {k}");
        }
    }
    // The text form: a header, one line per alert, a count.
    let (ok, text, _) = replay(&series(), &["--herd-size", "20"]);
    assert!(ok);
    assert!(text.starts_with("rule"), "{text}");
    assert!(text.contains("herd_count_drop      pen-a"), "{text}");
    assert!(
        text.trim_end()
            .ends_with(&format!("{} alert(s)", alerts.len())),
        "{text}"
    );
}

/// The limit in a forecast-deviation message ("… (alert below N %) …").
fn limit_in(message: &str) -> f64 {
    let at = message.find("alert below ").expect(message) + "alert below ".len();
    message[at..].split(' ').next().unwrap().parse().unwrap()
}

#[test]
fn judgements_given_before_widen_the_limits_and_bad_ones_are_named() {
    let deviation = |args: &[&str]| -> Value {
        let (ok, out, err) = replay(&series(), args);
        assert!(ok, "{err}");
        let v: Value = serde_json::from_str(&out).unwrap();
        v.as_array()
            .unwrap()
            .iter()
            .find(|a| a["rule"] == "forecast_deviation")
            .cloned()
            .expect("the evening lie-down raises a deviation")
    };
    let plain = deviation(&["--json"]);
    // Three false alarms on the day before: the margin is 25 × 1.5 (the bound).
    let dir = tempfile::tempdir().unwrap();
    let fb = dir.path().join("feedback.csv");
    let day = iso_utc(DAY0 + (LAST_DAY - 1) * DAY_MS + 12 * HOUR_MS);
    let rows: String = (0..3)
        .map(|_| format!("pen-a,forecast_deviation,{day},false_alarm\n"))
        .collect();
    std::fs::write(&fb, format!("source,rule,at,verdict\n{rows}")).unwrap();
    let judged = deviation(&["--json", "--feedback", fb.to_str().unwrap()]);
    let (a, b) = (
        limit_in(plain["message"].as_str().unwrap()),
        limit_in(judged["message"].as_str().unwrap()),
    );
    assert!((a - b - 12.5).abs() <= 1.0, "{a} then {b}");
    std::fs::write(
        &fb,
        "source,rule,at,verdict\npen-a,forecast_deviation,yesterday,maybe\n",
    )
    .unwrap();
    let (ok, _, err) = replay(&series(), &["--feedback", fb.to_str().unwrap()]);
    assert!(
        !ok && err.contains("line 2") && err.contains("verdict"),
        "{err}"
    );
}

#[test]
fn bad_input_says_what_is_wrong() {
    let (ok, _, err) = replay("timestamp,source,ratio_standing\n", &[]);
    assert!(!ok);
    assert!(err.contains("total"), "{err}");
    let (ok, _, err) = replay(
        "timestamp,source,lying,standing,total,ratio_standing\n2024-11-29T00:00:00Z,a,1,1,2,150\n",
        &[],
    );
    assert!(!ok);
    assert!(
        err.contains("line 2") && err.contains("between 0 and 100"),
        "{err}"
    );
    let (ok, _, err) = replay("x", &["--herd-size", "0"]);
    assert!(!ok && err.contains("--herd-size"), "{err}");
    // Regression: the replay used to run rules the API would refuse.
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules.json");
    std::fs::write(&rules, r#"{"camera_offline": {"after_seconds": 5}}"#).unwrap();
    let (ok, _, err) = replay(&series(), &["--rules", rules.to_str().unwrap()]);
    assert!(!ok);
    assert!(
        err.contains("the rules are not valid")
            && err.contains("camera_offline.after_seconds must be 30 to 86 400"),
        "{err}"
    );
    let out = Command::new(BIN)
        .args(["alerts", "replay", "--input", "/nonexistent.csv"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot open /nonexistent.csv"));
}

/// The alert development set (`shared/eval/alerts-dev`, beside the repository).
fn dev_set() -> std::path::PathBuf {
    let dir =
        std::path::Path::new(&std::env::var("CARGO_MANIFEST_DIR").expect("run by cargo test"))
            .join("../../../shared/eval/alerts-dev");
    assert!(
        dir.join("truth.csv").is_file(),
        "the alert development set is missing at {}: it comes with the project's shared/ folder",
        dir.display()
    );
    dir
}

/// `animov alerts eval --json` over the development set with `args`: its score.
fn eval_score(dir: &Path, args: &[&str]) -> Value {
    let out = Command::new(BIN)
        .args(["alerts", "eval", "--json", "--dir"])
        .arg(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v["score"].clone()
}

/// The level reached with the default rules (see the README, "Alerts on data the project did not generate").
fn holds_the_level(s: &Value, how: &str) {
    assert_eq!(s["anomalies"], 21, "{how}: {s}");
    assert!(s["caught"].as_u64().unwrap() >= 20, "{how}: {s}");
    assert!(
        s["median_delay_min"].as_f64().unwrap() <= 45.0,
        "{how}: {s}"
    );
    assert!(
        s["false_per_camera_day"].as_f64().unwrap() <= 0.05,
        "{how}: {s}"
    );
    assert_eq!(
        s["hard_normal_alerted"],
        serde_json::json!([]),
        "{how}: {s}"
    );
    for kind in ["agitation", "camera_gap", "count_drop", "lying_excess"] {
        let k = &s["per_kind"][kind];
        assert_eq!(k["caught"], k["total"], "{how}, {kind}: {k}");
        assert!(
            k["median_delay_min"].as_f64().unwrap() <= 45.0,
            "{how}, {kind}: {k}"
        );
    }
}

#[test]
fn eval_holds_the_figures_reached_on_the_development_set() {
    let dir = dev_set();
    // The pens judged together as one farm (the engine's way), alone, and
    // with a farmer judging each alert as it ends.
    let farm = eval_score(&dir, &[]);
    holds_the_level(&farm, "farm");
    let s = eval_score(&dir, &["--single-pen"]);
    holds_the_level(&s, "single pen");
    let judged = eval_score(&dir, &["--simulate-feedback"]);
    holds_the_level(&judged, "judged");
    // The farm's context only removes false alerts here: a warm day on every pen is no anomaly.
    assert!(
        farm["false_on_normal_days"].as_u64() <= s["false_on_normal_days"].as_u64(),
        "{farm} vs {s}"
    );
    // The set's own scorer, over `animov alerts replay` per source (one pen
    // per replay), agrees with the single-pen evaluation.
    let py = Command::new("python3")
        .arg(dir.join("replay_and_score.py"))
        .arg(BIN)
        .arg("--json")
        .output()
        .expect("python3 runs the reference scorer");
    assert!(
        py.status.success(),
        "{}",
        String::from_utf8_lossy(&py.stderr)
    );
    let r: Value = serde_json::from_slice(&py.stdout).unwrap();
    for (ours, theirs) in [
        ("caught", "caught"),
        ("alerts", "alerts"),
        ("false_on_normal_days", "false_alerts_on_normal_days"),
        ("normal_camera_days", "normal_camera_days"),
        ("median_delay_min", "median_delay_min"),
        ("caught_within_45min", "caught_within_45min"),
        ("hard_normal_alerted", "hard_normal_alerted"),
    ] {
        assert_eq!(s[ours], r[theirs], "{ours} vs the reference {theirs}");
    }
}
