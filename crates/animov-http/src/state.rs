//! What every handler shares: the engine, and what only the HTTP layer
//! needs — session tokens, the failed sign-in limiter, the desktop window's
//! per-launch secret.

use std::{sync::Arc, time::Duration};

use animov_auth::{LoginLimiter, MIN_SIGNING_KEY_BYTES, Tokens, hash_password};
use animov_engine::{
    Engine,
    secrets::{SecretError, Secrets, names::JWT_SIGNING_KEY},
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
    /// When ingestion registered new sources in the last hour (engine clock, ms).
    pub new_sources: std::sync::Mutex<std::collections::VecDeque<i64>>,
    /// How the server is reached (set when it starts listening).
    pub reached: std::sync::OnceLock<animov_api::TlsStatus>,
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
            new_sources: Default::default(),
            reached: Default::default(),
            engine,
        }))
    }

    /// State over `engine` with the install's token signing key: made on
    /// first use, made again when found empty, refused when shorter than
    /// [`MIN_SIGNING_KEY_BYTES`].
    pub fn open(engine: Engine, local_secret: Option<String>) -> Result<Self, SecretError> {
        let key = match engine.secrets.get(JWT_SIGNING_KEY)? {
            Some(k) if k.trim().is_empty() => {
                tracing::warn!(
                    "the token signing key was empty (a write cut short?): a new one is made, everyone signs in again"
                );
                let k = animov_auth::new_signing_key();
                engine.secrets.set(JWT_SIGNING_KEY, &k)?;
                k
            }
            Some(k) if k.len() < MIN_SIGNING_KEY_BYTES => {
                return Err(Secrets::invalid(
                    JWT_SIGNING_KEY,
                    format!(
                        "the token signing key is {} bytes long, fewer than {MIN_SIGNING_KEY_BYTES}: set a longer one with `animov secret set {JWT_SIGNING_KEY}` (every session ends)",
                        k.len()
                    ),
                ));
            }
            Some(k) => k,
            None => {
                let k = animov_auth::new_signing_key();
                engine.secrets.set(JWT_SIGNING_KEY, &k)?;
                k
            }
        };
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
