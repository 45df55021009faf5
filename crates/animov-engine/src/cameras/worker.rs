//! One camera's threads: its source (GStreamer capture, or the demo barn
//! rendered in Rust, [`super::demo_source`]) and its analysis
//! ([`super::analysis`]), which hand frames, bouts, segments and snapshots
//! to the writer through a channel. A worker needs no engine: a test starts
//! one and reads what it sends.

use std::{
    path::PathBuf,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    thread::JoinHandle,
    time::{Duration, Instant},
};

use animov_api::{CameraHealth, CameraSettings};
use animov_store::{BoutRow, NewFrame};
use animov_vision::{
    capture::{Capture, CaptureConfig, CapturedFrame, RecordConfig, Segment, Source},
    handoff::Handoff,
};
use tokio::sync::mpsc;

use super::{analysis, demo_source, live::LiveSlot, pool::DetectorPool, stats::WorkerStats};
use crate::config::{DemoConfig, VisionConfig};

/// What the camera threads hand to the async writer.
#[derive(Debug)]
pub enum Output {
    /// One analysed frame.
    Frame {
        /// Camera.
        camera_id: i64,
        /// Its name.
        source: String,
        /// Counts and boxes.
        frame: NewFrame,
    },
    /// Lying bouts that started, moved on or ended.
    Bouts(Vec<BoutRow>),
    /// A closed recording segment.
    Segment {
        /// Camera.
        camera_id: i64,
        /// The file.
        segment: Segment,
    },
    /// A snapshot written to disk.
    Snapshot {
        /// Camera.
        camera_id: i64,
        /// Capture time.
        ts_ms: i64,
        /// JPEG file.
        path: PathBuf,
        /// Picture width.
        width: u32,
        /// Picture height.
        height: u32,
        /// Boxes as JSON.
        detections: Vec<u8>,
    },
}

/// Everything a camera worker needs to start.
#[derive(Debug, Clone)]
pub struct WorkerSpec {
    /// Camera id.
    pub camera_id: i64,
    /// Camera name.
    pub source: String,
    /// Its address.
    pub uri: String,
    /// Its settings.
    pub settings: CameraSettings,
    /// Engine vision settings.
    pub vision: VisionConfig,
    /// Demo herd settings (for `demo:` cameras).
    pub demo: DemoConfig,
    /// Where recordings and snapshots go.
    pub data_dir: PathBuf,
    /// First free track id.
    pub first_track_id: u64,
    /// Newest stored snapshot.
    pub last_snapshot_ms: Option<i64>,
    /// Index of the camera (spreads cameras over the detector pool).
    pub index: usize,
    /// Recording (and snapshots) stopped for want of disk space.
    pub disk_full: bool,
}

impl WorkerSpec {
    /// Where this camera's segments go, if it records.
    fn record(&self) -> Option<RecordConfig> {
        if !self.settings.record || self.disk_full {
            return None;
        }
        let Some(dir) =
            animov_core::ingest::source_dir(&self.data_dir.join("recordings"), &self.source)
        else {
            tracing::warn!(source = %self.source, "not recording: this source's name is not a safe folder name (rename the camera)");
            return None;
        };
        Some(RecordConfig {
            dir,
            segment: Duration::from_secs(u64::from(self.vision.segment_minutes) * 60),
            bitrate_kbps: self.vision.record_bitrate_kbps,
        })
    }
}

/// A running camera.
pub struct Worker {
    /// Camera id.
    pub camera_id: i64,
    /// Camera name.
    pub source: String,
    /// What it was started with (a change restarts it).
    pub uri: String,
    /// Settings it was started with.
    pub settings: CameraSettings,
    /// Started with its recording stopped for want of disk space.
    pub disk_full: bool,
    /// Live view.
    pub live: Arc<LiveSlot>,
    stats: Arc<WorkerStats>,
    handoff: Arc<Handoff<CapturedFrame>>,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
    capture: Option<Capture>,
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker")
            .field("source", &self.source)
            .finish()
    }
}

impl Worker {
    /// Starts the camera's threads. `pool` is its detector (`None`: the demo
    /// scene's boxes); what they see goes to `out`.
    pub fn start(
        spec: WorkerSpec,
        pool: Option<Arc<DetectorPool>>,
        out: mpsc::Sender<Output>,
    ) -> Worker {
        let detector = match &pool {
            Some(p) => p.path().display().to_string(),
            None => "demo scene".into(),
        };
        let record = spec.record();
        let stats = Arc::new(WorkerStats::new(detector, record.is_some()));
        let live = Arc::new(LiveSlot::default());
        // One frame waits for inference: when it is behind, a newer frame
        // replaces the waiting one (the same rate analysed, the freshest
        // picture, one 720p RGB frame — 2.8 MB — less per camera).
        let handoff = Handoff::new(1);
        let stop = Arc::new(AtomicBool::new(false));
        let mut threads = Vec::new();
        let mut capture = None;
        match Source::parse(&spec.uri) {
            Ok(Source::Demo(index)) => {
                let (s, h, st, o) = (spec.clone(), handoff.clone(), stop.clone(), out.clone());
                let stats2 = stats.clone();
                threads.push(spawn(&format!("demo-{}", spec.source), move || {
                    demo_source::run(&s, index, record, &h, &st, &stats2, &o)
                }));
            }
            Ok(source) => {
                let camera_id = spec.camera_id;
                let o = out.clone();
                let cfg = CaptureConfig {
                    fps: spec.vision.fps,
                    realtime: true,
                    loop_file: true,
                    record,
                    decoder_threads: spec.vision.decoder_threads,
                    ..CaptureConfig::default()
                };
                match Capture::start(
                    &spec.source,
                    source,
                    cfg,
                    handoff.clone(),
                    Box::new(move |segment| {
                        let _ = o.blocking_send(Output::Segment { camera_id, segment });
                    }),
                ) {
                    Ok(c) => capture = Some(c),
                    Err(e) => {
                        stats.fail(e.to_string());
                    }
                }
            }
            Err(e) => {
                stats.fail(e.to_string());
            }
        }
        {
            let (s, h, st, l, stats2) = (
                spec.clone(),
                handoff.clone(),
                stop.clone(),
                live.clone(),
                stats.clone(),
            );
            threads.push(spawn(&format!("analyse-{}", spec.source), move || {
                analysis::run(&s, pool, &h, &st, &stats2, &l, &out)
            }));
        }
        tracing::info!(source = %spec.source, uri = %animov_core::camera_uri::masked(&spec.uri), "camera started");
        Worker {
            camera_id: spec.camera_id,
            source: spec.source,
            uri: spec.uri,
            settings: spec.settings,
            disk_full: spec.disk_full,
            live,
            stats,
            handoff,
            stop,
            threads,
            capture,
        }
    }

    /// Stops the threads (closing the current recording segment) and waits.
    pub fn stop(mut self) {
        self.stop.store(true, Ordering::SeqCst);
        self.handoff.close();
        if let Some(mut c) = self.capture.take() {
            c.stop();
        }
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
        tracing::info!(source = %self.source, "camera stopped");
    }

    /// Health for the API.
    pub fn health(&self) -> CameraHealth {
        let capture = self.capture.as_ref().map(Capture::health);
        let mut h = self.stats.health(
            &self.source,
            capture.as_ref(),
            self.handoff.dropped(),
            self.settings.record,
            self.live.watched(),
        );
        if self.disk_full {
            h.recording = animov_api::RecordingState::Failed("disk full".into());
            if h.last_error.is_none() {
                h.last_error = Some(super::disk::DISK_FULL.into());
                h.problem = Some(animov_api::CameraProblem::DiskFull);
            }
        }
        h
    }
}

fn spawn(name: &str, f: impl FnOnce() + Send + 'static) -> JoinHandle<()> {
    std::thread::Builder::new()
        .name(name.chars().take(15).collect())
        .spawn(f)
        .expect("the OS can start a thread")
}

/// Sleeps `d`, waking early when `stop` turns true.
pub(super) fn sleep_unless_stopped(d: Duration, stop: &AtomicBool) {
    let until = Instant::now() + d;
    while Instant::now() < until && !stop.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(20).min(until - Instant::now()));
    }
}
