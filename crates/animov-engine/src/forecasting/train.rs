//! Training a camera's own model: fit on its last days but the validation
//! ones, score on those against the seasonal naive forecast and the current
//! production model, register it, promote it when it beats both
//! ([`animov_core::promotion::should_promote`]). Any failure leaves the
//! production model as it was.

use std::sync::Arc;

use animov_api::ModelStage;
use animov_core::{
    promotion::should_promote,
    time::{DAY_MS, QUARTER_MS, floor_to},
};
use animov_forecast::{
    ForecastError, Sarimax, SarimaxSpec,
    baseline::{rmse, seasonal_naive},
};
use animov_store::{ModelRow, NewModel, StoreError};

use super::{ForecastingError, HISTORY, ModelParams, predict::history, predict::observed_grid};
use crate::Engine;

/// What a training run produced.
#[derive(Debug, Clone, PartialEq)]
pub struct Trained {
    /// The new model's registry id.
    pub model_id: i64,
    /// Its RMSE on the validation days.
    pub validation_rmse: f64,
    /// The seasonal naive forecast's RMSE on those days.
    pub baseline_rmse: Option<f64>,
    /// The production model's RMSE on those days (before this run).
    pub production_rmse: Option<f64>,
    /// Whether it became the production model.
    pub promoted: bool,
}

/// Training settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrainSpec {
    /// The model.
    pub spec: SarimaxSpec,
    /// Days of history used (training + validation).
    pub days: u32,
    /// Days held out for validation.
    pub validation_days: u32,
    /// Fewest days of data needed.
    pub min_days: u32,
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
    /// The window cannot hold the validation days.
    #[error("{days} days are too few to hold out {validation_days} for validation")]
    TooFewDays {
        /// Days asked for.
        days: u32,
        /// Days held out.
        validation_days: u32,
    },
    /// Fitting or forecasting failed.
    #[error(transparent)]
    Model(#[from] ForecastError),
    /// No observation in the validation days to score against.
    #[error("no observed value in the validation days")]
    NoValidation,
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

/// The production model's error on the validation days, from its parameters.
fn production_rmse(
    m: &ModelRow,
    train: &[f64],
    valid: &[f64],
    from: i64,
    start: i64,
) -> Option<f64> {
    let params: ModelParams = serde_json::from_slice(&m.model.params).ok()?;
    let spec = SarimaxSpec::parse(&m.model.spec).ok()?;
    let reference = params.profile.as_deref().zip(params.profile_start_ms);
    let obs: Vec<(i64, Option<f64>)> = train
        .iter()
        .enumerate()
        .skip(train.len().saturating_sub(HISTORY))
        .map(|(k, v)| (from + k as i64 * QUARTER_MS, v.is_finite().then_some(*v)))
        .collect();
    let hist = history(&obs, start, reference);
    let f = Sarimax::new(spec)
        .with_params(&hist, None, &params.params, 0, true)
        .ok()?
        .forecast(valid.len(), None)
        .ok()?;
    rmse(&f.mean, valid)
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

/// Fits, scores, registers (staging) and maybe promotes a model of the
/// camera. `progress` hears how far it is.
#[tracing::instrument(skip(engine, progress))]
pub async fn train_camera(
    engine: &Engine,
    camera_id: i64,
    t: TrainSpec,
    now_ms: i64,
    progress: impl Fn(TrainStep<'_>) + Send + Sync + 'static,
) -> Result<Trained, TrainError> {
    let progress = Arc::new(progress);
    let p = progress.clone();
    let step = move |share: f64, message: &str| {
        p(TrainStep {
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
    let hold = t.validation_days as usize * 96;
    if y.len() <= hold + 96 {
        return Err(TrainError::TooFewDays {
            days: t.days,
            validation_days: t.validation_days,
        });
    }
    let (train, valid) = y.split_at(y.len() - hold);
    let (train, valid) = (train.to_vec(), valid.to_vec());
    let spec = t.spec;
    let production = engine.store.production_model(camera_id).await?;
    let p2 = progress.clone();
    step(0.1, "fitting");
    let validation_start = end - i64::from(t.validation_days) * DAY_MS;
    let fit = tokio::task::spawn_blocking(move || -> Result<_, TrainError> {
        let fitted = Sarimax::new(spec).fit_observed(&train, None, &mut |it, llf| {
            let message = format!("fitting: iteration {it}, log-likelihood {llf:.1}");
            // The optimiser rarely needs more than 60 iterations.
            let share = 0.1 + 0.7 * (it as f64 / 60.0).min(1.0);
            p2(TrainStep {
                share,
                message: &message,
                fit: Some((it, llf)),
            })
        })?;
        p2(TrainStep {
            share: 0.8,
            message: "validating",
            fit: None,
        });
        let f = fitted.forecast(hold, None)?;
        let val = rmse(&f.mean, &valid).ok_or(TrainError::NoValidation)?;
        let naive = seasonal_naive(&train, spec.season().max(1), hold)
            .ok()
            .and_then(|naive| rmse(&naive, &valid));
        let prod = production
            .as_ref()
            .and_then(|m| production_rmse(m, &train, &valid, from, validation_start));
        Ok((fitted, val, naive, prod))
    })
    .await
    .map_err(|e| TrainError::Task(e.to_string()))??;
    let (fitted, val, naive, prod) = fit;
    step(0.9, "registering");
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
            spec: spec.to_string(),
            params: params.to_blob()?,
            train_from_ms: Some(from),
            train_to_ms: Some(end - hold as i64 * QUARTER_MS),
            train_rmse: fitted.train_rmse(),
            validation_rmse: Some(val),
            baseline_rmse: naive,
            stage: ModelStage::Staging,
        })
        .await?;
    let promoted = should_promote(val, naive, prod);
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
        val,
        ?naive,
        ?prod,
        promoted,
        "forecast model trained"
    );
    Ok(Trained {
        model_id,
        validation_rmse: val,
        baseline_rmse: naive,
        production_rmse: prod,
        promoted,
    })
}
