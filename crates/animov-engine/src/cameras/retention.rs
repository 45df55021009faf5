//! Recording retention: segments past their age or over the disk quota are
//! deleted (kept ones never), decided by [`segments_to_delete`], with the
//! settings in force ([`crate::storage::settings`]).

use std::time::Duration;

use animov_core::retention::segments_to_delete;
use animov_store::{RecordingRow, StoreError};
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
    let settings = crate::storage::settings(engine).await?;
    let policy = crate::storage::policy(&settings);
    let (rows, infos) = crate::storage::stored_segments(engine).await?;
    let ids = segments_to_delete(&infos, &policy, engine.now_ms(), 0);
    let deleted = delete(engine, &rows, &ids).await?;
    if !deleted.is_empty() {
        tracing::info!(deleted = deleted.len(), "recording retention");
    }
    Ok(deleted.len())
}

/// Deletes the files and entries of the recordings `ids` among `rows`;
/// returns those deleted (a file that cannot be removed keeps its entry).
pub async fn delete(
    engine: &Engine,
    rows: &[RecordingRow],
    ids: &[i64],
) -> Result<Vec<i64>, StoreError> {
    let mut deleted = Vec::new();
    for id in ids {
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
            deleted.push(*id);
        }
    }
    Ok(deleted)
}
