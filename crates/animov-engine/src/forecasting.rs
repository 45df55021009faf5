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
    let Some(path) = bundled_model_path() else {
        tracing::warn!(
            "no bundled forecast model (models/forecast/default.json): forecasts start once a camera has its own model"
        );
        return Ok(None);
    };
    let bundled: BundledModel = std::fs::read(&path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(|| ForecastingError::Model {
            id: 0,
            message: format!(
                "{} cannot be read: restore models/ from the package",
                path.display()
            ),
        })?;
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
