//! Alerts over HTTP: list and filter, counts per camera, details with
//! history, acknowledge, resolve, notes, the farmer's judgement, and why
//! an alert fired.

use animov_api::{
    Alert, AlertAction, AlertChangeKind, AlertCount, AlertDetail, AlertExplanation, AlertFeedback,
    AlertState, ErrorBody, Role, RuleKind, Severity,
};
use animov_engine::alerting::{self, publish};
use animov_store::AlertFilter;
use axum::{
    Json,
    extract::{Path, Query, State},
};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::{
    ApiError, AppState, AuthUser,
    extract::ApiJson,
    query::{camera_named, check_time},
};

/// `GET /api/v1/alerts` filters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AlertQuery {
    /// One camera.
    pub source: Option<String>,
    /// `open`, `acknowledged`, `resolved`, or `active` (open or acknowledged); default all.
    pub state: Option<String>,
    /// One rule, e.g. `camera_offline`.
    pub rule: Option<String>,
    /// `warning` or `critical`.
    pub severity: Option<String>,
    /// Raised at or after, UTC ms.
    pub from: Option<i64>,
    /// Raised before, UTC ms.
    pub to: Option<i64>,
    /// At most this many, newest first (default 200, at most 1000).
    pub limit: Option<i64>,
}

fn parse_filter<T>(
    v: &Option<String>,
    name: &str,
    parse: fn(&str) -> Option<T>,
    allowed: &str,
) -> Result<Option<T>, ApiError> {
    match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => parse(s).map(Some).ok_or_else(|| {
            ApiError::bad_param(name, format!("{name} must be one of {allowed}, got {s:?}"))
        }),
    }
}

/// Alerts, newest first.
#[utoipa::path(get, path = "/api/v1/alerts", tag = "alerts", security(("bearer" = [])), params(AlertQuery),
    responses((status = 200, body = [Alert]), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    _user: AuthUser,
    Query(q): Query<AlertQuery>,
) -> Result<Json<Vec<Alert>>, ApiError> {
    let camera_id = match q.source.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(camera_named(&state, s).await?.id),
        None => None,
    };
    let states = match q.state.as_deref().map(str::trim) {
        None | Some("") => vec![],
        Some("active") => vec![AlertState::Open, AlertState::Acknowledged],
        Some(s) => vec![AlertState::parse(s).ok_or_else(|| {
            ApiError::bad_param(
                "state",
                format!("state must be open, acknowledged, resolved or active, got {s:?}"),
            )
        })?],
    };
    let rules: Vec<&str> = RuleKind::ALL.iter().map(|r| r.as_str()).collect();
    let filter = AlertFilter {
        camera_id,
        states,
        rule: parse_filter(&q.rule, "rule", RuleKind::parse, &rules.join(", "))?,
        severity: parse_filter(
            &q.severity,
            "severity",
            Severity::parse,
            "warning, critical",
        )?,
        from_ms: check_time("from", q.from)?,
        to_ms: check_time("to", q.to)?,
        limit: q.limit.unwrap_or(200).clamp(1, 1000),
    };
    Ok(Json(
        state
            .store
            .alerts(&filter)
            .await?
            .into_iter()
            .map(|r| r.alert)
            .collect(),
    ))
}

/// Alerts not yet resolved, counted per camera (for badges).
#[utoipa::path(get, path = "/api/v1/alerts/summary", tag = "alerts", security(("bearer" = [])),
    responses((status = 200, body = [AlertCount])))]
pub async fn summary(
    State(state): State<AppState>,
    _user: AuthUser,
) -> Result<Json<Vec<AlertCount>>, ApiError> {
    let active = state
        .store
        .alerts(&AlertFilter {
            states: vec![AlertState::Open, AlertState::Acknowledged],
            limit: 10_000,
            ..AlertFilter::default()
        })
        .await?;
    let mut out: Vec<AlertCount> = Vec::new();
    for c in state.store.cameras().await? {
        let mine: Vec<&Alert> = active
            .iter()
            .map(|r| &r.alert)
            .filter(|a| a.source == c.source)
            .collect();
        out.push(AlertCount {
            open: mine.iter().filter(|a| a.state == AlertState::Open).count() as i64,
            acknowledged: mine
                .iter()
                .filter(|a| a.state == AlertState::Acknowledged)
                .count() as i64,
            critical: mine
                .iter()
                .filter(|a| a.severity == Severity::Critical)
                .count() as i64,
            source: c.source,
        });
    }
    Ok(Json(out))
}

async fn detail_of(state: &AppState, id: i64) -> Result<AlertDetail, ApiError> {
    let row = state.store.alert(id).await?.ok_or_else(|| {
        ApiError::not_found(format!("no alert {id}: GET /api/v1/alerts lists them"))
    })?;
    Ok(AlertDetail {
        alert: row.alert,
        events: state.store.alert_events(id).await?,
    })
}

/// One alert with its history.
#[utoipa::path(get, path = "/api/v1/alerts/{id}", tag = "alerts", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Alert id")),
    responses((status = 200, body = AlertDetail), (status = 404, body = ErrorBody)))]
pub async fn detail(
    State(state): State<AppState>,
    _user: AuthUser,
    Path(id): Path<i64>,
) -> Result<Json<AlertDetail>, ApiError> {
    Ok(Json(detail_of(&state, id).await?))
}

fn comment(a: &AlertAction, required: bool) -> Result<Option<String>, ApiError> {
    let c = a
        .comment
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_string);
    if c.as_ref().is_some_and(|c| c.chars().count() > 2000) {
        return Err(ApiError::invalid(
            "comment",
            "the comment is longer than 2 000 characters",
        ));
    }
    if required && c.is_none() {
        return Err(ApiError::invalid("comment", "write the note in `comment`"));
    }
    Ok(c)
}

async fn changed(
    state: &AppState,
    row: animov_store::AlertRow,
    change: AlertChangeKind,
) -> Result<Json<AlertDetail>, ApiError> {
    let id = row.alert.id;
    let delivery = alerting::delivery_settings(state).await?;
    publish(state, &delivery, change, row, state.now_ms());
    Ok(Json(detail_of(state, id).await?))
}

/// Acknowledges an open alert (admin, operator, vet), with an optional comment.
#[utoipa::path(post, path = "/api/v1/alerts/{id}/ack", tag = "alerts", security(("bearer" = [])), request_body = AlertAction,
    params(("id" = i64, Path, description = "Alert id")),
    responses((status = 200, body = AlertDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn ack(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<i64>,
    body: Result<ApiJson<AlertAction>, ApiError>,
) -> Result<Json<AlertDetail>, ApiError> {
    user.require(
        &[Role::Admin, Role::Operator, Role::Vet],
        "acknowledge alerts",
    )?;
    let ApiJson(a) = body?;
    let c = comment(&a, false)?;
    let row = state
        .store
        .ack_alert(id, &user.username, c.as_deref(), state.now_ms())
        .await?;
    tracing::info!(id, by = %user.username, "alert acknowledged");
    changed(&state, row, AlertChangeKind::Acknowledged).await
}

/// Resolves an alert by hand (admin, operator). If its condition still
/// holds, the rule raises a new alert at its next evaluation.
#[utoipa::path(post, path = "/api/v1/alerts/{id}/resolve", tag = "alerts", security(("bearer" = [])), request_body = AlertAction,
    params(("id" = i64, Path, description = "Alert id")),
    responses((status = 200, body = AlertDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn resolve(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<i64>,
    body: Result<ApiJson<AlertAction>, ApiError>,
) -> Result<Json<AlertDetail>, ApiError> {
    user.require(&[Role::Admin, Role::Operator], "resolve alerts")?;
    let ApiJson(a) = body?;
    let c = comment(&a, false)?;
    let row = state
        .store
        .resolve_alert(id, Some(&user.username), c.as_deref(), state.now_ms())
        .await?;
    tracing::info!(id, by = %user.username, "alert resolved by hand");
    changed(&state, row, AlertChangeKind::Resolved).await
}

/// Adds a note to an alert's history (every role).
#[utoipa::path(post, path = "/api/v1/alerts/{id}/notes", tag = "alerts", security(("bearer" = [])), request_body = AlertAction,
    params(("id" = i64, Path, description = "Alert id")),
    responses((status = 200, body = AlertDetail), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn note(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<i64>,
    ApiJson(a): ApiJson<AlertAction>,
) -> Result<Json<AlertDetail>, ApiError> {
    let c = comment(&a, true)?.unwrap_or_default();
    state
        .store
        .add_alert_note(id, &user.username, &c, state.now_ms())
        .await?;
    Ok(Json(detail_of(&state, id).await?))
}

/// Records a judgement on an alert (admin, operator: the farmer): "false
/// alarm" widens that rule's limits on that camera by 15 %, "useful" narrows
/// them by 5 %, within 80–150 % of the set limits; judgements are forgotten
/// after 60 days. A missing goat and a silent camera are never tuned. The
/// latest judgement stays on the alert, every one in its history.
#[utoipa::path(post, path = "/api/v1/alerts/{id}/feedback", tag = "alerts", security(("bearer" = [])), request_body = AlertFeedback,
    params(("id" = i64, Path, description = "Alert id")),
    responses((status = 200, body = AlertDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn feedback(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<i64>,
    body: Result<ApiJson<AlertFeedback>, ApiError>,
) -> Result<Json<AlertDetail>, ApiError> {
    user.require(&[Role::Admin, Role::Operator], "judge alerts")?;
    let ApiJson(f) = body?;
    let c = comment(
        &AlertAction {
            comment: f.comment.clone(),
        },
        false,
    )?;
    let row = state
        .store
        .judge_alert(id, f.verdict, &user.username, c.as_deref(), state.now_ms())
        .await
        .map_err(|e| match e {
            animov_store::StoreError::NotFound(_) => {
                ApiError::not_found(format!("no alert {id}: GET /api/v1/alerts lists them"))
            }
            e => e.into(),
        })?;
    tracing::info!(id, by = %user.username, verdict = f.verdict.as_str(), rule = row.alert.rule.as_str(), "alert judged");
    Ok(Json(detail_of(&state, id).await?))
}

/// Why an alert fired, in figures: the camera's 15-minute buckets around it
/// with the usual range and the limit its rule used, the residual in the
/// camera's own spreads, the farm's other pens, and the camera's
/// sensitivity for that rule after the farmer's judgements.
#[utoipa::path(get, path = "/api/v1/alerts/{id}/explain", tag = "alerts", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Alert id")),
    responses((status = 200, body = AlertExplanation), (status = 404, body = ErrorBody)))]
pub async fn explain(
    State(state): State<AppState>,
    _user: AuthUser,
    Path(id): Path<i64>,
) -> Result<Json<AlertExplanation>, ApiError> {
    alerting::explain::explain_alert(&state, id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("no alert {id}: GET /api/v1/alerts lists them")))
}
