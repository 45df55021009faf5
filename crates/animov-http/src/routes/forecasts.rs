//! Forecasts and the model registry over HTTP.

use animov_api::{
    ComparePoint, ErrorBody, ForecastComparison, ForecastPoint, JobInfo, JobStarted, ModelInfo,
    ModelStage, Role, TrainRequest,
};
use animov_core::time::DAY_MS;
use animov_forecast::{
    SarimaxSpec,
    baseline::{mae, rmse},
};
use axum::{
    Json,
    extract::{Path, Query, State},
    http::StatusCode,
};

use animov_core::time::QUARTER_MS;
use animov_engine::{
    forecasting::{
        predict::{forecast_camera, observed_grid},
        train::{TrainSpec, train_camera},
    },
    jobs::Produced,
};

use super::stats::SourceQuery;
use crate::{
    ApiError, AppState, AuthUser,
    extract::ApiJson,
    query::{WindowQuery, camera_named},
};

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
        q.to = Some((state.now_ms() + DAY_MS).to_string());
    }
    let (from, to) = q.window(state.now_ms(), 2 * DAY_MS, 366 * DAY_MS)?;
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
#[utoipa::path(get, path = "/api/v1/models", tag = "forecasts", security(("bearer" = [])), params(SourceQuery),
    responses((status = 200, body = [ModelInfo]), (status = 404, body = ErrorBody)))]
pub async fn models(
    State(state): State<AppState>,
    _user: AuthUser,
    Query(q): Query<SourceQuery>,
) -> Result<Json<Vec<ModelInfo>>, ApiError> {
    let cam = match q.source.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(camera_named(&state, s).await?),
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
                stage: m.model.stage,
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

/// Trains a forecast model of a camera (admin): backtests `spec` — or every
/// candidate of `[forecast] candidates` when none is given — on rolling
/// 2-day holdouts over its last `days` days, fits the best on the last 7
/// days, registers it, promotes it if it beats the production model, the
/// seasonal naive forecast and the seasonal mean. Returns a job to follow; a
/// failure leaves the production model in place.
#[utoipa::path(post, path = "/api/v1/models/forecast/train", tag = "forecasts", security(("bearer" = [])), request_body = TrainRequest,
    responses((status = 202, body = JobStarted), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn train(
    State(state): State<AppState>,
    user: AuthUser,
    body: Result<ApiJson<TrainRequest>, ApiError>,
) -> Result<(StatusCode, Json<JobStarted>), ApiError> {
    user.require(&[Role::Admin], "train forecast models")?;
    let ApiJson(req) = body?;
    let cam = camera_named(&state, &req.source).await?;
    let candidates = match req.spec.as_deref() {
        Some(spec) => {
            vec![SarimaxSpec::parse(spec).map_err(|e| ApiError::invalid("spec", e.to_string()))?]
        }
        None => animov_engine::forecasting::nightly::candidates(&state.config.forecast),
    };
    let days = req.days.unwrap_or(state.config.forecast.retrain_days);
    if !(4..=60).contains(&days) {
        return Err(ApiError::invalid("days", "days must be between 4 and 60"));
    }
    let job = state.jobs.start("forecast training");
    let st = state.clone();
    tokio::spawn(async move {
        let progress_state = st.clone();
        let t = TrainSpec {
            candidates,
            days,
            folds: st.config.forecast.backtest_folds,
            min_days: st.config.forecast.min_history_days,
            threads: animov_engine::forecasting::nightly::threads_per_fit(1),
        };
        let r = train_camera(&st, cam.id, t, st.now_ms(), move |s| {
            progress_state.jobs.progress(job, s.share, s.message)
        })
        .await;
        if let Ok(t) = &r {
            // Serve the new production model at once.
            if t.promoted
                && let Err(e) = forecast_camera(&st, cam.id, st.now_ms()).await
            {
                tracing::warn!(error = %e, "forecast after training failed");
            }
        }
        st.jobs.finish(
            job,
            r.map(|t| Produced {
                model_id: t.model_id,
                promoted: t.promoted,
            }),
        );
    });
    tracing::info!(source = %req.source, spec = ?req.spec, days, job, by = %user.username, "forecast training started");
    Ok((StatusCode::ACCEPTED, Json(JobStarted { job_id: job })))
}

/// Nightly retraining: its window and model, and the last run — each
/// camera's outcome with its errors, the fit under way, or why it was
/// interrupted.
#[utoipa::path(get, path = "/api/v1/models/retrain", tag = "forecasts", security(("bearer" = [])),
    responses((status = 200, body = animov_api::RetrainStatus)))]
pub async fn retrain_status(
    State(state): State<AppState>,
    _user: AuthUser,
) -> Json<animov_api::RetrainStatus> {
    Json(animov_engine::forecasting::nightly::status(&state).await)
}

/// Runs the nightly retraining now (admin), in the background: follow it
/// with `GET /api/v1/models/retrain`. 409 while a run is under way.
#[utoipa::path(post, path = "/api/v1/models/retrain", tag = "forecasts", security(("bearer" = [])),
    responses((status = 202, description = "started: `{\"started\": true}`"), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn retrain_now(
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    user.require(&[Role::Admin], "retrain the forecast models")?;
    let st = state.clone();
    if !animov_engine::forecasting::nightly::start_now(&st) {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "retraining",
            "a retraining run is under way: its progress is on the Forecasts page",
        ));
    }
    tracing::info!(by = %user.username, "retraining started by hand");
    Ok((
        StatusCode::ACCEPTED,
        Json(serde_json::json!({ "started": true })),
    ))
}

/// A background job's state and progress.
#[utoipa::path(get, path = "/api/v1/jobs/{id}", tag = "forecasts", security(("bearer" = [])),
    params(("id" = u64, Path, description = "Job id")),
    responses((status = 200, body = JobInfo), (status = 404, body = ErrorBody)))]
pub async fn job(
    State(state): State<AppState>,
    _user: AuthUser,
    Path(id): Path<u64>,
) -> Result<Json<JobInfo>, ApiError> {
    state.jobs.get(id).map(Json).ok_or_else(|| {
        ApiError::not_found(format!(
            "no job {id} (jobs are kept until the engine restarts)"
        ))
    })
}

async fn set_stage(
    state: &AppState,
    user: &AuthUser,
    id: i64,
    stage: ModelStage,
) -> Result<StatusCode, ApiError> {
    user.require(&[Role::Admin], "change forecast models")?;
    if !state.store.set_model_stage(id, stage).await? {
        return Err(ApiError::not_found(format!(
            "no model {id}: GET /api/v1/models lists them"
        )));
    }
    tracing::info!(id, stage = stage.as_str(), by = %user.username, "forecast model stage changed");
    Ok(StatusCode::NO_CONTENT)
}

/// Makes a model its camera's production model (admin); the previous one is archived.
#[utoipa::path(post, path = "/api/v1/models/{id}/promote", tag = "forecasts", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Model id")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn promote(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    set_stage(&state, &user, id, ModelStage::Production).await
}

/// Archives a model (admin); a camera without a production model falls back to the bundled one.
#[utoipa::path(post, path = "/api/v1/models/{id}/archive", tag = "forecasts", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Model id")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn archive(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    set_stage(&state, &user, id, ModelStage::Archived).await
}

/// Forecasts against what was observed over a window (default: the last 24 h),
/// with RMSE, MAE and the 95 % interval's coverage.
#[utoipa::path(get, path = "/api/v1/forecasts/compare", tag = "forecasts", security(("bearer" = [])), params(WindowQuery),
    responses((status = 200, body = ForecastComparison), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn compare(
    State(state): State<AppState>,
    _user: AuthUser,
    Query(q): Query<WindowQuery>,
) -> Result<Json<ForecastComparison>, ApiError> {
    let (from, to) = q.window(state.now_ms(), DAY_MS, 366 * DAY_MS)?;
    let cam = q.camera(&state).await?;
    let from = from - from.rem_euclid(QUARTER_MS);
    let observed = observed_grid(&state, cam.id, from, to).await?;
    let stored = state.store.forecasts(cam.id, from, to, i64::MAX).await?;
    let points: Vec<ComparePoint> = stored
        .iter()
        .map(|f| {
            let k = ((f.point.ts_ms - from) / QUARTER_MS) as usize;
            ComparePoint {
                ts: f.point.ts_ms,
                predicted: f.point.mean,
                lower95: f.point.lower95,
                upper95: f.point.upper95,
                observed: observed.get(k).copied().filter(|v| v.is_finite()),
            }
        })
        .collect();
    let pred: Vec<f64> = points.iter().map(|p| p.predicted).collect();
    let obs: Vec<f64> = points
        .iter()
        .map(|p| p.observed.unwrap_or(f64::NAN))
        .collect();
    let both: Vec<&ComparePoint> = points.iter().filter(|p| p.observed.is_some()).collect();
    let inside = both
        .iter()
        .filter(|p| p.observed.is_some_and(|o| o >= p.lower95 && o <= p.upper95))
        .count();
    Ok(Json(ForecastComparison {
        n: both.len(),
        rmse: rmse(&pred, &obs),
        mae: mae(&pred, &obs),
        coverage95: (!both.is_empty()).then(|| inside as f64 / both.len() as f64),
        points,
    }))
}
