//! Thin aliases of the Python prototype's read routes, so its dashboards and
//! scripts keep working. Each takes an optional `?source=` (default: every
//! source), needs a token like every other route, and answers rows tagged with
//! their `source`. "Last" windows end at each source's newest minute.

use animov_api::{Bucket, DateInfo, SourceMinute};
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

use super::{
    ApiError, AuthUser,
    query::camera_named,
    stats::{SourceQuery, hourly_rows, last_points, to_api_consolidated},
};
use crate::state::AppState;

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

async fn stats_minute(
    State(state): State<AppState>,
    _u: AuthUser,
    Query(q): Query<SourceQuery>,
) -> Result<Json<Vec<SourceMinute>>, ApiError> {
    let mut out = Vec::new();
    for c in sources_of(&state, &q).await? {
        if let Some(last) = state.store.last_minute_ts(c.id).await?
            && let Some(r) = state
                .store
                .minute_rows(c.id, last, last + MINUTE_MS)
                .await?
                .first()
        {
            out.push(SourceMinute {
                source: c.source.clone(),
                minute: r.to_api(),
            });
        }
    }
    Ok(Json(out))
}

async fn stats_heure(
    State(state): State<AppState>,
    _u: AuthUser,
    Query(q): Query<SourceQuery>,
) -> Result<Json<Vec<animov_api::ConsolidatedStats>>, ApiError> {
    let mut out = Vec::new();
    for c in sources_of(&state, &q).await? {
        if let Some(last) = state.store.last_minute_ts(c.id).await? {
            let (from, to) = (last + MINUTE_MS - HOUR_MS, last + MINUTE_MS);
            let rows = state.store.minute_rows(c.id, from, to).await?;
            out.push(to_api_consolidated(&c.source, from, to, consolidate(&rows)));
        }
    }
    Ok(Json(out))
}

async fn chevres_minutes(
    State(state): State<AppState>,
    _u: AuthUser,
    Query(q): Query<SourceQuery>,
) -> Result<Json<Vec<SourceMinute>>, ApiError> {
    let mut out = Vec::new();
    for c in sources_of(&state, &q).await? {
        if let Some(last) = state.store.last_minute_ts(c.id).await? {
            for r in state
                .store
                .minute_rows(c.id, last + MINUTE_MS - HOUR_MS, last + MINUTE_MS)
                .await?
            {
                out.push(SourceMinute {
                    source: c.source.clone(),
                    minute: r.to_api(),
                });
            }
        }
    }
    Ok(Json(out))
}

async fn chevres_heures(
    State(state): State<AppState>,
    _u: AuthUser,
    Query(q): Query<SourceQuery>,
) -> Result<Json<Vec<animov_api::ConsolidatedStats>>, ApiError> {
    let mut out = Vec::new();
    for c in sources_of(&state, &q).await? {
        if let Some(last) = state.store.last_minute_ts(c.id).await? {
            out.extend(
                hourly_rows(
                    &state,
                    &c.source,
                    c.id,
                    last + MINUTE_MS - DAY_MS,
                    last + MINUTE_MS,
                )
                .await?,
            );
        }
    }
    Ok(Json(out))
}

async fn serie(
    State(state): State<AppState>,
    _u: AuthUser,
    Query(q): Query<SourceQuery>,
    span: i64,
    bucket: Bucket,
) -> Result<Json<Vec<Tagged<animov_api::SeriesPoint>>>, ApiError> {
    let mut out = Vec::new();
    for c in sources_of(&state, &q).await? {
        for p in last_points(&state, c.id, span, bucket).await? {
            out.push(Tagged {
                source: c.source.clone(),
                row: p,
            });
        }
    }
    Ok(Json(out))
}
