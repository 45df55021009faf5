//! Sign-in, sign-out, identity and ingest API keys.

use std::net::SocketAddr;

use animov_api::{
    ApiKeyInfo, CreateApiKeyRequest, CreatedApiKey, ErrorBody, LocalLoginRequest, LoginRequest,
    LoginResponse, PasswordChange, Role, SourceKind, UserInfo,
};
use axum::{
    Json,
    extract::{ConnectInfo, FromRequest, Path, Request, State},
    http::StatusCode,
};

use animov_engine::users::{UserError, add_user, set_password};

use crate::{ApiError, AppState, AuthUser, extract::ApiJson};

/// Sign in with a user name and password.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    req: Request,
) -> Result<Json<LoginResponse>, ApiError> {
    let ip = client_addr(&req, &state.config.trusted_proxies);
    let ApiJson(body) = ApiJson::<LoginRequest>::from_request(req, &state).await?;
    let now = std::time::Instant::now();
    let delay = state
        .limiter
        .check_login(&body.username, ip.as_deref(), now)
        .map_err(too_many_attempts)?;
    if !delay.is_zero() {
        // This user's password is being guessed from elsewhere: slow every
        // try down rather than lock the owner out.
        tokio::time::sleep(delay).await;
    }
    let user = state.store.user(&body.username).await?;
    let hash = user
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| state.dummy_hash.clone());
    let password = body.password;
    let ok = tokio::task::spawn_blocking(move || animov_auth::verify_password(&hash, &password))
        .await
        .map_err(|e| ApiError::internal(&e))?;
    let Some(user) = user.filter(|_| ok) else {
        state.limiter.fail_login(&body.username, ip.as_deref(), now);
        state
            .metrics
            .login_failures
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        tracing::warn!(username = %body.username, "failed sign-in");
        return Err(
            ApiError::unauthorized("wrong user name or password").with_code("bad_credentials")
        );
    };
    state.limiter.clear_login(&body.username, ip.as_deref());
    tracing::info!(username = %user.username, role = user.role.as_str(), "signed in");
    Ok(Json(session(&state, user)))
}

/// Sign out: the token stops working at once.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ErrorBody)))]
pub async fn logout(State(state): State<AppState>, user: AuthUser) -> Result<StatusCode, ApiError> {
    state.store.revoke_token(&user.jti, user.exp * 1000).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Who the token belongs to.
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = UserInfo), (status = 401, body = ErrorBody)))]
pub async fn me(user: AuthUser) -> Json<UserInfo> {
    Json(UserInfo {
        username: user.username,
        role: user.role,
    })
}

/// Create an ingest key for one source (admin). The key is shown once.
#[utoipa::path(post, path = "/api/v1/api-keys", tag = "auth", security(("bearer" = [])), request_body = CreateApiKeyRequest,
    responses((status = 201, body = CreatedApiKey), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_api_key(
    State(state): State<AppState>,
    user: AuthUser,
    body: Result<ApiJson<CreateApiKeyRequest>, ApiError>,
) -> Result<(StatusCode, Json<CreatedApiKey>), ApiError> {
    user.require(&[Role::Admin], "create API keys")?;
    let ApiJson(req) = body?;
    animov_core::ingest::validate_source(&req.source)?;
    let camera_id = state
        .store
        .ensure_source(&req.source, SourceKind::Ingest)
        .await?;
    let key = animov_auth::new_api_key();
    let label = req.label.unwrap_or_default();
    let id = state
        .store
        .create_api_key(camera_id, &label, &animov_auth::hash_api_key(&key))
        .await?;
    tracing::info!(source = %req.source, id, by = %user.username, "API key created");
    Ok((
        StatusCode::CREATED,
        Json(CreatedApiKey {
            id,
            source: req.source,
            key,
        }),
    ))
}

/// Revoke an ingest key (admin).
#[utoipa::path(delete, path = "/api/v1/api-keys/{id}", tag = "auth", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Key id")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn revoke_api_key(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    user.require(&[Role::Admin], "revoke API keys")?;
    state.store.revoke_api_key(id).await?;
    tracing::info!(id, by = %user.username, "API key revoked");
    Ok(StatusCode::NO_CONTENT)
}

/// The account of the desktop window: the farm's owner at the barn PC.
pub const LOCAL_USER: &str = "local";

/// Sign in the desktop window with the per-launch secret its shell handed to
/// the engine, as the farm's owner (the `local` admin, created on first
/// use). A right secret always signs in: failures only slow down whoever
/// guesses, they never lock the window out.
#[utoipa::path(post, path = "/api/v1/auth/local", tag = "auth", request_body = LocalLoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn local_login(
    State(state): State<AppState>,
    req: Request,
) -> Result<Json<LoginResponse>, ApiError> {
    let ip = client_addr(&req, &state.config.trusted_proxies);
    let ApiJson(req) = ApiJson::<LocalLoginRequest>::from_request(req, &state).await?;
    let ok = state
        .local_secret
        .as_deref()
        .is_some_and(|s| constant_time_eq(s.as_bytes(), req.secret.as_bytes()));
    if !ok {
        // Per address: a guesser slows itself down, not the window.
        let keys = vec![format!("local-secret|{}", ip.as_deref().unwrap_or("-"))];
        let now = std::time::Instant::now();
        state.limiter.check(&keys, now).map_err(too_many_attempts)?;
        state.limiter.fail(&keys, now);
        return Err(
            ApiError::unauthorized("this sign-in is only for the AniMOV desktop window")
                .with_code("bad_credentials"),
        );
    }
    let user = match state.store.user(LOCAL_USER).await? {
        Some(u) if u.role == Role::Admin => u,
        Some(_) => {
            // Installs before the window's user owned the farm.
            state.store.set_role(LOCAL_USER, Role::Admin).await?;
            local_user(&state).await?
        }
        None => {
            let unusable = animov_auth::new_api_key();
            add_user(&state.store, LOCAL_USER, Role::Admin, &unusable)
                .await
                .map_err(|e| ApiError::internal(&e))?;
            local_user(&state).await?
        }
    };
    tracing::info!(username = %user.username, "desktop window signed in");
    Ok(Json(session(&state, user)))
}

async fn local_user(state: &AppState) -> Result<animov_store::UserRow, ApiError> {
    state
        .store
        .user(LOCAL_USER)
        .await?
        .ok_or_else(|| ApiError::internal(&"local user vanished"))
}

/// Change one's own password (every role); every other session of the user
/// ends, and this one gets a new token.
#[utoipa::path(put, path = "/api/v1/auth/password", tag = "auth", security(("bearer" = [])), request_body = PasswordChange,
    responses((status = 200, body = LoginResponse), (status = 401, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn change_password(
    State(state): State<AppState>,
    user: AuthUser,
    ApiJson(req): ApiJson<PasswordChange>,
) -> Result<Json<LoginResponse>, ApiError> {
    if user.username == LOCAL_USER {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "window_account",
            "the desktop window's account has no password: create an account for yourself under Users",
        ));
    }
    let row = state
        .store
        .user(&user.username)
        .await?
        .ok_or_else(|| ApiError::unauthorized("this user no longer exists"))?;
    let (hash, current) = (row.password_hash.clone(), req.current_password);
    let ok = tokio::task::spawn_blocking(move || animov_auth::verify_password(&hash, &current))
        .await
        .map_err(|e| ApiError::internal(&e))?;
    if !ok {
        return Err(ApiError::invalid(
            "current_password",
            "the current password is wrong",
        ));
    }
    set_password(&state.store, &user.username, &req.new_password)
        .await
        .map_err(user_error)?;
    let row = state
        .store
        .user(&user.username)
        .await?
        .ok_or_else(|| ApiError::internal(&"user vanished"))?;
    tracing::info!(username = %user.username, "password changed");
    Ok(Json(session(&state, row)))
}

/// A user-creation or password error as an API error naming its field.
pub(crate) fn user_error(e: UserError) -> ApiError {
    match e {
        UserError::BadName => ApiError::invalid("username", e.to_string()),
        UserError::WeakPassword => ApiError::invalid("password", e.to_string()),
        UserError::Store(s) => ApiError::from(s),
        other => ApiError::internal(&other),
    }
}

/// Every ingest key: source, label, creation, last use, revocation (admin).
/// Keys themselves are never shown again.
#[utoipa::path(get, path = "/api/v1/api-keys", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = [ApiKeyInfo]), (status = 403, body = ErrorBody)))]
pub async fn list_api_keys(
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<Json<Vec<ApiKeyInfo>>, ApiError> {
    user.require(&[Role::Admin], "list API keys")?;
    Ok(Json(
        state
            .store
            .api_keys()
            .await?
            .into_iter()
            .map(|k| ApiKeyInfo {
                id: k.id,
                source: k.source,
                label: k.label,
                created_ms: k.created_ms,
                last_used_ms: k.last_used_ms,
                revoked_ms: k.revoked_ms,
            })
            .collect(),
    ))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The client's address: the peer's, or behind a trusted proxy the last
/// address of `X-Forwarded-For` that is not one of `proxies`.
fn client_addr(req: &Request, proxies: &[std::net::IpAddr]) -> Option<String> {
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>()?.0.ip();
    if !proxies.contains(&peer) {
        return Some(peer.to_string());
    }
    let forwarded = req
        .headers()
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse::<std::net::IpAddr>().ok())
        .collect::<Vec<_>>();
    let client = forwarded
        .iter()
        .rev()
        .find(|a| !proxies.contains(a))
        .copied()
        .unwrap_or(peer);
    Some(client.to_string())
}

/// 429 with `Retry-After`: too many recent failures from this address.
fn too_many_attempts(wait: u64) -> ApiError {
    let mut e = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_attempts",
        format!("too many failed sign-ins from this address: wait {wait} s and try again"),
    );
    e.retry_after = Some(wait);
    e
}

/// A new session token for `user`.
fn session(state: &AppState, user: animov_store::UserRow) -> LoginResponse {
    let (token, claims) =
        state
            .tokens
            .issue(&user.username, user.role, &user.session_key, state.now_ms());
    LoginResponse {
        token,
        expires_at: claims.exp * 1000,
        user: UserInfo {
            username: user.username,
            role: user.role,
        },
    }
}
