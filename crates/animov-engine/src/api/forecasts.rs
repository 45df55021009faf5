//! Forecasts and the model registry over HTTP.

use animov_api::{ErrorBody, ForecastPoint, ModelInfo};
use animov_core::time::DAY_MS;
use axum::{
    Json,
    extract::{Query, State},
};

use super::{ApiError, AuthUser, query::WindowQuery};
use crate::state::AppState;

/// Stored forecasts of a camera's 15-minute standing ratio with 80 % and 95 %
/// intervals: per bucket, the newest issued (default window: the last 24 h
/// and the next 24 h).
#[utoipa::path(get, path = "/api/v1/forecasts", tag = "forecasts", security(("bearer" = [])), params(WindowQuery),
    responses((status = 200, body = [ForecastPoint]), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn forecasts(
    State(state): State<AppState>,
    _user: AuthUser,
    Query(mut q): Query<WindowQuery>,
) -> Result<Json<Vec<ForecastPoint>>, ApiError> {
    if q.to.is_none() {
        q.to = Some((animov_store::now_ms() + DAY_MS).to_string());
    }
    let (from, to) = q.window(2 * DAY_MS, 366 * DAY_MS)?;
    let cam = q.camera(&state).await?;
    let rows = state.store.forecasts(cam.id, from, to, i64::MAX).await?;
    Ok(Json(
        rows.into_iter()
            .map(|f| ForecastPoint {
                ts: f.point.ts_ms,
                mean: f.point.mean,
                lower80: f.point.lower80,
                upper80: f.point.upper80,
                lower95: f.point.lower95,
                upper95: f.point.upper95,
                issued_ms: f.issued_ms,
                model_id: f.model_id,
            })
            .collect(),
    ))
}

/// Forecast model versions of a camera (`?source=`) or, without it, the bundled ones; newest first.
#[utoipa::path(get, path = "/api/v1/models", tag = "forecasts", security(("bearer" = [])), params(super::stats::SourceQuery),
    responses((status = 200, body = [ModelInfo]), (status = 404, body = ErrorBody)))]
pub async fn models(
    State(state): State<AppState>,
    _user: AuthUser,
    Query(q): Query<super::stats::SourceQuery>,
) -> Result<Json<Vec<ModelInfo>>, ApiError> {
    let cam = match q.source.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(super::query::camera_named(&state, s).await?),
        None => None,
    };
    let rows = state.store.models(cam.as_ref().map(|c| c.id)).await?;
    Ok(Json(
        rows.into_iter()
            .map(|m| ModelInfo {
                id: m.id,
                source: cam.as_ref().map(|c| c.source.clone()),
                kind: m.model.kind,
                spec: m.model.spec,
                stage: m.model.stage.as_str().into(),
                train_from_ms: m.model.train_from_ms,
                train_to_ms: m.model.train_to_ms,
                train_rmse: m.model.train_rmse,
                validation_rmse: m.model.validation_rmse,
                baseline_rmse: m.model.baseline_rmse,
                created_ms: m.created_ms,
            })
            .collect(),
    ))
}
