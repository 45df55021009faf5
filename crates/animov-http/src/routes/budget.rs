//! Time budgets of a camera's tracked goats over a day, as JSON and CSV
//! ([`animov_core::budget`]).

use animov_api::{ErrorBody, LyingBout, TimeBudget};
use animov_core::{
    budget,
    time::{DAY_MS, iso_utc},
};
use axum::{
    Json,
    extract::{Query, State},
    http::{header, request::Parts},
    response::{IntoResponse, Response},
};

use super::live::TokenQuery;
use crate::{ApiError, AppState, AuthUser, extract::header_or_query_user, query::WindowQuery};

async fn budget_of(state: &AppState, q: &WindowQuery) -> Result<TimeBudget, ApiError> {
    let (from, to) = q.window(state.now_ms(), DAY_MS, DAY_MS + 3_600_000)?;
    let cam = q.camera(state).await?;
    let rows = state
        .store
        .lying_bouts(cam.id, from - 7 * DAY_MS, to)
        .await?;
    let bouts: Vec<LyingBout> = rows.into_iter().map(LyingBout::from).collect();
    Ok(TimeBudget {
        source: cam.source,
        day: budget::stats(&bouts, from, to),
        hours: budget::hours(&bouts, from, to),
        previous: (1..=7)
            .rev()
            .map(|k| budget::stats(&bouts, from - k * DAY_MS, to - k * DAY_MS))
            .collect(),
        bouts: budget::within(&bouts, from, to),
    })
}

/// A day of a camera's tracked goats (`from`/`to`: the local day, at most
/// 25 h; default the last 24 h): minutes lying, bouts and their mean length
/// per hour and for the day, the 7 days before, and the day's bouts per
/// track. Track ids hold for one day; an identity can switch when goats cross.
#[utoipa::path(get, path = "/api/v1/time-budget", tag = "cameras", security(("bearer" = [])), params(WindowQuery),
    responses((status = 200, body = TimeBudget), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn time_budget(
    State(state): State<AppState>,
    _user: AuthUser,
    Query(q): Query<WindowQuery>,
) -> Result<Json<TimeBudget>, ApiError> {
    Ok(Json(budget_of(&state, &q).await?))
}

/// The same as CSV: one row per hour, the day, and each bout
/// (`kind,track_id,start,end,lying_min,bouts,mean_bout_min,goats`).
#[utoipa::path(get, path = "/api/v1/time-budget.csv", tag = "cameras", security(("bearer" = [])), params(WindowQuery, TokenQuery),
    responses((status = 200, content_type = "text/csv", description = "CSV"), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn time_budget_csv(
    State(state): State<AppState>,
    Query(q): Query<WindowQuery>,
    Query(t): Query<TokenQuery>,
    parts: Parts,
) -> Result<Response, ApiError> {
    // A download link cannot send a header: the token may come as `?access_token=`.
    header_or_query_user(&parts, &state, t.access_token.as_deref()).await?;
    let b = budget_of(&state, &q).await?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let err = |e: csv::Error| ApiError::internal(&e);
    w.write_record([
        "kind",
        "track_id",
        "start",
        "end",
        "lying_min",
        "bouts",
        "mean_bout_min",
        "goats",
    ])
    .map_err(err)?;
    let span = |s: &animov_api::LyingStats, kind: &str, len: i64| {
        [
            kind.to_string(),
            String::new(),
            iso_utc(s.start_ms),
            iso_utc(s.start_ms + len),
            format!("{:.1}", s.lying_min),
            s.bouts.to_string(),
            s.mean_bout_min.map_or(String::new(), |m| format!("{m:.1}")),
            s.goats.to_string(),
        ]
    };
    for h in &b.hours {
        w.write_record(span(h, "hour", 3_600_000)).map_err(err)?;
    }
    let day_len = b.hours.len() as i64 * 3_600_000;
    w.write_record(span(&b.day, "day", day_len)).map_err(err)?;
    for x in &b.bouts {
        w.write_record([
            "bout".to_string(),
            x.track_id.to_string(),
            iso_utc(x.start_ms),
            iso_utc(x.end_ms),
            format!("{:.1}", (x.end_ms - x.start_ms) as f64 / 60_000.0),
            String::new(),
            String::new(),
            String::new(),
        ])
        .map_err(err)?;
    }
    let body = w.into_inner().map_err(|e| ApiError::internal(&e))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"animov-time-budget-{}.csv\"",
                    b.source
                ),
            ),
        ],
        body,
    )
        .into_response())
}
