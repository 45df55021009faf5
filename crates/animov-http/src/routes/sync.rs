//! Sync over HTTP. At a central: sites join with a one-time code, push
//! batches (gzip, site credential) and pull what the central's users wrote
//! about them; admins create codes, list and revoke sites. At a site: the
//! sync state, a pass now, joining a central from the Settings page.

use animov_api::{
    Enrolment, ErrorBody, JoinCentral, JoinReply, JoinRequest, PullReply, PushReply, PushRequest,
    Role, SiteInfo, SyncStatus,
};
use animov_engine::sync::{self, SyncError, central, site, wire};
use axum::response::IntoResponse;
use axum::{
    Json,
    body::Bytes,
    extract::{FromRequestParts, Path, Query, Request, State},
    http::{HeaderMap, StatusCode, header, request::Parts},
    middleware::Next,
    response::Response,
};
use serde::Deserialize;

use crate::{ApiError, AppState, AuthUser, extract::ApiJson};

impl From<SyncError> for ApiError {
    fn from(e: SyncError) -> Self {
        match e {
            SyncError::Unreachable(m) => {
                ApiError::new(StatusCode::BAD_GATEWAY, "central_unreachable", m)
            }
            SyncError::Refused {
                status: 409,
                message,
            } => ApiError::new(StatusCode::CONFLICT, "missing_parent", message),
            SyncError::Refused { message, .. } => {
                ApiError::new(StatusCode::BAD_GATEWAY, "central_refused", message)
            }
            SyncError::BadRequest(m) => ApiError::new(StatusCode::BAD_REQUEST, "invalid_sync", m),
            SyncError::Unauthorized(m) => ApiError::unauthorized(m).with_code("invalid_site"),
            SyncError::Local(m) => ApiError::new(StatusCode::CONFLICT, "sync_unavailable", m),
            SyncError::Store(e) => e.into(),
            SyncError::Secret(e) => ApiError::internal(&e),
        }
    }
}

/// A request from a site, by its credential.
pub struct SiteCaller(pub String);

impl FromRequestParts<AppState> for SiteCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        // On a site these routes do not apply, whoever calls.
        central::require_central(state)?;
        let cred = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(|| {
                ApiError::unauthorized("send the site credential as `Authorization: Bearer ...`")
                    .with_code("invalid_site")
            })?;
        Ok(SiteCaller(central::authenticate(state, cred.trim()).await?))
    }
}

/// A site joins with a one-time code (central).
#[utoipa::path(post, path = "/api/v1/sync/join", tag = "sync",
    responses((status = 200, description = "the site's credential"), (status = 401, body = ErrorBody)))]
pub async fn join(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<JoinRequest>,
) -> Result<Json<JoinReply>, ApiError> {
    Ok(Json(central::join(&state, &req).await?))
}

/// A site's batch (gzip JSON), applied in one transaction (central).
#[utoipa::path(post, path = "/api/v1/sync/push", tag = "sync",
    request_body(content = String, description = "a PushRequest as JSON, gzip (Content-Encoding: gzip)", content_type = "application/json"),
    responses((status = 200, description = "committed"), (status = 401, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn push(
    State(state): State<AppState>,
    SiteCaller(site): SiteCaller,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<PushReply>, ApiError> {
    let gzip = headers
        .get(header::CONTENT_ENCODING)
        .is_some_and(|v| v == "gzip");
    let req: PushRequest = wire::decode(&body, gzip)?;
    Ok(Json(central::push(&state, &site, req).await?))
}

/// The video of a kept recording of the calling site (central): the body is
/// the file, streamed to disk.
#[utoipa::path(put, path = "/api/v1/sync/videos/{id}", tag = "sync",
    params(("id" = i64, Path, description = "The recording's id at the site")),
    request_body(content_type = "video/x-matroska", description = "The video"),
    responses((status = 200, description = "stored"), (status = 401, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn put_video(
    State(state): State<AppState>,
    SiteCaller(site): SiteCaller,
    axum::extract::Path(id): axum::extract::Path<i64>,
    body: axum::body::Body,
) -> Result<Json<serde_json::Value>, ApiError> {
    let bytes = central::receive_video(&state, &site, id, body.into_data_stream()).await?;
    Ok(Json(serde_json::json!({ "bytes": bytes })))
}

/// `?after=` of a pull.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct PullQuery {
    /// The site's down cursor.
    pub after: i64,
}

/// What the central's users wrote about the calling site (central).
#[utoipa::path(get, path = "/api/v1/sync/pull", tag = "sync", params(PullQuery),
    responses((status = 200, description = "entries"), (status = 401, body = ErrorBody)))]
pub async fn pull(
    State(state): State<AppState>,
    SiteCaller(site): SiteCaller,
    Query(q): Query<PullQuery>,
) -> Result<Json<PullReply>, ApiError> {
    Ok(Json(central::pull(&state, &site, q.after).await?))
}

/// A one-time enrolment code for a new site, valid 24 h (central admin).
#[utoipa::path(post, path = "/api/v1/sync/enrolments", tag = "sync", security(("bearer" = [])),
    responses((status = 200, body = Enrolment), (status = 403, body = ErrorBody)))]
pub async fn enrol(
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<Json<Enrolment>, ApiError> {
    user.require(&[Role::Admin], "enrol sites")?;
    Ok(Json(central::enrol(&state, &user.username).await?))
}

/// The sites of this central (admin).
#[utoipa::path(get, path = "/api/v1/sync/sites", tag = "sync", security(("bearer" = [])),
    responses((status = 200, body = Vec<SiteInfo>), (status = 403, body = ErrorBody)))]
pub async fn sites(
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<Json<Vec<SiteInfo>>, ApiError> {
    user.require(&[Role::Admin, Role::Vet, Role::Operator], "see the sites")?;
    Ok(Json(central::sites(&state).await?))
}

/// Revokes a site: it can no longer send; its data stays (admin).
#[utoipa::path(post, path = "/api/v1/sync/sites/{site}/revoke", tag = "sync", security(("bearer" = [])),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn revoke(
    State(state): State<AppState>,
    user: AuthUser,
    Path(site): Path<String>,
) -> Result<StatusCode, ApiError> {
    user.require(&[Role::Admin], "revoke sites")?;
    if central::revoke(&state, &site, &user.username).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(
            "no such site, or it is already revoked",
        ))
    }
}

/// This site's sync: central, backlog, progress, skew.
#[utoipa::path(get, path = "/api/v1/sync/status", tag = "sync", security(("bearer" = [])),
    responses((status = 200, body = SyncStatus)))]
pub async fn status(
    State(state): State<AppState>,
    _user: AuthUser,
) -> Result<Json<SyncStatus>, ApiError> {
    Ok(Json(sync::status(&state).await?))
}

/// Starts a pass now (admin, operator).
#[utoipa::path(post, path = "/api/v1/sync/now", tag = "sync", security(("bearer" = [])),
    responses((status = 202), (status = 409, body = ErrorBody)))]
pub async fn now(State(state): State<AppState>, user: AuthUser) -> Result<StatusCode, ApiError> {
    user.require(&[Role::Admin, Role::Operator], "start a sync")?;
    if sync::target(&state).await?.is_none() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "not_joined",
            "this site has not joined a central: join one in Settings (or `animov sync join URL CODE`)",
        ));
    }
    state.sync.now.notify_one();
    Ok(StatusCode::ACCEPTED)
}

/// Joins a central with an enrolment code (site admin).
#[utoipa::path(post, path = "/api/v1/sync/join-central", tag = "sync", security(("bearer" = [])),
    request_body = JoinCentral, responses((status = 200, body = SyncStatus), (status = 401, body = ErrorBody), (status = 502, body = ErrorBody)))]
pub async fn join_central(
    State(state): State<AppState>,
    user: AuthUser,
    body: Result<ApiJson<JoinCentral>, ApiError>,
) -> Result<Json<SyncStatus>, ApiError> {
    user.require(&[Role::Admin], "join a central")?;
    let ApiJson(req) = body?;
    if req.name.trim().is_empty() || req.farm.trim().is_empty() {
        return Err(ApiError::invalid(
            "name",
            "give this site's name and its farm",
        ));
    }
    site::join(&state, &req.url, &req.code, &req.name, &req.farm)
        .await
        .map_err(|e| match e {
            // The central refused the code: the user's input, not their session.
            SyncError::Unauthorized(m) => {
                ApiError::invalid("code", m).with_code("enrolment_refused")
            }
            SyncError::Local(m) => ApiError::invalid("url", m),
            e => e.into(),
        })?;
    Ok(Json(sync::status(&state).await?))
}

/// At a central: a request naming a site (`X-AniMOV-Site` header or
/// `?site=`) reads and writes that site's data.
pub async fn site_scope(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if !sync::is_central(&state) {
        return next.run(req).await;
    }
    let from_header = req
        .headers()
        .get("x-animov-site")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let from_query = req.uri().query().and_then(|q| {
        q.split('&')
            .find_map(|kv| kv.strip_prefix("site="))
            .map(str::to_string)
    });
    match from_header.or(from_query).filter(|s| !s.is_empty()) {
        Some(site) => animov_store::Store::site_scope(site, next.run(req)).await,
        None => next.run(req).await,
    }
}

/// What a central's users may change (paths under `/api/v1`): their
/// accounts and the central's own settings, sites, notes, and what people
/// do on an alert. The rest belongs to the farms.
fn central_may_change(path: &str) -> bool {
    const OWN: [&str; 8] = [
        "/auth/",
        "/setup",
        "/users",
        "/storage",
        "/api-keys",
        "/notes",
        "/sync/",
        "/alerts/delivery",
    ];
    if OWN.iter().any(|p| path.starts_with(p)) {
        return true;
    }
    // POST /alerts/{id}/ack|resolve|notes|feedback
    let mut parts = path.trim_start_matches('/').split('/');
    matches!(
        (
            parts.next(),
            parts.next().map(|id| id.parse::<i64>().is_ok()),
            parts.next(),
            parts.next()
        ),
        (
            Some("alerts"),
            Some(true),
            Some("ack" | "resolve" | "notes" | "feedback"),
            None
        )
    )
}

/// At a central, a request that would change a farm's cameras, recordings,
/// models, datasets or counts is refused (409 `farm_data`): those are
/// changed at the farm and arrive here by sync.
pub async fn central_guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let read = matches!(req.method().as_str(), "GET" | "HEAD" | "OPTIONS");
    if read || !sync::is_central(&state) {
        return next.run(req).await;
    }
    let path = req.uri().path();
    if let Some(v1) = path.strip_prefix("/api/v1")
        && central_may_change(v1)
    {
        return next.run(req).await;
    }
    ApiError::new(
        StatusCode::CONFLICT,
        "farm_data",
        "this AniMOV is a central: cameras, recordings, models, datasets and counts are changed at the farm and arrive here by sync; here people write notes, acknowledge, comment and judge alerts, and manage sites and accounts",
    )
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::central_may_change;

    #[test]
    fn a_central_changes_notes_alerts_and_its_own_settings_only() {
        for ok in [
            "/notes",
            "/notes/3",
            "/alerts/12/ack",
            "/alerts/12/feedback",
            "/sync/enrolments",
            "/users/bob/password",
            "/auth/login",
            "/alerts/delivery/test",
        ] {
            assert!(central_may_change(ok), "{ok}");
        }
        for no in [
            "/cameras",
            "/cameras/cam-1/vision",
            "/ingest",
            "/import/csv",
            "/models/forecast/train",
            "/clips",
            "/dataset/sample",
            "/recordings/3",
            "/alerts/rules",
            "/alerts/12/ack/x",
            "/alerts/x/ack",
            "/detectors",
        ] {
            assert!(!central_may_change(no), "{no}");
        }
    }
}
