//! The Storage page's API (admin): disk use per kind of data, free space,
//! retention settings (applied at once, kept across restarts) and what
//! retention deletes next.

use animov_api::{ErrorBody, Role, StorageInfo, StorageSettings};
use animov_engine::{cameras::retention, storage};
use axum::{Json, extract::State};

use crate::{ApiError, AppState, AuthUser, extract::ApiJson};

/// Where the data lives, what it uses, and retention (admin).
#[utoipa::path(get, path = "/api/v1/storage", tag = "meta", security(("bearer" = [])),
    responses((status = 200, body = StorageInfo), (status = 403, body = ErrorBody)))]
pub async fn get_storage(
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<Json<StorageInfo>, ApiError> {
    user.require(&[Role::Admin], "see the storage")?;
    Ok(Json(storage::report(&state).await?))
}

/// Changes how long recordings are kept and their disk quota (admin).
/// Retention runs at once with them.
#[utoipa::path(put, path = "/api/v1/storage", tag = "meta", security(("bearer" = [])), request_body = StorageSettings,
    responses((status = 200, body = StorageInfo), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_storage(
    State(state): State<AppState>,
    user: AuthUser,
    body: Result<ApiJson<StorageSettings>, ApiError>,
) -> Result<Json<StorageInfo>, ApiError> {
    user.require(&[Role::Admin], "change the storage settings")?;
    let ApiJson(req) = body?;
    req.validate()?;
    storage::save(&state, &req).await?;
    tracing::info!(retention_days = req.retention_days, quota_gib = req.quota_gib, by = %user.username, "storage settings changed");
    let deleted = retention::pass(&state).await?;
    if deleted > 0 {
        tracing::info!(deleted, "recordings deleted under the new retention");
    }
    Ok(Json(storage::report(&state).await?))
}
