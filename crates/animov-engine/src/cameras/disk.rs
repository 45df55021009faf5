//! A full disk: every 2 s the free space of the data folder's disk is read;
//! below the reserve (`vision.min_free_mib`) retention first deletes the
//! oldest recordings it may (never kept ones), and if that is not enough
//! recording stops — the cameras go on counting, the database keeps the
//! reserve for statistics, the cameras' health says why and a `disk_full`
//! alert opens. Recording starts again by itself once a quarter more than
//! the reserve is free.

use std::time::Duration;

use animov_core::{
    alerts::RecordingStop,
    retention::{DiskReserve, segments_to_free},
};
use animov_store::StoreError;
use tokio::sync::watch;

use crate::{Engine, storage::disk_space};

/// How often the free space is read.
pub const CHECK_EVERY: Duration = Duration::from_secs(2);

const MIB: u64 = 1 << 20;

/// What the camera's health says while its recording is stopped for space.
pub const DISK_FULL: &str =
    "disk full: recording stopped (counting goes on); it resumes by itself when space is freed";

/// The reserve in force.
pub fn reserve(engine: &Engine) -> DiskReserve {
    DiskReserve::new(engine.config.vision.min_free_mib.saturating_mul(MIB))
}

/// Checks the disk every [`CHECK_EVERY`] until stopped.
pub async fn run(engine: Engine, mut stop: watch::Receiver<bool>) {
    loop {
        if let Err(e) = check(&engine).await {
            tracing::warn!(error = %e, "free disk space not handled; trying again");
        }
        tokio::select! {
            _ = tokio::time::sleep(CHECK_EVERY) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
    }
}

/// One look at the disk: frees space, stops or restarts recording.
pub async fn check(engine: &Engine) -> Result<(), StoreError> {
    let dir = engine.config.data_dir.clone();
    let free_now = {
        let dir = dir.clone();
        move || disk_space(&dir).map(|(free, _)| free)
    };
    let Some(mut free) = tokio::task::spawn_blocking(free_now.clone())
        .await
        .ok()
        .flatten()
    else {
        return Ok(());
    };
    let reserve = reserve(engine);
    let stopped = engine.cameras.recording_stopped();
    let shortfall = reserve.shortfall(free);
    if shortfall > 0 {
        let freed = free_space(engine, shortfall).await?;
        if freed > 0 {
            free = tokio::task::spawn_blocking(free_now)
                .await
                .ok()
                .flatten()
                .unwrap_or(free);
        }
    }
    let stop_now = reserve.stop_recording(free, stopped.is_some());
    match (stopped, stop_now) {
        (None, true) => {
            tracing::error!(
                free_mib = free / MIB,
                reserve_mib = reserve.reserve / MIB,
                "the disk is full: recording stops (counting goes on) until space is freed"
            );
            engine.cameras.set_recording_stopped(Some(RecordingStop {
                since_ms: engine.now_ms(),
                free_bytes: free,
                resume_bytes: reserve.resume,
            }));
            sync(engine).await;
        }
        (Some(s), false) => {
            tracing::warn!(
                free_mib = free / MIB,
                stopped_s = (engine.now_ms() - s.since_ms) / 1000,
                "disk space is back: recording starts again"
            );
            engine.cameras.set_recording_stopped(None);
            sync(engine).await;
        }
        (Some(s), true) if s.free_bytes != free => {
            engine.cameras.set_recording_stopped(Some(RecordingStop {
                free_bytes: free,
                ..s
            }));
        }
        _ => {}
    }
    Ok(())
}

async fn sync(engine: &Engine) {
    if let Err(e) = engine
        .cameras
        .sync(&engine.store, &engine.config, &engine.secrets)
        .await
    {
        tracing::warn!(error = %e, "cameras not restarted after a change of disk space");
    }
}

/// Deletes the oldest recordings retention may delete (never kept ones, nor
/// those with a note) until `shortfall` bytes are freed; returns the bytes freed.
#[tracing::instrument(skip(engine))]
pub async fn free_space(engine: &Engine, shortfall: u64) -> Result<u64, StoreError> {
    let (rows, infos) = crate::storage::stored_segments(engine).await?;
    let ids = segments_to_free(&infos, &[], shortfall);
    let deleted = super::retention::delete(engine, &rows, &ids).await?;
    let freed = rows
        .iter()
        .filter(|r| deleted.contains(&r.id))
        .map(|r| r.bytes.max(0) as u64)
        .sum();
    if !deleted.is_empty() {
        tracing::warn!(
            deleted = deleted.len(),
            freed_mib = freed / MIB,
            "the disk is nearly full: the oldest recordings were deleted"
        );
    }
    Ok(freed)
}
