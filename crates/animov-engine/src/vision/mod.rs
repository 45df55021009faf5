//! The cameras: one [`worker::Worker`] per camera that has an address, a
//! shared detector pool per model, the writer that stores what they see, and
//! recording retention.
//!
//! Frames from cameras take the same path as external ingest
//! (`Store::insert_frames`, then the minute closer), so statistics have one
//! code path.

pub mod live;
pub mod settings;
pub mod worker;

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
    time::Duration,
};

use animov_api::{CameraHealth, SourceKind};
use animov_core::retention::{RetentionPolicy, SegmentInfo, segments_to_delete};
use animov_store::StoreError;
use tokio::sync::{mpsc, watch};

use crate::state::AppState;
use live::LiveSlot;
use worker::{DetectorPool, Output, Worker, WorkerSpec};

/// The bundled default detector: `ANIMOV_MODELS_DIR`, beside the executable
/// (`models/`, `../share/animov/models/`), or the source tree's `models/`.
pub fn default_model() -> Option<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(d) = std::env::var_os("ANIMOV_MODELS_DIR") {
        dirs.push(PathBuf::from(d));
    }
    if let Ok(exe) = std::env::current_exe()
        && let Some(dir) = exe.parent()
    {
        dirs.push(dir.join("models"));
        dirs.push(dir.join("../share/animov/models"));
    }
    dirs.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models"));
    dirs.into_iter()
        .map(|d| d.join("nanodet.onnx"))
        .find(|p| p.is_file())
}

/// The running cameras.
pub struct Vision {
    workers: Mutex<HashMap<i64, Worker>>,
    pools: Mutex<HashMap<PathBuf, Arc<DetectorPool>>>,
    out: mpsc::Sender<Output>,
    rx: Mutex<Option<mpsc::Receiver<Output>>>,
}

impl std::fmt::Debug for Vision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vision").finish_non_exhaustive()
    }
}

impl Default for Vision {
    fn default() -> Self {
        let (out, rx) = mpsc::channel(1024);
        Vision {
            workers: Mutex::new(HashMap::new()),
            pools: Mutex::new(HashMap::new()),
            out,
            rx: Mutex::new(Some(rx)),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Vision {
    /// Starts cameras that have an address and are not running, restarts those
    /// whose address or settings changed, and stops those that lost their address.
    #[tracing::instrument(skip_all)]
    pub async fn sync(&self, state: &AppState) -> Result<(), StoreError> {
        if !state.config.vision.enabled {
            return Ok(());
        }
        if let Some(lib) = &state.config.vision.onnxruntime {
            animov_vision::detector::prefer_library(lib.clone());
        }
        let cameras = state.store.cameras().await?;
        let mut wanted = Vec::new();
        for (index, c) in cameras.iter().enumerate() {
            let Some(uri) = c.uri.clone().filter(|u| !u.trim().is_empty()) else {
                continue;
            };
            let settings = settings::load(&state.store, c.id).await?;
            wanted.push((index, c.id, c.source.clone(), uri, settings));
        }
        let mut to_start = Vec::new();
        let stopping: Vec<Worker>;
        {
            let mut workers = lock(&self.workers);
            let stale: Vec<i64> = workers
                .values()
                .filter(|w| {
                    !wanted.iter().any(|(_, id, _, uri, s)| {
                        *id == w.camera_id && *uri == w.uri && *s == w.settings
                    })
                })
                .map(|w| w.camera_id)
                .collect();
            stopping = stale.iter().filter_map(|id| workers.remove(id)).collect();
            for w in wanted {
                if !workers.contains_key(&w.1) {
                    to_start.push(w);
                }
            }
        }
        if !stopping.is_empty() {
            let _ =
                tokio::task::spawn_blocking(move || stopping.into_iter().for_each(Worker::stop))
                    .await;
        }
        for (index, camera_id, source, uri, settings) in to_start {
            let first_track_id = state.store.end_running_bouts(camera_id).await? as u64;
            let last_snapshot_ms = state.store.last_snapshot_ms(camera_id).await?;
            let is_demo = uri.starts_with("demo:");
            let pool = match (&settings.model, is_demo) {
                (None, true) => None,
                (model, _) => {
                    let path = model
                        .as_ref()
                        .map(PathBuf::from)
                        .or_else(|| state.config.vision.model.clone())
                        .or_else(default_model)
                        .unwrap_or_else(|| PathBuf::from("models/nanodet.onnx"));
                    let mut pools = lock(&self.pools);
                    Some(
                        pools
                            .entry(path.clone())
                            .or_insert_with(|| {
                                Arc::new(DetectorPool::new(
                                    path,
                                    state.config.vision.workers,
                                    state.config.vision.threads_per_worker,
                                ))
                            })
                            .clone(),
                    )
                }
            };
            let spec = WorkerSpec {
                camera_id,
                source,
                uri,
                settings,
                vision: state.config.vision.clone(),
                demo: state.config.demo.clone(),
                data_dir: state.config.data_dir.clone(),
                first_track_id,
                last_snapshot_ms,
                index,
            };
            let w = Worker::start(spec, pool, self.out.clone());
            lock(&self.workers).insert(camera_id, w);
        }
        Ok(())
    }

    /// Stops every camera (closing recordings).
    pub fn stop_all(&self) {
        let all: Vec<Worker> = lock(&self.workers).drain().map(|(_, w)| w).collect();
        for w in all {
            w.stop();
        }
    }

    /// Health of every running camera.
    pub fn health(&self) -> Vec<CameraHealth> {
        let mut h: Vec<CameraHealth> = lock(&self.workers).values().map(Worker::health).collect();
        h.sort_by(|a, b| a.source.cmp(&b.source));
        h
    }

    /// The live view of a camera, if it runs.
    pub fn live(&self, camera_id: i64) -> Option<Arc<LiveSlot>> {
        lock(&self.workers).get(&camera_id).map(|w| w.live.clone())
    }

    fn take_receiver(&self) -> Option<mpsc::Receiver<Output>> {
        lock(&self.rx).take()
    }
}

/// Stores what the cameras produce until the engine stops.
pub async fn writer(state: AppState, mut stop: watch::Receiver<bool>) {
    let Some(mut rx) = state.vision.take_receiver() else {
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
        write(&state, batch).await;
    }
    // Drain what the stopping cameras still send (last segments, bouts).
    while let Ok(m) = rx.try_recv() {
        write(&state, vec![m]).await;
    }
}

async fn write(state: &AppState, batch: Vec<Output>) {
    let mut frames: HashMap<i64, (String, Vec<animov_store::NewFrame>)> = HashMap::new();
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
            Output::Bouts(b) => state.store.upsert_bouts(&b).await,
            Output::Segment { camera_id, segment } => state
                .store
                .insert_recording(
                    camera_id,
                    &segment.path.display().to_string(),
                    segment.start_ms,
                    segment.end_ms,
                    segment.bytes as i64,
                )
                .await
                .map(|_| ()),
            Output::Snapshot {
                camera_id,
                ts_ms,
                path,
                width,
                height,
                detections,
            } => state
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
        match state.store.insert_frames(camera_id, &frames).await {
            Ok(_) => {
                if let Some(f) = frames.last() {
                    state.publish_frame(&source, f.ts_ms, f.lying, f.standing);
                }
                state
                    .metrics
                    .frames_accepted
                    .fetch_add(frames.len() as u64, std::sync::atomic::Ordering::Relaxed);
            }
            Err(e) => tracing::error!(source, error = %e, "camera frames not stored"),
        }
    }
    state.ingested.notify_one();
}

/// Deletes recordings past their age or over the disk quota, every 10 minutes.
pub async fn retention(state: AppState, mut stop: watch::Receiver<bool>) {
    loop {
        if let Err(e) = retention_pass(&state).await {
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
pub async fn retention_pass(state: &AppState) -> Result<usize, StoreError> {
    let v = &state.config.vision;
    let policy = RetentionPolicy {
        max_age_ms: Some(i64::from(v.retention_days) * 86_400_000),
        max_bytes: Some((v.quota_gib * 1024.0 * 1024.0 * 1024.0) as u64),
    };
    let rows = state.store.recordings(None, i64::MIN, i64::MAX).await?;
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
    let ids = segments_to_delete(&infos, &policy, animov_store::now_ms(), 0);
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
            state.store.delete_recording(*id).await?;
        }
    }
    if !ids.is_empty() {
        tracing::info!(deleted = ids.len(), "recording retention");
    }
    Ok(ids.len())
}

/// The kind a camera with this address is registered as.
pub fn kind_of(uri: &str) -> SourceKind {
    if uri.starts_with("demo:") {
        SourceKind::Demo
    } else {
        SourceKind::Camera
    }
}
