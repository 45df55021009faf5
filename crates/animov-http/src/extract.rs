//! Extractors: JSON bodies with our error shape (and the JSON path of the
//! field to blame), and the caller's identity.

use animov_api::Role;
use animov_auth::AuthError;
use axum::{
    body::Bytes,
    extract::{FromRequest, FromRequestParts, Request},
    http::{HeaderMap, StatusCode, header, request::Parts},
};
use serde::de::DeserializeOwned;
use serde_json::error::Category;

use crate::{ApiError, AppState};

/// A JSON body, refused in the API's error shape: 415 without a JSON
/// content type, 413 when too large, 400 when not JSON, 422 naming the field
/// (`frames[0].lying`) when it does not have the expected shape.
pub struct ApiJson<T>(pub T);

/// `application/json`, or any `application/*+json`.
fn is_json(headers: &HeaderMap) -> bool {
    let Some(ct) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence
        .strip_prefix("application/")
        .is_some_and(|sub| sub == "json" || sub.ends_with("+json"))
}

/// Reads a JSON value, keeping the path of the field a data error is about.
pub fn from_json_bytes<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let malformed = |e: &dyn std::fmt::Display| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            format!("the body is not valid JSON: {e}"),
        )
    };
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        match e.inner().classify() {
            Category::Data => {
                let shape = ApiError::invalid(
                    e.path().to_string(),
                    format!("the JSON body does not have the expected shape: {e}"),
                );
                // A missing field at the top has no path to name.
                if e.path().iter().next().is_some() {
                    shape
                } else {
                    ApiError {
                        field: None,
                        ..shape
                    }
                }
            }
            Category::Syntax | Category::Eof | Category::Io => malformed(&e),
        }
    })?;
    de.end().map_err(|e| malformed(&e))?;
    Ok(value)
}

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        if !is_json(req.headers()) {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the body as JSON with the header `Content-Type: application/json`",
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|r| {
            if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(
                    r.status(),
                    "body_too_large",
                    "the request body is too large: send fewer frames per request",
                )
            } else {
                ApiError::new(r.status(), "bad_body", r.body_text())
            }
        })?;
        from_json_bytes(&bytes).map(ApiJson)
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
        .verify(token, state.now_ms())
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
    if user.session_key != claims.sk {
        return Err(ApiError::unauthorized(
            "this session ended because the password was changed or the user was re-created: sign in again",
        )
        .with_code("session_ended"));
    }
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
                .api_key_by_hash(&animov_auth::hash_api_key(key.trim()))
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
            if let Err(e) = state.store.touch_api_key(row.id, state.now_ms()).await {
                tracing::debug!(error = %e, "last use of the API key not recorded");
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

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Batch {
        source: String,
        frames: Vec<Frame>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Frame {
        lying: u32,
    }

    #[test]
    fn names_the_field_from_the_path_serde_followed() {
        let e = from_json_bytes::<Batch>(br#"{"source":"a","frames":[{"lying":-1}]}"#).unwrap_err();
        assert_eq!(
            (e.status, e.field.as_deref()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("frames[0].lying"))
        );
        assert!(
            e.message.starts_with(
                "the JSON body does not have the expected shape: frames[0].lying: invalid value"
            ),
            "{}",
            e.message
        );
        let e = from_json_bytes::<Batch>(br#"{"frames":[]}"#).unwrap_err();
        assert_eq!(
            (e.status, e.field),
            (StatusCode::UNPROCESSABLE_ENTITY, None)
        );
        assert!(
            e.message.contains("missing field `source`"),
            "{}",
            e.message
        );
        let e = from_json_bytes::<Batch>(b"{\"source\": ").unwrap_err();
        assert_eq!(
            (e.status, e.code),
            (StatusCode::BAD_REQUEST, "malformed_json")
        );
        let e = from_json_bytes::<Batch>(br#"{"source":"a","frames":[]} x"#).unwrap_err();
        assert!(e.message.contains("trailing characters"), "{}", e.message);
    }

    #[test]
    fn json_content_types_are_recognised() {
        let with = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(header::CONTENT_TYPE, v.parse().unwrap());
            is_json(&h)
        };
        assert!(with("application/json") && with("Application/JSON; charset=utf-8"));
        assert!(with("application/problem+json"));
        assert!(!with("text/plain") && !is_json(&HeaderMap::new()));
    }
}
