//! Creating users from the command line.

use animov_api::Role;
use animov_store::Store;

use crate::{
    EngineError,
    auth::{MIN_PASSWORD_LEN, hash_password},
};

/// Why a user cannot be created.
#[derive(Debug, thiserror::Error)]
pub enum UserError {
    /// The name is not acceptable.
    #[error("user names are 1 to 64 characters among letters, digits, '_', '.', '@' and '-'")]
    BadName,
    /// The password is too short.
    #[error("the password must have at least {MIN_PASSWORD_LEN} characters")]
    WeakPassword,
    /// The name is taken, or the database failed.
    #[error(transparent)]
    Engine(#[from] EngineError),
}

/// Checks a user name.
pub fn valid_username(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_.@-".contains(&b))
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
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(UserError::WeakPassword);
    }
    let hash = hash_password(password)
        .map_err(|e| EngineError::Io(std::io::Error::other(e.to_string())))?;
    store
        .create_user(username, &hash, role)
        .await
        .map_err(EngineError::from)?;
    tracing::info!(username, role = role.as_str(), "user created");
    Ok(())
}
