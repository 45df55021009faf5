//! Forecasts inside the engine: every 15 minutes, per camera, the next 24 h of
//! the 15-minute standing ratio from the camera's production model — the
//! bundled model (`models/forecast/default.json`) until the camera has its
//! own — stored with 80 % and 95 % intervals.
//!
//! A camera with less than a week of history is filled in with the bundled
//! model's reference week (same time of day), so forecasts exist from the
//! first minute of a fresh install and follow the camera's own data as it
//! comes.

use std::{path::PathBuf, time::Duration};

use animov_api::Bucket;
use animov_core::time::{DAY_MS, floor_to};
use animov_forecast::{Sarimax, SarimaxSpec};
use animov_store::{ForecastPoint, ModelRow, NewModel, Stage, StoreError};
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use crate::state::AppState;

/// One 15-minute bucket.
pub const BUCKET_MS: i64 = 15 * 60_000;
/// Buckets forecast each time (24 h).
pub const HORIZON: usize = 96;
/// Buckets of history the model is applied to (7 days).
pub const HISTORY: usize = 7 * 96;

/// What a model's `params` blob holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelParams {
    /// Constrained parameters (statsmodels' order).
    pub params: Vec<f64>,
    /// The reference week (bundled model only): 672 buckets, `null` = missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<Vec<Option<f64>>>,
    /// UTC ms of the reference week's first bucket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_start_ms: Option<i64>,
}

/// The bundled model file.
#[derive(Debug, Clone, Deserialize)]
pub struct BundledModel {
    /// Display name.
    pub name: String,
    /// `(p,d,q)(P,D,Q,s)`.
    pub spec: String,
    /// Parameters.
    pub params: Vec<f64>,
    /// What it was fitted on.
    pub trained_on: String,
    /// Start of the reference week.
    pub profile_start_ms: i64,
    /// The reference week.
    pub profile: Vec<Option<f64>>,
}

/// Why forecasts cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum ForecastingError {
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The model is unusable.
    #[error("forecast model {id}: {message}")]
    Model {
        /// Registry id.
        id: i64,
        /// What is wrong.
        message: String,
    },
}

/// `models/forecast/default.json`, found like the bundled detector.
pub fn bundled_model_path() -> Option<PathBuf> {
    crate::vision::default_model()
        .and_then(|p| p.parent().map(|d| d.join("forecast/default.json")))
        .filter(|p| p.is_file())
}

/// Reads the bundled model: `Err(None)` when there is none, `Err(Some(why))` when it is unreadable.
pub fn load_bundled() -> Result<BundledModel, Option<String>> {
    let path = bundled_model_path().ok_or(None)?;
    std::fs::read(&path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(|| {
            Some(format!(
                "{} cannot be read: restore models/ from the package",
                path.display()
            ))
        })
}

/// Registers the bundled model as the fallback production model, once.
pub async fn ensure_bundled(state: &AppState) -> Result<Option<i64>, ForecastingError> {
    if let Some(m) = state
        .store
        .models(None)
        .await?
        .into_iter()
        .find(|m| m.model.stage == Stage::Production)
    {
        return Ok(Some(m.id));
    }
    let bundled = match load_bundled() {
        Ok(b) => b,
        Err(None) => {
            tracing::warn!(
                "no bundled forecast model (models/forecast/default.json): forecasts start once a camera has its own model"
            );
            return Ok(None);
        }
        Err(Some(message)) => return Err(ForecastingError::Model { id: 0, message }),
    };
    let params = ModelParams {
        params: bundled.params,
        profile: Some(bundled.profile),
        profile_start_ms: Some(bundled.profile_start_ms),
    };
    let id = state
        .store
        .insert_model(&NewModel {
            camera_id: None,
            kind: "sarimax".into(),
            spec: bundled.spec,
            params: serde_json::to_vec(&params).unwrap_or_default(),
            train_from_ms: Some(bundled.profile_start_ms),
            train_to_ms: Some(bundled.profile_start_ms + 7 * DAY_MS),
            train_rmse: None,
            validation_rmse: None,
            baseline_rmse: None,
            stage: Stage::Production,
        })
        .await?;
    tracing::info!(
        id,
        name = bundled.name,
        trained_on = bundled.trained_on,
        "bundled forecast model registered"
    );
    Ok(Some(id))
}

/// The 7-day history ending at `end_ms` (exclusive, bucket-aligned): observed
/// ratios where the camera has them; before its first observation, the
/// reference week at the same time of day.
pub fn history(
    observed: &[(i64, Option<f64>)],
    end_ms: i64,
    reference: Option<(&[Option<f64>], i64)>,
) -> Vec<f64> {
    let start = end_ms - HISTORY as i64 * BUCKET_MS;
    let mut y = vec![f64::NAN; HISTORY];
    let first = observed.iter().map(|o| o.0).min();
    for (ts, v) in observed {
        if *ts >= start && *ts < end_ms {
            y[((ts - start) / BUCKET_MS) as usize] = v.unwrap_or(f64::NAN);
        }
    }
    if let Some((profile, profile_start)) = reference
        && profile.len() >= 96
    {
        for (k, slot) in y.iter_mut().enumerate() {
            let ts = start + k as i64 * BUCKET_MS;
            if first.is_some_and(|f| ts >= f) {
                continue;
            }
            // Same day rank and time of day within the reference week.
            let tod = (ts - profile_start).rem_euclid(DAY_MS) / BUCKET_MS;
            let day = (k / 96).min(profile.len() / 96 - 1);
            *slot = profile[day * 96 + tod as usize].unwrap_or(f64::NAN);
        }
    }
    y
}

/// Forecasts the next 24 h for one camera with its production model and stores them.
#[tracing::instrument(skip(state))]
pub async fn forecast_camera(
    state: &AppState,
    camera_id: i64,
    now_ms: i64,
) -> Result<usize, ForecastingError> {
    let Some(model) = state.store.production_model(camera_id).await? else {
        return Ok(0);
    };
    let end = floor_to(now_ms, BUCKET_MS);
    let hists = state
        .store
        .posture_hists(camera_id, end - HISTORY as i64 * BUCKET_MS, end)
        .await?;
    let observed: Vec<(i64, Option<f64>)> =
        animov_core::series::series(&hists, Bucket::M15.millis())
            .into_iter()
            .map(|p| (p.ts, p.ratio_standing))
            .collect();
    let points = predict(&model, &observed, end)?;
    state
        .store
        .insert_forecast(camera_id, model.id, now_ms, &points)
        .await?;
    Ok(points.len())
}

fn predict(
    model: &ModelRow,
    observed: &[(i64, Option<f64>)],
    end: i64,
) -> Result<Vec<ForecastPoint>, ForecastingError> {
    let bad = |message: String| ForecastingError::Model {
        id: model.id,
        message,
    };
    let params: ModelParams = serde_json::from_slice(&model.model.params)
        .map_err(|e| bad(format!("parameters unreadable: {e}")))?;
    let spec = SarimaxSpec::parse(&model.model.spec).map_err(|e| bad(e.to_string()))?;
    let reference = params.profile.as_deref().zip(params.profile_start_ms);
    let y = history(observed, end, reference);
    let fitted = Sarimax::new(spec)
        .with_params(&y, None, &params.params, 0, true)
        .map_err(|e| bad(e.to_string()))?;
    let f = fitted
        .forecast(HORIZON, None)
        .map_err(|e| bad(e.to_string()))?;
    // A share of the herd: keep it within 0–100 %.
    let c = |v: f64| v.clamp(0.0, 100.0);
    Ok((0..HORIZON)
        .map(|k| ForecastPoint {
            ts_ms: end + k as i64 * BUCKET_MS,
            mean: c(f.mean[k]),
            lower80: c(f.lower80[k]),
            upper80: c(f.upper80[k]),
            lower95: c(f.lower95[k]),
            upper95: c(f.upper95[k]),
        })
        .collect())
}

/// The camera's 15-minute standing ratio over `[from, to)` on a full grid (NaN = missing).
pub async fn observed_grid(
    state: &AppState,
    camera_id: i64,
    from: i64,
    to: i64,
) -> Result<Vec<f64>, StoreError> {
    let hists = state.store.posture_hists(camera_id, from, to).await?;
    let n = ((to - from) / BUCKET_MS).max(0) as usize;
    let mut y = vec![f64::NAN; n];
    for p in animov_core::series::series(&hists, Bucket::M15.millis()) {
        let k = ((p.ts - from) / BUCKET_MS) as usize;
        if k < n {
            y[k] = p.ratio_standing.unwrap_or(f64::NAN);
        }
    }
    Ok(y)
}

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

/// Fits a model of the camera on its last `days` days but the validation
/// ones, scores it on those against the seasonal naive forecast and the
/// current production model, registers it (staging), and promotes it when it
/// beats both. Any failure leaves the production model as it was.
/// `progress` receives (share done, what is happening).
#[tracing::instrument(skip(state, progress))]
pub async fn train_camera(
    state: &AppState,
    camera_id: i64,
    t: TrainSpec,
    now_ms: i64,
    progress: impl Fn(f64, &str) + Send + Sync + 'static,
) -> Result<Trained, String> {
    let end = floor_to(now_ms, BUCKET_MS);
    let from = end - i64::from(t.days) * DAY_MS;
    progress(0.05, "reading the history");
    let y = observed_grid(state, camera_id, from, end)
        .await
        .map_err(|e| e.to_string())?;
    let observed = y.iter().filter(|v| v.is_finite()).count();
    if observed < t.min_days as usize * 96 / 2 {
        return Err(format!(
            "not enough history: {observed} observed 15-minute buckets in the last {} days; at least {} days of data are needed",
            t.days, t.min_days
        ));
    }
    let hold = t.validation_days as usize * 96;
    if y.len() <= hold + 96 {
        return Err(format!(
            "{} days are too few to hold out {} for validation",
            t.days, t.validation_days
        ));
    }
    let (train, valid) = y.split_at(y.len() - hold);
    let (train, valid) = (train.to_vec(), valid.to_vec());
    let spec = t.spec;
    let production = state
        .store
        .production_model(camera_id)
        .await
        .map_err(|e| e.to_string())?;
    let progress = std::sync::Arc::new(progress);
    let p2 = progress.clone();
    progress(0.1, "fitting");
    let fit = tokio::task::spawn_blocking(move || -> Result<_, String> {
        let fitted = Sarimax::new(spec)
            .fit(&train, None)
            .map_err(|e| e.to_string())?;
        p2(0.8, "validating");
        let f = fitted.forecast(hold, None).map_err(|e| e.to_string())?;
        let val = animov_forecast::baseline::rmse(&f.mean, &valid)
            .ok_or("no observed value in the validation days")?;
        let naive_rmse = {
            let s = spec.season().max(1);
            animov_forecast::baseline::seasonal_naive(&train, s, hold)
                .ok()
                .and_then(|naive| animov_forecast::baseline::rmse(&naive, &valid))
        };
        // The production model's score on the same days, from its parameters.
        let prod = production.as_ref().and_then(|m| {
            let params: ModelParams = serde_json::from_slice(&m.model.params).ok()?;
            let spec = SarimaxSpec::parse(&m.model.spec).ok()?;
            let reference = params.profile.as_deref().zip(params.profile_start_ms);
            let start = end - i64::from(t.validation_days) * DAY_MS;
            let obs: Vec<(i64, Option<f64>)> = train
                .iter()
                .enumerate()
                .skip(train.len().saturating_sub(HISTORY))
                .map(|(k, v)| (from + k as i64 * BUCKET_MS, v.is_finite().then_some(*v)))
                .collect();
            let hist = history(&obs, start, reference);
            let f = Sarimax::new(spec)
                .with_params(&hist, None, &params.params, 0, true)
                .ok()?
                .forecast(hold, None)
                .ok()?;
            animov_forecast::baseline::rmse(&f.mean, &valid)
        });
        Ok((fitted, val, naive_rmse, prod))
    })
    .await
    .map_err(|e| e.to_string())??;
    let (fitted, val, naive, prod) = fit;
    progress(0.9, "registering");
    let params = ModelParams {
        params: fitted.params().to_vec(),
        profile: None,
        profile_start_ms: None,
    };
    let model_id = state
        .store
        .insert_model(&NewModel {
            camera_id: Some(camera_id),
            kind: "sarimax".into(),
            spec: spec.to_string(),
            params: serde_json::to_vec(&params).unwrap_or_default(),
            train_from_ms: Some(from),
            train_to_ms: Some(end - hold as i64 * BUCKET_MS),
            train_rmse: fitted.train_rmse(),
            validation_rmse: Some(val),
            baseline_rmse: naive,
            stage: Stage::Staging,
        })
        .await
        .map_err(|e| e.to_string())?;
    let promoted = naive.is_none_or(|n| val < n) && prod.is_none_or(|p| val < p);
    if promoted {
        state
            .store
            .set_model_stage(model_id, Stage::Production)
            .await
            .map_err(|e| e.to_string())?;
    }
    progress(
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

/// One pass over every camera; returns how many were forecast.
pub async fn forecast_all(state: &AppState, now_ms: i64) -> Result<usize, ForecastingError> {
    ensure_bundled(state).await?;
    let mut done = 0;
    for c in state.store.cameras().await? {
        if c.uri.is_none() && c.last_frame_ts.is_none_or(|t| now_ms - t > 7 * DAY_MS) {
            continue; // an ingest source without recent data
        }
        match forecast_camera(state, c.id, now_ms).await {
            Ok(n) if n > 0 => done += 1,
            Ok(_) => {}
            Err(e) => tracing::warn!(source = c.source, error = %e, "no forecast for this camera"),
        }
    }
    Ok(done)
}

/// Forecasts every 15 minutes (at start, then on each quarter hour) until stopped.
pub async fn job(state: AppState, mut stop: watch::Receiver<bool>) {
    loop {
        let now = animov_store::now_ms();
        match forecast_all(&state, now).await {
            Ok(n) => tracing::info!(cameras = n, "forecasts issued"),
            Err(e) => {
                tracing::warn!(error = %e, "forecast pass failed; retrying at the next quarter hour")
            }
        }
        let next = floor_to(animov_store::now_ms(), BUCKET_MS) + BUCKET_MS + 5_000;
        let wait = Duration::from_millis((next - animov_store::now_ms()).max(1_000) as u64);
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_uses_the_reference_week_before_the_first_observation() {
        let day0 = 1_793_577_600_000i64; // a UTC midnight
        let profile: Vec<Option<f64>> = (0..HISTORY).map(|k| Some((k % 96) as f64)).collect();
        let end = day0 + 7 * DAY_MS + 10 * BUCKET_MS;
        // The camera has data only for the last two buckets.
        let observed = [(end - 2 * BUCKET_MS, Some(50.0)), (end - BUCKET_MS, None)];
        let y = history(&observed, end, Some((&profile, day0)));
        assert_eq!(y.len(), HISTORY);
        // First bucket: 00:00 + 10 buckets on day 0 → time-of-day index 10.
        assert_eq!(y[0], 10.0);
        assert_eq!(y[HISTORY - 2], 50.0);
        assert!(
            y[HISTORY - 1].is_nan(),
            "an observed empty bucket stays missing"
        );
        // Without a reference week, the past is simply missing.
        let y = history(&observed, end, None);
        assert!(y[0].is_nan());
    }
}
