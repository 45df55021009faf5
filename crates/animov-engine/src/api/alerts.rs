//! Alerts over HTTP: list and filter, details with history, acknowledge,
//! resolve, notes; rule settings per camera; delivery settings and a test email.

use animov_api::{
    Alert, AlertAction, AlertCount, AlertDetail, AlertRules, AlertState, DeliverySettings,
    ErrorBody, Role, RuleKind, Severity,
};
use animov_store::AlertFilter;
use axum::{
    Json,
    extract::{Path, Query, State},
    http::StatusCode,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ApiError, AuthUser, extract::ApiJson, query::camera_named, stats::SourceQuery};
use crate::{
    alerting::{self, DELIVERY_SETTING, email},
    secret_names,
    secrets::Secrets,
    state::AppState,
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
        from_ms: q.from,
        to_ms: q.to,
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
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
            "the comment is longer than 2 000 characters",
        )
        .field("comment"));
    }
    if required && c.is_none() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
            "write the note in `comment`",
        )
        .field("comment"));
    }
    Ok(c)
}

async fn changed(
    state: &AppState,
    row: animov_store::AlertRow,
    change: &str,
) -> Result<Json<AlertDetail>, ApiError> {
    let id = row.alert.id;
    let delivery = alerting::delivery_settings(state).await?;
    alerting::publish(state, &delivery, change, row, animov_store::now_ms());
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
    ApiJson(a): ApiJson<AlertAction>,
) -> Result<Json<AlertDetail>, ApiError> {
    user.require(
        &[Role::Admin, Role::Operator, Role::Vet],
        "acknowledge alerts",
    )?;
    let c = comment(&a, false)?;
    let row = state
        .store
        .ack_alert(id, &user.username, c.as_deref(), animov_store::now_ms())
        .await?;
    tracing::info!(id, by = %user.username, "alert acknowledged");
    changed(&state, row, "acknowledged").await
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
    ApiJson(a): ApiJson<AlertAction>,
) -> Result<Json<AlertDetail>, ApiError> {
    user.require(&[Role::Admin, Role::Operator], "resolve alerts")?;
    let c = comment(&a, false)?;
    let row = state
        .store
        .resolve_alert(
            id,
            Some(&user.username),
            c.as_deref(),
            animov_store::now_ms(),
        )
        .await?;
    tracing::info!(id, by = %user.username, "alert resolved by hand");
    changed(&state, row, "resolved").await
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
        .add_alert_note(id, &user.username, &c, animov_store::now_ms())
        .await?;
    Ok(Json(detail_of(&state, id).await?))
}

/// A camera's rule settings (defaults where none were saved).
#[utoipa::path(get, path = "/api/v1/alerts/rules", tag = "alerts", security(("bearer" = [])), params(SourceQuery),
    responses((status = 200, body = AlertRules), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_rules(
    State(state): State<AppState>,
    _user: AuthUser,
    Query(q): Query<SourceQuery>,
) -> Result<Json<AlertRules>, ApiError> {
    let cam = source_of(&state, &q).await?;
    Ok(Json(alerting::rules_for(&state, cam.id).await?))
}

async fn source_of(state: &AppState, q: &SourceQuery) -> Result<animov_store::CameraRow, ApiError> {
    super::query::required_camera(state, q.source.as_deref()).await
}

fn invalid(field: &str, message: &str) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", message).field(field)
}

fn non_negative(v: f64) -> bool {
    v.is_finite() && v >= 0.0
}

/// Refuses settings that cannot work.
pub fn check_rules(r: &AlertRules) -> Result<(), ApiError> {
    let hour = |h: u32| h < 24;
    if !(-14 * 60..=14 * 60).contains(&r.utc_offset_minutes) {
        return Err(invalid(
            "utc_offset_minutes",
            "utc_offset_minutes must be between -840 and 840",
        ));
    }
    let f = &r.forecast_deviation;
    if f.warning_buckets == 0
        || f.critical_buckets < f.warning_buckets
        || f.clear_buckets == 0
        || !(0.0..=50.0).contains(&f.margin_pct)
    {
        return Err(invalid(
            "forecast_deviation",
            "forecast_deviation needs 1 ≤ warning_buckets ≤ critical_buckets, clear_buckets ≥ 1 and margin_pct 0 to 50",
        ));
    }
    if !(30..=86_400).contains(&r.camera_offline.after_seconds) {
        return Err(invalid(
            "camera_offline.after_seconds",
            "camera_offline.after_seconds must be 30 to 86 400",
        ));
    }
    let h = &r.herd_count_drop;
    if h.minutes < 15 || h.critical_minutes < h.minutes {
        return Err(invalid(
            "herd_count_drop",
            "herd_count_drop needs 15 ≤ minutes ≤ critical_minutes",
        ));
    }
    let p = &r.prolonged_lying;
    if p.minutes < 15
        || p.critical_minutes < p.minutes
        || !hour(p.day_start_hour)
        || !(1..=24).contains(&p.day_end_hour)
    {
        return Err(invalid(
            "prolonged_lying",
            "prolonged_lying needs 15 ≤ minutes ≤ critical_minutes and hours 0 to 24",
        ));
    }
    let n = &r.night_disturbance;
    if !hour(n.night_start_hour)
        || !hour(n.night_end_hour)
        || n.buckets == 0
        || !non_negative(n.sigmas)
        || !non_negative(n.min_excess_pct)
    {
        return Err(invalid(
            "night_disturbance",
            "night_disturbance needs hours 0 to 23, buckets ≥ 1 and non-negative sigmas and min_excess_pct",
        ));
    }
    let l = &r.low_activity_day;
    if !non_negative(l.sigmas)
        || !(0.0..1.0).contains(&l.min_deficit_share)
        || !(1..=23).contains(&l.min_hours)
    {
        return Err(invalid(
            "low_activity_day",
            "low_activity_day needs sigmas ≥ 0, min_deficit_share 0 to 1 and min_hours 1 to 23",
        ));
    }
    Ok(())
}

/// Saves a camera's rule settings (admin); absent fields take their defaults.
#[utoipa::path(put, path = "/api/v1/alerts/rules", tag = "alerts", security(("bearer" = [])), params(SourceQuery), request_body = AlertRules,
    responses((status = 200, body = AlertRules), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_rules(
    State(state): State<AppState>,
    user: AuthUser,
    Query(q): Query<SourceQuery>,
    ApiJson(rules): ApiJson<AlertRules>,
) -> Result<Json<AlertRules>, ApiError> {
    user.require(&[Role::Admin], "change alert rules")?;
    let cam = source_of(&state, &q).await?;
    check_rules(&rules)?;
    state
        .store
        .set_alert_rules(
            cam.id,
            &serde_json::to_vec(&rules).map_err(|e| ApiError::internal(&e))?,
        )
        .await?;
    tracing::info!(source = cam.source, by = %user.username, "alert rules changed");
    Ok(Json(rules))
}

/// How alerts are delivered (admin).
#[utoipa::path(get, path = "/api/v1/alerts/delivery", tag = "alerts", security(("bearer" = [])),
    responses((status = 200, body = DeliverySettings), (status = 403, body = ErrorBody)))]
pub async fn get_delivery(
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<Json<DeliverySettings>, ApiError> {
    user.require(&[Role::Admin], "see alert delivery settings")?;
    Ok(Json(alerting::delivery_settings(&state).await?))
}

/// Saves how alerts are delivered (admin).
#[utoipa::path(put, path = "/api/v1/alerts/delivery", tag = "alerts", security(("bearer" = [])), request_body = DeliverySettings,
    responses((status = 200, body = DeliverySettings), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_delivery(
    State(state): State<AppState>,
    user: AuthUser,
    ApiJson(s): ApiJson<DeliverySettings>,
) -> Result<Json<DeliverySettings>, ApiError> {
    user.require(&[Role::Admin], "change alert delivery")?;
    if let Some(bad) = s
        .email_to
        .iter()
        .find(|a| a.parse::<lettre::Address>().is_err())
    {
        return Err(invalid(
            "email_to",
            &format!("{bad:?} is not an email address"),
        ));
    }
    if s.email_to.len() > 20 {
        return Err(invalid("email_to", "at most 20 addresses"));
    }
    let bad_hour = |h: Option<u32>| h.is_some_and(|h| h > 23);
    if bad_hour(s.quiet_start_hour) || bad_hour(s.quiet_end_hour) || bad_hour(s.digest_hour) {
        return Err(invalid("quiet_start_hour", "hours are 0 to 23"));
    }
    if s.quiet_start_hour.is_some() != s.quiet_end_hour.is_some() {
        return Err(invalid(
            "quiet_end_hour",
            "give both quiet_start_hour and quiet_end_hour, or neither",
        ));
    }
    if s.cooldown_minutes > 7 * 24 * 60 || !(-840..=840).contains(&s.utc_offset_minutes) {
        return Err(invalid(
            "cooldown_minutes",
            "cooldown_minutes is at most a week and utc_offset_minutes -840 to 840",
        ));
    }
    state
        .store
        .set_app_setting(
            DELIVERY_SETTING,
            &serde_json::to_vec(&s).map_err(|e| ApiError::internal(&e))?,
        )
        .await?;
    tracing::info!(recipients = s.email_to.len(), by = %user.username, "alert delivery changed");
    Ok(Json(s))
}

/// What a test email did.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TestEmailResult {
    /// Recipients it was sent to.
    pub sent_to: Vec<String>,
}

/// Sends a test email to the delivery recipients now (admin); a 502 says why the server refused.
#[utoipa::path(post, path = "/api/v1/alerts/delivery/test", tag = "alerts", security(("bearer" = [])),
    responses((status = 200, body = TestEmailResult), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody), (status = 502, body = ErrorBody)))]
pub async fn test_email(
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<Json<TestEmailResult>, ApiError> {
    user.require(&[Role::Admin], "send a test email")?;
    let s = alerting::delivery_settings(&state).await?;
    if s.email_to.is_empty() {
        return Err(invalid(
            "email_to",
            "no recipient: PUT /api/v1/alerts/delivery with email_to first",
        ));
    }
    let password = Secrets::new(state.config.secrets, &state.config.data_dir)
        .get(secret_names::SMTP_PASSWORD)
        .map_err(|e| ApiError::internal(&e))?;
    email::send(
        &state.config.email,
        password,
        &s.email_to,
        "[AniMOV] Test",
        "Ceci est un message de test d'AniMOV. / This is a test message from AniMOV.\n",
    )
    .await
    .map_err(|e| match e {
        email::EmailError::NotConfigured | email::EmailError::Address(_) => {
            invalid("email", &e.to_string())
        }
        e => ApiError::new(StatusCode::BAD_GATEWAY, "smtp_failed", e.to_string()),
    })?;
    Ok(Json(TestEmailResult {
        sent_to: s.email_to,
    }))
}

/// A message of the outbox (admin view).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct NotificationInfo {
    /// Id.
    pub id: i64,
    /// The alert, if any.
    pub alert_id: Option<i64>,
    /// Subject.
    pub subject: String,
    /// `pending`, `sent`, `failed`, `dropped`.
    pub state: String,
    /// Tries.
    pub attempts: i64,
    /// Why the last try failed.
    pub last_error: Option<String>,
    /// Queued at, UTC ms.
    pub created_ms: i64,
    /// Sent at, UTC ms.
    pub sent_ms: Option<i64>,
    /// Next try, UTC ms.
    pub next_try_ms: i64,
}

/// The newest messages and how their delivery went (admin).
#[utoipa::path(get, path = "/api/v1/alerts/notifications", tag = "alerts", security(("bearer" = [])),
    responses((status = 200, body = [NotificationInfo]), (status = 403, body = ErrorBody)))]
pub async fn notifications(
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<Json<Vec<NotificationInfo>>, ApiError> {
    user.require(&[Role::Admin], "see the email outbox")?;
    Ok(Json(
        state
            .store
            .notifications(100)
            .await?
            .into_iter()
            .map(|n| NotificationInfo {
                id: n.id,
                alert_id: n.alert_id,
                subject: n.subject,
                state: n.state,
                attempts: n.attempts,
                last_error: n.last_error,
                created_ms: n.created_ms,
                sent_ms: n.sent_ms,
                next_try_ms: n.next_try_ms,
            })
            .collect(),
    ))
}
