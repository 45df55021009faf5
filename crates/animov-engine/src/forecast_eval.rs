//! `animov forecast eval`: fit SARIMAX per source on a 15-minute series CSV,
//! hold out the last days, and compare with the seasonal naive baseline.

use std::{collections::BTreeMap, io::Read, time::Instant};

use animov_forecast::{
    Sarimax, SarimaxSpec,
    baseline::{rmse, seasonal_naive},
};
use serde::Serialize;

/// 15 minutes in ms.
pub const BUCKET_MS: i64 = 15 * 60_000;

/// One source's series on a regular 15-minute grid (missing buckets are NaN).
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// The source.
    pub source: String,
    /// First bucket, UTC ms.
    pub start_ms: i64,
    /// Standing ratio per bucket.
    pub values: Vec<f64>,
}

/// A bucket's start from an ISO 8601 UTC timestamp on a 15-minute boundary
/// (`line` is the CSV line, for the message).
pub fn bucket_ts(raw: &str, line: usize) -> Result<i64, String> {
    let ts = chrono::DateTime::parse_from_rfc3339(raw.trim())
        .map_err(|e| format!("line {line}: timestamp {raw:?} is not ISO 8601 ({e})"))?
        .timestamp_millis();
    if ts.rem_euclid(BUCKET_MS) != 0 {
        return Err(format!(
            "line {line}: timestamp is not on a 15-minute boundary"
        ));
    }
    Ok(ts)
}

/// The positions of the `names` columns in the CSV's header, or a message
/// naming the missing one and every column needed.
pub fn columns<const N: usize, R: Read>(
    r: &mut csv::Reader<R>,
    names: [&str; N],
) -> Result<[usize; N], String> {
    let headers = r
        .headers()
        .map_err(|e| format!("cannot read the CSV header: {e}"))?;
    let mut out = [0; N];
    for (slot, name) in out.iter_mut().zip(names) {
        *slot = headers
            .iter()
            .position(|h| h.trim() == name)
            .ok_or_else(|| {
                format!(
                    "the CSV has no column {name:?} (needs {})",
                    names.join(", ")
                )
            })?;
    }
    Ok(out)
}

/// A number, or `None` for an empty, `nan` or `null` field.
pub fn optional_number(raw: &str, line: usize, column: &str) -> Result<Option<f64>, String> {
    let raw = raw.trim();
    if raw.is_empty() || raw.eq_ignore_ascii_case("nan") || raw.eq_ignore_ascii_case("null") {
        return Ok(None);
    }
    raw.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .map(Some)
        .ok_or_else(|| format!("line {line}: {column} {raw:?} is not a number"))
}

/// Reads `timestamp,source,ratio_standing` (ISO 8601 UTC; empty ratio = missing).
pub fn read_series(input: impl Read) -> Result<Vec<Series>, String> {
    let mut r = csv::Reader::from_reader(input);
    let [ct, cs, cr] = columns(&mut r, ["timestamp", "source", "ratio_standing"])?;
    let mut by_source: BTreeMap<String, BTreeMap<i64, f64>> = BTreeMap::new();
    for (i, rec) in r.records().enumerate() {
        let line = i + 2;
        let rec = rec.map_err(|e| format!("line {line}: {e}"))?;
        let ts = bucket_ts(rec.get(ct).unwrap_or(""), line)?;
        let v =
            optional_number(rec.get(cr).unwrap_or(""), line, "ratio_standing")?.unwrap_or(f64::NAN);
        by_source
            .entry(rec.get(cs).unwrap_or("").trim().to_string())
            .or_default()
            .insert(ts, v);
    }
    if by_source.is_empty() {
        return Err("the CSV has no rows".into());
    }
    Ok(by_source
        .into_iter()
        .map(|(source, points)| {
            let start = *points.keys().next().expect("non-empty");
            let end = *points.keys().next_back().expect("non-empty");
            let n = ((end - start) / BUCKET_MS + 1) as usize;
            let mut values = vec![f64::NAN; n];
            for (t, v) in points {
                values[((t - start) / BUCKET_MS) as usize] = v;
            }
            Series {
                source,
                start_ms: start,
                values,
            }
        })
        .collect())
}

/// One forecast period of the holdout.
#[derive(Debug, Clone, Serialize)]
pub struct HoldoutPoint {
    /// Bucket start (ISO 8601 UTC).
    pub timestamp: String,
    /// Forecast.
    pub mean: f64,
    /// 80 % interval.
    pub lower80: f64,
    /// 80 % interval.
    pub upper80: f64,
    /// 95 % interval.
    pub lower95: f64,
    /// 95 % interval.
    pub upper95: f64,
    /// What happened (null when missing).
    pub observed: Option<f64>,
}

/// The evaluation of one source.
#[derive(Debug, Clone, Serialize)]
pub struct SourceEval {
    /// The source.
    pub source: String,
    /// The model.
    pub spec: String,
    /// Fitted parameters by name.
    pub params: BTreeMap<String, f64>,
    /// Log-likelihood.
    pub llf: f64,
    /// AIC.
    pub aic: f64,
    /// Observations in the fit.
    pub nobs: usize,
    /// Fit time.
    pub fit_seconds: f64,
    /// Holdout forecasts.
    pub holdout: Vec<HoldoutPoint>,
    /// RMSE of the model on the holdout.
    pub rmse: Option<f64>,
    /// RMSE of the seasonal naive forecast on the holdout.
    pub rmse_seasonal_naive: Option<f64>,
}

fn iso(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

/// Fits `spec` on all but the last `holdout` buckets of `series` and scores the holdout.
#[tracing::instrument(skip(series), fields(source = %series.source))]
pub fn evaluate(series: &Series, spec: SarimaxSpec, holdout: usize) -> Result<SourceEval, String> {
    let n = series.values.len();
    if n <= holdout {
        return Err(format!(
            "{}: {} buckets, not more than the {holdout}-bucket holdout",
            series.source, n
        ));
    }
    let (train, test) = series.values.split_at(n - holdout);
    let started = Instant::now();
    let fitted = Sarimax::new(spec)
        .fit(train, None)
        .map_err(|e| format!("{}: {e}", series.source))?;
    let fit_seconds = started.elapsed().as_secs_f64();
    let f = fitted.forecast(holdout, None).map_err(|e| e.to_string())?;
    let naive = seasonal_naive(train, spec.s.max(1), holdout).ok();
    let holdout_points = (0..holdout)
        .map(|k| HoldoutPoint {
            timestamp: iso(series.start_ms + (n - holdout + k) as i64 * BUCKET_MS),
            mean: f.mean[k],
            lower80: f.lower80[k],
            upper80: f.upper80[k],
            lower95: f.lower95[k],
            upper95: f.upper95[k],
            observed: test[k].is_finite().then_some(test[k]),
        })
        .collect();
    Ok(SourceEval {
        source: series.source.clone(),
        spec: spec.to_string(),
        params: spec
            .param_names(0)
            .into_iter()
            .zip(fitted.params().iter().copied())
            .collect(),
        llf: fitted.llf(),
        aic: fitted.aic(),
        nobs: fitted.nobs(),
        fit_seconds,
        holdout: holdout_points,
        rmse: rmse(&f.mean, test),
        rmse_seasonal_naive: naive.and_then(|p| rmse(&p, test)),
    })
}

/// Text report of one source.
pub fn to_text(e: &SourceEval) -> String {
    let params: Vec<String> = e
        .params
        .iter()
        .map(|(k, v)| format!("{k}={v:.4}"))
        .collect();
    let fmt = |v: Option<f64>| v.map_or("n/a".into(), |v| format!("{v:.3}"));
    format!(
        "{}: SARIMAX{} fitted in {:.1} s on {} observations\n  params: {}\n  log-likelihood {:.3}, AIC {:.3}\n  holdout ({} buckets): RMSE {} (seasonal naive {})\n",
        e.source,
        e.spec,
        e.fit_seconds,
        e.nobs,
        params.join(", "),
        e.llf,
        e.aic,
        e.holdout.len(),
        fmt(e.rmse),
        fmt(e.rmse_seasonal_naive)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_sources_onto_a_regular_grid() {
        let csv = "timestamp,source,ratio_standing\n\
                   2026-11-01T00:00:00Z,a,10\n2026-11-01T00:30:00Z,a,\n2026-11-01T00:45:00Z,a,30\n\
                   2026-11-01T00:00:00Z,b,5\n";
        let s = read_series(csv.as_bytes()).unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].values.len(), 4);
        assert!(s[0].values[1].is_nan() && s[0].values[2].is_nan());
        assert_eq!(s[0].values[3], 30.0);
        let e = read_series("time,source\n".as_bytes()).unwrap_err();
        assert!(e.contains("timestamp"), "{e}");
        let e =
            read_series("timestamp,source,ratio_standing\n2026-11-01T00:07:00Z,a,1\n".as_bytes())
                .unwrap_err();
        assert!(e.contains("line 2") && e.contains("15-minute"), "{e}");
        let e =
            read_series("timestamp,source,ratio_standing\nyesterday,a,1\n".as_bytes()).unwrap_err();
        assert!(e.contains("ISO 8601"), "{e}");
    }
}
