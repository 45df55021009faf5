//! Offline-first sync with a central AniMOV. A site keeps working with no
//! network and sends its changes when it can ([`site`]); a central collects
//! them and hands back what its users wrote about each site ([`central`]).
//! The wire: gzip JSON over HTTP(S), the site always dialling out
//! ([`client`], [`wire`]).

pub mod central;
pub mod client;
pub mod site;
pub mod wire;

use std::sync::Mutex;

use animov_api::{SyncRole, SyncStatus, TableBacklog};
use serde::{Deserialize, Serialize};
use tokio::sync::Notify;

use crate::Engine;

/// The central this site joined (kept in the database; the credential is a secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncTarget {
    /// Base URL, e.g. `https://central.example:8642`.
    pub url: String,
    /// The central's site id.
    pub central_id: String,
    /// This site's name there.
    pub name: String,
    /// The farm.
    pub farm: String,
}

const TARGET_SETTING: &str = "sync_target";

/// Loads the joined central, if any.
pub async fn target(engine: &Engine) -> Result<Option<SyncTarget>, SyncError> {
    match engine.store.app_setting(TARGET_SETTING).await? {
        Some(bytes) => Ok(Some(serde_json::from_slice(&bytes).map_err(|e| {
            SyncError::Local(format!("the saved central is unreadable ({e}): join again"))
        })?)),
        None => Ok(None),
    }
}

/// Live state of the site's sync (what `GET /sync/status` shows).
#[derive(Debug, Default)]
pub struct SyncState {
    inner: Mutex<Progress>,
    /// Wakes the loop for a pass now.
    pub now: Notify,
}

/// What the loop last did.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Progress {
    /// Last pass that ended with nothing left.
    pub last_synced_ms: Option<i64>,
    /// Last answer of the central.
    pub last_contact_ms: Option<i64>,
    /// Since when the central is unreachable.
    pub offline_since_ms: Option<i64>,
    /// Last failure.
    pub last_error: Option<String>,
    /// Rows left per table (at the last count).
    pub backlog: Vec<TableBacklog>,
    /// Rows sent in this pass.
    pub sent_rows: i64,
    /// Bytes sent in this pass.
    pub sent_bytes: i64,
    /// When this pass started.
    pub pass_started_ms: Option<i64>,
    /// Central clock − site clock.
    pub skew_ms: Option<i64>,
    /// A pass is running.
    pub running: bool,
}

impl SyncState {
    /// Changes the progress.
    pub fn update(&self, f: impl FnOnce(&mut Progress)) {
        if let Ok(mut p) = self.inner.lock() {
            f(&mut p);
        }
    }

    /// A copy of the progress.
    pub fn progress(&self) -> Progress {
        self.inner.lock().map(|p| p.clone()).unwrap_or_default()
    }

    /// Saves the progress (for `animov sync status` in another process).
    pub async fn save(&self, engine: &Engine) {
        let mut p = self.progress();
        p.running = false;
        if let Ok(json) = serde_json::to_vec(&p)
            && let Err(e) = engine.store.set_app_setting(PROGRESS_SETTING, &json).await
        {
            tracing::debug!(error = %e, "sync progress not saved");
        }
    }

    /// Loads the progress the last process saved.
    pub async fn restore(&self, engine: &Engine) {
        if let Ok(Some(bytes)) = engine.store.app_setting(PROGRESS_SETTING).await
            && let Ok(p) = serde_json::from_slice::<Progress>(&bytes)
        {
            self.update(|cur| *cur = p);
        }
    }
}

const PROGRESS_SETTING: &str = "sync_progress";

/// The status shown to people: progress plus the backlog counted now.
pub async fn status(engine: &Engine) -> Result<SyncStatus, SyncError> {
    let p = engine.sync.progress();
    let target = target(engine).await?;
    let backlog = site::backlog(engine).await?;
    let pending: i64 = backlog.iter().map(|b| b.pending).sum();
    let elapsed_s = p
        .pass_started_ms
        .map(|t| (engine.now_ms() - t).max(1) as f64 / 1000.0);
    let rate = match elapsed_s {
        Some(s) if p.sent_rows > 0 => p.sent_rows as f64 / s,
        _ => 0.0,
    };
    Ok(SyncStatus {
        role: engine.config.sync.role,
        site_id: engine.store.site_id().to_string(),
        central_url: target.map(|t| t.url),
        last_synced_ms: p.last_synced_ms,
        last_contact_ms: p.last_contact_ms,
        offline_since_ms: p.offline_since_ms,
        last_error: p.last_error,
        backlog,
        pending,
        sent_rows: p.sent_rows,
        sent_bytes: p.sent_bytes,
        rate_rows_s: rate,
        eta_s: (rate > 0.0 && pending > 0).then(|| pending as f64 / rate),
        skew_ms: p.skew_ms,
        running: p.running,
    })
}

/// Whether this node is a central.
pub fn is_central(engine: &Engine) -> bool {
    engine.config.sync.role == SyncRole::Central
}

/// What can go wrong with sync.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The central cannot be reached (network, TLS, timeout); retried with backoff.
    #[error("the central cannot be reached: {0}")]
    Unreachable(String),
    /// The central refused the request.
    #[error("the central refused: {message}")]
    Refused {
        /// HTTP status.
        status: u16,
        /// Its message.
        message: String,
    },
    /// Sent data is not usable.
    #[error("{0}")]
    BadRequest(String),
    /// The credential is missing, wrong or revoked.
    #[error("{0}")]
    Unauthorized(String),
    /// This node cannot do that in its role or state.
    #[error("{0}")]
    Local(String),
    /// The database.
    #[error(transparent)]
    Store(#[from] animov_store::StoreError),
    /// The secrets store.
    #[error(transparent)]
    Secret(#[from] crate::secrets::SecretError),
}
