use serde::{Deserialize, Serialize};

use crate::names::names;

/// A user's role: what they may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Cameras, models, alert rules, users, storage, sync target.
    Admin,
    /// The farmer: live view, statistics, acknowledge alerts, ingest.
    Operator,
    /// Reads recordings, statistics and alerts; adds notes; changes no configuration.
    Vet,
}

names!(Role, "role" {
    Admin => "admin",
    Operator => "operator",
    Vet => "vet",
});

/// `POST /api/v1/auth/login` body.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    /// User name.
    pub username: String,
    /// Password (never logged).
    pub password: String,
}

/// A signed-in user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserInfo {
    /// User name.
    pub username: String,
    /// Role.
    pub role: Role,
}

/// `POST /api/v1/auth/login` answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginResponse {
    /// Bearer token for `Authorization: Bearer <token>`.
    pub token: String,
    /// When the token stops working (UTC ms).
    pub expires_at: i64,
    /// Who signed in.
    pub user: UserInfo,
}

/// `POST /api/v1/api-keys` body (admin): a key for one ingest source.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateApiKeyRequest {
    /// The source this key may ingest for (created as an ingest-only source if new).
    pub source: String,
    /// A label to recognise the key by, e.g. `jetson barn 2`.
    #[serde(default)]
    pub label: Option<String>,
}

/// A created API key; `key` is shown once and never again.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedApiKey {
    /// Key id (for revocation).
    pub id: i64,
    /// The source it may ingest for.
    pub source: String,
    /// The secret: send it as `X-Api-Key`.
    pub key: String,
}

/// `POST /api/v1/auth/local` body: the desktop window's per-launch secret.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LocalLoginRequest {
    /// The secret the desktop shell handed to the engine and to its window at launch.
    pub secret: String,
}

/// `POST /api/v1/users` body (admin).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateUserRequest {
    /// Login name (1 to 64 of letters, digits, `_ . @ -`).
    pub username: String,
    /// Role.
    pub role: Role,
    /// Password (at least 8 characters).
    pub password: String,
}

/// Where this install keeps its data (`GET /api/v1/system`, admin).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SystemInfo {
    /// Data folder (database, logs, settings).
    pub data_dir: String,
    /// The database, without secrets.
    pub database: String,
    /// This barn PC's site id.
    pub site_id: String,
    /// Engine version.
    pub version: String,
}

/// `PUT /api/v1/auth/password` body: change one's own password.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    /// The password in use now.
    pub current_password: String,
    /// The new one (at least 8 characters).
    pub new_password: String,
}

/// `PUT /api/v1/users/{username}/password` body (admin): a new password for
/// a user; their sessions end.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PasswordReset {
    /// The new password (at least 8 characters).
    pub password: String,
}

/// An ingest key as listed (`GET /api/v1/api-keys`, admin); never the key itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiKeyInfo {
    /// Key id.
    pub id: i64,
    /// The source it may ingest for.
    pub source: String,
    /// Label.
    pub label: String,
    /// Created, UTC ms.
    pub created_ms: i64,
    /// Last accepted request, UTC ms.
    pub last_used_ms: Option<i64>,
    /// Revoked at, UTC ms.
    pub revoked_ms: Option<i64>,
}
