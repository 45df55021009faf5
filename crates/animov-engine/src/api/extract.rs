//! Extractors: JSON bodies and queries with our error shape, and the caller's identity.

use animov_api::Role;
use axum::{
    extract::{FromRequest, FromRequestParts, Request},
    http::{header, request::Parts},
};
use serde::de::DeserializeOwned;

use super::error::ApiError;
use crate::{auth::AuthError, state::AppState};

/// `axum::Json` whose rejections answer in the API's error shape.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let axum::Json(v) = axum::Json::<T>::from_request(req, state).await?;
        Ok(ApiJson(v))
    }
}

/// A signed-in user (Bearer token, checked against revocations and the stored user).
#[derive(Debug, Clone)]
pub struct AuthUser {
    /// User name.
    pub username: String,
    /// Current role.
    pub role: Role,
    /// Token id.
    pub jti: String,
    /// Token expiry, seconds.
    pub exp: i64,
}

impl AuthUser {
    /// 403 unless the user has one of `roles`.
    pub fn require(&self, roles: &[Role], doing: &str) -> Result<(), ApiError> {
        if roles.contains(&self.role) {
            return Ok(());
        }
        let allowed: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
        Err(ApiError::forbidden(format!(
            "your role ({}) cannot {doing}; this needs the role {}",
            self.role.as_str(),
            allowed.join(" or ")
        )))
    }
}

fn bearer(parts: &Parts) -> Option<&str> {
    let v = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Verifies a Bearer token fully; `None` when the request carries none.
pub async fn bearer_user(parts: &Parts, state: &AppState) -> Result<Option<AuthUser>, ApiError> {
    match bearer(parts) {
        Some(token) => user_from_token(state, token).await.map(Some),
        None => Ok(None),
    }
}

/// The user of a request that may carry its token as `?access_token=` instead of
/// a header (EventSource, `<img>`, `<video>`: they cannot send headers).
pub async fn header_or_query_user(
    parts: &Parts,
    state: &AppState,
    access_token: Option<&str>,
) -> Result<AuthUser, ApiError> {
    match access_token {
        Some(t) => user_from_token(state, t).await,
        None => bearer_user(parts, state).await?.ok_or_else(|| {
            ApiError::unauthorized("sign in first: send a Bearer token or ?access_token=")
                .with_code("missing_token")
        }),
    }
}

/// Checks a session token: signature, expiry, revocation, and that the user still exists.
pub async fn user_from_token(state: &AppState, token: &str) -> Result<AuthUser, ApiError> {
    let claims = state
        .tokens
        .verify(token, animov_store::now_ms())
        .map_err(|e| match e {
            AuthError::Expired => ApiError::unauthorized(e.to_string()).with_code("token_expired"),
            e => ApiError::unauthorized(e.to_string()).with_code("invalid_token"),
        })?;
    if state.store.is_token_revoked(&claims.jti).await? {
        return Err(
            ApiError::unauthorized("this session was closed (signed out): sign in again")
                .with_code("token_revoked"),
        );
    }
    let user = state.store.user(&claims.sub).await?.ok_or_else(|| {
        ApiError::unauthorized("this user no longer exists").with_code("invalid_token")
    })?;
    Ok(AuthUser {
        username: user.username,
        role: user.role,
        jti: claims.jti,
        exp: claims.exp,
    })
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        bearer_user(parts, state).await?.ok_or_else(|| {
            ApiError::unauthorized(
                "sign in first: send `Authorization: Bearer <token>` from POST /api/v1/auth/login",
            )
            .with_code("missing_token")
        })
    }
}

/// Who is allowed to ingest: an API key for one source, or an admin/operator.
#[derive(Debug, Clone)]
pub enum Ingestor {
    /// `X-Api-Key` of a source.
    Key {
        /// The camera the key belongs to.
        camera_id: i64,
        /// Its source name.
        source: String,
    },
    /// A signed-in admin or operator.
    User(AuthUser),
}

impl FromRequestParts<AppState> for Ingestor {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(key) = parts.headers.get("x-api-key") {
            let key = key.to_str().map_err(|_| {
                ApiError::unauthorized("the API key is not valid").with_code("invalid_api_key")
            })?;
            let row = state
                .store
                .api_key_by_hash(&crate::auth::hash_api_key(key.trim()))
                .await?
                .ok_or_else(|| {
                    ApiError::unauthorized(
                        "unknown API key: ask an admin for a key for this source",
                    )
                    .with_code("invalid_api_key")
                })?;
            if row.revoked_ms.is_some() {
                return Err(ApiError::unauthorized(
                    "this API key was revoked: ask an admin for a new one",
                )
                .with_code("revoked_api_key"));
            }
            return Ok(Ingestor::Key {
                camera_id: row.camera_id,
                source: row.source,
            });
        }
        let user = AuthUser::from_request_parts(parts, state).await.map_err(|mut e| {
            if e.code == "missing_token" {
                e.message = "send `X-Api-Key: <key>` (an ingest key of this source) or `Authorization: Bearer <token>`".into();
            }
            e
        })?;
        user.require(&[Role::Admin, Role::Operator], "ingest frames")?;
        Ok(Ingestor::User(user))
    }
}

impl ApiError {
    /// Replaces the code.
    pub fn with_code(mut self, code: &'static str) -> Self {
        self.code = code;
        self
    }
}
