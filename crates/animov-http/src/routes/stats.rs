//! Sources, dates, minute and consolidated statistics, series.

use animov_api::{
    Bucket, Camera, ConsolidatedStats, DateInfo, ErrorBody, LiveCounts, MinuteStats, SeriesPoint,
    SourceState,
};
use animov_core::{
    consolidate::{Consolidated, consolidate, consolidate_by},
    series::series as build_series,
    time::{DAY_MS, HOUR_MS, MINUTE_MS},
};
use animov_store::CameraRow;
use axum::{
    Json,
    extract::{Query, State},
};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::{ApiError, AppState, AuthUser, query::WindowQuery};

/// A frame within this long means the source is `live`.
const LIVE_MS: i64 = 60_000;

pub(crate) fn to_api_camera(c: CameraRow, now_ms: i64) -> Camera {
    let state = match c.last_frame_ts {
        Some(t) if now_ms - t <= LIVE_MS => SourceState::Live,
        Some(_) => SourceState::Idle,
        None => SourceState::NoData,
    };
    Camera {
        source: c.source,
        name: c.name,
        uri: c.uri.as_deref().map(animov_core::camera_uri::masked),
        herd_size: c.herd_size,
        kind: c.kind,
        state,
        last_frame_ts: c.last_frame_ts,
    }
}

pub(crate) fn to_api_consolidated(
    source: &str,
    from: i64,
    to: i64,
    c: Consolidated,
) -> ConsolidatedStats {
    ConsolidatedStats {
        source: source.to_string(),
        from,
        to,
        nb_minutes: c.nb_minutes,
        nb_frames: c.nb_frames,
        total: c.total,
        lying: c.lying,
        standing: c.standing,
    }
}

/// Cameras and ingest-only sources, with their state.
#[utoipa::path(get, path = "/api/v1/cameras", tag = "sources", security(("bearer" = [])),
    responses((status = 200, body = [Camera]), (status = 401, body = ErrorBody)))]
pub async fn cameras(
    State(state): State<AppState>,
    _user: AuthUser,
) -> Result<Json<Vec<Camera>>, ApiError> {
    let now = state.now_ms();
    Ok(Json(
        state
            .store
            .cameras()
            .await?
            .into_iter()
            .map(|c| to_api_camera(c, now))
            .collect(),
    ))
}

/// The newest frame of every source that has one.
#[utoipa::path(get, path = "/api/v1/live", tag = "sources", security(("bearer" = [])),
    responses((status = 200, body = [LiveCounts]), (status = 401, body = ErrorBody)))]
pub async fn live(
    State(state): State<AppState>,
    _user: AuthUser,
) -> Result<Json<Vec<LiveCounts>>, ApiError> {
    let mut out = Vec::new();
    for c in state.store.cameras().await? {
        if let Some((ts_ms, lying, standing)) = state.store.latest_frame(c.id).await? {
            out.push(LiveCounts {
                source: c.source,
                ts_ms,
                lying,
                standing,
                total: lying + standing,
            });
        }
    }
    Ok(Json(out))
}

/// `?source=`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SourceQuery {
    /// The source name.
    pub source: Option<String>,
}

/// UTC days that have statistics for a source.
#[utoipa::path(get, path = "/api/v1/dates", tag = "stats", security(("bearer" = [])), params(SourceQuery),
    responses((status = 200, body = [DateInfo]), (status = 404, body = ErrorBody)))]
pub async fn dates(
    State(state): State<AppState>,
    _user: AuthUser,
    Query(q): Query<SourceQuery>,
) -> Result<Json<Vec<DateInfo>>, ApiError> {
    let w = WindowQuery {
        source: q.source,
        ..Default::default()
    };
    let cam = w.camera(&state).await?;
    Ok(Json(state.store.dates(cam.id).await?))
}

/// Minute statistics (default: the last hour; at most 7 days).
#[utoipa::path(get, path = "/api/v1/stats/minutes", tag = "stats", security(("bearer" = [])), params(WindowQuery),
    responses((status = 200, body = [MinuteStats]), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn minutes(
    State(state): State<AppState>,
    _user: AuthUser,
    Query(q): Query<WindowQuery>,
) -> Result<Json<Vec<MinuteStats>>, ApiError> {
    let (from, to) = q.window(state.now_ms(), HOUR_MS, 7 * DAY_MS)?;
    let cam = q.camera(&state).await?;
    let rows = state.store.minute_rows(cam.id, from, to).await?;
    Ok(Json(rows.iter().map(|r| r.to_api()).collect()))
}

/// Statistics over a whole window, consolidated from minute rows with the exact
/// pooled std (default: the last 24 h; at most 366 days).
#[utoipa::path(get, path = "/api/v1/stats/consolidated", tag = "stats", security(("bearer" = [])), params(WindowQuery),
    responses((status = 200, body = ConsolidatedStats), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn consolidated(
    State(state): State<AppState>,
    _user: AuthUser,
    Query(q): Query<WindowQuery>,
) -> Result<Json<ConsolidatedStats>, ApiError> {
    let (from, to) = q.window(state.now_ms(), DAY_MS, 366 * DAY_MS)?;
    let cam = q.camera(&state).await?;
    let rows = state.store.minute_rows(cam.id, from, to).await?;
    Ok(Json(to_api_consolidated(
        &cam.source,
        from,
        to,
        consolidate(&rows),
    )))
}

/// Consolidated statistics hour by hour (default: the last 24 h; at most 31 days).
#[utoipa::path(get, path = "/api/v1/stats/hourly", tag = "stats", security(("bearer" = [])), params(WindowQuery),
    responses((status = 200, body = [ConsolidatedStats]), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn hourly(
    State(state): State<AppState>,
    _user: AuthUser,
    Query(q): Query<WindowQuery>,
) -> Result<Json<Vec<ConsolidatedStats>>, ApiError> {
    let (from, to) = q.window(state.now_ms(), DAY_MS, 31 * DAY_MS)?;
    let cam = q.camera(&state).await?;
    Ok(Json(
        hourly_rows(&state, &cam.source, cam.id, from, to).await?,
    ))
}

pub(crate) async fn hourly_rows(
    state: &AppState,
    source: &str,
    camera_id: i64,
    from: i64,
    to: i64,
) -> Result<Vec<ConsolidatedStats>, ApiError> {
    let rows = state.store.minute_rows(camera_id, from, to).await?;
    Ok(consolidate_by(&rows, HOUR_MS)
        .into_iter()
        .map(|(h, c)| to_api_consolidated(source, h, h + HOUR_MS, c))
        .collect())
}

fn max_span(bucket: Bucket) -> (i64, i64) {
    match bucket {
        Bucket::M5 => (DAY_MS, 31 * DAY_MS),
        Bucket::M15 => (DAY_MS, 366 * DAY_MS),
        Bucket::H1 => (7 * DAY_MS, 2 * 366 * DAY_MS),
        Bucket::D1 => (30 * DAY_MS, 5 * 366 * DAY_MS),
    }
}

pub(crate) async fn series_points(
    state: &AppState,
    camera_id: i64,
    from: i64,
    to: i64,
    bucket: Bucket,
) -> Result<Vec<SeriesPoint>, ApiError> {
    let hists = state
        .store
        .series_hists(camera_id, from, to, bucket.millis())
        .await?;
    Ok(build_series(&hists, bucket.millis()))
}

/// Activity series: per bucket the median lying and standing counts over its
/// frames, the standing ratio from those medians, means and min/max bands.
/// Window defaults and limits depend on the bucket (5m: 1 d / 31 d, 15m: 1 d /
/// 366 d, 1h: 7 d / 732 d, 1d: 30 d / 1830 d).
#[utoipa::path(get, path = "/api/v1/series", tag = "stats", security(("bearer" = [])), params(WindowQuery),
    responses((status = 200, body = [SeriesPoint]), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn series(
    State(state): State<AppState>,
    _user: AuthUser,
    Query(q): Query<WindowQuery>,
) -> Result<Json<Vec<SeriesPoint>>, ApiError> {
    let bucket = q.bucket()?;
    let (def, max) = max_span(bucket);
    let (from, to) = q.window(state.now_ms(), def, max)?;
    let cam = q.camera(&state).await?;
    Ok(Json(series_points(&state, cam.id, from, to, bucket).await?))
}

/// `?source=&period=hour|day`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LastQuery {
    /// The source name.
    pub source: Option<String>,
    /// `hour` (5-minute buckets) or `day` (15-minute buckets, default).
    pub period: Option<String>,
}

/// The last hour (5 min buckets) or last day (15 min buckets) of data of a
/// source, ending with its newest minute.
#[utoipa::path(get, path = "/api/v1/series/last", tag = "stats", security(("bearer" = [])), params(LastQuery),
    responses((status = 200, body = [SeriesPoint]), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn series_last(
    State(state): State<AppState>,
    _user: AuthUser,
    Query(q): Query<LastQuery>,
) -> Result<Json<Vec<SeriesPoint>>, ApiError> {
    let (span, bucket) = match q.period.as_deref() {
        Some("hour") => (HOUR_MS, Bucket::M5),
        None | Some("day") => (DAY_MS, Bucket::M15),
        Some(_) => return Err(ApiError::bad_param("period", "period must be hour or day")),
    };
    let w = WindowQuery {
        source: q.source,
        ..Default::default()
    };
    let cam = w.camera(&state).await?;
    Ok(Json(last_points(&state, cam.id, span, bucket).await?))
}

pub(crate) async fn last_points(
    state: &AppState,
    camera_id: i64,
    span: i64,
    bucket: Bucket,
) -> Result<Vec<SeriesPoint>, ApiError> {
    let Some(last) = state.store.last_minute_ts(camera_id).await? else {
        return Ok(vec![]);
    };
    let to = last + MINUTE_MS;
    series_points(state, camera_id, to - span, to, bucket).await
}
