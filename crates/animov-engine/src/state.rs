//! What every request handler and job shares.

use std::{sync::Arc, time::Duration};

use animov_store::Store;
use tokio::sync::{Notify, broadcast};

use crate::{
    auth::{LoginLimiter, Tokens, hash_password},
    config::Config,
    metrics::Metrics,
};

/// Shared engine state (cheap to clone).
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

/// The parts of [`AppState`].
pub struct Inner {
    /// The database.
    pub store: Store,
    /// Session tokens.
    pub tokens: Tokens,
    /// Failed-login limiter.
    pub limiter: LoginLimiter,
    /// Settings.
    pub config: Config,
    /// Counters for `/metrics`.
    pub metrics: Metrics,
    /// Wakes the minute closer after an ingest.
    pub ingested: Notify,
    /// Wakes the email sender when a message is queued.
    pub mail_queued: Notify,
    /// Live events for the UI (newest frames; alerts later).
    pub events: broadcast::Sender<animov_api::Event>,
    /// A hash to verify against when the user does not exist (same timing either way).
    pub dummy_hash: String,
    /// Per-launch secret of the desktop window (signs in as the local operator); never stored.
    pub local_secret: Option<String>,
    /// The cameras' capture and analysis.
    pub vision: crate::vision::Vision,
    /// Cancelled when the engine stops: endless responses (events, MJPEG) end then.
    pub stopping: tokio_util::sync::CancellationToken,
    /// Long jobs started from the API.
    pub jobs: crate::background::Jobs,
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    /// Tells live viewers about the newest frame of `source` (nobody listening is fine).
    pub fn publish_frame(&self, source: &str, ts_ms: i64, lying: u32, standing: u32) {
        let (lying, standing) = (i64::from(lying), i64::from(standing));
        let _ = self
            .events
            .send(animov_api::Event::Frame(animov_api::LiveCounts {
                source: source.to_string(),
                ts_ms,
                lying,
                standing,
                total: lying + standing,
            }));
    }

    /// State over an open store, signing tokens with `signing_key`.
    pub fn new(store: Store, config: Config, signing_key: &[u8]) -> Self {
        Self::with_local_secret(store, config, signing_key, None)
    }

    /// Same, accepting `local_secret` from the desktop window (`POST /api/v1/auth/local`).
    pub fn with_local_secret(
        store: Store,
        config: Config,
        signing_key: &[u8],
        local_secret: Option<String>,
    ) -> Self {
        AppState(Arc::new(Inner {
            local_secret,
            store,
            tokens: Tokens::new(signing_key, config.token_ttl_hours),
            limiter: LoginLimiter::new(config.login_attempts, Duration::from_secs(300)),
            metrics: Metrics::default(),
            ingested: Notify::new(),
            mail_queued: Notify::new(),
            events: broadcast::channel(1024).0,
            dummy_hash: hash_password("not a real password").expect("argon2 works"),
            vision: crate::vision::Vision::default(),
            stopping: tokio_util::sync::CancellationToken::new(),
            jobs: crate::background::Jobs::default(),
            config,
        }))
    }
}
