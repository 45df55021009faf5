//! Recording retention: segments past their age or over the disk quota are
//! deleted (kept ones never), decided by [`segments_to_delete`].

use std::time::Duration;

use animov_core::retention::{RetentionPolicy, SegmentInfo, segments_to_delete};
use animov_store::StoreError;
use tokio::sync::watch;

use crate::Engine;

/// A retention pass every 10 minutes until stopped.
pub async fn run(engine: Engine, mut stop: watch::Receiver<bool>) {
    loop {
        if let Err(e) = pass(&engine).await {
            tracing::warn!(error = %e, "recording retention failed; retrying later");
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(600)) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
    }
}

/// One retention pass; returns the segments deleted.
#[tracing::instrument(skip_all)]
pub async fn pass(engine: &Engine) -> Result<usize, StoreError> {
    let v = &engine.config.vision;
    let policy = RetentionPolicy {
        max_age_ms: Some(i64::from(v.retention_days) * 86_400_000),
        max_bytes: Some((v.quota_gib * 1024.0 * 1024.0 * 1024.0) as u64),
    };
    let rows = engine.store.recordings(None, i64::MIN, i64::MAX).await?;
    let infos: Vec<SegmentInfo> = rows
        .iter()
        .map(|r| SegmentInfo {
            id: r.id,
            start_ms: r.start_ms,
            end_ms: r.end_ms,
            bytes: r.bytes.max(0) as u64,
            keep: r.keep,
        })
        .collect();
    let ids = segments_to_delete(&infos, &policy, engine.now_ms(), 0);
    for id in &ids {
        if let Some(r) = rows.iter().find(|r| r.id == *id) {
            match std::fs::remove_file(&r.path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    tracing::warn!(path = %r.path, error = %e, "cannot delete a recording; keeping its entry");
                    continue;
                }
            }
            engine.store.delete_recording(*id).await?;
        }
    }
    if !ids.is_empty() {
        tracing::info!(deleted = ids.len(), "recording retention");
    }
    Ok(ids.len())
}
