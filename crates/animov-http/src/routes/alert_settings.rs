//! Alert settings over HTTP: each camera's rules, how alerts are delivered,
//! a test email, and the email outbox (admin).

use animov_api::{
    AlertRules, DeliverySettings, ErrorBody, NotificationInfo, Role, TestEmailResult,
};
use animov_engine::alerting::{self, DELIVERY_SETTING};
use animov_store::{CameraRow, StoreError};
use axum::{
    Json,
    extract::{Query, State},
    http::StatusCode,
};

use super::stats::SourceQuery;
use crate::{ApiError, AppState, AuthUser, extract::ApiJson, query::required_camera};

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

async fn source_of(state: &AppState, q: &SourceQuery) -> Result<CameraRow, ApiError> {
    required_camera(state, q.source.as_deref()).await
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
    rules.validate()?;
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
    match alerting::delivery_settings(&state).await {
        Ok(s) => Ok(Json(s)),
        Err(StoreError::Corrupt(why)) => Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "unreadable_settings",
            format!(
                "{why}: no email goes out until they are saved again (PUT /api/v1/alerts/delivery)"
            ),
        )),
        Err(e) => Err(e.into()),
    }
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
        return Err(ApiError::invalid(
            "email_to",
            format!("{bad:?} is not an email address"),
        ));
    }
    s.validate()?;
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
        return Err(ApiError::invalid(
            "email_to",
            "no recipient: PUT /api/v1/alerts/delivery with email_to first",
        ));
    }
    state
        .mailer
        .send(
            &s.email_to,
            "[AniMOV] Test",
            "Ceci est un message de test d'AniMOV. / This is a test message from AniMOV.\n",
        )
        .await
        .map_err(|e| {
            if e.is_permanent() {
                ApiError::invalid("email", e.to_string())
            } else {
                ApiError::new(StatusCode::BAD_GATEWAY, "smtp_failed", e.to_string())
            }
        })?;
    Ok(Json(TestEmailResult {
        sent_to: s.email_to,
    }))
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
