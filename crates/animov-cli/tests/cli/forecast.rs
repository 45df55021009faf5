//! `animov forecast eval` as an analyst runs it: per-source fits, holdout
//! forecasts with intervals, RMSE against the seasonal naive baseline, and the
//! messages for bad input (a source too short, a missing column, all missing).

fn eval(csv: &str, args: &[&str]) -> (bool, String, String) {
    crate::common::cli_on_csv(&["forecast", "eval"], csv, args)
}

/// `days` days of 96 buckets for `source` (the model below uses a short season of 8 to stay quick).
fn rows(source: &str, days: usize, value: impl Fn(usize) -> Option<f64>) -> String {
    let mut s = String::new();
    let t0 = 1_793_491_200_000i64; // 2026-11-01T00:00Z
    for i in 0..days * 96 {
        let ts = animov_core::time::iso_utc(t0 + i as i64 * 900_000);
        let v = value(i).map_or(String::new(), |v| format!("{v:.3}"));
        s.push_str(&format!("{ts},{source},{v}\n"));
    }
    s
}

fn profile(i: usize) -> Option<f64> {
    let phase = [5.0, 8.0, 30.0, 45.0, 25.0, 40.0, 20.0, 6.0][i % 8];
    let noise = ((i * 7919) % 13) as f64 * 0.4 - 2.4;
    (i != 20).then_some(phase + noise)
}

#[test]
fn each_source_gets_a_fit_a_holdout_forecast_and_its_baseline() {
    let csv = format!(
        "timestamp,source,ratio_standing\n{}{}",
        rows("pen-a", 12, profile),
        rows("pen-b", 12, |i| profile(i + 3))
    );
    let (ok, out, err) = eval(
        &csv,
        &[
            "--spec",
            "(1,0,0)(0,1,1,8)",
            "--holdout-days",
            "1",
            "--json",
        ],
    );
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let all = v.as_array().unwrap();
    assert_eq!(all.len(), 2);
    let a = &all[0];
    assert_eq!(
        (a["source"].as_str(), a["spec"].as_str()),
        (Some("pen-a"), Some("(1,0,0)(0,1,1,8)"))
    );
    for p in ["ar.L1", "ma.S.L8", "sigma2"] {
        assert!(a["params"][p].is_f64(), "{p} in {a}");
    }
    assert!(a["llf"].is_f64() && a["aic"].is_f64());
    let h = a["holdout"].as_array().unwrap();
    assert_eq!(h.len(), 96, "one day of 96 buckets held out");
    for p in h {
        let (m, l80, u80, l95, u95) = (
            p["mean"].as_f64().unwrap(),
            p["lower80"].as_f64().unwrap(),
            p["upper80"].as_f64().unwrap(),
            p["lower95"].as_f64().unwrap(),
            p["upper95"].as_f64().unwrap(),
        );
        assert!(l95 < l80 && l80 < m && m < u80 && u80 < u95, "{p}");
    }
    assert!(
        a["rmse"].as_f64().unwrap() > 0.0 && a["rmse_seasonal_naive"].as_f64().unwrap() > 0.0,
        "{a}"
    );
    // Text says the same in words.
    let (ok, out, _) = eval(&csv, &["--spec", "(1,0,0)(0,1,1,8)", "--holdout-days", "1"]);
    assert!(
        ok && out.contains("pen-a: SARIMAX(1,0,0)(0,1,1,8)") && out.contains("seasonal naive"),
        "{out}"
    );
}

#[test]
fn bad_input_is_named_and_other_sources_still_report() {
    let csv = format!(
        "timestamp,source,ratio_standing\n{}{}{}",
        rows("pen-a", 4, profile),
        rows("short", 1, profile),
        rows("blind", 4, |_| None)
    );
    let (ok, out, err) = eval(&csv, &["--spec", "(1,0,0)(0,1,1,8)", "--holdout-days", "1"]);
    assert!(!ok);
    assert!(out.contains("pen-a: SARIMAX"), "{out}");
    assert!(
        err.contains("short: 96 buckets, not more than the 96-bucket holdout"),
        "{err}"
    );
    assert!(
        err.contains("blind: the series has no observed value"),
        "{err}"
    );
    assert!(
        err.contains("2 of 3 sources could not be evaluated"),
        "{err}"
    );
    let (ok, _, err) = eval("time,source,ratio\n", &[]);
    assert!(!ok && err.contains("no column \"timestamp\""), "{err}");
    let (ok, _, err) = eval(&csv, &["--spec", "(1,1)"]);
    assert!(!ok && err.contains("(p,d,q)(P,D,Q,s)"), "{err}");
}
