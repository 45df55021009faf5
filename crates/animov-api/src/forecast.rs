//! Forecasts of the 15-minute standing ratio and the model registry.

use serde::{Deserialize, Serialize};

use crate::names::names;

/// One forecast bucket (`GET /api/v1/forecasts`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ForecastPoint {
    /// Bucket start, UTC ms.
    pub ts: i64,
    /// Predicted standing ratio, %.
    pub mean: f64,
    /// 80 % interval, lower bound.
    pub lower80: f64,
    /// 80 % interval, upper bound.
    pub upper80: f64,
    /// 95 % interval, lower bound.
    pub lower95: f64,
    /// 95 % interval, upper bound.
    pub upper95: f64,
    /// When this forecast was issued, UTC ms.
    pub issued_ms: i64,
    /// The model that made it.
    pub model_id: i64,
}

/// Where a model version stands in the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ModelStage {
    /// Serves the camera's forecasts (one per camera).
    Production,
    /// Trained, not (yet) serving.
    Staging,
    /// Kept for history.
    Archived,
}

names!(ModelStage, "model stage" {
    Production => "production",
    Staging => "staging",
    Archived => "archived",
});

/// Where a background job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// Working.
    Running,
    /// Finished.
    Done,
    /// Stopped on an error (in `message`).
    Failed,
}

names!(JobState, "job state" {
    Running => "running",
    Done => "done",
    Failed => "failed",
});

/// A forecast model version (`GET /api/v1/models`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ModelInfo {
    /// Id.
    pub id: i64,
    /// Its camera; `null` for the bundled model (every camera's fallback).
    pub source: Option<String>,
    /// `sarimax`.
    pub kind: String,
    /// `(p,d,q)(P,D,Q,s)`.
    pub spec: String,
    /// `production`, `staging` or `archived`.
    pub stage: ModelStage,
    /// Training window, UTC ms.
    pub train_from_ms: Option<i64>,
    /// Training window end, UTC ms.
    pub train_to_ms: Option<i64>,
    /// RMSE on the training window.
    pub train_rmse: Option<f64>,
    /// RMSE on the validation days.
    pub validation_rmse: Option<f64>,
    /// RMSE of the seasonal naive forecast on those days.
    pub baseline_rmse: Option<f64>,
    /// Registered at, UTC ms.
    pub created_ms: i64,
}

/// `POST /api/v1/models/forecast/train` body (admin).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TrainRequest {
    /// The camera.
    pub source: String,
    /// `(p,d,q)(P,D,Q,s)`; default: every model of `[forecast] candidates`,
    /// the backtests choose.
    #[serde(default)]
    pub spec: Option<String>,
    /// Days of history backtested (2-day holdouts); default
    /// `[forecast] retrain_days`.
    #[serde(default)]
    pub days: Option<u32>,
}

/// A background job (`GET /api/v1/jobs/{id}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobInfo {
    /// Id.
    pub id: u64,
    /// What it does.
    pub kind: String,
    /// `running`, `done` or `failed`.
    pub state: JobState,
    /// Share done, 0 to 1.
    pub progress: f64,
    /// What is happening, or why it failed.
    pub message: String,
    /// The model it produced.
    pub model_id: Option<i64>,
    /// Whether that model became the production one.
    pub promoted: Option<bool>,
    /// Where to download the file it made (a clip).
    #[serde(default)]
    pub output: Option<String>,
}

/// `POST /api/v1/models/forecast/train` answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobStarted {
    /// Follow it with `GET /api/v1/jobs/{job_id}`.
    pub job_id: u64,
}

/// Predicted vs observed for one bucket.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ComparePoint {
    /// Bucket start, UTC ms.
    pub ts: i64,
    /// Forecast.
    pub predicted: f64,
    /// 95 % interval.
    pub lower95: f64,
    /// 95 % interval.
    pub upper95: f64,
    /// Observed standing ratio; `null` when missing.
    pub observed: Option<f64>,
}

/// `GET /api/v1/forecasts/compare`: forecasts against what happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ForecastComparison {
    /// Per bucket.
    pub points: Vec<ComparePoint>,
    /// Buckets with both.
    pub n: usize,
    /// Root mean squared error over them.
    pub rmse: Option<f64>,
    /// Mean absolute error over them.
    pub mae: Option<f64>,
    /// Share of observations inside the 95 % interval.
    pub coverage95: Option<f64>,
}
