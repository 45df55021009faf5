//! Creating users (the CLI, the admin API, the desktop's local user).

use animov_api::Role;
use animov_auth::{
    AuthError, MIN_PASSWORD_LEN, hash_password, new_session_key, strong_enough, valid_username,
};
use animov_store::{Store, StoreError};

/// Why a user cannot be created.
#[derive(Debug, thiserror::Error)]
pub enum UserError {
    /// The name is not acceptable.
    #[error("user names are 1 to 64 characters among letters, digits, '_', '.', '@' and '-'")]
    BadName,
    /// The password is too short.
    #[error("the password must have at least {MIN_PASSWORD_LEN} characters")]
    WeakPassword,
    /// The password cannot be hashed.
    #[error(transparent)]
    Hash(#[from] AuthError),
    /// The name is taken, or the database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Creates a user with an argon2id-hashed password.
pub async fn add_user(
    store: &Store,
    username: &str,
    role: Role,
    password: &str,
) -> Result<(), UserError> {
    if !valid_username(username) {
        return Err(UserError::BadName);
    }
    if !strong_enough(password) {
        return Err(UserError::WeakPassword);
    }
    let hash = hash_password(password)?;
    store
        .create_user(username, &hash, role, &new_session_key())
        .await?;
    tracing::info!(username, role = role.as_str(), "user created");
    Ok(())
}

/// Sets a user's password; every session they had ends.
pub async fn set_password(store: &Store, username: &str, password: &str) -> Result<(), UserError> {
    if !strong_enough(password) {
        return Err(UserError::WeakPassword);
    }
    let hash = hash_password(password)?;
    store
        .set_password(username, &hash, &new_session_key())
        .await?;
    tracing::info!(username, "password changed; earlier sessions ended");
    Ok(())
}
