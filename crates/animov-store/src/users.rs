//! Users, ingest API keys and revoked tokens (local to the site, not synced).

use animov_api::Role;

use crate::{Store, StoreError, now_ms, query::AnyQuery};

/// A user account.
#[derive(Debug, Clone, PartialEq)]
pub struct UserRow {
    /// Local id.
    pub id: i64,
    /// Login name.
    pub username: String,
    /// argon2id PHC string.
    pub password_hash: String,
    /// Role.
    pub role: Role,
    /// Sessions must carry this key: a new one (password changed, user
    /// re-created) ends the sessions signed in before.
    pub session_key: String,
}

/// A `users` row.
#[derive(sqlx_macros::FromRow)]
struct UserRecord {
    id: i64,
    username: String,
    password_hash: String,
    role: String,
    session_key: String,
}

impl TryFrom<UserRecord> for UserRow {
    type Error = StoreError;
    fn try_from(r: UserRecord) -> Result<UserRow, StoreError> {
        Ok(UserRow {
            id: r.id,
            username: r.username,
            password_hash: r.password_hash,
            role: r.role.parse()?,
            session_key: r.session_key,
        })
    }
}

/// An ingest API key (only its hash is stored).
#[derive(Debug, Clone, PartialEq, sqlx_macros::FromRow)]
pub struct ApiKeyRow {
    /// Key id.
    pub id: i64,
    /// The camera it may ingest for.
    pub camera_id: i64,
    /// That camera's source name.
    pub source: String,
    /// Label.
    pub label: String,
    /// When revoked, if it was.
    pub revoked_ms: Option<i64>,
}

/// An ingest API key as listed to admins (never the key itself).
#[derive(Debug, Clone, PartialEq, sqlx_macros::FromRow)]
pub struct ApiKeyListRow {
    /// Key id.
    pub id: i64,
    /// The source it may ingest for.
    pub source: String,
    /// Label.
    pub label: String,
    /// Created, UTC ms.
    pub created_ms: i64,
    /// Last accepted use, UTC ms.
    pub last_used_ms: Option<i64>,
    /// When revoked, if it was.
    pub revoked_ms: Option<i64>,
}

const USER_SELECT: &str = "SELECT id, username, password_hash, role, session_key FROM users";

impl Store {
    /// Creates a user whose sessions carry `session_key`; `UsernameTaken`
    /// if the name exists.
    pub async fn create_user(
        &self,
        username: &str,
        password_hash: &str,
        role: Role,
        session_key: &str,
    ) -> Result<i64, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let insert = sqlx::query(
            "INSERT INTO users (username, password_hash, role, created_ms, session_key) \
             VALUES (?, ?, ?, ?, ?)",
        )
        .bind(username)
        .bind(password_hash)
        .bind(role.as_str())
        .bind(now_ms())
        .bind(session_key);
        match Self::insert_one(&mut conn, insert).await {
            Ok(id) => Ok(id),
            Err(e) => {
                // `users_username_unique`.
                let key = sqlx::query("SELECT 1 FROM users WHERE username = ?").bind(username);
                Err(Self::key_taken(e, key, &mut *conn, StoreError::UsernameTaken).await)
            }
        }
    }

    /// A user by name.
    pub async fn user(&self, username: &str) -> Result<Option<UserRow>, StoreError> {
        let q = format!("{USER_SELECT} WHERE username = ?");
        self.row_of::<UserRecord, _>(sqlx::query_as(&q).bind(username))
            .await
    }

    /// Every user, by name.
    pub async fn users(&self) -> Result<Vec<UserRow>, StoreError> {
        let q = format!("{USER_SELECT} ORDER BY username");
        self.rows_of::<UserRecord, _>(sqlx::query_as(&q)).await
    }

    /// Deletes a user; `NotFound` if there is none by that name.
    pub async fn delete_user(&self, username: &str) -> Result<(), StoreError> {
        self.one_user(sqlx::query("DELETE FROM users WHERE username = ?").bind(username))
            .await
    }

    /// Sets a user's password and session key (ending earlier sessions);
    /// `NotFound` if there is none by that name.
    pub async fn set_password(
        &self,
        username: &str,
        password_hash: &str,
        session_key: &str,
    ) -> Result<(), StoreError> {
        self.one_user(
            sqlx::query("UPDATE users SET password_hash = ?, session_key = ? WHERE username = ?")
                .bind(password_hash)
                .bind(session_key)
                .bind(username),
        )
        .await
    }

    /// Changes a user's role; `NotFound` if there is none by that name.
    pub async fn set_role(&self, username: &str, role: Role) -> Result<(), StoreError> {
        self.one_user(
            sqlx::query("UPDATE users SET role = ? WHERE username = ?")
                .bind(role.as_str())
                .bind(username),
        )
        .await
    }

    /// Runs a statement on one user; `NotFound` when it touched none.
    async fn one_user(&self, q: AnyQuery<'_>) -> Result<(), StoreError> {
        if q.execute(&self.pool).await?.rows_affected() == 0 {
            return Err(StoreError::NotFound("user"));
        }
        Ok(())
    }

    /// Number of users.
    pub async fn user_count(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(&self.pool)
            .await?)
    }

    /// Stores a new API key's hash for a camera; returns the key id.
    pub async fn create_api_key(
        &self,
        camera_id: i64,
        label: &str,
        key_hash: &str,
    ) -> Result<i64, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let insert = sqlx::query(
            "INSERT INTO api_keys (camera_id, label, key_hash, created_ms) VALUES (?, ?, ?, ?)",
        )
        .bind(camera_id)
        .bind(label)
        .bind(key_hash)
        .bind(now_ms());
        Ok(Self::insert_one(&mut conn, insert).await?)
    }

    /// Whether a source has an ingest key that is not revoked (someone set
    /// it up to send).
    pub async fn has_live_api_key(&self, camera_id: i64) -> Result<bool, StoreError> {
        let row: Option<(i64,)> = sqlx::query_as(
            "SELECT id FROM api_keys WHERE camera_id = ? AND revoked_ms IS NULL LIMIT 1",
        )
        .bind(camera_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.is_some())
    }

    /// The key with this hash, if any (revoked ones included: check `revoked_ms`).
    pub async fn api_key_by_hash(&self, key_hash: &str) -> Result<Option<ApiKeyRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT k.id, k.camera_id, c.source, k.label, k.revoked_ms FROM api_keys k \
             JOIN cameras c ON c.id = k.camera_id WHERE k.key_hash = ?",
        )
        .bind(key_hash)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Every ingest key, newest first.
    pub async fn api_keys(&self) -> Result<Vec<ApiKeyListRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT k.id, c.source, k.label, k.created_ms, k.last_used_ms, k.revoked_ms \
             FROM api_keys k JOIN cameras c ON c.id = k.camera_id ORDER BY k.id DESC",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// Records that a key was just used.
    pub async fn touch_api_key(&self, id: i64, at_ms: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE api_keys SET last_used_ms = ? WHERE id = ?")
            .bind(at_ms)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Revokes a key; `NotFound` if there is no such key.
    pub async fn revoke_api_key(&self, id: i64) -> Result<(), StoreError> {
        let res =
            sqlx::query("UPDATE api_keys SET revoked_ms = ? WHERE id = ? AND revoked_ms IS NULL")
                .bind(now_ms())
                .bind(id)
                .execute(&self.pool)
                .await?;
        if res.rows_affected() == 0 {
            return Err(StoreError::NotFound("api key"));
        }
        Ok(())
    }

    /// Marks a session token as revoked until it would have expired anyway.
    pub async fn revoke_token(&self, jti: &str, expires_ms: i64) -> Result<(), StoreError> {
        let sql = format!(
            "{} INTO revoked_tokens (jti, expires_ms) VALUES (?, ?)",
            self.backend.insert_ignore()
        );
        sqlx::query(&sql)
            .bind(jti)
            .bind(expires_ms)
            .execute(&self.pool)
            .await?;
        sqlx::query("DELETE FROM revoked_tokens WHERE expires_ms < ?")
            .bind(now_ms())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// True when the token id was revoked.
    pub async fn is_token_revoked(&self, jti: &str) -> Result<bool, StoreError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM revoked_tokens WHERE jti = ?")
            .bind(jti)
            .fetch_one(&self.pool)
            .await?;
        Ok(n > 0)
    }
}
