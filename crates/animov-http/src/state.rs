//! What every handler shares: the engine, and what only the HTTP layer
//! needs — session tokens, the failed sign-in limiter, the desktop window's
//! per-launch secret.

use std::{sync::Arc, time::Duration};

use animov_auth::{LoginLimiter, Tokens, hash_password};
use animov_engine::{
    Engine,
    secrets::{SecretError, names::JWT_SIGNING_KEY},
};

/// The axum state (cheap to clone). It reads as the [`Engine`] too
/// (`state.store`, `state.config`...).
#[derive(Clone)]
pub struct AppState(Arc<HttpInner>);

/// The parts of [`AppState`].
pub struct HttpInner {
    /// The engine.
    pub engine: Engine,
    /// Session tokens.
    pub tokens: Tokens,
    /// Failed sign-in limiter.
    pub limiter: LoginLimiter,
    /// A hash to verify against when the user does not exist (same timing either way).
    pub dummy_hash: String,
    /// Per-launch secret of the desktop window; never stored.
    pub local_secret: Option<String>,
}

impl std::ops::Deref for AppState {
    type Target = HttpInner;
    fn deref(&self) -> &HttpInner {
        &self.0
    }
}

impl std::ops::Deref for HttpInner {
    type Target = Engine;
    fn deref(&self) -> &Engine {
        &self.engine
    }
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("engine", &self.engine)
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// State over `engine`, signing tokens with `signing_key`.
    pub fn new(engine: Engine, signing_key: &[u8]) -> Self {
        Self::with_local_secret(engine, signing_key, None)
    }

    /// Same, accepting `local_secret` from the desktop window (`POST /api/v1/auth/local`).
    pub fn with_local_secret(
        engine: Engine,
        signing_key: &[u8],
        local_secret: Option<String>,
    ) -> Self {
        let c = &engine.config;
        AppState(Arc::new(HttpInner {
            tokens: Tokens::new(signing_key, c.token_ttl_hours),
            limiter: LoginLimiter::new(c.login_attempts, Duration::from_secs(300)),
            dummy_hash: hash_password("not a real password").expect("argon2 works"),
            local_secret,
            engine,
        }))
    }

    /// State over `engine` with the install's token signing key (made on first use).
    pub fn open(engine: Engine, local_secret: Option<String>) -> Result<Self, SecretError> {
        let key = engine
            .secrets
            .get_or_create(JWT_SIGNING_KEY, animov_auth::new_signing_key)?;
        Ok(Self::with_local_secret(
            engine,
            key.as_bytes(),
            local_secret,
        ))
    }

    /// The engine (for code that keeps it beyond a request).
    pub fn engine(&self) -> &Engine {
        &self.engine
    }
}
