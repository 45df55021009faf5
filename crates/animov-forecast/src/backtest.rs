//! Rolling-origin backtests: a forecasting method is fitted on the history
//! before each origin and scored on the `horizon` periods after it, for
//! several origins a horizon apart ending at the end of the series — several
//! held-out stretches, not one. Errors are pooled over the folds (RMSE), and
//! the share of observed values inside the 95 % interval is counted
//! (coverage; none for the baselines, which give no interval).

use crate::{
    Forecast, ForecastError, Sarimax, SarimaxSpec,
    baseline::{rmse, seasonal_mean, seasonal_naive},
};

/// Where the folds fall.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    /// Periods forecast and scored per fold.
    pub horizon: usize,
    /// Folds wanted (fewer when the history is short).
    pub folds: usize,
    /// Fewest periods of history a fold fits on.
    pub min_train: usize,
    /// At most this many periods of history before an origin (a fixed-length
    /// window rolling with it; 0: all of it).
    pub max_train: usize,
}

impl Plan {
    /// The folds' (history start, origin), oldest first: origins at
    /// `len - k·horizon` for k = folds..1, each with `min_train` periods before.
    pub fn origins(&self, len: usize) -> Vec<(usize, usize)> {
        (1..=self.folds)
            .rev()
            .filter_map(|k| len.checked_sub(k * self.horizon))
            .filter(|&o| o >= self.min_train && self.horizon > 0)
            .map(|o| {
                let start = if self.max_train == 0 {
                    0
                } else {
                    o.saturating_sub(self.max_train)
                };
                (start, o)
            })
            .collect()
    }
}

/// A method's backtest.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Score {
    /// RMSE of each fold (`None`: nothing observed there, or it failed).
    pub fold_rmse: Vec<Option<f64>>,
    /// RMSE over every scored period of every fold.
    pub rmse: Option<f64>,
    /// Share of observed values inside the 95 % interval.
    pub coverage95: Option<f64>,
    /// Why a fold could not be forecast (the first failure).
    pub failed: Option<String>,
}

/// A method: (history, index of its first period in the series, periods to
/// forecast) → forecast.
pub type Method<'a> = dyn Fn(&[f64], usize, usize) -> Result<Forecast, ForecastError> + 'a;

/// Scores `forecast` on the plan's folds of `y` (NaN = missing). A failing
/// fold counts as no score: a method that fails any fold has no RMSE (it
/// cannot be trusted to forecast).
pub fn score(y: &[f64], plan: &Plan, forecast: &Method<'_>) -> Score {
    let mut out = Score::default();
    let (mut sq, mut n, mut inside, mut banded) = (0.0, 0usize, 0usize, 0usize);
    for (start, origin) in plan.origins(y.len()) {
        let actual = &y[origin..origin + plan.horizon];
        match forecast(&y[start..origin], start, plan.horizon) {
            Ok(f) => {
                out.fold_rmse.push(rmse(&f.mean, actual));
                for (k, a) in actual.iter().enumerate() {
                    let Some(m) = f.mean.get(k).filter(|m| m.is_finite() && a.is_finite()) else {
                        continue;
                    };
                    sq += (m - a).powi(2);
                    n += 1;
                    if let (Some(lo), Some(hi)) = (f.lower95.get(k), f.upper95.get(k))
                        && lo.is_finite()
                        && hi.is_finite()
                    {
                        banded += 1;
                        inside += usize::from(*lo <= *a && *a <= *hi);
                    }
                }
            }
            Err(e) => {
                out.fold_rmse.push(None);
                out.failed.get_or_insert(e.to_string());
            }
        }
    }
    if out.failed.is_none() && n > 0 {
        out.rmse = Some((sq / n as f64).sqrt());
        out.coverage95 = (banded > 0).then(|| inside as f64 / banded as f64);
    }
    out
}

/// A forecast without interval (the baselines).
fn point_forecast(mean: Vec<f64>) -> Forecast {
    Forecast {
        mean,
        ..Forecast::default()
    }
}

/// The last season repeated.
pub fn naive(s: usize) -> impl Fn(&[f64], usize, usize) -> Result<Forecast, ForecastError> {
    move |train, _, h| seasonal_naive(train, s, h).map(point_forecast)
}

/// The mean of the same phase over the last `k` seasons.
pub fn mean_of_last(
    s: usize,
    k: usize,
) -> impl Fn(&[f64], usize, usize) -> Result<Forecast, ForecastError> {
    move |train, _, h| seasonal_mean(train, s, k, h).map(point_forecast)
}

/// Days of the seasonal mean baseline.
pub const MEAN_SEASONS: usize = 3;

/// The backtests of a set of candidate models and of both baselines.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// Each candidate's, in the order given.
    pub candidates: Vec<Score>,
    /// The seasonal naive forecast's.
    pub naive: Score,
    /// The seasonal mean of the last [`MEAN_SEASONS`] seasons'.
    pub mean: Score,
    /// The candidate with the lowest RMSE.
    pub best: Option<usize>,
}

/// Backtests every candidate (fitted on each fold, `threads` per fit) and
/// the baselines of season `s` on the plan's folds of `y`. `fitting` hears
/// (candidate, fold, optimiser iteration, log-likelihood) as it goes.
pub fn compare(
    y: &[f64],
    plan: &Plan,
    candidates: &[SarimaxSpec],
    s: usize,
    threads: usize,
    fitting: &(dyn Fn(usize, usize, usize, f64) + Sync),
) -> Comparison {
    let scores: Vec<Score> = candidates
        .iter()
        .enumerate()
        .map(|(ci, spec)| {
            let fold = std::sync::atomic::AtomicUsize::new(0);
            score(y, plan, &|train: &[f64], _, h| {
                let k = fold.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                fitting(ci, k, 0, f64::NAN);
                Sarimax::new(*spec)
                    .with_threads(threads)
                    .fit_observed(train, None, &mut |it, llf| fitting(ci, k, it, llf))?
                    .forecast(h, None)
            })
        })
        .collect();
    Comparison {
        best: best(&scores),
        candidates: scores,
        naive: score(y, plan, &naive(s)),
        mean: score(y, plan, &mean_of_last(s, MEAN_SEASONS)),
    }
}

/// The candidate to keep: the lowest backtest RMSE (`None` when none scored).
pub fn best(candidates: &[Score]) -> Option<usize> {
    candidates
        .iter()
        .enumerate()
        .filter_map(|(i, s)| s.rmse.map(|r| (i, r)))
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn daily(days: usize, s: usize) -> Vec<f64> {
        (0..days * s)
            .map(|t| {
                let phase = (t % s) as f64 / s as f64;
                50.0 + 30.0 * (phase * std::f64::consts::TAU).sin() + ((t * 7919) % 13) as f64 - 6.0
            })
            .collect()
    }

    #[test]
    fn folds_end_at_the_series_end_a_horizon_apart() {
        let p = Plan {
            horizon: 10,
            folds: 3,
            min_train: 25,
            max_train: 0,
        };
        assert_eq!(p.origins(100), [(0, 70), (0, 80), (0, 90)]);
        // Too short for the oldest fold: fewer folds.
        assert_eq!(p.origins(50), [(0, 30), (0, 40)]);
        let rolling = Plan { max_train: 30, ..p };
        assert_eq!(rolling.origins(100), [(40, 70), (50, 80), (60, 90)]);
        assert!(p.origins(20).is_empty());
    }

    #[test]
    fn scores_pool_the_folds_and_count_coverage() {
        let s = 24;
        let mut y = daily(10, s);
        y[9 * s + 3] = f64::NAN;
        let plan = Plan {
            horizon: s,
            folds: 3,
            min_train: 3 * s,
            max_train: 0,
        };
        let naive = score(&y, &plan, &naive(s));
        assert_eq!(naive.fold_rmse.len(), 3);
        assert!(
            naive.rmse.is_some() && naive.coverage95.is_none(),
            "{naive:?}"
        );
        // A perfect oracle with a band around the truth: RMSE 0, coverage 1.
        let truth = y.clone();
        let oracle = score(&y, &plan, &move |train: &[f64], start: usize, h: usize| {
            let from = start + train.len(); // the fold's origin
            let mean: Vec<f64> = truth[from..from + h].to_vec();
            Ok(Forecast {
                lower95: mean.iter().map(|v| v - 1.0).collect(),
                upper95: mean.iter().map(|v| v + 1.0).collect(),
                lower80: Vec::new(),
                upper80: Vec::new(),
                mean,
            })
        });
        assert_eq!(oracle.rmse, Some(0.0));
        assert_eq!(oracle.coverage95, Some(1.0));
        let failing = score(&y, &plan, &|_: &[f64], _, _| Err(ForecastError::AllMissing));
        assert_eq!(failing.rmse, None);
        assert!(failing.failed.is_some());
        assert_eq!(best(&[naive.clone(), oracle, failing]), Some(1));
    }

    #[test]
    fn a_sarimax_fold_beats_the_naive_forecast_on_a_noisy_season() {
        let s = 24;
        let y = daily(12, s);
        let plan = Plan {
            horizon: 2 * s,
            folds: 2,
            min_train: 5 * s,
            max_train: 0,
        };
        let m = score(&y, &plan, &|train: &[f64], _, h| {
            Sarimax::new(SarimaxSpec::parse("(1,0,0)(0,1,1,24)").unwrap())
                .with_threads(1)
                .fit(train, None)?
                .forecast(h, None)
        });
        let n = score(&y, &plan, &naive(s));
        assert!(m.rmse.unwrap() < n.rmse.unwrap(), "{m:?} vs {n:?}");
        let c = m.coverage95.unwrap();
        assert!((0.5..=1.0).contains(&c), "{c}");
    }
}
