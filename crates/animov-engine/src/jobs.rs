//! Background jobs: closing minutes into statistics.

use std::{sync::atomic::Ordering::Relaxed, time::Duration};

use tokio::sync::watch;

use crate::state::AppState;

/// Writes minute statistics as minutes close (and again when late frames reopen
/// them), until `shutdown` turns true. Wakes on ingest and every few seconds.
pub async fn minute_closer(state: AppState, mut shutdown: watch::Receiver<bool>) {
    let grace_ms = i64::from(state.config.minute_grace_seconds) * 1000;
    let mut backoff = Duration::from_secs(1);
    loop {
        tokio::select! {
            _ = state.ingested.notified() => {
                // Let a burst of ingests land before working.
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            _ = tokio::time::sleep(Duration::from_secs(2)) => {}
            _ = shutdown.changed() => {}
        }
        if *shutdown.borrow() {
            break;
        }
        match close_now(&state, animov_store::now_ms() - grace_ms).await {
            Ok(_) => backoff = Duration::from_secs(1),
            Err(e) => {
                tracing::warn!(error = %e, retry_in_s = backoff.as_secs(), "cannot write minute statistics; frames are kept and will be processed later");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(60));
            }
        }
    }
    // Last pass so a clean stop leaves nothing pending that could be closed.
    let _ = close_now(&state, animov_store::now_ms() - grace_ms).await;
}

/// Closes every pending minute that ended before `before_ms`; counts them in the metrics.
pub async fn close_now(state: &AppState, before_ms: i64) -> Result<u64, animov_store::StoreError> {
    let n = state.store.close_pending(before_ms).await?;
    if n > 0 {
        state.metrics.minutes_closed.fetch_add(n, Relaxed);
        tracing::debug!(minutes = n, "minute statistics written");
    }
    Ok(n)
}
