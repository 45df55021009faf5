//! The writer task: stores what the cameras produce — frames in batches per
//! camera through the same path as external ingest (so statistics have one
//! code path), lying bouts, recording segments and snapshots.

use std::{collections::HashMap, sync::atomic::Ordering};

use animov_store::NewFrame;
use tokio::sync::watch;

use super::worker::Output;
use crate::Engine;

/// Stores camera output until the engine stops, then drains what the
/// stopping cameras still send (last segments, bouts).
pub async fn run(engine: Engine, mut stop: watch::Receiver<bool>) {
    let Some(mut rx) = engine.cameras.take_receiver() else {
        return;
    };
    loop {
        let first = tokio::select! {
            m = rx.recv() => m,
            _ = stop.wait_for(|s| *s) => None,
        };
        let Some(first) = first else { break };
        // Take what else is queued, to write frames in batches per camera.
        let mut batch = vec![first];
        while batch.len() < 256
            && let Ok(m) = rx.try_recv()
        {
            batch.push(m);
        }
        write(&engine, batch).await;
    }
    while let Ok(m) = rx.try_recv() {
        write(&engine, vec![m]).await;
    }
}

/// Stores one batch; a failure is logged and the rest still goes.
pub async fn write(engine: &Engine, batch: Vec<Output>) {
    let mut frames: HashMap<i64, (String, Vec<NewFrame>)> = HashMap::new();
    for m in batch {
        let result = match m {
            Output::Frame {
                camera_id,
                source,
                frame,
            } => {
                frames
                    .entry(camera_id)
                    .or_insert_with(|| (source, Vec::new()))
                    .1
                    .push(frame);
                Ok(())
            }
            Output::Bouts(b) => engine.store.upsert_bouts(&b).await,
            Output::Segment { camera_id, segment } => engine
                .store
                .insert_recording(
                    camera_id,
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
                    camera_id,
                    ts_ms,
                    &path.display().to_string(),
                    i64::from(width),
                    i64::from(height),
                    Some(detections),
                )
                .await
                .map(|_| ()),
        };
        if let Err(e) = result {
            tracing::error!(error = %e, "camera output not stored");
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
            Err(e) => tracing::error!(source, error = %e, "camera frames not stored"),
        }
    }
    engine.ingested.notify_one();
}
