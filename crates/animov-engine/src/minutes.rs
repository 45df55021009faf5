//! The minute closer: writes minute statistics as minutes close (and again
//! when late frames reopen them).

use std::{sync::atomic::Ordering::Relaxed, time::Duration};

use animov_core::backoff::Backoff;
use tokio::sync::watch;

use crate::Engine;

/// Closes minutes until `shutdown` turns true. Wakes on ingest and every few
/// seconds; a database that fails is retried after 1, 2, 4, 8, 8 … s (so
/// minutes are written again within 10 s of its return).
pub async fn closer(engine: Engine, mut shutdown: watch::Receiver<bool>) {
    let grace_ms = i64::from(engine.config.minute_grace_seconds) * 1000;
    let mut backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(8));
    loop {
        tokio::select! {
            _ = engine.ingested.notified() => {
                // Let a burst of ingests land before working.
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            _ = tokio::time::sleep(Duration::from_secs(2)) => {}
            _ = shutdown.changed() => {}
        }
        if *shutdown.borrow() {
            break;
        }
        match close_now(&engine, engine.now_ms() - grace_ms).await {
            Ok(_) => backoff.reset(),
            Err(e) => {
                let wait = backoff.after_failure(Duration::ZERO);
                tracing::warn!(error = %e, retry_in_s = wait.as_secs(), "cannot write minute statistics; frames are kept and will be processed later");
                tokio::time::sleep(wait).await;
            }
        }
    }
    // Last pass so a clean stop leaves nothing pending that could be closed.
    let _ = close_now(&engine, engine.now_ms() - grace_ms).await;
}

/// Closes every pending minute that ended before `before_ms`; counts them in
/// the metrics; then makes the hourly and daily rollups of changed hours
/// again (a bounded share per pass, so a long backlog — after an upgrade —
/// is made in the background while series read its hours from minutes).
pub async fn close_now(engine: &Engine, before_ms: i64) -> Result<u64, animov_store::StoreError> {
    let n = engine.store.close_pending(before_ms).await?;
    if n > 0 {
        engine.metrics.minutes_closed.fetch_add(n, Relaxed);
        tracing::debug!(minutes = n, "minute statistics written");
    }
    roll_up(engine, 4).await?;
    Ok(n)
}

/// Makes up to `batches` × 500 dirty hours' rollups; says how many are left
/// when a backlog is being worked through.
pub async fn roll_up(engine: &Engine, batches: usize) -> Result<usize, animov_store::StoreError> {
    let mut done = 0;
    for _ in 0..batches {
        let n = engine.store.refresh_rollups(500).await?;
        done += n;
        if n < 500 {
            return Ok(done);
        }
    }
    let left = engine.store.dirty_hour_count().await?;
    tracing::info!(
        hours_done = done,
        hours_left = left,
        "making the hourly and daily rollups"
    );
    Ok(done)
}
