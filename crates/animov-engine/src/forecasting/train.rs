//! Training a camera's own model: each candidate spec is backtested on
//! rolling origins — fitted on the 7 days before each of the last few 2-day
//! holdouts and scored on them — next to the seasonal naive forecast, the
//! seasonal mean of the last 3 days and the current production model (with
//! its parameters). The candidate with the lowest backtest RMSE is fitted on
//! the last 7 days and registered; it is promoted only when it beats the
//! production model and both baselines
//! ([`animov_core::promotion::should_promote`]). Any failure leaves the
//! production model as it was.

use std::sync::Arc;

use animov_api::{BacktestRole, BacktestRow, ModelStage};
use animov_core::{
    promotion::should_promote,
    time::{DAY_MS, QUARTER_MS, floor_to},
};
use animov_forecast::{
    Forecast, ForecastError, Sarimax, SarimaxSpec,
    backtest::{self, Plan, Score},
};
use animov_store::{ModelRow, NewModel, StoreError};

use super::{ForecastingError, HISTORY, ModelParams, predict::history, predict::observed_grid};
use crate::Engine;

/// Days each backtest holdout lasts.
pub const HOLDOUT_DAYS: u32 = 2;
/// Fewest days of history a fold fits on.
const MIN_FIT_DAYS: usize = 3;

/// What a training run produced.
#[derive(Debug, Clone, PartialEq)]
pub struct Trained {
    /// The new model's registry id.
    pub model_id: i64,
    /// The spec the backtests chose.
    pub spec: SarimaxSpec,
    /// Its backtest RMSE.
    pub validation_rmse: f64,
    /// The seasonal naive forecast's backtest RMSE.
    pub baseline_rmse: Option<f64>,
    /// The production model's backtest RMSE (before this run).
    pub production_rmse: Option<f64>,
    /// Whether it became the production model.
    pub promoted: bool,
    /// Every method's backtest.
    pub backtest: Vec<BacktestRow>,
}

/// Training settings.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainSpec {
    /// The models tried; the backtests choose.
    pub candidates: Vec<SarimaxSpec>,
    /// Days of history read.
    pub days: u32,
    /// Backtest folds wanted (fewer when the history is short).
    pub folds: u32,
    /// Fewest days of data needed.
    pub min_days: u32,
    /// Threads one fit may use.
    pub threads: usize,
}

/// Why a model was not trained.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// The camera has too little data.
    #[error(
        "not enough history: {observed} observed 15-minute buckets in the last {days} days; at least {min_days} days of data are needed"
    )]
    NotEnoughHistory {
        /// Buckets with data.
        observed: usize,
        /// Days looked at.
        days: u32,
        /// Days needed.
        min_days: u32,
    },
    /// The window cannot hold one backtest fold.
    #[error(
        "{days} days are too few to backtest: a fold needs {min_fit} days of history before its {holdout} held-out days"
    )]
    TooFewDays {
        /// Days asked for.
        days: u32,
        /// Days a fold fits on, at least.
        min_fit: usize,
        /// Days held out per fold.
        holdout: u32,
    },
    /// No candidate could be backtested.
    #[error("no candidate model could be backtested: {0}")]
    NoCandidate(String),
    /// Fitting or forecasting failed.
    #[error(transparent)]
    Model(#[from] ForecastError),
    /// The fitted model cannot be registered.
    #[error(transparent)]
    Register(#[from] ForecastingError),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The fitting task was lost (the engine is stopping).
    #[error("the training task stopped: {0}")]
    Task(String),
}

/// The production model's forecast of `h` periods after `train` (which
/// starts at `from`), from its parameters, as the engine would make it.
fn production_forecast(
    m: &ModelRow,
    train: &[f64],
    h: usize,
    from: i64,
) -> Result<Forecast, ForecastError> {
    let bad = |why: String| ForecastError::Params(why);
    let params: ModelParams =
        serde_json::from_slice(&m.model.params).map_err(|e| bad(e.to_string()))?;
    let spec = SarimaxSpec::parse(&m.model.spec).map_err(|e| bad(e.to_string()))?;
    let start = from + train.len() as i64 * QUARTER_MS;
    let reference = params.profile.as_deref().zip(params.profile_start_ms);
    let obs: Vec<(i64, Option<f64>)> = train
        .iter()
        .enumerate()
        .skip(train.len().saturating_sub(HISTORY))
        .map(|(k, v)| (from + k as i64 * QUARTER_MS, v.is_finite().then_some(*v)))
        .collect();
    let hist = history(&obs, start, reference);
    Sarimax::new(spec)
        .with_params(&hist, None, &params.params, 0, true)?
        .forecast(h, None)
}

/// A backtest as the API shows it.
fn row(method: String, role: BacktestRole, s: &Score) -> BacktestRow {
    BacktestRow {
        method,
        role,
        rmse: s.rmse,
        coverage95: s.coverage95,
        fold_rmse: s.fold_rmse.clone(),
        chosen: false,
        error: s.failed.clone(),
    }
}

/// What the backtests of a camera's history found.
struct Selection {
    rows: Vec<BacktestRow>,
    chosen: SarimaxSpec,
    rmse: f64,
    naive: Option<f64>,
    mean: Option<f64>,
    production: Option<f64>,
}

/// Backtests every candidate, the baselines and the production model on
/// `y` (starting at `from`), and picks the candidate with the lowest RMSE.
fn select(
    t: &TrainSpec,
    y: &[f64],
    from: i64,
    production: Option<&ModelRow>,
    progress: &(dyn Fn(TrainStep<'_>) + Send + Sync),
) -> Result<Selection, TrainError> {
    let plan = Plan {
        horizon: HOLDOUT_DAYS as usize * 96,
        folds: t.folds as usize,
        min_train: MIN_FIT_DAYS * 96,
        max_train: HISTORY,
    };
    let folds = plan.origins(y.len()).len();
    if folds == 0 {
        return Err(TrainError::TooFewDays {
            days: t.days,
            min_fit: MIN_FIT_DAYS,
            holdout: HOLDOUT_DAYS,
        });
    }
    let prod = production.map(|m| {
        (
            m,
            backtest::score(y, &plan, &|train: &[f64], start, h| {
                production_forecast(m, train, h, from + start as i64 * QUARTER_MS)
            }),
        )
    });
    let total = (t.candidates.len() * folds) as f64;
    let cmp = backtest::compare(y, &plan, &t.candidates, 96, t.threads, &|ci, k, it, llf| {
        let spec = t.candidates[ci];
        let share = 0.1 + 0.75 * (ci * folds + k) as f64 / total;
        let head = format!("backtesting {spec}, fold {} of {folds}", k + 1);
        let message = if it == 0 {
            head
        } else {
            format!("{head}: iteration {it}, log-likelihood {llf:.1}")
        };
        progress(TrainStep {
            share,
            message: &message,
            fit: (it > 0).then_some((it, llf)),
        });
    });
    let scores = &cmp.candidates;
    let best = cmp.best.ok_or_else(|| {
        TrainError::NoCandidate(
            scores
                .iter()
                .find_map(|s| s.failed.clone())
                .unwrap_or_else(|| "no held-out value was observed".into()),
        )
    })?;
    let mut rows: Vec<BacktestRow> = t
        .candidates
        .iter()
        .zip(scores)
        .map(|(spec, s)| row(spec.to_string(), BacktestRole::Candidate, s))
        .collect();
    rows[best].chosen = true;
    rows.push(row(
        "seasonal naive".into(),
        BacktestRole::Baseline,
        &cmp.naive,
    ));
    rows.push(row(
        format!("seasonal mean of {} days", backtest::MEAN_SEASONS),
        BacktestRole::Baseline,
        &cmp.mean,
    ));
    if let Some((m, s)) = &prod {
        rows.push(row(
            format!("production #{} {}", m.id, m.model.spec),
            BacktestRole::Production,
            s,
        ));
    }
    Ok(Selection {
        rows,
        chosen: t.candidates[best],
        rmse: scores[best].rmse.unwrap_or(f64::NAN),
        naive: cmp.naive.rmse,
        mean: cmp.mean.rmse,
        production: prod.and_then(|(_, s)| s.rmse),
    })
}

/// How far a training run is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrainStep<'a> {
    /// Share done, 0 to 1.
    pub share: f64,
    /// What is happening.
    pub message: &'a str,
    /// While fitting: the optimiser's iteration and log-likelihood.
    pub fit: Option<(usize, f64)>,
}

/// Backtests the candidates, fits the chosen one on the last 7 days,
/// registers it (staging) and maybe promotes it. `progress` hears how far it is.
#[tracing::instrument(skip(engine, progress))]
pub async fn train_camera(
    engine: &Engine,
    camera_id: i64,
    t: TrainSpec,
    now_ms: i64,
    progress: impl Fn(TrainStep<'_>) + Send + Sync + 'static,
) -> Result<Trained, TrainError> {
    let progress = Arc::new(progress);
    let step = |share: f64, message: &str| {
        progress(TrainStep {
            share,
            message,
            fit: None,
        })
    };
    let end = floor_to(now_ms, QUARTER_MS);
    let from = end - i64::from(t.days) * DAY_MS;
    step(0.05, "reading the history");
    let y = observed_grid(engine, camera_id, from, end).await?;
    let observed = y.iter().filter(|v| v.is_finite()).count();
    if observed < t.min_days as usize * 96 / 2 {
        return Err(TrainError::NotEnoughHistory {
            observed,
            days: t.days,
            min_days: t.min_days,
        });
    }
    let production = engine.store.production_model(camera_id).await?;
    let p2 = progress.clone();
    let fit = tokio::task::spawn_blocking(move || -> Result<_, TrainError> {
        let sel = select(&t, &y, from, production.as_ref(), &*p2)?;
        p2(TrainStep {
            share: 0.85,
            message: &format!("fitting {} on the last 7 days", sel.chosen),
            fit: None,
        });
        let last = &y[y.len().saturating_sub(HISTORY)..];
        let fitted = Sarimax::new(sel.chosen)
            .with_threads(t.threads)
            .fit(last, None)?;
        Ok((sel, fitted))
    })
    .await
    .map_err(|e| TrainError::Task(e.to_string()))??;
    let (sel, fitted) = fit;
    step(0.95, "registering");
    let params = ModelParams {
        params: fitted.params().to_vec(),
        profile: None,
        profile_start_ms: None,
    };
    let model_id = engine
        .store
        .insert_model(&NewModel {
            camera_id: Some(camera_id),
            kind: "sarimax".into(),
            spec: sel.chosen.to_string(),
            params: params.to_blob()?,
            train_from_ms: Some(end - HISTORY as i64 * QUARTER_MS),
            train_to_ms: Some(end),
            train_rmse: fitted.train_rmse(),
            validation_rmse: Some(sel.rmse),
            baseline_rmse: sel.naive,
            stage: ModelStage::Staging,
        })
        .await?;
    let promoted = should_promote(sel.rmse, &[sel.naive, sel.mean, sel.production]);
    if promoted {
        engine
            .store
            .set_model_stage(model_id, ModelStage::Production)
            .await?;
    }
    step(
        1.0,
        if promoted {
            "done: promoted to production"
        } else {
            "done: kept in staging"
        },
    );
    tracing::info!(
        camera_id,
        model_id,
        spec = %sel.chosen,
        backtest_rmse = sel.rmse,
        seasonal_naive = ?sel.naive,
        seasonal_mean = ?sel.mean,
        production = ?sel.production,
        promoted,
        "forecast model trained"
    );
    Ok(Trained {
        model_id,
        spec: sel.chosen,
        validation_rmse: sel.rmse,
        baseline_rmse: sel.naive,
        production_rmse: sel.production,
        promoted,
        backtest: sel.rows,
    })
}
