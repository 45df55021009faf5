//! First-run setup of the barn PC: the farm's name, time zone and language,
//! and the owner's account for signing in from elsewhere.

use animov_api::{ErrorBody, FarmSetup, Role, SetupStatus};
use animov_engine::farm::{self, SetupError};
use axum::{Json, extract::State};

use crate::{ApiError, AppState, AuthUser, extract::ApiJson};

async fn status(state: &AppState) -> Result<SetupStatus, ApiError> {
    let saved = farm::load(&state.store).await?;
    let password_users = state
        .store
        .users()
        .await?
        .iter()
        .filter(|u| u.username != super::auth::LOCAL_USER)
        .count() as u32;
    let has_cameras = !state.store.cameras().await?.is_empty();
    let detected = farm::detected_time_zone();
    Ok(SetupStatus {
        // An install with cameras (the demo, or one from before the setup
        // existed) is set up already.
        // A central has no barn of its own: it needs no first-day setup.
        needed: saved.is_none() && !has_cameras && !animov_engine::sync::is_central(state),
        farm_name: saved.as_ref().map(|f| f.farm_name.clone()),
        time_zone: saved
            .map(|f| f.time_zone)
            .unwrap_or_else(|| detected.clone()),
        detected_time_zone: detected,
        time_zones: farm::time_zones(),
        password_users,
    })
}

/// Whether the first-run setup is still to do, and the farm's settings (admin).
#[utoipa::path(get, path = "/api/v1/setup", tag = "meta", security(("bearer" = [])),
    responses((status = 200, body = SetupStatus), (status = 403, body = ErrorBody)))]
pub async fn get_setup(
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<Json<SetupStatus>, ApiError> {
    user.require(&[Role::Admin], "see the farm's settings")?;
    Ok(Json(status(&state).await?))
}

/// Saves the farm's name, time zone and language, and creates the admin
/// account when given (admin). Applies at once: alert hours and days follow
/// the new time zone from the next minute.
#[utoipa::path(put, path = "/api/v1/setup", tag = "meta", security(("bearer" = [])), request_body = FarmSetup,
    responses((status = 200, body = SetupStatus), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_setup(
    State(state): State<AppState>,
    user: AuthUser,
    body: Result<ApiJson<FarmSetup>, ApiError>,
) -> Result<Json<SetupStatus>, ApiError> {
    user.require(&[Role::Admin], "change the farm's settings")?;
    let ApiJson(req) = body?;
    farm::save(&state.store, &req).await.map_err(|e| match e {
        SetupError::Field(f) => ApiError::from(f),
        SetupError::User(u) => {
            let mut e = super::auth::user_error(u);
            e.field = e.field.map(|f| format!("admin.{f}"));
            e
        }
        SetupError::Store(s) => ApiError::from(s),
    })?;
    tracing::info!(by = %user.username, "farm settings saved");
    Ok(Json(status(&state).await?))
}
