//! Forecasts inside the engine: every 15 minutes, per camera, the next 24 h of
//! the 15-minute standing ratio from the camera's production model — the
//! bundled model (`models/forecast/default.json`) until the camera has its
//! own — stored with 80 % and 95 % intervals ([`predict`]); training,
//! validation and promotion of a camera's own model ([`train`]); the bundled
//! model's registration ([`bundled`]); `animov forecast eval` ([`eval`]);
//! the nightly retraining of every camera ([`nightly`]).
//!
//! A camera with less than a week of history is filled in with the bundled
//! model's reference week (same time of day), so forecasts exist from the
//! first minute of a fresh install and follow the camera's own data as it
//! comes.

pub mod bundled;
pub mod eval;
pub mod nightly;
pub mod predict;
pub mod train;

use std::time::Duration;

use animov_core::time::{DAY_MS, QUARTER_MS, floor_to};
use animov_store::StoreError;
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use crate::Engine;

/// Buckets forecast each time (24 h).
pub const HORIZON: usize = 96;
/// Buckets of history the model is applied to (7 days).
pub const HISTORY: usize = 7 * 96;

/// What a model's `params` blob in the registry holds.
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

impl ModelParams {
    /// The blob stored in the registry.
    pub fn to_blob(&self) -> Result<Vec<u8>, ForecastingError> {
        serde_json::to_vec(self).map_err(|e| ForecastingError::Model {
            id: 0,
            message: format!("parameters cannot be stored: {e}"),
        })
    }
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
        /// Registry id (0: not registered).
        id: i64,
        /// What is wrong.
        message: String,
    },
    /// The bundled model file is unusable.
    #[error(transparent)]
    File(#[from] crate::models::ModelFileError),
}

/// One pass over every camera; returns how many were forecast.
pub async fn forecast_all(engine: &Engine, now_ms: i64) -> Result<usize, ForecastingError> {
    bundled::ensure_bundled(engine).await?;
    let mut done = 0;
    for c in engine.store.cameras().await? {
        if c.uri.is_none() && c.last_frame_ts.is_none_or(|t| now_ms - t > 7 * DAY_MS) {
            continue; // an ingest source without recent data
        }
        match predict::forecast_camera(engine, c.id, now_ms).await {
            Ok(n) if n > 0 => done += 1,
            Ok(_) => {}
            Err(e) => tracing::warn!(source = c.source, error = %e, "no forecast for this camera"),
        }
    }
    Ok(done)
}

/// Forecasts every 15 minutes (at start, then on each quarter hour) until
/// stopped; a failed pass (the database busy with a long write, e.g. the
/// first start's backfill) is tried again 20 s later.
pub async fn run(engine: Engine, mut stop: watch::Receiver<bool>) {
    loop {
        let failed = match forecast_all(&engine, engine.now_ms()).await {
            Ok(n) => {
                tracing::info!(cameras = n, "forecasts issued");
                false
            }
            Err(e) => {
                tracing::warn!(error = %e, "forecast pass failed; trying again in 20 s");
                true
            }
        };
        let now = engine.now_ms();
        let next = floor_to(now, QUARTER_MS) + QUARTER_MS + 5_000;
        let wait = if failed {
            Duration::from_secs(20)
        } else {
            Duration::from_millis((next - now).max(1_000) as u64)
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
    }
}
