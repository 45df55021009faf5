//! The cameras: one [`worker::Worker`] per camera that has an address, a
//! shared [`pool::DetectorPool`] per model, the [`writer`] that stores what
//! they see, recording [`retention`], the [`live`] view, per-camera
//! [`settings`], and the pipeline run on files for `animov detect`
//! ([`files`]).
//!
//! Frames from cameras take the same path as external ingest
//! (`Store::insert_frames`, then the minute closer), so statistics have one
//! code path.

pub mod address;
pub mod analysis;
pub mod backlog;
mod demo_source;
pub mod devices;
pub mod disk;
pub mod files;
pub mod live;
pub mod picture;
pub mod pool;
pub mod probe;
pub mod retention;
pub mod salvage;
pub mod settings;
pub mod stats;
pub mod worker;
pub mod writer;

use std::{
    collections::HashMap,
    path::PathBuf,
    sync::{Arc, Mutex},
};

use animov_api::{CameraHealth, CameraSettings, SourceKind};
use animov_store::{Store, StoreError};
use tokio::sync::mpsc;

use crate::{config::Config, models::default_detector, secrets::Secrets};
use live::LiveSlot;
use pool::DetectorPool;
use worker::{Output, Worker, WorkerSpec};

/// The running cameras.
pub struct Cameras {
    workers: Mutex<HashMap<i64, Worker>>,
    /// Recording stopped for want of disk space ([`disk`]).
    recording_stopped: Mutex<Option<animov_core::alerts::RecordingStop>>,
    /// One [`Cameras::sync`] at a time (routes and the disk check call it).
    syncing: tokio::sync::Mutex<()>,
    pools: Mutex<HashMap<PathBuf, Arc<DetectorPool>>>,
    out: mpsc::Sender<Output>,
    rx: Mutex<Option<mpsc::Receiver<Output>>>,
}

impl std::fmt::Debug for Cameras {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cameras").finish_non_exhaustive()
    }
}

impl Default for Cameras {
    fn default() -> Self {
        let (out, rx) = mpsc::channel(1024);
        Cameras {
            workers: Mutex::new(HashMap::new()),
            recording_stopped: Mutex::new(None),
            syncing: tokio::sync::Mutex::new(()),
            pools: Mutex::new(HashMap::new()),
            out,
            rx: Mutex::new(Some(rx)),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A camera that should run.
struct Wanted {
    index: usize,
    camera_id: i64,
    source: String,
    uri: String,
    settings: CameraSettings,
}

impl Cameras {
    /// Starts cameras that have an address and are not running, restarts those
    /// whose address or settings changed, and stops those that lost their address.
    #[tracing::instrument(skip_all)]
    pub async fn sync(
        &self,
        store: &Store,
        config: &Config,
        secrets: &Secrets,
    ) -> Result<(), StoreError> {
        if !config.vision.enabled {
            return Ok(());
        }
        let _one = self.syncing.lock().await;
        let disk_full = self.recording_stopped().is_some();
        if let Some(lib) = &config.vision.onnxruntime {
            animov_vision::detector::prefer_library(lib.clone());
        }
        let mut wanted = Vec::new();
        for (index, c) in store.cameras().await?.into_iter().enumerate() {
            let Some(uri) = c.uri.clone().filter(|u| !u.trim().is_empty()) else {
                continue;
            };
            let settings = settings::load(store, c.id).await?;
            let uri = address::openable(secrets, &c.source, &uri).unwrap_or_else(|e| {
                tracing::warn!(source = %c.source, error = %e, "camera password unreadable");
                uri
            });
            wanted.push(Wanted {
                index,
                camera_id: c.id,
                source: c.source,
                uri,
                settings,
            });
        }
        let mut to_start = Vec::new();
        let stopping: Vec<Worker>;
        {
            let mut workers = lock(&self.workers);
            let stale: Vec<i64> = workers
                .values()
                .filter(|w| {
                    !wanted.iter().any(|c| {
                        c.camera_id == w.camera_id
                            && c.uri == w.uri
                            && c.settings == w.settings
                            && w.disk_full == (disk_full && c.settings.record)
                    })
                })
                .map(|w| w.camera_id)
                .collect();
            stopping = stale.iter().filter_map(|id| workers.remove(id)).collect();
            to_start.extend(
                wanted
                    .into_iter()
                    .filter(|c| !workers.contains_key(&c.camera_id)),
            );
        }
        if !stopping.is_empty() {
            let _ =
                tokio::task::spawn_blocking(move || stopping.into_iter().for_each(Worker::stop))
                    .await;
        }
        for c in to_start {
            let first_track_id = store.end_running_bouts(c.camera_id).await? as u64;
            let last_snapshot_ms = store.last_snapshot_ms(c.camera_id).await?;
            let pool = self.pool_for(&c, config);
            let disk_full = disk_full && c.settings.record;
            let spec = WorkerSpec {
                camera_id: c.camera_id,
                source: c.source,
                uri: c.uri,
                settings: c.settings,
                vision: config.vision.clone(),
                demo: config.demo.clone(),
                data_dir: config.data_dir.clone(),
                first_track_id,
                last_snapshot_ms,
                index: c.index,
                disk_full,
            };
            let w = Worker::start(spec, pool, self.out.clone());
            lock(&self.workers).insert(c.camera_id, w);
        }
        Ok(())
    }

    /// The detectors a camera uses (`None`: a `demo:` camera without a model
    /// of its own reads its scene's boxes).
    fn pool_for(&self, c: &Wanted, config: &Config) -> Option<Arc<DetectorPool>> {
        self.detectors(&c.uri, &c.settings, config)
    }

    /// The detectors a camera at `uri` with `settings` uses (`None`: a
    /// `demo:` camera without a model of its own reads its scene's boxes).
    pub fn detectors(
        &self,
        uri: &str,
        settings: &CameraSettings,
        config: &Config,
    ) -> Option<Arc<DetectorPool>> {
        if settings.model.is_none() && uri.starts_with("demo:") {
            return None;
        }
        let path = settings
            .model
            .as_ref()
            .map(PathBuf::from)
            .or_else(|| config.vision.model.clone())
            .or_else(default_detector)
            .unwrap_or_else(|| PathBuf::from("models").join(crate::models::DETECTOR_FILE));
        let mut pools = lock(&self.pools);
        Some(
            pools
                .entry(path.clone())
                .or_insert_with(|| {
                    Arc::new(DetectorPool::new(
                        path,
                        config.vision.workers,
                        config.vision.threads_per_worker,
                    ))
                })
                .clone(),
        )
    }

    /// Whether (and since when) recording is stopped for want of disk space.
    pub fn recording_stopped(&self) -> Option<animov_core::alerts::RecordingStop> {
        *lock(&self.recording_stopped)
    }

    /// Says recording is stopped for want of space (or not); the cameras
    /// follow at the next [`Cameras::sync`].
    pub fn set_recording_stopped(&self, s: Option<animov_core::alerts::RecordingStop>) {
        *lock(&self.recording_stopped) = s;
    }

    /// Whether `camera_id` runs with its recording stopped for want of space.
    pub fn recording_stopped_for(
        &self,
        camera_id: i64,
    ) -> Option<animov_core::alerts::RecordingStop> {
        let stopped = lock(&self.workers)
            .get(&camera_id)
            .is_some_and(|w| w.disk_full);
        self.recording_stopped().filter(|_| stopped)
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

    /// The receiving end of what the cameras produce (once: the writer's).
    pub fn take_receiver(&self) -> Option<mpsc::Receiver<Output>> {
        lock(&self.rx).take()
    }
}

/// The kind a camera with this address is registered as.
pub fn kind_of(uri: &str) -> SourceKind {
    if uri.starts_with("demo:") {
        SourceKind::Demo
    } else {
        SourceKind::Camera
    }
}
