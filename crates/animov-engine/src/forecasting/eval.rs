//! `animov forecast eval`: fit SARIMAX per source on a 15-minute series CSV,
//! hold out the last days, and compare with the seasonal naive baseline.

use std::{collections::BTreeMap, io::Read, time::Instant};

use animov_core::time::{QUARTER_MS, iso_utc};
use animov_forecast::{
    ForecastError, Sarimax, SarimaxSpec,
    baseline::{rmse, seasonal_naive},
};
use serde::Serialize;

use crate::series_csv::{SeriesCsvError, bucket_ts, check_span, optional_number, records};

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

/// Reads `timestamp,source,ratio_standing` (ISO 8601 UTC; empty ratio = missing).
pub fn read_series(input: impl Read) -> Result<Vec<Series>, SeriesCsvError> {
    let mut by_source: BTreeMap<String, BTreeMap<i64, f64>> = BTreeMap::new();
    for (line, rec) in records(input, &["timestamp", "source", "ratio_standing"])? {
        let ts = bucket_ts(&rec.timestamp, line)?;
        let v = optional_number(rec.ratio_standing.as_deref(), line, "ratio_standing")?
            .unwrap_or(f64::NAN);
        by_source.entry(rec.source).or_default().insert(ts, v);
    }
    check_span(by_source.values().flat_map(|p| p.keys().copied()))?;
    Ok(by_source
        .into_iter()
        .filter_map(|(source, points)| {
            let start = *points.keys().next()?;
            let end = *points.keys().next_back()?;
            let n = ((end - start) / QUARTER_MS + 1) as usize;
            let mut values = vec![f64::NAN; n];
            for (t, v) in points {
                values[((t - start) / QUARTER_MS) as usize] = v;
            }
            Some(Series {
                source,
                start_ms: start,
                values,
            })
        })
        .collect())
}

/// Why a source cannot be evaluated.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// Too few buckets for the holdout.
    #[error("{source_name}: {buckets} buckets, not more than the {holdout}-bucket holdout")]
    TooShort {
        /// The source.
        source_name: String,
        /// Its buckets.
        buckets: usize,
        /// Buckets held out.
        holdout: usize,
    },
    /// The model cannot be fitted or forecast.
    #[error("{source_name}: {cause}")]
    Model {
        /// The source.
        source_name: String,
        /// Why.
        cause: ForecastError,
    },
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

/// Fits `spec` on all but the last `holdout` buckets of `series` and scores the holdout.
#[tracing::instrument(skip(series), fields(source = %series.source))]
pub fn evaluate(
    series: &Series,
    spec: SarimaxSpec,
    holdout: usize,
) -> Result<SourceEval, EvalError> {
    let n = series.values.len();
    if n <= holdout {
        return Err(EvalError::TooShort {
            source_name: series.source.clone(),
            buckets: n,
            holdout,
        });
    }
    let model_error = |cause| EvalError::Model {
        source_name: series.source.clone(),
        cause,
    };
    let (train, test) = series.values.split_at(n - holdout);
    let started = Instant::now();
    let fitted = Sarimax::new(spec).fit(train, None).map_err(model_error)?;
    let fit_seconds = started.elapsed().as_secs_f64();
    let f = fitted.forecast(holdout, None).map_err(model_error)?;
    let naive = seasonal_naive(train, spec.s.max(1), holdout).ok();
    let holdout_points = (0..holdout)
        .map(|k| HoldoutPoint {
            timestamp: iso_utc(series.start_ms + (n - holdout + k) as i64 * QUARTER_MS),
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
        let e = read_series("time,source\n".as_bytes())
            .unwrap_err()
            .to_string();
        assert!(e.contains("timestamp"), "{e}");
        let e =
            read_series("timestamp,source,ratio_standing\n2026-11-01T00:07:00Z,a,1\n".as_bytes())
                .unwrap_err()
                .to_string();
        assert!(e.contains("line 2") && e.contains("15-minute"), "{e}");
        let e = read_series("timestamp,source,ratio_standing\nyesterday,a,1\n".as_bytes())
            .unwrap_err()
            .to_string();
        assert!(e.contains("ISO 8601"), "{e}");
        // Two far-apart dates: refused, not a grid of 8,000 years.
        let e = read_series(
            "timestamp,source,ratio_standing\n2026-11-01T00:00:00Z,a,1\n9999-11-01T00:00:00Z,a,1\n"
                .as_bytes(),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("is a date wrong"), "{e}");
    }
}
