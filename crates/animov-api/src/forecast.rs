//! Forecasts of the 15-minute standing ratio and the model registry.

use serde::{Deserialize, Serialize};

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
    pub stage: String,
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
