//! What every job (and the HTTP layer above) shares: the [`Engine`].

use std::sync::Arc;

use animov_store::Store;
use tokio::sync::{Notify, broadcast};

use crate::{
    cameras::Cameras,
    clock::{Clock, SystemClock},
    config::Config,
    jobs::Jobs,
    mail::{Mailer, SmtpMailer},
    metrics::Metrics,
    secrets::Secrets,
};

/// The engine's shared state (cheap to clone).
#[derive(Clone)]
pub struct Engine(Arc<Inner>);

/// The parts of [`Engine`].
pub struct Inner {
    /// The database.
    pub store: Store,
    /// Settings.
    pub config: Config,
    /// Secrets (keyring or owner-only files).
    pub secrets: Secrets,
    /// Where "now" comes from.
    pub clock: Arc<dyn Clock>,
    /// How email goes out.
    pub mailer: Arc<dyn Mailer>,
    /// Counters for `/metrics`.
    pub metrics: Metrics,
    /// Wakes the minute closer after frames were stored.
    pub ingested: Notify,
    /// Wakes the email outbox when a message is queued.
    pub mail_queued: Notify,
    /// Live events for the UI and the desktop shell (newest frames, alert changes).
    pub events: broadcast::Sender<animov_api::Event>,
    /// The cameras' capture and analysis.
    pub cameras: Cameras,
    /// Cancelled when the engine stops: endless responses (events, MJPEG) end then.
    pub stopping: tokio_util::sync::CancellationToken,
    /// Long jobs started from the API.
    pub jobs: Jobs,
    /// The site's sync with its central.
    pub sync: crate::sync::SyncState,
}

impl std::ops::Deref for Engine {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("site_id", &self.store.site_id())
            .finish_non_exhaustive()
    }
}

/// The engine's ties to the outside world that tests replace.
#[derive(Debug, Clone)]
pub struct Seams {
    /// Where "now" comes from.
    pub clock: Arc<dyn Clock>,
    /// How email goes out.
    pub mailer: Arc<dyn Mailer>,
}

impl Seams {
    /// The wall clock and the SMTP server of `config`.
    pub fn real(config: &Config) -> Seams {
        Seams {
            clock: Arc::new(SystemClock),
            mailer: Arc::new(SmtpMailer::new(
                config.email.clone(),
                Secrets::new(config.secrets, &config.data_dir),
            )),
        }
    }
}

impl Engine {
    /// The engine over an open store, with the real clock and mailer.
    pub fn new(store: Store, config: Config) -> Engine {
        let seams = Seams::real(&config);
        Engine::with_seams(store, config, seams)
    }

    /// The same, with a clock and a mailer of the caller's.
    pub fn with_seams(store: Store, config: Config, seams: Seams) -> Engine {
        Engine(Arc::new(Inner {
            secrets: Secrets::new(config.secrets, &config.data_dir),
            store,
            clock: seams.clock,
            mailer: seams.mailer,
            metrics: Metrics::default(),
            ingested: Notify::new(),
            mail_queued: Notify::new(),
            events: broadcast::channel(1024).0,
            cameras: Cameras::default(),
            stopping: tokio_util::sync::CancellationToken::new(),
            jobs: Jobs::default(),
            sync: crate::sync::SyncState::default(),
            config,
        }))
    }

    /// Now, UTC ms, by the engine's clock.
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

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
}
