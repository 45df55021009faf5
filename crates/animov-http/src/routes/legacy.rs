//! Thin aliases of the Python prototype's read routes, so its dashboards and
//! scripts keep working. Each takes an optional `?source=` (default: every
//! source), needs a token like every other route, and answers rows tagged with
//! their `source`. "Last" windows end at each source's newest minute.

use animov_api::{Bucket, ConsolidatedStats, DateInfo, SeriesPoint, SourceMinute};
use animov_core::{
    consolidate::consolidate,
    time::{DAY_MS, HOUR_MS, MINUTE_MS},
};
use animov_store::CameraRow;
use axum::{
    Json, Router,
    extract::{Query, State},
    routing::get,
};
use serde::Serialize;

use super::stats::{SourceQuery, hourly_rows, series_points, to_api_consolidated};
use crate::{ApiError, AppState, AuthUser, query::camera_named};

/// A row of one source.
#[derive(Debug, Serialize)]
pub struct Tagged<T: Serialize> {
    source: String,
    #[serde(flatten)]
    row: T,
}

async fn sources_of(state: &AppState, q: &SourceQuery) -> Result<Vec<CameraRow>, ApiError> {
    match q.source.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Ok(vec![camera_named(state, s).await?]),
        None => Ok(state.store.cameras().await?),
    }
}

/// The alias routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/sources", get(sources))
        .route("/dates", get(dates))
        .route("/stats_minute", get(stats_minute))
        .route("/stats_heure", get(stats_heure))
        .route("/chevres_minutes", get(chevres_minutes))
        .route("/chevres_heures", get(chevres_heures))
        .route(
            "/get_serie_heure",
            get(|s, u, q| serie(s, u, q, 7 * DAY_MS, Bucket::H1)),
        )
        .route(
            "/get_serie_jour",
            get(|s, u, q| serie(s, u, q, 30 * DAY_MS, Bucket::D1)),
        )
        .route(
            "/get_serie_last_heure",
            get(|s, u, q| serie(s, u, q, HOUR_MS, Bucket::M5)),
        )
        .route(
            "/get_serie_last_jour",
            get(|s, u, q| serie(s, u, q, DAY_MS, Bucket::M15)),
        )
}

async fn sources(
    State(state): State<AppState>,
    _u: AuthUser,
) -> Result<Json<Vec<String>>, ApiError> {
    Ok(Json(
        state
            .store
            .cameras()
            .await?
            .into_iter()
            .map(|c| c.source)
            .collect(),
    ))
}

async fn dates(
    State(state): State<AppState>,
    _u: AuthUser,
    Query(q): Query<SourceQuery>,
) -> Result<Json<Vec<Tagged<DateInfo>>>, ApiError> {
    let mut out = Vec::new();
    for c in sources_of(&state, &q).await? {
        for d in state.store.dates(c.id).await? {
            out.push(Tagged {
                source: c.source.clone(),
                row: d,
            });
        }
    }
    Ok(Json(out))
}

/// The asked sources that have statistics, each with the end of its newest minute.
async fn with_data(state: &AppState, q: &SourceQuery) -> Result<Vec<(CameraRow, i64)>, ApiError> {
    let mut out = Vec::new();
    for c in sources_of(state, q).await? {
        if let Some(last) = state.store.last_minute_ts(c.id).await? {
            out.push((c, last + MINUTE_MS));
        }
    }
    Ok(out)
}

/// Minute rows of the `span` before each source's newest data.
async fn minutes(
    state: &AppState,
    q: &SourceQuery,
    span: i64,
) -> Result<Json<Vec<SourceMinute>>, ApiError> {
    let mut out = Vec::new();
    for (c, end) in with_data(state, q).await? {
        for r in state.store.minute_rows(c.id, end - span, end).await? {
            out.push(SourceMinute {
                source: c.source.clone(),
                minute: r.to_api(),
            });
        }
    }
    Ok(Json(out))
}

async fn stats_minute(
    State(state): State<AppState>,
    _u: AuthUser,
    Query(q): Query<SourceQuery>,
) -> Result<Json<Vec<SourceMinute>>, ApiError> {
    minutes(&state, &q, MINUTE_MS).await
}

async fn chevres_minutes(
    State(state): State<AppState>,
    _u: AuthUser,
    Query(q): Query<SourceQuery>,
) -> Result<Json<Vec<SourceMinute>>, ApiError> {
    minutes(&state, &q, HOUR_MS).await
}

/// The last hour of each source, consolidated.
async fn stats_heure(
    State(state): State<AppState>,
    _u: AuthUser,
    Query(q): Query<SourceQuery>,
) -> Result<Json<Vec<ConsolidatedStats>>, ApiError> {
    let mut out = Vec::new();
    for (c, end) in with_data(&state, &q).await? {
        let rows = state.store.minute_rows(c.id, end - HOUR_MS, end).await?;
        out.push(to_api_consolidated(
            &c.source,
            end - HOUR_MS,
            end,
            consolidate(&rows),
        ));
    }
    Ok(Json(out))
}

/// The last day of each source, hour by hour.
async fn chevres_heures(
    State(state): State<AppState>,
    _u: AuthUser,
    Query(q): Query<SourceQuery>,
) -> Result<Json<Vec<ConsolidatedStats>>, ApiError> {
    let mut out = Vec::new();
    for (c, end) in with_data(&state, &q).await? {
        out.extend(hourly_rows(&state, &c.source, c.id, end - DAY_MS, end).await?);
    }
    Ok(Json(out))
}

/// Series over the `span` before each source's newest data.
async fn serie(
    State(state): State<AppState>,
    _u: AuthUser,
    Query(q): Query<SourceQuery>,
    span: i64,
    bucket: Bucket,
) -> Result<Json<Vec<Tagged<SeriesPoint>>>, ApiError> {
    let mut out = Vec::new();
    for (c, end) in with_data(&state, &q).await? {
        for p in series_points(&state, c.id, end - span, end, bucket).await? {
            out.push(Tagged {
                source: c.source.clone(),
                row: p,
            });
        }
    }
    Ok(Json(out))
}
