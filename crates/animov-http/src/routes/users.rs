//! Users and system information (admin).

use animov_api::{CreateUserRequest, ErrorBody, PasswordReset, Role, SystemInfo, UserInfo};
use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
};

use animov_engine::users;

use crate::{ApiError, AppState, AuthUser, extract::ApiJson};

/// Every user and their role (admin).
#[utoipa::path(get, path = "/api/v1/users", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = [UserInfo]), (status = 403, body = ErrorBody)))]
pub async fn list_users(
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<Json<Vec<UserInfo>>, ApiError> {
    user.require(&[Role::Admin], "list users")?;
    let all = state.store.users().await?;
    Ok(Json(
        all.into_iter()
            .map(|u| UserInfo {
                username: u.username,
                role: u.role,
            })
            .collect(),
    ))
}

/// Create a user (admin).
#[utoipa::path(post, path = "/api/v1/users", tag = "auth", security(("bearer" = [])), request_body = CreateUserRequest,
    responses((status = 201, body = UserInfo), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_user(
    State(state): State<AppState>,
    user: AuthUser,
    body: Result<ApiJson<CreateUserRequest>, ApiError>,
) -> Result<(StatusCode, Json<UserInfo>), ApiError> {
    user.require(&[Role::Admin], "create users")?;
    let ApiJson(req) = body?;
    users::add_user(&state.store, &req.username, req.role, &req.password)
        .await
        .map_err(super::auth::user_error)?;
    tracing::info!(username = %req.username, role = req.role.as_str(), by = %user.username, "user created");
    Ok((
        StatusCode::CREATED,
        Json(UserInfo {
            username: req.username,
            role: req.role,
        }),
    ))
}

/// Delete a user (admin; not yourself). Their sessions stop working at once.
#[utoipa::path(delete, path = "/api/v1/users/{username}", tag = "auth", security(("bearer" = [])),
    params(("username" = String, Path, description = "User name")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn delete_user(
    State(state): State<AppState>,
    user: AuthUser,
    Path(username): Path<String>,
) -> Result<StatusCode, ApiError> {
    user.require(&[Role::Admin], "delete users")?;
    if username == user.username {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "cannot_delete_self",
            "you cannot delete your own account: ask another admin",
        ));
    }
    state.store.delete_user(&username).await?;
    tracing::info!(username, by = %user.username, "user deleted");
    Ok(StatusCode::NO_CONTENT)
}

/// Give a user a new password (admin); their sessions end at once.
#[utoipa::path(put, path = "/api/v1/users/{username}/password", tag = "auth", security(("bearer" = [])),
    params(("username" = String, Path, description = "User name")), request_body = PasswordReset,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reset_password(
    State(state): State<AppState>,
    user: AuthUser,
    Path(username): Path<String>,
    body: Result<ApiJson<PasswordReset>, ApiError>,
) -> Result<StatusCode, ApiError> {
    user.require(&[Role::Admin], "reset passwords")?;
    let ApiJson(req) = body?;
    if username == super::auth::LOCAL_USER {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "window_account",
            "the desktop window's account signs in without a password",
        ));
    }
    users::set_password(&state.store, &username, &req.password)
        .await
        .map_err(super::auth::user_error)?;
    tracing::info!(username, by = %user.username, "password reset");
    Ok(StatusCode::NO_CONTENT)
}

/// Where this install keeps its data (admin).
#[utoipa::path(get, path = "/api/v1/system", tag = "meta", security(("bearer" = [])),
    responses((status = 200, body = SystemInfo), (status = 403, body = ErrorBody)))]
pub async fn system(
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<Json<SystemInfo>, ApiError> {
    user.require(&[Role::Admin], "see the system settings")?;
    Ok(Json(SystemInfo {
        data_dir: state.config.data_dir.display().to_string(),
        database: state.config.database_label(),
        site_id: state.store.site_id().to_string(),
        version: env!("CARGO_PKG_VERSION").to_string(),
    }))
}
