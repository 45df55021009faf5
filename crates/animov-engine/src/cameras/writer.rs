//! The writer task: stores what the cameras produce — frames in batches per
//! camera through the same path as external ingest (so statistics have one
//! code path), lying bouts, recording segments and snapshots.

use std::{
    collections::HashMap,
    sync::atomic::Ordering,
    time::{Duration, Instant},
};

use animov_core::backoff::Backoff;
use animov_store::{NewFrame, StoreError};
use tokio::sync::watch;

use super::{
    backlog::{Backlog, MAX_WAITING_FRAMES},
    worker::Output,
};
use crate::Engine;

/// Outputs written per attempt.
const BATCH: usize = 256;

/// Stores camera output until the engine stops, then drains what the
/// stopping cameras still send (last segments, bouts). While the database
/// is unreachable, output waits in a [`Backlog`] and is written when it
/// answers again (tried every 0.5 s, then up to every 5 s).
pub async fn run(engine: Engine, mut stop: watch::Receiver<bool>) {
    let Some(mut rx) = engine.cameras.take_receiver() else {
        return;
    };
    let mut backlog = Backlog::default();
    let mut backoff = Backoff::new(Duration::from_millis(500), Duration::from_secs(5));
    let mut retry_at: Option<Instant> = None;
    let mut away_since: Option<Instant> = None;
    loop {
        let retry_in = retry_at.map_or(Duration::MAX, |t| {
            t.saturating_duration_since(Instant::now())
        });
        tokio::select! {
            m = rx.recv() => {
                let Some(first) = m else { break };
                // Take what else is queued, to write frames in batches per camera.
                let mut batch = vec![first];
                while batch.len() < BATCH
                    && let Ok(m) = rx.try_recv()
                {
                    batch.push(m);
                }
                note_dropped(&engine, backlog.push(batch), backlog.dropped());
                engine
                    .metrics
                    .camera_frames_waiting
                    .store(backlog.frames() as u64, Ordering::Relaxed);
            }
            _ = tokio::time::sleep(retry_in), if retry_at.is_some() => retry_at = None,
            _ = stop.wait_for(|s| *s) => break,
        }
        if retry_at.is_some() {
            continue;
        }
        while !backlog.is_empty() {
            let failed = write(&engine, backlog.take(BATCH)).await;
            if failed.is_empty() {
                continue;
            }
            backlog.retry_first(failed);
            if away_since.is_none() {
                away_since = Some(Instant::now());
                tracing::warn!(
                    max_frames = MAX_WAITING_FRAMES,
                    "the database cannot be written (unreachable, or its disk full): camera output waits in memory and is written when it can be (beyond the limit the oldest frames are dropped)"
                );
            }
            retry_at = Some(Instant::now() + backoff.after_failure(Duration::ZERO));
            break;
        }
        if backlog.is_empty()
            && let Some(since) = away_since.take()
        {
            backoff.reset();
            tracing::info!(
                after_s = since.elapsed().as_secs(),
                dropped = backlog.dropped(),
                "the database answers again: waiting camera output written"
            );
        }
        engine
            .metrics
            .camera_frames_waiting
            .store(backlog.frames() as u64, Ordering::Relaxed);
    }
    while let Ok(m) = rx.try_recv() {
        backlog.push([m]);
    }
    while !backlog.is_empty() {
        let failed = write(&engine, backlog.take(BATCH)).await;
        if !failed.is_empty() {
            tracing::error!(
                outputs = failed.len() + backlog.len(),
                "stopping while the database is unreachable: the last camera output is lost"
            );
            break;
        }
    }
}

/// Counts frames the backlog dropped, and says so now and then.
fn note_dropped(engine: &Engine, now: usize, total: u64) {
    if now == 0 {
        return;
    }
    engine
        .metrics
        .camera_frames_dropped
        .fetch_add(now as u64, Ordering::Relaxed);
    // Once, then every 1,000 frames.
    if total == now as u64 || total / 1000 != (total - now as u64) / 1000 {
        tracing::warn!(
            dropped = total,
            "the database has been unreachable too long: the oldest waiting camera frames are being dropped"
        );
    }
}

/// Whether a write should wait for the database (unreachable, or its disk
/// full) rather than be given up.
fn wait_for_database(e: &StoreError) -> bool {
    matches!(e, StoreError::Unavailable(_) | StoreError::DiskFull(_))
}

/// Stores one batch; returns what could not be written because the
/// database is unreachable (to try again). Other failures are logged and
/// the rest still goes.
pub async fn write(engine: &Engine, batch: Vec<Output>) -> Vec<Output> {
    let mut frames: HashMap<i64, (String, Vec<NewFrame>)> = HashMap::new();
    let mut retry = Vec::new();
    for m in batch {
        let result = match &m {
            Output::Frame { .. } => {
                if let Output::Frame {
                    camera_id,
                    source,
                    frame,
                } = m
                {
                    frames
                        .entry(camera_id)
                        .or_insert_with(|| (source, Vec::new()))
                        .1
                        .push(frame);
                }
                continue;
            }
            Output::Bouts(b) => engine.store.upsert_bouts(b).await,
            Output::Segment { camera_id, segment } => engine
                .store
                .insert_recording(
                    *camera_id,
                    &segment.path.display().to_string(),
                    segment.start_ms,
                    segment.end_ms,
                    segment.bytes as i64,
                )
                .await
                .map(|id| {
                    tracing::info!(
                        id,
                        camera_id,
                        seconds = (segment.end_ms - segment.start_ms) / 1000,
                        bytes = segment.bytes,
                        "recording segment stored"
                    );
                }),
            Output::Snapshot {
                camera_id,
                ts_ms,
                path,
                width,
                height,
                detections,
            } => engine
                .store
                .insert_snapshot(
                    *camera_id,
                    *ts_ms,
                    &path.display().to_string(),
                    i64::from(*width),
                    i64::from(*height),
                    Some(detections.clone()),
                )
                .await
                .map(|_| ()),
        };
        match result {
            Err(e) if wait_for_database(&e) => retry.push(m),
            Err(e) => tracing::error!(error = %e, "camera output not stored"),
            Ok(()) => {}
        }
    }
    for (camera_id, (source, frames)) in frames {
        match engine.store.insert_frames(camera_id, &frames).await {
            Ok(_) => {
                if let Some(f) = frames.last() {
                    engine.publish_frame(&source, f.ts_ms, f.lying, f.standing);
                }
                engine
                    .metrics
                    .frames_accepted
                    .fetch_add(frames.len() as u64, Ordering::Relaxed);
            }
            Err(e) if wait_for_database(&e) => {
                retry.extend(frames.into_iter().map(|frame| Output::Frame {
                    camera_id,
                    source: source.clone(),
                    frame,
                }))
            }
            Err(e) => tracing::error!(source, error = %e, "camera frames not stored"),
        }
    }
    engine.ingested.notify_one();
    retry
}
